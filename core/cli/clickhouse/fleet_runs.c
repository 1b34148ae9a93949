/*
 * fleet_runs.c - `telemetry runs --clickhouse URL`: the runs of every
 * machine that shipped (see fleet.h), computed by the server: one query
 * over the run records (each run's records joined as the local reader
 * joins them: runs.h), one over the events of those runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ch.h"
#include "ch_rows.h"
#include "fleet.h"
#include "config.h"
#include "runs.h"

/* The latest end record's value, the earliest start (or end) record's. */
#define END_OF(col) "argMaxIf(" col ", time, record = 'end')"
#define START_OF(col) "argMinIf(" col ", time, record != 'process')"

#define RUNS_COLUMNS(X)                                                        \
    X(ID, "run")                                                               \
    X(FIRST, "min(time) AS first")                                             \
    X(START, "minIf(time, record = 'start')")                                  \
    X(END, "maxIf(time, record = 'end')")                                      \
    X(STARTS, "countIf(record = 'start')")                                     \
    X(ENDS, "countIf(record = 'end')")                                         \
    X(HAS_EXIT, END_OF("has_exit"))                                            \
    X(EXIT, END_OF("exit_status"))                                             \
    X(SIGNAL, END_OF("signal"))                                                \
    X(UNEXPLAINED, END_OF("unexplained"))                                      \
    X(DURATION, END_OF("duration_ms"))                                         \
    X(PROGRAM, START_OF("program"))                                            \
    X(AGENT, START_OF("agent"))                                                \
    X(REPO, START_OF("repo"))                                                  \
    X(HOST, START_OF("host"))                                                  \
    X(CI, START_OF("ci"))                                                      \
    X(PROBES, "sumIf(probes, record = 'process' AND probes > 0)")              \
    X(EXPECTED, "sumIf(expected, record = 'process' AND expected > 0)")        \
    X(PROCESSES, "countIf(record = 'process')")

#define EVENTS_COLUMNS(X)                                                      \
    X(ID, "run")                                                               \
    X(EVENTS, "sum(repeat)")                                                   \
    X(FATAL, "sumIf(repeat, fatal = 1)")                                       \
    X(NREPOS, "uniqExact(repo)")                                               \
    X(REPOS, "arraySlice(arraySort(groupUniqArray(repo)), 1, 3)")

enum runs_cell {
#define FR__CELL(cell, sql) RUNS_##cell,
    RUNS_COLUMNS(FR__CELL)
#undef FR__CELL
};

enum events_cell {
#define FR__CELL(cell, sql) EVENTS_##cell,
    EVENTS_COLUMNS(FR__CELL)
#undef FR__CELL
};

#define FR__SQL(cell, sql) ", " sql
static const char runs_select[] = RUNS_COLUMNS(FR__SQL);
static const char events_select[] = EVENTS_COLUMNS(FR__SQL);
#undef FR__SQL
#define SELECT_LIST(list) ((list) + sizeof(", ") - 1)

struct q {
    struct ch_conn ch;
    char *err;
    size_t cap;
};

/* A run from a row of the run records' query. */
static void take_run(struct tm__run *r, const cJSON *row, int *bad)
{
    const char *id = ch_rows_str(row, RUNS_ID, bad);

    memset(r, 0, sizeof(*r));
    if (!tm__run_id_valid(id))
        *bad = 1;
    tm__strlcpy(r->id, id, sizeof(r->id));
    tm__strlcpy(r->first, ch_rows_str(row, RUNS_FIRST, bad), sizeof(r->first));
    tm__strlcpy(r->start, ch_rows_str(row, RUNS_START, bad), sizeof(r->start));
    tm__strlcpy(r->end, ch_rows_str(row, RUNS_END, bad), sizeof(r->end));
    r->starts = (int)ch_rows_num(row, RUNS_STARTS, bad);
    r->ends = (int)ch_rows_num(row, RUNS_ENDS, bad);
    r->has_exit = r->ends > 0 && ch_rows_num(row, RUNS_HAS_EXIT, bad) != 0;
    r->exit_status = ch_rows_num(row, RUNS_EXIT, bad);
    r->signal = ch_rows_num(row, RUNS_SIGNAL, bad);
    r->has_signal = r->ends > 0 && r->signal > 0;
    r->unexplained = r->ends > 0 && ch_rows_num(row, RUNS_UNEXPLAINED, bad) != 0;
    r->duration_ms = r->ends > 0 ? ch_rows_num(row, RUNS_DURATION, bad) : -1;
    tm__strlcpy(r->program, ch_rows_str(row, RUNS_PROGRAM, bad), sizeof(r->program));
    tm__strlcpy(r->agent, ch_rows_str(row, RUNS_AGENT, bad), sizeof(r->agent));
    tm__strlcpy(r->repo, ch_rows_str(row, RUNS_REPO, bad), sizeof(r->repo));
    tm__strlcpy(r->host, ch_rows_str(row, RUNS_HOST, bad), sizeof(r->host));
    tm__strlcpy(r->ci, ch_rows_str(row, RUNS_CI, bad), sizeof(r->ci));
    r->probes = ch_rows_num(row, RUNS_PROBES, bad);
    r->expected = ch_rows_num(row, RUNS_EXPECTED, bad);
    r->processes = ch_rows_num(row, RUNS_PROCESSES, bad);
}

