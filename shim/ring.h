/*
 * ring.h - the per-process ring of probe-class failures (the last 32) and
 * the repeat table (same call, errno and path).  Fixed arrays, lock-free,
 * async-signal-safe.
 */
#ifndef TM_SHIM_RING_H
#define TM_SHIM_RING_H

#include <stdint.h>

#include "failure.h"

#define TM_RING_SIZE 32
#define TM_REPEAT_SIZE 64
#define TM_DEFER_SIZE 16

/* Copies f into the ring, replacing the oldest entry. */
void tm__ring_push(const struct tm__failure *f);

/* Calls fn for each kept entry, oldest first, and empties the ring. */
void tm__ring_drain(void (*fn)(struct tm__failure *f, void *arg), void *arg);

/* Keeps a significant event that could not be written until the exit (a
 * queue of its own: probes never evict it).  Returns 0, or -1 when full. */
int tm__defer_push(const struct tm__failure *f);

/* Calls fn for each kept event and empties the queue. */
void tm__defer_drain(void (*fn)(struct tm__failure *f, void *arg), void *arg);

/* Has an event been kept since the queue was last emptied? */
int tm__defer_pending(void);

/* Counts one more f (its call, errno, path and, for a rename, the other
 * path); returns how many times it was seen, or 1 when there is no room.
 * The first sighting keeps the paths, flags and the repo it is filed
 * under for the repeat event. */
unsigned tm__repeat_hit(const struct tm__failure *f);

/* Calls fn for each key seen more than `limit` times, with the number of
 * failures beyond the limit. */
void tm__repeat_drain(unsigned limit,
                      void (*fn)(struct tm__failure *f, long extra, void *arg),
                      void *arg);

/* Forgets everything (after fork). */
void tm__ring_reset(void);

#endif
