/*
 * sanitize.c - the span-model scrubbing engine over the rule table.
 */
#include "sanitize.h"

#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <tre/tre.h>

#include "jsonw.h"
#include "strutil.h"
#include "telemetry.h"

#define MAX_RULES 64
#define MAX_GROUPS 8
#define MAX_USERS 8

static regex_t compiled[MAX_RULES];

/* Literal prefilters indexed by their first byte (lowercased), so one pass
 * over the text finds which rules' literals occur. */
#define MAX_LITERALS 255
static struct literal {
    unsigned char rule;
    unsigned char icase;
    const char *text;
    size_t len;
} literals[MAX_LITERALS];
static unsigned char bucket_start[257]; /* literals sorted by first byte */
/* Which pairs of bytes (both lowercased) begin a literal: bit b of row a
 * when some literal starts with a, b (a literal of one byte sets its whole
 * row).  Most bytes of a text begin no literal's pair, and are passed
 * over without looking at their bucket. */
static unsigned char pair_bits[256][32];
/* And past a pair that begins only literals of three bytes or more (not
 * set in pair_short), the first three bytes' hash must be one of theirs. */
static unsigned char pair_short[256][32];
static uint64_t tri_bits[1024];
/* The provider prefixes' first two bytes (exact), as pair_bits. */
static unsigned char pfx_pair[256][32];

static unsigned tri_hash(unsigned a, unsigned b, unsigned c)
{
    return ((a * 961u + b * 31u + c) * 2654435761u) >> 16 & 0xffffu;
}
/* Bit i: rule i has literals; rules by what their need asks (enum
 * tm__need): a text's candidate rules are found with a few masks, not a
 * test per rule. */
static uint64_t lit_rules, need_rules[TM_NEED_DOTRUN23 + 1];
_Static_assert(MAX_RULES <= 64, "the rule masks are one 64-bit word");
/* The provider prefix table (rules.c), indexed the same way by its exact
 * first byte. */
#define MAX_PREFIXES 512
static unsigned short pfx_order[MAX_PREFIXES];
static unsigned char pfx_len[MAX_PREFIXES]; /* by table index */
static unsigned short pfx_start[257];
static locale_t c_locale;
static int init_result = TM_ESCRUB;
static int init_state; /* 0 none, 1 running, 2 done */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Sorts the rules' literals into buckets by first byte (counting sort). */
static int index_literals(void)
{
    struct literal tmp[MAX_LITERALS];
    unsigned count[256] = {0};
    size_t n = 0;

    for (size_t i = 0; i < tm__nrules; i++)
        for (int j = 0; j < TM_RULE_PRE && tm__rules[i].pre[j][0]; j++) {
            const char *t = tm__rules[i].pre[j];
            if (n == MAX_LITERALS)
                return -1;
            /* An icase literal is looked up by its lowercase first byte; a
             * case-sensitive one must be found under either case. */
            tmp[n] = (struct literal){(unsigned char)i,
                                      (unsigned char)tm__rules[i].icase, t,
                                      strlen(t)};
            lit_rules |= (uint64_t)1 << i;
            count[tm__to_lower((unsigned char)t[0])]++;
            n++;
        }
    bucket_start[0] = 0;
    for (int c = 0; c < 256; c++)
        bucket_start[c + 1] = (unsigned char)(bucket_start[c] + count[c]);
    memset(count, 0, sizeof(count));
    for (size_t k = 0; k < n; k++) {
        unsigned char c = tm__to_lower((unsigned char)tmp[k].text[0]);
        unsigned char c1 = tm__to_lower((unsigned char)tmp[k].text[1]);

        literals[bucket_start[c] + count[c]++] = tmp[k];
        if (tmp[k].len == 1) {
            memset(pair_bits[c], 0xff, sizeof(pair_bits[c]));
            memset(pair_short[c], 0xff, sizeof(pair_short[c]));
            continue;
        }
        pair_bits[c][c1 >> 3] |= (unsigned char)(1u << (c1 & 7));
        if (tmp[k].len == 2) {
            pair_short[c][c1 >> 3] |= (unsigned char)(1u << (c1 & 7));
        } else {
            unsigned h = tri_hash(c, c1, (unsigned char)tm__to_lower((unsigned char)tmp[k].text[2]));
            tri_bits[h >> 6] |= (uint64_t)1 << (h & 63);
        }
    }
    return 0;
}

