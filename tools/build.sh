#!/usr/bin/env bash
# Configures and builds Barkeep in Release into ${BUILD_DIR:-build}: everything, or only
# ${BUILD_TARGET} (tools/run.sh: the barkeep target, which pulls its plugins and window module).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
[[ -f "$BUILD_DIR/CMakeCache.txt" ]] && gen=()
cmake -S . -B "$BUILD_DIR" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
