/*
 * capture.c - a failing call -> classification -> fixed buffers -> core
 * encoder and scrubber -> one O_APPEND write(2).
 *
 * Signal safety.  The failure path uses no malloc, stdio, snprintf or
 * locks: work areas are a fixed pool taken with an atomic exchange, text is
 * formatted by hand, files are written with raw system calls.  The one
 * exception is the heavy initialization (compiling the sanitizer rules,
 * loading the unwinder, hashing a private repo name): it runs once per
 * process, at the first failure that must be written, and allocates.
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backtrace.h"
#include "classify.h"
#include "config.h"
#include "event.h"
#include "hash.h"
#include "jsonw.h"
#include "message.h"
#include "policy.h"
#include "proc.h"
#include "ring.h"
#include "sanitize.h"
#include "shim_state.h"
#include "spool.h"
#include "stack.h"
#include "store.h"

#define TLS __attribute__((tls_model("initial-exec"))) __thread
#define REPEAT_LIMIT 3
#define MSG_MAX 4096 /* scrubber input in the shim (SPEC §5.2) */
#define NSLOTS 16
#define SLOT_TRIES 20000 /* sched_yield()s before a failure is dropped */
#define NSPANS 256
#define SLOT_STACK (128 * 1024) /* the failure path's own stack (stack.h) */
/* The most an event waits for the directory lock (README, "Manners");
 * past it the event goes to the process's spool. */
#define LOCK_WAIT_US 2000
#define LOCK_BUSY_US 200
/* How long fork() waits for other threads' failure handling to finish
 * before the child is made (each takes microseconds; the first, which
 * initializes, a few milliseconds). */
#define PREFORK_WAIT_US 100000
/* How long a failure waits for another thread's one-time initialization
 * (a few milliseconds, normally). */
#define INIT_WAIT_US 100000

struct tm__shim_state tm__shim;
static TLS int in_shim;
static TLS struct work *my_slot; /* the area this thread holds, if any */
static int inflight;            /* threads inside the failure path */
static int forking;             /* a fork waits for inflight to drain */

static const struct {
    const char *symbol, *operation;
} calls[] = {
#define TM__CALL_ROW(id, sym, op) {sym, op},
    TM_SHIM_CALLS(TM__CALL_ROW)
#undef TM__CALL_ROW
};

/* One work area: everything a record needs, so nothing lands on a
 * possibly small signal stack. */
struct work {
    char abs[PATH_MAX];
    char abs2[PATH_MAX];
    char dir[PATH_MAX]; /* the telemetry directory in use (tm__dir_use) */
    char msg[MSG_MAX];
    char clean[MSG_MAX];
    char frames_raw[2048];
    char frames_clean[2048];
    const char *frames[TM_BT_MAX];
    char flags[256];
    char ftype[32];
    char lost[24];
    struct tm__span spans[NSPANS];
    struct tm__ctx_item ctx[8];
    char line[TM_LINE_MAX];
    struct tm__failure f;
    struct { /* the failing call's arguments, for the body on the stack */
        enum { IN_PATH, IN_RENAME, IN_FD } kind;
        int dirfd, dirfd2, fd;
        const char *path, *path2;
    } in;
    _Alignas(16) char stack[SLOT_STACK];
};

static struct {
    int busy;
    struct work w;
} slots[NSLOTS];

/* Takes a free work area.  When all are busy (many threads failing while
 * the first one compiles the rules), yields to them a bounded number of
 * times, then gives up: a signal handler whose own thread holds the last
 * area can never wait forever. */
static struct work *slot_take(void)
{
    for (int tries = 0; tries < SLOT_TRIES; tries++) {
        for (int i = 0; i < NSLOTS; i++)
            if (__atomic_exchange_n(&slots[i].busy, 1, __ATOMIC_ACQUIRE) == 0)
                return my_slot = &slots[i].w;
        sched_yield();
    }
    return NULL;
}

static void slot_give(struct work *w)
{
    for (int i = 0; i < NSLOTS; i++)
        if (&slots[i].w == w)
            __atomic_store_n(&slots[i].busy, 0, __ATOMIC_RELEASE);
    my_slot = NULL;
}

