#!/usr/bin/env bash
# Builds __NAME__.wasm with clang for wasm32, no libc (Debian: apt-get install clang lld).
set -euo pipefail
cd "$(dirname "$0")"
clang --target=wasm32 -nostdlib -O2 -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--export=_start -Wl,--strip-debug \
    -o __NAME__.wasm __NAME__.c
echo "built $(pwd)/__NAME__.wasm"
