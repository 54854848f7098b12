/* The group database interface (scripts/coreutils/build.sh): WASI has none, so no group is ever found. */
#ifndef MOC_GRP_H
#define MOC_GRP_H

#include <sys/types.h>

struct group {
  char *gr_name;
  char *gr_passwd;
  gid_t gr_gid;
  char **gr_mem;
};

struct group *getgrgid(gid_t);
struct group *getgrnam(const char *);
void setgrent(void);
void endgrent(void);
struct group *getgrent(void);

#endif
