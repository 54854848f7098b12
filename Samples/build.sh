#!/usr/bin/env bash
# Builds every sample guest into OUT_DIR (default Samples/build/): WAT with wat2wasm, C with clang for wasm32.
# Usage: Samples/build.sh [OUT_DIR]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/build}"
mkdir -p "$out"

missing=()
for tool in wat2wasm clang wasm-ld; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
    echo "build.sh: missing ${missing[*]} (Debian: apt-get install wabt clang lld)" >&2
    exit 1
fi

for wat in "$here"/wat/*.wat; do
    name="$(basename "$wat" .wat)"
    echo "wat2wasm  $wat -> $out/$name.wasm"
    wat2wasm "$wat" -o "$out/$name.wasm"
done

# No libc: -nostdlib, no entry point (the host calls the exports), _start exported.
# No --allow-undefined: the imports carry import_module attributes (moc.h), so any
# other undefined symbol (a typo, or a memcpy the optimizer invented) fails the link here.
# Filters (hooks) on the `core` API take the same flags, into OUT_DIR/filters/ (they import core, not my-own-cluster).
bare() { # bare SOURCE_DIR OUT_DIR
    mkdir -p "$2"
    for c in "$1"/*.c; do
        name="$(basename "$c" .c)"
        echo "clang     $c -> $2/$name.wasm"
        clang --target=wasm32 -nostdlib -O2 -Wall -Wextra -Werror \
            -Wl,--no-entry -Wl,--export=_start -Wl,--strip-debug \
            -o "$2/$name.wasm" "$c"
    done
}
bare "$here/c" "$out"
bare "$here/filters" "$out/filters"

# WASI programs (posix mode) with wasi-libc: into OUT_DIR/wasi/ (they import wasi_snapshot_preview1, not my-own-cluster).
# Debian installs wasi-libc where clang finds it; elsewhere it may live in a sysroot.
mkdir -p "$out/wasi"
sysroot=()
[ -d /usr/share/wasi-sysroot ] && sysroot=(--sysroot=/usr/share/wasi-sysroot)
for c in "$here"/wasi/*.c; do
    name="$(basename "$c" .c)"
    echo "clang     $c -> $out/wasi/$name.wasm"
    clang --target=wasm32-wasi "${sysroot[@]}" -O2 -Wall -Wextra -Werror -o "$out/wasi/$name.wasm" "$c"
done
