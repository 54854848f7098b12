#!/usr/bin/env bash
# Builds programs of GNU coreutils (Debian's source package) for WASI with clang + wasi-libc and copies each one that
# builds to OUTPUT_DIR/PROGRAM.wasm; the programs that do not build are named on stderr. No PROGRAM: all of them.
#   scripts/coreutils/build.sh OUTPUT_DIR [PROGRAM...]
# (OUTPUT_DIR/not-built.txt: each program that did not build, a tab, its first error.)
# What WASI lacks comes from compat/ (a few headers and a small library: one user, no permission bits, no processes,
# no mount table, no setjmp). The build stays in .cache/ at the repository root, keyed by the source version and a
# hash of the compiler flags and compat/: later runs only build the programs they have not built yet. Configuring takes
# minutes. Exit code 3: the source package cannot be fetched here.
set -euo pipefail
output=$(realpath -m "${1:?usage: build.sh OUTPUT_DIR [PROGRAM...]}")
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source_dir=$("$root/scripts/debian-source" coreutils)
jobs=$(( $(nproc) < 2 ? $(nproc) : 2 ))

# _GNU_SOURCE from the start: the compat header is read before config.h would define it.
cflags="-O2 -D_GNU_SOURCE -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_GETPID"
cflags+=" -D_WASI_EMULATED_MMAN -I$here/compat/include"
# fcntl(F_DUPFD) goes to compat.c's wrapper, which wasi-libc lacks (gnulib's fts duplicates directory descriptors).
ldflags="-Wl,-z,stack-size=1048576 -Wl,--wrap=fcntl"
# What configure cannot find out when cross-compiling: compat.c's getgroups works and takes gid_t (else gnulib
# replaces it with one that does not compile against compat's declaration, and id and groups do not link).
configure_answers=(ac_cv_func_getgroups_works=yes ac_cv_type_getgroups=gid_t)
# The key does not depend on where the checkout is: worktrees and CI share one build per source, flags and layer.
key=$( (echo "${cflags//"$here"/}" "$ldflags" "${configure_answers[*]}"
  cat "$here"/compat/*.c "$here"/compat/include/*.h "$here"/compat/include/sys/*.h) | sha256sum | cut -c1-12)
build="${MOC_BUILD_CACHE:-$root/.cache}/$(basename "$source_dir")-wasi-$key"
mkdir -p "$build" "$output"
# printf of long doubles (seq, printf, od) needs wasi-libc's long double formatting, which is not linked by default.
libs="$build/lib/libmoccompat.a -lc-printscan-long-double -lwasi-emulated-signal -lwasi-emulated-process-clocks"
libs+=" -lwasi-emulated-getpid -lwasi-emulated-mman"
if [[ ! -f "$build/lib/libmoccompat.a" ]]; then
  mkdir -p "$build/lib"
  clang --target=wasm32-wasi $cflags -include moc-wasi-compat.h -c "$here/compat/compat.c" -o "$build/compat.o"
  llvm-ar rcs "$build/lib/libmoccompat.a" "$build/compat.o"
fi
if [[ ! -f "$build/config.status" ]]; then
  # coreutils refuses to configure as root without FORCE_UNSAFE_CONFIGURE.
  # sigaction: compat.c's, for the struct gnulib declares (wasi-libc hides its own).
  (cd "$build" && env "${configure_answers[@]}" FORCE_UNSAFE_CONFIGURE=1 ac_cv_func_sigaction=no AR=llvm-ar RANLIB=llvm-ranlib CC="clang --target=wasm32-wasi" CFLAGS="$cflags" \
    LDFLAGS="$ldflags" \
    LIBS="$libs" \
    "$source_dir/configure" -C --host=wasm32-unknown-wasi --disable-nls --disable-acl --disable-xattr --disable-libcap \
      --without-selinux --without-openssl --disable-threads --disable-dependency-tracking >"$build/configure.log" 2>&1) \
    || { echo "configure for WASI failed; see $build/configure.log" >&2; tail -5 "$build/configure.log" >&2; rm -f "$build/config.status"; exit 1; }
fi

# Configure's checks declare the functions they look for themselves; make gets compat's declarations.
# GNU ar cannot index WebAssembly objects.
make_flags=(-C "$build" -k -j"$jobs" CFLAGS="$cflags -include moc-wasi-compat.h" LIBS="$libs" AR=llvm-ar
  RANLIB=llvm-ranlib)
# gnulib's library holds the modules that compile for WASI: a program that needs one that does not is left unlinked.
library() {
  make "${make_flags[@]}" lib/libcoreutils.a >>"$build/make.log" 2>&1 && return
  rm -f "$build/lib/libcoreutils.a"
  find "$build/lib" -name '*.o' -print0 | xargs -0 llvm-ar rcs "$build/lib/libcoreutils.a"
}
# No program named: every one the Makefile installs.
(($# > 0)) || set -- $(sed -n 's/^bin_PROGRAMS = //p' "$build/Makefile" | tr ' ' '\n' | sed 's/\$(EXEEXT)//' | sed -n 's|^src/\([a-z].*\)|\1|p')
# The generated headers first (make all makes them first too), then only the programs asked for.
make "${make_flags[@]}" -f Makefile -f <(echo 'moc-built-sources: $(BUILT_SOURCES)') moc-built-sources \
  >"$build/make.log" 2>&1 || true
library
make "${make_flags[@]}" -o lib/libcoreutils.a $(printf 'src/%s ' "$@") >>"$build/make.log" 2>&1 || true
# A program that does not build gets a line in OUTPUT_DIR/not-built.txt: its name, a tab, its first error.
missing=()
: > "$output/not-built.txt"
for program in "$@"; do
  # The Makefile builds install as ginstall (not to clash with its own install target); it is installed as install.
  if [[ -f "$build/src/$program" ]]; then cp "$build/src/$program" "$output/${program/#ginstall/install}.wasm"; continue; fi
  missing+=("$program")
  error=$(make "${make_flags[@]}" -o lib/libcoreutils.a "src/$program" 2>&1 | grep -m1 -E 'error:|undefined symbol' || true)
  printf '%s\t%s\n' "$program" "${error//"$source_dir/"/}" >> "$output/not-built.txt"
done
((${#missing[@]} == 0)) || echo "did not build for WASI: ${missing[*]} (see $output/not-built.txt)" >&2
