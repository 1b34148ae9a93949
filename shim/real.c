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
static const uint32_t hashes[] TM_START_CONST = {
#define TM__REAL_HASH(id, sym, shape) TM_GNU_HASH(#sym),
    TM_SHIM_CALLS(TM__REAL_HASH)
#undef TM__REAL_HASH
};
#define NREAL (sizeof(hashes) / sizeof(hashes[0]))
/* The table is its pointers in the rows' order, nothing between them: the
 * k-th row's slot is the k-th pointer (no table of slots on the start's
 * page). */
_Static_assert(sizeof(struct tm__real_table) == NREAL * sizeof(void *),
               "tm__real is not one pointer per row");

TM_START_TEXT void *tm__real_resolve(size_t row)
{
    const char *name = (const char *)&names + offsets[row];
    void **slot = (void **)&tm__real + row;
    void *p = NULL;

    if (tm__next_find(name, hashes[row], &p) < 0)
        p = dlsym(RTLD_NEXT, name);
    /* Two threads may race here; both store the same pointer. */
    if (p != NULL)
        __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    return p;
}

/* No wrapper may call dlsym once the process runs: dlsym takes the
 * loader's lock, and a wrapper could wait for it while the thread holding
 * it (running a library's constructor) waits for the wrapper's thread, or
 * in a signal handler that interrupted the holder.  So the constructor
 * either remembers the objects after the shim, and each function is looked
 * up in their hash tables on first use without a lock (next.h: a process
 * that calls few of them does not pay for the others; /bin/true calls
 * none), or, where that cannot be used, resolves every function now, all
 * at once.  dlsym remains for calls made before this constructor (from an
 * earlier library's) and for a name the lookup leaves to it (two visible
 * versions, TLS, unique: none of the interposed names in glibc, which
 * tests/integration/next.sh checks; an IFUNC is answered by its resolver,
 * without dlsym, so an interposer that defines one cannot make a wrapper
 * wait for the loader's lock). */
TM_START_TEXT void tm__real_init(void)
{
    const struct tm__next_names nm = {(const char *)&names, offsets, hashes,
                                      NREAL};
    void *p[NREAL];

    if (tm__next_prepare() == 0)
        return;
    tm__next_resolve(&nm, p, NULL);
    for (size_t k = 0; k < NREAL; k++)
        if (p[k] != NULL)
            __atomic_store_n((void **)&tm__real + k, p[k], __ATOMIC_RELEASE);
}
