/*
 * store.h - the JSONL storage of README "Storage".
 *
 * Every function here uses raw system calls and fixed buffers only, so the
 * shim can call them from its failure path (async-signal-safe, no malloc,
 * and no detour through the shim's own interposed functions).
 */
#ifndef TM_STORE_H
#define TM_STORE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "dir.h"

#define TM_CENTRAL_LOG "all_errors.jsonl"
#define TM_LOCK_FILE ".lock"
#define TM_REPO_FILE_MAX 128 /* "<repo>_errors.jsonl" with the NUL */

/* "<safe>_errors.jsonl": the stored repo reduced to [A-Za-z0-9._-] (others
 * and a leading '.' become '_'), at most 100 bytes; an empty name and
 * "all" (which would be the central log) get a leading '_'. */
void tm__repo_file(const char *stored_repo, char out[TM_REPO_FILE_MAX]);

#define TM_ROTATED_SUFFIX ".1" /* <name>.1: the rotated part of a log */

struct tm__store_opts {
    long long max_bytes; /* rotate a file that would pass this */
    int wait_ms;         /* wait for the directory lock; -1: as long as it takes */
    int closes_dir;      /* the caller closes dfd right after the call: a
                            shared lock goes with it, not released first
                            (one system call less) */
};

/*
 * Appends one line (one write(2) per file) to the central log and to the
 * repo's log inside the directory `dfd`.  The files are created 0600 and
 * must be regular, single-link files owned by the effective user.  A file
 * that would pass max_bytes is first renamed to <name>.1 (replacing the
 * previous one).  A file whose last line was cut (a crash) gets a newline
 * first, so the new line stays whole.  Writers hold the directory lock
 * (tm__lock) shared, exclusively only to rotate; `telemetry clean`
 * holds it exclusively.  Returns 0 once the central log has the line (the
 * repo's log is best effort), or a TM_* code (TM_EBUSY when the lock was
 * not had in time).
 */
int tm__store_line(int dfd, const char *stored_repo, const char *line,
                   size_t len, const struct tm__store_opts *opts);

/* The directory lock (README "Storage"), two flock(2) locks: writers hold
 * the directory's own descriptor (the caller's dfd) shared: one system
 * call, nothing opened.  Rotation, clean and ship hold both the lock file
 * (TM_LOCK_FILE, which writers of earlier versions still take shared) and a
 * descriptor of their own of the directory exclusively, so they exclude
 * writers of every version.  Release with tm__unlock. */
struct tm__lock_held {
    int file;  /* the lock file's descriptor (exclusive), else -1 */
    int dir;   /* the flocked directory descriptor, else -1 */
    int owned; /* dir is ours to close (exclusive), not the caller's dfd */
};
#define TM_LOCK_HELD_NONE {-1, -1, 0} /* holds nothing */

/* Takes the directory lock (shared or exclusive), waiting up to wait_ms
 * (-1: forever).  Returns 0 (*h filled), or a negative TM_* code (*h
 * empty). */
int tm__lock(int dfd, int exclusive, int wait_ms, struct tm__lock_held *h);

/* Releases what *h holds and empties it (nothing when empty). */
void tm__unlock(struct tm__lock_held *h);

/* tm__lock with the wait taken from *budget_us, microseconds of elapsed
 * time (50 us sleeps; decremented by what was waited: the caller's bound
 * across calls); NULL waits as long as it takes.  TM_EBUSY (errno
 * EWOULDBLOCK) when the budget is spent. */
int tm__lock_budget(int dfd, int exclusive, int *budget_us,
                    struct tm__lock_held *h);

/* tm__store_line with the lock wait taken from *budget_us (microseconds
 * left, see tm__lock_budget) instead of opts->wait_ms. */
int tm__store_line_budget(int dfd, const char *stored_repo, const char *line,
                          size_t len, const struct tm__store_opts *opts,
                          int *budget_us);

/* tm__store_line for a caller that holds the exclusive lock already (the
 * spool merge, clean).  stored_repo NULL: the central log only. */
int tm__store_line_locked(int dfd, const char *stored_repo, const char *line,
                          size_t len, const struct tm__store_opts *opts);

/* The line appended to the one file `name` of the directory (the run
 * file, runs.h), by the rules of tm__store_line: the directory lock shared
 * (exclusive to rotate or repair), 0600, O_NOFOLLOW, one write, rotation
 * at max_bytes.  The lock wait: *budget_us when not NULL (see
 * tm__lock_budget), else opts->wait_ms.  Returns 0 or a TM_* code. */
int tm__store_file(int dfd, const char *name, const char *line, size_t len,
                   const struct tm__store_opts *opts, int *budget_us);

/* One writev(2) of iov to fd, a file of `size` bytes opened O_APPEND,
 * within the process's RLIMIT_FSIZE: when the data would not fit it is not
 * written (-1, errno EFBIG), and SIGXFSZ is never delivered for it.  lim:
 * the limit as tm__fsize_limit() gave it, or NULL.  Returns what writev
 * returns; errno is the write's. */
ssize_t tm__append_guarded(int fd, const struct iovec *iov, int cnt,
                           long long size, const unsigned long long *lim);

/* The process's RLIMIT_FSIZE (soft; RLIM_INFINITY when none), for
 * tm__append_guarded's `lim` (NULL there asks it again). */
unsigned long long tm__fsize_limit(void);

#endif
