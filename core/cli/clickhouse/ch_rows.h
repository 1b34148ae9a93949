/*
 * ch_rows.h - reading a query's answer in ClickHouse's JSONCompact format:
 * the rows and their typed cells (the fleet's views: fleet.c, fleet_runs.c).
 */
#ifndef TM_CH_ROWS_H
#define TM_CH_ROWS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "ch.h"

/* Runs sql (" FORMAT JSONCompact" appended) on c.  Returns the parsed
 * answer, owned by the caller (cJSON_Delete), with *rows its "data" array;
 * NULL with a message in err[0..cap) when the query fails or the answer is
 * not JSONCompact.  sql is freed either way. */
cJSON *ch_rows_query(struct ch_conn *c, struct ch_buf *sql, cJSON **rows,
                     char *err, size_t cap);

/* Cell i of row: a string, or "" with *bad set; a number, or 0 with *bad
 * set.  Strings are owned by the answer. */
const char *ch_rows_str(const cJSON *row, int i, int *bad);
long long ch_rows_num(const cJSON *row, int i, int *bad);

#endif
