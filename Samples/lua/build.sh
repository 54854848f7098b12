#!/usr/bin/env bash
# Builds the Lua 5.4 interpreter of Debian's source package (lua5.4) for WASI with clang + wasi-libc:
#   Samples/lua/build.sh OUTPUT.wasm
# The source is fetched by scripts/debian-source, then every file but luac.c is compiled. wasi-libc has no
# setjmp/longjmp, so a Lua error (even inside pcall) ends the program: LUAI_THROW aborts it and the call traps.
# Exit code 3: the source package cannot be fetched here (no network, not root).
set -euo pipefail
output=$(realpath -m "${1:?usage: build.sh OUTPUT.wasm}")
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$("$here/../../scripts/debian-source" lua5.4)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Headers Debian's patches and Lua expect that a WASI build does not have.
echo '#define DEB_HOST_MULTIARCH "wasm32-wasi"' > "$work/lua5.4-deb-multiarch.h"
echo '/* wasi-libc has no setjmp: errors abort, see LUAI_THROW below */' > "$work/setjmp.h"
flags=(--target=wasm32-wasi -O2 -I"$work" -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -DLUA_USE_C89
  -DLUA_TMPNAMBUFSIZE=32 '-Dlua_tmpnam(b,e)={ e = 1; }'
  '-DLUAI_THROW(L,c)=abort()' '-DLUAI_TRY(L,c,a)=if (1) { a }' '-Dluai_jmpbuf=int')
objects=()
for file in "$source_dir"/src/*.c "$here/wasi-compat.c"; do
  [[ $(basename "$file") == luac.c ]] && continue
  object="$work/$(basename "${file%.c}").o"
  clang "${flags[@]}" -c "$file" -o "$object"
  objects+=("$object")
done
clang --target=wasm32-wasi -O2 -o "$output" "${objects[@]}" -lwasi-emulated-signal -lwasi-emulated-process-clocks
echo "built $output"
