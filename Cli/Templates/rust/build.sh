#!/usr/bin/env bash
# Builds __NAME__.wasm with cargo for wasm32-unknown-unknown (once: rustup target add wasm32-unknown-unknown).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --target wasm32-unknown-unknown
cp "target/wasm32-unknown-unknown/release/__CRATE__.wasm" __NAME__.wasm
echo "built $(pwd)/__NAME__.wasm"
