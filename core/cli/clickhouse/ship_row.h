/*
 * ship_row.h - one event as a row of the ClickHouse table.
 *
 * The table (created by `telemetry ship` when missing) has a column for
 * every README "Event format" field, the context both as its JSON text and as parallel
 * key/value arrays, and the columns the fleet summary aggregates: the
 * group fingerprint, category and template the local summary computes for
 * the event, its culprit (README "Grouping"), and its place in its
 * directory's log: `order_ts`, the latest
 * timestamp of the log up to this event (so it never decreases along a
 * log, and is about the event's time across machines), then `seq`, a
 * counter along the log.  Ordered by (order_ts, seq), the events of one
 * directory are in the log's order, the order the local summary reads.
 * ReplacingMergeTree keyed by telemetry_id keeps one copy of an event sent
 * twice (queries read it with FINAL).
 *
 * A row is made from the event's view (event_parse.h) alone: the line is read
 * once, by the same reader the summary uses.
 */
#ifndef TM_SHIP_ROW_H
#define TM_SHIP_ROW_H

#include <stddef.h>

#include "ch.h"
#include "event_parse.h"
#include "runs.h"
#include "ship_state.h"

/* The derived columns of one event. */
struct ship_derived {
    const char *fingerprint; /* 16 hex */
    const char *category;
    const char *template_text; /* "" when the grouper had no cluster */
    const char *culprit;       /* evidence.h's tm__culprit, "" unknown */
    const char *order_ts;
    unsigned long long seq;
};

/* Appends to db the statement that creates the database of a DB.T table
 * (nothing for a bare T) and to tb the one that creates the table: the
 * HTTP interface takes one statement per request.  Returns 0 or -1. */
int ship_create_sql(struct ch_buf *db, struct ch_buf *tb, const char *table);

/* Into alter: the statement that adds to a table an older telemetry made
 * the columns it lacks, from its DESCRIBE TABLE answer (describe[0..n),
 * tab-separated); nothing when it has them all.  Returns 0 or -1. */
int ship_upgrade_sql(const char *describe, size_t n, const char *table,
                     struct ch_buf *alter);

/* The run file's table (README "Runs", "More than one machine"): the
 * statements that create its database and itself.  Returns 0 or -1. */
int ship_runs_create_sql(struct ch_buf *db, struct ch_buf *tb,
                         const char *table);

/* The id a run file line is shipped under: "r" and 16 hex digits of a
 * hash of the line (a line sent twice is one row). */
void ship_run_id(const char *line, size_t len, char out[SHIP_ID_MAX + 1]);

/* Appends one JSONEachRow line for a run file record.  Returns 0 or -1
 * (out of memory, b's limit). */
int ship_run_row(struct ch_buf *b, const struct tm__run_line *l, const char *id);

/* The id an event is shipped under: its telemetry_id when that is 1 to 64
 * characters of [0-9A-Za-z_-], else "h" and 16 hex digits of a hash of the
 * whole line (so the same line always gets the same id). */
void ship_event_id(const struct tm__event_view *v, const char *line,
                   size_t len, char out[SHIP_ID_MAX + 1]);

/* 1 when line[0..len), read into v, is the event shipped under `id`. */
int ship_line_has_id(const struct tm__event_view *v, const char *line,
                     size_t len, const char *id);

/* Appends one JSONEachRow line (with '\n') for an event: `v` its view,
 * `scratch` (cap bytes, at least the context's length + 2) for decoding
 * the context's members.  Returns 0 or -1 (out of memory, b's limit
 * reached, or no room in scratch). */
int ship_row(struct ch_buf *b, const struct tm__event_view *v,
             const struct ship_derived *d, const char *id, char *scratch,
             size_t cap);

#endif
