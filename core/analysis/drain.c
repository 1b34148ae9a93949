/*
 * drain.c - template tree over masked messages (see drain.h).
 */
#include "drain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define WILD "<*>"
#define TM_DRAIN_TALLY_MAX (1u << 20) /* values counted by one settle */

/* Splits s into at most TM_DRAIN_TOKENS tokens at blanks outside double
 * quotes, in place (s is modified); the last token takes the rest of the
 * line. */
static int split(char *s, char **tok)
{
    int n = 0;

    while (*s) {
        while (*s == ' ' || *s == '\t')
            *s++ = '\0';
        if (*s == '\0')
            break;
        tok[n++] = s;
        if (n == TM_DRAIN_TOKENS)
            break;
        while (*s && *s != ' ' && *s != '\t') {
            char *end;
            /* a double-quoted span is one token, its blanks too: a quoted
             * value of one word or three is one variable */
            if (*s == '"' && (end = strchr(s + 1, '"')) != NULL)
                s = end;
            s++;
        }
    }
    return n;
}

/* A token whose digits are not part of a word ("21]", not "wl0"). */
static int number_like(const char *t)
{
    int digit = 0;

    for (; *t; t++) {
        if ((*t | 0x20) >= 'a' && (*t | 0x20) <= 'z')
            return 0;
        digit |= *t >= '0' && *t <= '9';
    }
    return digit;
}

/* A token that says nothing about the message's kind for the tree: it
 * holds a digit, a placeholder, or is a call ("run_tool()"), or a dotted
 * name ("com.apple.x.daily:", "org.apache.Foo"): such names are where a
 * message says who logged it, which varies within one kind of message. */
static const char *tree_token(const char *t, unsigned off)
{
    int dots = 0;

    for (const char *p = t; *p; p++) {
        if ((*p >= '0' && *p <= '9') || *p == '<' || *p == '(')
            return WILD;
        dots += *p == '.' && p[1] != '\0';
    }
    return dots >= 2 && !(off & TM_DRAIN_OFF_DOTS) ? WILD : t;
}

static void free_cluster(struct tm__cluster *c)
{
    while (c != NULL) {
        struct tm__cluster *next = c->next;
        free(c->text);
        free(c->tok);
        free(c->tok_text);
        free(c->split_val);
        free(c);
        c = next;
    }
}

static void free_leaf(void *clusters)
{
    free_cluster(clusters);
}

void tm__drain_init(struct tm__drain *d, size_t max)
{
    tm__counter_init(&d->leaves, max, free_leaf);
    tm__counter_init(&d->seen, 4 * max, NULL);
    d->n = 0;
    d->max = max;
    d->off = 0;
}

void tm__drain_free(struct tm__drain *d)
{
    tm__counter_free(&d->seen);
    tm__counter_free(&d->leaves);
    d->n = 0;
}

/* Rebuilds c->text from its tokens; returns 0 or -1. */
static int join(struct tm__cluster *c)
{
    size_t len = 0, at = 0;
    char *text;

    for (int i = 0; i < c->ntok; i++)
        len += strlen(c->tok[i]) + 1;
    if ((text = malloc(len + 1)) == NULL)
        return -1;
    for (int i = 0; i < c->ntok; i++) {
        size_t k = strlen(c->tok[i]);
        if (i > 0)
            text[at++] = ' ';
        memcpy(text + at, c->tok[i], k);
        at += k;
    }
    text[at] = '\0';
    free(c->text);
    c->text = text;
    return 0;
}

