/*
 * sanitize.h - the privacy scrubber (README, "Privacy").
 *
 * The rules are one table (rules.c): name, TRE pattern, marker, literal
 * prefilters, validator.  Every rule runs on the original text and reports
 * spans; overlapping spans merge (the earlier rule names the marker) and the
 * output is built once, so a marker is never matched again.
 *
 * Matching runs in the C locale (uselocale), so invalid UTF-8 cannot make a
 * match fail.  After tm__scrub_init() has succeeded, tm__scrub() allocates
 * nothing of its own and takes no lock; TRE's parallel matcher allocates a
 * work area per call.
 */
#ifndef TM_SANITIZE_H
#define TM_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

#define TM_SCRUB_INPUT_MAX 65536 /* input is cut before scrubbing */
#define TM_SCRUB_ERROR "***SCRUB-ERROR***"

struct tm__span {
    uint32_t so, eo;   /* byte range in the input */
    uint16_t rule;     /* index in the rule table: lower wins */
    uint16_t user;     /* the span is a user name found in a home path */
};

/* Compiles the rule table once (thread-safe; later calls return the first
 * result).  Returns 0 or TM_ESCRUB.  Allocates the compiled rules, owned by
 * the module for the life of the process. */
int tm__scrub_init(void);

/* Length to keep of an input of n bytes: n, or the last whitespace before
 * `limit`, or a UTF-8 boundary at `limit` when there is none. */
size_t tm__scrub_cut(const char *s, size_t n, size_t limit);

/* Output room that always suffices for n bytes of input (NUL included). */
#define TM_SCRUB_OUT_SIZE(n) (3 * (n) + 64)

/*
 * Scrubs s[0..n) (cut to TM_SCRUB_INPUT_MAX first) into out (cap bytes,
 * NUL-terminated; the output is cut when cap is short, never inside a
 * marker).  `spans` is scratch room for `nspans` spans (n + 16 covers any
 * text with fewer matches than bytes).  Returns the output length.  When
 * the engine fails, or the scratch room runs out, the output is
 * TM_SCRUB_ERROR (fail closed).
 * Calls tm__scrub_init() itself.  Thread-safe.
 */
size_t tm__scrub(const char *s, size_t n, char *out, size_t cap,
                 struct tm__span *spans, size_t nspans);

/* A word replaced wherever it stands as a whole word or path segment (a
 * private repository's name, replaced by its stored hash: README,
 * "Privacy").  Matched without regard to case; a secret overlapping it
 * keeps the secret's marker. */
struct tm__scrub_word {
    const char *word; /* NULL or "": none */
    const char *marker;
};

/* tm__scrub, with `word` (may be NULL) replaced too.  Allocation-free. */
size_t tm__scrub_word(const char *s, size_t n, char *out, size_t cap,
                      struct tm__span *spans, size_t nspans,
                      const struct tm__scrub_word *word);

/* tm__scrub_dup with `word` (may be NULL) replaced too. */
char *tm__scrub_word_dup(const char *s, size_t n,
                         const struct tm__scrub_word *word);

/* The length to keep of s[0..n) when it must fit in `limit` bytes, at a
 * point no secret can straddle: the partial token at the cut goes, then
 * the whole path segments before it that read as pieces of a base64
 * string (letters and digits that are not words), or the whole run of
 * token characters and slashes when it reads as one random string.  So no
 * prefix of a secret, too short for its rule, is left for the scrubber to
 * miss.  Pure, allocation-free, async-signal-safe: the shim cuts a path
 * with it before the path is scrubbed. */
size_t tm__scrub_safe_cut(const char *s, size_t n, size_t limit);

/* Copies src into dst (cap bytes with the NUL), cut by
 * tm__scrub_safe_cut.  Returns the length copied. */
size_t tm__scrub_copy_path(char *dst, size_t cap, const char *src);

/* Convenience for non-signal contexts: a malloc'ed scrubbed copy of
 * s[0..n) the caller frees, or NULL when out of memory. */
char *tm__scrub_dup(const char *s, size_t n);

/* ---- the rule table (rules.c) ---- */

struct tm__cand {
    const char *s; /* the whole text */
    size_t n;
    size_t mso, meo; /* the whole match */
    size_t so, eo;   /* the span to replace; a validator may narrow it */
    const char *key_end; /* for key=value rules: where the key ends */
    /* Kept across the candidates of one scan, for a validator that looks
     * back: the start of the word the last candidate was in (word_start)
     * and where that candidate started (word_seen); 0, 0 at first. */
    size_t word_start, word_seen;
};

/* A cheap condition on the whole text without which a rule cannot match:
 * most lines skip most rules without running the regex engine. */
