/* POSIX functions WASI does not have, declared for GNU coreutils' WASI build (scripts/coreutils/build.sh forces this
   header into every compilation of make with -include, not into configure's checks, which declare functions their
   own way). compat.c defines them: each either does what POSIX says in the one
   way WASI allows (a single user, no permission bits, no processes) or fails with the errno a POSIX system without
   the feature gives, so that the program reports it rather than crashing. */
#ifndef MOC_WASI_COMPAT_H
#define MOC_WASI_COMPAT_H

#include <sys/types.h>
#include <__typedef_sigset_t.h>
/* wasi-libc's own headers, not gnulib's wrappers of them, which need config.h first. */
#include <__header_dirent.h>
#include <__header_fcntl.h>

/* wasi-libc declares an opendirat(int, const char *) of its own; gnulib's takes four arguments. */
#define opendirat moc_gnulib_opendirat
/* Else gnulib's fcntl.h defines F_DUPFD as 1, wasi-libc's F_GETFD. */
#ifndef F_DUPFD
#define F_DUPFD 0
#endif
/* WASI has no sockets in directories: a type no directory entry has (fts tests for it). */
#ifndef DT_SOCK
#define DT_SOCK __WASI_FILETYPE_SOCKET_DGRAM
#endif

#ifdef __cplusplus
extern "C" {
#endif

uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int getgroups(int, gid_t[]);
int chown(const char *, uid_t, gid_t);
int fchown(int, uid_t, gid_t);
int lchown(const char *, uid_t, gid_t);
int fchownat(int, const char *, uid_t, gid_t, int);
mode_t umask(mode_t);
int chmod(const char *, mode_t);
int fchmod(int, mode_t);
int fchmodat(int, const char *, mode_t, int);
int dup(int);
int dup2(int, int);
int pipe(int[2]);
pid_t fork(void);
int execvp(const char *, char *const[]);
int kill(pid_t, int);
pid_t getppid(void);
char *ttyname(int);
void sync(void);
int getpagesize(void);
int fchdir(int);
int gethostname(char *, size_t);
char *getlogin(void);
int mknod(const char *, mode_t, dev_t);
int mkfifo(const char *, mode_t);
unsigned alarm(unsigned);
int chroot(const char *);
int nice(int);
int setuid(uid_t);
int setgid(gid_t);
ssize_t getrandom(void *, size_t, unsigned);
/* Declared here because wasi-libc's headers hide them: called undeclared, with the implicit int f() type, the link
   turns each call into a trap (a signature_mismatch stub), as gnulib's mktime's tzset() in date -d did. */
void tzset(void);
struct _IO_FILE;
void flockfile(struct _IO_FILE *);
void funlockfile(struct _IO_FILE *);
int execl(const char *, const char *, ...);
int execlp(const char *, const char *, ...);

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
int sigemptyset(sigset_t *);
int sigfillset(sigset_t *);
int sigaddset(sigset_t *, int);
int sigdelset(sigset_t *, int);
int sigismember(const sigset_t *, int);
int sigprocmask(int, const sigset_t *, sigset_t *);
int sigpending(sigset_t *);
int getdtablesize(void);

#ifdef __cplusplus
}
#endif

#endif
