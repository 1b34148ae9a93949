/*
 * work.h - the failure path's work areas: a fixed pool, each area holding
 * everything one record needs (its own stack included), so nothing lands
 * on a possibly small signal stack and nothing is allocated.
 */
#ifndef TM_SHIM_WORK_H
#define TM_SHIM_WORK_H

#include <limits.h>

#include "event.h"
#include "record.h"
#include "pystack.h"
#include "ring.h"
#include "sanitize.h"
#include "stackwalk.h"

#define TM_WORK_MSG_MAX 4096 /* scrubber input in the shim (README, "Privacy") */
#define TM_WORK_SPANS 256
#define TM_WORK_STACK (128 * 1024) /* the failure path's own stack (stack.h) */

/* The last parts scrubbed together (emit.c): a process's failures come
 * back with the same modules, files and functions event after event, and
 * the scrubber's output is a function of its input alone when no private
 * repository's name is replaced.  len 0: nothing kept. */
struct tm__scrub_memo {
    size_t len, clean_len;
    char raw[4096];
    char clean[4096];
};

/* What the failing call was handed, for the body that runs on the area's
 * own stack. */
enum tm__input { TM_IN_PATH, TM_IN_RENAME, TM_IN_FD };

/* The failure path's own stack comes first: its top, where it starts, is
 * next to the fields every failure touches, which follow it, so a probe
 * touches the stack's top page and the next one, not pages spread over the
 * area (every page first touched is a fault in every process that fails).
 * It grows down, away from them: an overflow would reach the cold end of
 * the area before it (or what precedes the first area), not this area's
 * own fields.  128 KiB against about 31 KiB used on the deepest path
 * measured (the area's stack read under gdb at the exit: a Python event
 * with 16 distinct functions in its stack; 16 KiB of it the walk's buffer
 * for reads of several objects at once, pystack.c). */
struct tm__work {
    _Alignas(16) char stack[TM_WORK_STACK];
    struct { /* the failing call's arguments */
        enum tm__input kind;
        int dirfd, dirfd2, fd;
        const char *path, *path2;
    } in;
    uintptr_t host_sp; /* the host's stack where the failure path began */
    int npy;             /* entries in py_raw: set by capture.c, 0 else */
    struct tm__failure f;
    char abs[PATH_MAX];
    char abs2[PATH_MAX];
    char dir[PATH_MAX]; /* the telemetry directory in use (tm__dir_use) */
    char msg[TM_WORK_MSG_MAX];
    char clean[TM_WORK_MSG_MAX];
    char frames_raw[2048];
    char frames_clean[2048];
    const char *frames[TM_FRAMES_MAX];
    char py_raw[4096];   /* the Python stack (pystack.h) */
    char py_parts[4096]; /* its distinct files and functions, then scrubbed */
    char py_parts_clean[4096];
    char py_clean[4096]; /* the entries again, from the scrubbed parts */
    const char *py[TM_PY_FRAMES];
    /* The py_raw whose py_last_n entries py and py_clean hold (emit.c): the
     * area's last stack, 0 entries when none is kept. */
    char py_last[4096];
    size_t py_last_len;
    int py_last_n;
    struct tm__py_scratch py_scratch;
    char flags[256];
    char ftype[32];
    char lost[24];
    struct tm__span spans[TM_WORK_SPANS];
    struct tm__scrub_word private; /* a private repo's name (emit.c) */
    struct tm__ctx_item ctx[12];
    char stored_repo[TM_STORED_REPO_MAX]; /* f.repo as stored (emit.c) */
    char stored_of[sizeof(((struct tm__failure *)0)->repo)]; /* the f.repo
                                 stored_repo holds, "" none (emit.c) */
    char searched[24];
    char line[TM_LINE_MAX];
    struct tm__scrub_memo memo_frames, memo_py; /* emit.c */
    struct tm__unw_cache unw; /* frames' rules (stackwalk.h) */
};

/* Takes a free area (an atomic exchange).  When all are busy, yields to
 * their holders a bounded number of times, then gives up (NULL): a signal
 * handler whose own thread holds the last area can never wait forever. */
struct tm__work *tm__work_take(void);

/* Gives the area back. */
void tm__work_give(struct tm__work *w);

/* In a fork()ed child: every area but the one the forking thread holds is
 * free again (their holders do not exist in the child), and every area
 * held at the fork forgets its memos (its holder may have been writing
 * one). */
void tm__work_forked(void);

#endif