static void debug(const char *msg)
{
    if (tm__shim.cfg.debug) {
        syscall(SYS_write, 2, "telemetry-shim: ", 16);
        syscall(SYS_write, 2, msg, strlen(msg));
        syscall(SYS_write, 2, "\n", 1);
    }
}

/* ---- one-time heavy initialization ---- */

static void scrub_name(const char *in, char *out, size_t cap,
                       struct tm__span *spans)
{
    tm__scrub(in, strlen(in), out, cap, spans, NSPANS);
}

/* The repo as stored: scrubbed, or a keyed hash when private.  Computed
 * again when the process moved to another work tree.  A private repo's
 * first hash loads libsodium and the key (once per process). */
static int stored_private; /* the stored repo is a hash */

static int stored_repo(struct work *w)
{
    static unsigned done_gen = ~0u;
    unsigned char key[TM_HASH_KEY_BYTES];

    if (done_gen == tm__proc.generation && tm__shim.stored_repo[0])
        return 0;
    if (tm__repo_is_private(tm__proc.repo, tm__shim.cfg.private_repos,
                            tm__shim.cfg.hash_all)) {
        int dfd = tm__dir_use(&tm__shim.cfg, 1, w->dir, sizeof(w->dir), NULL);

        if (dfd >= 0)
            syscall(SYS_close, dfd);
        if (dfd < 0 ||
            tm__hash_key_load(w->dir,
                              tm__shim.cfg.has_hash_key ? tm__shim.cfg.hash_key
                                                        : NULL,
                              key) != 0) {
            /* Never write a private name in clear: record nothing. */
            debug("private repo and no hash key: not recording");
            tm__shim.stored_repo[0] = '\0';
            return -1;
        }
        tm__repo_hash(key, tm__proc.repo, tm__shim.stored_repo);
        stored_private = 1;
    } else {
        stored_private = 0;
        scrub_name(tm__proc.repo, tm__shim.stored_repo,
                   sizeof(tm__shim.stored_repo), w->spans);
    }
    done_gen = tm__proc.generation;
    return 0;
}

/* The key of this process's event ids (tm__id_seq): one getrandom per
 * process instead of one per event. */
static void id_key_draw(void)
{
    uint64_t k;

    if (syscall(SYS_getrandom, &k, sizeof(k), GRND_NONBLOCK) != (long)sizeof(k)) {
        __atomic_store_n(&tm__shim.id_keyed, 0, __ATOMIC_RELEASE);
        return; /* tm__id_new then, one getrandom per event */
    }
    tm__shim.id_key = k;
    __atomic_store_n(&tm__shim.id_keyed, 1, __ATOMIC_RELEASE);
}

static int heavy_init_run(void)
{
    static struct tm__span spans[NSPANS]; /* one thread runs this, once */

    if (tm__scrub_init() != 0)
        return -1;
    id_key_draw();
    if (tm__shim.cfg.backtrace && tm__bt_load() != 0)
        debug("libgcc_s not available: events carry no backtrace");
    scrub_name(tm__proc.agent, tm__shim.agent, sizeof(tm__shim.agent), spans);
    scrub_name(tm__proc.program, tm__shim.program, sizeof(tm__shim.program),
               spans);
    return 0;
}

/* Returns 0 when ready.  Other threads wait for the one initializing (it
 * makes progress: this is no lock a signal handler could deadlock on,
 * because a handler in the initializing thread never gets here). */
