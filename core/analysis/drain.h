/*
 * drain.h - online clustering of masked messages into templates, in the
 * spirit of the Drain log parser (He et al., ICWS 2017): messages are split
 * into tokens; a fixed-depth tree keyed by a prefix (the error type), the
 * token count and the first token (a wildcard when it holds a digit, a
 * placeholder or a call "f()") leads to a short list of clusters; a message
 * joins the most similar one when more than TM_DRAIN_SIM of its tokens are
 * equal position by position, and the positions that differ become <*>.
 * An exact-match cache in front makes repeats cost one hash lookup.  One
 * configuration for every input.
 *
 * A cluster's id is fixed when it is created (a hash of the prefix and its
 * first masked message), so it stays the same while its template grows
 * more general, and the same failure gets the same id on every machine.
 */
#ifndef TM_DRAIN_H
#define TM_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "counter.h"

#define TM_DRAIN_SIM 0.6     /* similarity must be above this */
#define TM_DRAIN_TOKENS 64   /* tokens compared; the rest is one token */

struct tm__cluster {
    uint64_t id;
    long long count;
    int ntok;
    char *text;             /* owned: the template, tokens joined by ' ' */
    char **tok;             /* owned: ntok pointers into tok_text */
    char *tok_text;         /* owned */
    struct tm__cluster *next; /* next in its leaf */
};

struct tm__drain {
    struct tm__counter leaves; /* leaf key -> first cluster (data, owned) */
    struct tm__counter seen;   /* prefix + masked message -> cluster (data,
                                  borrowed): repeats skip the tree */
    size_t n, max;
};

/* Prepares an empty tree holding at most `max` clusters. */
void tm__drain_init(struct tm__drain *d, size_t max);

/* Adds a masked message under `prefix` (may be ""); returns its cluster
 * (owned by the tree; its template may have just changed), or NULL when
 * the tree is full or out of memory. */
struct tm__cluster *tm__drain_add(struct tm__drain *d, const char *prefix,
                                  const char *masked);

/* Releases every cluster. */
void tm__drain_free(struct tm__drain *d);

#endif
