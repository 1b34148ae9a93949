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
#include <linux/kcmp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backtrace.h"
#include "dir.h"
#include "emit.h"
#include "once.h"
#include "policy.h"
#include "proc.h"
#include "pystack.h"
#include "ring.h"
#include "runrec.h"
#include "sanitize.h"
#include "shim_state.h"
#include "start.h"
#include "stack.h"
#include "work.h"

#define REPEAT_LIMIT 3
/* How long fork() waits for other threads' failure handling to finish
 * before the child is made (each takes microseconds; the first, which
 * initializes, a few milliseconds). */
#define PREFORK_WAIT_US 100000
/* How long a failure waits for another thread's fork to make its child
 * (a fork takes a millisecond or two here), then is dropped. */
#define FORK_GATE_US 2000

struct tm__shim_state tm__shim;
static TM_TLS int in_shim;
static TM_TLS int my_fork; /* this thread is forking (fork_gate) */
static TM_TLS int counted; /* this thread is counted in inflight (count_in) */
static TM_TLS unsigned gave_up; /* 1 + the fork_seq whose gate it gave up */

/* Microseconds of the monotonic clock (vDSO: no system call). */
static long long mono_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int inflight TM_HOT; /* threads inside the failure path */
static int forking TM_HOT;  /* forks under way (tm__capture_prefork) */
static unsigned fork_seq TM_HOT; /* forks begun */

/* ---- searches (README "Signal, not noise") ----
 *
 * A searching program (policy.h) looks for a name in directory after
 * directory, d1/name, d2/name, ..., and every search starts again at d1:
 * the directory of the process's first try.  So its tries are grouped as
 * they come: a try joins the current search when its name (the last
 * component up to its first dot: ld tries libz.so, then libz.a, in each
 * directory) is the search's, unless it starts again in d1 (gcc's errno.h
 * includes bits/errno.h, which includes linux/errno.h: three searches).
 * A search that failed tried every directory; one that succeeded stopped
 * where it found its file.  So the search that explains a non-zero exit
 * is the one with the most tries, when no other search tried as many (a
 * tie: no explanation) and its name is not a start-up probe (gcc searches
 * stdc-predef.h in every compile, found in the last directory: the
 * measure of a found search).  One state per process behind a try-lock;
 * a try that finds it busy (another thread, a signal handler) is not
 * grouped. */
static struct {
    int busy;
    long tries;                /* tries of the current search */
    long places;               /* the directories they were in */
    unsigned long group;       /* its number */
    size_t d1len;              /* d1's length (0: none known) */
    size_t sfx;                /* the trailing components all its tries
                                  share: first's last sfx bytes */
    char d1[TM_RING_PATH];     /* the directory of the first try */
    char first[TM_RING_PATH];  /* the current search's first try */
    char last[TM_RING_PATH];   /* its latest try */
    long best_tries;           /* the search with the most tries: */
    long best_places;
    unsigned long best_group;
    int best_unique;           /* no other search tried as many */
    int best_startup;          /* a start-up probe: explains nothing */
    size_t best_sfx;
    char best_first[TM_RING_PATH];
    struct tm__failure best;   /* its last try */
} search;

/* The name of a try: its last component up to the first dot. */
static const char *stem(const char *p, size_t *n)
{
    const char *b = strrchr(p, '/');

    b = b ? b + 1 : p;
    for (*n = 0; b[*n] && b[*n] != '.'; (*n)++)
        ;
    return b;
}

/* Is p a path in d1? */
static int in_d1(const char *p)
{
    return search.d1len > 0 && strncmp(p, search.d1, search.d1len) == 0 &&
           p[search.d1len] == '/';
}

/* Are a and b in one directory? */
static int same_dir(const char *a, const char *b)
{
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

    return sa && sb && sa - a == sb - b && memcmp(a, b, (size_t)(sa - a)) == 0;
}

/* The length of the longest run of trailing whole components a and b
 * share ("x/proto/wire.h", "/usr/include/proto/wire.h": "proto/wire.h"),
 * at most k. */
static size_t shared_tail(const char *a, const char *b, size_t k)
{
    size_t na = strlen(a), nb = strlen(b), n = 0;

    while (n < na && n < nb && n < k && a[na - 1 - n] == b[nb - 1 - n])
        n++;
    while (n > 0 && !((n == na || a[na - 1 - n] == '/') &&
                      (n == nb || b[nb - 1 - n] == '/')))
        n--;
    return n;
}

