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

/* How tm__own_file treats a file it finds there (not made by the call). */
#define TM_OWN_CHECKED 0     /* checked like one it made (logs, spool files) */
#define TM_OWN_FOUND_AS_IS 1 /* used as it is, no fstat (the lock file: only
                                the directory's owner can put one there) */

/* Opens `name` in dfd with `flags` (no O_CREAT in them), or when absent
 * makes it 0600 with O_CREAT|O_EXCL (another writer making it meanwhile:
 * opened as theirs), and fills *st (not for a file found and used as it
 * is).  It must be a regular file with one link, owned by tm__euid().
 * One that fails that check and that this call made is unlinked, while
 * the name is still that file (device and inode).  Returns a descriptor
 * (the caller closes), TM_EFILE (errno the open's or fstat's), or
 * TM_EFILELINK (a link, several links, not a regular file, another
 * uid's). */
int tm__own_file(int dfd, const char *name, int flags, int how, struct stat *st);

/* Makes the directory `name` (one path component) in dfd, mode 0700, when
 * absent: under a temporary name first (".<name>.new-<16 random hex>",
 * another tried when one is taken), checked to be tm__euid()'s, then
 * renamed into place without replacing anything (renameat2
 * RENAME_NOREPLACE; where the file system or a sandbox refuses it, made
 * in place and removed again when not ours).  An empty name ("a//b") is
 * there already.  One made as another uid is
 * removed again (where this uid may: in a sticky directory such as /tmp
 * it may not, and stays under its temporary name) and the call fails with
 * EACCES.  Returns 0 (made, or there already: the caller checks what it
 * is) or -1 (errno set). */
int tm__own_mkdir(int dfd, const char *name);

/* Is `entry` a temporary name tm__own_mkdir makes for `name` (NULL: for
 * any name)?  One left behind (a directory made as another uid in a
 * sticky directory, or a writer killed between its mkdir and its rename)
 * is what `telemetry doctor` reports. */
int tm__own_is_tmp(const char *entry, const char *name);

#endif
