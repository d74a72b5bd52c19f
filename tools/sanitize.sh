#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sanitizer run for CI (RELIABILITY.md): configures an ASan + UBSan build without the GUI and
# the benchmark drivers into ${BUILD_DIR:-build-asan}, builds it, and runs ctest there with
# throw-away PostgreSQL and Redis (tools/with-servers.sh). Any sanitizer report fails the run.
# Extra arguments go to ctest; SANITIZE_CTEST_ARGS replaces the default test selection.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
JOBS=${JOBS:-$(nproc)}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
[[ -f "$BUILD_DIR/CMakeCache.txt" ]] && gen=()

start=$(date +%s)
cmake -S . -B "$BUILD_DIR" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DBARKEEP_SANITIZE=ON -DBARKEEP_BUILD_GUI=OFF -DBARKEEP_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS"
built=$(date +%s)
echo "sanitize: build took $((built - start)) s" >&2

export BK_TEST_REQUIRE_SERVERS=1
export QT_QPA_PLATFORM=offscreen
# Leak detection is on: the suite was leak-clean when this was written (RELIABILITY.md). A
# leak report makes the process exit non-zero, which fails its test (also the headless
# children the fault and security tests stop with SIGTERM).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Default selection (RELIABILITY.md "Sanitizer build"): everything but the benchmark smokes
# and the packaging test, which re-runs a whole CPack build.
if [[ -n "${SANITIZE_CTEST_ARGS:-}" ]]; then
    read -r -a sel <<<"$SANITIZE_CTEST_ARGS"
else
    sel=(-LE "benchmark|packaging")
fi
rc=0
tools/with-servers.sh ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" \
    --timeout 900 "${sel[@]}" "$@" || rc=$?
echo "sanitize: tests took $(( $(date +%s) - built )) s (total $(( $(date +%s) - start )) s)" >&2
exit $rc
