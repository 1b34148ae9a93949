/*
 * ring.c - probe ring and repeat table (see ring.h).
 */
#include "ring.h"

#include <string.h>

#include "config.h"
#include "hash.h"
#include "start.h"

enum { EMPTY, BUSY, READY };

/* One kept failure: EMPTY, BUSY (being written or read), READY. */
struct entry {
    int state;
    struct tm__failure f;
};

/* Hands entry e to fn if it is READY, and empties it. */
static void take_entry(struct entry *e,
                       void (*fn)(struct tm__failure *f, void *arg), void *arg)
{
    int st = READY;

    if (!__atomic_compare_exchange_n(&e->state, &st, BUSY, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED))
        return;
    fn(&e->f, arg);
    __atomic_store_n(&e->state, EMPTY, __ATOMIC_RELEASE);
}

/* From a page boundary (tm__align_up): a process's first probes lie on one
 * page, not across two (every page first touched is a fault). */
static char ring_mem[sizeof(struct entry) * TM_RING_SIZE + TM_PAGE];

static struct entry *ring_entry(unsigned i)
{
    return (struct entry *)tm__align_up(ring_mem, TM_PAGE) + i;
}
static unsigned ring_head TM_HOT;
/* Anything to drain?  Clean processes then touch none of the tables' pages
 * at exit. */
static int ring_used TM_HOT, repeat_used TM_HOT;

/* Significant events that could not be written (no descriptor left): kept
 * apart from the probes, which would evict them, until the exit. */
static struct entry deferred[TM_DEFER_SIZE];
static int defer_used TM_HOT;

