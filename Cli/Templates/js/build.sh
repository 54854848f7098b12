#!/usr/bin/env bash
# Nothing to compile: the server parses the script when it is pushed. With node installed, check its syntax first.
set -euo pipefail
cd "$(dirname "$0")"
if command -v node >/dev/null; then
    node --check __NAME__.js
fi
echo "ready $(pwd)/__NAME__.js"
