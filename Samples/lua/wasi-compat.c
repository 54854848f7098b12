/* Glue for building Lua with wasi-libc (Samples/lua/build.sh): functions it declares but cannot provide. */
#include <errno.h>
#include <stdio.h>
/* tmpfile: no temporary directory to make one in. */
FILE *tmpfile(void) { errno = ENOTSUP; return NULL; }
/* No processes to start under WASI: system() has no shell (C says 0 for a null command means none). */
#include <errno.h>
int system(const char *command) { if (!command) return 0; errno = ENOSYS; return -1; }
