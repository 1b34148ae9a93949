/*
 * event.h - the event record and its one-line JSON encoding (README "Event format").
 *
 * The encoder is allocation-free and async-signal-safe: the shim calls it
 * from its failure path.  All strings in a tm__event are borrowed.
 */
#ifndef TM_EVENT_H
#define TM_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "telemetry.h"
#include "timefmt.h"

#define TM_LINE_MAX 8192      /* a whole line, '\n' included */
#define TM_MESSAGE_MAX 2048   /* error_message bytes after sanitization */
#define TM_AGENT_MAX 128      /* agent bytes */
#define TM_NAME_MAX 128       /* repo, error_type, program bytes */
#define TM_CTX_VALUE_MAX 256  /* a context string value */
#define TM_CTX_MAX 24         /* context entries */
#define TM_FRAMES_MAX 16      /* backtrace frames, stack entries */

enum tm__ctx_kind {
    TM_CTX_STR, /* a string, escaped on output */
    TM_CTX_RAW  /* a JSON literal already validated: number, true, false, null */
};

struct tm__ctx_item {
    const char *key;
    enum tm__ctx_kind kind;
    const char *val;
    size_t len;
};

enum {
    TM_EV_PID = 1 << 0,
    TM_EV_REPEAT = 1 << 1,
    TM_EV_FATAL = 1 << 2,
    TM_EV_EXIT = 1 << 3,
    TM_EV_PPID = 1 << 4,
};

#define TM_RUN_ID_LEN 16 /* a run id: 16 lowercase hex digits */

struct tm__event {
    char timestamp[TM_TS_SIZE];
    char id[TM_ID_SIZE];
    const char *repo;
    const char *agent;
    const char *error_type;
    const char *message;
    size_t message_len;
    const struct tm__ctx_item *ctx;
    int nctx;
    /* Extensions; NULL / unset flags leave them out. */
    const char *source;
    const char *program;
    const char *const *frames;
    int nframes;
    const char *const *stack; /* the interpreter's stack (README "Event format") */
    int nstack;
    const char *fingerprint;
    unsigned flags; /* TM_EV_* */
    int64_t pid;
    int64_t ppid;
    const char *run; /* a run id (TM_RUN_ID_LEN hex digits) or NULL */
    int64_t repeat;
    int fatal;
    int exit_status;
};

/* Is s (NUL-terminated) a run id: exactly TM_RUN_ID_LEN lowercase hex
 * digits (README "Runs")?  1 or 0.  Async-signal-safe. */
int tm__run_id_valid(const char *s);

/* Sets the timestamp to now and a fresh id; other fields zero. */
void tm__event_init(struct tm__event *ev);

/* A new random id (getrandom, else a hash of time, pid, thread and a
 * sequence number).  Async-signal-safe. */
void tm__id_new(char out[TM_ID_SIZE]);

/* The n-th id of a series keyed by `key` (random, drawn once per process):
 * distinct for distinct n, no system call (the shim's per-event id). */
void tm__id_seq(char out[TM_ID_SIZE], uint64_t key, uint64_t n);

/* Encodes ev as one line ending in '\n' into buf (at least TM_LINE_MAX
 * bytes).  Over-long fields are cut with the truncation marker; optional
 * entries that do not fit are left out, so the line always fits.  Returns
 * the line's length.  Async-signal-safe. */
size_t tm__event_encode(const struct tm__event *ev, char *buf);

#endif
