/*
 * capture.c - the failure path's entry and exit: a failing call takes a
 * work area (work.h), is resolved and classified (policy.h), counted,
 * kept in the probe ring or written (emit.h); and the process's fork and
 * exit hooks.
 *
 * Signal safety.  The failure path uses no malloc, stdio, snprintf or
 * locks: work areas are a fixed pool taken with an atomic exchange, text is
 * formatted by hand, files are written with raw system calls.  The one
 * exception is the one-time initialization (once.h), which allocates.
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backtrace.h"
#include "emit.h"
#include "once.h"
#include "policy.h"
#include "proc.h"
#include "pystack.h"
#include "ring.h"
#include "sanitize.h"
#include "shim_state.h"
#include "stack.h"
#include "work.h"

#define TLS __attribute__((tls_model("initial-exec"))) __thread
#define REPEAT_LIMIT 3
/* How long fork() waits for other threads' failure handling to finish
 * before the child is made (each takes microseconds; the first, which
 * initializes, a few milliseconds). */
#define PREFORK_WAIT_US 100000

struct tm__shim_state tm__shim;
static TLS int in_shim;
static int inflight;            /* threads inside the failure path */
static int forking;             /* a fork waits for inflight to drain */

/* ---- the failure path ---- */

static int forked; /* set in a fork()ed child (pthread_atfork) */

/* Before fork: other threads inside the failure path hold descriptors (the
 * directory, its lock, a log) and may be half-way through the one-time
 * initialization; a child would keep the descriptors (and with them the
 * lock) for its whole life, and find the initialization running for ever.
 * So fork waits for them, a bounded time. */
void tm__capture_prefork(void)
{
    struct timespec pause = {0, 100 * 1000}; /* 0.1 ms */
    int own = in_shim ? 1 : 0; /* fork from a handler inside the shim */

    /* While it waits, new failures are passed over (counted as dropped):
     * threads failing without pause would otherwise keep it waiting. */
    __atomic_store_n(&forking, 1, __ATOMIC_RELEASE);
    for (long waited = 0; waited < PREFORK_WAIT_US; waited += 100) {
        if (__atomic_load_n(&inflight, __ATOMIC_ACQUIRE) <= own)
            break;
        syscall(SYS_nanosleep, &pause, NULL);
    }
    __atomic_store_n(&forking, 0, __ATOMIC_RELEASE);
}

/* In the child, which has only the thread that forked: what other threads
 * held is free again.  If the wait above gave up while another thread was
 * initializing, the child never initializes (it records nothing) rather
 * than wait on state that thread left half-made. */
