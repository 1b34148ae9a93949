/*
 * rules.c - the sanitization rule table (README, "Privacy") and its validators.
 *
 * Order is priority: when spans of two rules overlap, the earlier rule's
 * marker is used for the merged span.  Patterns are POSIX extended syntax
 * as TRE 0.8 understands it: no lookaround, no back-references, no \b; word
 * boundaries and number checks are done by the validators in C.
 */
#include <string.h>

#include "sanitize.h"
#include "strutil.h"

#define TOKEN "***TOKEN***"
/* How far a validator looks around its candidate: bounded, so that many
 * candidates in one long word cannot make the scan quadratic. */
#define LOOK 256

static int before(const struct tm__cand *c, size_t pos)
{
    return pos > 0 ? (unsigned char)c->s[pos - 1] : -1;
}

static int after(const struct tm__cand *c, size_t pos)
{
    return pos < c->n ? (unsigned char)c->s[pos] : -1;
}

static int has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tm__is_digit((unsigned char)s[i]))
            return 1;
    return 0;
}

/* The match starts a token: no letter or digit right before it. */
static int v_boundary(struct tm__cand *c)
{
    return !tm__is_alnum(before(c, c->mso));
}

/* Token on both sides: no letter or digit before or after the match. */
static int v_word(struct tm__cand *c)
{
    return !tm__is_alnum(before(c, c->mso)) && !tm__is_alnum(after(c, c->meo));
}

/* sk- keys: at a token boundary ("risk-free" is not one) and with a digit. */
static int v_sk(struct tm__cand *c)
{
    int b = before(c, c->mso);

    return !tm__is_alnum(b) && b != '_' && b != '-' &&
           has_digit(c->s + c->so, c->eo - c->so);
}

/* Looks like a credential rather than a word: long enough, and a digit,
 * punctuation of an encoding, or mixed case. */
static int tokenish(const char *s, size_t n)
{
    int up = 0, low = 0;

    if (n < 6)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (tm__is_digit(ch) || ch == '.' || ch == '=' || ch == '+' || ch == '/')
            return 1;
        up |= tm__is_upper(ch);
        low |= tm__is_lower(ch);
    }
    return up && low;
}

/* Bearer/Basic and a token; not an auth-param of a challenge
 * (WWW-Authenticate: Bearer realm="api"). */
static int v_bearer(struct tm__cand *c)
{
    const char *v = c->s + c->so;
    size_t n = c->eo - c->so, i = 0;

    if (after(c, c->meo) == '"' || after(c, c->meo) == '\'')
        return 0;
    while (i < n && (tm__is_alpha((unsigned char)v[i]) || v[i] == '_'))
        i++;
    if (i > 0 && i + 1 == n && v[i] == '=')
        return 0;
    return v_boundary(c) && tokenish(v, n);
}

/* In a URL whose "://" ends at `from`: the offset of the '@' that ends
 * its user:password part, or 0 when it has none.  The password may hold
 * '/', '+' and '@': it ends at the first '@' that a host name follows
 * (then '/', ':', '?', '#', a quote, a blank or the end). */
static size_t url_userinfo_at(const char *s, size_t n, size_t from)
{
    size_t i = from;

    if (n > from + LOOK)
        n = from + LOOK;
    while (i < n && s[i] != ':' && s[i] != '/' && s[i] != '@' &&
           !tm__is_space((unsigned char)s[i]))
        i++;
    if (i >= n || s[i] != ':')
        return 0;
    for (; i < n && !tm__is_space((unsigned char)s[i]) && s[i] != '"' &&
           s[i] != '\'' && s[i] != '<' && s[i] != '>';
         i++) {
        size_t h = i + 1;

        if (s[i] != '@')
            continue;
        while (h < n && (tm__is_alnum((unsigned char)s[h]) || s[h] == '.' ||
                         s[h] == '-' || s[h] == '_'))
            h++;
        if (h > i + 1 && (h == n || tm__is_space((unsigned char)s[h]) ||
                          strchr("/:?#\"')]>,;", s[h]) != NULL))
            return i;
    }
    return 0;
}

/* What ends a word an e-mail or a URL stands in. */
static int word_end(int ch)
{
    return tm__is_space((unsigned char)ch) || ch == '"' || ch == '\'' || ch == '<' ||
           ch == '(';
}

/* An e-mail, unless it is the password of scheme://user:pass@host (the URL
 * rule takes that) or an ssh remote such as git@github.com. */
static int v_email(struct tm__cand *c)
{
    size_t i = c->mso;

    const char *at = memchr(c->s + c->mso, '@', c->meo - c->mso);
    size_t w = c->mso, dot;
    static const char *const images[] = {"png", "jpg", "jpeg", "gif", "svg",
                                         "webp", "ico", "bmp", "tif", "tiff",
                                         "avif", NULL};

    if (c->eo - c->so > 4 && memcmp(c->s + c->mso, "git@", 4) == 0)
        return 0;
    /* logo@2x.png: an image file at a scale, not an address. */
    for (dot = c->meo; dot > c->mso && c->s[dot - 1] != '.'; dot--)
        ;
    for (int k = 0; images[k]; k++)
        if (tm__ci_eq(c->s + dot, c->meo - dot, images[k]))
            return 0;
    /* scheme://user:pa/ss@host: the password and host of a URL, which the
     * URL rule handles (the host stays). */
    /* The word's start: found again only over the bytes since the last
     * candidate of this scan (linear over a word of many candidates). */
    while (w > 0 && w > c->word_seen && !word_end(c->s[w - 1]))
        w--;
    if (w == c->word_seen && w > 0 && !word_end(c->s[w - 1]))
        w = c->word_start;
    c->word_start = w;
    c->word_seen = c->mso;
    if (c->mso - w > LOOK)
        w = c->mso - LOOK;
    if (at != NULL) {
        const char *u = memmem(c->s + w, (size_t)(at - (c->s + w)), "://", 3);
        size_t ui = u ? url_userinfo_at(c->s, c->n, (size_t)(u + 3 - c->s)) : 0;
        if (ui > 0 && (size_t)(at - c->s) <= ui)
            return 0;
    }
    if (i > 0 && c->s[i - 1] == ':') {
        /* Walk back over the user part to see whether "://" precedes it. */
        size_t j = i - 1;
        while (j > 0 && i - j < LOOK && c->s[j - 1] != '/' && c->s[j - 1] != '@' &&
               !tm__is_space((unsigned char)c->s[j - 1]))
            j--;
        if (j >= 3 && memcmp(c->s + j - 3, "://", 3) == 0)
            return 0;
    }
    return 1;
}

