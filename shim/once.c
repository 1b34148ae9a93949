/*
 * once.c - the one-time heavy initialization (once.h).
 */
#include "once.h"

#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backtrace.h"
#include "proc.h"
#include "pystack.h"
#include "sanitize.h"
#include "shim_state.h"

/* How long a failure waits for another thread's one-time initialization
 * (a few milliseconds, normally). */
#define INIT_WAIT_US 100000
#define NSPANS 256

void tm__shim_debug(const char *msg)
{
    if (tm__shim.cfg.debug) {
        syscall(SYS_write, 2, "telemetry-shim: ", 16);
        syscall(SYS_write, 2, msg, strlen(msg));
        syscall(SYS_write, 2, "\n", 1);
    }
}

void tm__once_id_key(void)
{
    uint64_t k;

    if (syscall(SYS_getrandom, &k, sizeof(k), GRND_NONBLOCK) != (long)sizeof(k)) {
        __atomic_store_n(&tm__shim.id_keyed, 0, __ATOMIC_RELEASE);
        return; /* tm__id_new then, one getrandom per event */
    }
    tm__shim.id_key = k;
    __atomic_store_n(&tm__shim.id_keyed, 1, __ATOMIC_RELEASE);
}

static void scrub_name(const char *in, char *out, size_t cap)
{
    static struct tm__span spans[NSPANS]; /* one thread runs this, once */

    tm__scrub(in, strlen(in), out, cap, spans, NSPANS);
}

static int run(void)
{
    if (tm__scrub_init() != 0)
        return -1;
    tm__once_id_key();
    if (tm__shim.cfg.backtrace && tm__bt_load() != 0)
        tm__shim_debug("libgcc_s not available: events carry no backtrace");
    /* a CPython 3.11-3.13 host: its stacks (no message otherwise: most
     * processes are no Python) */
    if (tm__shim.cfg.stack)
        tm__py_load(NULL);
    scrub_name(tm__proc.agent, tm__shim.agent, sizeof(tm__shim.agent));
    scrub_name(tm__proc.program, tm__shim.program, sizeof(tm__shim.program));
    return 0;
}

static long elapsed_us(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now); /* vDSO */
    return (now.tv_sec - t0->tv_sec) * 1000000L + (now.tv_nsec - t0->tv_nsec) / 1000;
}

/* Other threads wait for the one initializing (it makes progress: this is
 * no lock a signal handler could deadlock on, because a handler in the
 * initializing thread never gets here). */
int tm__once(void)
{
    int st = __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE);
    struct timespec t0 = {0, 0};

    /* The fork word before the state says running: a child of a fork the
     * wrappers do not see, made while the initialization runs, is told
     * from a vfork child by it (capture.c, unseen_fork). */
    if (st == TM_ONCE_NONE)
        tm__capture_fork_word();
    if (st == TM_ONCE_NONE &&
        __atomic_compare_exchange_n(&tm__shim.once, &st, TM_ONCE_RUNNING, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        st = run() == 0 ? TM_ONCE_READY : TM_ONCE_FAILED;
        __atomic_store_n(&tm__shim.once, st, __ATOMIC_RELEASE);
    }
    /* Bounded in elapsed time (sleeps last longer than asked): the
     * initializer may itself wait for a lock this thread holds (dlopen's,
     * when this thread runs a library's constructor); then the host goes
     * on and the caller keeps its failure. */
    if ((st = __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE)) == TM_ONCE_RUNNING)
        clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((st = __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE)) ==
           TM_ONCE_RUNNING) {
        struct timespec pause = {0, 100 * 1000}; /* 0.1 ms */
        if (elapsed_us(&t0) >= INIT_WAIT_US)
            return TM_ONCE_GAVE_UP;
        syscall(SYS_nanosleep, &pause, NULL);
    }
    return st == TM_ONCE_READY ? 0 : -1;
}

int tm__once_tried(void)
{
    return __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE) != TM_ONCE_NONE;
}

int tm__once_ready(void)
{
    return __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE) == TM_ONCE_READY;
}

/* ---- not from a signal handler (README "Manners in someone else's
 * process": "Signal handlers") ---- */

#define RESTORERS 4            /* distinct restorers remembered */
#define HANDLER_SCAN (32 << 10) /* bytes of host stack looked at */

/* The kernel's struct sigaction on x86-64 (rt_sigaction's). */
struct ksigaction {
    uintptr_t handler;
    unsigned long flags;
    uintptr_t restorer;
    uint64_t mask;
};
#define KSA_RESTORER 0x04000000UL

/* The restorers of the installed handlers (glibc's __restore_rt, a Go
 * runtime's own, ...): asked of the kernel, signal by signal. */
static int restorers(uintptr_t *out)
{
    int n = 0;

    for (int sig = 1; sig < 65 && n < RESTORERS; sig++) {
        struct ksigaction old;
        if (sig == SIGKILL || sig == SIGSTOP ||
            syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(old.mask)) != 0 ||
            old.handler == (uintptr_t)SIG_DFL || old.handler == (uintptr_t)SIG_IGN ||
            !(old.flags & KSA_RESTORER))
            continue;
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= out[i] == old.restorer;
        if (!seen)
            out[n++] = old.restorer;
    }
    return n;
}

int tm__once_may_run(uintptr_t host_sp, char *scratch, size_t cap)
{
    uintptr_t r[RESTORERS], start = host_sp & ~(uintptr_t)7;
    int nr = restorers(r);
    pid_t pid = (pid_t)syscall(SYS_getpid);

    cap &= ~(size_t)7;
    if (nr == 0 || cap == 0)
        return 1;
    /* A word of an earlier handler's frame left in a caller's unset local
     * is taken for a live one: that event waits for the exit for nothing. */
    for (uintptr_t at = start; at - start < HANDLER_SCAN; at += cap) {
        struct iovec loc = {scratch, cap}, rem = {(void *)at, cap};
        long got = syscall(SYS_process_vm_readv, pid, &loc, 1UL, &rem, 1UL, 0UL);

        for (long k = 0; k + 8 <= got; k += 8) {
            uintptr_t v;
            memcpy(&v, scratch + k, sizeof(v));
            for (int i = 0; i < nr; i++)
                if (v == r[i])
                    return 0;
        }
        if (got < (long)cap) /* the stack's end; or refused (seccomp):
                                then as before, no way to tell */
            return 1;
    }
    return 1;
}
