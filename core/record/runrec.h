/*
 * runrec.h - the run file (README "Runs"): one JSONL file in the telemetry
 * directory, next to the logs and under their rules (store.h), holding a
 * run's start record, its end record, and one line from each process of
 * the run that suppressed failures.
 *
 * The encoder is allocation-free and async-signal-safe: the shim writes
 * its process line from its exit hook.  All strings are borrowed.
 */
#ifndef TM_RUNREC_H
#define TM_RUNREC_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define TM_RUNS_LOG "runs.jsonl"
#define TM_RUN_LINE_MAX 4096 /* a whole run line, '\n' included */
#define TM_RUN_CI_MAX 8      /* CI tags on one record */

/* The kinds of line, by their "record" value. */
#define TM_RUN_KINDS(X)                                                        \
    X(START, "start")     /* written when the run begins */                    \
    X(END, "end")         /* written when it ends */                           \
    X(PROCESS, "process") /* a process's suppressed counts, at its exit */

enum tm__run_kind {
#define TM__RK(id, word) TM_RUN_##id,
    TM_RUN_KINDS(TM__RK)
#undef TM__RK
    TM_RUN_NKINDS
};

/* The word of a kind; the kind of a word (-1 when none). */
const char *tm__run_kind_word(enum tm__run_kind k);
int tm__run_kind_parse(const char *word);

/* The CI variables a run record may carry, allow-listed: one table. */
#define TM_RUN_CI_VARS(X)                                                      \
    X("GITHUB_REPOSITORY")                                                     \
    X("GITHUB_RUN_ID")                                                         \
    X("GITHUB_SHA")                                                            \
    X("GITHUB_REF_NAME")                                                       \
    X("CI_PIPELINE_ID")                                                        \
    X("CI_COMMIT_SHA")                                                         \
    X("BUILDKITE_BUILD_ID")

/* The names of TM_RUN_CI_VARS, *n of them. */
const char *const *tm__run_ci_vars(size_t *n);

/* Is name one of TM_RUN_CI_VARS?  1 or 0. */
int tm__run_ci_allowed(const char *name);

struct tm__run_ci {
    const char *name; /* one of TM_RUN_CI_VARS */
    const char *value; /* already sanitized */
};

enum {
    TM_RUNREC_PID = 1 << 0,
    TM_RUNREC_EXIT = 1 << 1,    /* exit_status set */
    TM_RUNREC_SIGNAL = 1 << 2,  /* signal set */
    TM_RUNREC_COUNTS = 1 << 3,  /* events set */
    TM_RUNREC_SUPPR = 1 << 4,   /* probes, expected set */
    TM_RUNREC_DURATION = 1 << 5,
    TM_RUNREC_UNEXPLAINED = 1 << 6,
    TM_RUNREC_FATAL = 1 << 7,   /* fatal set */
    TM_RUNREC_NOT_RUN = 1 << 8, /* the command could not be run (exec failed) */
    TM_RUNREC_LOST = 1 << 9,    /* lost set (written when not 0) */
};

/* One line of the run file.  NULL strings and unset flags are left out. */
struct tm__runrec {
    enum tm__run_kind kind;
    const char *run;  /* a run id (tm__run_id_valid) */
    char time[TM_TS_SIZE];
    const char *start;  /* end: the start time */
    const char *program, *agent, *repo, *host;
    const struct tm__run_ci *ci;
    int nci;
    unsigned flags; /* TM_RUNREC_* */
    int64_t pid;
    int64_t duration_ms;
    int exit_status, signal;
    int64_t events, fatal, probes, expected;
    int64_t lost; /* events that could not be stored (a full disk) */
};

/* Encodes r as one line ending in '\n' into buf (TM_RUN_LINE_MAX bytes);
 * strings are cut to fit.  Returns the length, or 0 when r->run is not a
 * run id.  Async-signal-safe. */
size_t tm__runrec_encode(const struct tm__runrec *r, char *buf);

/* Appends the line to the run file of the directory dfd (tm__store_file),
 * waiting for the directory lock at most *budget_us (NULL: as long as it
 * takes).  Returns 0 or a TM_* code.  Async-signal-safe. */
int tm__runrec_store(int dfd, const char *line, size_t len,
                     long long max_bytes, int *budget_us);

#endif