/* An English word or a number, not a credential: all lowercase letters
 * (or one capital first) under 20 characters, or a number of at most five
 * digits (a status code, a line).  "token: Session has expired",
 * "Credentials: 401". */
static int wordish(const char *v, size_t n)
{
    size_t i = 0, digits = 0;

    if (n == 0)
        return 1;
    for (i = 0; i < n; i++)
        digits += tm__is_digit((unsigned char)v[i]);
    if (digits == n)
        return n <= 5;
    if (n >= 20)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (!(tm__is_lower(ch) || (i == 0 && tm__is_upper(ch)) ||
              (i == n - 1 && (ch == '.' || ch == ',' || ch == '!'))))
            return 0;
    }
    return 1;
}

/* A source location's line and column: "42", "42:", "10:3". */
static int line_number(const char *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!tm__is_digit((unsigned char)v[i]) && v[i] != ':')
            return 0;
    return n > 0 && tm__is_digit((unsigned char)v[0]);
}

/* key=value: the key is not a count/length/url/path field, nor part of a
 * file name or a URL's user; the value is not a placeholder, not a URL, and
 * after ':' it must look like a credential rather than a word. */
static int v_keyvalue(struct tm__cand *c)
{
    static const char *const plain_keys[] = {
        "max_", "_count", "count", "num_", "_len", "length", "_url", "url_",
        "_uri", "_path", "path_", "_file", "_dir", "_type", "type_", "_limit",
        "limit", "_size", "_ttl", "expires", "tokens", "_name", "_id_", "_ms",
        "_endpoint", "_env", "_field", "_header", "_param", "_format",
        "timeout", "_enabled", "_required", "_version", "_interval",
        "_retries", "_min", NULL};
    static const char *const placeholders[] = {
        "none", "null", "nil", "true", "false", "redacted", "<redacted>",
        "[redacted]", "***", "*", "", "undefined", "empty", "missing",
        "required", "invalid", "expired", "hidden", "masked", "unset", "n/a",
        NULL};
    const char *v = c->s + c->so;
    size_t vn = c->eo - c->so;
    size_t start = c->mso, kn, sep;
    int quoted = 0, colon = 0, b;

    /* The match starts at the secret word; the key may begin before it
     * ("DB_PASSWORD", "max_tokens"): walk back to its start. */
    while (start > 0 && c->mso - start < LOOK &&
           (tm__is_alnum((unsigned char)c->s[start - 1]) || c->s[start - 1] == '_' ||
            c->s[start - 1] == '.' || c->s[start - 1] == '-'))
        start--;
    kn = (size_t)(c->key_end - (c->s + start));
    b = before(c, start);
    /* "src/token.py:42", "(/app/lib/secret.js:10:3)": a file, not a key;
     * "https://x-access-token:…@host": a URL's user (the URL rule). */
    if (b == '/' || b == '\\' || b == '@')
        return 0;
    for (int i = 0; plain_keys[i]; i++)
        if (tm__ci_contains(c->s + start, kn, plain_keys[i]))
            return 0;
    for (sep = (size_t)(c->key_end - c->s); sep < c->so; sep++)
        colon |= c->s[sep] == ':';
    if (vn >= 2 && (v[0] == '"' || v[0] == '\'')) {
        v++;
        vn -= 2;
        quoted = 1;
    }
    for (int i = 0; placeholders[i]; i++)
        if (tm__ci_eq(v, vn, placeholders[i]))
            return 0;
    if (vn >= 2 && ((v[0] == '$' && v[1] == '{') || v[0] == '<' ||
                    (v[0] == '*' && v[1] == '*') ||
                    (v[0] == '%' && !(vn >= 3 && tm__is_digit((unsigned char)v[1]) &&
                                      tm__is_alnum((unsigned char)v[2])))))
        return 0;
    if (memmem(v, vn, "://", 3) != NULL)
        return 0; /* a URL: its password has a rule of its own */
    /* PWD=/app/src, pwd: /srv/work: the working directory, not a password. */
    if (tm__ci_contains(c->s + start, kn, "pwd") && vn > 0 && (v[0] == '/' || v[0] == '~'))
        return 0;
    if (colon && !quoted && (line_number(v, vn) || wordish(v, vn)))
        return 0;
    return 1;
}

/* curl -u / --user: the option starts a word. */
static int v_option(struct tm__cand *c)
{
    int b = before(c, c->mso);
    return b == -1 || tm__is_space(b) || b == '"' || b == '\'';
}

static int v_home(struct tm__cand *c)
{
    /* A user segment of three stars was scrubbed before: already clean.  A
     * dot-directory (".config" under some other ".../home/") is no user. */
    if (c->s[c->so] == '.')
        return 0;
    return !(c->eo - c->so >= 3 && memcmp(c->s + c->so, "***", 3) == 0);
}

