/*
 * mask.c - variable tokens into typed placeholders (see mask.h).
 *
 * One left-to-right pass; at each position the first matching class wins:
 * quoted strings, URLs, named dates, Windows paths, e-mail addresses, host
 * names with a numeric label, paths, the event's own repo and agent names,
 * UUIDs, MAC and IPv6 addresses, times, IPv4 addresses, hex, mixed
 * identifiers, numbers.  Sanitizer markers (***TOKEN***) are kept: they are
 * already placeholders.
 */
#include "mask.h"

#include <string.h>

#include "strutil.h"

/* What the pass asks of a byte, one table lookup each (the masking is
 * most of a summary's time).  CLASS_OF is the one definition: the table
 * is built from it at compile time. */
enum { C_DIGIT = 1, C_ALPHA = 2, C_XDIGIT = 4, C_WORD = 8, C_SPACE = 16,
       C_START = 32 /* a class can start at it (see tm__mask_off) */ };
#define CLASS_OF(c)                                                            \
    ((((c) >= '0' && (c) <= '9') ? C_DIGIT | C_XDIGIT | C_WORD : 0) |          \
     ((((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))              \
          ? C_ALPHA | C_WORD : 0) |                                            \
     ((((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F')) ? C_XDIGIT    \
                                                                 : 0) |        \
     ((c) == '_' ? C_WORD : 0) |                                               \
     ((((c) >= '0' && (c) <= '9') || ((c) >= 'a' && (c) <= 'z') ||             \
       ((c) >= 'A' && (c) <= 'Z') || (c) == '_' || (c) == '*' || (c) == '\'' ||  \
       (c) == '"' || (c) == '/' || (c) == '~' || (c) == '.' || (c) == ':')      \
          ? C_START : 0) |                                                     \
     (((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r') ? C_SPACE : 0))
#define C4(b) CLASS_OF(b), CLASS_OF((b) + 1), CLASS_OF((b) + 2), CLASS_OF((b) + 3)
#define C16(b) C4(b), C4((b) + 4), C4((b) + 8), C4((b) + 12)
#define C64(b) C16(b), C16((b) + 16), C16((b) + 32), C16((b) + 48)
static const unsigned char cls[256] = {C64(0), C64(64), C64(128), C64(192)};
#undef C64
#undef C16
#undef C4
#undef CLASS_OF

static inline int is_digit(int c) { return (cls[(unsigned char)c] & C_DIGIT) != 0; }
static inline int is_alpha(int c) { return (cls[(unsigned char)c] & C_ALPHA) != 0; }
static inline int is_alnum(int c) { return (cls[(unsigned char)c] & (C_DIGIT | C_ALPHA)) != 0; }
static inline int is_xdigit(int c) { return (cls[(unsigned char)c] & C_XDIGIT) != 0; }
/* A token's characters, and the blanks between tokens (no \f or \v:
 * those stay inside a token). */
static inline int is_word(int c) { return (cls[(unsigned char)c] & C_WORD) != 0; }
static inline int is_space(int c) { return (cls[(unsigned char)c] & C_SPACE) != 0; }

#define EMIT(o, lit) tm__buf_putn(o, lit, sizeof(lit) - 1)

/* Roots kept in front of a masked path: where a file lives says something;
 * the rest of its path does not. */
#define ROOT(r) {r, sizeof(r) - 1}
static const struct {
    const char *s;
    size_t n;
} roots[] = {
    ROOT("/home/***/"), ROOT("/Users/***/"), ROOT("/tmp/"), ROOT("/var/tmp/"),
    ROOT("/var/"), ROOT("/usr/"), ROOT("/etc/"), ROOT("/opt/"), ROOT("/dev/"),
    ROOT("/proc/"), ROOT("/sys/"), ROOT("/root/"), ROOT("/srv/"), ROOT("/mnt/"),
};
#undef ROOT

/* One byte out: tm__buf_putn's result, without its call (the commonest
 * output of the pass). */
static void put1(struct tm__buf *o, const char *s)
{
    if (o->len + 1 < o->cap)
        o->p[o->len++] = *s;
    o->p[o->len] = '\0';
}

/* Writes the masked form of the path s[0..n): its recognisable root (if
 * any) and <PATH>. */
static void emit_path(struct tm__buf *o, const char *s, size_t n)
{
    for (size_t i = 0; s[0] == '/' && i < sizeof(roots) / sizeof(*roots); i++) {
        size_t k = roots[i].n;
        if (n > k && s[1] == roots[i].s[1] && memcmp(s, roots[i].s, k) == 0) {
            tm__buf_putn(o, s, k);
            break;
        }
    }
    if (n == 1) {
        put1(o, s); /* a lone "/" is no path */
        return;
    }
    EMIT(o, "<PATH>");
}

static int looks_like_path(const char *s, size_t n)
{
    int letters = 0, slashes = 0, joined = 1;
    size_t last = 0;

    if (n < 2 || (s[0] != '~' && memchr(s, '/', n) == NULL))
        return 0; /* most words: no slash */
    for (size_t i = 0; i < n; i++) {
        letters |= is_alpha((unsigned char)s[i]);
        if (s[i] == '/') {
            slashes++;
            last = i + 1;
            /* "a/b/c": every inner slash between word characters (or dots) */
            if (i > 0 && i + 1 < n &&
                !((is_word((unsigned char)s[i - 1]) || s[i - 1] == '.') &&
                  (is_word((unsigned char)s[i + 1]) || s[i + 1] == '.')))
                joined = 0;
        }
    }
    /* "3/5" is a ratio, "/10.0.0.5" an address: a path has a letter. */
    if (!letters || slashes == 0)
        return s[0] == '~' && letters;
    if (s[0] == '/' || s[0] == '~' || (s[0] == '.' && (s[1] == '/' || s[1] == '.')))
        return 1;
    /* "a/b/c": two slashes between word characters; with one slash, the
     * last part needs an extension ("dir/file.ext"): "I/O", "TCP/IP" and
     * "HTTP/1.1" are words. */
    if (!joined)
        return 0;
    if (slashes >= 2)
        return 1;
    {
        const char *dot = memrchr(s + last, '.', n - last);
        size_t k = dot ? (size_t)(s + n - dot - 1) : 0;
        int alpha = k > 0;
        for (size_t i = 0; i < k; i++)
            alpha &= is_alnum((unsigned char)dot[1 + i]);
        return alpha && dot > s + last && is_alpha((unsigned char)dot[1]);
    }
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
            if (i >= n || !is_xdigit((unsigned char)s[i]))
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

/* A date written with names, as ctime and syslog write it: "[Sun ]Jul 10
 * 03:55:15[ 2005]" (the day may be space-padded).  Needs the time, or the
 * weekday and the day. */
static size_t match_named_date(const char *s, size_t n)
{
    static const char days[] = "MonTueWedThuFriSatSun";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    size_t i = 0, k;
    int weekday = 0;

    if (n >= 4 && s[3] == ' ') {
        for (int d = 0; d < 7 && !weekday; d++)
            weekday = memcmp(s, days + 3 * d, 3) == 0;
        if (weekday)
            i = 4;
    }
    if (n < i + 4 || s[i + 3] != ' ')
        return 0;
    for (k = 0; k < 12 && memcmp(s + i, months + 3 * k, 3) != 0; k++)
        ;
    if (k == 12)
        return 0;
    i += 4;
    if (i < n && s[i] == ' ')
        i++;
    k = digits(s, n, i);
    if (k == 0 || k > 2 || (i + k < n && !is_space((unsigned char)s[i + k])))
        return 0;
    i += k;
    if (i + 1 < n && s[i] == ' ' && (k = match_time(s + i + 1, n - i - 1)) > 0 &&
        s[i + 3] == ':') {
        i += 1 + k;
        if (i + 5 <= n && s[i] == ' ' && digits(s, n, i + 1) == 4 &&
            (i + 5 == n || !is_word((unsigned char)s[i + 5])))
            i += 5;
        return i;
    }
    return weekday && (i == n || !is_word((unsigned char)s[i])) ? i : 0;
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

/* scheme://rest: the whole URL is one value. */
static size_t match_url(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && (is_alnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
                     s[i] == '.'))
        i++;
    if (i == 0 || i > 16 || i + 3 > n || memcmp(s + i, "://", 3) != 0)
        return 0;
    i += 3;
    while (i < n && !is_space((unsigned char)s[i]) && s[i] != '"' && s[i] != '\'' &&
           s[i] != '>' && s[i] != ')' && s[i] != ']' && s[i] != ',')
        i++;
    while (s[i - 1] == '.' || s[i - 1] == ':')
        i--;
    return i;
}

/* local@domain.tld (the sanitizer has already replaced the addresses in
 * events; this is for plain logs). */
static size_t match_email(const char *s, size_t n)
{
    size_t i = 0, at, dot = 0;

    while (i < n && (is_word((unsigned char)s[i]) || s[i] == '.' || s[i] == '+' ||
                     s[i] == '-'))
        i++;
    if (i == 0 || i >= n || s[i] != '@')
        return 0;
    at = ++i;
    while (i < n && (is_alnum((unsigned char)s[i]) || s[i] == '-' ||
                     (s[i] == '.' && i + 1 < n && is_alnum((unsigned char)s[i + 1])))) {
        if (s[i] == '.')
            dot = i;
        i++;
    }
    if (dot == 0 || dot <= at || i - dot - 1 < 2 || !is_alpha((unsigned char)s[dot + 1]))
        return 0;
    return i;
}

/* Groups of hex digits joined by ':' (or '-' for a MAC): six groups of two
 * are a MAC address, four groups or more (or "::") an IPv6 address.  Sets
 * *ph; returns the length or 0. */
static size_t match_hexgroups(const char *s, size_t n, const char **ph)
{
    size_t i = 0, groups = 0, two = 0, len;
    int dcolon = 0;
    char sep = 0;

    for (;;) {
        len = 0;
        while (i + len < n && len < 5 && is_xdigit((unsigned char)s[i + len]))
            len++;
        if (len > 4 || (len == 0 && !(sep == ':' && i > 0 && s[i - 1] == ':')))
            return 0;
        groups += len > 0;
        two += len == 2;
        i += len;
        if (i >= n || (s[i] != ':' && s[i] != '-') || (sep && s[i] != sep))
            break;
        if (i + 1 < n && s[i] == ':' && s[i + 1] == ':') {
            if (dcolon)
                return 0;
            dcolon = 1;
            i++;
        }
        sep = s[i];
        if (i + 1 >= n || !(is_xdigit((unsigned char)s[i + 1]) || s[i + 1] == ':' ||
                            (dcolon && s[i] == ':')))
            break;
        i++;
    }
    if (i < n && (is_word((unsigned char)s[i]) || s[i] == '.'))
        return 0;
    if (groups == 6 && two == 6 && !dcolon) {
        *ph = "<MAC>";
        return i;
    }
    if (sep == ':' && (groups >= 4 || (dcolon && groups >= 2))) {
        *ph = "<IP>";
        return i;
    }
    return 0;
}

/* A host name that carries a number: three labels or more, one of them
 * all digits (and '-'), the last alphabetic ("220-135-151-1.hinet-ip.hinet.net").
 * Dotted names without digits ("org.apache.hadoop") stay words. */
static size_t match_host(const char *s, size_t n)
{
    size_t i = 0, labels = 0, start = 0;
    int digit = 0, alpha_last = 0;

    for (;;) {
        start = i;
        int letter = 0;
        while (i < n && (is_alnum((unsigned char)s[i]) || s[i] == '-')) {
            letter |= is_alpha((unsigned char)s[i]);
            i++;
        }
        if (i == start)
            return 0;
        digit |= !letter; /* a label of digits: "220-135-151-1", "5" */
        labels++;
        alpha_last = 1;
        for (size_t k = start; k < i; k++)
            alpha_last &= is_alpha((unsigned char)s[k]);
        if (i + 1 < n && s[i] == '.' && is_alnum((unsigned char)s[i + 1]))
            i++;
        else
            break;
    }
    if (labels < 3 || !digit || !alpha_last || i - start < 2 ||
        (i < n && (is_word((unsigned char)s[i]) || s[i] == '/' || s[i] == '@')))
        return 0;
    return i;
}

/* C:\dir\file: a Windows path. */
static size_t match_winpath(const char *s, size_t n)
{
    size_t i = 3;

    if (n < 4 || !is_alpha((unsigned char)s[0]) || s[1] != ':' || s[2] != '\\')
        return 0;
    while (i < n && !is_space((unsigned char)s[i]) && s[i] != '"' && s[i] != '\'' &&
           s[i] != ',' && s[i] != ';')
        i++;
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
 * them digits in three runs or a run of five, "attempt_1445_0020_m_3";
 * "sha256", "x86_64" and "IO80211" are names; not a call "f1(").  A name
 * and a number joined by '_' ("blk_-42") is left to the number.  Returns
 * its length and placeholder, or 0. */
static size_t match_word(const char *s, size_t n, const char **ph)
{
    size_t len = 0, nd = 0, nhex = 0, nalpha = 0, runs = 0, run = 0, maxrun = 0;
    size_t first_digit = 0, under = 0;

    while (len < n && (is_word((unsigned char)s[len]) ||
                       (s[len] == '-' && len > 0 && s[len - 1] == '_'))) {
        unsigned char ch = (unsigned char)s[len];
        if (is_digit(ch)) {
            if (run++ == 0) {
                runs++;
                if (runs == 1)
                    first_digit = len;
            }
            maxrun = run > maxrun ? run : maxrun;
        } else {
            run = 0;
        }
        nd += is_digit(ch);
        nhex += is_xdigit(ch);
        nalpha += is_alpha(ch);
        under += ch == '_';
        len++;
    }
    while (len > 0 && s[len - 1] == '-')
        len--;
    if (nd > 0 && nhex == len && len >= 7 && nd < len) {
        *ph = "<HEX>";
        return len;
    }
    if (runs == 1 && first_digit == 0 && nd < len)
        return 0; /* a number with its unit, "4096kB": left to the number */
    if (runs == 1 && first_digit > 0 && under == 1 &&
        (s[first_digit - 1] == '_' || s[first_digit - 1] == '-') && run > 0)
        return 0;
    if (nd > 0 && nalpha > 0 && len >= 6 && nd * 4 >= len &&
        (runs >= 3 || maxrun >= 5) && !(len < n && s[len] == '(')) {
        *ph = "<ID>";
        return len;
    }
    return 0;
}

/* What the run of non-blank bytes at s holds, for the typed matchers to
 * be tried only where they can match (one scan per word). */
enum { RUN_AT = 1, RUN_SCHEME = 2, RUN_DOT = 4, RUN_DIGIT = 8, RUN_SEP = 16,
       RUN_SLASH = 32, RUN_END = 64, RUN_COLON = 128 };
#define RUN_OF(c)                                                              \
    ((c) == '@'                                          ? RUN_AT              \
     : (c) == '.'                                        ? RUN_DOT             \
     : (c) == '/' || (c) == '\\' || (c) == '~'            ? RUN_SLASH           \
     : (c) == ':'                                        ? RUN_SEP | RUN_COLON \
     : (c) == '-'                                        ? RUN_SEP             \
     : (c) >= '0' && (c) <= '9'                          ? RUN_DIGIT           \
     : (c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r' ? RUN_END          \
                                                         : 0)
#define R4(b) RUN_OF(b), RUN_OF((b) + 1), RUN_OF((b) + 2), RUN_OF((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)
static const unsigned char run_of[256] = {R64(0), R64(64), R64(128), R64(192)};
#undef R64
#undef R16
#undef R4
#undef RUN_OF

static unsigned scan_run(const char *s, size_t n)
{
    unsigned f = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned b = run_of[(unsigned char)s[i]];
        if (b & (RUN_END | RUN_COLON)) {
            if (b & RUN_END)
                break;
            if (i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/')
                b |= RUN_SCHEME;
        }
        f |= b;
    }
    return f;
}

/* Length of the number at s[at..n): digits, groups of three after a
 * comma ("1,234,567"), dotted parts ("3.14", "1.2.3": a version is one
 * value), an exponent ("1e-5", "2.5E+10").  A unit after it is not part
 * of it ("10ms": <NUM>ms). */
static size_t number_len(const char *s, size_t n, size_t at)
{
    size_t k = digits(s, n, at);

    while (at + k + 3 < n && s[at + k] == ',' && digits(s, n, at + k + 1) == 3)
        k += 4;
    while (at + k + 1 < n && s[at + k] == '.' && is_digit((unsigned char)s[at + k + 1]))
        k += 1 + digits(s, n, at + k + 1);
    if (at + k + 1 < n && (s[at + k] == 'e' || s[at + k] == 'E')) {
        size_t e = at + k + 1 + (s[at + k + 1] == '-' || s[at + k + 1] == '+');
        size_t d = e < n ? digits(s, n, e) : 0;
        if (d > 0 && !(e + d < n && is_word((unsigned char)s[e + d])))
            k = e + d - at;
    }
    return k;
}

size_t tm__mask(const char *s, size_t n, const char *repo, const char *agent,
                char *out, size_t cap)
{
    return tm__mask_off(s, n, repo, agent, out, cap, 0);
}

size_t tm__mask_off(const char *s, size_t n, const char *repo, const char *agent,
                    char *out, size_t cap, unsigned off)
{
    int types = !(off & TM_MASK_OFF_TYPES), words = !(off & TM_MASK_OFF_WORDS);
    struct tm__buf o = {out, cap, 0};
    const char *ph;
    size_t i = 0, k;

    if (cap == 0)
        return 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        int prev, boundary;
        unsigned run;

        if (!(cls[c] & C_START) && !(repo && repo[0] == s[i]) &&
            !(agent && agent[0] == s[i])) {
            /* a blank or a punctuation mark no class starts with: every
             * test below asks for one of the C_START bytes, or the repo's
             * or agent's first */
            put1(&o, s + i);
            i++;
            continue;
        }
        prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
        boundary = !is_word(prev) && prev != '-' && prev != '.';

        if (!boundary && is_alpha(c)) {
            /* the rest of a word: no class starts inside one */
            k = 1;
            while (i + k < n && is_alpha((unsigned char)s[i + k]))
                k++;
            tm__buf_putn(&o, s + i, k);
            i += k;
            continue;
        }
        run = boundary && (is_alnum(c) || c == ':') ? scan_run(s + i, n - i) : 0;
        if (boundary && is_alpha(c) && run == 0 &&
            !(types && c >= 'A' && c <= 'Z' && i + 3 < n && s[i + 3] == ' ') &&
            !(repo && repo[0] == s[i]) && !(agent && agent[0] == s[i])) {
            /* a plain word: letters up to a blank, no digit, dot, slash or
             * separator: no class can start here (a named date has a blank
             * after its first three letters, "Jul 10") */
            k = 1;
            while (i + k < n && is_alpha((unsigned char)s[i + k]))
                k++;
            tm__buf_putn(&o, s + i, k);
            i += k;
            continue;
        }
        /* Sanitizer markers stay as they are. */
        if (c == '*' && n - i >= 6 && memcmp(s + i, "***", 3) == 0) {
            const char *end = memmem(s + i + 3, n - i - 3, "***", 3);
            size_t len = end ? (size_t)(end - (s + i)) + 3 : 3;
            tm__buf_putn(&o, s + i, len);
            i += len;
            continue;
        }
        if ((c == '\'' || c == '"') && i + 1 < n) {
            const char *end = memchr(s + i + 1, c, n - i - 1);
            if (end != NULL && end - (s + i) <= 1024) {
                size_t len = (size_t)(end - (s + i + 1));
                if (types && len > 0 && match_winpath(s + i + 1, len) == len) {
                    put1(&o, s + i);
                    EMIT(&o, "<PATH>");
                    put1(&o, end);
                    i += len + 2;
                    continue;
                }
                if (looks_like_path(s + i + 1, len)) {
                    put1(&o, s + i);
                    emit_path(&o, s + i + 1, len);
                    put1(&o, end);
                    i += len + 2;
                    continue;
                }
                if (len > 0 && memchr(s + i + 1, ' ', len) == NULL &&
                    memchr(s + i + 1, '\t', len) == NULL) {
                    /* one quoted word is a value: a name, a key */
                    put1(&o, s + i);
                    EMIT(&o, "<STR>");
                    put1(&o, end);
                    i += len + 2;
                    continue;
                }
                /* quoted words are a text of their own, masked word by
                 * word like the text around them: "GET /x HTTP/1.1" keeps
                 * its method */
            }
        }
        if (types && (run & RUN_SCHEME) && is_alpha(c) && (k = match_url(s + i, n - i)) > 0) {
            EMIT(&o, "<URL>");
            i += k;
            continue;
        }
        if (types && boundary && c >= 'A' && c <= 'Z' && (k = match_named_date(s + i, n - i)) > 0) {
            EMIT(&o, "<TIME>");
            i += k;
            continue;
        }
        if (types && boundary && (run & RUN_SEP) && is_alpha(c) &&
            (k = match_winpath(s + i, n - i)) > 0) {
            EMIT(&o, "<PATH>");
            i += k;
            continue;
        }
        if (types && (run & RUN_AT) && is_word(c) && (k = match_email(s + i, n - i)) > 0) {
            EMIT(&o, "<EMAIL>");
            i += k;
            continue;
        }
        if (types && (run & (RUN_DOT | RUN_DIGIT)) == (RUN_DOT | RUN_DIGIT) && is_alnum(c) &&
            (k = match_host(s + i, n - i)) > 0) {
            EMIT(&o, "<HOST>");
            i += k;
            continue;
        }
        /* a path has a slash, or starts with '~' (the run says whether) */
        if (boundary && ((run & RUN_SLASH) || !(is_alnum(c) || c == ':')) &&
            (k = token_len(s + i, n - i)) > 1 &&
            looks_like_path(s + i, k) && (c == '/' || c == '~' || c == '.' ||
                                          is_word(c))) {
            emit_path(&o, s + i, k);
            i += k;
            continue;
        }
        if (boundary && repo && repo[0] == s[i] && (k = match_name(s + i, n - i, repo)) > 0) {
            EMIT(&o, "<REPO>");
            i += k;
            continue;
        }
        if (boundary && agent && agent[0] == s[i] &&
            (k = match_name(s + i, n - i, agent)) > 0) {
            EMIT(&o, "<AGENT>");
            i += k;
            continue;
        }
        if (boundary && (run & RUN_SEP) && is_xdigit(c) &&
            (k = match_uuid(s + i, n - i)) > 0) {
            EMIT(&o, "<UUID>");
            i += k;
            continue;
        }
        if (types && (run & RUN_SEP) && (is_xdigit(c) || c == ':') &&
            (k = match_hexgroups(s + i, n - i, &ph)) > 0) {
            tm__buf_putn(&o, ph, strlen(ph));
            i += k;
            continue;
        }
        if (boundary && (run & RUN_SEP) && is_digit(c) &&
            (k = match_time(s + i, n - i)) > 0) {
            EMIT(&o, "<TIME>");
            i += k;
            continue;
        }
        if (boundary && (run & RUN_DOT) && is_digit(c) &&
            (k = match_ipv4(s + i, n - i)) > 0) {
            EMIT(&o, "<IP>");
            i += k;
            continue;
        }
        if (boundary && c == '0' && i + 2 < n && (s[i + 1] | 0x20) == 'x' &&
            is_xdigit((unsigned char)s[i + 2])) {
            k = 2;
            while (i + k < n && is_xdigit((unsigned char)s[i + k]))
                k++;
            EMIT(&o, "<HEX>");
            i += k;
            continue;
        }
        if (boundary && (run & RUN_DIGIT) && is_alnum(c) &&
            (k = match_word(s + i, n - i, &ph)) > 0) {
            tm__buf_putn(&o, ph, strlen(ph));
            i += k;
            continue;
        }
        if (boundary && (c == 'v' || c == 'V') && i + 1 < n &&
            is_digit((unsigned char)s[i + 1]) &&
            i + 1 + digits(s, n, i + 1) + 1 < n && s[i + 1 + digits(s, n, i + 1)] == '.' &&
            is_digit((unsigned char)s[i + 2 + digits(s, n, i + 1)])) {
            /* a version "v18.17.0": the number masked, the v kept ("v2"
             * alone is a word) */
            put1(&o, s + i);
            EMIT(&o, "<NUM>");
            i += 1 + number_len(s, n, i + 1);
            continue;
        }
        if (words && is_digit(c) && prev == '/' && i >= 2 && is_alpha((unsigned char)s[i - 2])) {
            /* a version after a name: "HTTP/1.1" */
            k = digits(s, n, i);
            while (i + k + 1 < n && s[i + k] == '.' && is_digit((unsigned char)s[i + k + 1]))
                k += 1 + digits(s, n, i + k + 1);
            tm__buf_putn(&o, s + i, k);
            i += k;
            continue;
        }
        if (words && is_digit(c) && (is_alpha(prev) ||
                            ((prev == '-' || prev == '_') && i >= 2 &&
                             is_alnum((unsigned char)s[i - 2])))) {
            /* digits inside a word are part of it, however many: "ssh2",
             * "sha256", "utf-8", "wl0", "x86_64", "node-7", "node-123";
             * the tree makes the word <*> where its digits vary */
            k = digits(s, n, i);
            tm__buf_putn(&o, s + i, k);
            i += k;
            continue;
        }
        if (is_digit(c)) {
            /* "[Errno 2]": the errno names a class of failure, not a value. */
            if (i >= 7 && memcmp(s + i - 6, "Errno ", 6) == 0) {
                k = digits(s, n, i);
                tm__buf_putn(&o, s + i, k);
                i += k;
                continue;
            }
            k = number_len(s, n, i);
            /* A sign glued to the number ("blk_-42", "=-1"). */
            if (o.len > 0 && out[o.len - 1] == '-' && i >= 2 &&
                !is_alnum((unsigned char)s[i - 2]))
                o.len--;
            EMIT(&o, "<NUM>");
            i += k;
            continue;
        }
        put1(&o, s + i);
        i++;
    }
    out[o.len] = '\0';
    return o.len;
}
