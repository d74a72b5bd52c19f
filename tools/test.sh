#!/usr/bin/env bash
# The README's second command (and .ci/run): install what is missing (PostgreSQL and Redis
# included), build, start throw-away PostgreSQL and Redis on loopback, run the whole suite
# with ctest. Extra arguments go to ctest (e.g. -L faults, -R tst_config).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
tools/build.sh
export BK_TEST_REQUIRE_SERVERS=1
export QT_QPA_PLATFORM=offscreen
tools/with-servers.sh ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