static void search_try(const struct tm__failure *f)
{
    const char *p = f->path, *s1, *s2;
    size_t n1 = 0, n2 = 0;
    int joins = 0;

    if (__atomic_exchange_n(&search.busy, 1, __ATOMIC_ACQUIRE))
        return;
    if (search.tries == 0 && search.group == 0) { /* the process's first */
        const char *slash = strrchr(p, '/');
        search.d1len = slash ? (size_t)(slash - p) : 0;
        memcpy(search.d1, p, search.d1len);
        search.d1[search.d1len] = '\0';
    }
    if (search.tries > 0) {
        s1 = stem(search.first, &n1);
        s2 = stem(p, &n2);
        joins = n1 == n2 && memcmp(s1, s2, n1) == 0 &&
                !(in_d1(p) && (strcmp(p, search.first) == 0 ||
                               !same_dir(p, search.first)));
    }
    if (joins) {
        search.tries++;
        search.places += !same_dir(p, search.last); /* ld: .so, .a in one */
        search.sfx = shared_tail(search.first, p, search.sfx);
    } else {
        tm__strlcpy(search.first, p, sizeof(search.first));
        search.tries = 1;
        search.places = 1;
        search.sfx = strlen(search.first);
        search.group++;
    }
    tm__strlcpy(search.last, p, sizeof(search.last));
    if (search.tries > search.best_tries) {
        if (search.best_group != search.group) {
            search.best_startup = tm__policy_routine(search.first, 0);
            search.best_group = search.group;
            tm__strlcpy(search.best_first, search.first, sizeof(search.best_first));
        }
        search.best_tries = search.tries;
        search.best_unique = 1;
    } else if (search.tries == search.best_tries &&
               search.group != search.best_group) {
        search.best_unique = 0;
    }
    if (search.best_group == search.group) {
        search.best_places = search.places;
        search.best_sfx = search.sfx;
    }
    if (search.best_group == search.group)
        tm__failure_copy(&search.best, f);
    __atomic_store_n(&search.busy, 0, __ATOMIC_RELEASE);
}

/* A dotfile is looked for, not searched (clang's .hipVersion in every
 * directory a ROCm might be): it is never the name of a search. */
static int dotfile(const char *path)
{
    const char *b = strrchr(path, '/');

    return (b ? b[1] : path[0]) == '.';
}

/* The program's kind of search (policy.h), asked once per process. */
static int searching(void)
{
    if (tm__proc.searching == 0)
        tm__proc.searching = 1 + tm__policy_searching(tm__proc.program);
    return tm__proc.searching - 1;
}

/* ---- the failure path ---- */

static int forked TM_HOT; /* set in a fork()ed child (the fork wrappers) */
static int *fork_word;    /* 0 in a child of any fork (see unseen_fork) */
static int unseen_fork(int own);
static void check_fork(void);


/* Before fork: other threads inside the failure path hold descriptors (the
 * directory, its lock, a log) and may be half-way through the one-time
 * initialization; a child would keep the descriptors (and with them the
 * lock) for its whole life, and find the initialization running for ever.
 * So fork waits for them, a bounded time (elapsed, not counted in sleeps).
 * `forking` counts the forks under way and stays up until each has made
 * its child (tm__capture_forked, tm__capture_forked_parent): no thread
 * enters the failure path between the wait and the copy of the descriptor
 * table. */
void tm__capture_prefork(void)
{
    struct timespec pause = {0, 100 * 1000}; /* 0.1 ms */
    int own = counted; /* fork from a handler inside the shim */
    int saved = errno;
    long long t0 = mono_us();

    /* While it waits, new failures are passed over (counted as lost):
     * threads failing without pause would otherwise keep it waiting. */
    /* A child of an unseen fork (daemon()) that forks before its first
     * written failure: what it inherited from its parent's other threads
     * is not theirs to wait for (one getpid where the word is missing: a
     * fork costs a thousand times more). */
    if (__atomic_load_n(&tm__shim.seen, __ATOMIC_ACQUIRE))
        unseen_fork(own);
    my_fork = 1;
    __atomic_add_fetch(&fork_seq, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&forking, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&inflight, __ATOMIC_SEQ_CST) > own &&
           mono_us() - t0 < PREFORK_WAIT_US)
        syscall(SYS_nanosleep, &pause, NULL);
    errno = saved;
}

void tm__capture_forked_parent(void)
{
    __atomic_sub_fetch(&forking, 1, __ATOMIC_SEQ_CST);
    my_fork = 0;
}

/* In the child, which has only the thread that forked: what other threads
 * held is free again, no fork is under way, and the child's pid and event
 * ids are its own before it can start a thread (one thread of several
 * would otherwise write with the parent's key before another reset it).
 * If the wait above gave up while another thread was initializing, the
 * child never initializes (it records nothing) rather than wait on state
 * that thread left half-made. */
