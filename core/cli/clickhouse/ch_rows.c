/*
 * ch_rows.c - a JSONCompact answer's rows and cells (see ch_rows.h).
 */
#include "ch_rows.h"

#include <stdio.h>

cJSON *ch_rows_query(struct ch_conn *c, struct ch_buf *sql, cJSON **rows,
                     char *err, size_t cap)
{
    struct ch_buf out = {0};
    cJSON *doc = NULL;

    if (ch_buf_printf(sql, " FORMAT JSONCompact") != 0) {
        snprintf(err, cap, "out of memory");
    } else if (ch_exec(c, NULL, sql->data, sql->len, &out) != 0) {
        snprintf(err, cap, "cannot query %s: %s", c->url, c->err);
    } else if ((doc = cJSON_Parse(out.data ? out.data : "")) == NULL ||
               !cJSON_IsArray(*rows = cJSON_GetObjectItemCaseSensitive(doc, "data"))) {
        snprintf(err, cap, "%s answered something that is not "
                           "ClickHouse's JSONCompact", c->url);
        cJSON_Delete(doc);
        doc = NULL;
    }
    ch_buf_free(&out);
    ch_buf_free(sql);
    return doc;
}

const char *ch_rows_str(const cJSON *row, int i, int *bad)
{
    const cJSON *c = cJSON_GetArrayItem(row, i);

    if (!cJSON_IsString(c)) {
        *bad = 1;
        return "";
    }
    return c->valuestring;
}

long long ch_rows_num(const cJSON *row, int i, int *bad)
{
    const cJSON *c = cJSON_GetArrayItem(row, i);

    if (!cJSON_IsNumber(c)) {
        *bad = 1;
        return 0;
    }
    return (long long)c->valuedouble;
}
