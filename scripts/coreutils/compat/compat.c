/* Definitions for include/moc-wasi-compat.h, mntent.h, pwd.h and grp.h (see there). WASI has a single anonymous user
   who owns every file (stat reports uid and gid 0), no permission bits, no processes and no mount table. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <mntent.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wasi/api.h>

static int unsupported(void)
{
  errno = ENOSYS;
  return -1;
}

uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
gid_t getgid(void) { return 0; }
gid_t getegid(void) { return 0; }
int getgroups(int size, gid_t list[]) { (void) size; (void) list; return 0; }

/* The only owner there is: changing to it (or to -1, "unchanged") succeeds once the file is found. */
static int owner_only(int found, uid_t uid, gid_t gid)
{
  if (found != 0)
    return -1;
  if ((uid != (uid_t) -1 && uid != 0) || (gid != (gid_t) -1 && gid != 0))
    {
      errno = EPERM;
      return -1;
    }
  return 0;
}

int fchownat(int dir, const char *path, uid_t uid, gid_t gid, int flags)
{
  struct stat status;
  return owner_only(fstatat(dir, path, &status, flags & AT_SYMLINK_NOFOLLOW), uid, gid);
}
int chown(const char *path, uid_t uid, gid_t gid) { return fchownat(AT_FDCWD, path, uid, gid, 0); }
int lchown(const char *path, uid_t uid, gid_t gid) { return fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW); }
int fchown(int fd, uid_t uid, gid_t gid)
{
  struct stat status;
  return owner_only(fstat(fd, &status), uid, gid);
}

/* No permission bits are stored: a mode change of a file that exists succeeds and changes nothing. */
static mode_t creation_mask = 022;
mode_t umask(mode_t mask)
{
  mode_t previous = creation_mask;
  creation_mask = mask & 0777;
  return previous;
}
int fchmodat(int dir, const char *path, mode_t mode, int flags)
{
  struct stat status;
  (void) mode;
  return fstatat(dir, path, &status, flags & AT_SYMLINK_NOFOLLOW);
}
int chmod(const char *path, mode_t mode) { return fchmodat(AT_FDCWD, path, mode, 0); }
int fchmod(int fd, mode_t mode)
{
  struct stat status;
  (void) mode;
  return fstat(fd, &status);
}
/* WASI cannot copy a descriptor. A directory's can be had again by opening "." below it, which is what gnulib's fts
   (rm -r, du, cp -r, chmod -R) duplicates, with fcntl(F_DUPFD): the copy is the lowest free descriptor from lowest
   on. Any other descriptor answers as before, with otherwise (EINVAL from fcntl, ENOSYS from dup). */
static int duplicate_directory(int fd, int lowest, int otherwise)
{
  struct stat status;
  if (fstat(fd, &status) != 0)
    return -1;
  if (!S_ISDIR(status.st_mode) || lowest < 0)
    {
      errno = otherwise;
      return -1;
    }
  int held[8];
  int count = 0;
  int copy = openat(fd, ".", O_RDONLY | O_DIRECTORY);
  while (copy >= 0 && copy < lowest && count < 8)
    {
      held[count++] = copy;
      copy = openat(fd, ".", O_RDONLY | O_DIRECTORY);
    }
  while (count > 0)
    close(held[--count]);
  if (copy >= 0 && copy < lowest)
    {
      close(copy);
      errno = EMFILE;
      return -1;
    }
  return copy;
}
int dup(int fd) { return duplicate_directory(fd, 0, ENOSYS); }

/* gnulib's fcntl.h defines it when the C library does not (wasi-libc does not). */
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 0x40000000
#endif
/* build.sh links with --wrap=fcntl: wasi-libc's fcntl for all but F_DUPFD, which it does not have. */
int __real_fcntl(int fd, int command, ...);
int __wrap_fcntl(int fd, int command, ...)
{
  int argument = 0;
  if (command != F_GETFD && command != F_GETFL)
    {
      va_list arguments;
      va_start(arguments, command);
      argument = va_arg(arguments, int);
      va_end(arguments);
    }
  if (command == F_DUPFD || command == F_DUPFD_CLOEXEC)
    return duplicate_directory(fd, argument, EINVAL);
  return __real_fcntl(fd, command, argument);
}

/* The random bytes WASI has (random_get); wasi-libc offers them only as getentropy, 256 bytes at a time. */
ssize_t getrandom(void *buffer, size_t length, unsigned flags)
{
  (void) flags;
  __wasi_errno_t error = __wasi_random_get(buffer, length);
  if (error != 0)
    {
      errno = error;
      return -1;
    }
  return (ssize_t) length;
}
/* WASI can move a descriptor (fd_renumber), not copy one: dup2 leaves fd closed. That is what coreutils' open,
   dup2, close sequences (dd, split, sort -o: fd_reopen) end with anyway. */
