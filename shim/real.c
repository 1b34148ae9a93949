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

void tm__real_init(void)
{
    (void)REAL(write); /* what signal handlers call */
}
