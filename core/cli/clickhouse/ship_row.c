/*
 * ship_row.c - events as rows of the ClickHouse table (see ship_row.h).
 */
#include "ship_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonw.h"
#include "timefmt.h"

/* Columns in README "Event format" order, then the derived ones.  ClickHouse 18.16 (the
 * Debian package) has no DateTime64: the timestamp stays the ISO-8601
 * string, which sorts in time order; event_date partitions by month. */
static const char table_columns[] =
    "(timestamp String, repo String, agent String, error_type String, "
    "error_message String, context String, context_keys Array(String), "
    "context_values Array(String), telemetry_id String, source String, "
    "program String, pid UInt32, ppid UInt32, run String, "
    "backtrace Array(String), stack Array(String), repeat UInt32, "
    "fatal UInt8, exit_status Nullable(Int32), fingerprint String, "
    "category String, template String, culprit String, order_ts String, "
    "seq UInt64, "
    "event_date Date, "
    "shipped_at DateTime DEFAULT now()) "
    "ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(event_date) "
    "ORDER BY telemetry_id";

int ship_create_sql(struct ch_buf *db, struct ch_buf *tb, const char *table)
{
    const char *dot = strchr(table, '.');

    if (dot != NULL)
        ch_buf_printf(db, "CREATE DATABASE IF NOT EXISTS %.*s",
                      (int)(dot - table), table);
    ch_buf_printf(tb, "CREATE TABLE IF NOT EXISTS %s ", table);
    ch_buf_add(tb, table_columns, sizeof(table_columns) - 1);
    return db->overflow || tb->overflow ? -1 : 0;
}

static void jw_text(struct tm__jw *w, const char *s);
static void str_field(struct tm__jw *w, const char *key, const char *s);

/* Columns added since the table's first form, with the column each
 * follows: a table an older telemetry made gets them when it ships
 * (18.16 has no ADD COLUMN IF NOT EXISTS). */
static const struct {
    const char *name, *type, *after;
} added[] = {
    {"ppid", "UInt32", "pid"},
    {"run", "String", "ppid"},
    {"stack", "Array(String)", "backtrace"},
    {"culprit", "String", "template"},
};

/* Is `name` the first field of a line of the DESCRIBE answer d[0..n)? */
static int described(const char *d, size_t n, const char *name)
{
    size_t k = strlen(name);

    for (const char *p = d, *end = d + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));

        if ((size_t)(end - p) > k && memcmp(p, name, k) == 0 && p[k] == '\t')
            return 1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int ship_upgrade_sql(const char *describe, size_t n, const char *table,
                     struct ch_buf *alter)
{
    int any = 0;

    for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
        if (described(describe, n, added[i].name))
            continue;
        if (!any)
            ch_buf_printf(alter, "ALTER TABLE %s", table);
        ch_buf_printf(alter, "%s ADD COLUMN %s %s AFTER %s", any ? "," : "",
                      added[i].name, added[i].type, added[i].after);
        any = 1;
    }
    return alter->overflow ? -1 : 0;
}

/* The run file's table: one row per record, keyed by the line's hash (a
 * line sent twice is one row).  Absent numbers are -1 (no Nullable). */
static const char runs_columns[] =
    "(run String, record String, time String, start String, "
    "duration_ms Int64, pid UInt32, program String, agent String, "
    "repo String, host String, exit_status Int32, has_exit UInt8, "
    "signal Int32, events Int64, fatal Int64, probes Int64, expected Int64, "
    "unexplained UInt8, ci String, line_id String, event_date Date, "
    "shipped_at DateTime DEFAULT now()) "
    "ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(event_date) "
    "ORDER BY line_id";

int ship_runs_create_sql(struct ch_buf *db, struct ch_buf *tb, const char *table)
{
    const char *dot = strchr(table, '.');

    if (dot != NULL)
        ch_buf_printf(db, "CREATE DATABASE IF NOT EXISTS %.*s",
                      (int)(dot - table), table);
    ch_buf_printf(tb, "CREATE TABLE IF NOT EXISTS %s ", table);
    ch_buf_add(tb, runs_columns, sizeof(runs_columns) - 1);
    return db->overflow || tb->overflow ? -1 : 0;
}

void ship_run_id(const char *line, size_t len, char out[SHIP_ID_MAX + 1])
{
    out[0] = 'r';
    tm__fmt_hex(out + 1, tm__hash64(line, len), 16);
    out[17] = '\0';
}

static void event_date(const char *ts, char out[11]);