void tm__capture_forked(void)
{
    int running = TM_ONCE_RUNNING;
    int saved = errno;

    __atomic_store_n(&forking, 0, __ATOMIC_RELAXED);
    my_fork = 0;
    /* If no failure had reached the failure path at the fork, its identity
     * is asked at its first failure (check_fork): a child of a process
     * that never failed touches no other page of the shim. */
    __atomic_store_n(&forked, 1, __ATOMIC_RELEASE);
    if (!__atomic_load_n(&tm__shim.seen, __ATOMIC_ACQUIRE))
        return;
    tm__work_forked();
    tm__py_forked();
    __atomic_store_n(&inflight, counted, __ATOMIC_RELAXED);
    __atomic_compare_exchange_n(&tm__shim.once, &running, TM_ONCE_FAILED, 0,
                                __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    check_fork(); /* identity, ids, counts: before any thread of its own */
    errno = saved;
}

/* A child starts with its own identity, counters and ring.  The child
 * handler only sets a flag: the reset happens at the child's first failure,
 * without a getpid system call on every failure. */
static void check_fork(void)
{
    if (__atomic_exchange_n(&forked, 0, __ATOMIC_ACQ_REL)) {
        int *w = __atomic_load_n(&fork_word, __ATOMIC_ACQUIRE);

        if (w != NULL) /* the kernel emptied it in this child: its own now */
            __atomic_store_n(w, 1, __ATOMIC_RELEASE);
        tm__proc_forget();
        tm__ring_reset();
        memset(&search, 0, sizeof(search));
        if (__atomic_load_n(&tm__shim.id_keyed, __ATOMIC_ACQUIRE))
            tm__once_id_key(); /* the child's ids must not repeat the parent's */
        __atomic_store_n(&tm__shim.written, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&tm__shim.expected, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&tm__shim.probes, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&tm__shim.significant, 0, __ATOMIC_RELAXED);
        /* the parent's to report (it counted them: a failure passed over
         * during this very fork is counted before the copy) */
        __atomic_store_n(&tm__shim.lost, 0, __ATOMIC_RELAXED);
    }
}

enum sharing { SHARES_NOT, SHARES_MEMORY, SHARES_UNKNOWN };

/* Is a seccomp filter in force in this thread (/proc/thread-self/status's
 * "Seccomp:" line: a thread may have a filter its process's main thread
 * has not; 1 also where that cannot be read, as before Linux 4.17)?  A
 * filter may answer a call it does not expect with SIGSYS, which the
 * host must never get from the shim: then only the calls every event
 * makes are made. */
static int filtered(void)
{
    static const char key[] = "\nSeccomp:\t";
    enum { KEY = sizeof(key) - 1 };
    char buf[256 + KEY];
    size_t have = 0;
    long n;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/thread-self/status",
                          O_RDONLY | O_CLOEXEC, 0);
    int mode = -1;

    if (fd < 0)
        return 1;
    /* read in small steps (this may run on a host's small stack), the
     * last KEY bytes carried over so the line is found across steps */
    while (mode < 0 && (n = syscall(SYS_read, fd, buf + have, 256)) > 0) {
        size_t len = have + (size_t)n;
        for (size_t i = 0; i + KEY < len && mode < 0; i++)
            if (memcmp(buf + i, key, KEY) == 0)
                mode = buf[i + KEY] - '0';
        have = len < KEY ? len : KEY;
        memmove(buf, buf + len - have, have);
    }
    syscall(SYS_close, fd);
    return mode != 0;
}

/* A process whose pid is not the one noted, where no fork word answers:
 * a fork's child, or a vfork child running in its parent's memory (whose
 * state, pid included, is its parent's: README "Manners in someone else's
 * process", "Fork").  kcmp compares the two memories, only where no
 * seccomp filter is in force in this thread; elsewhere, and where kcmp
 * fails, no answer
 * (the child is taken for a fork's).  Asked at each failure that counts
 * of such a child (one answer kept in memory could be a vfork child's,
 * kept in its parent's, and read by a later child given the same pid),
 * never on the path of a process that did not fork. */
static enum sharing parent_sharing(void)
{
    long k;

    if (filtered())
        return SHARES_UNKNOWN;
    k = syscall(SYS_kcmp, (long)tm__getpid(), syscall(SYS_getppid),
                (long)KCMP_VM, 0L, 0L);
    return k < 0 ? SHARES_UNKNOWN : k == 0 ? SHARES_MEMORY : SHARES_NOT;
}

/* ---- forks the wrappers do not see ----
 *
 * glibc's daemon() calls its own fork, not the exported one the wrappers
 * catch; a child of it holds its parent's identity, ids and counts.  It is
 * noticed before the child's first event is written, without a system call
 * per event: the one-time initialization maps a page the kernel empties in
 * every child (MADV_WIPEONFORK, Linux 4.14) and sets a word in it; a child
 * finds the word 0.  Where that page could not be had, getpid answers.
 * Probes are not asked (they stay free of system calls): a child's probes
 * before its first written event count with its parent's, and an exit
 * whose pid is not the one noted writes none of them (exit_body). */
