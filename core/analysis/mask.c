/*
 * mask.c - variable tokens into typed placeholders (SPEC §7.2).
 *
 * One left-to-right pass; at each position the first matching class wins:
 * quoted strings, paths, UUIDs, times, IPv4 addresses, hex, numbers, mixed
 * identifiers, and the event's own repo and agent names.  Sanitizer markers
 * (***TOKEN***) are kept: they are already placeholders.
 */
#include "mask.h"

#include <string.h>

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static int is_hex(int c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
static int is_word(int c) { return is_alnum(c) || c == '_'; }
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

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

#define EMIT(o, lit) emit(o, lit, sizeof(lit) - 1)

/* Roots kept in front of a masked path: where a file lives says something;
 * the rest of its path does not. */
static const char *const roots[] = {
    "/home/***/", "/Users/***/", "/tmp/", "/var/tmp/", "/var/", "/usr/",
    "/etc/", "/opt/", "/dev/", "/proc/", "/sys/", "/root/", "/srv/", "/mnt/",
    NULL};

/* Writes the masked form of the path s[0..n): its recognisable root (if
 * any) and <PATH>. */
static void emit_path(struct out *o, const char *s, size_t n)
{
    for (int i = 0; roots[i]; i++) {
        size_t k = strlen(roots[i]);
        if (n > k && memcmp(s, roots[i], k) == 0) {
            emit(o, s, k);
            break;
        }
    }
    if (n == 1) {
        emit(o, s, 1); /* a lone "/" is no path */
        return;
    }
    EMIT(o, "<PATH>");
}

static int looks_like_path(const char *s, size_t n)
{
    int letters = 0;

    for (size_t i = 0; i < n && !letters; i++)
        letters = is_alpha((unsigned char)s[i]) || s[i] == '/';
    if (n < 2 || !letters)
        return 0;
    if (s[0] != '/' && s[0] != '~' && s[0] != '.') {
        /* "3/5" is a ratio: a relative path has a letter. */
        letters = 0;
        for (size_t i = 0; i < n && !letters; i++)
            letters = is_alpha((unsigned char)s[i]);
        if (!letters)
            return 0;
    }
    if (s[0] == '/' || s[0] == '~' || (s[0] == '.' && (s[1] == '/' || s[1] == '.')))
        return 1;
    /* "dir/file.ext", "a/b/c": a slash between word characters */
    for (size_t i = 1; i + 1 < n; i++)
        if (s[i] == '/' && (is_word((unsigned char)s[i - 1]) || s[i - 1] == '.') &&
            (is_word((unsigned char)s[i + 1]) || s[i + 1] == '.'))
            return 1;
    return 0;
}

/* Length of a token that ends at whitespace or closing punctuation. */
static size_t token_len(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && !is_space((unsigned char)s[i]) && s[i] != ',' &&
           s[i] != ';' && s[i] != ')' && s[i] != ']' && s[i] != '"' &&
           s[i] != '\'' && s[i] != '>' && s[i] != '}' &&
           !(s[i] == ':' && i + 1 < n && is_digit((unsigned char)s[i + 1])))
        i++; /* ":42" after a path is a line number or a port */
    /* A trailing ':' or '.' ends a sentence, not the token. */
    while (i > 0 && (s[i - 1] == ':' || s[i - 1] == '.'))
        i--;
    return i;
}

static size_t match_uuid(const char *s, size_t n)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    size_t i = 0;

    for (int g = 0; g < 5; g++) {
        for (int k = 0; k < groups[g]; k++, i++)
            if (i >= n || !is_hex((unsigned char)s[i]))
                return 0;
        if (g < 4 && (i >= n || s[i++] != '-'))
            return 0;
    }
    return i < n && is_alnum((unsigned char)s[i]) ? 0 : i;
}

static size_t digits(const char *s, size_t n, size_t at)
{
    size_t i = at;
    while (i < n && is_digit((unsigned char)s[i]))
        i++;
    return i - at;
}