int dup2(int fd, int to)
{
  if (fd == to)
    return fcntl(fd, F_GETFD) < 0 ? -1 : to;
  __wasi_errno_t error = __wasi_fd_renumber(fd, to);
  if (error != 0)
    {
      errno = error;
      return -1;
    }
  return to;
}
int pipe(int fds[2]) { (void) fds; return unsupported(); }
pid_t fork(void) { return unsupported(); }
int execvp(const char *file, char *const arguments[]) { (void) file; (void) arguments; return unsupported(); }
int kill(pid_t pid, int signal) { (void) pid; (void) signal; return unsupported(); }
int fchdir(int fd) { (void) fd; return unsupported(); }
int mknod(const char *path, mode_t mode, dev_t device) { (void) path; (void) mode; (void) device; return unsupported(); }
int mkfifo(const char *path, mode_t mode) { (void) path; (void) mode; return unsupported(); }
int chroot(const char *path) { (void) path; return unsupported(); }
int nice(int increment) { (void) increment; return unsupported(); }
/* wasi-libc never sets the program's name, as musl does at start: gnulib's error() prints it before each message
   ("(null): ..." without), so it is read from argv[0] before main. */
__attribute__((constructor)) static void name_the_program(void)
{
  size_t count, size;
  if (__wasi_args_sizes_get(&count, &size) != 0 || count == 0)
    return;
  char **arguments = malloc(count * sizeof *arguments);
  char *text = malloc(size);
  if (arguments == NULL || text == NULL || __wasi_args_get((uint8_t **) arguments, (uint8_t *) text) != 0)
    {
      free(arguments);
      free(text);
      return;
    }
  program_invocation_name = arguments[0];
  char *slash = strrchr(arguments[0], '/');
  program_invocation_short_name = slash != NULL ? slash + 1 : arguments[0];
  free(arguments);
}

/* The only user there is: becoming it succeeds, becoming anyone else is not permitted. */
int setuid(uid_t uid) { return uid == 0 ? 0 : (errno = EPERM, -1); }
int setgid(gid_t gid) { return gid == 0 ? 0 : (errno = EPERM, -1); }
pid_t getppid(void) { return 1; }
unsigned alarm(unsigned seconds) { (void) seconds; return 0; }
void sync(void) {}
int getpagesize(void) { return 65536; }
char *getlogin(void) { errno = ENXIO; return NULL; }

char *ttyname(int fd)
{
  errno = isatty(fd) ? ENOSYS : ENOTTY;
  return NULL;
}

int gethostname(char *name, size_t size)
{
  struct utsname system;
  if (uname(&system) != 0)
    return -1;
  if (strlen(system.nodename) >= size)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  strcpy(name, system.nodename);
  return 0;
}

FILE *setmntent(const char *path, const char *mode) { (void) path; (void) mode; errno = ENOENT; return NULL; }
struct mntent *getmntent(FILE *table) { (void) table; return NULL; }
int endmntent(FILE *table) { (void) table; return 1; }
char *hasmntopt(const struct mntent *entry, const char *option) { (void) entry; (void) option; return NULL; }

struct passwd *getpwuid(uid_t uid) { (void) uid; return NULL; }
struct passwd *getpwnam(const char *name) { (void) name; return NULL; }
void setpwent(void) {}
void endpwent(void) {}
struct passwd *getpwent(void) { return NULL; }
struct group *getgrgid(gid_t gid) { (void) gid; return NULL; }
struct group *getgrnam(const char *name) { (void) name; return NULL; }
void setgrent(void) {}
void endgrent(void) {}
struct group *getgrent(void) { return NULL; }

/* Signal sets over include/__typedef_sigset_t.h's 64 bits (signals 1 to 64). Nothing is ever delivered
   asynchronously in WASI, so a blocked signal stays in the mask and is never pending. */
static sigset_t blocked;

