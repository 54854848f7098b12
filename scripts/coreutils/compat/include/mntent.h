/* The mount table interface gnulib's mountlist module reads (scripts/coreutils/build.sh): WASI has no mount table,
   so the table compat.c opens is always empty. */
#ifndef MOC_MNTENT_H
#define MOC_MNTENT_H

#include <stdio.h>

#define MOUNTED "/etc/mtab"

struct mntent {
  char *mnt_fsname;
  char *mnt_dir;
  char *mnt_type;
  char *mnt_opts;
  int mnt_freq;
  int mnt_passno;
};

FILE *setmntent(const char *, const char *);
struct mntent *getmntent(FILE *);
int endmntent(FILE *);
char *hasmntopt(const struct mntent *, const char *);

#endif
