#!/usr/bin/env bash
# The README's second command (and .ci/run): install what is missing (PostgreSQL and Redis
# included), build, start throw-away PostgreSQL and Redis on loopback, run the whole suite
# with ctest. Extra arguments go to ctest (e.g. -L faults, -R tst_config).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
tools/build.sh
# ccxt (npm) lets tst_ccxtbinance check that the Binance fake speaks Binance; without node or
# the registry that one test skips and says why.
if command -v npm >/dev/null; then
    (cd tests/benchmarks/ccxt && npm install --no-audit --no-fund --no-package-lock --silent >/dev/null 2>&1) \
        || echo "barkeep: npm install ccxt failed; tst_ccxtbinance will skip" >&2
fi
export BK_TEST_REQUIRE_SERVERS=1
export QT_QPA_PLATFORM=offscreen
tools/with-servers.sh ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
