/*
 * spool_merge.h - the CLI's side of the spool (record/spool.h): walking the
 * spool files and moving the lines of exited processes into the logs.
 * These allocate; the shim never links them.
 */
#ifndef TM_SPOOL_MERGE_H
#define TM_SPOOL_MERGE_H

#include "spool.h"
#include "store.h"

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
