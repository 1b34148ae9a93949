/* Unit tests: reads of our own memory that cannot fault (shim/vmread.c).
 * Eight pages of a known pattern, one of them PROT_NONE and one unmapped:
 * every request of a batch must read, or fail, as it does alone (each
 * request read by its own process_vm_readv is the oracle), whether the
 * requests of a page are read together or not; and they are read together:
 * one remote range a page. */
#include "shim_unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmread.h"

#define PG 4096
#define NPAGES 8
#define NONE_PAGE 3 /* PROT_NONE */
#define GONE_PAGE 6 /* unmapped */
#define MAXREQ 71   /* the walk's largest round */
#define MAXLEN 320

static unsigned char *mem;
static unsigned char gbuf[8192];
static unsigned char dst[MAXREQ][PG];
static unsigned char want[MAXREQ][PG];

static unsigned char pattern(size_t off)
{
    return (unsigned char)(off * 7 + (off >> 8) * 13 + 1);
}

static int setup(void **state)
{
    (void)state;
    mem = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return -1;
    for (size_t i = 0; i < NPAGES * PG; i++)
        mem[i] = pattern(i);
    if (mprotect(mem + NONE_PAGE * PG, PG, PROT_NONE) != 0 ||
        munmap(mem + GONE_PAGE * PG, PG) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    munmap(mem, NPAGES * PG);
    return 0;
}

static uint64_t at(size_t off)
{
    return (uint64_t)(uintptr_t)(mem + off);
}

/* Each request alone, by its own call: what it must come to. */
static int oracle(const struct tm__vm_req *r, int n, int *ok)
{
    int done = 0;

    for (int i = 0; i < n; i++) {
        struct iovec l = {want[i], r[i].len};
        struct iovec m = {(void *)(uintptr_t)r[i].src, r[i].len};

        ok[i] =
            r[i].src >= PG && r[i].len > 0 &&
            process_vm_readv(getpid(), &l, 1, &m, 1, 0) == (ssize_t)r[i].len;
        done += ok[i];
    }
    return done;
}

/* Reads r with gbuf of gcap bytes and checks it against the oracle. */
static void check(struct tm__vm_req *r, int n, size_t gcap,
                  struct tm__vm_cost *cost)
{
    int ok[MAXREQ], done;

    for (int i = 0; i < n; i++) {
        r[i].dst = dst[i];
        memset(dst[i], 0, PG);
    }
    done = tm__vm_batch(getpid(), r, n, gcap ? gbuf : NULL, gcap, cost);
    assert_int_equal(done, oracle(r, n, ok));
    for (int i = 0; i < n; i++) {
        if (r[i].ok != ok[i])
            fail_msg("request %d (%#llx, %zu): ok %d, alone %d", i,
                     (unsigned long long)(r[i].src - at(0)), r[i].len, r[i].ok,
                     ok[i]);
        if (ok[i] && memcmp(dst[i], want[i], r[i].len) != 0)
            fail_msg("request %d: bytes differ", i);
    }
}

/* Requests of one page read together: one range a page, one call. */
static void one_range_a_page(void **state)
{
    struct tm__vm_req r[15];
    struct tm__vm_cost grouped = {0, 0}, alone = {0, 0};

    (void)state;
    for (int i = 0; i < 10; i++) /* page 0, overlapping, out of order */
        r[i] =
            (struct tm__vm_req){NULL, at((size_t)(9 - i) * 300 + 16), 320, 0};
    for (int i = 10; i < 15; i++) /* page 1, gaps between them */
        r[i] = (struct tm__vm_req){NULL, at(PG + (size_t)(i - 10) * 700), 8, 0};
    check(r, 15, sizeof(gbuf), &grouped);
    assert_int_equal(grouped.calls, 1);
    assert_int_equal(grouped.ranges, 2);
    check(r, 15, 0, &alone);
    assert_int_equal(alone.calls, 1);
    assert_int_equal(alone.ranges, 15);
}

/* A range that stops short: the requests of its page before the stop read,
 * the one that needs the unreadable page fails, and the requests after
 * it (in later pages) are read in the next call. */
static void a_range_stops_short(void **state)
{
    struct tm__vm_req r[6] = {
        {NULL, at(2 * PG + 100), 64, 0},
        {NULL, at(3 * PG - 100), 200, 0}, /* into the PROT_NONE page */
        {NULL, at(2 * PG + 3000), 96, 0},
        {NULL, at(3 * PG + 10), 8, 0}, /* in it */
        {NULL, at(4 * PG + 8), 320, 0},
        {NULL, at(6 * PG - 8), 16, 0}, /* into the unmapped page */
    };
    struct tm__vm_cost cost = {0, 0};
    int ok[6] = {1, 0, 1, 0, 1, 0};

    (void)state;
    check(r, 6, sizeof(gbuf), &cost);
    for (int i = 0; i < 6; i++)
        assert_int_equal(r[i].ok, ok[i]);
    assert_true(cost.calls >= 2);
}

/* Not read at all: below the first page, no bytes, more than 1 GiB (the
 * call's result could not count it: read alone, the call refuses it). */
static void nothing_to_read(void **state)
{
    struct tm__vm_req r[5] = {{NULL, 0, 8, 0},
                              {NULL, 8, 8, 0},
                              {NULL, at(PG), 0, 0},
                              {NULL, at(PG), (size_t)1 << 63, 0},
                              {NULL, at(PG), SIZE_MAX, 0}};
    struct tm__vm_cost cost = {0, 0};

    (void)state;
    for (int i = 0; i < 5; i++)
        r[i].dst = dst[i];
    assert_int_equal(tm__vm_batch(getpid(), r, 5, gbuf, sizeof(gbuf), &cost),
                     0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(r[i].ok, 0);
    assert_int_equal(cost.calls, 0);
}

/* A huge request beside a good one: the good one reads, in either order. */
static void huge_beside_good(void **state)
{
    struct tm__vm_req r[2];

    (void)state;
    for (int order = 0; order < 2; order++) {
        r[order] = (struct tm__vm_req){dst[order], at(PG), (size_t)1 << 63, 0};
        r[1 - order] = (struct tm__vm_req){dst[1 - order], at(PG + 8), 8, 0};
        assert_int_equal(tm__vm_batch(getpid(), r, 2, gbuf, sizeof(gbuf), NULL),
                         1);
        assert_int_equal(r[order].ok, 0);
        assert_int_equal(r[1 - order].ok, 1);
        assert_memory_equal(dst[1 - order], mem + PG + 8, 8);
    }
}

/* The call itself refused (a process that is gone): every request fails,
 * in one call, not one call a request. */
static void the_call_refused(void **state)
{
    struct tm__vm_req r[10];
    struct tm__vm_cost cost = {0, 0};
    pid_t gone = fork();

    (void)state;
    assert_true(gone >= 0);
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, NULL, 0), gone);
    for (int i = 0; i < 10; i++) /* each in a page of its own */
        r[i] = (struct tm__vm_req){dst[i], at((size_t)(i % 3) * PG), 8, 0};
    assert_int_equal(tm__vm_batch(gone, r, 10, NULL, 0, &cost), 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(r[i].ok, 0);
    assert_int_equal(cost.calls, 1);
}

/* Random batches over the readable, PROT_NONE and unmapped pages, with a
 * group buffer of no room, too little room for most pages, and enough:
 * always what each request gives alone. */
static void random_batches(void **state)
{
    static const size_t caps[] = {0, 64, 700, 4096, sizeof(gbuf)};
    struct tm__vm_req r[MAXREQ];

    (void)state;
    srand(18);
    for (int run = 0; run < 400; run++) {
        int n = 1 + rand() % MAXREQ;

        for (int i = 0; i < n; i++) {
            size_t len = rand() % 8 == 0 ? PG : 1 + (size_t)(rand() % MAXLEN);
            size_t off = (size_t)(rand() % (NPAGES * PG - (int)len));

            if (len == PG)
                off &= ~(size_t)(PG - 1);
            r[i] = (struct tm__vm_req){NULL, at(off), len, 0};
        }
        check(r, n, caps[run % 5], NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_range_a_page),
        cmocka_unit_test(a_range_stops_short),
        cmocka_unit_test(nothing_to_read),
        cmocka_unit_test(huge_beside_good),
        cmocka_unit_test(the_call_refused),
        cmocka_unit_test(random_batches),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
