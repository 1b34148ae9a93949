/*
 * context.c - context allow-list and value sanitization (see context.h).
 */
#include "context.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "sanitize.h"

static const char *const builtin_keys[] = {
    "operation", "file_type", "retry_count", "duration_ms",
    "syscall", "errno", "flags", "category"};
#define NBUILTIN (int)(sizeof(builtin_keys) / sizeof(builtin_keys[0]))

static const char *const sensitive_terms[] = {
    "auth", "token", "secret", "password", "passwd", "pwd", "key", "jwt",
    "bearer", "cookie", "csrf", "credential", "session", "sid"};

int tm__ctx_key_sensitive(const char *key)
{
    char low[128];
    size_t n = strlen(key);

    if (n >= sizeof(low))
        return 1; /* too long to be an allow-listed name anyway */
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)((key[i] >= 'A' && key[i] <= 'Z') ? key[i] | 0x20
                                                         : key[i]);
    for (size_t i = 0; i < sizeof(sensitive_terms) / sizeof(*sensitive_terms);
         i++)
        if (strstr(low, sensitive_terms[i]) != NULL)
            return 1;
    return 0;
}

int tm__ctx_key_rank(const char *key, const char *extra)
{
    size_t klen = strlen(key);
    int rank = NBUILTIN;

    if (klen == 0 || tm__ctx_key_sensitive(key))
        return -1;
    for (int i = 0; i < NBUILTIN; i++)
        if (strcmp(key, builtin_keys[i]) == 0)
            return i;
    while (extra != NULL && *extra != '\0') {
        const char *comma = strchr(extra, ',');
        size_t len = comma ? (size_t)(comma - extra) : strlen(extra);
        const char *s = extra;
        size_t n = len;

        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n == klen && memcmp(s, key, n) == 0)
            return rank;
        rank++;
        extra = comma ? comma + 1 : NULL;
    }
    return -1;
}

/* Stable insertion by rank: the output follows the allow-list order. */
static void insert_sorted(struct tm__ctx_buf *out, int *ranks, int rank,
                          const char *key, enum tm__ctx_kind kind,
                          const char *text, size_t len)
{
    int i = out->n;

    while (i > 0 && ranks[i - 1] > rank) {
        out->items[i] = out->items[i - 1];
        ranks[i] = ranks[i - 1];
        i--;
    }
    out->items[i].key = key;
    out->items[i].kind = kind;
    out->items[i].val = text;
    out->items[i].len = len;
    ranks[i] = rank;
    out->n++;
}

int tm__ctx_filter(const cJSON *in, const char *extra, struct tm__ctx_buf *out)
{
    int ranks[TM_CTX_MAX];
    const cJSON *it;

    out->n = 0;
    if (in == NULL || !cJSON_IsObject(in))
        return 0;
    cJSON_ArrayForEach(it, in) {
        int rank, dup = 0;
        char *text = out->text[out->n];
        size_t len;
        enum tm__ctx_kind kind = TM_CTX_RAW;

        if (out->n >= TM_CTX_MAX)
            break;
        if (it->string == NULL || (rank = tm__ctx_key_rank(it->string, extra)) < 0)
            continue;
        for (int i = 0; i < out->n; i++)
            dup |= strcmp(out->items[i].key, it->string) == 0;
        if (dup)
            continue;
        if (cJSON_IsString(it)) {
            char *clean = tm__scrub_dup(it->valuestring, strlen(it->valuestring));
            if (clean == NULL)
                return TM_ENOMEM;
            len = tm__utf8_cut(clean, strlen(clean), TM_CTX_VALUE_MAX);
            memcpy(text, clean, len);
            free(clean);
            kind = TM_CTX_STR;
        } else if (cJSON_IsNumber(it)) {
            char *num = cJSON_PrintUnformatted(it);
            if (num == NULL)
                return TM_ENOMEM;
            len = strlen(num);
            if (len >= TM_CTX_SLOT || strcmp(num, "null") == 0) {
                /* cJSON prints NaN and infinities as null */
                memcpy(text, "null", 4);
                len = 4;
            } else {
                memcpy(text, num, len);
            }
            free(num);
        } else if (cJSON_IsBool(it)) {
            len = cJSON_IsTrue(it) ? 4 : 5;
            memcpy(text, cJSON_IsTrue(it) ? "true" : "false", len);
        } else if (cJSON_IsNull(it)) {
            len = 4;
            memcpy(text, "null", 4);
        } else {
            continue; /* objects and arrays are dropped */
        }
        text[len] = '\0';
        insert_sorted(out, ranks, rank, it->string, kind, text, len);
    }
    return 0;
}

cJSON *tm__ctx_to_json(const struct tm__ctx_buf *buf)
{
    cJSON *obj = cJSON_CreateObject();

    for (int i = 0; obj != NULL && i < buf->n; i++) {
        const struct tm__ctx_item *it = &buf->items[i];
        cJSON *v = it->kind == TM_CTX_STR ? cJSON_CreateString(it->val)
                                          : cJSON_CreateRaw(it->val);
        if (v == NULL || !cJSON_AddItemToObject(obj, it->key, v)) {
            cJSON_Delete(v);
            cJSON_Delete(obj);
            return NULL;
        }
    }
    return obj;
}
