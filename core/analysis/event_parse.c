/*
 * event_parse.c - a validating, allocation-free reader of one event line
 * (see event_parse.h).  The summary reads millions of lines: building a
 * cJSON tree per line (a malloc per value) cost most of its time.
 */
#include "event_parse.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "timefmt.h"

#define MAX_DEPTH 32

struct cur {
    const char *p, *end;
    char *out, *out_end; /* scratch for decoded strings */
    int raw_keys;        /* keys without an escape are left in the line
                            (not NUL-terminated: klen says) */
    char *line;          /* the line, when its bytes may be changed
                            (tm__event_read_inplace); else NULL */
    const char *start;   /* the line's first byte */
};

static inline void ws(struct cur *c)
{
    if (c->p < c->end && (unsigned char)*c->p > ' ')
        return; /* the compact writers' case: JSON's blanks are below '!' */
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        *v <<= 4;
        if (h >= '0' && h <= '9')
            *v |= (unsigned)(h - '0');
        else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f')
            *v |= (unsigned)((h | 0x20) - 'a' + 10);
        else
            return -1;
    }
    return 0;
}

static int put_utf8(struct cur *c, unsigned cp, char **o)
{
    char buf[4];
    int n;

    if (cp < 0x80) {
        buf[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        buf[0] = (char)(0xc0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        buf[0] = (char)(0xe0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        buf[0] = (char)(0xf0 | (cp >> 18));
        buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (*o != NULL) {
        if (c->out_end - *o < n)
            return -1;
        memcpy(*o, buf, (size_t)n);
        *o += n;
    }
    return 0;
}

/* The bytes of x (in memory order) that are a '"', a '\\' or a control
 * character (below 0x20), as their high bits; 0 for none.  A borrow may
 * mark a byte after a marked one, never one before: on a little-endian
 * machine the lowest set bit is the first such byte. */
static uint64_t special8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

    return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) &
           high;
}

/* The first byte at or after p (before end) that ends a string's plain
 * text: a '"', a '\\' or a control character; end when there is none.
 * Sixteen bytes at a time where SSE2 is (every x86-64), else eight. */
static const char *plain_end(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1f);

    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* x below 0x20 (unsigned) when min(x, 0x1f) is x */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
                                              _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits != 0)
            return p + __builtin_ctz(bits);
        p += 16;
    }
#endif
    while (end - p >= 8) {
        uint64_t x, m;
        memcpy(&x, p, 8);
        if ((m = special8(x)) != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return p + (__builtin_ctzll(m) >> 3); /* the first one */
#else
            break;
#endif
        }
        p += 8;
    }
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    return p;
}

/* A string at c->p (the opening quote).  When keep is set, decodes it into
 * the scratch area and sets *s (NUL-terminated); otherwise only checks it. */
