/* Unit tests: the shim's stack walk (shim/stackwalk.c) gives the return
 * addresses libgcc's _Unwind_Backtrace gives, from stacks of this program
 * (frames with and without a frame pointer, variable-length arrays),
 * through libc (qsort's comparator, a thread's start), deeper than the
 * limit, and twice (the second walk from the rules kept); from a signal
 * handler it gives up (the caller then asks libgcc). */
#include "unit.h"

#include <pthread.h>
#include <signal.h>
#include <unwind.h>

#include "stackwalk.h"

#define MAXF 64

struct trace {
    void *pcs[MAXF];
    int n;
};

static struct tm__unw_cache cache;

static _Unwind_Reason_Code ref_frame(struct _Unwind_Context *ctx, void *arg)
{
    struct trace *t = arg;
    _Unwind_Ptr ip = _Unwind_GetIP(ctx);

    if (ip == 0)
        return _URC_END_OF_STACK;
    t->pcs[t->n++] = (void *)ip;
    return t->n < MAXF ? _URC_NO_REASON : _URC_END_OF_STACK;
}

static volatile int sink;

__attribute__((noinline)) static void ref_walk(struct trace *t)
{
    t->n = 0;
    _Unwind_Backtrace(ref_frame, t);
    sink = t->n; /* not a tail call: ref_walk keeps its frame */
}

/* Both walks from the same frame: the walk's first address is the return
 * into grab, libgcc's the return into ref_walk and then into grab (two
 * different calls); from grab's caller up they must be the same. */
__attribute__((noinline)) static int grab(int max, int *walked)
{
    struct trace mine, ref;

    mine.n = tm__unw_walk(&cache, NULL, mine.pcs, max);
    ref_walk(&ref);
    *walked = mine.n;
    if (mine.n < 0)
        return 0;
    if (ref.n - 1 > max) /* the walk stops at max; compare what it gave */
        ref.n = max + 1;
    assert_int_equal(mine.n, ref.n - 1);
    for (int i = 1; i < mine.n; i++)
        assert_ptr_equal(mine.pcs[i], ref.pcs[i + 1]);
    return mine.n;
}

static int deep(int k, int max, int *walked);
/* called through a volatile pointer: every level is a frame of its own */
static int (*volatile deeper)(int, int, int *) = deep;

/* Recursion whose frames alternate between a plain frame and one with a
 * variable-length array (its frame address then rbp-based). */
__attribute__((noinline)) static int deep(int k, int max, int *walked)
{
    if (k == 0)
        return grab(max, walked);
    if (k % 3 == 0) {
        volatile char vla[k * 8 + 1];
        vla[0] = (char)k;
        sink = vla[0];
        return deeper(k - 1, max, walked) + vla[0] - k + 1;
    }
    return deeper(k - 1, max, walked) + 1;
}

static void recursion(void **state)
{
    int walked;

    (void)state;
    memset(&cache, 0, sizeof(cache));
    for (int round = 0; round < 2; round++) { /* then from the kept rules */
        deep(20, MAXF - 2, &walked);
        assert_true(walked > 20); /* grab, 20 levels, main's callers */
    }
    /* this program is an object of the start (the loader found by its
     * name, next.h): its rules were kept */
    int kept = 0;
    for (int i = 0; i < TM_UNW_SLOTS; i++)
        kept += cache.slot[i].addr != 0;
    assert_true(kept > 0);
}

static void limit(void **state)
{
    int walked;

    (void)state;
    deep(20, 5, &walked);
    assert_int_equal(walked, 5);
}

static int cmp_walked = -2;

static int cmp(const void *a, const void *b)
{
    if (cmp_walked == -2)
        deep(4, MAXF - 2, &cmp_walked);
    return *(const int *)a - *(const int *)b;
}

static void through_libc(void **state)
{
    int v[64];

    (void)state;
    for (int i = 0; i < 64; i++)
        v[i] = (i * 37) % 64;
    qsort(v, 64, sizeof(v[0]), cmp);
    assert_true(cmp_walked > 0);
}

static void *thread_main(void *arg)
{
    deep(7, MAXF - 2, arg);
    return NULL;
}

static void thread_start(void **state)
{
    pthread_t t;
    int walked = -2;

    (void)state;
    assert_int_equal(pthread_create(&t, NULL, thread_main, &walked), 0);
    pthread_join(t, NULL);
    assert_true(walked > 7); /* the thread's frames down to clone's end */
}

static int handler_walked = -2;

static void on_signal(int sig)
{
    (void)sig;
    deep(2, MAXF - 2, &handler_walked);
}

static void signal_frame(void **state)
{
    (void)state;
    signal(SIGUSR1, on_signal);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_DFL);
    /* the kernel's return trampoline is described by expressions: the walk
     * gives up rather than guess (grab compared whatever it did give) */
    assert_int_equal(handler_walked, -1);
}

int main(void)
{
    tm__unw_init(); /* this program's objects: their rules are kept */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recursion),
        cmocka_unit_test(limit),
        cmocka_unit_test(through_libc),
        cmocka_unit_test(thread_start),
        cmocka_unit_test(signal_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
