/*
 * emit.h - a failure written as one event (emit.c).
 */
#ifndef TM_SHIM_EMIT_H
#define TM_SHIM_EMIT_H

#include "work.h"

/* Writes one event for w->f: fatal with exit_status when the process
 * failed, or a repeat count (repeat > 0) of failures beyond the limit.
 * Initializes first (once.h).  Returns 0, or -1 (with errno from the
 * storage) when it was not written; an event not stored is counted and
 * said by the next one (context.events_lost). */
int tm__emit(struct tm__work *w, int fatal, int exit_status, long repeat);

#endif