int ship_run_row(struct ch_buf *b, const struct tm__run_line *l, const char *id)
{
    char date[11];
    struct tm__jw w;

    event_date(l->time, date);
    if (ch_buf_reserve(b, 8 * TM_RUN_LINE_MAX) != 0)
        return -1;
    tm__jw_init(&w, b->data + b->len, 8 * TM_RUN_LINE_MAX);
    tm__jw_char(&w, '{');
    tm__jw_key(&w, "run");
    jw_text(&w, l->run);
    str_field(&w, "record", tm__run_kind_word(l->kind));
    str_field(&w, "time", l->time);
    str_field(&w, "start", l->start);
    tm__jw_field_i64(&w, "duration_ms", l->duration_ms);
    tm__jw_field_i64(&w, "pid", l->pid >= 0 && l->pid <= 4294967295LL ? l->pid : 0);
    str_field(&w, "program", l->program);
    str_field(&w, "agent", l->agent);
    str_field(&w, "repo", l->repo);
    str_field(&w, "host", l->host);
    tm__jw_field_i64(&w, "exit_status",
                     l->has_exit && l->exit_status >= -2147483647LL &&
                     l->exit_status <= 2147483647LL ? l->exit_status : -1);
    tm__jw_field_i64(&w, "has_exit", l->has_exit);
    tm__jw_field_i64(&w, "signal", l->has_signal && l->signal <= 2147483647LL
                                       ? l->signal : 0);
    tm__jw_field_i64(&w, "events", l->events);
    tm__jw_field_i64(&w, "fatal", l->fatal);
    tm__jw_field_i64(&w, "probes", l->probes);
    tm__jw_field_i64(&w, "expected", l->expected);
    tm__jw_field_i64(&w, "unexplained", l->unexplained);
    str_field(&w, "ci", l->ci);
    str_field(&w, "line_id", id);
    str_field(&w, "event_date", date);
    TM_JW_LIT(&w, "}\n");
    if (w.overflow)
        return -1;
    b->len += w.len;
    b->data[b->len] = '\0';
    return 0;
}

static void hashed_id(const char *line, size_t len, char out[SHIP_ID_MAX + 1])
{
    out[0] = 'h';
    tm__fmt_hex(out + 1, tm__hash64(line, len), 16);
    out[17] = '\0';
}

void ship_event_id(const struct tm__event_view *v, const char *line,
                   size_t len, char out[SHIP_ID_MAX + 1])
{
    if (v->telemetry_id != NULL && ship_id_ok(v->telemetry_id))
        memcpy(out, v->telemetry_id, strlen(v->telemetry_id) + 1);
    else
        hashed_id(line, len, out);
}

int ship_line_has_id(const struct tm__event_view *v, const char *line,
                     size_t len, const char *id)
{
    char mine[SHIP_ID_MAX + 1];

    ship_event_id(v, line, len, mine);
    return strcmp(mine, id) == 0;
}

/* "YYYY-MM-DD" of a stored timestamp; 1970-01-01 when it does not read as
 * one in the range of ClickHouse's Date. */
static void event_date(const char *ts, char out[11])
{
    char full[TM_TS_SIZE];
    int64_t sec;

    if (tm__ts_epoch(ts, &sec) != 0 || sec < 0 || sec >= 4102444800LL)
        sec = 0;
    tm__ts_format(sec, 0, full);
    memcpy(out, full, 10);
    out[10] = '\0';
}

static void jw_text(struct tm__jw *w, const char *s)
{
    if (s == NULL)
        s = "";
    tm__jw_str(w, s, strlen(s), SIZE_MAX, SIZE_MAX);
}

/* ,"key":"value" with no length limit: a row carries what the log has. */
static void str_field(struct tm__jw *w, const char *key, const char *s)
{
    tm__jw_field_str(w, key, s, SIZE_MAX, SIZE_MAX);
}

/* A number of the event within [lo, hi] (its text as JSON has it), else
 * dflt. */
static int64_t number_or(struct tm__json_span n, double lo, double hi,
                         int64_t dflt)
{
    char text[64];
    double x;

    if (n.p == NULL || n.n >= sizeof(text))
        return dflt;
    memcpy(text, n.p, n.n);
    text[n.n] = '\0';
    x = strtod(text, NULL);
    return x >= lo && x <= hi ? (int64_t)x : dflt;
}

/* The context's two arrays, in the row's order. */
enum ctx_array { CTX_KEYS, CTX_VALUES, CTX_ARRAYS };

/* One member of the context into the keys or the values array. */
struct ctx_walk {
    struct tm__jw *w;
    enum ctx_array which;
    int n;
};

static int ctx_member(void *arg, const char *key, size_t klen,
                      const char *val, size_t vlen, int is_string)
{
    struct ctx_walk *cw = arg;

    (void)is_string; /* a string decoded, anything else its JSON text */
    if (cw->n++ > 0)
        tm__jw_char(cw->w, ',');
    if (cw->which == CTX_KEYS)
        tm__jw_str(cw->w, key, klen, SIZE_MAX, SIZE_MAX);
    else
        tm__jw_str(cw->w, val, vlen, SIZE_MAX, SIZE_MAX);
    return 0;
}

