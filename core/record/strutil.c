/*
 * strutil.c - shared string tools (strutil.h).
 */
#include "strutil.h"

#include <string.h>

#include "jsonw.h"

static int ci_prefix(const char *s, const char *lit, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (tm__to_lower((unsigned char)s[j]) != tm__to_lower((unsigned char)lit[j]))
            return 0;
    return 1;
}

int tm__ci_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && ci_prefix(s, lit, n);
}

int tm__ci_contains(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);

    for (size_t i = 0; i + k <= n; i++)
        if (ci_prefix(s + i, lit, k))
            return 1;
    return 0;
}

void tm__buf_putn(struct tm__buf *b, const char *s, size_t n)
{
    if (b->len + n >= b->cap)
        n = b->cap - 1 - b->len;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void tm__buf_put(struct tm__buf *b, const char *s)
{
    tm__buf_putn(b, s, strlen(s));
}

int tm__buf_put_utf8(struct tm__buf *b, const char *s, size_t n)
{
    size_t room = b->cap - 1 - b->len;
    int cut = n > room;

    tm__buf_putn(b, s, cut ? tm__utf8_cut(s, n, room) : n);
    return cut ? -1 : 0;
}

int tm__buf_put_whole(struct tm__buf *b, const char *s, size_t n)
{
    if (n > b->cap - 1 - b->len)
        return -1;
    tm__buf_putn(b, s, n);
    return 0;
}
