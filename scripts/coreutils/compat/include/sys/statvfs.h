/* File system statistics (scripts/coreutils/build.sh): WASI cannot query them, so statvfs fails with ENOSYS and
   df and stat -f say so. f_type makes configure pick statvfs for stat -f (it has no struct statfs to fall back to). */
#ifndef MOC_SYS_STATVFS_H
#define MOC_SYS_STATVFS_H

#include <sys/types.h>

struct statvfs {
  unsigned long f_bsize;
  unsigned long f_frsize;
  fsblkcnt_t f_blocks;
  fsblkcnt_t f_bfree;
  fsblkcnt_t f_bavail;
  fsfilcnt_t f_files;
  fsfilcnt_t f_ffree;
  fsfilcnt_t f_favail;
  unsigned long f_fsid;
  unsigned long f_flag;
  unsigned long f_namemax;
  unsigned long f_type;
};

#define ST_RDONLY 1
#define ST_NOSUID 2

int statvfs(const char *, struct statvfs *);
int fstatvfs(int, struct statvfs *);

#endif
