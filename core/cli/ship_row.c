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

/* Columns in SPEC §2 order, then the derived ones.  ClickHouse 18.16 (the
 * Debian package) has no DateTime64: the timestamp stays the ISO-8601
 * string, which sorts in time order; event_date partitions by month. */
static const char table_columns[] =
    "(timestamp String, repo String, agent String, error_type String, "
    "error_message String, context String, context_keys Array(String), "
    "context_values Array(String), telemetry_id String, source String, "
    "program String, pid UInt32, backtrace Array(String), repeat UInt32, "
    "fatal UInt8, exit_status Nullable(Int32), fingerprint String, "
    "category String, template String, order_ts String, seq UInt64, "
    "event_date Date, "
    "shipped_at DateTime DEFAULT now()) "
    "ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(event_date) "
    "ORDER BY telemetry_id";

int ship_create_sql(struct ch_buf *b, const char *table)
{
    const char *dot = strchr(table, '.');

    if (dot != NULL) {
        ch_buf_printf(b, "CREATE DATABASE IF NOT EXISTS %.*s\n;\n",
                      (int)(dot - table), table);
    }
    ch_buf_printf(b, "CREATE TABLE IF NOT EXISTS %s ", table);
    ch_buf_add(b, table_columns, sizeof(table_columns) - 1);
    return b->overflow ? -1 : 0;
}

static int id_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > SHIP_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || s[i] == '-' || (s[i] >= '0' && s[i] <= '9') ||
              (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return 1;
}

static void hashed_id(const char *line, size_t len, char out[SHIP_ID_MAX + 1])
{
    out[0] = 'h';
    tm__fmt_hex(out + 1, tm__hash64(line, len), 16);
    out[17] = '\0';
}

void ship_event_id(const cJSON *ev, const char *line, size_t len,
                   char out[SHIP_ID_MAX + 1])
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "telemetry_id");

    if (cJSON_IsString(id) && id_ok(id->valuestring))
        memcpy(out, id->valuestring, strlen(id->valuestring) + 1);
    else
        hashed_id(line, len, out);
}

int ship_line_has_id(const char *line, size_t len, const char *id)
{
    char key[SHIP_ID_MAX + 24];
    int n;

    if (id[0] == 'h' && strlen(id) == 17) {
        char h[SHIP_ID_MAX + 1];
        hashed_id(line, len, h);
        if (strcmp(h, id) == 0)
            return 1;
    }
    /* In an event line a quote inside a value is escaped, so this text
     * can only be the key and its value. */
    n = snprintf(key, sizeof(key), "\"telemetry_id\":\"%s\"", id);
    return n > 0 && memmem(line, len, key, (size_t)n) != NULL;
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

static int add_str(cJSON *row, const char *key, const char *v)
{
    return cJSON_AddStringToObject(row, key, v ? v : "") != NULL;
}

/* The context as text and as key/value arrays (non-string values in
 * their JSON form). */
static int add_context(cJSON *row, const cJSON *ctx)
{
    cJSON *keys = cJSON_AddArrayToObject(row, "context_keys");
    cJSON *vals = cJSON_AddArrayToObject(row, "context_values");
    char *text = cJSON_IsObject(ctx) ? cJSON_PrintUnformatted(ctx) : NULL;
    const cJSON *it;
    int ok = keys != NULL && vals != NULL &&
             add_str(row, "context", text ? text : "{}");

    free(text);
    if (!cJSON_IsObject(ctx))
        return ok;
    cJSON_ArrayForEach(it, ctx) {
        char *v = cJSON_IsString(it) ? NULL : cJSON_PrintUnformatted(it);
        ok = ok && cJSON_AddItemToArray(keys, cJSON_CreateString(it->string));
        ok = ok && cJSON_AddItemToArray(
                       vals, cJSON_CreateString(v ? v : it->valuestring));
        free(v);
    }
    return ok;
}

static double number_or(const cJSON *ev, const char *key, double lo,
                        double hi, double dflt)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(ev, key);

    if (!cJSON_IsNumber(n) || n->valuedouble < lo || n->valuedouble > hi)
        return dflt;
    return (double)(long long)n->valuedouble;
}

int ship_row(struct ch_buf *b, const cJSON *ev, const struct tm__event_view *v,
             const struct ship_derived *d, const char *id)
{
    cJSON *row = cJSON_CreateObject(), *frames;
    const cJSON *exit_status = cJSON_GetObjectItemCaseSensitive(ev, "exit_status");
    char date[11], *text = NULL;
    int ok = row != NULL;

    event_date(v->timestamp, date);
    ok = ok && add_str(row, "timestamp", v->timestamp) &&
         add_str(row, "repo", v->repo) && add_str(row, "agent", v->agent) &&
         add_str(row, "error_type", v->error_type) &&
         add_str(row, "error_message", v->error_message) &&
         add_context(row, cJSON_GetObjectItemCaseSensitive(ev, "context")) &&
         add_str(row, "telemetry_id", id) && add_str(row, "source", v->source) &&
         add_str(row, "program", v->program) &&
         cJSON_AddNumberToObject(row, "pid", number_or(ev, "pid", 0, 4294967295.0, 0));
    ok = ok && (frames = cJSON_AddArrayToObject(row, "backtrace")) != NULL;
    for (int i = 0; ok && i < v->nframes; i++)
        ok = cJSON_AddItemToArray(frames, cJSON_CreateString(v->frames[i]));
    ok = ok &&
         cJSON_AddNumberToObject(row, "repeat", number_or(ev, "repeat", 1, 4294967295.0, 1)) &&
         cJSON_AddNumberToObject(row, "fatal", v->fatal == 1);
    if (ok && cJSON_IsNumber(exit_status) && exit_status->valuedouble >= -2147483648.0 &&
        exit_status->valuedouble <= 2147483647.0)
        ok = cJSON_AddNumberToObject(row, "exit_status",
                                     (double)(long long)exit_status->valuedouble) != NULL;
    else if (ok)
        ok = cJSON_AddNullToObject(row, "exit_status") != NULL;
    ok = ok && add_str(row, "fingerprint", d->fingerprint) &&
         add_str(row, "category", d->category) &&
         add_str(row, "template", d->template_text) &&
         add_str(row, "order_ts", d->order_ts) &&
         cJSON_AddNumberToObject(row, "seq", (double)d->seq) &&
         add_str(row, "event_date", date);
    if (ok && (text = cJSON_PrintUnformatted(row)) != NULL)
        ok = ch_buf_add(b, text, strlen(text)) == 0 && ch_buf_add(b, "\n", 1) == 0;
    else
        ok = 0;
    free(text);
    cJSON_Delete(row);
    return ok ? 0 : -1;
}