static int valid_signal(int signal)
{
  if (signal < 1 || signal > 64)
    {
      errno = EINVAL;
      return 0;
    }
  return 1;
}
int sigemptyset(sigset_t *set) { *set = 0; return 0; }
int sigfillset(sigset_t *set) { *set = ~(sigset_t) 0; return 0; }
int sigaddset(sigset_t *set, int signal)
{
  if (!valid_signal(signal))
    return -1;
  *set |= (sigset_t) 1 << (signal - 1);
  return 0;
}
int sigdelset(sigset_t *set, int signal)
{
  if (!valid_signal(signal))
    return -1;
  *set &= ~((sigset_t) 1 << (signal - 1));
  return 0;
}
int sigismember(const sigset_t *set, int signal)
{
  if (!valid_signal(signal))
    return -1;
  return (*set >> (signal - 1)) & 1;
}
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
  sigset_t previous = blocked;
  if (set != NULL)
    {
      if (how == SIG_BLOCK)
        blocked |= *set;
      else if (how == SIG_UNBLOCK)
        blocked &= ~*set;
      else if (how == SIG_SETMASK)
        blocked = *set;
      else
        {
          errno = EINVAL;
          return -1;
        }
    }
  if (old != NULL)
    *old = previous;
  return 0;
}
int sigpending(sigset_t *set) { *set = 0; return 0; }

pid_t wait(int *status) { (void) status; errno = ECHILD; return -1; }
pid_t waitpid(pid_t pid, int *status, int options) { (void) pid; (void) options; return wait(status); }

int statvfs(const char *path, struct statvfs *status) { (void) path; (void) status; return unsupported(); }
int fstatvfs(int fd, struct statvfs *status) { (void) fd; (void) status; return unsupported(); }

int setjmp(jmp_buf buffer) { (void) buffer; return 0; }
_Noreturn void longjmp(jmp_buf buffer, int value)
{
  static const char message[] = "longjmp: WASI cannot unwind the stack; the program ends here\n";
  (void) buffer;
  (void) value;
  write(2, message, sizeof message - 1);
  abort();
}

/* sigaction for the struct gnulib's signal.h declares when the C library has none (configure is told so): the
   handler goes to wasi-libc's emulated signal(), the only way a handler is ever called (by raise). */
struct gnulib_sigaction
{
  void (*handler) (int);
  sigset_t mask;
  int flags;
};
static struct gnulib_sigaction actions[65];

int sigaction(int signal_number, const struct gnulib_sigaction *action, struct gnulib_sigaction *old)
{
  if (signal_number < 1 || signal_number > 64)
    {
      errno = EINVAL;
      return -1;
    }
  if (old != NULL)
    *old = actions[signal_number];
  if (action != NULL)
    {
      if (signal(signal_number, action->handler) == SIG_ERR)
        return -1;
      actions[signal_number] = *action;
    }
  return 0;
}

/* No limit on descriptors is known; this is what Linux allows by default. */
int getdtablesize(void) { return 1024; }

/* Locks and threads for a program that has only one thread (wasi-libc declares C11 threads but has none). */
void flockfile(FILE *stream) { (void) stream; }
void funlockfile(FILE *stream) { (void) stream; }
void call_once(once_flag *flag, void (*function)(void))
{
  if (*flag == ONCE_FLAG_INIT)
    {
      *flag = ONCE_FLAG_INIT + 1;
      function();
    }
}
int mtx_init(mtx_t *mutex, int type) { (void) mutex; (void) type; return thrd_success; }
int mtx_lock(mtx_t *mutex) { (void) mutex; return thrd_success; }
int mtx_unlock(mtx_t *mutex) { (void) mutex; return thrd_success; }
void mtx_destroy(mtx_t *mutex) { (void) mutex; }
/* gnulib's POSIX thread calls, as sort makes them: with one processor it starts no thread, and a thread that cannot
   be created makes it sort in the calling one. */
int pthread_mutex_init(void *mutex, const void *attributes) { (void) mutex; (void) attributes; return 0; }
int pthread_mutex_lock(void *mutex) { (void) mutex; return 0; }
int pthread_mutex_unlock(void *mutex) { (void) mutex; return 0; }
int pthread_mutex_destroy(void *mutex) { (void) mutex; return 0; }
int pthread_cond_init(void *condition, const void *attributes) { (void) condition; (void) attributes; return 0; }
int pthread_cond_signal(void *condition) { (void) condition; return 0; }
int pthread_cond_destroy(void *condition) { (void) condition; return 0; }
int pthread_cond_wait(void *condition, void *mutex) { (void) condition; (void) mutex; return EDEADLK; }
int pthread_create(void *thread, const void *attributes, void *(*start)(void *), void *argument)
{
  (void) thread; (void) attributes; (void) start; (void) argument;
  return EAGAIN;
}
int pthread_join(unsigned long thread, void **result) { (void) thread; (void) result; return ESRCH; }

/* The time zone is always UTC in WASI: nothing to read. */
void tzset(void) {}

int execl(const char *path, const char *argument, ...) { (void) path; (void) argument; return unsupported(); }
int execlp(const char *file, const char *argument, ...) { (void) file; (void) argument; return unsupported(); }
