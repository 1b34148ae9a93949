/*
 * drain.h - online clustering of masked messages into templates, in the
 * spirit of the Drain log parser (He et al., ICWS 2017): messages are split
 * into tokens; a fixed-depth tree keyed by a prefix (the error type), the
 * token count and the first token (a wildcard when it holds a digit, a
 * placeholder, a call "f()" or a dotted name) leads to a short list of
 * clusters; a message joins the most similar one when at least TM_DRAIN_SIM
 * of the template's constant tokens are equal position by position (typed
 * placeholders and <*> are variables: they neither count for nor against),
 * and the positions that differ become <*>, unless the cluster has grown
 * past TM_DRAIN_SETTLED messages without that constant ever changing: then
 * the newcomer starts its own cluster.  A constant number that differs
 * ("[Errno 21]" and "[Errno 20]") vetoes the match.  An exact-match cache in
 * front makes repeats cost one hash lookup.  One configuration for every
 * input.
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

#define TM_DRAIN_SIM 0.7     /* similarity must reach this */
#define TM_DRAIN_DEPTH 1     /* leading tokens in the leaf key */
#define TM_DRAIN_SETTLED 100 /* messages after which a cluster's constants
                                are settled: a differing one starts a new
                                cluster instead of becoming <*> */
#define TM_DRAIN_TOKENS 64   /* tokens compared; the rest is one token */

/* Ideas that can be switched off, for the ablation in `make bench` only. */
#define TM_DRAIN_OFF_SIM 1u  /* the old measure: placeholders count as
                                equal tokens, all tokens, above 0.6 */
#define TM_DRAIN_OFF_DOTS 2u /* a dotted first token keys the tree */
#define TM_DRAIN_OFF_SETTLED 4u /* constants never settle */
#define TM_DRAIN_OFF_KEYED 8u   /* "uid=<NUM>" is a variable like "<NUM>" */

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
    unsigned off;              /* TM_DRAIN_OFF_*: 0 but in the ablation */
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