static int string(struct cur *c, int keep, const char **s)
{
    char *o = keep ? c->out : NULL;
    const char *start;

    if (c->p >= c->end || *c->p != '"')
        return -1;
    c->p++;
    for (;;) {
        start = c->p;
        c->p = plain_end(c->p, c->end);
        if (o != NULL) {
            size_t n = (size_t)(c->p - start);
            if ((size_t)(c->out_end - o) < n + 1)
                return -1;
            memcpy(o, start, n);
            o += n;
        }
        if (c->p >= c->end || (unsigned char)*c->p < 0x20)
            return -1;
        if (*c->p == '"')
            break;
        /* an escape */
        if (c->end - c->p < 2)
            return -1;
        c->p++;
        {
            char e = *c->p++, ch = 0;
            unsigned cp;
            switch (e) {
            case '"': ch = '"'; break;
            case '\\': ch = '\\'; break;
            case '/': ch = '/'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u':
                if (c->end - c->p < 4 || hex4(c->p, &cp) != 0)
                    return -1;
                c->p += 4;
                if (cp >= 0xd800 && cp <= 0xdbff && c->end - c->p >= 6 &&
                    c->p[0] == '\\' && c->p[1] == 'u') {
                    unsigned lo;
                    if (hex4(c->p + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        c->p += 6;
                    }
                }
                if (cp >= 0xd800 && cp <= 0xdfff)
                    cp = 0xfffd; /* a lone surrogate */
                if (cp == 0) {
                    /* Decoded strings are NUL-terminated: a NUL would cut
                     * the text there.  It stays its visible escape, as
                     * long as the input's. */
                    if (o != NULL) {
                        if (c->out_end - o < 6)
                            return -1;
                        memcpy(o, "\\u0000", 6);
                        o += 6;
                    }
                    continue;
                }
                if (put_utf8(c, cp, &o) != 0)
                    return -1;
                continue;
            default:
                return -1;
            }
            if (o != NULL) {
                if (c->out_end - o < 2)
                    return -1;
                *o++ = ch;
            }
        }
    }
    c->p++; /* the closing quote */
    if (keep) {
        *o++ = '\0';
        *s = c->out;
        c->out = o;
    }
    return 0;
}

size_t tm__json_number_len(const char *s, size_t n)
{
    const char *p = s, *end = s + n;

    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (p < end && *p >= '1' && *p <= '9')
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (p < end && *p == '.') {
        if (++p >= end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return 0;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    return (size_t)(p - s);
}

static int number(struct cur *c)
{
    size_t k = tm__json_number_len(c->p, (size_t)(c->end - c->p));

    if (k == 0)
        return -1;
    c->p += k;
    return 0;
}

static int literal(struct cur *c, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

static int value(struct cur *c, int depth);
static int container(struct cur *c, int depth);

static int value(struct cur *c, int depth)
{
    ws(c);
    if (c->p >= c->end)
        return -1;
    switch (*c->p) {
    case '"': return string(c, 0, NULL);
    case '{':
    case '[': return container(c, depth);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n': return literal(c, "null");
    default: return number(c);
    }
}

/* Walks an object's members (or an array's elements) at c->p, calling
 * each() with c->p at the value (key NULL in an array); each() consumes the
 * value.  Decoded keys stay in the scratch area: decoded text is never
 * longer than the line, so it always fits; with raw_keys, a key with no
 * escape is not copied (each() reads klen bytes of the line). */
typedef int (*member_fn)(struct cur *c, const char *key, size_t klen,
                         void *arg);

/* The walk itself, inlined where `each` is known (the event's members: a
 * call through a pointer per member was a tenth of the parse). */
static inline __attribute__((always_inline)) int
walk_with(struct cur *c, member_fn each, void *arg)
{
    char close = *c->p == '{' ? '}' : ']';
    int obj = close == '}', first = 1;

    c->p++;
    for (;;) {
        const char *key = NULL;
        size_t klen = 0;

        ws(c);
        if (c->p < c->end && *c->p == close && first) {
            c->p++;
            return 0;
        }
        if (obj) {
            const char *q = c->p < c->end && *c->p == '"' && c->raw_keys
                                ? plain_end(c->p + 1, c->end)
                                : NULL;
            if (q != NULL && q < c->end && *q == '"') {
                key = c->p + 1; /* nothing to decode */
                klen = (size_t)(q - key);
                c->p = q + 1;
            } else if (string(c, 1, &key) != 0) {
                return -1;
            } else {
                klen = (size_t)(c->out - key) - 1;
            }
            ws(c);
            if (c->p >= c->end || *c->p++ != ':')
                return -1;
        }
        ws(c);
        if (each(c, key, klen, arg) != 0)
            return -1;
        ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            first = 0;
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return 0;
        }
        return -1;
    }
}

static int walk(struct cur *c, member_fn each, void *arg)
{
    return walk_with(c, each, arg);
}

static int skip_member(struct cur *c, const char *key, size_t klen, void *arg)
{
    (void)key;
    (void)klen;
    return value(c, *(const int *)arg + 1);
}

/* An object or array (c->p at its bracket), checked and skipped. */
static int container(struct cur *c, int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    return walk(c, skip_member, &depth);
}

static int is_key(const char *key, size_t klen, const char *lit, size_t n)
{
    return key != NULL && klen == n && memcmp(key, lit, n) == 0;
}

#define IS(key, klen, lit) is_key(key, klen, lit, sizeof(lit) - 1)

/* context: keeps "category" and "errno" when they are strings. */
static int context_member(struct cur *c, const char *key, size_t klen,
                          void *arg)
{
    struct tm__event_view *v = arg;

    if (IS(key, klen, "category") && c->p < c->end && *c->p == '"')
        return string(c, 1, &v->category);
    if (IS(key, klen, "errno") && c->p < c->end && *c->p == '"')
        return string(c, 1, &v->errno_name);
    return value(c, 2);
}

/* backtrace: keeps the first TM_FRAMES_MAX strings. */
static int frame_element(struct cur *c, const char *key, size_t klen,
                         void *arg)
{
    struct tm__event_view *v = arg;

    (void)key;
    (void)klen;
    if (c->p < c->end && *c->p == '"' && v->nframes < TM_FRAMES_MAX)
        return string(c, 1, &v->frames[v->nframes++]);
    return value(c, 2);
}

/* stack: keeps the first TM_FRAMES_MAX strings. */
static int stack_element(struct cur *c, const char *key, size_t klen,
                         void *arg)
{
    struct tm__event_view *v = arg;

    (void)key;
    (void)klen;
    if (c->p < c->end && *c->p == '"' && v->nstack < TM_FRAMES_MAX)
        return string(c, 1, &v->stack[v->nstack++]);
    return value(c, 2);
}

/* A value read from `start` to c->p with result rc: its text into *s. */
static int keep_span(const struct cur *c, const char *start, int rc,
                     struct tm__json_span *s)
{
    if (rc == 0) {
        s->p = start;
        s->n = (size_t)(c->p - start);
    }
    return rc;
}

/* A string field of the event: left in the line, its closing quote made
 * its NUL, when the line may be changed and the string has no escape (a
 * quote is never inside a span the view keeps); else decoded. */
static int string_field(struct cur *c, const char **s)
{
    const char *q;

    if (c->line == NULL)
        return string(c, 1, s);
    q = plain_end(c->p + 1, c->end);
    if (q >= c->end || *q != '"')
        return string(c, 1, s);
    *s = c->line + (c->p + 1 - c->start);
    c->line[q - c->start] = '\0';
    c->p = q + 1;
    return 0;
}

/* The event's string fields, by key. */
#define TM__EVENT_STRINGS(X)                                                   \
    X("timestamp", timestamp) X("repo", repo) X("agent", agent)                 \
    X("error_type", error_type) X("error_message", error_message)             \
    X("source", source) X("program", program)                                 \
    X("telemetry_id", telemetry_id) X("run", run)

static int event_member(struct cur *c, const char *key, size_t klen,
                        void *arg)
{
    struct tm__event_view *v = arg;
    const char *start = c->p;
    char open = c->p < c->end ? *c->p : 0;

    /* one test per field, each of a constant length (the compiler compares
     * words, no memcmp call) */
#define TM__STRING_FIELD(k, field)                                             \
    if (open == '"' && IS(key, klen, k))                                       \
        return string_field(c, &v->field);
    TM__EVENT_STRINGS(TM__STRING_FIELD)
#undef TM__STRING_FIELD
    if (IS(key, klen, "context") && open == '{')
        return keep_span(c, start, walk(c, context_member, v), &v->context);
    if (open == '-' || (open >= '0' && open <= '9')) {
        struct tm__json_span *n = IS(key, klen, "pid")           ? &v->pid
                                  : IS(key, klen, "ppid")        ? &v->ppid
                                  : IS(key, klen, "repeat")      ? &v->repeat
                                  : IS(key, klen, "exit_status") ? &v->exit_status
                                                                 : NULL;
        if (n != NULL)
            return keep_span(c, start, number(c), n);
    }
    if (IS(key, klen, "backtrace") && open == '[')
        return walk(c, frame_element, v);
    if (IS(key, klen, "stack") && open == '[')
        return walk(c, stack_element, v);
    if (IS(key, klen, "fatal") && (open == 't' || open == 'f')) {
        v->fatal = open == 't';
        return literal(c, v->fatal ? "true" : "false");
    }
    return value(c, 1);
}

static int view_parse(struct cur c, struct tm__event_view *v)
{
    memset(v, 0, sizeof(*v));
    v->fatal = -1;
    ws(&c);
    if (c.p >= c.end || *c.p != '{' || walk_with(&c, event_member, v) != 0)
        return -1;
    ws(&c);
    if (c.p != c.end)
        return -1; /* text after the object */
    return v->timestamp && v->repo && v->agent && v->error_type &&
                   v->error_message
               ? 0
               : -1;
}

int tm__event_view_parse(const char *line, size_t len,
                         struct tm__event_view *v, char *scratch, size_t cap)
{
    struct cur c = {line, line + len, scratch, scratch + cap, 1, NULL, line};

    return view_parse(c, v);
}

/* A timestamp that is not a time would pass every bound and sort anywhere
 * (window.until, last_seen, clean's cutoff): no event. */
static int readable(const struct tm__event_view *v)
{
    int64_t epoch;

    return tm__ts_epoch(v->timestamp, &epoch) == 0 ? 0 : -1;
}

int tm__event_read(const char *line, size_t len, struct tm__event_view *v,
                   char *scratch, size_t cap)
{
    if (tm__event_view_parse(line, len, v, scratch, cap) != 0)
        return -1;
    return readable(v);
}

int tm__event_read_inplace(char *line, size_t len, struct tm__event_view *v,
                           char *scratch, size_t cap)
{
    struct cur c = {line, line + len, scratch, scratch + cap, 1, line, line};

    if (view_parse(c, v) != 0)
        return -1;
    return readable(v);
}

struct members {
    tm__json_member_fn each;
    void *arg;
    int rc;
};

static int member(struct cur *c, const char *key, size_t klen, void *arg)
{
    struct members *m = arg;
    const char *val = c->p;
    size_t vlen;
    int is_string = c->p < c->end && *c->p == '"';

    if (is_string) {
        if (string(c, 1, &val) != 0)
            return -1;
        vlen = (size_t)(c->out - val) - 1;
    } else {
        struct tm__json_span raw = {val, 0};
        if (value(c, 2) != 0)
            return -1;
        raw.n = (size_t)(c->p - val);
        if ((size_t)(c->out_end - c->out) < raw.n)
            return -1;
        val = c->out; /* without blanks, like the compact writers */
        vlen = tm__json_compact(raw, c->out);
    }
    if ((m->rc = m->each(m->arg, key, klen, val, vlen, is_string)) != 0)
        return -1;
    c->out = (char *)key; /* the next member reuses the scratch */
    return 0;
}

int tm__json_members(struct tm__json_span obj, char *scratch, size_t cap,
                     tm__json_member_fn each, void *arg)
{
    struct cur c = {obj.p, obj.p + obj.n, scratch, scratch + cap, 0, NULL, obj.p};
    struct members m = {each, arg, 0};

    if (obj.p == NULL)
        return -1;
    ws(&c);
    if (c.p >= c.end || *c.p != '{')
        return -1;
    if (walk(&c, member, &m) != 0)
        return m.rc != 0 ? m.rc : -1;
    ws(&c);
    return c.p == c.end ? 0 : -1;
}

size_t tm__json_compact(struct tm__json_span s, char *out)
{
    size_t n = 0;
    int in_string = 0;

    for (size_t i = 0; i < s.n; i++) {
        char ch = s.p[i];
        if (in_string) {
            if (ch == '\\' && i + 1 < s.n) {
                out[n++] = ch;
                ch = s.p[++i];
            } else if (ch == '"') {
                in_string = 0;
            }
        } else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            continue;
        } else if (ch == '"') {
            in_string = 1;
        }
        out[n++] = ch;
    }
    return n;
}
