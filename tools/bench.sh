#!/usr/bin/env bash
# Builds Release and runs every benchmark driver (with throw-away PostgreSQL and Redis up),
# then prints one table: name, Barkeep's figure, the baseline measured in the same run,
# ratio, goal, pass/miss. Drivers print rows as "name | barkeep | baseline | ratio | goal | pass/miss".
set -uo pipefail
cd "$(dirname "$0")/.."
# --test also installs the baselines' npm packages (ccxt in tests/benchmarks/ccxt), so the
# ccxt rows are measured on a fresh clone too.
tools/install-deps.sh --test
tools/build.sh >/dev/null
out=$(mktemp)
export QT_QPA_PLATFORM=offscreen BENCH_OUT="$out"
tools/with-servers.sh bash -c '
for b in $(find build/tests/benchmarks -type f -executable -name "bench_*" | sort); do
    echo "== $(basename "$b")" >&2
    timeout 300 "$b" 2>&1 | tee -a "$BENCH_OUT" >&2 || echo "$(basename "$b") | failed | | | | miss" >>"$BENCH_OUT"
done'
echo
echo "| benchmark | Barkeep | baseline | ratio | goal | result |"
echo "|---|---|---|---|---|---|"
grep -E '^[^|]+\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|[^|]*$' "$out" | grep -v '^name' | sed 's/^/| /; s/$/ |/'
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB RAM; $(date -u +%Y-%m-%d); command: tools/bench.sh"
rm -f "$out"
