#!/usr/bin/env bash
# The README's first command: install, build, start Barkeep on its embedded defaults
# (SQLite in the user data dir, memory cache, the offline demo provider, API on
# 127.0.0.1:8765). The window when a display exists, headless otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
# Only what running needs: the binary, its built-in plugins, the window module and the
# translations (the barkeep target depends on them), not the ~400 test and benchmark targets.
BUILD_TARGET=barkeep tools/build.sh
mode=()
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "barkeep: no display found, starting headless (Ctrl-C stops it)" >&2
    mode=(--headless)
fi
exec build/app/barkeep "${mode[@]}" "$@"
