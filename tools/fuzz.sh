#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Short libFuzzer runs of every parser target (tests/fuzz, RELIABILITY.md). Configures a clang
# build into ${BUILD_DIR:-build-fuzz} with ASan + UBSan and coverage instrumentation on all
# code (core, plugins, targets), builds only the fuzz targets, then runs each for
# FUZZ_SECONDS (default 20) from its seed corpus, FUZZ_JOBS at a time. Any crash, sanitizer
# report, timeout or OOM fails the script; the input is kept in $BUILD_DIR/fuzz-artifacts/.
# Arguments: target names (fuzz_binance_klines ...) to run only those.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
# CI runs a fixed number of inputs from a fixed seed, so a run is reproducible and a green CI
# stays green for the same code; explore longer by hand with FUZZ_RUNS=0 and a bigger FUZZ_SECONDS.
FUZZ_RUNS=${FUZZ_RUNS:-0}
FUZZ_SEED=${FUZZ_SEED:-1}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}
# Longest input: twice the 64 KiB request body (api.maxRequestBytes) and far above the CSV
# line cap, so the "too long" paths of the parsers are reached too.
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-131072}
CC=${CC:-clang-14}
CXX=${CXX:-clang++-14}
command -v "$CXX" >/dev/null || { echo "fuzz: $CXX not found (apt-get install clang-14)" >&2; exit 1; }

# libbarkeep-core.so is instrumented too; clang links the sanitizer runtime into executables
# only, so every image uses the shared runtime (otherwise the .so has unresolved __asan_*
# symbols under --no-undefined).
rtdir=$(dirname "$("$CXX" -print-file-name=libclang_rt.asan-x86_64.so)")
san="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wno-unknown-warning-option"
link="-shared-libsan -Wl,-rpath,$rtdir"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
[[ -f "$BUILD_DIR/CMakeCache.txt" ]] && gen=()
start=$(date +%s)
CC=$CC CXX=$CXX cmake -S . -B "$BUILD_DIR" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS="$san" \
    -DCMAKE_EXE_LINKER_FLAGS="$link" -DCMAKE_SHARED_LINKER_FLAGS="$link" \
    -DBARKEEP_FUZZ=ON -DBARKEEP_BUILD_GUI=OFF -DBARKEEP_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$BUILD_DIR" --target barkeep_fuzz_targets -j"$(nproc)"
built=$(date +%s)
echo "fuzz: build took $((built - start)) s" >&2

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    for d in tests/fuzz/corpus/fuzz_*/; do
        t=$(basename "$d")
        [[ -x "$BUILD_DIR/tests/fuzz/$t" ]] && targets+=("$t")
    done
fi
art="$BUILD_DIR/fuzz-artifacts"
mkdir -p "$art"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

run_one() {
    local t=$1 work="$BUILD_DIR/fuzz-work/$1"
    mkdir -p "$work" "$art/$t"
    # New inputs go to the work dir; the committed seeds are only read.
    local limit=(-max_total_time="$FUZZ_SECONDS")
    # Config::load applies every default and checks every key per input (about 10 ms under
    # ASan against < 0.1 ms for the other targets), so a fixed-run CI pass gives it an eighth.
    local runs=$FUZZ_RUNS
    [[ $t == fuzz_config ]] && runs=$(( (FUZZ_RUNS + 7) / 8 ))
    ((FUZZ_RUNS > 0)) && limit=(-runs="$runs")
    if "$BUILD_DIR/tests/fuzz/$t" "${limit[@]}" -seed="$FUZZ_SEED" -timeout=10 -rss_limit_mb=2048 \
        -max_len="$FUZZ_MAX_LEN" -print_final_stats=1 -artifact_prefix="$art/$t/" \
        "$work" "tests/fuzz/corpus/$t" >"$art/$t.log" 2>&1; then
        echo "fuzz: $t ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$art/$t.log" | grep -o '[0-9]*$') runs)"
    else
        echo "fuzz: $t FAILED, see $art/$t.log; input in $art/$t/" >&2
        grep -m5 -E 'ERROR|runtime error|SUMMARY' "$art/$t.log" >&2 || true
        return 1
    fi
}
export -f run_one
# The shared ASan runtime has to be the first library loaded.
export LD_PRELOAD="$rtdir/libclang_rt.asan-x86_64.so"
export BUILD_DIR FUZZ_SECONDS FUZZ_RUNS FUZZ_SEED FUZZ_MAX_LEN art
rc=0
printf '%s\n' "${targets[@]}" | xargs -P "$FUZZ_JOBS" -I{} bash -c 'run_one {}' || rc=1
echo "fuzz: ${#targets[@]} targets x ${FUZZ_SECONDS} s, total $(( $(date +%s) - start )) s" >&2
exit $rc