static struct tm__cluster *new_cluster(const char *prefix, const char *masked,
                                       char **tok, int ntok)
{
    struct tm__cluster *c = calloc(1, sizeof(*c));
    size_t plen = strlen(prefix), mlen = strlen(masked);
    char *key = malloc(plen + 1 + mlen + 1);

    if (c == NULL || key == NULL)
        goto fail;
    memcpy(key, prefix, plen);
    key[plen] = '\x1f';
    memcpy(key + plen + 1, masked, mlen + 1);
    c->id = tm__hash64(key, plen + 1 + mlen);
    free(key);
    key = NULL;
    c->ntok = ntok;
    c->count = 0;
    c->split_at = -1;
    c->tok = calloc((size_t)ntok + 1, sizeof(char *));
    c->tok_text = malloc(mlen + 1 + 4 * (size_t)ntok);
    if (c->tok == NULL || c->tok_text == NULL)
        goto fail;
    /* Each token copied into tok_text, with room to turn it into "<*>". */
    {
        size_t at = 0;
        for (int i = 0; i < ntok; i++) {
            size_t k = strlen(tok[i]);
            c->tok[i] = c->tok_text + at;
            memcpy(c->tok[i], tok[i], k + 1);
            at += (k > 3 ? k : 3) + 1;
        }
    }
    if (join(c) != 0)
        goto fail;
    return c;
fail:
    free(key);
    if (c) {
        free(c->tok);
        free(c->tok_text);
        free(c->text);
        free(c);
    }
    return NULL;
}

/* The cache key: prefix, 0x1f, masked message (cut to fit). */
static size_t seen_key(const char *prefix, const char *masked, char *key,
                       size_t cap)
{
    size_t a = strlen(prefix), b = strlen(masked);

    if (a > cap / 2)
        a = cap / 2;
    if (a + 1 + b >= cap)
        b = cap - 2 - a;
    memcpy(key, prefix, a);
    key[a] = '\x1f';
    memcpy(key + a + 1, masked, b);
    key[a + 1 + b] = '\0';
    return a + 1 + b;
}

static struct tm__cluster *place(struct tm__drain *d, const char *prefix,
                                 const char *masked);

struct tm__cluster *tm__drain_add(struct tm__drain *d, const char *prefix,
                                  const char *masked)
{
    char key[2048];
    size_t klen = seen_key(prefix, masked, key, sizeof(key));
    struct tm__centry *e;
    struct tm__cluster *c;
    int oom = 0;

    e = tm__counter_add(&d->seen, key, klen, 1, &oom);
    d->last = e != NULL ? e->key : NULL;
    if (e != NULL && e->data != NULL) {
        c = e->data;
        c->count++;
        return c;
    }
    c = place(d, prefix, masked);
    if (e != NULL)
        e->data = c;
    if (c == NULL)
        d->last = NULL;
    return c;
}

/* Length of the placeholder at p ("<*>", "<NUM>", ...), or 0. */
static size_t placeholder(const char *p)
{
    const char *q = p + 1;

    if (*p != '<')
        return 0;
    if (*q == '*' && q[1] == '>')
        return 3;
    while (*q >= 'A' && *q <= 'Z')
        q++;
    return q > p + 1 && *q == '>' ? (size_t)(q - p) + 1 : 0;
}

/* A token that stands for a variable: placeholders and punctuation only
 * ("<*>", "<NUM>", "<IP>:<NUM>", "(<NUM>,").  A token with letters or
 * digits beside a placeholder ("uid=<NUM>", "LOGIN(uid=<NUM>)") keeps a
 * constant part and is compared as a constant. */
static int is_var(const char *t, unsigned off)
{
    int ph = 0;

    if (off & TM_DRAIN_OFF_KEYED) {
        for (const char *p = strchr(t, '<'); p != NULL; p = strchr(p + 1, '<'))
            if (placeholder(p))
                return 1;
        return 0;
    }
    while (*t) {
        size_t k = placeholder(t);
        if (k > 0) {
            ph = 1;
            t += k;
        } else if (((*t | 0x20) >= 'a' && (*t | 0x20) <= 'z') || (*t >= '0' && *t <= '9')) {
            return 0;
        } else {
            t++;
        }
    }
    return ph;
}

/* Whether a and b differ only in their placeholders ("rhost=<IP>" and
 * "rhost=<HOST>", "rhost=<*>"): the same constant around a variable. */