/* IPv4: four octets of at most 255, not loopback or 0.*, not a version. */
static int v_ipv4(struct tm__cand *c)
{
    const char *s = c->s + c->mso;
    size_t n = c->meo - c->mso, i = 0;
    int b = before(c, c->mso), a = after(c, c->meo), oct = 0, val = 0;
    int first = -1;

    if (tm__is_alnum(b) || b == '.' || b == '-' || b == '*')
        return 0;
    if (tm__is_alnum(a) || a == '*' || (a == '.' && c->meo + 1 < c->n &&
                        tm__is_digit((unsigned char)c->s[c->meo + 1])))
        return 0;
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (val > 255)
                return 0;
            if (oct++ == 0)
                first = val;
            val = 0;
        } else {
            val = val * 10 + (s[i] - '0');
        }
    }
    if (first == 0 || first == 127)
        return 0;
    /* "version 1.2.3.4", "Version '1.2.3.4'", "v1.2.3.4", "pkg==1.2.3.4" */
    {
        size_t back = c->mso >= 16 ? 16 : c->mso;
        if (tm__ci_contains(c->s + c->mso - back, back, "version"))
            return 0;
    }
    if (b == '=' && c->mso >= 2 &&
        strchr("=~<>!", c->s[c->mso - 2]) != NULL)
        return 0;
    return 1;
}

/* Payment cards: 13-19 digits, a card network's first digit, Luhn valid. */
static int v_card(struct tm__cand *c)
{
    const char *s = c->s + c->mso;
    size_t n = c->meo - c->mso;
    int sum = 0, nd = 0, dbl = 0, b = before(c, c->mso), a = after(c, c->meo);

    if (tm__is_alnum(b) || b == '.' || b == '-' || b == '*' || tm__is_alnum(a) ||
        a == '-' || a == '*')
        return 0;
    if (s[0] < '2' || s[0] > '6')
        return 0;
    for (size_t i = n; i-- > 0;) {
        int d;
        if (!tm__is_digit((unsigned char)s[i]))
            continue;
        d = s[i] - '0';
        if (dbl && (d *= 2) > 9)
            d -= 9;
        sum += d;
        dbl = !dbl;
        nd++;
    }
    return nd >= 13 && nd <= 19 && sum % 10 == 0;
}

static int v_phone(struct tm__cand *c)
{
    const char *s = c->s + c->mso;
    size_t n = c->meo - c->mso;
    int nd = 0, b = before(c, c->mso), a = after(c, c->meo);

    /* '*' ends a marker: a number glued to it was glued to text before. */
    if (tm__is_alnum(b) || b == '+' || b == '.' || b == '-' || b == '/' ||
        b == ':' || b == '*' || tm__is_alnum(a) || a == '-' || a == '/' || a == '*' ||
        (a == '.' && c->meo + 1 < c->n &&
         tm__is_digit((unsigned char)c->s[c->meo + 1])))
        return 0;
    for (size_t i = 0; i < n; i++)
        nd += tm__is_digit((unsigned char)s[i]);
    return nd >= 10 && nd <= 15;
}

int tm__word_segment(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && (tm__is_alpha((unsigned char)s[i]))) {
        if (tm__is_upper((unsigned char)s[i]) && i + 1 < n &&
            tm__is_upper((unsigned char)s[i + 1]))
            return 0; /* two capitals in a row */
        i++;
    }
    while (i < n && tm__is_digit((unsigned char)s[i]))
        i++;
    return i == n;
}

static int all_word_segments(const char *s, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i <= n; i++)
        if (i == n || s[i] == '/' || s[i] == '+') {
            if (i == n && s[i - 1] == '=')
                return 0;
            if (!tm__word_segment(s + start, i - start))
                return 0;
            start = i + 1;
        }
    return 1;
}

/* A base64 blob that is not a path: mixed classes, many distinct
 * characters, and when it has slashes, no path-like shape. */
static int v_blob(struct tm__cand *c)
{
    const char *s = c->s + c->mso;
    size_t n = c->meo - c->mso;
    int up = 0, low = 0, dig = 0, slash = 0, plus_eq = 0, distinct = 0;
    unsigned char seen[256] = {0};

    if (tm__is_alnum(before(c, c->mso)) || before(c, c->mso) == '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        up += tm__is_upper(ch);
        low += tm__is_lower(ch);
        dig += tm__is_digit(ch);
        slash += ch == '/';
        plus_eq |= ch == '+' || ch == '=';
        if (!seen[ch]++)
            distinct++;
    }
    if (up < 2 || low < 2 || dig < 1 || distinct < 16)
        return 0;
    /* 40 characters of [A-Za-z0-9+/]: the shape of an AWS secret access
     * key, which may start with '/' or hold "//".  A path of that length
     * is made of words (lower, Capitalized or camelCase, digits at the
     * end): one segment that is not is a key. */
    if (n == 40 && slash && !memchr(s, '_', n) && !memchr(s, '-', n))
        return !all_word_segments(s, n);
    if (slash) {
        size_t seg = 0;
        if (s[0] == '/' || memmem(s, n, "//", 2) != NULL)
            return 0;
        if (plus_eq)
            return 1;
        /* A lowercase word of 3+ letters between slashes reads as a path. */
        for (size_t i = 0; i <= n; i++) {
            if (i == n || s[i] == '/' || !tm__is_lower((unsigned char)s[i])) {
                if (seg >= 3 && (i == n || s[i] == '/') &&
                    (i == seg || s[i - seg - 1] == '/'))
                    return 0;
                seg = 0;
            } else {
                seg++;
            }
        }
    }
    return 1;
}

/* Long tokens need a digit and a letter ("aaaa…" or "1111…" stay). */
static int v_long(struct tm__cand *c)
{
    const char *s = c->s + c->mso;
    size_t n = c->meo - c->mso;
    int alpha = 0;

    for (size_t i = 0; i < n && !alpha; i++)
        alpha = tm__is_alpha((unsigned char)s[i]);
    return alpha && has_digit(s, n);
}

/* mysql -pSECRET: only when a MySQL client is named, and -p starts a word. */
static int v_mysql(struct tm__cand *c)
{
    return v_option(c) && c->eo > c->so;
}

/* scheme://user:pass@host: the password ends at the first '@' that a
 * host follows (a password may hold '/', '+' and '@'); a port ("host:443/")
 * is no password. */
