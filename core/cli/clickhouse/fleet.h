/*
 * fleet.h - the summary (README "The summary object") over a ClickHouse table filled by
 * `telemetry ship`, computed by the server.
 *
 * A handful of aggregate queries (totals, counts by type/agent/repo/
 * category, the listed groups, the groups seen in enough repositories for
 * the cross-repo rule, and the first names of those groups) fill the same
 * parts the local summary fills, and the same function renders them: the
 * shape and the pattern rules are shared, not repeated.  Only aggregates
 * cross the network, never the events.
 *
 * "First" and "last" follow (order_ts, seq) (see ship_row.h): a group's
 * error type, category and example come from its first event, its names
 * are the first three distinct, its template is its last event's (over
 * all rows, as the local summary shows a cluster's final template).
 * Within one directory that is the log's order, so on the same events the
 * fleet summary equals the local one (window and skipped_lines aside).
 */
#ifndef TM_FLEET_H
#define TM_FLEET_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "summary.h"

/* Returns the summary object (caller frees with cJSON_Delete), or NULL
 * with a one-line reason in err. */
cJSON *fleet_summary(const char *url, const char *table,
                     const struct tm__summary_filter *f, char *err,
                     size_t cap);

/* The runs of the fleet (README "Runs"): the run records shipped to
 * `runs_table` joined with the events of `table`, newest first (by their
 * first record), at most `limit`, none older than `since` ("" for all).
 * Returns 0 with *out an array of *n runs the caller frees with free(),
 * or -1 with a one-line reason in err. */
struct tm__run;
int fleet_runs(const char *url, const char *table, const char *runs_table,
               const char *since, int limit, struct tm__run **out, size_t *n,
               char *err, size_t cap);

#endif
