/*
 * jsonw.c - allocation-free JSON writer (see jsonw.h).
 */
#include "jsonw.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void tm__jw_init(struct tm__jw *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = 0;
}

void tm__jw_raw(struct tm__jw *w, const char *s, size_t n)
{
    if (w->overflow)
        return;
    if (n > w->cap - w->len) {
        w->overflow = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void tm__jw_char(struct tm__jw *w, char ch)
{
    tm__jw_raw(w, &ch, 1);
}

size_t tm__utf8_seq(const char *str, size_t n, unsigned *cp_out)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len;
    unsigned cp, min;

    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        len = 1, cp = s[0], min = 0;
    } else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2, cp = s[0] & 0x1f, min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3, cp = s[0] & 0x0f, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp_out)
        *cp_out = cp;
    return len;
}

size_t tm__utf8_cut(const char *s, size_t n, size_t max)
{
    size_t i;

    if (n <= max)
        return n;
    i = max;
    /* Step back over continuation bytes to the start of a character. */
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    return i;
}

/* Escaped form of one character into out (at most 6 bytes). */
static size_t escape_one(const unsigned char *s, size_t n, char *out,
                         size_t *consumed)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = s[0];
    size_t seq;

    *consumed = 1;
    switch (c) {
    case '"':  memcpy(out, "\\\"", 2); return 2;
    case '\\': memcpy(out, "\\\\", 2); return 2;
    case '\n': memcpy(out, "\\n", 2); return 2;
    case '\r': memcpy(out, "\\r", 2); return 2;
    case '\t': memcpy(out, "\\t", 2); return 2;
    default: break;
    }
    if (c < 0x20 || c == 0x7f) {
        memcpy(out, "\\u00", 4);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 0xf];
        return 6;
    }
    seq = tm__utf8_seq((const char *)s, n, NULL);
    if (seq == 0) {
        memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD for one invalid byte */
        return 3;
    }
    memcpy(out, s, seq);
    *consumed = seq;
    return seq;
}

/* How many leading bytes of s[0..n) are printable ASCII other than '"'
 * and '\\': bytes escape_one() copies as they are, one for one.  Most
 * text is made of them, so both loops below copy such runs whole. */
static size_t plain_run(const unsigned char *s, size_t n)
{
    size_t i = 0;

#if defined(__SSE2__)
    /* Sixteen at a time (every x86-64): as signed bytes, those below 0x20
     * and those from 0x80 on are both less than 0x20. */
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  del = _mm_set1_epi8(0x7f), space = _mm_set1_epi8(0x20);

    for (; n - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
            _mm_or_si128(_mm_cmpeq_epi8(x, del), _mm_cmplt_epi8(x, space)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);

        if (bits != 0)
            return i + (size_t)__builtin_ctz(bits);
    }
#endif
    while (i < n && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' &&
           s[i] != '\\')
        i++;
    return i;
}

/* Bytes the escaped form of s[0..n) takes. */
static size_t escaped_len(const unsigned char *p, size_t n)
{
    size_t i = 0, total = 0, consumed, run;
    char tmp[8];

    while (i < n) {
        run = plain_run(p + i, n - i);
        total += run;
        i += run;
        if (i == n)
            break;
        total += escape_one(p + i, n - i, tmp, &consumed);
        i += consumed;
    }
    return total;
}

void tm__jw_str(struct tm__jw *w, const char *s, size_t n, size_t max_raw,
                size_t max_out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, used = 0, consumed, k;
    /* Cut only when the whole string does not fit (a byte escapes to at
     * most 6); then leave room for the marker in both limits. */
    int cut = n > max_raw ||
              (n > max_out / 6 && escaped_len(p, n) > max_out);
    size_t budget = cut ? (max_out > TM_TRUNC_MARK_LEN
                               ? max_out - TM_TRUNC_MARK_LEN : 0)
                        : max_out;
    char tmp[8];

    if (cut)
        n = tm__utf8_cut(s, n, max_raw > TM_TRUNC_MARK_LEN
                                   ? max_raw - TM_TRUNC_MARK_LEN : 0);

    tm__jw_char(w, '"');
    while (i < n) {
        k = plain_run(p + i, n - i);
        if (k > budget - used)
            k = budget - used;
        tm__jw_raw(w, s + i, k);
        used += k;
        i += k;
        if (i == n || used == budget)
            break;
        k = escape_one(p + i, n - i, tmp, &consumed);
        if (used + k > budget)
            break;
        tm__jw_raw(w, tmp, k);
        used += k;
        i += consumed;
    }
    if (cut && max_out >= TM_TRUNC_MARK_LEN)
        tm__jw_raw(w, TM_TRUNC_MARK, TM_TRUNC_MARK_LEN);
    tm__jw_char(w, '"');
}

void tm__jw_key(struct tm__jw *w, const char *key)
{
    tm__jw_char(w, '"');
    tm__jw_raw(w, key, strlen(key));
    tm__jw_raw(w, "\":", 2);
}

void tm__jw_field_str(struct tm__jw *w, const char *key, const char *s,
                      size_t max_raw, size_t max_out)
{
    if (s == NULL)
        s = "";
    tm__jw_char(w, ',');
    tm__jw_key(w, key);
    tm__jw_str(w, s, strlen(s), max_raw, max_out);
}

void tm__jw_field_i64(struct tm__jw *w, const char *key, int64_t v)
{
    tm__jw_char(w, ',');
    tm__jw_key(w, key);
    tm__jw_i64(w, v);
}

size_t tm__fmt_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t tm__fmt_i64(char *out, int64_t v)
{
    if (v < 0) {
        out[0] = '-';
        /* Negate through unsigned arithmetic: INT64_MIN has no positive. */
        return 1 + tm__fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
    }
    return tm__fmt_u64(out, (uint64_t)v);
}

void tm__fmt_hex(char *out, uint64_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";

    for (int i = digits - 1; i >= 0; i--) {
        out[i] = hex[v & 0xf];
        v >>= 4;
    }
}

void tm__jw_i64(struct tm__jw *w, int64_t v)
{
    char tmp[24];
    tm__jw_raw(w, tmp, tm__fmt_i64(tmp, v));
}

void tm__jw_u64(struct tm__jw *w, uint64_t v)
{
    char tmp[24];
    tm__jw_raw(w, tmp, tm__fmt_u64(tmp, v));
}