static int v_urlpass(struct tm__cand *c)
{
    const char *v = c->s + c->so;
    size_t n = c->eo - c->so, i = 0, at;

    while (i < n && tm__is_digit((unsigned char)v[i]))
        i++;
    if (i > 0 && (i == n || v[i] == '/'))
        return 0;
    at = url_userinfo_at(c->s, c->n, c->mso + 3);
    if (at > c->so && at < c->meo)
        c->eo = at;
    return c->eo > c->so;
}

/* A header's secret value, unless a placeholder. */
static int v_header(struct tm__cand *c)
{
    const char *v = c->s + c->so;
    size_t n = c->eo - c->so;

    if (c->mso >= 3 && memcmp(c->s + c->mso - 3, "://", 3) == 0)
        return 0; /* https://x-access-token:…@host: the URL rule's */
    if (v[0] != '"' && v[0] != '\'' && wordish(v, n) &&
        memchr(c->s + c->mso, ':', c->so - c->mso) != NULL)
        return 0; /* "X-Api-Key: missing" */
    if (n >= 2 && (v[0] == '"' || v[0] == '\''))
        v++, n -= 2;
    return n > 0 && !(n >= 3 && memcmp(v, "***", 3) == 0) &&
           !tm__ci_eq(v, n, "null") && !tm__ci_eq(v, n, "none") && v[0] != '<' &&
           !(n >= 2 && v[0] == '$' && v[1] == '{');
}

/* Authorization's value: with a scheme, always; a lone word only when it
 * looks like a credential ("authorization: denied" stays). */
static int v_authz(struct tm__cand *c)
{
    const char *v = c->s + c->so;
    size_t n = c->eo - c->so;

    if (memchr(v, ' ', n) != NULL || v[0] == '"' || v[0] == '\'')
        return 1;
    return !wordish(v, n) && v_header(c);
}

/* --password P, --password=P: an option word; not the next option, not a
 * sentence about the option. */
static int v_pwopt(struct tm__cand *c)
{
    static const char *const words[] = {
        "is", "was", "must", "should", "required", "option", "flag",
        "argument", "not", "and", "or", "to", "for", "with", "from", "of",
        "the", "a", "an", "can", "cannot", "will", "prompts", "prompt",
        "given", "missing", "needed", "parameter", "value", NULL};
    const char *v = c->s + c->so;
    size_t n = c->eo - c->so;
    int b = before(c, c->mso);

    if (!(b == -1 || tm__is_space(b) || b == '"' || b == '\'' || b == '['  || b == ','))
        return 0;
    if (v[0] == '-' || v[0] == '$' || v[0] == '<' || v[0] == '*')
        return 0;
    for (int i = 0; words[i]; i++)
        if (tm__ci_eq(v, n, words[i]))
            return 0;
    return 1;
}

/* "-home-NAME-src" (a path turned into a directory name): at the start of
 * a name, or after a drive letter ("C--Users-NAME-"); "--home-dir" is an
 * option. */
static int v_dashhome(struct tm__cand *c)
{
    int b = before(c, c->mso);

    if (c->s[c->so] == '.')
        return 0;
    if (b == '-')
        return c->mso >= 2 && tm__is_alpha((unsigned char)c->s[c->mso - 2]) &&
               (c->mso == 2 || !tm__is_alnum((unsigned char)c->s[c->mso - 3]));
    return !tm__is_alnum(b) && b != '_' && b != '.';
}

/* Discord bot token: three base64url parts, the first the base64 of a
 * numeric id (it starts with M, N or O). */
static int v_discord(struct tm__cand *c)
{
    int b = before(c, c->mso), f = c->s[c->mso];

    return !tm__is_alnum(b) && b != '_' && b != '-' && b != '.' &&
           (f == 'M' || f == 'N' || f == 'O') && !tm__is_alnum(after(c, c->meo)) &&
           has_digit(c->s + c->mso, c->meo - c->mso);
}

/* A URL's query parameter that carries a credential: [?&;]NAME=VALUE,
 * the value up to '&', '#', a blank, a quote or an angle bracket (URL-encoded
 * values included).  Scanned in C: one pass, no regex. */
static size_t scan_query(const char *s, size_t n, size_t from, size_t *so,
                         size_t *eo)
{
    static const char *const names[] = {
        "sig", "signature", "x-amz-signature", "x-goog-signature",
        "x-amz-credential", "x-goog-credential", "x-amz-security-token", "key",
        "api_key", "apikey", "api-key", "code", "access_token", "refresh_token",
        "id_token", "token", "auth", "auth_token", "client_secret", "password",
        "passwd", "pwd", "secret", "sessionid", "jsessionid", "phpsessid",
        "session", "sas", "private_token", NULL};

    for (size_t p = from; p + 2 < n; p++) {
        if (s[p] != '?' && s[p] != '&' && s[p] != ';')
            continue;
        for (int k = 0; names[k]; k++) {
            size_t len = strlen(names[k]), v, e;

            if (p + 1 + len >= n || s[p + 1 + len] != '=' ||
                !tm__ci_eq(s + p + 1, len, names[k]))
                continue;
            v = p + 2 + len;
            for (e = v; e < n && !tm__is_space((unsigned char)s[e]) &&
                        !strchr("&#\"'<>", s[e]);
                 e++)
                ;
            if (e > v) {
                *so = v;
                *eo = e;
                return e;
            }
            break;
        }
    }
    return 0;
}

int tm__generic_user(const char *s, size_t n)
{
    static const char *const generic[] = {
        "root", "user", "admin", "runner", "ubuntu", "git", "node", "www",
        "app", "dev", "test", "guest", "vagrant", "shared", "public",
        "default", "***", NULL};

    for (int i = 0; generic[i]; i++)
        if (tm__ci_eq(s, n, generic[i]))
            return 1;
    return 0;
}

/* Characters that end the user segment of a home path. */
#define USER_END "/[:space:]\"':;,)\\\\"
#define SP "[[:space:]]*"