static int skeleton_eq(const char *a, const char *b)
{
    while (*a && *b) {
        size_t ka = placeholder(a), kb = placeholder(b);
        if (ka > 0 && kb > 0) {
            a += ka;
            b += kb;
        } else if (ka == 0 && kb == 0 && *a == *b) {
            a++;
            b++;
        } else {
            return 0;
        }
    }
    return *a == *b;
}

/* Whether a and b, words with a letter, differ only in their runs of
 * digits ("node-58" and "node-123", "eth0" and "eth1"): one word whose
 * number varies (README "Grouping"). */
static size_t number_at(const char *p)
{
    size_t k = placeholder(p), sign = *p == '-';

    if (k > 0)
        return k;
    while (p[sign + k] >= '0' && p[sign + k] <= '9')
        k++;
    return k > 0 ? sign + k : 0;
}

static int digits_differ(const char *a, const char *b)
{
    int letter = 0;

    while (*a && *b) {
        size_t ka = number_at(a), kb = number_at(b);
        if (ka > 0 && kb > 0) { /* a placeholder or a signed run of digits */
            a += ka;
            b += kb;
        } else if (*a == *b) {
            letter |= (*a | 0x20) >= 'a' && (*a | 0x20) <= 'z';
            a++;
            b++;
        } else {
            return 0;
        }
    }
    return *a == *b && letter;
}

/* Makes the template token ct (room for strlen(ct) or "<*>") cover the
 * message token mt: unchanged when equal, the common skeleton with <*>
 * for its placeholders when they differ only there, else <*>.  Returns
 * whether ct changed. */
