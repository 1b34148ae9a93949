/*
 * counter.c - string-keyed counting table (see counter.h).
 */
#include "counter.h"

#include "hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A key's slot hash: FNV-1a.  The slot order is part of the output:
 * `telemetry group` settles its clusters walking a table in slot order, so
 * another hash would give other fingerprints (an adversarial review found
 * 847 loghub lines renamed by a faster one). */
uint64_t tm__counter_hash(const char *s, size_t n)
{
    return tm__fnv1a(s, n);
}

void tm__counter_init(struct tm__counter *c, size_t max,
                      void (*free_data)(void *))
{
    memset(c, 0, sizeof(*c));
    c->max = max;
    c->free_data = free_data;
}

static int grow(struct tm__counter *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 64;
    struct tm__centry *nv = calloc(ncap, sizeof(*nv));

    if (nv == NULL)
        return -1;
    for (size_t i = 0; i < c->cap; i++) {
        size_t j;
        if (c->v[i].key == NULL)
            continue;
        j = c->v[i].hash & (ncap - 1);
        while (nv[j].key != NULL)
            j = (j + 1) & (ncap - 1);
        nv[j] = c->v[i];
    }
    free(c->v);
    c->v = nv;
    c->cap = ncap;
    return 0;
}

static struct tm__centry *find(const struct tm__counter *c, const char *key,
                               size_t len, uint64_t h)
{
    if (c->cap == 0)
        return NULL;
    for (size_t j = h & (c->cap - 1); c->v[j].key != NULL; j = (j + 1) & (c->cap - 1))
        if (c->v[j].hash == h && strncmp(c->v[j].key, key, len) == 0 &&
            c->v[j].key[len] == '\0')
            return &c->v[j];
    return NULL;
}

struct tm__centry *tm__counter_find(const struct tm__counter *c,
                                    const char *key, size_t len)
{
    return find(c, key, len, tm__counter_hash(key, len));
}

struct tm__centry *tm__counter_add(struct tm__counter *c, const char *key,
                                   size_t len, long long inc, int *oom)
{
    return tm__counter_add_hashed(c, key, len, tm__counter_hash(key, len), inc, oom);
}

struct tm__centry *tm__counter_add_hashed(struct tm__counter *c, const char *key,
                                          size_t len, uint64_t h, long long inc,
                                          int *oom)
{
    struct tm__centry *e = find(c, key, len, h);
    size_t j;

    if (e != NULL) {
        e->count += inc;
        return e;
    }
    if (c->n >= c->max) {
        c->dropped += inc;
        return NULL;
    }
    if ((c->n + 1) * 4 > c->cap * 3) {
        if (grow(c) != 0) {
            *oom = 1;
            return NULL;
        }
    }
    j = h & (c->cap - 1);
    while (c->v[j].key != NULL)
        j = (j + 1) & (c->cap - 1);
    c->v[j].key = malloc(len + 1);
    if (c->v[j].key == NULL) {
        *oom = 1;
        return NULL;
    }
    memcpy(c->v[j].key, key, len);
    c->v[j].key[len] = '\0';
    c->v[j].hash = h;
    c->v[j].count = inc;
    c->v[j].data = NULL;
    c->n++;
    return &c->v[j];
}

static int by_count(const void *a, const void *b)
{
    const struct tm__centry *x = *(const struct tm__centry *const *)a;
    const struct tm__centry *y = *(const struct tm__centry *const *)b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->key, y->key);
}

struct tm__centry **tm__counter_sorted(const struct tm__counter *c, size_t *n)
{
    struct tm__centry **out;
    size_t k = 0;

    *n = c->n;
    if (c->n == 0)
        return NULL;
    out = malloc(c->n * sizeof(*out));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < c->cap; i++)
        if (c->v[i].key != NULL)
            out[k++] = &c->v[i];
    qsort(out, k, sizeof(*out), by_count);
    return out;
}

void tm__counter_free(struct tm__counter *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        free(c->v[i].key);
        if (c->free_data != NULL && c->v[i].data != NULL)
            c->free_data(c->v[i].data);
    }
    free(c->v);
    c->v = NULL;
    c->cap = c->n = 0;
}
