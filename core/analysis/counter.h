/*
 * counter.h - a string-keyed counting table for the summary.
 *
 * Memory grows with distinct keys only, up to a maximum; keys beyond it are
 * not stored and their events are counted in `dropped`.
 */
#ifndef TM_COUNTER_H
#define TM_COUNTER_H

#include <stddef.h>
#include <stdint.h>

struct tm__centry {
    char *key;        /* owned by the table */
    uint64_t hash;
    long long count;
    void *data;       /* owned by the table: released with free_data */
};

struct tm__counter {
    struct tm__centry *v; /* owned: open addressing, cap slots */
    size_t cap, n, max;
    long long dropped;
    void (*free_data)(void *);
};

/* Prepares an empty table holding at most `max` keys.  `free_data` (may be
 * NULL) releases each entry's data in tm__counter_free(). */
void tm__counter_init(struct tm__counter *c, size_t max,
                      void (*free_data)(void *));

/* Adds `inc` to key[0..len).  Returns the entry (data NULL when new), or
 * NULL when the table is full (the events are added to `dropped`) or out of
 * memory (*oom set). */
struct tm__centry *tm__counter_add(struct tm__counter *c, const char *key,
                                   size_t len, long long inc, int *oom);

/* The hash tm__counter_add computes, and tm__counter_add with it computed
 * already (h: tm__counter_hash(key, len)), elsewhere, say on another
 * thread. */
uint64_t tm__counter_hash(const char *key, size_t len);
struct tm__centry *tm__counter_add_hashed(struct tm__counter *c, const char *key,
                                          size_t len, uint64_t h, long long inc,
                                          int *oom);

/* The entry of key[0..len), or NULL; nothing is added. */
struct tm__centry *tm__counter_find(const struct tm__counter *c,
                                    const char *key, size_t len);

/* The entries sorted by count (descending), then key.  Returns an array the
 * caller frees with free() (entries stay owned by the table), or NULL when
 * out of memory or empty (*n says which). */
struct tm__centry **tm__counter_sorted(const struct tm__counter *c, size_t *n);

/* Releases keys, data and slots.  The table may be reused after init. */
void tm__counter_free(struct tm__counter *c);


#endif