static int generalize(char *ct, const char *mt, unsigned off)
{
    char *w = ct;

    if (strcmp(ct, mt) == 0 || strcmp(ct, WILD) == 0)
        return 0;
    if ((off & (TM_DRAIN_OFF_KEYED | TM_DRAIN_OFF_SKELETON)) || !skeleton_eq(ct, mt)) {
        memcpy(ct, WILD, sizeof(WILD));
        return 1;
    }
    for (const char *r = ct; *r;) { /* placeholders are >= 3 bytes */
        size_t k = placeholder(r);
        if (k > 0) {
            memcpy(w, WILD, 3);
            w += 3;
            r += k;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return 1;
}

/* How many of the cluster's constant tokens the message repeats, or -1
 * when a constant number differs (a veto, see drain.h); *den is the count
 * of positions compared: the template's constants (typed placeholders and
 * <*> are variables, equal or not).  A prefix (the error type, or the
 * evidence of a shim event), equal in every message of the leaf, is one
 * more constant that matches: "CLIError: Unknown command: <*>" repeats 3
 * of 4 constants where the bare text repeats 2 of 3. */
static int similar(const struct tm__drain *d, const struct tm__cluster *c,
                   char **tok, int ntok, int typed, int *den)
{
    int eq = typed && !(d->off & (TM_DRAIN_OFF_SIM | TM_DRAIN_OFF_TYPED));

    *den = eq;
    for (int i = 0; i < ntok; i++) {
        int same = strcmp(c->tok[i], tok[i]) == 0 ||
                   (!(d->off & TM_DRAIN_OFF_SKELETON) && skeleton_eq(c->tok[i], tok[i])) ||
                   (!(d->off & TM_DRAIN_OFF_DIGITS) && digits_differ(c->tok[i], tok[i]));
        int cv = is_var(c->tok[i], d->off), mv = is_var(tok[i], d->off);

        if (!same && !cv && !mv && (number_like(c->tok[i]) || number_like(tok[i])))
            return -1;
        if (d->off & TM_DRAIN_OFF_SIM) { /* the old measure */
            eq += same && strcmp(c->tok[i], WILD) != 0;
            (*den)++;
        } else {
            eq += same && !cv;
            *den += !cv;
        }
    }
    return eq;
}

/* Finds or makes the cluster of a message not seen before. */
static struct tm__cluster *place(struct tm__drain *d, const char *prefix,
                                 const char *masked)
{
    char *copy = strdup(masked), *tok[TM_DRAIN_TOKENS], key[512];
    struct tm__cluster *best = NULL, *c;
    struct tm__centry *leaf;
    int ntok, oom = 0, best_eq = -1, best_den = 1, depth;
    double bar = (d->off & TM_DRAIN_OFF_SIM) ? 0.6 : TM_DRAIN_SIM;
    size_t klen;

    if (copy == NULL)
        return NULL;
    ntok = split(copy, tok);
    /* The leaf: prefix, token count, first tokens. */
    klen = (size_t)snprintf(key, sizeof(key), "%s\x1f%d", prefix, ntok);
    depth = ntok < TM_DRAIN_DEPTH ? ntok : TM_DRAIN_DEPTH;
    for (int i = 0; i < depth && klen < sizeof(key); i++)
        klen += (size_t)snprintf(key + klen, sizeof(key) - klen, "\x1f%s",
                                 tree_token(tok[i], d->off));
    if (klen >= sizeof(key))
        klen = sizeof(key) - 1;
    leaf = tm__counter_add(&d->leaves, key, klen, 1, &oom);
    if (leaf == NULL) {
        free(copy);
        return NULL;
    }
    {
        struct tm__cluster *prev = NULL, *best_prev = NULL;
        int scanned = 0;
        for (c = leaf->data; c != NULL && scanned < TM_DRAIN_SCAN;
             prev = c, c = c->next, scanned++) {
            int den, eq = similar(d, c, tok, ntok,
                                 prefix[0] != '\0' && prefix[0] != TM_DRAIN_ERRNO_SEP, &den);
            if (den == 0)
                den = 1;
            if (eq >= 0 && (best == NULL || (double)eq / den > (double)best_eq / best_den)) {
                best_eq = eq;
                best_den = den;
                best = c;
                best_prev = prev;
            }
        }
        /* the most recently matched first: a leaf of many clusters is
         * scanned only as far as TM_DRAIN_SCAN */
        if (best != NULL && best_prev != NULL) {
            best_prev->next = best->next;
            best->next = leaf->data;
            leaf->data = best;
        }
    }
    if (best != NULL && ntok > 0 &&
        ((d->off & TM_DRAIN_OFF_SIM) ? (double)best_eq / best_den > bar
                                      : (double)best_eq / best_den >= bar)) {
        int changed = 0;
        for (int i = 0; i < ntok; i++)
            changed |= generalize(best->tok[i], tok[i], d->off);
        if (changed && join(best) != 0)
            best = NULL;
    } else if (best != NULL && ntok == 0) {
        /* the empty message */
    } else if (d->n < d->max && (best = new_cluster(prefix, masked, tok, ntok))) {
        best->next = leaf->data;
        leaf->data = best;
        d->n++;
    } else {
        best = NULL;
    }
    if (best != NULL)
        best->count++;
    free(copy);
    return best;
}

/* The token at position i of the masked part of a cache key ("prefix",
 * 0x1f, masked), copied into out (cap bytes, cut); the token count. */
static int key_tokens(const char *key, char *copy, size_t cap, char **tok)
{
    const char *m = strchr(key, '\x1f');
    size_t n;

    m = m != NULL ? m + 1 : key;
    n = strlen(m);
    if (n >= cap)
        n = cap - 1;
    memcpy(copy, m, n);
    copy[n] = '\0';
    return split(copy, tok);
}

struct tm__cluster *tm__drain_final(struct tm__cluster *c, const char *key)
{
    char copy[2048], *tok[TM_DRAIN_TOKENS];
    int ntok = -1;

    while (c != NULL && key != NULL && c->other != NULL) {
        if (ntok < 0)
            ntok = key_tokens(key, copy, sizeof(copy), tok);
        if (ntok != c->ntok || strcmp(tok[c->split_at], c->split_val) == 0)
            break;
        c = c->other;
    }
    return c;
}

/* Rebuilds c's tokens from one message (first) or turns the positions where
 * the message differs into <*>; returns 0 or -1. */
static int retemplate(struct tm__cluster *c, char **tok, int first, unsigned off)
{
    if (first) {
        size_t len = 0, at = 0;
        char *text;
        for (int i = 0; i < c->ntok; i++)
            len += (strlen(tok[i]) > 3 ? strlen(tok[i]) : 3) + 1;
        if ((text = malloc(len + 1)) == NULL)
            return -1;
        for (int i = 0; i < c->ntok; i++) {
            size_t k = strlen(tok[i]);
            memcpy(text + at, tok[i], k + 1);
            c->tok[i] = text + at;
            at += (k > 3 ? k : 3) + 1;
        }
        free(c->tok_text);
        c->tok_text = text;
        return 0;
    }
    for (int i = 0; i < c->ntok; i++)
        (void)generalize(c->tok[i], tok[i], off);
    return 0;
}

/* Counts, for every cluster, its messages and the values its <*> positions
 * take, into tally: key "cluster\x1fposition\x1fvalue", data the cluster. */
static int tally(struct tm__drain *d, struct tm__counter *t)
{
    char copy[2048], *tok[TM_DRAIN_TOKENS], key[2100];

    for (size_t j = 0; j < d->seen.cap; j++) {
        const struct tm__centry *e = &d->seen.v[j];
        struct tm__cluster *c;
        int ntok;

        if (e->key == NULL || e->data == NULL)
            continue;
        c = tm__drain_final(e->data, e->key);
        ntok = key_tokens(e->key, copy, sizeof(copy), tok);
        if (ntok != c->ntok)
            continue;
        c->settle_n += e->count;
        for (int i = 0; i < ntok; i++) {
            struct tm__centry *te;
            int oom = 0, n;
            if (strcmp(c->tok[i], WILD) != 0 || is_var(tok[i], d->off))
                continue;
            n = snprintf(key, sizeof(key), "%p\x1f%d\x1f%s", (void *)c, i, tok[i]);
            if (n < 0 || (size_t)n >= sizeof(key))
                continue;
            te = tm__counter_add(t, key, (size_t)n, e->count, &oom);
            if (oom)
                return -1;
            if (te != NULL)
                te->data = c;
        }
    }
    return 0;
}

/* Picks, for every cluster, the position to split at (see drain.h): the
 * value with the most messages that holds TM_DRAIN_SETTLED times for each
 * one that differs. */
static int choose(struct tm__counter *t)
{
    struct tm__counter values;
    int oom = 0;

    /* how many values each position takes: "cluster\x1fposition" */
    tm__counter_init(&values, TM_DRAIN_TALLY_MAX, NULL);
    for (size_t j = 0; j < t->cap && !oom; j++) {
        const struct tm__centry *e = &t->v[j];
        if (e->key != NULL && e->data != NULL)
            (void)tm__counter_add(&values, e->key,
                                  (size_t)(strrchr(e->key, '\x1f') - e->key), 1, &oom);
    }
    for (size_t j = 0; j < t->cap && !oom; j++) {
        const struct tm__centry *e = &t->v[j];
        struct tm__cluster *c = e->data;
        const char *p, *v;
        long long others;
        int at;

        if (e->key == NULL || c == NULL || c->other != NULL)
            continue;
        others = c->settle_n - e->count;
        if (others <= 0 || e->count < TM_DRAIN_SETTLED * others)
            continue;
        /* one exception, repeated or not, is another message; several
         * different ones are a variable with a frequent value ("for root",
         * "for ci", "for deploy") */
        {
            const struct tm__centry *nv = tm__counter_find(
                &values, e->key, (size_t)(strrchr(e->key, '\x1f') - e->key));
            if (nv == NULL || nv->count > 2)
                continue;
        }
        p = strchr(e->key, '\x1f') + 1;
        at = (int)strtol(p, NULL, 10);
        v = strchr(p, '\x1f') + 1;
        if (c->split_at >= 0 && c->split_at <= at)
            continue; /* one value at most qualifies per position: the
                         first position is taken */
        free(c->split_val);
        if ((c->split_val = strdup(v)) == NULL) {
            c->split_at = -1;
            oom = 1;
            break;
        }
        c->split_at = at;
    }
    tm__counter_free(&values);
    return oom ? -1 : 0;
}

/* Moves the messages of every chosen cluster that differ at its split
 * position into a new cluster after it in its leaf; rebuilds both
 * templates from their messages. */
static int divide(struct tm__drain *d)
{
    char copy[2048], *tok[TM_DRAIN_TOKENS];

    for (size_t j = 0; j < d->seen.cap; j++) {
        const struct tm__centry *e = &d->seen.v[j];
        struct tm__cluster *c, *o;
        int ntok;

        if (e->key == NULL || e->data == NULL)
            continue;
        c = tm__drain_final(e->data, e->key); /* splits of earlier calls */
        if (c->split_at < 0 || c->other != NULL)
            continue;
        ntok = key_tokens(e->key, copy, sizeof(copy), tok);
        if (ntok != c->ntok)
            continue;
        if (strcmp(tok[c->split_at], c->split_val) == 0) {
            if (retemplate(c, tok, c->settle_fresh == 0, d->off) != 0)
                return -1;
            if (!c->settle_fresh) /* its first message may have left */
                c->id = tm__hash64(e->key, strlen(e->key));
            c->settle_fresh = 1;
            continue;
        }
        if ((o = c->pending) == NULL) {
            const char *m = strchr(e->key, '\x1f');
            size_t plen = m != NULL ? (size_t)(m - e->key) : 0;
            char prefix[512];
            if (d->n >= d->max)
                continue; /* full: it stays where it was */
            if (plen >= sizeof(prefix))
                plen = sizeof(prefix) - 1;
            memcpy(prefix, e->key, plen);
            prefix[plen] = '\0';
            if ((o = new_cluster(prefix, m != NULL ? m + 1 : e->key, tok, ntok)) == NULL)
                return -1;
            o->settle_fresh = 1;
            o->next = c->next;
            c->next = o;
            c->pending = o;
            d->n++;
        } else if (retemplate(o, tok, 0, d->off) != 0) {
            return -1;
        }
        o->count += e->count;
        c->count -= e->count;
    }
    return 0;
}

/* Calls f on every cluster of the tree. */
static void join_cluster(struct tm__cluster *c)
{
    if (c->settle_fresh || c->other != NULL)
        (void)join(c); /* on failure the old text stays */
}

static void each_cluster(struct tm__drain *d, void (*f)(struct tm__cluster *))
{
    for (size_t j = 0; j < d->leaves.cap; j++)
        if (d->leaves.v[j].key != NULL)
            for (struct tm__cluster *c = d->leaves.v[j].data; c != NULL; c = c->next)
                f(c);
}

static void settle_begin(struct tm__cluster *c)
{
    c->settle_n = 0;
    c->settle_fresh = 0;
    c->pending = NULL;
    if (c->other == NULL && c->split_at >= 0) { /* chosen, never divided */
        c->split_at = -1;
        free(c->split_val);
        c->split_val = NULL;
    }
}

static void settle_end(struct tm__cluster *c)
{
    if (c->pending != NULL) {
        c->other = c->pending;
        c->pending = NULL;
    }
    if (c->split_at >= 0 && c->other == NULL) { /* nothing moved */
        c->split_at = -1;
        free(c->split_val);
        c->split_val = NULL;
    }
}

int tm__drain_settle(struct tm__drain *d)
{
    struct tm__counter t;
    int rc;

    if (d->off & TM_DRAIN_OFF_SETTLED)
        return 0;
    each_cluster(d, settle_begin);
    /* bounded: values beyond it are not counted, which only counts
     * against a split (they are among "the messages that differ") */
    tm__counter_init(&t, TM_DRAIN_TALLY_MAX, NULL);
    rc = tally(d, &t);
    if (rc == 0)
        rc = choose(&t);
    tm__counter_free(&t);
    if (rc == 0)
        rc = divide(d);
    each_cluster(d, settle_end);
    each_cluster(d, join_cluster);
    return rc;
}
