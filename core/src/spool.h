/*
 * spool.h - where an event goes when the directory lock cannot be had
 * within the shim's few milliseconds (a long `telemetry clean` holds it).
 *
 * Each process appends such events to its own spool file,
 * `spool/<pid>.jsonl` in the telemetry directory (0700 directory, 0600
 * files, the same checks as the logs), one write(2) per event, without the
 * directory lock: only that process writes the file.  The lines are events
 * exactly as the logs would hold them.  Readers (`summary`, `tail`) read
 * spool files after the logs; `clean` and `ship`, holding the exclusive
 * lock, move the lines of processes that have exited into the logs and
 * remove their files (README, "Storage").
 */
#ifndef TM_SPOOL_H
#define TM_SPOOL_H

#include <stddef.h>

#include "store.h"

#define TM_SPOOL_DIR "spool"

/* Appends one line (with its newline) to this process's spool file in the
 * directory dfd, creating the spool directory and file when absent.  Raw
 * system calls, fixed buffers, no descriptor kept, RLIMIT_FSIZE respected:
 * callable from the shim's failure path.  Returns 0 or a TM_* code (errno
 * is the cause). */
int tm__spool_append(int dfd, const char *line, size_t len);

/* Opens the spool directory inside dfd after the checks the telemetry
 * directory has (a real directory, the effective user's, no group or other
 * write), creating it first when `create`.  Returns a descriptor or a TM_*
 * code (TM_EDIR: absent). */
int tm__spool_dir(int dfd, int create);

/* The pid a spool file's name ("<pid>.jsonl") gives, or -1 when the name
 * is not a spool file's. */
long tm__spool_pid(const char *name);

/* Calls fn for every spool file (sfd: the spool directory, borrowed; pid:
 * the process that wrote it) until fn returns non-zero.  Returns 0, fn's
 * result, or a TM_* code.  No spool directory: 0.  CLI only (allocates). */
int tm__spool_each(int dfd,
                   int (*fn)(int sfd, const char *name, long pid, void *arg),
                   void *arg);

/* Moves the spooled lines of processes that have exited into the logs
 * (each to the central log and to its repo's log, rotating as
 * tm__store_line does) and removes their spool files; a live process's
 * file stays (it may still append).  The caller holds the exclusive
 * directory lock.  *lines (may be NULL): how many lines moved.  Returns 0
 * or a TM_* code; a file that could not be moved whole stays, and the lines
 * of it already moved are then in the logs twice (README, "Storage").
 * A pid reused within the moment of a merge could lose the new process's
 * line written in that moment.  CLI only (allocates). */
int tm__spool_merge(int dfd, const struct tm__store_opts *opts, long *lines);

#endif
