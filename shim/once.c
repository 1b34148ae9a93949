/*
 * once.c - the one-time heavy initialization (once.h).
 */
#include "once.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
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

/* Other threads wait for the one initializing (it makes progress: this is
 * no lock a signal handler could deadlock on, because a handler in the
 * initializing thread never gets here). */
int tm__once(void)
{
    int st = __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE);

    if (st == TM_ONCE_NONE &&
        __atomic_compare_exchange_n(&tm__shim.once, &st, TM_ONCE_RUNNING, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        st = run() == 0 ? TM_ONCE_READY : TM_ONCE_FAILED;
        __atomic_store_n(&tm__shim.once, st, __ATOMIC_RELEASE);
    }
    /* Bounded: the initializer may itself wait for a lock this thread
     * holds (dlopen's, when this thread runs a library's constructor);
     * then this failure is dropped (counted) and the host goes on. */
    for (long waited = 0;
         (st = __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE)) ==
         TM_ONCE_RUNNING;
         waited += 100) {
        struct timespec pause = {0, 100 * 1000}; /* 0.1 ms */
        if (waited >= INIT_WAIT_US) {
            __atomic_add_fetch(&tm__shim.dropped, 1, __ATOMIC_RELAXED);
            return -1;
        }
        syscall(SYS_nanosleep, &pause, NULL);
    }
    return st == TM_ONCE_READY ? 0 : -1;
}

int tm__once_ready(void)
{
    return __atomic_load_n(&tm__shim.once, __ATOMIC_ACQUIRE) == TM_ONCE_READY;
}
