/* Waiting for child processes (scripts/coreutils/build.sh): WASI has no processes, so there is never a child and
   waitpid fails with ECHILD. The status macros are Linux's encoding. */
#ifndef MOC_SYS_WAIT_H
#define MOC_SYS_WAIT_H

#include <sys/types.h>

#define WNOHANG 1
#define WUNTRACED 2
#define WEXITSTATUS(status) (((status) & 0xff00) >> 8)
#define WTERMSIG(status) ((status) & 0x7f)
#define WSTOPSIG(status) WEXITSTATUS(status)
#define WIFEXITED(status) (WTERMSIG(status) == 0)
#define WIFSIGNALED(status) (((signed char) (((status) & 0x7f) + 1) >> 1) > 0)
#define WIFSTOPPED(status) (((status) & 0xff) == 0x7f)

pid_t wait(int *);
pid_t waitpid(pid_t, int *, int);

#endif
