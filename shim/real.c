/*
 * real.c - lazy dlsym(RTLD_NEXT) table of the real functions.
 */
#include "real.h"

#include <dlfcn.h>

struct tm__real_table tm__real;

void *tm__real_resolve(const char *name, void **slot)
{
    void *p = dlsym(RTLD_NEXT, name);

    /* Two threads may race here; both store the same pointer. */
    if (p != NULL)
        __atomic_store_n(slot, p, __ATOMIC_RELEASE);
    return p;
}

/* Every function is resolved here, in the constructor: dlsym takes the
 * loader's lock, and a wrapper that resolved on first use could wait for
 * it while the thread holding it (running a library's constructor) waits
 * for the wrapper's thread.  Only calls made before this constructor (from
 * an earlier library's) resolve lazily. */
void tm__real_init(void)
{
#define TM__REAL_INIT(id, sym, shape) (void)REAL(sym);
    TM_SHIM_CALLS(TM__REAL_INIT)
#undef TM__REAL_INIT
}
