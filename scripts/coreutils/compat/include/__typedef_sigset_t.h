/* Replaces wasi-libc's placeholder sigset_t (an unsigned char, too small for its own NSIG of 65) before any of its
   headers defines it, so that compat.c can provide POSIX signal sets and gnulib need not replace them with a set of
   32 signals (scripts/coreutils/build.sh). Same include guard as wasi-libc's header. */
#ifndef __wasilibc___typedef_sigset_t_h
#define __wasilibc___typedef_sigset_t_h

typedef unsigned long long sigset_t;

#endif
