/*
 * jsonw.h - allocation-free JSON writer into a caller's fixed buffer.
 *
 * Used by the event encoder in the core and in the shim, so it must stay
 * async-signal-safe: no malloc, no stdio, no locale, no locks.
 *
 * A writer never writes past `cap`; once something does not fit it sets
 * `overflow` and ignores further output.  A caller drops an optional item
 * whole by keeping `len` before it and restoring it (with `overflow`
 * cleared) when the item did not fit.
 */
#ifndef TM_JSONW_H
#define TM_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct tm__jw {
    char *buf;    /* borrowed: the caller's buffer */
    size_t cap;   /* bytes usable in buf */
    size_t len;   /* bytes written */
    int overflow; /* set once output did not fit */
};

/* Marker appended to a string cut by a length limit. */
#define TM_TRUNC_MARK "\xe2\x80\xa6[truncated]"
#define TM_TRUNC_MARK_LEN (sizeof(TM_TRUNC_MARK) - 1)

void tm__jw_init(struct tm__jw *w, char *buf, size_t cap);
void tm__jw_raw(struct tm__jw *w, const char *s, size_t n);
void tm__jw_char(struct tm__jw *w, char ch);

/* A quoted JSON string for `n` bytes of `s`.  Invalid UTF-8 becomes U+FFFD,
 * control characters are escaped.  When the input is longer than `max_raw`
 * bytes or its escaped form longer than `max_out` bytes (quotes excluded),
 * it is cut at a character boundary and TM_TRUNC_MARK appended, the result
 * within both limits. */
void tm__jw_str(struct tm__jw *w, const char *s, size_t n, size_t max_raw,
                size_t max_out);

/* `"key":` (the key is trusted ASCII). */
void tm__jw_key(struct tm__jw *w, const char *key);
void tm__jw_i64(struct tm__jw *w, int64_t v);

/* `,"key":` and a value: a string (NULL writes "", limits as tm__jw_str)
 * or a number.  For every member after an object's first. */
void tm__jw_field_str(struct tm__jw *w, const char *key, const char *s,
                      size_t max_raw, size_t max_out);
void tm__jw_field_i64(struct tm__jw *w, const char *key, int64_t v);

/* A string literal, written raw, without its NUL. */
#define TM_JW_LIT(w, lit) tm__jw_raw((w), (lit), sizeof(lit) - 1)
void tm__jw_u64(struct tm__jw *w, uint64_t v);

/* Length of the longest prefix of s[0..n) that is at most `max` bytes and
 * ends on a UTF-8 character boundary. */
size_t tm__utf8_cut(const char *s, size_t n, size_t max);

/* The length of the valid UTF-8 sequence at s (n bytes left; an ASCII byte
 * is one), its code point into *cp when cp is not NULL; 0 when the bytes
 * are not one (overlong, surrogate, past U+10FFFF, cut).  The one decoder:
 * the JSON writer and the CLI's text printer use it. */
size_t tm__utf8_seq(const char *s, size_t n, unsigned *cp);

/* Writes v in decimal into out (at least 21 bytes); returns the length. */
size_t tm__fmt_i64(char *out, int64_t v);
size_t tm__fmt_u64(char *out, uint64_t v);

/* Writes v as `digits` lowercase hex digits (most significant first). */
void tm__fmt_hex(char *out, uint64_t v, int digits);

#endif