static int index_prefixes(void)
{
    unsigned count[256] = {0};

    if (tm__nprefixes > MAX_PREFIXES)
        return -1;
    for (size_t k = 0; k < tm__nprefixes; k++) {
        size_t len = strlen(tm__prefixes[k].lit);
        if (len < 2 || len > 255)
            return -1;
        pfx_len[k] = (unsigned char)len;
        count[(unsigned char)tm__prefixes[k].lit[0]]++;
        pfx_pair[(unsigned char)tm__prefixes[k].lit[0]]
                [(unsigned char)tm__prefixes[k].lit[1] >> 3] |=
            (unsigned char)(1u << ((unsigned char)tm__prefixes[k].lit[1] & 7));
    }
    pfx_start[0] = 0;
    for (int c = 0; c < 256; c++)
        pfx_start[c + 1] = (unsigned short)(pfx_start[c] + count[c]);
    memset(count, 0, sizeof(count));
    for (size_t k = 0; k < tm__nprefixes; k++) {
        unsigned char c = (unsigned char)tm__prefixes[k].lit[0];
        pfx_order[pfx_start[c] + count[c]++] = (unsigned short)k;
    }
    return 0;
}

/* The byte classes stats() counts runs of, one load per byte.  C_CARD and
 * C_PHONE: the bytes a card's or a phone's run is made of (C_DIGIT the
 * ones counted); C_B64, C_URL: base64's and base64url's alphabets. */
enum {
    C_DIGIT = 1, /* must be 1: a run adds (class & C_DIGIT) */
    C_ALNUM = 2,
    C_B64 = 4,
    C_URL = 8,
    C_CARD = 16,
    C_PHONE = 32,
    C_DOT = 64,
    C_PLUS = 128
};
static unsigned char byte_class[256];

static void index_classes(void)
{
    for (int c = 0; c < 256; c++) {
        int digit = c >= '0' && c <= '9';
        int an = digit || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        int sep = c == ' ' || c == '-';

        byte_class[c] = (unsigned char)(
            (digit ? C_DIGIT : 0) | (an ? C_ALNUM : 0) |
            (an || c == '+' || c == '/' || c == '_' || c == '-' ? C_B64 : 0) |
            (an || c == '_' || c == '-' ? C_URL : 0) |
            (digit || sep ? C_CARD : 0) |
            (digit || sep || c == '(' || c == ')' || c == '.' ? C_PHONE : 0) |
            (c == '.' ? C_DOT : 0) | (c == '+' ? C_PLUS : 0));
    }
}

static void compile_all(void)
{
    locale_t prev;
    size_t i;

    index_classes();
    if (tm__nrules > MAX_RULES || index_literals() != 0 ||
        index_prefixes() != 0)
        return;
    for (i = 0; i < tm__nrules; i++) {
        if ((unsigned)tm__rules[i].need > TM_NEED_DOTRUN23)
            return;
        need_rules[tm__rules[i].need] |= (uint64_t)1 << i;
    }
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return;
    prev = uselocale(c_locale);
    for (i = 0; i < tm__nrules; i++) {
        const struct tm__rule *r = &tm__rules[i];
        int fl = REG_EXTENDED | (r->icase ? REG_ICASE : 0);
        if (r->pattern[0] != '\0' &&
            tre_regncomp(&compiled[i], r->pattern, strlen(r->pattern), fl) != 0)
            break;
    }
    uselocale(prev);
    if (i < tm__nrules) {
        while (i-- > 0)
            if (tm__rules[i].pattern[0] != '\0')
                tre_regfree(&compiled[i]);
        return;
    }
    init_result = 0;
}

static void init_once(void)
{
    __atomic_store_n(&init_state, 1, __ATOMIC_RELEASE);
    compile_all();
    __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

int tm__scrub_init(void)
{
    /* A signal handler that interrupts the compilation in this thread must
     * not wait on it: it fails closed instead. */
    if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == 1)
        return TM_ESCRUB;
    pthread_once(&once, init_once);
    return init_result;
}

size_t tm__scrub_cut(const char *s, size_t n, size_t limit)
{
    if (n <= limit)
        return n;
    for (size_t i = limit; i > 0; i--) {
        char ch = s[i - 1];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
            return i - 1;
    }
    return tm__utf8_cut(s, n, limit);
}

/* Sets found[rule] to 1 + the offset of the first occurrence in s[0..n)
 * of one of the rule's literals (0: none). */