/* 2026-11-25, 2026-11-25T18:42:16.123Z, 18:42:16(.123), with zone. */
static size_t match_time(const char *s, size_t n)
{
    size_t i = 0;

    if (digits(s, n, 0) == 4 && n > 9 && s[4] == '-' && digits(s, n, 5) == 2 &&
        s[7] == '-' && digits(s, n, 8) == 2) {
        i = 10;
        if (i < n && (s[i] == 'T' || s[i] == ' ') && digits(s, n, i + 1) == 2 &&
            i + 3 < n && s[i + 3] == ':')
            i++;
        else
            return i;
    }
    if (digits(s, n, i) != 2 || i + 2 >= n || s[i + 2] != ':' ||
        digits(s, n, i + 3) != 2)
        return i;
    i += 5;
    if (i + 2 < n && s[i] == ':' && digits(s, n, i + 1) == 2)
        i += 3;
    if (i + 1 < n && (s[i] == '.' || s[i] == ',') && digits(s, n, i + 1) > 0)
        i += 1 + digits(s, n, i + 1);
    if (i < n && s[i] == 'Z')
        i++;
    else if (i + 5 < n + 0 && (s[i] == '+' || s[i] == '-') &&
             digits(s, n, i + 1) == 2 && s[i + 3] == ':')
        i += 6;
    return i;
}

/* a.b.c.d with octets <= 255, and an optional :port. */
static size_t match_ipv4(const char *s, size_t n)
{
    size_t i = 0;

    for (int oct = 0; oct < 4; oct++) {
        size_t d = digits(s, n, i);
        long v = 0;
        if (d == 0 || d > 3)
            return 0;
        for (size_t k = 0; k < d; k++)
            v = v * 10 + (s[i + k] - '0');
        if (v > 255)
            return 0;
        i += d;
        if (oct < 3 && (i >= n || s[i++] != '.'))
            return 0;
    }
    if (i < n && (is_alnum((unsigned char)s[i]) ||
                  (s[i] == '.' && i + 1 < n && is_digit((unsigned char)s[i + 1]))))
        return 0;
    if (i + 1 < n && s[i] == ':' && digits(s, n, i + 1) > 0)
        i += 1 + digits(s, n, i + 1);
    return i;
}

/* A word that names the repo or agent (at least 3 bytes, whole word). */
static size_t match_name(const char *s, size_t n, const char *name)
{
    size_t k;

    if (name == NULL || name[0] != s[0])
        return 0;
    k = strlen(name);
    if (k < 3 || k > n || memcmp(s, name, k) != 0)
        return 0;
    if (k < n && (is_word((unsigned char)s[k]) || s[k] == '-'))
        return 0;
    return k;
}

/* A whole word that is a hex string (a SHA: 7+ hex digits, a digit among
 * them) or an id mixing letters and digits (6+ characters, a quarter of
 * them digits, not a call "f1(").  Returns its length and placeholder, or
 * 0. */
static size_t match_word(const char *s, size_t n, const char **ph)
{
    size_t len = 0, nd = 0, nhex = 0, nalpha = 0;

    while (len < n && is_word((unsigned char)s[len])) {
        unsigned char ch = (unsigned char)s[len];
        nd += is_digit(ch);
        nhex += is_hex(ch);
        nalpha += is_alpha(ch);
        len++;
    }
    if (nd > 0 && nhex == len && len >= 7 && nd < len) {
        *ph = "<HEX>";
        return len;
    }
    if (nd > 0 && nalpha > 0 && len >= 6 && nd * 4 >= len &&
        !(len < n && s[len] == '(')) {
        *ph = "<ID>";
        return len;
    }
    return 0;
}

