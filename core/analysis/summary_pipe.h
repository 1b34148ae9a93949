/*
 * summary_pipe.h - the summary's lines read, parsed and masked on every
 * core, then handed over one at a time in log order (README "Performance":
 * the summary on more than one core).
 *
 * The work of one line splits in two: parsing it, masking its message and
 * naming its category (tm__event_read, tm__group_prepare,
 * tm__summary_category) depend on the line alone, so threads
 * do them in parallel, a chunk of lines each; what comes after (clustering,
 * counting) depends on every line before, so it is done in log order, one
 * line at a time - by whichever thread holds the next chunk's turn.  The
 * result is the one-thread result byte for byte, whatever the thread count.
 * Memory is a fixed number of chunks (2 per thread), whatever the log's
 * size.
 */
#ifndef TM_SUMMARY_PIPE_H
#define TM_SUMMARY_PIPE_H

#include "classify.h"
#include "event_parse.h"
#include "group.h"
#include "log_reader.h"

#define TM_PIPE_MAX_THREADS 8

/* A name the ordered part counts, measured and hashed ahead
 * (tm__counter_hash). */
struct tm__pipe_key {
    const char *s;
    size_t n;
    uint64_t h;
};

/* One non-empty line of the log, prepared off the ordered path. */
struct tm__pipe_item {
    char *line;       /* the line's bytes (len, not NUL-terminated), a copy
                         the parse changes (tm__event_read_inplace) */
    size_t len;
    int ok;           /* an event (tm__event_read): v, g and cat are set */
    struct tm__event_view v;
    struct tm__group_prep g;
    enum tm__category cat; /* tm__summary_category(&v) */
    int missing_module;    /* the message names a module not found */
    long long weight;      /* tm__summary_weight(&v) */
    struct tm__pipe_key type, agent, repo; /* v's error_type, agent, repo */
};

/* Called for each item in log order, never two at once (from any of the
 * threads: the state it changes is handed from one to the next under a
 * lock).  The item lives until the call returns. */
typedef void (*tm__pipe_fn)(void *arg, const struct tm__pipe_item *it);

/* The group input of an event as the summary groups it. */
void tm__pipe_group_input(const struct tm__event_view *v,
                          struct tm__group_input *in);

/* How many threads a summary uses: TELEMETRY_THREADS when it is a number
 * from 1 to TM_PIPE_MAX_THREADS, else the CPUs this process may run on
 * (sched_getaffinity), at most 4. */
int tm__pipe_threads(void);

/* Reads every line of r (open; the caller closes it) with `threads` threads
 * (the caller's included: 1 starts none) and calls each() for every
 * non-empty line in order; g's switches mask the messages (g itself is
 * the callback's to change).  Returns 0, r's error (tm__reader_next), or
 * TM_ENOMEM; on an error the lines after it are not handed over. */
int tm__pipe_run(struct tm__reader *r, const struct tm__grouper *g,
                 int threads, tm__pipe_fn each, void *arg);

#endif