static void find_literals(const char *s, size_t n, uint32_t *found,
                          uint64_t *found_mask)
{
    for (size_t p = 0; p < n; p++) {
        unsigned char c = tm__to_lower((unsigned char)s[p]);
        unsigned char c1;

        if (p + 1 < n) {
            c1 = tm__to_lower((unsigned char)s[p + 1]);
            if (!(pair_bits[c][c1 >> 3] & (1u << (c1 & 7))))
                continue;
            if (!(pair_short[c][c1 >> 3] & (1u << (c1 & 7)))) {
                unsigned h;
                if (p + 2 >= n)
                    continue; /* three bytes or more do not fit */
                h = tri_hash(c, c1, (unsigned char)tm__to_lower((unsigned char)s[p + 2]));
                if (!(tri_bits[h >> 6] & ((uint64_t)1 << (h & 63))))
                    continue;
            }
        }
        for (unsigned k = bucket_start[c]; k < bucket_start[c + 1]; k++) {
            const struct literal *l = &literals[k];
            size_t j = 0;

            if (found[l->rule] || l->len > n - p)
                continue;
            if (l->icase) {
                while (j < l->len && tm__to_lower((unsigned char)s[p + j]) == tm__to_lower((unsigned char)l->text[j]))
                    j++;
            } else {
                while (j < l->len && s[p + j] == l->text[j])
                    j++;
            }
            if (j == l->len) {
                found[l->rule] = (uint32_t)p + 1;
                *found_mask |= (uint64_t)1 << l->rule;
            }
        }
    }
}

/* What the needs of the rule table look at, from one pass over the text. */
struct text_stats {
    /* The most digits in one run of [0-9 -] (a card's bytes) and in one
     * run of [0-9 ().-] (a North American phone's bytes): every match of
     * those rules lies inside one such run. */
    size_t card_digits, phone_digits, run_alnum, run_b64;
    /* Three dots in one run of [0-9.] with a digit before the first (an
     * IPv4 address's bytes: "3.11.so.1.0" in a backtrace has none). */
    int dotted, plus_digit, dotrun23;
};

/* A necessary condition of phone_international ("\\+[1-9][0-9 ().-]{6,20}[0-9]"):
 * '+', a digit 1-9, then at least 7 bytes of [0-9 ().-] (the 6 of the
 * repeat and the final digit).  "fail+0x11ca", a backtrace entry, has
 * '+' and a digit but can never match: its regex is not run. */
static int phone_start(const char *s, size_t n)
{
    if (n < 9 || s[1] < '1' || s[1] > '9')
        return 0;
    for (size_t k = 2; k < 9; k++)
        if (!((s[k] >= '0' && s[k] <= '9') || s[k] == ' ' || s[k] == '(' ||
              s[k] == ')' || s[k] == '.' || s[k] == '-'))
            return 0;
    return 1;
}

static void stats(const char *s, size_t n, struct text_stats *t)
{
    size_t alnum = 0, b64 = 0, url = 0, card = 0, phone = 0;
    size_t max_card = 0, max_phone = 0, max_alnum = 0, max_b64 = 0;
    int dot_state = 0, dots = -1; /* dots in this run of [0-9.], -1: no digit yet */

    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < n; i++) {
        unsigned k = byte_class[(unsigned char)s[i]];

        card = k & C_CARD ? card + (k & C_DIGIT) : 0;
        phone = k & C_PHONE ? phone + (k & C_DIGIT) : 0;
        alnum = k & C_ALNUM ? alnum + 1 : 0;
        b64 = k & C_B64 ? b64 + 1 : 0;
        max_card = card > max_card ? card : max_card;
        max_phone = phone > max_phone ? phone : max_phone;
        max_alnum = alnum > max_alnum ? alnum : max_alnum;
        max_b64 = b64 > max_b64 ? b64 : max_b64;
        if (!(k & C_URL)) {
            /* base64url runs of 23-28 and 6-7 characters, each then a dot */
            if (k & C_DOT) {
                if (dot_state && url >= 6 && url <= 7)
                    t->dotrun23 = 1;
                dot_state = url >= 23 && url <= 28;
            } else {
                dot_state = 0;
            }
            url = 0;
        } else {
            url++;
        }
        if (k & C_DIGIT)
            dots = dots < 0 ? 0 : dots;
        else if (!(k & C_DOT))
            dots = -1;
        else if (dots >= 0 && ++dots >= 3)
            t->dotted = 1;
        if ((k & C_PLUS) && !t->plus_digit && phone_start(s + i, n - i))
            t->plus_digit = 1;
    }
    t->card_digits = max_card;
    t->phone_digits = max_phone;
    t->run_alnum = max_alnum;
    t->run_b64 = max_b64;
}

