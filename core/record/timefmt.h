/*
 * timefmt.h - UTC timestamps in the event format, without libc time
 * functions (gmtime_r takes a lock in glibc; the shim may run inside a
 * signal handler).
 */
#ifndef TM_TIMEFMT_H
#define TM_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-25T18:42:16.123456Z" plus NUL. */
#define TM_TS_SIZE 28

/* Formats seconds since the epoch and microseconds; returns 27. */
int tm__ts_format(int64_t sec, long usec, char out[TM_TS_SIZE]);

/* The current time (CLOCK_REALTIME).  Async-signal-safe. */
void tm__ts_now(char out[TM_TS_SIZE]);

/*
 * Parses a time bound: a duration back from `now` ("30s", "15m", "24h",
 * "7d", "2w") or an ISO-8601 time, UTC ("2026-11-25", "2026-11-25T18:42",
 * "2026-11-25T18:42:16Z", "2026-11-25T18:42:16.5Z") or with a UTC offset
 * after the time ("2026-11-25T19:42:16+01:00", "-0530", "+01").  Writes the normalized
 * timestamp (comparable with stored ones as strings) into out and returns
 * 0, or returns TM_ETIME.
 */
int tm__ts_parse_bound(const char *s, int64_t now, char out[TM_TS_SIZE]);

/* Seconds since the epoch of a stored timestamp (or any ISO-8601 UTC time
 * tm__ts_parse_bound accepts).  Returns 0, or TM_ETIME. */
int tm__ts_epoch(const char *ts, int64_t *sec);

/* "12s ago", "5m ago", "3h ago", "2d ago" ("just now", "in the future")
 * for a time `sec` seen at `now`, into out (at least 24 bytes). */
void tm__ts_ago(int64_t sec, int64_t now, char *out, size_t cap);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t tm__days_from_civil(int64_t y, int m, int d);

#endif
