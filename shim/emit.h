/*
 * emit.h - a failure written as one event (emit.c).
 */
#ifndef TM_SHIM_EMIT_H
#define TM_SHIM_EMIT_H

#include "work.h"

/* What became of an event. */
enum tm__emit_result {
    TM_EMIT_DONE,  /* stored, or left out on purpose (the per-process cap) */
    TM_EMIT_NO_FD, /* no descriptor for the directory or a log (EMFILE,
                      ENFILE): it may be kept and written at exit */
    TM_EMIT_LOST   /* not stored (not initialized, no key for a private
                      name, the directory refused, a full disk, ...) */
};

/* Writes one event for w->f: fatal with exit_status when the process
 * failed, or a repeat count (repeat > 0) of failures beyond the limit.
 * Initializes first (once.h).  An event not stored for want of room or a
 * descriptor is counted and said by the next one (context.events_lost).
 * Leaves errno as it found it. */
enum tm__emit_result tm__emit(struct tm__work *w, int fatal, int exit_status,
                              long repeat);

#endif
