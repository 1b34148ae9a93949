/*
 * work.c - the pool of work areas (work.h).
 */
#include "work.h"

#include <sched.h>

#include "start.h"

#define NSLOTS 16
#define SLOT_TRIES 20000 /* sched_yield()s before a failure is dropped */

/* The flags apart from the areas: one small array the pool's users share,
 * not a word at the start of each area (one more page per failing
 * process). */
static int busy[NSLOTS] TM_HOT;
static struct tm__work areas[NSLOTS];

static TM_TLS struct tm__work *my_slot; /* the area this thread holds, if any */

struct tm__work *tm__work_take(void)
{
    for (int tries = 0; tries < SLOT_TRIES; tries++) {
        for (int i = 0; i < NSLOTS; i++)
            if (__atomic_exchange_n(&busy[i], 1, __ATOMIC_ACQUIRE) == 0)
            {
                areas[i].npy = 0; /* no Python stack until one is read */
                return my_slot = &areas[i];
            }
        sched_yield();
    }
    return NULL;
}

void tm__work_give(struct tm__work *w)
{
    /* an area of the pool (nothing else is given back) */
    uintptr_t off = (uintptr_t)w - (uintptr_t)areas;

    if (off < sizeof(areas) && off % sizeof(areas[0]) == 0)
        __atomic_store_n(&busy[off / sizeof(areas[0])], 0, __ATOMIC_RELEASE);
    my_slot = NULL;
}

void tm__work_forked(void)
{
    for (int i = 0; i < NSLOTS; i++) {
        if (!__atomic_load_n(&busy[i], __ATOMIC_RELAXED))
            continue; /* given back whole: its memo is complete */
        /* Held at the fork: its holder may have been half-way through
         * a memo (emit.c): the repo's would then name another repo for
         * the rest of the child's life, the others give one input
         * another's output.  Only the held areas are written: a fork's
         * child touches none of the others' pages. */
        areas[i].stored_of[0] = '\0';
        areas[i].memo_frames.len = 0;
        areas[i].memo_py.len = 0;
        areas[i].py_last_n = 0;
        if (&areas[i] != my_slot)
            __atomic_store_n(&busy[i], 0, __ATOMIC_RELAXED);
    }
}
