#!/usr/bin/env bash
# Builds __NAME__.wasm with wat2wasm (Debian: apt-get install wabt).
set -euo pipefail
cd "$(dirname "$0")"
wat2wasm __NAME__.wat -o __NAME__.wasm
echo "built $(pwd)/__NAME__.wasm"