void tm__capture_forked(void)
{
    int running = TM_ONCE_RUNNING;

    tm__work_forked();
    tm__py_forked();
    __atomic_store_n(&inflight, in_shim ? 1 : 0, __ATOMIC_RELAXED);
    __atomic_compare_exchange_n(&tm__shim.once, &running, TM_ONCE_FAILED, 0,
                                __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    __atomic_store_n(&forked, 1, __ATOMIC_RELEASE);
}

/* A child starts with its own identity, counters and ring.  The child
 * handler only sets a flag: the reset happens at the child's first failure,
 * without a getpid system call on every failure. */
static void check_fork(void)
{
    if (__atomic_exchange_n(&forked, 0, __ATOMIC_ACQ_REL)) {
        tm__proc_forget();
        tm__ring_reset();
        if (__atomic_load_n(&tm__shim.id_keyed, __ATOMIC_ACQUIRE))
            tm__once_id_key(); /* the child's ids must not repeat the parent's */
        __atomic_store_n(&tm__shim.written, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&tm__shim.expected, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&tm__shim.significant, 0, __ATOMIC_RELAXED);
    }
}

static void handle(struct tm__work *w, const char *abs)
{
    struct tm__failure *f = &w->f;
    enum tm__kind kind = tm__policy(f->call, f->err, abs, tm__proc.workspace,
                                    tm__proc.wslen);

    if (kind == TM_KIND_EXPECTED) {
        __atomic_add_fetch(&tm__shim.expected, 1, __ATOMIC_RELAXED);
        return;
    }
    if (tm__shim.cfg.capture == TM_CAPTURE_ALL)
        kind = TM_KIND_SIGNIFICANT;
    else if (tm__shim.cfg.capture == TM_CAPTURE_FATAL)
        kind = TM_KIND_PROBE;
    /* Past the limit a repeat is only counted (the exit writes the count):
     * it needs no time, no backtrace and no initialization. */
    if (kind == TM_KIND_SIGNIFICANT &&
        tm__repeat_hit(f->call, f->err, f->path, f->flags) > REPEAT_LIMIT)
        return;
    tm__ts_now(f->ts);
    /* A significant failure is written now: initialize first, so even the
     * first one carries its backtrace.  Probes take one only when the unwinder
     * is already loaded. */
    if (kind == TM_KIND_SIGNIFICANT)
        tm__once();
    if (tm__once_ready())
        f->npcs = tm__bt_capture(f->pcs, TM_FRAMES_MAX);
    if (kind == TM_KIND_PROBE) {
        tm__ring_push(f);
        return;
    }
    /* Written now: where in the Python program (README "Where in the
     * agent: the Python stack"); probes stay cheap without it. */
    if (tm__shim.cfg.stack)
        w->npy = tm__py_stack(&w->py_scratch, w->py_raw, sizeof(w->py_raw),
                              tm__proc.workspace, tm__proc.wslen);
    switch (tm__emit(w, 0, 0, 0)) {
    case TM_EMIT_DONE:
        __atomic_store_n(&tm__shim.significant, 1, __ATOMIC_RELAXED);
        break;
    case TM_EMIT_NO_FD:
        /* No descriptor for the log: keep the event (apart from the probe
         * ring, which would evict it) and write it at exit. */
        f->must_write = 1;
        if (tm__defer_push(f) == 0)
            __atomic_sub_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
        break;
    case TM_EMIT_LOST:
        break;
    }
}

/* Starts handling a failure: returns a work area, or NULL when there is
 * nothing to do (not ready, disabled, re-entered, expected) or no area.
 * *entered says whether finish() must leave the guard. */
static struct tm__work *start(enum tm__call call, int err, int flags, int *entered)
{
    struct tm__work *w;

    *entered = 0;
    if (!tm__shim.ready || tm__shim.cfg.disable || in_shim)
        return NULL;
    if (tm__err_expected(err)) {
        __atomic_add_fetch(&tm__shim.expected, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    in_shim = 1;
    *entered = 1;
    __atomic_add_fetch(&inflight, 1, __ATOMIC_ACQ_REL);
    if (__atomic_load_n(&forking, __ATOMIC_ACQUIRE)) {
        __atomic_add_fetch(&tm__shim.dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    if ((w = tm__work_take()) == NULL) {
        __atomic_add_fetch(&tm__shim.dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    memset(&w->f, 0, sizeof(w->f));
    w->f.call = call;
    w->f.err = err;
    w->f.flags = flags;
    return w;
}

/* Ends it: the work area back, the guard left, errno as the call set it. */
static void finish(struct tm__work *w, int entered, int err)
{
    if (w != NULL)
        tm__work_give(w);
    if (entered) {
        __atomic_sub_fetch(&inflight, 1, __ATOMIC_ACQ_REL);
        in_shim = 0;
    }
    errno = err;
}

/* Resolves a path for classification; the event shows it as the caller
 * gave it, or resolved when it was relative to a directory descriptor.
 * Returns the resolved length (0: unknown). */
static size_t take_path(int dirfd, const char *given, char *abs, size_t abscap,
                        char *shown, size_t shcap)
{
    size_t n = tm__resolve(dirfd, given, abs, abscap);

    /* Cut where no secret can straddle the cut: it is scrubbed later. */
    tm__scrub_copy_path(shown, shcap,
                        dirfd != AT_FDCWD && n > 0 ? abs : (given ? given : ""));
    return n;
}

/* The failure path proper, on the work area's own stack. */
static void body(void *arg)
{
    struct tm__work *w = arg;
    size_t n = 0;

    check_fork();
    tm__proc_locate();
    switch (w->in.kind) {
    case TM_IN_PATH:
        n = take_path(w->in.dirfd, w->in.path, w->abs, sizeof(w->abs),
                      w->f.path, sizeof(w->f.path));
        break;
    case TM_IN_RENAME:
        n = take_path(w->in.dirfd, w->in.path, w->abs, sizeof(w->abs),
                      w->f.path, sizeof(w->f.path));
        take_path(w->in.dirfd2, w->in.path2, w->abs2, sizeof(w->abs2),
                  w->f.path2, sizeof(w->f.path2));
        break;
    case TM_IN_FD:
        /* Name the target only when it is a regular file; never its data. */
        n = tm__fd_path(w->in.fd, w->abs, sizeof(w->abs));
        tm__scrub_copy_path(w->f.path, sizeof(w->f.path), n > 0 ? w->abs : "");
        break;
    }
    handle(w, n > 0 ? w->abs : NULL);
}

static void run(struct tm__work *w)
{
    tm__on_stack(body, w, w->stack + sizeof(w->stack));
}

void tm__capture_path(enum tm__call call, int dirfd, const char *path,
                      int flags, int err)
{
    int entered;
    struct tm__work *w = start(call, err, flags, &entered);

    if (w != NULL) {
        w->in.kind = TM_IN_PATH;
        w->in.dirfd = dirfd;
        w->in.path = err == EFAULT ? NULL : path; /* not readable memory */
        run(w);
    }
    finish(w, entered, err);
}

void tm__capture_rename(enum tm__call call, int olddirfd, const char *oldp,
                        int newdirfd, const char *newp, int err)
{
    int entered;
    struct tm__work *w = start(call, err, 0, &entered);

    if (w != NULL) {
        w->in.kind = TM_IN_RENAME;
        w->in.dirfd = olddirfd;
        w->in.path = err == EFAULT ? NULL : oldp; /* either may be bad */
        w->in.dirfd2 = newdirfd;
        w->in.path2 = err == EFAULT ? NULL : newp;
        run(w);
    }
    finish(w, entered, err);
}

void tm__capture_fd(enum tm__call call, int fd, int err)
{
    int entered;
    struct tm__work *w = start(call, err, 0, &entered);

    if (w != NULL) {
        w->in.kind = TM_IN_FD;
        w->in.fd = fd;
        run(w);
    }
    finish(w, entered, err);
}

/* ---- at exit ---- */

struct exit_ctx {
    int status;
    int significant; /* this process already wrote a significant event */
};

static void flush_one(struct tm__failure *f, void *arg)
{
    const struct exit_ctx *x = arg;
    struct tm__work *w;

    /* Probes explain a failed exit only when nothing significant did. */
    if (!f->must_write && (x->status == 0 || x->significant))
        return;
    if ((w = tm__work_take()) == NULL)
        return;
    w->f = *f;
    tm__emit(w, x->status != 0, x->status, 0);
    tm__work_give(w);
}

static void flush_repeat(struct tm__failure *f, long extra, void *arg)
{
    struct tm__work *w = tm__work_take();

    (void)arg;
    if (w == NULL)
        return;
    w->f = *f;
    w->f.ts[0] = '\0';
    w->f.npcs = 0;
    tm__emit(w, 0, 0, extra);
    tm__work_give(w);
}

/* The exit's writes, on a work area's own stack like every failure: exit()
 * may run from a handler on a small alternate stack, and the first write
 * of a process initializes. */
static void exit_body(void *arg)
{
    struct exit_ctx *x = arg;

    if (tm__getpid() == tm__proc.pid) { /* not a child's inherited state */
        tm__defer_drain(flush_one, x);
        tm__ring_drain(flush_one, x);
        tm__repeat_drain(REPEAT_LIMIT, flush_repeat, NULL);
    }
}

void tm__capture_exit(int status)
{
    struct exit_ctx x = {status,
                         __atomic_load_n(&tm__shim.significant, __ATOMIC_RELAXED)};
    int saved = errno;
    struct tm__work *stack;

    if (!tm__shim.ready || tm__shim.cfg.disable || in_shim)
        return;
    in_shim = 1;
    __atomic_add_fetch(&inflight, 1, __ATOMIC_ACQ_REL);
    /* This area lends its stack only; the writes take areas of their own. */
    if ((stack = tm__work_take()) != NULL) {
        tm__on_stack(exit_body, &x, stack->stack + sizeof(stack->stack));
        tm__work_give(stack);
    }
    __atomic_sub_fetch(&inflight, 1, __ATOMIC_ACQ_REL);
    in_shim = 0;
    errno = saved;
}
