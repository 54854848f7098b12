#!/usr/bin/env bash
# Builds the Lua 5.4 interpreter of Debian's source package (lua5.4) for WASI with clang + wasi-libc:
#   Samples/lua/build.sh OUTPUT.wasm
# The source is fetched with apt-get source (a deb-src entry for bookworm is added when none is configured; that
# needs root) into a cache directory, then every file but luac.c is compiled. wasi-libc has no setjmp/longjmp, so a
# Lua error (even inside pcall) ends the program: LUAI_THROW aborts it and the call traps.
# Exit code 3: the source package cannot be fetched here (no network, not root).
set -euo pipefail
output=$(realpath -m "${1:?usage: build.sh OUTPUT.wasm}")
here=$(cd "$(dirname "$0")" && pwd)
cache=${MOC_SOURCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/moc-sources}
mkdir -p "$cache"
source_dir=$(find "$cache" -maxdepth 1 -type d -name 'lua5.4-*' | head -1)
if [[ -z "$source_dir" ]]; then
  if ! grep -rqs '^Types: deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    [[ $(id -u) -eq 0 ]] || { echo "no deb-src entry and not root: cannot fetch lua5.4's source" >&2; exit 3; }
    cat > /etc/apt/sources.list.d/moc-deb-src.sources <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    apt-get update -qq || { echo "apt-get update failed" >&2; exit 3; }
  fi
  (cd "$cache" && apt-get source -qq lua5.4 >/dev/null 2>&1) || { echo "apt-get source lua5.4 failed" >&2; exit 3; }
  source_dir=$(find "$cache" -maxdepth 1 -type d -name 'lua5.4-*' | head -1)
fi

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
