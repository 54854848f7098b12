/* The user database interface (scripts/coreutils/build.sh): WASI has none, so no user is ever found and programs
   print numeric ids, as they do for a uid missing from /etc/passwd. */
#ifndef MOC_PWD_H
#define MOC_PWD_H

#include <sys/types.h>

struct passwd {
  char *pw_name;
  char *pw_passwd;
  uid_t pw_uid;
  gid_t pw_gid;
  char *pw_gecos;
  char *pw_dir;
  char *pw_shell;
};

struct passwd *getpwuid(uid_t);
struct passwd *getpwnam(const char *);
void setpwent(void);
void endpwent(void);
struct passwd *getpwent(void);

#endif