static int need_met(enum tm__need need, const struct text_stats *t)
{
    switch (need) {
    case TM_NEED_NONE: return 1;
    case TM_NEED_DIGITS10: return t->phone_digits >= 10;
    case TM_NEED_DIGITS13: return t->card_digits >= 13;
    case TM_NEED_DOTTED: return t->dotted;
    case TM_NEED_PLUSDIGIT: return t->plus_digit;
    case TM_NEED_RUN32: return t->run_alnum >= 32;
    case TM_NEED_RUN40: return t->run_b64 >= 40;
    case TM_NEED_DOTRUN23: return t->dotrun23;
    }
    return 1;
}

int tm__scrub_no_prefilter;

/* The rules worth running on a text: those whose need it meets (all with
 * tm__scrub_no_prefilter) and whose literals it holds, if they have any. */
static uint64_t candidates(const struct text_stats *t, uint64_t found_mask)
{
    uint64_t all = tm__nrules >= 64 ? ~(uint64_t)0
                                    : ((uint64_t)1 << tm__nrules) - 1;
    uint64_t met = 0;

    for (int need = TM_NEED_NONE; need <= TM_NEED_DOTRUN23; need++)
        if (need_rules[need] &&
            (tm__scrub_no_prefilter || need_met((enum tm__need)need, t)))
            met |= need_rules[need];
    return met & (~lit_rules | found_mask) & all;
}

struct span_set {
    struct tm__span *v;
    size_t n, cap;
};

static int add_span(struct span_set *ss, size_t so, size_t eo, size_t rule,
                    int user)
{
    if (ss->n == ss->cap)
        return -1;
    ss->v[ss->n].so = (uint32_t)so;
    ss->v[ss->n].eo = (uint32_t)eo;
    ss->v[ss->n].rule = (uint16_t)rule;
    ss->v[ss->n].user = (uint16_t)user;
    ss->n++;
    return 0;
}

/* Runs one rule over the text; returns 0, or -1 on engine error / no room. */
static int run_rule(size_t ri, const char *s, size_t n, struct span_set *ss,
                    uint32_t first)
{
    const struct tm__rule *r = &tm__rules[ri];
    regmatch_t m[MAX_GROUPS];
    size_t pos = 0;
    size_t word_start = 0, word_seen = 0;

    if (r->lead > 0 && first > r->lead)
        pos = first - r->lead;
    while (pos < n) {
        struct tm__cand c;
        int rc = tre_regnexec(&compiled[ri], s + pos, n - pos, MAX_GROUPS, m,
                              pos > 0 ? REG_NOTBOL : 0);
        if (rc == REG_NOMATCH)
            return 0;
        if (rc != REG_OK)
            return -1;
        c.s = s;
        c.n = n;
        c.mso = pos + (size_t)m[0].rm_so;
        c.meo = pos + (size_t)m[0].rm_eo;
        c.so = c.mso;
        c.eo = c.meo;
        c.key_end = s + c.mso;
        c.word_start = word_start;
        c.word_seen = word_seen;
        if (r->group > 0 && m[r->group].rm_so >= 0) {
            c.so = pos + (size_t)m[r->group].rm_so;
            c.eo = pos + (size_t)m[r->group].rm_eo;
            if (r->group >= 2 && m[r->group - 1].rm_so >= 0)
                c.key_end = s + pos + (size_t)m[r->group - 1].rm_so;
        }
        if (c.meo == c.mso) { /* empty match: step over one byte */
            pos = c.mso + 1;
            continue;
        }
        if (c.eo > c.so && tm__rule_check(r->valid, &c))
            if (add_span(ss, c.so, c.eo, ri, r->user) < 0)
                return -1;
        word_start = c.word_start;
        word_seen = c.word_seen;
        /* Resume after the match or the rejected candidate, never inside:
         * that keeps the whole scan linear in the input. */
        pos = c.meo;
    }
    return 0;
}

