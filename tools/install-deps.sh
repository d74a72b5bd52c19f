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