/* The context as its JSON text (as written, without blanks) and as
 * key/value arrays (keys and strings decoded, other values in their JSON
 * text).  Returns 0 or -1 (no room in scratch). */
static int context_fields(struct tm__jw *w, struct tm__json_span ctx,
                          char *scratch, size_t cap)
{
    static const char *const arrays[CTX_ARRAYS] = {
        [CTX_KEYS] = ",\"context_keys\":[",
        [CTX_VALUES] = "],\"context_values\":[",
    };
    int rc = 0;

    TM_JW_LIT(w, ",\"context\":");
    if (ctx.p != NULL && ctx.n <= cap) /* without blanks, as visitParam* wants */
        tm__jw_str(w, scratch, tm__json_compact(ctx, scratch), SIZE_MAX, SIZE_MAX);
    else if (ctx.p != NULL)
        rc = -1;
    else
        TM_JW_LIT(w, "\"{}\"");
    for (int i = 0; i < CTX_ARRAYS; i++) {
        struct ctx_walk cw = {w, (enum ctx_array)i, 0};
        tm__jw_raw(w, arrays[i], strlen(arrays[i]));
        if (ctx.p != NULL && rc == 0)
            rc = tm__json_members(ctx, scratch, cap, ctx_member, &cw);
    }
    tm__jw_char(w, ']');
    return rc == 0 ? 0 : -1;
}

/* The row into w; returns 0, or -1 when scratch is too small. */
static int encode(struct tm__jw *w, const struct tm__event_view *v,
                  const struct ship_derived *d, const char *id, char *scratch,
                  size_t cap)
{
    int64_t exit_status = number_or(v->exit_status, -2147483648.0,
                                    2147483647.0, INT64_MIN);
    char date[11];
    int rc;

    event_date(v->timestamp, date);
    tm__jw_char(w, '{');
    tm__jw_key(w, "timestamp");
    jw_text(w, v->timestamp);
    str_field(w, "repo", v->repo);
    str_field(w, "agent", v->agent);
    str_field(w, "error_type", v->error_type);
    str_field(w, "error_message", v->error_message);
    rc = context_fields(w, v->context, scratch, cap);
    str_field(w, "telemetry_id", id);
    str_field(w, "source", v->source);
    str_field(w, "program", v->program);
    tm__jw_field_i64(w, "pid", number_or(v->pid, 0, 4294967295.0, 0));
    tm__jw_field_i64(w, "ppid", number_or(v->ppid, 0, 4294967295.0, 0));
    str_field(w, "run", tm__run_id_valid(v->run) ? v->run : "");
    TM_JW_LIT(w, ",\"backtrace\":[");
    for (int i = 0; i < v->nframes; i++) {
        if (i > 0)
            tm__jw_char(w, ',');
        jw_text(w, v->frames[i]);
    }
    TM_JW_LIT(w, "],\"stack\":[");
    for (int i = 0; i < v->nstack; i++) {
        if (i > 0)
            tm__jw_char(w, ',');
        jw_text(w, v->stack[i]);
    }
    tm__jw_char(w, ']');
    tm__jw_field_i64(w, "repeat", number_or(v->repeat, 1, 4294967295.0, 1));
    tm__jw_field_i64(w, "fatal", v->fatal == 1);
    if (exit_status != INT64_MIN)
        tm__jw_field_i64(w, "exit_status", exit_status);
    else
        TM_JW_LIT(w, ",\"exit_status\":null");
    str_field(w, "fingerprint", d->fingerprint);
    str_field(w, "category", d->category);
    str_field(w, "template", d->template_text);
    str_field(w, "culprit", d->culprit);
    str_field(w, "order_ts", d->order_ts);
    TM_JW_LIT(w, ",\"seq\":");
    tm__jw_u64(w, d->seq);
    str_field(w, "event_date", date);
    TM_JW_LIT(w, "}\n");
    return rc;
}

int ship_row(struct ch_buf *b, const struct tm__event_view *v,
             const struct ship_derived *d, const char *id, char *scratch,
             size_t cap)
{
    /* Written in place at the end of b, with room that grows until the
     * row fits (escapes can make a row several times its line). */
    for (size_t room = 16384;; room *= 4) {
        struct tm__jw w;
        if (ch_buf_reserve(b, room) != 0)
            return -1;
        tm__jw_init(&w, b->data + b->len, room);
        if (encode(&w, v, d, id, scratch, cap) != 0)
            return -1;
        if (!w.overflow) {
            b->len += w.len;
            b->data[b->len] = '\0';
            return 0;
        }
    }
}
