#!/usr/bin/env bash
# Installs what Barkeep needs on Debian 12, only what is missing (quick when all is there).
#   tools/install-deps.sh          build + run
#   tools/install-deps.sh --test   also PostgreSQL, Redis, Xvfb and the test tools
set -euo pipefail

pkgs=(build-essential cmake ninja-build pkg-config
      qt6-base-dev qt6-base-private-dev qt6-base-dev-tools libqt6sql6-sqlite qt6-httpserver-dev qt6-websockets-dev
      qt6-charts-dev libqt6opengl6-dev qt6-svg-dev qtkeychain-qt6-dev qt6-l10n-tools qt6-tools-dev qt6-tools-dev-tools
      libgl-dev libegl-dev libvulkan-dev libxkbcommon-dev
      libsqlite3-dev libpq-dev libhiredis-dev zlib1g-dev)
if [[ "${1:-}" == "--test" ]]; then
    pkgs+=(postgresql redis-server xvfb xauth procps iproute2 sqlite3 unzip zip
           desktop-file-utils appstream dpkg-dev file lintian wrk clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "barkeep: installing ${missing[*]}" >&2
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The test suite's npm tools (tests/api/openapi: the OpenAPI lint and generated-types check;
# tests/benchmarks/ccxt: the ccxt conformance test and benchmark baselines), pinned in their
# package.json files (npm install is quick when they are there). Node comes from Debian when
# there is none (a newer one, e.g. NodeSource's, is kept).
if [[ "${1:-}" == "--test" ]]; then
    if ! command -v npm >/dev/null; then
        echo "barkeep: installing nodejs npm" >&2
        SUDO=""
        [[ $(id -u) -eq 0 ]] || SUDO=sudo
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    fi
    root=$(cd "$(dirname "$0")/.." && pwd)
    for dir in tests/api/openapi tests/benchmarks/ccxt; do
        (cd "$root/$dir" && npm install --no-audit --no-fund --no-package-lock --silent >/dev/null 2>&1) \
            || echo "barkeep: npm install in $dir failed; the tests that need it will skip" >&2
    done
fi