size_t tm__mask(const char *s, size_t n, const char *repo, const char *agent,
                char *out, size_t cap)
{
    struct out o = {out, cap, 0};
    const char *ph;
    size_t i = 0, k;

    if (cap == 0)
        return 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        int prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
        int boundary = !is_word(prev) && prev != '-' && prev != '.';

        /* Sanitizer markers stay as they are. */
        if (c == '*' && n - i >= 6 && memcmp(s + i, "***", 3) == 0) {
            const char *end = memmem(s + i + 3, n - i - 3, "***", 3);
            size_t len = end ? (size_t)(end - (s + i)) + 3 : 3;
            emit(&o, s + i, len);
            i += len;
            continue;
        }
        if ((c == '\'' || c == '"') && i + 1 < n) {
            const char *end = memchr(s + i + 1, c, n - i - 1);
            if (end != NULL && end - (s + i) <= 1024) {
                size_t len = (size_t)(end - (s + i + 1));
                emit(&o, s + i, 1);
                if (looks_like_path(s + i + 1, len))
                    emit_path(&o, s + i + 1, len);
                else if (len > 0)
                    EMIT(&o, "<STR>");
                emit(&o, end, 1);
                i += len + 2;
                continue;
            }
        }
        if (boundary && (k = token_len(s + i, n - i)) > 1 &&
            looks_like_path(s + i, k) && (c == '/' || c == '~' || c == '.' ||
                                          is_word(c))) {
            emit_path(&o, s + i, k);
            i += k;
            continue;
        }
        if (boundary && (k = match_name(s + i, n - i, repo)) > 0) {
            EMIT(&o, "<REPO>");
            i += k;
            continue;
        }
        if (boundary && (k = match_name(s + i, n - i, agent)) > 0) {
            EMIT(&o, "<AGENT>");
            i += k;
            continue;
        }
        if (boundary && is_hex(c) && (k = match_uuid(s + i, n - i)) > 0) {
            EMIT(&o, "<UUID>");
            i += k;
            continue;
        }
        if (boundary && is_digit(c) && (k = match_time(s + i, n - i)) > 0) {
            EMIT(&o, "<TIME>");
            i += k;
            continue;
        }
        if (boundary && is_digit(c) && (k = match_ipv4(s + i, n - i)) > 0) {
            EMIT(&o, "<IP>");
            i += k;
            continue;
        }
        if (boundary && c == '0' && i + 2 < n && (s[i + 1] | 0x20) == 'x' &&
            is_hex((unsigned char)s[i + 2])) {
            k = 2;
            while (i + k < n && is_hex((unsigned char)s[i + k]))
                k++;
            EMIT(&o, "<HEX>");
            i += k;
            continue;
        }
        if (boundary && is_alnum(c) && (k = match_word(s + i, n - i, &ph)) > 0) {
            emit(&o, ph, strlen(ph));
            i += k;
            continue;
        }
        if (is_digit(c)) {
            /* "[Errno 2]": the errno names a class of failure, not a value. */
            if (i >= 7 && memcmp(s + i - 6, "Errno ", 6) == 0) {
                k = digits(s, n, i);
                emit(&o, s + i, k);
                i += k;
                continue;
            }
            k = digits(s, n, i);
            /* A decimal part belongs to the number. */
            if (i + k + 1 < n && s[i + k] == '.' && is_digit((unsigned char)s[i + k + 1]) &&
                !(i + k + 1 + digits(s, n, i + k + 1) < n &&
                  s[i + k + 1 + digits(s, n, i + k + 1)] == '.'))
                k += 1 + digits(s, n, i + k + 1);
            /* A sign glued to the number ("blk_-42", "=-1"). */
            if (o.len > 0 && out[o.len - 1] == '-' && i >= 2 &&
                !is_alnum((unsigned char)s[i - 2]))
                o.len--;
            EMIT(&o, "<NUM>");
            i += k;
            continue;
        }
        emit(&o, s + i, 1);
        i++;
    }
    out[o.len] = '\0';
    return o.len;
}
