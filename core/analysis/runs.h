/*
 * runs.h - the runs of a telemetry directory read back (README "Runs"):
 * the run file's lines parsed and checked, each run's records joined, and
 * the central log's events counted per run.
 */
#ifndef TM_RUNS_H
#define TM_RUNS_H

#include <stddef.h>
#include <stdint.h>

#include "counter.h"
#include "runrec.h"
#include "summary.h"

#define TM_RUNS_MAX 100000 /* distinct runs held; more are counted dropped */
#define TM_RUN_CI_TEXT 1600 /* a record's "ci" object, compact JSON */

/* One line of the run file, decoded ("" for a string absent; a longer
 * one is cut). */
struct tm__run_line {
    enum tm__run_kind kind;
    char run[TM_RUN_ID_LEN + 1], time[TM_TS_SIZE], start[TM_TS_SIZE];
    char program[128], agent[128], repo[128], host[128];
    char ci[TM_RUN_CI_TEXT]; /* the "ci" object, compact; "" when none */
    int has_exit, has_signal, unexplained, not_run;
    int64_t pid, duration_ms, exit_status, signal;
    int64_t events, fatal, probes, expected; /* -1 when absent */
    int64_t lost;                            /* 0 when absent */
};

/* Parses one line of the run file into *out (scratch: cap bytes of room
 * for the decoding, len + 2 suffice).  Returns 0, or -1 with *why a
 * static text saying what is wrong (not JSON, no run id, an unknown
 * record kind, a time that is not one, a count that is not a whole
 * number).  Unknown keys are ignored; the line itself is never changed. */
int tm__run_line_parse(const char *line, size_t len, struct tm__run_line *out,
                       char *scratch, size_t cap, const char **why);

/* A run, its records joined: the earliest start, the latest end; a run
 * whose every start has its end (by pid) is finished. */
struct tm__run {
    char id[TM_RUN_ID_LEN + 1];
    char start[TM_TS_SIZE], end[TM_TS_SIZE]; /* "" when no such record */
    char first[TM_TS_SIZE];  /* its earliest line or event */
    char program[128], agent[128], repo[128], host[128];
    char ci[TM_RUN_CI_TEXT];
    int starts, ends;        /* records of each kind */
    int has_exit, has_signal, unexplained;
    int not_run;             /* the latest end: the command could not be run */
    int64_t duration_ms;     /* the latest end record's, -1 when none */
    int64_t exit_status, signal;
    long long events, fatal; /* counted in the central log (weighted), or
                                the latest end record's when more */
    long long probes, expected, processes; /* the process lines' sums, or
                                the latest end record's when more */
    long long lost;           /* events not stored: the process lines' sum,
                                or the latest end record's when more */
    long long end_counts[5];  /* the latest end record's events, fatal,
                                probes, expected, lost; -1 when absent */
    struct tm__name_set repos; /* of its events */
};

struct tm__runs {
    struct tm__counter table; /* key: run id; data: struct tm__run (owned) */
    long long skipped;        /* run file lines that are not records */
    const char *first_why;    /* why the first skipped line was */
    long long skipped_events; /* central log lines that are not events */
};

/* Reads the run file and the central log of directory dfd into *out:
 * every run, or only `only` (a run id) when not NULL; `since` (a
 * timestamp, "" for none) keeps the runs whose first line is not older.
 * Returns 0 or a TM_* code (TM_ENOMEM, TM_EREAD, TM_ENOTREG).  Release
 * *out with tm__runs_free() either way. */
int tm__runs_load(int dfd, const char *only, const char *since,
                  struct tm__runs *out);

/* The runs sorted newest first (by their first time, then id): an array
 * the caller frees with free() (entries stay the table's), or NULL when
 * out of memory or empty (*n says which). */
struct tm__run **tm__runs_sorted(const struct tm__runs *rs, size_t *n);

void tm__runs_free(struct tm__runs *rs);

#endif
