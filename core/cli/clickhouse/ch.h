/*
 * ch.h - the ClickHouse HTTP interface, through libcurl.
 *
 * One connection object per command.  Credentials come from the
 * environment only (TELEMETRY_CLICKHOUSE_USER, TELEMETRY_CLICKHOUSE_PASSWORD),
 * sent as HTTP basic authentication; a URL carrying credentials is refused
 * so that they never sit on a command line.  Every failure leaves one line
 * in `err`: curl's reason (server down, wrong host) or the HTTP status and
 * the first line of ClickHouse's answer (SQL error, authentication).
 */
#ifndef TM_CH_H
#define TM_CH_H

#include <stddef.h>

#define CH_DEFAULT_TABLE "telemetry.events"
#define CH_DEFAULT_RUNS_TABLE "telemetry.runs" /* the run file's records */
#define CH_RESPONSE_MAX (64u << 20) /* larger answers are an error */

/* A growable byte buffer; `data` is owned and NUL-terminated when len > 0. */
struct ch_buf {
    char *data;
    size_t len, cap, max;
    int overflow;
};

struct ch_conn {
    void *curl;         /* owned: CURL * */
    char *base;         /* owned: URL ending in '/' */
    const char *url;    /* borrowed: as given, for messages */
    char err[512];
};

/* 0 when `url` is an http:// or https:// URL without credentials, query
 * or fragment; else -1 with the reason in why. */
int ch_check_url(const char *url, char *why, size_t cap);

/* 0 when `table` is NAME or DB.NAME with names of [A-Za-z0-9_] not
 * starting with a digit; else -1. */
int ch_check_table(const char *table);

/* Both checks, for a command's --clickhouse and --table; the reason for
 * the user in why. */
int ch_check_target(const char *url, const char *table, char *why, size_t cap);

/* Prepares a connection (no network yet).  Returns 0, or -1 with err set. */
int ch_open(struct ch_conn *c, const char *url);
void ch_close(struct ch_conn *c);

/* Runs one statement.  `query` goes in the URL (may be NULL) and `body`
 * (len bytes) is posted: either the whole SQL, or the rows of an INSERT
 * whose statement is `query`.  The answer goes to `out` (may be NULL:
 * discarded); the caller frees out->data.  Returns 0 on HTTP 200, else -1
 * with c->err set. */
int ch_exec(struct ch_conn *c, const char *query, const char *body,
            size_t len, struct ch_buf *out);

/* Appends s as a quoted ClickHouse string literal.  Returns 0 or -1. */
int ch_buf_quote(struct ch_buf *b, const char *s);
int ch_buf_add(struct ch_buf *b, const char *s, size_t n);
/* Room for n more bytes and a NUL after data + len (not counted in len).
 * Returns 0 or -1 (b's limit, or out of memory: overflow set). */
int ch_buf_reserve(struct ch_buf *b, size_t n);
int ch_buf_printf(struct ch_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ch_buf_free(struct ch_buf *b);

#endif