/* The events of the listed runs: counts and repos. */
static int add_events(struct q *q, const char *table, struct tm__run *runs,
                      size_t n)
{
    struct ch_buf sql = {0};
    cJSON *doc, *rows, *row;
    int bad = 0;

    ch_buf_printf(&sql, "SELECT %s FROM %s FINAL WHERE run IN (",
                  SELECT_LIST(events_select), table);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ch_buf_add(&sql, ",", 1);
        ch_buf_quote(&sql, runs[i].id);
    }
    ch_buf_printf(&sql, ") GROUP BY run");
    if ((doc = ch_rows_query(&q->ch, &sql, &rows, q->err, q->cap)) == NULL)
        return -1;
    cJSON_ArrayForEach(row, rows) {
        const char *id = ch_rows_str(row, EVENTS_ID, &bad);
        const cJSON *names = cJSON_GetArrayItem(row, EVENTS_REPOS), *nm;
        for (size_t i = 0; i < n; i++) {
            struct tm__run *r = &runs[i];
            long long nrepos;
            if (strcmp(r->id, id) != 0)
                continue;
            r->events = ch_rows_num(row, EVENTS_EVENTS, &bad);
            r->fatal = ch_rows_num(row, EVENTS_FATAL, &bad);
            nrepos = ch_rows_num(row, EVENTS_NREPOS, &bad);
            cJSON_ArrayForEach(nm, names)
                if (cJSON_IsString(nm))
                    tm__name_set_put(&r->repos, nm->valuestring);
            /* the count of names the server found, beyond the few listed */
            r->repos.n = nrepos > TM_SET_HASHES ? TM_SET_HASHES : (int)nrepos;
            r->repos.saturated = nrepos > TM_SET_HASHES;
        }
    }
    cJSON_Delete(doc);
    if (bad)
        snprintf(q->err, q->cap, "unexpected answer from %s (is --table a "
                                 "table made by 'telemetry ship'?)", q->ch.url);
    return bad ? -1 : 0;
}

int fleet_runs(const char *url, const char *table, const char *runs_table,
               const char *since, int limit, struct tm__run **out, size_t *n,
               char *err, size_t cap)
{
    struct q q = {.err = err, .cap = cap};
    struct ch_buf sql = {0};
    struct tm__run *runs = NULL;
    cJSON *doc = NULL, *rows, *row;
    size_t k = 0;
    int bad = 0, rc = -1;

    *out = NULL;
    *n = 0;
    if (ch_open(&q.ch, url) != 0) {
        snprintf(err, cap, "%s", q.ch.err);
        return -1;
    }
    ch_buf_printf(&sql, "SELECT %s FROM %s FINAL GROUP BY run",
                  SELECT_LIST(runs_select), runs_table);
    if (since != NULL && since[0]) {
        ch_buf_printf(&sql, " HAVING first >= ");
        ch_buf_quote(&sql, since);
    }
    ch_buf_printf(&sql, " ORDER BY first DESC, run LIMIT %d", limit);
    if ((doc = ch_rows_query(&q.ch, &sql, &rows, q.err, q.cap)) == NULL)
        goto out;
    if ((runs = calloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof(*runs))) == NULL) {
        snprintf(err, cap, "out of memory");
        goto out;
    }
    cJSON_ArrayForEach(row, rows)
        take_run(&runs[k++], row, &bad);
    if (bad) {
        snprintf(err, cap, "unexpected answer from %s (is --runs-table a "
                           "table made by 'telemetry ship'?)", url);
        goto out;
    }
    if (k > 0 && add_events(&q, table, runs, k) != 0)
        goto out;
    *out = runs;
    *n = k;
    runs = NULL;
    rc = 0;
out:
    free(runs);
    cJSON_Delete(doc);
    ch_close(&q.ch);
    return rc;
}
