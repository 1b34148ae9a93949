/*
 * capture.h - what the interposed functions hand over when a call failed.
 *
 * Every entry point here is called only on the failure path, saves errno
 * on entry and restores it before returning, and is async-signal-safe: no
 * malloc, no stdio, no locks (the one-time initialization, once.c, is the
 * exception).
 */
#ifndef TM_SHIM_CAPTURE_H
#define TM_SHIM_CAPTURE_H

#include <stdio.h>

#include "calls.h"

/* What a call does, as the event's "operation" names it. */
enum tm__op { TM_OP_OPEN, TM_OP_RENAME, TM_OP_WRITE,
              TM_OP_END, /* exec, _exit: never captured */
              TM_OP_CWD, /* chdir, fchdir: never captured */
              TM_OP_FORK /* fork, _Fork: never captured */ };

enum tm__call {
#define TM__CALL_ENUM(id, sym, shape) TM_CALL_##id,
    TM_SHIM_CALLS(TM__CALL_ENUM)
#undef TM__CALL_ENUM
    TM_CALL_COUNT
};

/* One row per call: its exported name and its operation. */
struct tm__call_info {
    char symbol[16]; /* an array: nothing to relocate at start */
    enum tm__op op;
};

extern const struct tm__call_info tm__calls[TM_CALL_COUNT];

/* "open", "rename" or "write". */
const char *tm__op_name(enum tm__op op);

/* A failing open-like call on (dirfd, path) with open(2) flags. */
void tm__capture_path(enum tm__call call, int dirfd, const char *path,
                      int flags, int err);

/* A failing rename-like call. */
void tm__capture_rename(enum tm__call call, int olddirfd, const char *oldp,
                        int newdirfd, const char *newp, int err);

/* A failing write-like call on descriptor fd (-1: unknown target). */
void tm__capture_fd(enum tm__call call, int fd, int err);

/* The process image ends without its exit hook (exec, _exit): its
 * suppressed counts are written now and reset (an exec that fails does
 * not count them twice).  errno is kept. */
void tm__capture_image_end(void);

/* Around the real fork (the fork wrappers): before it, wait (bounded) for
 * other threads inside the failure path; in the child, free what they held
 * (its counters and ring are reset at its first failure).  errno is kept.
 * A fork the wrappers do not see (glibc's daemon() calls its own) is
 * noticed at the child's first failure that is written. */
void tm__capture_prefork(void);
void tm__capture_forked(void);
void tm__capture_forked_parent(void); /* after the real fork, in the parent */

/* open(2) flags equivalent to an fopen mode string. */
int tm__fopen_flags(const char *mode);

#endif
