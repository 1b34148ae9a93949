/*
 * context.h - the context allow-list of README "Privacy".
 */
#ifndef TM_CONTEXT_H
#define TM_CONTEXT_H

#include <cjson/cJSON.h>

#include "event.h"

/* Room for one filtered value (strings are cut to TM_CTX_VALUE_MAX). */
#define TM_CTX_SLOT 512

/* Filtered context: items point into `text`.  Owned by whoever declares it
 * (it is large: allocate it, do not put it on a small stack). */
struct tm__ctx_buf {
    struct tm__ctx_item items[TM_CTX_MAX];
    int n;
    char text[TM_CTX_MAX][TM_CTX_SLOT];
};

/* Rank of `key` in the allow-list (built-in keys, then the names in
 * `extra`, a comma-separated list), or -1 when it is not allowed: unknown,
 * or naming a sensitive term (auth, token, secret, ...).  Thread-safe. */
int tm__ctx_key_rank(const char *key, const char *extra);

/* Does the key name contain a sensitive term?  Thread-safe. */
int tm__ctx_key_sensitive(const char *key);

/* Filters `in` (a cJSON object, or NULL) into `out`: allowed keys in rank
 * order, scalar values only, strings scrubbed and cut to TM_CTX_VALUE_MAX.
 * The items' keys are borrowed from `in`: keep it alive while using `out`.
 * Returns 0 or TM_ENOMEM.  Thread-safe. */
int tm__ctx_filter(const cJSON *in, const char *extra, struct tm__ctx_buf *out);

/* Builds a cJSON object from filtered items; caller frees with
 * cJSON_Delete().  NULL when out of memory. */
cJSON *tm__ctx_to_json(const struct tm__ctx_buf *buf);

#endif
