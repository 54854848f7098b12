#!/usr/bin/env bash
# Builds __NAME__.wasm with the AssemblyScript compiler from npm (installed into node_modules on first build).
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/assemblyscript ] || npm install --no-audit --no-fund
npm run --silent build
echo "built $(pwd)/__NAME__.wasm"