/* Provider tokens by prefix: the prefix, what follows it, how many at
 * least.  (The list of providers follows gitleaks' rule set; the shapes
 * are the providers' documented formats.) */
const struct tm__prefix tm__prefixes[] = {
    {"GOCSPX-", TM_PC_URL, 20},        /* Google OAuth client secret */
    {"ya29.", TM_PC_URL, 20},          /* Google OAuth access token */
    {"sq0atp-", TM_PC_URL, 16},        /* Square */
    {"sq0csp-", TM_PC_URL, 16},
    {"EAAA", TM_PC_URL, 40},           /* Square, Facebook */
    {"EAA", TM_PC_ALNUM, 60},
    {"pat-na1-", TM_PC_URL, 30},       /* HubSpot */
    {"pat-eu1-", TM_PC_URL, 30},
    {"pat-ap1-", TM_PC_URL, 30},
    {"glsa_", TM_PC_URL, 24},          /* Grafana */
    {"glc_", TM_PC_B64, 24},
    {"eyJrIjoi", TM_PC_B64, 24},
    {"shpat_", TM_PC_ALNUM, 24},       /* Shopify */
    {"shpss_", TM_PC_ALNUM, 24},
    {"shpca_", TM_PC_ALNUM, 24},
    {"shppa_", TM_PC_ALNUM, 24},
    {"ATATT", TM_PC_B64, 40},          /* Atlassian */
    {"ATCTT", TM_PC_B64, 40},
    {"ATBB", TM_PC_ALNUM, 24},         /* Bitbucket */
    {"key-", TM_PC_ALNUM, 32},         /* Mailgun */
    {"pubkey-", TM_PC_ALNUM, 32},
    {"dapi", TM_PC_URL, 32},           /* Databricks */
    {"dop_v1_", TM_PC_ALNUM, 40},      /* DigitalOcean */
    {"doo_v1_", TM_PC_ALNUM, 40},
    {"dor_v1_", TM_PC_ALNUM, 40},
    {"lin_api_", TM_PC_ALNUM, 30},     /* Linear */
    {"lin_oauth_", TM_PC_ALNUM, 30},
    {"sntrys_", TM_PC_B64, 40},        /* Sentry */
    {"sntryu_", TM_PC_ALNUM, 40},
    {"hvs.", TM_PC_URL, 20},           /* HashiCorp Vault */
    {"hvb.", TM_PC_URL, 20},
    {"hvr.", TM_PC_URL, 20},
    {"AGE-SECRET-KEY-1", TM_PC_ALNUM, 40}, /* age */
    {"ops_eyJ", TM_PC_B64, 40},        /* 1Password */
    {"aio_", TM_PC_ALNUM, 24},         /* Adafruit */
    {"LTAI", TM_PC_ALNUM, 16},         /* Alibaba */
    {"AKCp", TM_PC_ALNUM, 40},         /* JFrog */
    {"cmVmdGtuOjAxOj", TM_PC_B64, 30},
    {"CLOJARS_", TM_PC_ALNUM, 40},     /* Clojars */
    {"dp.pt.", TM_PC_ALNUM, 30},       /* Doppler */
    {"dp.st.", TM_PC_DOT, 30},
    {"dp.sa.", TM_PC_ALNUM, 30},
    {"dp.ct.", TM_PC_ALNUM, 30},
    {"duffel_test_", TM_PC_B64, 30},   /* Duffel */
    {"duffel_live_", TM_PC_B64, 30},
    {"dt0c01.", TM_PC_DOT, 40},        /* Dynatrace */
    {"EZAK", TM_PC_ALNUM, 40},         /* EasyPost */
    {"EZTK", TM_PC_ALNUM, 40},
    {"FLWSECK_TEST-", TM_PC_URL, 20},  /* Flutterwave */
    {"FLWSECK-", TM_PC_URL, 20},
    {"fo1_", TM_PC_URL, 30},           /* Fly.io */
    {"fm1r_", TM_PC_B64, 30},
    {"fm1a_", TM_PC_B64, 30},
    {"fm2_", TM_PC_B64, 30},
    {"fio-u-", TM_PC_URL, 40},         /* Frame.io */
    {"gsk_", TM_PC_ALNUM, 40},         /* Groq */
    {"HRKU-", TM_PC_URL, 30},          /* Heroku */
    {"ico-", TM_PC_ALNUM, 30},         /* Infracost */
    {"NRAK-", TM_PC_ALNUM, 24},        /* New Relic */
    {"NRJS-", TM_PC_ALNUM, 16},
    {"NRII-", TM_PC_URL, 24},
    {"ntn_", TM_PC_ALNUM, 30},         /* Notion */
    {"secret_", TM_PC_ALNUM, 40},
    {"pscale_tkn_", TM_PC_DOT, 30},    /* PlanetScale */
    {"pscale_pw_", TM_PC_DOT, 30},
    {"pscale_oauth_", TM_PC_DOT, 30},
    {"PMAK-", TM_PC_URL, 40},          /* Postman */
    {"pnu_", TM_PC_ALNUM, 30},         /* Prefect */
    {"pul-", TM_PC_ALNUM, 30},         /* Pulumi */
    {"rdme_", TM_PC_ALNUM, 40},        /* ReadMe */
    {"rubygems_", TM_PC_ALNUM, 40},    /* RubyGems */
    {"tk-us-", TM_PC_URL, 40},         /* Scalingo */
    {"xkeysib-", TM_PC_URL, 40},       /* Brevo (Sendinblue) */
    {"xsmtpsib-", TM_PC_URL, 40},
    {"shippo_live_", TM_PC_ALNUM, 30}, /* Shippo */
    {"shippo_test_", TM_PC_ALNUM, 30},
    {"xapp-", TM_PC_URL, 20},          /* Slack app-level */
    {"tfp_", TM_PC_URL, 40},           /* Typeform */
    {"y0_", TM_PC_URL, 40},            /* Yandex */
    {"AQVN", TM_PC_URL, 30},
    {"bkua_", TM_PC_ALNUM, 30},        /* Buildkite */
    {"oy2", TM_PC_ALNUM, 40},          /* NuGet */
    {"lsv2_pt_", TM_PC_URL, 30},       /* LangSmith */
    {"lsv2_sk_", TM_PC_URL, 30},
    {"pplx-", TM_PC_ALNUM, 30},        /* Perplexity */
    {"r8_", TM_PC_ALNUM, 30},          /* Replicate */
    {"xai-", TM_PC_ALNUM, 40},         /* xAI */
    {"fw_", TM_PC_ALNUM, 20},          /* Fireworks */
    {"sk.eyJ", TM_PC_DOT, 40},         /* Mapbox */
    {"AAAAAAAAAAAAAAAAAAAA", TM_PC_B64, 30}, /* Twitter bearer */
    {"s-s4t2ud-", TM_PC_ALNUM, 40},    /* 42 intra */
    {"s-s4t2af-", TM_PC_ALNUM, 40},
    {"rk_live_", TM_PC_ALNUM, 16},     /* Stripe (also in its rule) */
    {"sk_test_", TM_PC_ALNUM, 16},
    {"ghp_", TM_PC_ALNUM, 20},         /* GitHub (also in its rule) */
    {"glptt-", TM_PC_URL, 20},         /* GitLab trigger token */
    {"GR1348941", TM_PC_URL, 20},      /* GitLab runner registration */
    {"glrt-", TM_PC_URL, 20},
    {"SWMTKN-1-", TM_PC_URL, 40},      /* Docker swarm */
    {"hcp_", TM_PC_URL, 30},
    {"sbp_", TM_PC_ALNUM, 30},         /* Supabase */
    {"sb_secret_", TM_PC_URL, 20},
    {"vercel_", TM_PC_URL, 20},
    {"nfp_", TM_PC_ALNUM, 30},         /* Netlify */
    {"figd_", TM_PC_URL, 30},          /* Figma */
    {"PMAT-", TM_PC_ALNUM, 24},
    {"rnd_", TM_PC_ALNUM, 24},         /* Render */
    {"pk_live_", TM_PC_ALNUM, 16},
    {"sk_live_", TM_PC_ALNUM, 16},
    {"cfat_", TM_PC_URL, 30},          /* Cloudflare */
    {"cfut_", TM_PC_URL, 30},
    {"v1.0-", TM_PC_URL, 60},          /* Cloudflare origin CA */
    {"ccpat_", TM_PC_URL, 30},
    {"snyk_", TM_PC_URL, 30},
    {"mlsn.", TM_PC_ALNUM, 40},        /* MailerSend */
    {"xoxe.xoxp-", TM_PC_URL, 20},     /* Slack config tokens */
    {"xoxe-", TM_PC_URL, 20},
};
const size_t tm__nprefixes = sizeof(tm__prefixes) / sizeof(tm__prefixes[0]);

