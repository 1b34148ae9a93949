/*
 * dlopener.c - a preload library whose constructor, which runs before the
 * one of a library preloaded before it, dlopen()s $NEXT_DLOPEN locally
 * (outside the global scope).  tests/integration/next.sh: the lookups on
 * first use must then not be prepared (an object after the loader may be
 * one dlsym does not search, and may be unloaded).
 */
#include <dlfcn.h>
#include <stdlib.h>

__attribute__((constructor)) static void open_one(void)
{
    const char *path = getenv("NEXT_DLOPEN");

    if (path != NULL)
        (void)dlopen(path, RTLD_NOW | RTLD_LOCAL);
}