enum tm__need {
    TM_NEED_NONE,
    TM_NEED_DIGITS10,  /* 10+ digits in one run of [0-9 ().-] (phones) */
    TM_NEED_DIGITS13,  /* 13+ digits in one run of [0-9 -] (cards) */
    TM_NEED_DOTTED,    /* 3 dots in one run of [0-9.] after a digit (IPv4) */
    TM_NEED_PLUSDIGIT, /* '+', 1-9, then 7 of [0-9 ().-] (international phones) */
    TM_NEED_RUN32,     /* 32+ [A-Za-z0-9] in a row (long tokens) */
    TM_NEED_RUN40,     /* 40+ base64 characters in a row (blobs) */
    TM_NEED_DOTRUN23   /* base64url runs of 23-28, '.', 6-7, '.' (Discord) */
};

/* Provider tokens recognised by a literal prefix and the characters that
 * may follow it: scanned in C, without the regex engine. */
enum tm__pclass {
    TM_PC_ALNUM, /* [A-Za-z0-9] */
    TM_PC_URL,   /* [A-Za-z0-9_-] */
    TM_PC_B64,   /* [A-Za-z0-9_+/=-] */
    TM_PC_DOT    /* [A-Za-z0-9_.=-] */
};

struct tm__prefix {
    char lit[24];            /* case-sensitive; an array, not a pointer:
                                nothing to relocate at start */
    enum tm__pclass cls;     /* what the rest is made of */
    unsigned char min;       /* at least this many of them */
};

extern const struct tm__prefix tm__prefixes[];
extern const size_t tm__nprefixes;

#define TM_RULE_PRE 12

/* What a candidate match must also pass to be a secret (rules.c): one
 * function v_NAME each; by number in the table, not by pointer (a table of
 * pointers is relocated, and its page copied, in every process). */
#define TM_RULE_CHECKS(X)                                                      \
    X(authz) X(bearer) X(blob) X(boundary) X(card) X(dashhome) X(discord)      \
    X(email) X(header) X(home) X(ipv4) X(keyvalue) X(long) X(mysql)           \
    X(option) X(phone) X(pwopt) X(sk) X(urlpass) X(word)
enum tm__check {
    TM_CHECK_NONE, /* accept */
#define TM__CHECK_ENUM(name) TM_CHECK_##name,
    TM_RULE_CHECKS(TM__CHECK_ENUM)
#undef TM__CHECK_ENUM
};

/* The spans found in C, without the regex engine (rules.c: scan_NAME). */
#define TM_RULE_SCANS(X) X(query)
enum tm__scan {
    TM_SCAN_PREFIXES, /* the provider prefix table */
#define TM__SCAN_ENUM(name) TM_SCAN_##name,
    TM_RULE_SCANS(TM__SCAN_ENUM)
#undef TM__SCAN_ENUM
};

/* Texts are arrays, not pointers, for the same reason: the table is read
 * only at the first scrub, never relocated.  test_sanitize checks every
 * text ends inside its array. */
#define TM_RULE_LIT 20 /* a literal, its NUL included */
struct tm__rule {
    char name[24];
    char pattern[304];   /* POSIX extended, for TRE; "": scanned in C */
    int icase;           /* compile with REG_ICASE */
    int group;           /* submatch whose span is replaced; 0: whole */
    char marker[24];
    char pre[TM_RULE_PRE][TM_RULE_LIT]; /* run only if one occurs; {""}:
                                           always */
    enum tm__check valid;
    int user;            /* the span is a user name (home path rules) */
    enum tm__need need;  /* checked before the literals */
    /* A match starts at most lead - 1 bytes before the first occurrence of
     * one of the literals, so the scan starts there (0: anywhere). */
    unsigned lead;
    /* With no pattern: tm__rule_scan finds the next span at or after
     * `from`, sets *so, *eo and returns where to go on (0: none). */
    enum tm__scan scan;
};

/* The rule's check on a candidate: nonzero accepts it. */
int tm__rule_check(enum tm__check check, struct tm__cand *c);
/* The rule's scan (enum tm__scan; not for TM_SCAN_PREFIXES). */
size_t tm__rule_scan(enum tm__scan scan, const char *s, size_t n, size_t from,
                     size_t *so, size_t *eo);

extern const struct tm__rule tm__rules[];
/* Tests only: nonzero skips every rule's `need` check, to prove each one a
 * necessary condition of its rule (same output).  The literals stay: some
 * are context a rule requires (mysql_password's program names), not only
 * a filter. */
extern int tm__scrub_no_prefilter;
extern const size_t tm__nrules;

/* A path segment made of words, not a random string: "UserProfile",
 * "lib", "python3", "" (letters, never two capitals in a row, then
 * digits). */
int tm__word_segment(const char *s, size_t n);

/* User names that are never propagated through a message. */
int tm__generic_user(const char *s, size_t n);

#endif