void tm__capture_fork_word(void)
{
    void *p;

    if (__atomic_load_n(&fork_word, __ATOMIC_ACQUIRE) != NULL)
        return;
    /* Initializing in a child of an unseen fork: the parent had not.  A
     * vfork child's initialization is its parent's (the word it maps is
     * the parent's too: one memory). */
    if (tm__getpid() != tm__proc.pid && parent_sharing() != SHARES_MEMORY)
        __atomic_store_n(&forked, 1, __ATOMIC_RELEASE);
    p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    if (madvise(p, 4096, MADV_WIPEONFORK) != 0) {
        munmap(p, 4096);
        return;
    }
    *(int *)p = 1;
    {
        int *none = NULL; /* threads failing at once: one word is kept */
        if (!__atomic_compare_exchange_n(&fork_word, &none, (int *)p, 0,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            munmap(p, 4096);
    }
}

/* Sets `forked` (for check_fork) when this is the child of an unseen
 * fork; own: whether this thread is inside the failure path. */
static int unseen_fork(int own)
{
    int *w = __atomic_load_n(&fork_word, __ATOMIC_ACQUIRE);
    enum sharing sh = SHARES_NOT;

    if (__atomic_load_n(&forked, __ATOMIC_ACQUIRE))
        return 1;
    if (w != NULL ? __atomic_load_n(w, __ATOMIC_ACQUIRE) != 0
                  : tm__getpid() == tm__proc.pid ||
                        (sh = parent_sharing()) == SHARES_MEMORY)
        return 0; /* the process noted, or a vfork child of it */
    if (sh == SHARES_NOT) {
        /* An initialization the parent's other thread was running never
         * ends here: the child records nothing (as tm__capture_forked).
         * Only where the emptied word or the kernel says fork: a vfork
         * child shares the parent's memory, and its initialization is the
         * parent's. */
        int running = TM_ONCE_RUNNING;
        __atomic_compare_exchange_n(&tm__shim.once, &running, TM_ONCE_FAILED, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    }
    tm__py_forked();
    /* What the fork wrappers' child would have reset and can be here: no
     * fork under way, no other thread of the parent inside the failure
     * path (this one is; another of this child's own entering at this very
     * moment would be missed by a fork's wait: a rare leak of a descriptor
     * into that fork's child, not a wait of 100 ms at every fork), and a
     * current directory to ask again (daemon() moves to "/").  The work
     * areas the parent's threads held stay taken: freeing one a thread of
     * this child may hold would run two failures on one stack. */
    __atomic_store_n(&forking, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&inflight, own, __ATOMIC_RELAXED);
    tm__proc_moved();
    __atomic_store_n(&forked, 1, __ATOMIC_RELEASE);
    return 1;
}

/* Is abs in the telemetry directory in use?  Its files come and go under
 * the readers (a rotated log not there yet, a spool moved away): a
 * failure on them is the telemetry's own, expected, never recorded
 * (README "Signal, not noise"). */
static int in_own_dir(const char *abs)
{
    const char *d = tm__shim.cfg.dir;
    size_t n = tm__shim.dirlen; /* the failure path runs after init.c set it */

    return abs != NULL && d[0] == '/' && strncmp(abs, d, n) == 0 &&
           (abs[n] == '/' || abs[n] == '\0');
}

/* The kind of a failure on one path: the work tree of the path decides
 * which rules apply; a path in none is judged from the current
 * directory's workspace, as the README's "Signal, not noise" says. */
static enum tm__kind judge(const struct tm__failure *f, char *abs,
                           size_t *root, unsigned *how)
{
    *how = 0;
    *root = abs != NULL ? tm__worktree(abs, PATH_MAX, how) : 0;
    return tm__policy(f->call, f->err, abs, *root ? abs : tm__place.cwd,
                      *root ? *root : tm__proc.wslen, (*how & TM_WT_BARE) != 0);
}

/* A failure that is not the telemetry's own: judged, counted, and kept in
 * the probe ring or written. */
static void keep(struct tm__work *w, char *abs, char *abs2)
{
    struct tm__failure *f = &w->f;
    unsigned how, how2 = 0;
    size_t root, root2 = 0;
    enum tm__kind kind;

    /* A routine probe whatever its work tree (a dotfile, package.json,
     * /etc/...): never written, so it needs no work-tree lookup, no
     * backtrace and no place in the ring; it is only counted.  Not for a
     * rename (its other path may matter), nor when every failure is
     * written, nor for a searching program's tries (its searches are
     * grouped from them). */
    if (tm__calls[f->call].op != TM_OP_RENAME &&
        tm__shim.cfg.capture != TM_CAPTURE_ALL &&
        (dotfile(f->path) || !searching()) &&
        tm__policy_routine_anywhere(f->err, abs)) {
        __atomic_add_fetch(&tm__shim.probes, 1, __ATOMIC_RELAXED);
        return;
    }
    kind = judge(f, abs, &root, &how);

    /* A rename is significant when either of its paths is (a destination
     * in a missing directory of a work tree), and filed where that is. */
    if (abs2 != NULL && kind != TM_KIND_SIGNIFICANT &&
        judge(f, abs2, &root2, &how2) == TM_KIND_SIGNIFICANT) {
        kind = TM_KIND_SIGNIFICANT;
        abs = abs2;
        root = root2;
        how = how2;
    }
    /* ... and where the failure is filed. */
    tm__repo_of(abs, (long)root, how, f->repo, sizeof(f->repo));
    /* Only a probe may explain an exit later: only a probe needs to know
     * whether it is routine.  A rename is routine when both its paths are
     * (a dotfile moved into node_modules/ may explain as much as the
     * reverse). */
    f->routine = kind == TM_KIND_PROBE &&
                 ((how & TM_WT_BARE) || tm__policy_routine(abs ? abs : f->path, root)) &&
                 (f->path2[0] == '\0' || (how2 & TM_WT_BARE) ||
                  tm__policy_routine(abs2 ? abs2 : f->path2, root2));
    /* A search reads: a searching program's output it cannot create (a
     * missing build directory) is its own failure. */
    if ((f->err == ENOENT || f->err == ENOTDIR) &&
        tm__calls[f->call].op == TM_OP_OPEN &&
        (f->flags & (O_ACCMODE | O_CREAT)) == O_RDONLY && searching()) {
        if (kind == TM_KIND_SIGNIFICANT)
            kind = TM_KIND_PROBE; /* one directory of a search tried */
        if (kind == TM_KIND_PROBE && !dotfile(f->path)) {
            search_try(f);
            f->routine = 1; /* a try: only its search explains (flush_search) */
        }
    }
    /* cmake moves its temporary files: one another step moved is gone. */
    if (f->err == ENOENT && tm__calls[f->call].op == TM_OP_RENAME &&
        kind == TM_KIND_SIGNIFICANT && (searching() & TM_SEARCH_RENAMES))
        kind = TM_KIND_PROBE;
    if (kind == TM_KIND_EXPECTED) {
        __atomic_add_fetch(&tm__shim.expected, 1, __ATOMIC_RELAXED);
        return;
    }
    if (tm__shim.cfg.capture == TM_CAPTURE_ALL)
        kind = TM_KIND_SIGNIFICANT;
    else if (tm__shim.cfg.capture == TM_CAPTURE_FATAL)
        kind = TM_KIND_PROBE;
    /* A routine probe (a search's try among them) never explains an exit
     * (flush_one): counted, not kept.  In the ring of the last 32 it
     * evicted the probes that may, and touched the ring's pages in every
     * git command (~/.config/git/attributes). */
    if (kind == TM_KIND_PROBE && f->routine) {
        __atomic_add_fetch(&tm__shim.probes, 1, __ATOMIC_RELAXED);
        return;
    }
    /* Past the limit a repeat is only counted (the exit writes the count):
     * it needs no time, no backtrace and no initialization. */
    if (kind == TM_KIND_SIGNIFICANT &&
        tm__repeat_hit(f) > REPEAT_LIMIT)
        return;
    clock_gettime(CLOCK_REALTIME, &f->ts); /* vDSO; formatted if written */
    /* The first significant failure initializes (it allocates): not in a
     * signal handler, where the host may be inside malloc.  Its event then
     * waits for the exit, kept apart from the probe ring. */
    if (kind == TM_KIND_SIGNIFICANT && !tm__once_tried() &&
        !tm__once_may_run(w->host_sp, w->line, sizeof(w->line))) {
        f->must_write = 1;
        if (tm__defer_push(f) != 0)
            __atomic_add_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
        return;
    }
    /* A significant failure is written now: initialize first, so even the
     * first one carries its backtrace.  Probes take one only when the unwinder
     * is already loaded. */
    if (kind == TM_KIND_SIGNIFICANT) {
        if (unseen_fork(counted)) /* first: a daemon() child must not wait */
            check_fork();
        if (tm__once() == TM_ONCE_GAVE_UP) {
            /* Another thread's initialization is still running (it may
             * wait for the loader's lock this thread holds): the event
             * waits for the exit, as above, not a second wait in emit. */
            f->must_write = 1;
            if (tm__defer_push(f) != 0)
                __atomic_add_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
            return;
        }
    }
    /* Written now: where in the Python program (README "Where in the
     * agent: the Python stack"); probes stay cheap without it.  Walked
     * before the backtrace: with a Python stack the C frames past the
     * innermost TM_PY_CFRAMES are the interpreter's loop, not unwound. */
    if (kind == TM_KIND_SIGNIFICANT && tm__shim.cfg.stack)
        w->npy = tm__py_stack(&w->py_scratch, w->py_raw, sizeof(w->py_raw),
                              tm__place.cwd, tm__proc.wslen);
    if (tm__once_ready())
        f->npcs = tm__bt_capture(f->pcs, w->npy > 0 ? TM_PY_CFRAMES
                                                    : TM_FRAMES_MAX, &w->unw);
    if (kind == TM_KIND_PROBE) {
        __atomic_add_fetch(&tm__shim.probes, 1, __ATOMIC_RELAXED);
        tm__ring_push(f);
        return;
    }
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

static void handle(struct tm__work *w, char *abs, char *abs2)
{
    if (in_own_dir(abs) || in_own_dir(abs2))
        __atomic_add_fetch(&tm__shim.expected, 1, __ATOMIC_RELAXED);
    else
        keep(w, abs, abs2);
}

/* This thread's count in inflight, and the flag that says it is there
 * (a fork from a handler that interrupted this thread waits for the other
 * threads only, and its child counts this one alone). */
static void count_in(void)
{
    counted = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_add_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
}

static void count_out(void)
{
    __atomic_sub_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    counted = 0;
    /* not sunk past the next call (fork_gate's sleep): a handler that
     * forks there must see it (it did not, and its child kept a count) */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Enters the failure path (counted, as finish() expects).  While another
 * thread's fork is under way this thread waits outside it (not counted:
 * that fork waits for the counted ones), at most FORK_GATE_US once per
 * fork, then gives up (-1: the failure is dropped and counted; the next
 * ones during the same fork are dropped at once, so a thread that holds a
 * lock an atfork handler of that fork wants delays it once, not at every
 * failure).  The forking thread itself (a failing call in an atfork
 * handler) goes on: what it opens is closed before the fork copies the
 * descriptor table. */
static int fork_gate(void)
{
    struct timespec pause = {0, 50 * 1000};
    long long t0 = 0;

    for (;;) {
        unsigned seq;

        count_in();
        seq = __atomic_load_n(&fork_seq, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&forking, __ATOMIC_SEQ_CST) == 0 || my_fork)
            return 0;
        if (gave_up == seq + 1)
            return -1;
        if (t0 == 0) {
            t0 = mono_us();
        } else if (mono_us() - t0 >= FORK_GATE_US) {
            gave_up = seq + 1;
            return -1;
        }
        count_out();
        syscall(SYS_nanosleep, &pause, NULL);
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
    /* From now on the exit has work (until then it touches none of the
     * failure path's pages: a process that never fails pays nothing at its
     * end either). */
    if (!__atomic_load_n(&tm__shim.seen, __ATOMIC_RELAXED))
        __atomic_store_n(&tm__shim.seen, 1, __ATOMIC_RELAXED);
    if (tm__err_expected(err)) {
        __atomic_add_fetch(&tm__shim.expected, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    in_shim = 1;
    *entered = 1;
    /* Passed over (another thread's fork, no work area): counted as lost,
     * reported by the next event stored or the run record. */
    if (fork_gate() != 0 || (w = tm__work_take()) == NULL) {
        __atomic_add_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    tm__failure_clear(&w->f);
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
        count_out();
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
    size_t n = 0, n2 = 0;

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
        n2 = take_path(w->in.dirfd2, w->in.path2, w->abs2, sizeof(w->abs2),
                       w->f.path2, sizeof(w->f.path2));
        break;
    case TM_IN_FD:
        /* Name the target only when it is a regular file; never its data. */
        n = tm__fd_path(w->in.fd, w->abs, sizeof(w->abs));
        tm__scrub_copy_path(w->f.path, sizeof(w->f.path), n > 0 ? w->abs : "");
        break;
    }
    handle(w, n > 0 ? w->abs : NULL, n2 > 0 ? w->abs2 : NULL);
}

static void run(struct tm__work *w)
{
    w->host_sp = (uintptr_t)__builtin_frame_address(0);
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
    int status;      /* the exit status: exit()'s argument & 0377 */
    int significant; /* this process wrote a significant event (at once,
                        or kept and written at this exit) */
};

static void flush_one(struct tm__failure *f, void *arg)
{
    struct exit_ctx *x = arg;
    struct tm__work *w;

    /* Probes explain a failed exit only when nothing significant did, and
     * never the start-up probes every healthy run makes. */
    if (!f->must_write && (x->status == 0 || x->significant || f->routine))
        return;
    if ((w = tm__work_take()) == NULL)
        return;
    tm__failure_copy(&w->f, f);
    /* A kept significant event written (the queue is drained first): it
     * explains the exit, the probes no longer do; also at a later exit
     * (written before an exec that failed). */
    if (tm__emit(w, x->status != 0, x->status, 0) == TM_EMIT_DONE && f->must_write) {
        x->significant = 1;
        __atomic_store_n(&tm__shim.significant, 1, __ATOMIC_RELAXED);
    }
    /* A probe written after all, or not stored (then counted as lost by
     * tm__emit): no longer a suppressed one. */
    if (!f->must_write)
        __atomic_sub_fetch(&tm__shim.probes, 1, __ATOMIC_RELAXED);
    tm__work_give(w);
}

/* What the best search looked for: the trailing components all its tries
 * shared, the same whatever the directories (-Iinclude -Iinclude/sub, or
 * -Isrc/../include: 'proto/wire.h'); one try: the path as given; tries
 * that share no component (ld's libz.so, libz.a): their stem. */
static void search_name(char *out, size_t cap)
{
    const char *first = search.best_first;
    size_t n = strlen(first), k;

    if (search.best_tries > 1 && search.best_sfx > 0) {
        tm__strlcpy(out, first + n - search.best_sfx, cap);
    } else if (search.best_tries > 1) {
        const char *st = stem(first, &k);
        if (k + 1 < cap) {
            memcpy(out, st, k);
            out[k] = '\0';
        } else {
            tm__strlcpy(out, first, cap);
        }
    } else {
        tm__strlcpy(out, first, cap);
    }
}

/* Did the process run children (waited for: make waits for its jobs
 * before it exits)?  An exec'd child always takes page faults. */
static int ran_children(void)
{
    struct rusage ru;

    if (syscall(SYS_getrusage, RUSAGE_CHILDREN, &ru) != 0)
        return 1;
    return ru.ru_minflt != 0 || ru.ru_majflt != 0 || ru.ru_nvcsw != 0 ||
           ru.ru_utime.tv_sec != 0 || ru.ru_utime.tv_usec != 0;
}

/* A searching program's non-zero exit: the search that explains it
 * (above), written as one event naming what was searched for (the
 * trailing components its tries shared) and how many places were tried.
 * The other tries were found later: none of them is written.  A program
 * whose exit is its children's (make: QUIET) is explained so only when it
 * ran none (`make -f missing.mk`, a missing `include config.mk`).  Returns
 * whether it wrote. */
static int flush_search(const struct exit_ctx *x)
{
    struct tm__work *w;
    int done;

    if (x->status == 0 || x->significant || search.best_tries == 0 ||
        (!(searching() & TM_SEARCH_EXPLAINS) && ran_children()) ||
        !search.best_unique || search.best_startup ||
        (w = tm__work_take()) == NULL)
        return 0;
    w->f = search.best;
    search_name(w->f.path, sizeof(w->f.path));
    w->f.searched = search.best_places;
    done = tm__emit(w, 1, x->status, 0) == TM_EMIT_DONE;
    tm__work_give(w);
    return done;
}

static void flush_repeat(struct tm__failure *f, long extra, void *arg)
{
    struct tm__work *w = tm__work_take();

    (void)arg;
    if (w == NULL)
        return;
    tm__failure_copy(&w->f, f);
    w->f.ts.tv_sec = 0;
    w->f.npcs = 0;
    tm__emit(w, 0, 0, extra);
    tm__work_give(w);
}

/* Under a run (TELEMETRY_RUN_ID), a process that suppressed failures says
 * how many in one line of the run file (README "Runs"): into a directory
 * that exists already, waiting for its lock at most RUN_LOCK_WAIT_US; a
 * line that finds no directory or no lock is not written. */
#define RUN_LOCK_WAIT_US 2000

static void contribute(void)
{
    /* Taken and reset: after an exec that failed, the exit hook writes
     * only what came after it. */
    long probes = __atomic_exchange_n(&tm__shim.probes, 0, __ATOMIC_RELAXED);
    long expected = __atomic_exchange_n(&tm__shim.expected, 0, __ATOMIC_RELAXED);
    /* Events not stored that no later event of this process reported
     * (its events_lost): handed over to the run file. */
    long lost = __atomic_exchange_n(&tm__shim.lost, 0, __ATOMIC_RELAXED);
    struct tm__runrec r;
    struct tm__work *w;
    int dfd, budget = RUN_LOCK_WAIT_US;
    size_t len;

    if (tm__shim.cfg.run_id[0] == '\0' ||
        (probes <= 0 && expected <= 0 && lost <= 0))
        return;
    if ((w = tm__work_take()) == NULL)
        return;
    tm__euid_refresh(); /* the uid now, not the last event's */
    dfd = tm__dir_use(&tm__shim.cfg, 0, w->dir, sizeof(w->dir), NULL);
    if (dfd >= 0) {
        memset(&r, 0, sizeof(r));
        r.kind = TM_RUN_PROCESS;
        r.run = tm__shim.cfg.run_id;
        tm__ts_now(r.time);
        r.flags = TM_RUNREC_PID | TM_RUNREC_COUNTS | TM_RUNREC_SUPPR;
        r.pid = tm__proc.pid;
        r.program = tm__shim.program[0] ? tm__shim.program : NULL;
        r.events = __atomic_load_n(&tm__shim.written, __ATOMIC_RELAXED);
        if (r.events > tm__shim.cfg.max_events) /* attempts past the cap */
            r.events = tm__shim.cfg.max_events;
        r.probes = probes > 0 ? probes : 0;
        r.expected = expected;
        r.flags |= TM_RUNREC_LOST;
        r.lost = lost > 0 ? lost : 0;
        if ((len = tm__runrec_encode(&r, w->line)) > 0)
            tm__runrec_store(dfd, w->line, len, tm__shim.cfg.max_bytes, &budget);
        syscall(SYS_close, dfd);
    }
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
        /* No search explains it: the ring does, its tries excepted.  Only
         * a failed exit nothing significant explained (flush_one): a clean
         * one leaves the ring's pages untouched (32 entries, 9 pages a
         * process would touch at its end; README "Performance"). */
        if (x->status != 0 && !x->significant &&
            (!searching() || !flush_search(x)))
            tm__ring_drain(flush_one, x);
        tm__repeat_drain(REPEAT_LIMIT, flush_repeat, NULL);
        contribute();
    }
}

/* A kept event that cannot be written: counted as lost. */
static void lose_one(struct tm__failure *f, void *arg)
{
    (void)f;
    (void)arg;
    __atomic_add_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
}

struct image_end_ctx {
    uintptr_t host_sp;
    struct tm__work *area; /* the stack's work area: its line is scratch */
};

/* Before an exec or _exit: the events kept for the exit are written (no
 * exit status is known: as plain events), then a run's counts.  Both may
 * be called from a signal handler (async-signal-safe): the kept events are
 * written only where the initialization is done or may run here (as for
 * a failure, capture.c keep()), else counted as lost. */
static void image_end_body(void *arg)
{
    struct image_end_ctx *c = arg;
    struct exit_ctx x = {0, 1};

    if (tm__defer_pending())
        tm__defer_drain(tm__once_tried() ||
                                tm__once_may_run(c->host_sp, c->area->line,
                                                 sizeof(c->area->line))
                            ? flush_one
                            : lose_one,
                        &x);
    if (tm__shim.cfg.run_id[0] != '\0')
        contribute(); /* it takes the counts: only for a run's record */
}

TM_START_TEXT void tm__capture_image_end(void)
{
    int saved = errno;
    struct tm__work *stack;

    /* A forked (or vforked) child that recorded nothing holds its parent's
     * counts: they are the parent's to write.  Nothing is written to
     * memory before this test (a vforked child shares it). */
    if (!tm__shim.ready || tm__shim.cfg.disable || in_shim ||
        !__atomic_load_n(&tm__shim.seen, __ATOMIC_RELAXED) ||
        (tm__shim.cfg.run_id[0] == '\0' && !tm__defer_pending()) ||
        tm__getpid() != tm__proc.pid)
        return;
    in_shim = 1;
    count_in();
    if ((stack = tm__work_take()) != NULL) {
        struct image_end_ctx c = {(uintptr_t)__builtin_frame_address(0), stack};

        tm__on_stack(image_end_body, &c, stack->stack + sizeof(stack->stack));
        tm__work_give(stack);
    }
    count_out();
    in_shim = 0;
    errno = saved;
}

TM_START_TEXT void tm__capture_exit(int status)
{
    /* what the parent sees: exit(256) is a clean exit */
    struct exit_ctx x = {status & 0377,
                         __atomic_load_n(&tm__shim.significant, __ATOMIC_RELAXED)};
    int saved;
    struct tm__work *stack;

    if (!tm__shim.ready || tm__shim.cfg.disable || in_shim ||
        !__atomic_load_n(&tm__shim.seen, __ATOMIC_RELAXED))
        return;
    /* errno only now: its first use binds __errno_location (about 800
     * instructions), in every process that exits without a failure */
    saved = errno;
    in_shim = 1;
    count_in();
    /* This area lends its stack only; the writes take areas of their own. */
    if ((stack = tm__work_take()) != NULL) {
        tm__on_stack(exit_body, &x, stack->stack + sizeof(stack->stack));
        tm__work_give(stack);
    }
    count_out();
    in_shim = 0;
    errno = saved;
}
