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
 * remove their files (README, "Storage"); those two are in
 * core/analysis/spool_merge.h (they allocate: never on the shim's path).
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
 * code: TM_EDIR absent (or not made), TM_ESPOOL a link, not a directory,
 * another user's or writable by group or others, TM_EREAD not opened or
 * read otherwise (errno says why). */
int tm__spool_dir(int dfd, int create);

/* The pid a spool file's name ("<pid>.jsonl") gives, or -1 when the name
 * is not a spool file's. */
long tm__spool_pid(const char *name);

#endif
