/*
 * drain.h - online clustering of masked messages into templates, in the
 * spirit of the Drain log parser (He et al., ICWS 2017): messages are split
 * into tokens; a fixed-depth tree keyed by a prefix (the error type), the
 * token count and the first token (a wildcard when it holds a digit, a
 * placeholder, a call "f()" or a dotted name) leads to a short list of
 * clusters; a message joins the most similar one when at least TM_DRAIN_SIM
 * of the template's constant tokens are equal position by position (typed
 * placeholders and <*> are variables: they neither count for nor against;
 * a non-empty prefix counts as one more equal constant; tokens that differ
 * only in their placeholders, "rhost=<IP>" and "rhost=<HOST>", are equal
 * and become "rhost=<*>"), and the positions that differ become <*>.  A constant number that
 * differs ("[Errno 21]" and "[Errno 20]") vetoes the match.  An exact-match
 * cache in front makes repeats cost one hash lookup; a leaf compares a
 * newcomer with at most TM_DRAIN_SCAN clusters, the most recently matched
 * first, so a leaf of many clusters costs a bounded time per message.
 * One configuration for every input.
 *
 * Settling, when the whole input has been seen (tm__drain_settle): a <*>
 * position where one value holds in at least TM_DRAIN_SETTLED messages of
 * the cluster for every message that differs there is a constant after all
 * ("initialized by client WindowsUpdateAgent." 608 times, "... SPP." once):
 * the messages that differ leave for a cluster of their own.  Counts over
 * the whole input, not the order of arrival, decide it; a reader that
 * streams (the summary) does without.
 *
 * A cluster's id is fixed when it is created (a hash of the prefix and its
 * first masked message), so it stays the same while its template grows
 * more general, and the same failure gets the same id on every machine;
 * settling gives the messages that leave a new id, and the cluster they
 * left the id of one of the messages it keeps.
 */
#ifndef TM_DRAIN_H
#define TM_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "counter.h"

#define TM_DRAIN_ERRNO_SEP '\x1e' /* in a prefix: the errno the message names
                                     follows (no error type when first) */
#define TM_DRAIN_SIM 0.7     /* similarity must reach this */
#define TM_DRAIN_DEPTH 1     /* leading tokens in the leaf key */
#define TM_DRAIN_SETTLED 100 /* a value that holds this many times for each
                                message that differs is a constant */
#define TM_DRAIN_SCAN 64     /* clusters of a leaf compared per message */
#define TM_DRAIN_TOKENS 64   /* tokens compared; the rest is one token */

/* Ideas that can be switched off, for the ablation in `make bench` only. */
#define TM_DRAIN_OFF_SIM 1u  /* the old measure: placeholders count as
                                equal tokens, all tokens, above 0.6 */
#define TM_DRAIN_OFF_DOTS 2u /* a dotted first token keys the tree */
#define TM_DRAIN_OFF_SETTLED 4u /* tm__drain_settle() does nothing */
#define TM_DRAIN_OFF_KEYED 8u   /* "uid=<NUM>" is a variable like "<NUM>" */
#define TM_DRAIN_OFF_SKELETON 16u /* "rhost=<IP>" and "rhost=<HOST>" differ */
#define TM_DRAIN_OFF_DIGITS 64u /* "node-58" and "node-123" differ */
#define TM_DRAIN_OFF_TYPED 32u  /* the error type is no matching constant */

struct tm__cluster {
    uint64_t id;
    long long count;
    int ntok;
    char *text;             /* owned: the template, tokens joined by ' ' */
    char **tok;             /* owned: ntok pointers into tok_text */
    char *tok_text;         /* owned */
    struct tm__cluster *next; /* next in its leaf */
    /* Set by tm__drain_settle(): the messages whose token split_at is not
     * split_val belong to `other` (a cluster of the same leaf). */
    int split_at;           /* -1: not split */
    char *split_val;        /* owned */
    struct tm__cluster *other;
    struct tm__cluster *pending; /* `other` while tm__drain_settle runs */
    long long settle_n;     /* messages tallied by tm__drain_settle() */
    int settle_fresh;       /* its template is rebuilt from the tally */
};

struct tm__drain {
    struct tm__counter leaves; /* leaf key -> first cluster (data, owned) */
    struct tm__counter seen;   /* prefix + masked message -> cluster (data,
                                  borrowed): repeats skip the tree */
    size_t n, max;
    unsigned off;              /* TM_DRAIN_OFF_*: 0 but in the ablation */
    const char *last;          /* the cache key of the message last added
                                  (borrowed from `seen`, stable until
                                  tm__drain_free), or NULL when not cached */
};

/* Prepares an empty tree holding at most `max` clusters. */
void tm__drain_init(struct tm__drain *d, size_t max);

/* Adds a masked message under `prefix` (may be ""); returns its cluster
 * (owned by the tree; its template may have just changed), or NULL when
 * the tree is full or out of memory. */
struct tm__cluster *tm__drain_add(struct tm__drain *d, const char *prefix,
                                  const char *masked);

/* Settles the clusters over every message added so far (see above);
 * returns 0, or -1 when out of memory (the clusters are left as they were
 * or partly settled, each still a valid group). */
int tm__drain_settle(struct tm__drain *d);

/* The settled cluster of a message added as `key` (d->last after its
 * tm__drain_add) into cluster c; c itself when key is NULL. */
struct tm__cluster *tm__drain_final(struct tm__cluster *c, const char *key);

/* Releases every cluster. */
void tm__drain_free(struct tm__drain *d);

#endif
