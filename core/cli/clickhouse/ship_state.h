/*
 * ship_state.h - how far `telemetry ship` got, per destination.
 *
 * One small text file per (URL, table) in the telemetry directory,
 * "ship-<16 hex>.state", replaced atomically (temporary file, fsync,
 * rename) only after the server acknowledged a batch.  It names a position
 * in the central log by file identity (device, inode: rotation renames the
 * live file to .1 and keeps its inode), the byte offset just past the last
 * line handled, a hash of the bytes before that offset (to notice a file
 * rewritten by `telemetry clean` or a reused inode), the telemetry_id of the
 * last event sent (to find the place again when the identity no longer
 * matches) and the sequence number of that event.
 */
#ifndef TM_SHIP_STATE_H
#define TM_SHIP_STATE_H

#include <stddef.h>
#include <stdint.h>

#define SHIP_ID_MAX 64
#define SHIP_TAIL_BYTES 4096 /* bytes before the offset that are hashed */

struct ship_state {
    int present;             /* 0: nothing shipped yet */
    unsigned long long dev, ino, offset, seq;
    uint64_t tail;           /* tm__hash64 of the SHIP_TAIL_BYTES before offset */
    char last[SHIP_ID_MAX + 1]; /* "" when no event was sent yet */
};

/* 1 when s can be an event id here: 1 to SHIP_ID_MAX characters of
 * [0-9A-Za-z_-] (safe in the state file and in SQL). */
int ship_id_ok(const char *s);

/* "ship-<hex>" for a destination (the caller appends ".state" / ".lock"). */
void ship_state_name(const char *url, const char *table, char out[32]);

/* Reads `name`.state in `dfd`.  Returns 0 (s->present says whether there
 * was one), or -1 with why set when the file is unreadable or damaged. */
int ship_state_load(int dfd, const char *name, struct ship_state *s,
                    char *why, size_t cap);

/* Replaces `name`.state atomically.  Returns 0 or -1 (errno set). */
int ship_state_save(int dfd, const char *name, const struct ship_state *s,
                    const char *url, const char *table);

/* What ship_lock() returns when it holds no lock. */
enum ship_lock_fail {
    SHIP_LOCK_ERROR = -1, /* the lock file cannot be opened or locked */
    SHIP_LOCK_BUSY = -2,  /* another process holds it */
};

/* Takes `name`.lock exclusively without waiting: returns its descriptor
 * (closing it releases the lock), or SHIP_LOCK_BUSY / SHIP_LOCK_ERROR. */
int ship_lock(int dfd, const char *name);

/* tm__hash64 of the min(offset, SHIP_TAIL_BYTES) bytes of fd before
 * offset; returns 0 or -1 (short file, read error). */
int ship_tail_hash(int fd, unsigned long long offset, uint64_t *out);

#endif
