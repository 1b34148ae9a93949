/*
 * strutil.h - the small string tools every part shares: ASCII character
 * classes (locale-free), a case-blind search, and a fixed-capacity text
 * buffer.  Async-signal-safe: no allocation, no locale, no stdio.
 */
#ifndef TM_STRUTIL_H
#define TM_STRUTIL_H

#include <stddef.h>

static inline int tm__is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int tm__is_alpha(int c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline int tm__is_alnum(int c) { return tm__is_digit(c) || tm__is_alpha(c); }
static inline int tm__is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static inline int tm__is_lower(int c) { return c >= 'a' && c <= 'z'; }
static inline int tm__is_xdigit(int c)
{
    return tm__is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
static inline int tm__is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static inline int tm__is_word(int c) { return tm__is_alnum(c) || c == '_'; }
static inline int tm__to_lower(int c) { return tm__is_upper(c) ? c | 0x20 : c; }

/* Is s[0..n) the string lit, ASCII letters' case ignored? */
int tm__ci_eq(const char *s, size_t n, const char *lit);

/* Does s[0..n) contain lit, ASCII letters' case ignored? */
int tm__ci_contains(const char *s, size_t n, const char *lit);

/* A caller's fixed buffer that text is appended to: what does not fit is
 * cut, and p[len] is always a NUL (cap must be at least 1). */
struct tm__buf {
    char *p;    /* borrowed: the caller's buffer */
    size_t cap; /* bytes of p, the NUL's included */
    size_t len; /* bytes written */
};

/* Appends what fits of s[0..n) / of the string s. */
void tm__buf_putn(struct tm__buf *b, const char *s, size_t n);
void tm__buf_put(struct tm__buf *b, const char *s);

/* Appends what fits of s[0..n), cut at a UTF-8 character boundary.
 * Returns 0 when all of it fitted, -1 when it was cut. */
int tm__buf_put_utf8(struct tm__buf *b, const char *s, size_t n);

/* Appends s[0..n) only whole.  Returns 0, or -1 (nothing appended). */
int tm__buf_put_whole(struct tm__buf *b, const char *s, size_t n);

#endif
