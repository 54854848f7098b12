#!/bin/sh
# Builds the KVM sample guests: static, freestanding x86-64 ELFs linked at 0x100000 (guest.ld).
# Usage: Samples/kvm/build.sh [output-dir]   (default: Samples/kvm/build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/build}
mkdir -p "$out"
CC=${CC:-gcc}
CFLAGS="-ffreestanding -nostdlib -static -fno-pie -no-pie -O2 -mno-red-zone -fno-stack-protector \
  -fno-asynchronous-unwind-tables -fcf-protection=none -I$here"
LDFLAGS="-Wl,-T,$here/guest.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments"

build() { # name entry
    $CC $CFLAGS $LDFLAGS -Wl,-e,"$2" -o "$out/$1.elf" "$here/$1.c"
}

build hello hello
build uppercase uppercase
build compute add6
build counter next
build bad ok
build fetch fetch
echo "built into $out"