int tm__defer_push(const struct tm__failure *f)
{
    for (unsigned i = 0; i < TM_DEFER_SIZE; i++) {
        int st = EMPTY;
        if (__atomic_compare_exchange_n(&deferred[i].state, &st, BUSY, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            tm__failure_copy(&deferred[i].f, f);
            __atomic_store_n(&deferred[i].state, READY, __ATOMIC_RELEASE);
            __atomic_store_n(&defer_used, 1, __ATOMIC_RELEASE);
            return 0;
        }
    }
    return -1;
}

int tm__defer_pending(void)
{
    return __atomic_load_n(&defer_used, __ATOMIC_ACQUIRE);
}

void tm__defer_drain(void (*fn)(struct tm__failure *f, void *arg), void *arg)
{
    if (!__atomic_exchange_n(&defer_used, 0, __ATOMIC_ACQ_REL))
        return; /* one kept meanwhile sets it again */
    for (unsigned i = 0; i < TM_DEFER_SIZE; i++)
        take_entry(&deferred[i], fn, arg);
}

struct repeat {
    uint64_t key;
    unsigned count;
    struct tm__failure f;
};
static struct repeat reps[TM_REPEAT_SIZE];
/* Once every slot is taken (reps_full), a failure not in the table would
 * test all of them (about 800 instructions, at every failure of a process
 * with many distinct ones): two bits of each key kept tell most of those
 * at once.  The bits are set before the slot count that makes the table
 * full, and no key enters a full table. */
static uint64_t reps_bits[4];
static unsigned reps_taken;

static int reps_maybe(uint64_t key)
{
    unsigned a = (unsigned)(key >> 40) & 255, b = (unsigned)(key >> 52) & 255;

    return (__atomic_load_n(&reps_bits[a >> 6], __ATOMIC_RELAXED) >> (a & 63) & 1) &&
           (__atomic_load_n(&reps_bits[b >> 6], __ATOMIC_RELAXED) >> (b & 63) & 1);
}

static void reps_note(uint64_t key)
{
    unsigned a = (unsigned)(key >> 40) & 255, b = (unsigned)(key >> 52) & 255;

    __atomic_fetch_or(&reps_bits[a >> 6], 1ull << (a & 63), __ATOMIC_RELAXED);
    __atomic_fetch_or(&reps_bits[b >> 6], 1ull << (b & 63), __ATOMIC_RELAXED);
    __atomic_add_fetch(&reps_taken, 1, __ATOMIC_RELEASE);
}

void tm__ring_push(const struct tm__failure *f)
{
    struct entry *e = ring_entry(__atomic_fetch_add(&ring_head, 1, __ATOMIC_RELAXED) %
                                 TM_RING_SIZE);
    int st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);

    /* Another writer (a thread, or the code a signal interrupted) holds
     * this entry: drop rather than wait. */
    if (st == BUSY ||
        !__atomic_compare_exchange_n(&e->state, &st, BUSY, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return;
    tm__failure_copy(&e->f, f);
    __atomic_store_n(&e->state, READY, __ATOMIC_RELEASE);
    __atomic_store_n(&ring_used, 1, __ATOMIC_RELEASE);
}

void tm__ring_drain(void (*fn)(struct tm__failure *f, void *arg), void *arg)
{
    unsigned head;

    if (!__atomic_load_n(&ring_used, __ATOMIC_ACQUIRE))
        return;
    head = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);
    for (unsigned k = 0; k < TM_RING_SIZE; k++) /* oldest first */
        take_entry(ring_entry((head + k) % TM_RING_SIZE), fn, arg);
}

static uint64_t repeat_key(const struct tm__failure *f)
{
    uint64_t h = tm__fnv1a(f->path, strlen(f->path));

    if (f->path2[0] != '\0') /* a rename: its other path too */
        h = tm__fnv1a(f->path2, strlen(f->path2)) ^ (h * 0x100000001b3ull);
    h ^= ((uint64_t)f->call << 32) ^ (uint64_t)(unsigned)f->err;
    return h ? h : 1; /* 0 marks an empty slot */
}

unsigned tm__repeat_hit(const struct tm__failure *f)
{
    uint64_t key = repeat_key(f);

    __atomic_store_n(&repeat_used, 1, __ATOMIC_RELEASE);
    if (__atomic_load_n(&reps_taken, __ATOMIC_ACQUIRE) >= TM_REPEAT_SIZE &&
        !reps_maybe(key))
        return 1; /* full, and not in it */
    /* Every slot may hold it: a bound on the probes (8, for a while) let
     * nine failures whose hashes share their low bits make one of them
     * never counted, written at every repeat until the event limit, and
     * the repeat events of all of them lost (an adversarial review). */
    for (unsigned k = 0; k < TM_REPEAT_SIZE; k++) {
        struct repeat *r = &reps[(key + k) % TM_REPEAT_SIZE];
        uint64_t cur = __atomic_load_n(&r->key, __ATOMIC_ACQUIRE);

        if (cur == 0) {
            uint64_t zero = 0;
            if (__atomic_compare_exchange_n(&r->key, &zero, key, 0,
                                            __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
                r->f.call = f->call;
                r->f.err = f->err;
                r->f.flags = f->flags;
                tm__strlcpy(r->f.path, f->path, sizeof(r->f.path));
                tm__strlcpy(r->f.path2, f->path2, sizeof(r->f.path2));
                tm__strlcpy(r->f.repo, f->repo, sizeof(r->f.repo));
                reps_note(key);
                return __atomic_add_fetch(&r->count, 1, __ATOMIC_ACQ_REL);
            }
            cur = zero; /* somebody else took it: fall through to compare */
        }
        if (cur == key)
            return __atomic_add_fetch(&r->count, 1, __ATOMIC_ACQ_REL);
    }
    return 1;
}

void tm__repeat_drain(unsigned limit,
                      void (*fn)(struct tm__failure *f, long extra, void *arg),
                      void *arg)
{
    if (!__atomic_load_n(&repeat_used, __ATOMIC_ACQUIRE))
        return;
    for (unsigned i = 0; i < TM_REPEAT_SIZE; i++) {
        unsigned n = __atomic_exchange_n(&reps[i].count, 0, __ATOMIC_ACQ_REL);
        if (reps[i].key != 0 && n > limit)
            fn(&reps[i].f, (long)(n - limit), arg);
    }
}

void tm__ring_reset(void)
{
    if (ring_used)
        memset(ring_entry(0), 0, sizeof(struct entry) * TM_RING_SIZE);
    if (repeat_used) {
        memset(reps, 0, sizeof(reps));
        memset(reps_bits, 0, sizeof(reps_bits));
        reps_taken = 0;
    }
    if (defer_used)
        memset(deferred, 0, sizeof(deferred));
    defer_used = 0;
    ring_head = 0;
    ring_used = repeat_used = 0;
}
