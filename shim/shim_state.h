/*
 * shim_state.h - the shim's per-process state, read by capture.c and set
 * up by init.c.
 */
#ifndef TM_SHIM_STATE_H
#define TM_SHIM_STATE_H

#include <stddef.h>

#include "config.h"
#include "record.h"

/* What every start and every exit touches comes first, the counters, then
 * cfg with its small fields first: one page (the first of .bss, shared
 * with .data and the PLT's table, written at load anyway; TM_SHIM_HOT
 * bytes from the start, which tests/integration/start_pages.py checks).
 * Every other page of the failure path is touched only at the first
 * failure. */
struct tm__shim_state {
    int ready;             /* the constructor has run */
    int once;              /* one-time initialization (once.h) */
    int seen;              /* a failure reached the failure path: until
                              then the exit has nothing to write */
    long written;          /* events written by this process */
    long expected;         /* EAGAIN/EINTR failures, counted only */
    long probes;           /* probe-class failures kept aside and not
                              written (README "Runs": the run file) */
    long lost;             /* events not stored (full disk, file-size limit,
                              ...), and failures passed over (no work area,
                              another thread's fork), since the last one
                              stored */
    int lock_busy;         /* the last event found the lock held past its
                              wait: the next ones do not wait */
    int significant;       /* a significant event was written */
    int id_keyed;          /* id_key holds a random key (tm__id_seq) */
    unsigned long long id_key, id_next; /* event ids: key, next number */
    size_t dirlen;         /* cfg.dir's length, its trailing '/' left out */
    struct tm__config cfg; /* read once, in the constructor */
    char stored_repo[TM_STORED_REPO_MAX]; /* the repo as stored (record.h) */
    struct tm__repo_key repo_key; /* private names' key (record.h) */
    char agent[512];       /* sanitized agent name */
    char program[512];     /* sanitized program name */
};

/* The bytes of tm__shim a start and an exit touch, TELEMETRY_DIR up to
 * 255 bytes included. */
#define TM_SHIM_HOT 960
_Static_assert(offsetof(struct tm__shim_state, cfg.dir) + 256 <= TM_SHIM_HOT,
               "the start's fields of tm__shim outgrew TM_SHIM_HOT");

extern struct tm__shim_state tm__shim;

/* Maps the word by which a child of a fork the wrappers did not see is
 * noticed (capture.c), once per process: before the one-time
 * initialization starts (once.c). */
void tm__capture_fork_word(void);

/* Writes what must be written when the process exits with `status`: the
 * probe ring when the status is non-zero and no significant event was
 * written (the probes are then the only explanation), deferred events,
 * repeats. */
void tm__capture_exit(int status);

#endif
