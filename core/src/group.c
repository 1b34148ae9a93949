/*
 * group.c - message templates and fingerprints (see group.h).
 */
#include "group.h"

#include <string.h>

#include "hash.h"
#include "jsonw.h"

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static int is_word(int c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           c == '_' || c == '-' || c == '.';
}
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct out {
    char *p;
    size_t cap, len;
};

static void emit(struct out *o, const char *s, size_t n)
{
    if (o->len + n >= o->cap)
        n = o->cap - 1 - o->len;
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

/* Does the text at s (n bytes) start with `name` as a whole word? */
static size_t word_at(const char *s, size_t n, const char *name)
{
    size_t k = name ? strlen(name) : 0;

    if (k < 3 || k > n || memcmp(s, name, k) != 0)
        return 0;
    if (k < n && is_word((unsigned char)s[k]) && s[k] != '.')
        return 0;
    return k;
}

size_t tm__group_template(const char *msg, size_t n, const char *repo,
                          const char *agent, char *out, size_t cap)
{
    struct out o = {out, cap, 0};
    size_t i = 0;

    if (cap == 0)
        return 0;
    while (i < n) {
        unsigned char c = (unsigned char)msg[i];
        int prev = i > 0 ? (unsigned char)msg[i - 1] : ' ';
        size_t k, j;

        if ((c == '\'' || c == '"') && (j = i + 1) < n) {
            while (j < n && msg[j] != (char)c)
                j++;
            if (j < n) { /* a quoted value: the variable part of most errors */
                emit(&o, "<STR>", 5);
                i = j + 1;
                continue;
            }
        }
        if ((c == '/' || c == '~') && !is_word(prev)) {
            j = i;
            while (j < n && !is_space((unsigned char)msg[j]) && msg[j] != ',' &&
                   msg[j] != ':' && msg[j] != ';' && msg[j] != ')')
                j++;
            if (j - i > 1) {
                emit(&o, "<PATH>", 6);
                i = j;
                continue;
            }
        }
        if (!is_word(prev) && ((k = word_at(msg + i, n - i, repo)) > 0)) {
            emit(&o, "<REPO>", 6);
            i += k;
            continue;
        }
        if (!is_word(prev) && ((k = word_at(msg + i, n - i, agent)) > 0)) {
            emit(&o, "<AGENT>", 7);
            i += k;
            continue;
        }
        if (is_hex(c) && !is_word(prev)) {
            int digits = 0;
            j = i;
            while (j < n && is_hex((unsigned char)msg[j]))
                digits += is_digit((unsigned char)msg[j++]);
            if (digits > 0 && (j == n || !is_word((unsigned char)msg[j]) ||
                               msg[j] == '.')) {
                if (digits == (int)(j - i)) {
                    emit(&o, "<NUM>", 5);
                    i = j;
                    continue;
                }
                if (j - i >= 7) {
                    emit(&o, "<HEX>", 5);
                    i = j;
                    continue;
                }
            }
        }
        emit(&o, msg + i, 1);
        i++;
    }
    out[o.len] = '\0';
    return o.len;
}

void tm__group_fingerprint(const char *error_type, const char *tmpl,
                           char out[TM_FP_HEX + 1])
{
    char buf[TM_TEMPLATE_MAX + 160];
    size_t a = strlen(error_type), b = strlen(tmpl);

    if (a > 128)
        a = 128;
    if (b > TM_TEMPLATE_MAX)
        b = TM_TEMPLATE_MAX;
    memcpy(buf, error_type, a);
    buf[a] = '\x1f';
    memcpy(buf + a + 1, tmpl, b);
    tm__fmt_hex(out, tm__hash64(buf, a + 1 + b), TM_FP_HEX);
    out[TM_FP_HEX] = '\0';
}