static int in_class(enum tm__pclass cls, int c)
{
    int an = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');

    switch (cls) {
    case TM_PC_ALNUM: return an;
    case TM_PC_URL: return an || c == '_' || c == '-';
    case TM_PC_B64: return an || c == '_' || c == '-' || c == '+' || c == '/' || c == '=';
    case TM_PC_DOT: return an || c == '_' || c == '-' || c == '.' || c == '=';
    }
    return 0;
}

/* The provider prefix table: at each prefix that starts a token, the run
 * of its class that follows; long enough and with a digit, it is a token.
 * One pass, resuming after each token: linear. */
static int run_prefixes(size_t ri, const char *s, size_t n, struct span_set *ss)
{
    /* Per class, the last run scanned and its last digit: a prefix inside
     * that run reuses it instead of scanning it again (linear). */
    size_t run_from[4] = {0}, run_to[4] = {0}, digit_at[4] = {0};

    for (size_t p = 0; p < n; p++) {
        unsigned char c = (unsigned char)s[p];

        if (pfx_start[c] == pfx_start[c + 1] || p + 1 >= n ||
            !(pfx_pair[c][(unsigned char)s[p + 1] >> 3] &
              (1u << ((unsigned char)s[p + 1] & 7))))
            continue;
        if (p > 0) {
            unsigned char b = (unsigned char)s[p - 1];
            if ((b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z'))
                continue;
        }
        for (unsigned k = pfx_start[c]; k < pfx_start[c + 1]; k++) {
            const struct tm__prefix *x = &tm__prefixes[pfx_order[k]];
            size_t len = pfx_len[pfx_order[k]], e;
            int digit = 0;

            if (len > n - p || s[p + 1] != x->lit[1] ||
                memcmp(s + p, x->lit, len) != 0)
                continue;
            if (p + len >= run_from[x->cls] && p + len <= run_to[x->cls]) {
                e = run_to[x->cls];
            } else {
                run_from[x->cls] = p + len;
                digit_at[x->cls] = 0;
                for (e = p + len; e < n && in_class(x->cls, (unsigned char)s[e]); e++)
                    if (s[e] >= '0' && s[e] <= '9')
                        digit_at[x->cls] = e + 1;
                run_to[x->cls] = e;
            }
            digit = digit_at[x->cls] > p + len;
            if (e - p - len < x->min || !digit)
                continue;
            if (add_span(ss, p, e, ri, 0) < 0)
                return -1;
            p = e - 1;
            break;
        }
    }
    return 0;
}

/* A rule scanned in C: its spans, from near its first literal on. */
static int run_scan(size_t ri, const char *s, size_t n, struct span_set *ss,
                    uint32_t first)
{
    const struct tm__rule *r = &tm__rules[ri];
    size_t pos = 0, so, eo;

    if (r->lead > 0 && first > r->lead)
        pos = first - r->lead;
    while (pos < n && (pos = tm__rule_scan(r->scan, s, n, pos, &so, &eo)) != 0)
        if (add_span(ss, so, eo, ri, r->user) < 0)
            return -1;
    return 0;
}

/* A user name found in a home path is redacted wherever else it stands in
 * the message as a whole word, unless it is a generic account name. */
static int propagate_users(const char *s, size_t n, struct span_set *ss)
{
    struct tm__span users[MAX_USERS];
    size_t nu = 0, base = ss->n;

    for (size_t i = 0; i < base && nu < MAX_USERS; i++) {
        size_t len = ss->v[i].eo - ss->v[i].so;
        int dup = 0;

        if (!ss->v[i].user || len < 2 || len > 64 ||
            tm__generic_user(s + ss->v[i].so, len))
            continue;
        for (size_t j = 0; j < nu; j++)
            dup |= users[j].eo - users[j].so == len &&
                   memcmp(s + users[j].so, s + ss->v[i].so, len) == 0;
        if (!dup)
            users[nu++] = ss->v[i];
    }
    for (size_t u = 0; u < nu; u++) {
        const char *name = s + users[u].so;
        size_t len = users[u].eo - users[u].so, pos = 0;
        const char *hit;

        while (pos < n &&
               (hit = memmem(s + pos, n - pos, name, len)) != NULL) {
            size_t at = (size_t)(hit - s);
            if ((at == 0 || !tm__is_word((unsigned char)s[at - 1])) &&
                (at + len == n || !tm__is_word((unsigned char)s[at + len])))
                if (add_span(ss, at, at + len, users[u].rule, 0) < 0)
                    return -1;
            pos = at + len;
        }
    }
    return 0;
}

static int span_less(const struct tm__span *a, const struct tm__span *b)
{
    return a->so < b->so || (a->so == b->so && a->rule < b->rule);
}

/* Heap sort: no allocation, O(k log k) even on hostile input. */
static void sift(struct tm__span *v, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        struct tm__span t;

        if (child >= n)
            return;
        if (child + 1 < n && span_less(&v[child], &v[child + 1]))
            child++;
        if (!span_less(&v[root], &v[child]))
            return;
        t = v[root];
        v[root] = v[child];
        v[child] = t;
        root = child;
    }
}

static void sort_spans(struct tm__span *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(v, i, n);
    for (size_t end = n; end-- > 1;) {
        struct tm__span t = v[0];
        v[0] = v[end];
        v[end] = t;
        sift(v, 0, end);
    }
}

/* Merges overlapping spans in place; the lowest rule index names the
 * merged span.  Returns the new count. */
static size_t merge_spans(struct tm__span *v, size_t n)
{
    size_t out = 0;

    for (size_t i = 0; i < n; i++) {
        if (out > 0 && v[i].so < v[out - 1].eo) {
            if (v[i].eo > v[out - 1].eo)
                v[out - 1].eo = v[i].eo;
            if (v[i].rule < v[out - 1].rule)
                v[out - 1].rule = v[i].rule;
        } else {
            v[out++] = v[i];
        }
    }
    return out;
}

static size_t fail_closed(char *out, size_t cap)
{
    size_t k = sizeof(TM_SCRUB_ERROR) - 1;

    if (cap == 0)
        return 0;
    if (k > cap - 1)
        k = 0;
    memcpy(out, TM_SCRUB_ERROR, k);
    out[k] = '\0';
    return k;
}

/* The word's whole-word occurrences (case ignored): no letter, digit, '_',
 * '-' or '.' glued before it, no letter, digit, '_' or '-' after it. */
static int word_spans(const char *s, size_t n, const struct tm__scrub_word *w,
                      struct span_set *ss)
{
    size_t k = strlen(w->word);

    if (k == 0 || k > n)
        return 0;
    for (size_t p = 0; p + k <= n; p++) {
        size_t j = 0;
        int b, a;

        while (j < k && tm__to_lower((unsigned char)s[p + j]) == tm__to_lower((unsigned char)w->word[j]))
            j++;
        if (j < k)
            continue;
        b = p > 0 ? (unsigned char)s[p - 1] : ' ';
        a = p + k < n ? (unsigned char)s[p + k] : ' ';
        if (tm__is_word(b) || b == '-' || b == '.' || tm__is_word(a) || a == '-')
            continue;
        if (add_span(ss, p, p + k, tm__nrules, 0) < 0)
            return -1;
        p += k - 1;
    }
    return 0;
}

size_t tm__scrub(const char *s, size_t n, char *out, size_t cap,
                 struct tm__span *spans, size_t nspans)
{
    return tm__scrub_word(s, n, out, cap, spans, nspans, NULL);
}

size_t tm__scrub_word(const char *s, size_t n, char *out, size_t cap,
                      struct tm__span *spans, size_t nspans,
                      const struct tm__scrub_word *word)
{
    struct span_set ss = {spans, 0, nspans};
    struct text_stats st;
    uint32_t found[MAX_RULES];
    uint64_t found_mask = 0, cand;
    locale_t prev;
    struct tm__buf b = {out, cap, 0};
    size_t at = 0;
    int rc = 0;

    if (cap == 0)
        return 0;
    if (tm__scrub_init() != 0)
        return fail_closed(out, cap);
    n = tm__scrub_cut(s, n, TM_SCRUB_INPUT_MAX);
    stats(s, n, &st);
    memset(found, 0, sizeof(found));
    find_literals(s, n, found, &found_mask);
    cand = candidates(&st, found_mask);
    prev = uselocale(c_locale);
    while (cand != 0 && rc == 0) { /* in the table's order */
        size_t i = (size_t)__builtin_ctzll(cand);

        cand &= cand - 1;
        rc = tm__rules[i].pattern[0] != '\0'
                 ? run_rule(i, s, n, &ss, found[i])
             : tm__rules[i].scan != TM_SCAN_PREFIXES
                 ? run_scan(i, s, n, &ss, found[i])
                 : run_prefixes(i, s, n, &ss);
    }
    uselocale(prev);
    if (rc == 0)
        rc = propagate_users(s, n, &ss);
    if (rc == 0 && word != NULL && word->word != NULL && word->marker != NULL)
        rc = word_spans(s, n, word, &ss);
    if (rc != 0)
        return fail_closed(out, cap);
    sort_spans(ss.v, ss.n);
    ss.n = merge_spans(ss.v, ss.n);
    for (size_t i = 0; i < ss.n && rc == 0; i++) {
        const char *mk = ss.v[i].rule < tm__nrules
                             ? tm__rules[ss.v[i].rule].marker
                             : word->marker;
        /* text is cut at a character, a marker goes whole or not at all */
        rc = tm__buf_put_utf8(&b, s + at, ss.v[i].so - at);
        if (rc == 0)
            rc = tm__buf_put_whole(&b, mk, strlen(mk));
        at = ss.v[i].eo;
    }
    if (rc == 0)
        tm__buf_put_utf8(&b, s + at, n - at);
    out[b.len] = '\0';
    return b.len;
}

char *tm__scrub_dup(const char *s, size_t n)
{
    return tm__scrub_word_dup(s, n, NULL);
}

char *tm__scrub_word_dup(const char *s, size_t n,
                         const struct tm__scrub_word *word)
{
    size_t cut = tm__scrub_cut(s, n, TM_SCRUB_INPUT_MAX);
    size_t cap = TM_SCRUB_OUT_SIZE(cut);
    size_t nsp = cut + 16;
    struct tm__span *sp = malloc(nsp * sizeof(*sp));
    char *out = malloc(cap);

    if (sp == NULL || out == NULL) {
        free(sp);
        free(out);
        return NULL;
    }
    tm__scrub_word(s, cut, out, cap, sp, nsp, word);
    free(sp);
    return out;
}

/* Token characters: what a secret's unbroken run is made of. */
static int tok_byte(int c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           c == '_' || c == '-' || c == '+' || c == '=' || c == '%' || c == '~';
}

/* Does s[0..n), a run of token characters and '/', read as a random string
 * (a base64 secret) rather than path segments?  Mixed case and a digit,
 * and no all-lowercase word of 3+ letters between slashes. */
static int random_run(const char *s, size_t n)
{
    int up = 0, lo = 0, dig = 0, lower_word = 1;
    size_t seg = 0;

    for (size_t i = 0; i <= n; i++) {
        int c = i < n ? (unsigned char)s[i] : '/';

        if (c == '/') {
            if (seg >= 3 && lower_word)
                return 0; /* a lowercase word between slashes: a path */
            seg = 0;
            lower_word = 1;
            continue;
        }
        up |= c >= 'A' && c <= 'Z';
        lo |= c >= 'a' && c <= 'z';
        dig |= c >= '0' && c <= '9';
        lower_word &= c >= 'a' && c <= 'z';
        seg++;
    }
    return up && lo && dig;
}

size_t tm__scrub_safe_cut(const char *s, size_t n, size_t limit)
{
    size_t c, r;

    if (n <= limit)
        return n;
    c = tm__utf8_cut(s, n, limit);
    /* The partial token at the cut goes. */
    while (c > 0 && tok_byte((unsigned char)s[c - 1]))
        c--;
    /* Then whole segments before it that read as pieces of a base64
     * string (a secret may hold '/'): letters and digits not in words. */
    while (c > 1 && s[c - 1] == '/') {
        size_t b = c - 1;
        int b64 = 1;

        while (b > 0 && tok_byte((unsigned char)s[b - 1]))
            b--;
        for (size_t i = b; i < c - 1 && b64; i++)
            b64 = s[i] != '_' && s[i] != '-' && s[i] != '%' && s[i] != '~';
        if (b == c - 1 || !b64 || tm__word_segment(s + b, c - 1 - b))
            break;
        c = b;
    }
    /* Then the run of token characters and slashes before it, when it reads
     * as (part of) one random string. */
    r = c;
    while (r > 0 && (tok_byte((unsigned char)s[r - 1]) || s[r - 1] == '/'))
        r--;
    if (c > r && random_run(s + r, c - r))
        c = r;
    return c;
}

size_t tm__scrub_copy_path(char *dst, size_t cap, const char *src)
{
    size_t n;

    if (cap == 0)
        return 0;
    n = tm__scrub_safe_cut(src, strlen(src), cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return n;
}
