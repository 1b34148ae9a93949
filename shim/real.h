/*
 * real.h - the real libc functions behind the interposed ones.
 *
 * One pointer per row of TM_SHIM_CALLS (calls.h), typed by its shape,
 * resolved on first use: from the objects the constructor remembered
 * (next.h, no lock), else with dlsym(RTLD_NEXT) (calls that arrive before
 * the shim's constructor, from another library's).  Where the objects
 * cannot be remembered, tm__real_init() resolves them all at start (see
 * real.c for why).
 */
#ifndef TM_SHIM_REAL_H
#define TM_SHIM_REAL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "calls.h"
#include "next.h"

#define TM__REAL_TYPE(id, sym, shape)                                          \
    typedef TM_SHAPE_##shape##_RET(*tm__real_##sym##_t) TM_SHAPE_##shape##_PARAMS;
TM_SHIM_CALLS(TM__REAL_TYPE)
#undef TM__REAL_TYPE

struct tm__real_table {
#define TM__REAL_FIELD(id, sym, shape) tm__real_##sym##_t sym;
    TM_SHIM_CALLS(TM__REAL_FIELD)
#undef TM__REAL_FIELD
};

extern struct tm__real_table tm__real;

/* Resolves row `row` of the table into its slot; returns it, NULL when
 * the running libc lacks it.  By row, not by name: a string literal is
 * .rodata, a page (and the pages the kernel maps around it) every process
 * would fault in at its first interposed call; the names live in .data
 * (real.c, start.h). */
void *tm__real_resolve(size_t row);

/* From the constructor: prepares the lookups on first use, or resolves
 * every function now, so that neither a signal handler nor a thread
 * racing a library's constructor runs dlsym (real.c). */
void tm__real_init(void);

/* REAL(name): the real function, resolved on first use. */
#define REAL(name)                                                             \
    ((tm__real_##name##_t)(__atomic_load_n((void **)&tm__real.name,            \
                                           __ATOMIC_ACQUIRE)                   \
                               ?: tm__real_resolve(offsetof(struct tm__real_table, \
                                                            name) /         \
                                                   sizeof(void *))))

#endif