const struct tm__rule tm__rules[] = {
    {.name = "private_key",
     .pattern = "-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----([^-]|-[^-])*"
         "(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----)?",
     .marker = "***PRIVATE KEY***",
     .pre = {"PRIVATE KEY"},
     .lead = 64},
    {.name = "putty_key",
     .pattern = "PuTTY-User-Key-File-[0-9]+:([^-]|-[^-])*",
     .marker = "***PRIVATE KEY***",
     .pre = {"PuTTY-User-Key"}},
    {.name = "authorization_header",
     .pattern = "(proxy-)?authorization[\"']?" SP "[:=]" SP
         "(\"[^\"]*\"|'[^']*'|((bearer|basic|digest|token|negotiate|ntlm|oauth|"
         "apikey|api-key|key|jwt|dpop|hawk|sso-key|ssws|splunk|aws4-hmac-sha256)"
         "[ ]+)?[^[:space:]\"',}]+)",
     .icase = 1,
     .group = 2,
     .marker = TOKEN,
     .pre = {"authorization"},
     .valid = TM_CHECK_authz,
     .lead = 8},
    {.name = "header_secret",
     .pattern = "(x-[a-z0-9-]*(api-?key|token|secret|signature)|api-?key|private-token|"
         "[a-z-]*subscription-key|x-functions-key)[\"']?" SP "[:=]" SP
         "(\"[^\"]*\"|'[^']*'|[^[:space:]\"',;&}]+)",
     .icase = 1,
     .group = 3,
     .marker = "***",
     .pre = {"api-key", "apikey", "-token", "-secret", "-signature",
         "subscription-key", "functions-key"},
     .valid = TM_CHECK_header},
    {.name = "cookie",
     .pattern = "(set-)?cookies?[\"']?" SP "[:=]" SP
         "(\\{[^}]*\\}|\"[^\"]*\"|'[^']*'|[^[:space:]\"';=]+=[^[:space:]\"';]*"
         "(;" SP "[^[:space:]\"';=]+=[^[:space:]\"';]*)*)",
     .icase = 1,
     .group = 2,
     .marker = "***",
     .pre = {"cookie"},
     .valid = TM_CHECK_header,
     .lead = 6},
    {.name = "url_password",
     .pattern = "://[^/[:space:]:@\"'<>]*:([^[:space:]\"'<>]+)@",
     .group = 1,
     .marker = "***",
     .pre = {"://"},
     .valid = TM_CHECK_urlpass,
     .lead = 1},
    {.name = "query_secret",
     .icase = 1,
     .marker = "***",
     .pre = {"sig=", "signature=", "credential=", "key=", "code=", "token=",
         "auth=", "secret=", "passw", "pwd=", "sess", "sas="},
     .lead = 20,
     .scan = TM_SCAN_query},
    {.name = "bearer_basic",
     .pattern = "(bearer|basic)[[:space:]]+([A-Za-z0-9._~+/=-]+)",
     .icase = 1,
     .group = 2,
     .marker = TOKEN,
     .pre = {"bearer", "basic"},
     .valid = TM_CHECK_bearer,
     .lead = 1},
    {.name = "github_token",
     .pattern = "(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
     .marker = TOKEN,
     .pre = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "gitlab_token",
     .pattern = "gl[a-z]{1,8}-[A-Za-z0-9_-]{20,}",
     .marker = TOKEN,
     .pre = {"gl"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "aws_key_id",
     .pattern = "(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}",
     .marker = TOKEN,
     .pre = {"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA",
         "AIPA", "ANPA", "ANVA", "APKA"},
     .valid = TM_CHECK_word,
     .lead = 1},
    {.name = "slack_token",
     .pattern = "xox[abposre]-[A-Za-z0-9-]{10,}",
     .marker = TOKEN,
     .pre = {"xox"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "slack_webhook",
     .pattern = "hooks\\.slack\\.com/(services|workflows|triggers)/[A-Za-z0-9/_-]+",
     .marker = TOKEN,
     .pre = {"hooks.slack.com"},
     .lead = 1},
    {.name = "stripe_key",
     .pattern = "((sk|rk)_live_|(sk|pk|rk)_test_|whsec_)[A-Za-z0-9]{10,}",
     .marker = TOKEN,
     .pre = {"_live_", "_test_", "whsec_"},
     .valid = TM_CHECK_boundary,
     .lead = 3},
    {.name = "google_api_key",
     .pattern = "AIza[A-Za-z0-9_-]{30,}",
     .marker = TOKEN,
     .pre = {"AIza"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "npm_token",
     .pattern = "npm_[A-Za-z0-9]{30,}",
     .marker = TOKEN,
     .pre = {"npm_"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "pypi_token",
     .pattern = "pypi-[A-Za-z0-9_-]{16,}",
     .marker = TOKEN,
     .pre = {"pypi-"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "huggingface_token",
     .pattern = "hf_[A-Za-z0-9]{20,}",
     .marker = TOKEN,
     .pre = {"hf_"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "docker_token",
     .pattern = "dckr_pat_[A-Za-z0-9_-]{20,}",
     .marker = TOKEN,
     .pre = {"dckr_pat_"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "sendgrid_key",
     .pattern = "SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}",
     .marker = TOKEN,
     .pre = {"SG."},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "jwt",
     .pattern = "eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*",
     .marker = TOKEN,
     .pre = {"eyJ"},
     .valid = TM_CHECK_boundary,
     .lead = 1},
    {.name = "openai_key",
     .pattern = "sk-[A-Za-z0-9_-]{6,}",
     .marker = TOKEN,
     .pre = {"sk-"},
     .valid = TM_CHECK_sk,
     .lead = 1},
    {.name = "provider_prefix",
     .marker = TOKEN,
     .pre = {""}},
    {.name = "telegram_bot",
     .pattern = "[0-9]{8,10}:AA[A-Za-z0-9_-]{30,}",
     .marker = TOKEN,
     .pre = {":AA"},
     .valid = TM_CHECK_boundary,
     .lead = 12},
    {.name = "azure_client_secret",
     .pattern = "[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{30,}",
     .marker = TOKEN,
     .pre = {"Q~"},
     .valid = TM_CHECK_boundary,
     .lead = 6},
    {.name = "discord_token",
     .pattern = "[A-Za-z0-9_-]{23,28}\\.[A-Za-z0-9_-]{6,7}\\.[A-Za-z0-9_-]{27,}",
     .marker = TOKEN,
     .pre = {""},
     .valid = TM_CHECK_discord,
     .need = TM_NEED_DOTRUN23},
    {.name = "email",
     .pattern = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}",
     .marker = "***EMAIL***",
     .pre = {"@"},
     .valid = TM_CHECK_email},
    {.name = "secret_value",
     .pattern = "(password|passwd|pwd|passphrase|secret|token|api_key|api-key|apikey|"
         "access_key|accesskey|account_key|accountkey|private_key|credential|"
         "session|sessid|\\.sid|signature|_auth|sharedaccesskey)"
         "[A-Za-z0-9_.-]*[\"']?" SP "(=>|=|:)" SP
         "(\"[^\"]*\"|'[^']*'|\\$?\\{[^}]*\\}|[^[:space:],;&\"'<>(){}]+)",
     .icase = 1,
     .group = 3,
     .marker = "***",
     .pre = {"pass", "pwd", "secret", "token", "key", "credential", "session",
         "sessid", ".sid", "signature", "_auth"},
     .valid = TM_CHECK_keyvalue,
     .lead = 16},
    {.name = "netrc_password",
     .pattern = "(machine|login|account)[[:space:]]+[^[:space:]]+[[:space:]]+password"
         "[[:space:]]+([^[:space:]]+)",
     .group = 2,
     .marker = "***",
     .pre = {"machine", "login", "account"}},
    {.name = "password_option",
     .pattern = "--([a-z]+-)*pass(word|wd)?(=|[[:space:]]+)"
         "('[^']*'|\"[^\"]*\"|[^[:space:]\"']+)",
     .group = 4,
     .marker = "***",
     .pre = {"--"},
     .valid = TM_CHECK_pwopt,
     .lead = 1},
    {.name = "go_dsn",
     .pattern = "[^[:space:]:/@\"']*:([^[:space:]\"']+)@(tcp|unix|udp)\\(",
     .group = 1,
     .marker = "***",
     .pre = {"@tcp(", "@unix(", "@udp("}},
    {.name = "curl_user",
     .pattern = "(-u|--user)([[:space:]]+|=)[^[:space:]:]+:([^[:space:]]+)",
     .group = 3,
     .marker = "***",
     .pre = {"-u", "--user"},
     .valid = TM_CHECK_option},
    {.name = "mysql_password",
     .pattern = "-p([^[:space:]]+)",
     .group = 1,
     .marker = "***",
     .pre = {"mysql", "mariadb", "mongo", "7z ", "unrar", "rar "},
     .valid = TM_CHECK_mysql},
    {.name = "client_password",
     .pattern = "(-a|-w|-P|-passin|-passout)[[:space:]]+((pass|env|file):)?([^[:space:]]+)",
     .group = 4,
     .marker = "***",
     .pre = {"redis-cli", "ldapsearch", "ldapmodify", "ldapadd", "ldapdelete",
         "sqlcmd", "openssl", "zip "},
     .valid = TM_CHECK_pwopt},
    {.name = "sshpass",
     .pattern = "sshpass[[:space:]]+(-[a-zA-Z]+[[:space:]]+)*-p[[:space:]]*([^[:space:]]+)",
     .group = 2,
     .marker = "***",
     .pre = {"sshpass"},
     .lead = 1},
    {.name = "login_p",
     .pattern = "(docker|podman|buildah|skopeo|nerdctl|oras|registry)[[:space:]]+login"
         "[^\r\n;&|]*[[:space:]]-p[[:space:]]+([^[:space:];&|]+)",
     .group = 2,
     .marker = "***",
     .pre = {"login"}},
    {.name = "home_path",
     .pattern = "/(home|Users)/(\\.?/)*([^" USER_END "]+)",
     .group = 3,
     .marker = "***",
     .pre = {"/home/", "/Users/"},
     .valid = TM_CHECK_home,
     .user = 1,
     .lead = 1},
    {.name = "home_path_json",
     .pattern = "\\\\/(home|Users)\\\\/([^" USER_END "]+)",
     .group = 2,
     .marker = "***",
     .pre = {"\\/home\\/", "\\/Users\\/"},
     .valid = TM_CHECK_home,
     .user = 1,
     .lead = 1},
    {.name = "home_path_url",
     .pattern = "%2[Ff](home|Users)%2[Ff]([^%&?#" USER_END "]+)",
     .group = 2,
     .marker = "***",
     .pre = {"home%2", "Users%2"},
     .valid = TM_CHECK_home,
     .user = 1,
     .lead = 4},
    {.name = "home_path_windows",
     .pattern = "[A-Za-z]:([\\\\/])+(Users|Documents and Settings)([\\\\/])+"
         "([^\\\\/\r\n\"'*?<>|:;,]+)",
     .group = 4,
     .marker = "***",
     .pre = {"Users", "Documents and"},
     .valid = TM_CHECK_home,
     .user = 1},
    {.name = "home_path_backslash",
     .pattern = "(\\\\)+home(\\\\)+([^" USER_END "]+)",
     .group = 3,
     .marker = "***",
     .pre = {"\\home"},
     .valid = TM_CHECK_home,
     .user = 1},
    {.name = "pytest_of",
     .pattern = "pytest-of-([^" USER_END "]+)",
     .group = 1,
     .marker = "***",
     .pre = {"pytest-of-"},
     .valid = TM_CHECK_home,
     .user = 1,
     .lead = 1},
    {.name = "home_dashed",
     .pattern = "-(home|Users)-([^-" USER_END "]+)",
     .group = 2,
     .marker = "***",
     .pre = {"-home-", "-Users-"},
     .valid = TM_CHECK_dashhome,
     .user = 1,
     .lead = 1},
    {.name = "git_owner",
     .pattern = "(owned by|current user is):?" SP "'([^'\r\n]+)'",
     .group = 2,
     .marker = "***",
     .pre = {"owned by", "current user is"},
     .user = 1,
     .lead = 1},
    {.name = "ipv4",
     .pattern = "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
     .marker = "***IP***",
     .pre = {"."},
     .valid = TM_CHECK_ipv4,
     .need = TM_NEED_DOTTED},
    {.name = "card_number",
     .pattern = "[0-9]([ -]?[0-9]){12,18}",
     .marker = "***CARD***",
     .pre = {""},
     .valid = TM_CHECK_card,
     .need = TM_NEED_DIGITS13},
    {.name = "phone_international",
     .pattern = "\\+[1-9][0-9 ().-]{6,20}[0-9]",
     .marker = "***PHONE***",
     .pre = {"+"},
     .valid = TM_CHECK_phone,
     .need = TM_NEED_PLUSDIGIT},
    {.name = "phone_north_america",
     .pattern = "(\\([2-9][0-9]{2}\\)|[2-9][0-9]{2})[ .-]?[2-9][0-9]{2}[ .-][0-9]{4}",
     .marker = "***PHONE***",
     .pre = {""},
     .valid = TM_CHECK_phone,
     .need = TM_NEED_DIGITS10},
    {.name = "base64_blob",
     .pattern = "[A-Za-z0-9+/_-]{40,}={0,2}",
     .marker = TOKEN,
     .pre = {""},
     .valid = TM_CHECK_blob,
     .need = TM_NEED_RUN40},
    {.name = "long_token",
     .pattern = "[A-Za-z0-9]{32,}",
     .marker = TOKEN,
     .pre = {""},
     .valid = TM_CHECK_long,
     .need = TM_NEED_RUN32},
};

const size_t tm__nrules = sizeof(tm__rules) / sizeof(tm__rules[0]);

int tm__rule_check(enum tm__check check, struct tm__cand *c)
{
    switch (check) {
#define TM__CHECK_CASE(name)                                                   \
    case TM_CHECK_##name:                                                      \
        return v_##name(c);
        TM_RULE_CHECKS(TM__CHECK_CASE)
#undef TM__CHECK_CASE
    case TM_CHECK_NONE:
        break;
    }
    return 1;
}

size_t tm__rule_scan(enum tm__scan scan, const char *s, size_t n, size_t from,
                     size_t *so, size_t *eo)
{
    switch (scan) {
#define TM__SCAN_CASE(name)                                                    \
    case TM_SCAN_##name:                                                       \
        return scan_##name(s, n, from, so, eo);
        TM_RULE_SCANS(TM__SCAN_CASE)
#undef TM__SCAN_CASE
    case TM_SCAN_PREFIXES:
        break;
    }
    return 0;
}