static int heavy_init(void)
{
    enum { NONE, RUNNING, READY, FAILED };
    int st = __atomic_load_n(&tm__shim.heavy, __ATOMIC_ACQUIRE);

    if (st == NONE &&
        __atomic_compare_exchange_n(&tm__shim.heavy, &st, RUNNING, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        st = heavy_init_run() == 0 ? READY : FAILED;
        __atomic_store_n(&tm__shim.heavy, st, __ATOMIC_RELEASE);
    }
    /* Bounded: the initializer may itself wait for a lock this thread
     * holds (dlopen's, when this thread runs a library's constructor);
     * then this failure is dropped (counted) and the host goes on. */
    for (long waited = 0; (st = __atomic_load_n(&tm__shim.heavy,
                                                __ATOMIC_ACQUIRE)) == RUNNING;
         waited += 100) {
        struct timespec pause = {0, 100 * 1000}; /* 0.1 ms */
        if (waited >= INIT_WAIT_US) {
            __atomic_add_fetch(&tm__shim.dropped, 1, __ATOMIC_RELAXED);
            return -1;
        }
        syscall(SYS_nanosleep, &pause, NULL);
    }
    return st == READY ? 0 : -1;
}

/* A private repo's name, replaced by its stored hash in the event's text
 * (README, "Privacy"); NULL when the repo is not private. */
static const struct tm__scrub_word *private_word(void)
{
    static TLS struct tm__scrub_word word;

    if (!stored_private)
        return NULL;
    word.word = tm__proc.repo;
    word.marker = tm__shim.stored_repo;
    return &word;
}

/* Backtrace frames, named, joined and scrubbed once, split again. */
static int frames(struct work *w)
{
    struct tm__buf b = {w->frames_raw, sizeof(w->frames_raw), 0};
    char name[160], *p;
    int n = 0;

    w->frames_raw[0] = '\0';
    for (int i = 0; i < w->f.npcs; i++) {
        tm__bt_name(w->f.pcs[i], name, sizeof(name));
        if (i > 0)
            tm__buf_put(&b, "\n");
        tm__buf_put(&b, name);
    }
    if (b.len == 0)
        return 0;
    tm__scrub_word(w->frames_raw, b.len, w->frames_clean,
                   sizeof(w->frames_clean), w->spans, NSPANS, private_word());
    for (p = w->frames_clean; p && *p && n < TM_BT_MAX;) {
        char *nl = strchr(p, '\n');
        w->frames[n++] = p;
        if (nl)
            *nl++ = '\0';
        p = nl;
    }
    return n;
}

/* Writes one event for w->f.  Returns 0, or -1 (with errno from the
 * storage) when it was not written. */
static int write_event(struct work *w, int fatal, int exit_status, long repeat)
{
    struct tm__failure *f = &w->f;
    struct tm__event ev;
    enum tm__category cat;
    int nctx = 0, dfd, rc;
    long lost;
    size_t len;

    tm__euid_refresh(); /* one geteuid for all the event's checks */
    if (heavy_init() != 0 || stored_repo(w) != 0)
        return -1;
    if (__atomic_add_fetch(&tm__shim.written, 1, __ATOMIC_RELAXED) >
        tm__shim.cfg.max_events)
        return 0; /* over the per-process cap: dropped on purpose */
    tm__message(f, w->msg, sizeof(w->msg));
    tm__scrub_word(w->msg, strlen(w->msg), w->clean, sizeof(w->clean),
                   w->spans, NSPANS, private_word());
    cat = tm__classify_errno(f->err, f->path);
    memset(&ev, 0, sizeof(ev));
    if (f->ts[0]) /* the time of the failure; a repeat count: now */
        memcpy(ev.timestamp, f->ts, TM_TS_SIZE);
    else
        tm__ts_now(ev.timestamp);
    if (__atomic_load_n(&tm__shim.id_keyed, __ATOMIC_ACQUIRE))
        tm__id_seq(ev.id, tm__shim.id_key,
                   __atomic_fetch_add(&tm__shim.id_next, 1, __ATOMIC_RELAXED));
    else
        tm__id_new(ev.id);
    ev.repo = tm__shim.stored_repo;
    ev.agent = tm__shim.agent;
    ev.error_type = tm__errno_info(f->err)->type;
    ev.message = w->clean;
    ev.message_len = strlen(w->clean);
#define CTX(k, v)                                                              \
    w->ctx[nctx++] = (struct tm__ctx_item){k, TM_CTX_STR, v, strlen(v)}
    CTX("operation", calls[f->call].operation);
    tm__file_type(f->path, w->ftype, sizeof(w->ftype));
    if (cat == TM_CAT_git_lock_conflict || cat == TM_CAT_lock_conflict)
        memcpy(w->ftype, "lock", 5);
    if (w->ftype[0])
        CTX("file_type", w->ftype);
    CTX("syscall", calls[f->call].symbol);
    CTX("errno", tm__errno_info(f->err)->name);
    if (!tm__call_is_write(f->call) && f->call < TM_CALL_rename) {
        tm__flags_text(f->flags, w->flags, sizeof(w->flags));
        CTX("flags", w->flags);
    }
    CTX("category", tm__category_name(cat));
#undef CTX
    ev.ctx = w->ctx;
    ev.nctx = nctx;
    ev.source = "shim";
    ev.program = tm__shim.program;
    ev.flags = TM_EV_PID;
    ev.pid = tm__proc.pid;
    ev.nframes = frames(w);
    ev.frames = w->frames;
    if (repeat > 0) {
        ev.flags |= TM_EV_REPEAT;
        ev.repeat = repeat;
    }
    if (fatal) {
        ev.flags |= TM_EV_FATAL | TM_EV_EXIT;
        ev.fatal = 1;
        ev.exit_status = exit_status;
    }
    lost = __atomic_exchange_n(&tm__shim.lost, 0, __ATOMIC_ACQ_REL);
    if (lost > 0) { /* the events this process could not store before */
        w->lost[tm__fmt_u64(w->lost, (uint64_t)lost)] = '\0';
        w->ctx[ev.nctx++] = (struct tm__ctx_item){"events_lost", TM_CTX_RAW,
                                                  w->lost, strlen(w->lost)};
    }
    len = tm__event_encode(&ev, w->line);
    /* configured, shared default or per-user default; created when
     * absent (the first event, or removed meanwhile) */
    dfd = tm__dir_use(&tm__shim.cfg, 1, w->dir, sizeof(w->dir), NULL);
    if (dfd < 0) {
        int saved = errno;
        debug("telemetry directory refused (run 'telemetry doctor')");
        __atomic_add_fetch(&tm__shim.lost, lost + 1, __ATOMIC_RELAXED);
        errno = saved;
        return -1;
    }
    {
        /* An event waits at most LOCK_WAIT_US for the lock.  Once one has
         * waited that long in vain (a clean holds it), the next ones wait
         * LOCK_BUSY_US, until the lock is had again: a long hold costs the
         * host one full wait, not one per failure.  What found no lock is
         * spooled. */
        struct tm__store_opts so = {tm__shim.cfg.max_bytes, 0};
        int busy = __atomic_load_n(&tm__shim.lock_busy, __ATOMIC_RELAXED);
        int budget = busy ? LOCK_BUSY_US : LOCK_WAIT_US;
        rc = tm__store_line_budget(dfd, tm__shim.stored_repo, w->line, len,
                                   &so, &budget);
        __atomic_store_n(&tm__shim.lock_busy, rc == TM_EBUSY, __ATOMIC_RELAXED);
        if (rc == TM_EBUSY)
            rc = tm__spool_append(dfd, w->line, len);
    }
    if (rc != 0) {
        /* Not stored (a full disk, the file-size limit, ...): counted, and
         * said by the next event this process stores. */
        int saved = errno;
        __atomic_add_fetch(&tm__shim.lost, lost + 1, __ATOMIC_RELAXED);
        errno = saved;
    }
    {
        int saved = errno;
        syscall(SYS_close, dfd);
        errno = saved;
    }
    return rc == 0 ? 0 : -1;
}

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
    enum { RUNNING = 1, FAILED = 3 };
    int running = RUNNING;

    for (int i = 0; i < NSLOTS; i++)
        if (&slots[i].w != my_slot)
            __atomic_store_n(&slots[i].busy, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&inflight, in_shim ? 1 : 0, __ATOMIC_RELAXED);
    __atomic_compare_exchange_n(&tm__shim.heavy, &running, FAILED, 0,
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
            id_key_draw(); /* the child's ids must not repeat the parent's */
        __atomic_store_n(&tm__shim.written, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&tm__shim.expected, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&tm__shim.significant, 0, __ATOMIC_RELAXED);
    }
}

