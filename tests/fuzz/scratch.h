/*
 * scratch.h - the harnesses' scratch directory: under $TMPDIR (the replay
 * target points it at a directory it removes afterwards), else /tmp, one
 * per process.
 */
#ifndef TM_FUZZ_SCRATCH_H
#define TM_FUZZ_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void fuzz_scratch_dir(char *out, size_t cap, const char *name)
{
    const char *tmp = getenv("TMPDIR");

    if (tmp == NULL || tmp[0] != '/')
        tmp = "/tmp";
    if ((size_t)snprintf(out, cap, "%s/tm-fuzz-%s-%ld", tmp, name,
                         (long)getpid()) >= cap)
        abort();
}

#endif
