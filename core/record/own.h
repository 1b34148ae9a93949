/*
 * own.h - what an event makes in the telemetry directory is the checked
 * uid's, or is not left there (README "Storage").
 *
 * The shim reads the uid an event's checks compare with (tm__euid) once,
 * as the event begins.  The thread's own effective uid may change before
 * the event ends (a signal handler, another thread's setuid in glibc's
 * broadcast, a raw setresuid).  A log, lock file, spool directory or
 * telemetry directory made in that moment would belong to the other uid
 * and refuse every later event of the checked one.  So each is made
 * exclusively (O_EXCL, mkdirat), its owner read back, and one that is not
 * the checked uid's removed again.  Raw system calls and no buffers: the
 * shim's failure path calls these.
 */
#ifndef TM_OWN_H
#define TM_OWN_H

#include <sys/stat.h>

/* Opens `name` in dfd with `flags` (no O_CREAT in them), or when absent
 * makes it 0600 with O_CREAT|O_EXCL (another writer making it meanwhile:
 * opened as theirs), and fills *st.  It must be a regular file with one
 * link, owned by tm__euid().  One that fails that check and that this
 * call made is unlinked, while the name is still that file (device and
 * inode).  Returns a descriptor (the caller closes), TM_EFILE (errno the
 * open's or fstat's), or TM_EFILELINK (a link, several links, not a
 * regular file, another uid's). */
int tm__own_file(int dfd, const char *name, int flags, struct stat *st);

/* Makes the directory `name` in dfd (AT_FDCWD: a path), mode 0700, when
 * absent.  One this call made that is not tm__euid()'s is removed again
 * and the call fails with EACCES.  Returns 0 (made, or there already) or
 * -1 (errno the mkdirat's). */
int tm__own_mkdir(int dfd, const char *name);

#endif