static void handle(struct work *w, const char *abs)
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
        heavy_init();
    if (__atomic_load_n(&tm__shim.heavy, __ATOMIC_ACQUIRE) == 2)
        f->npcs = tm__bt_capture(f->pcs, TM_BT_MAX);
    if (kind == TM_KIND_PROBE) {
        tm__ring_push(f);
        return;
    }
    if (write_event(w, 0, 0, 0) == 0)
        __atomic_store_n(&tm__shim.significant, 1, __ATOMIC_RELAXED);
    else if (errno == EMFILE || errno == ENFILE) {
        /* No descriptor for the log: keep the event (apart from the probe
         * ring, which would evict it) and write it at exit. */
        f->must_write = 1;
        if (tm__defer_push(f) == 0)
            __atomic_sub_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
    }
}

/* Starts handling a failure: returns a work area, or NULL when there is
 * nothing to do (not ready, disabled, re-entered, expected) or no area.
 * *entered says whether finish() must leave the guard. */
static struct work *start(enum tm__call call, int err, int flags, int *entered)
{
    struct work *w;

    *entered = 0;
    if (!tm__shim.ready || tm__shim.cfg.disable || in_shim)
        return NULL;
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) {
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
    if ((w = slot_take()) == NULL) {
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
static void finish(struct work *w, int entered, int err)
{
    if (w != NULL)
        slot_give(w);
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
    struct work *w = arg;
    size_t n = 0;

    check_fork();
    tm__proc_locate();
    switch (w->in.kind) {
    case IN_PATH:
        n = take_path(w->in.dirfd, w->in.path, w->abs, sizeof(w->abs),
                      w->f.path, sizeof(w->f.path));
        break;
    case IN_RENAME:
        n = take_path(w->in.dirfd, w->in.path, w->abs, sizeof(w->abs),
                      w->f.path, sizeof(w->f.path));
        take_path(w->in.dirfd2, w->in.path2, w->abs2, sizeof(w->abs2),
                  w->f.path2, sizeof(w->f.path2));
        break;
    case IN_FD:
        /* Name the target only when it is a regular file; never its data. */
        n = tm__fd_path(w->in.fd, w->abs, sizeof(w->abs));
        tm__scrub_copy_path(w->f.path, sizeof(w->f.path), n > 0 ? w->abs : "");
        break;
    }
    handle(w, n > 0 ? w->abs : NULL);
}

static void run(struct work *w)
{
    tm__on_stack(body, w, w->stack + sizeof(w->stack));
}

void tm__capture_path(enum tm__call call, int dirfd, const char *path,
                      int flags, int err)
{
    int entered;
    struct work *w = start(call, err, flags, &entered);

    if (w != NULL) {
        w->in.kind = IN_PATH;
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
    struct work *w = start(call, err, 0, &entered);

    if (w != NULL) {
        w->in.kind = IN_RENAME;
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
    struct work *w = start(call, err, 0, &entered);

    if (w != NULL) {
        w->in.kind = IN_FD;
        w->in.fd = fd;
        run(w);
    }
    finish(w, entered, err);
}

int tm__fopen_flags(const char *mode)
{
    int flags = O_RDONLY;

    if (mode == NULL)
        return 0;
    switch (mode[0]) {
    case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
    default: break;
    }
    for (const char *p = mode + (mode[0] != '\0'); *p && *p != ','; p++) {
        if (*p == '+')
            flags = (flags & ~O_ACCMODE) | O_RDWR;
        else if (*p == 'x')
            flags |= O_EXCL;
        else if (*p == 'e')
            flags |= O_CLOEXEC;
    }
    return flags;
}

/* ---- at exit ---- */

struct exit_ctx {
    int status;
    int significant; /* this process already wrote a significant event */
};

static void flush_one(struct tm__failure *f, void *arg)
{
    const struct exit_ctx *x = arg;
    struct work *w;

    /* Probes explain a failed exit only when nothing significant did. */
    if (!f->must_write && (x->status == 0 || x->significant))
        return;
    if ((w = slot_take()) == NULL)
        return;
    w->f = *f;
    write_event(w, x->status != 0, x->status, 0);
    slot_give(w);
}

static void flush_repeat(struct tm__failure *f, long extra, void *arg)
{
    struct work *w = slot_take();

    (void)arg;
    if (w == NULL)
        return;
    w->f = *f;
    w->f.ts[0] = '\0';
    w->f.npcs = 0;
    write_event(w, 0, 0, extra);
    slot_give(w);
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
    struct work *stack;

    if (!tm__shim.ready || tm__shim.cfg.disable || in_shim)
        return;
    in_shim = 1;
    __atomic_add_fetch(&inflight, 1, __ATOMIC_ACQ_REL);
    /* This area lends its stack only; the writes take areas of their own. */
    if ((stack = slot_take()) != NULL) {
        tm__on_stack(exit_body, &x, stack->stack + sizeof(stack->stack));
        slot_give(stack);
    }
    __atomic_sub_fetch(&inflight, 1, __ATOMIC_ACQ_REL);
    in_shim = 0;
    errno = saved;
}
