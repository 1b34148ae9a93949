/*
 * strutil.c - shared string tools (strutil.h).
 */
#include "strutil.h"

#include <string.h>

int tm__ci_contains(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);

    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && (s[i + j] | 0x20) == lit[j])
            j++;
        if (j == k)
            return 1;
    }
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
