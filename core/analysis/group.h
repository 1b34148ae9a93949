/*
 * group.h - one failure, one group (README "Grouping").
 *
 * Evidence first: for events from the shim, the fingerprint is a hash of
 * the category, the class of the path the failure is about (computed from
 * the raw path, before masking) and the culprit: the Python stack's
 * innermost frame of the agent's own code, by file and function, else the
 * top in-app native frame, else the program.  For other events it is the id of the template cluster the
 * masked message falls into under its error type.  Either way the template
 * shown is the message with variable tokens masked (mask.h) and positions
 * that vary within the group turned into <*> (drain.h).
 */
#ifndef TM_GROUP_H
#define TM_GROUP_H

#include <stdint.h>

#include "drain.h"
#include "mask.h"

#define TM_TEMPLATE_MAX 1024
#define TM_FP_HEX 16

struct tm__group_input {
    const char *error_type;
    const char *message;
    const char *repo;     /* masked in the message as <REPO>; may be NULL */
    const char *agent;    /* masked as <AGENT>; may be NULL */
    const char *source;   /* "shim" selects the evidence fingerprint */
    const char *category; /* from the shim's context; may be NULL */
    const char *program;
    const char *const *frames;
    int nframes;
    const char *const *stack; /* the Python stack, innermost first */
    int nstack;
};

struct tm__grouper {
    struct tm__drain drain;
    unsigned mask_off;   /* TM_MASK_OFF_*: 0 but in the ablation */
    int no_tree;         /* the masked message is the group (ablation) */
};

/* An empty grouper holding at most `max` templates. */
void tm__grouper_init(struct tm__grouper *g, size_t max);
void tm__grouper_free(struct tm__grouper *g);

/* The ideas of the grouper that the ablation in `make bench` switches off
 * one at a time: X(name, mask bits, drain bits, tree off, what it does). */
#define TM_GROUP_ABLATIONS(X)                                                  \
    X(types, TM_MASK_OFF_TYPES, 0, 0,                                          \
      "typed masks: URL, e-mail, MAC, IPv6, host, Windows path, named date")   \
    X(words, TM_MASK_OFF_WORDS, 0, 0,                                          \
      "digits inside a word (ssh2, utf-8, HTTP/1.1) kept as part of it")       \
    X(digits, 0, TM_DRAIN_OFF_DIGITS, 0,                                       \
      "words that differ only in their digits (node-58, node-123) are one word") \
    X(sim, 0, TM_DRAIN_OFF_SIM, 0,                                             \
      "similarity over the template's constants, at least 0.7")                \
    X(dots, 0, TM_DRAIN_OFF_DOTS, 0,                                           \
      "a dotted first token is a wildcard in the tree")                        \
    X(keyed, 0, TM_DRAIN_OFF_KEYED, 0,                                         \
      "a token with text beside a placeholder (uid=<NUM>) is compared as a constant") \
    X(settled, 0, TM_DRAIN_OFF_SETTLED, 0,                                     \
      "a value held 100 times for each message that differs, all holding one other value, is settled, over the whole input") \
    X(skeleton, 0, TM_DRAIN_OFF_SKELETON, 0,                                   \
      "tokens that differ only in their placeholders (rhost=<IP>, rhost=<HOST>) are one constant") \
    X(typed, 0, TM_DRAIN_OFF_TYPED, 0,                                         \
      "the error type counts as one matching constant")                       \
    X(tree, 0, 0, 1, "the template tree (off: the masked message is the group)")

/* Switches one idea off (a name of TM_GROUP_ABLATIONS); returns 0, or -1
 * for an unknown name.  For measurements only: every real input is grouped
 * with all of them on. */
int tm__grouper_ablate(struct tm__grouper *g, const char *name);

/* Groups one event: sets *fp and returns its template cluster (owned by
 * the grouper), or NULL when the grouper is full or out of memory (*fp is
 * still set: the event's own masked message hashed). */
struct tm__cluster *tm__group(struct tm__grouper *g,
                              const struct tm__group_input *in, uint64_t *fp);

/* tm__group() in two steps.  The first depends on the event alone (the
 * masked message, the drain prefix, the evidence fingerprint): a pure
 * function, safe to run on another thread ahead of the second
 * (summary_pipe.h).  The second clusters in order: the order of the calls
 * decides the templates, so they are made one at a time, in log order.
 * tm__group() is the two in a row. */
struct tm__group_prep {
    const char *masked;   /* in the caller's buffer, NUL-terminated */
    size_t mlen;
    char prefix[TM_FP_HEX + 1 + 160];
    int shim;             /* evidence fingerprint: fp is final */
    uint64_t fp;
};

/* Masks into out (cap bytes; TM_TEMPLATE_MAX is never cut) and fills *p.
 * Reads g's switches only. */
void tm__group_prepare(const struct tm__grouper *g,
                       const struct tm__group_input *in, char *out, size_t cap,
                       struct tm__group_prep *p);

/* The second step: as tm__group() does after masking. */
struct tm__cluster *tm__group_finish(struct tm__grouper *g,
                                     const struct tm__group_prep *p,
                                     uint64_t *fp);

/* 16 lowercase hex digits of a fingerprint, NUL-terminated. */
void tm__fp_hex(uint64_t fp, char out[TM_FP_HEX + 1]);

/* A group's id (README "The summary object"): the length of the shortest
 * prefix of fp, at least TM_ID_MIN hex digits, that no other fingerprint of
 * `sorted` (n fingerprints in strcmp order, fp among them or not) starts
 * with, as git shortens hashes.  At most TM_FP_HEX. */
#define TM_ID_MIN 7
size_t tm__fp_id_len(const char *fp, const char *const *sorted, size_t n);

#endif
