/*
 * real.c - the table of the real functions (real.h), resolved at start.
 */
#include "real.h"

#include <dlfcn.h>
#include <stddef.h>

#include "next.h"
#include "start.h"

/* In .data, not .bss: beside the PLT's table, on the page the loader
 * writes anyway (the constructor fills it in every process). */
struct tm__real_table tm__real __attribute__((section(".data.tm__real")));

void *tm__real_resolve(const char *name, void **slot)
{
    void *p = dlsym(RTLD_NEXT, name);

    /* Two threads may race here; both store the same pointer. */
    if (p != NULL)
        __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    return p;
}

/* The names, one array of characters (a table of pointers would be
 * relocated, and its page copied, in every process): a structure of one
 * array per name, so that offsetof gives where each starts. */
static const struct tm__real_names {
#define TM__REAL_NAME(id, sym, shape) char sym[sizeof(#sym)];
    TM_SHIM_CALLS(TM__REAL_NAME)
#undef TM__REAL_NAME
} names TM_START_CONST = {
#define TM__REAL_TEXT(id, sym, shape) #sym,
    TM_SHIM_CALLS(TM__REAL_TEXT)
#undef TM__REAL_TEXT
};
static const uint16_t offsets[] TM_START_CONST = {
#define TM__REAL_OFF(id, sym, shape) offsetof(struct tm__real_names, sym),
    TM_SHIM_CALLS(TM__REAL_OFF)
#undef TM__REAL_OFF
};
/* Where each goes in the table. */
static const unsigned short slots[] TM_START_CONST = {
#define TM__REAL_SLOT(id, sym, shape) offsetof(struct tm__real_table, sym),
    TM_SHIM_CALLS(TM__REAL_SLOT)
#undef TM__REAL_SLOT
};
static const uint32_t hashes[] TM_START_CONST = {
#define TM__REAL_HASH(id, sym, shape) TM_GNU_HASH(#sym),
    TM_SHIM_CALLS(TM__REAL_HASH)
#undef TM__REAL_HASH
};
#define NREAL (sizeof(slots) / sizeof(slots[0]))

/* Every function is resolved here, in the constructor: dlsym takes the
 * loader's lock, and a wrapper that resolved on first use could wait for
 * it while the thread holding it (running a library's constructor) waits
 * for the wrapper's thread.  Only calls made before this constructor (from
 * an earlier library's) resolve lazily.  All at once (next.h): about 45
 * dlsym calls cost more than the rest of the start together. */
void tm__real_init(void)
{
    const struct tm__next_names nm = {(const char *)&names, offsets, hashes,
                                      NREAL};
    void *p[NREAL];

    tm__next_resolve(&nm, p, NULL);
    for (size_t k = 0; k < NREAL; k++)
        if (p[k] != NULL)
            __atomic_store_n((void **)((char *)&tm__real + slots[k]), p[k],
                             __ATOMIC_RELEASE);
}
