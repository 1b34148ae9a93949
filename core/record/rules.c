/*
 * rules.c - the sanitization rule table (SPEC §4.1) and its validators.
 *
 * Order is priority: when spans of two rules overlap, the earlier rule's
 * marker is used for the merged span.  Patterns are POSIX extended syntax
 * as TRE 0.8 understands it: no lookaround, no back-references, no \b; word
 * boundaries and number checks are done by the validators in C.
 */
#include <string.h>

#include "sanitize.h"

#define TOKEN "***TOKEN***"

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(int c) { return c >= 'a' && c <= 'z'; }
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

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
        if (is_digit((unsigned char)s[i]))
            return 1;
    return 0;
}

static int ci_eq(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);

    if (n != k)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != (lit[i] | 0x20))
            return 0;
    return 1;
}

static int ci_contains(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);

    for (size_t i = 0; i + k <= n; i++)
        if (ci_eq(s + i, k, lit))
            return 1;
    return 0;
}

/* The match starts a token: no letter or digit right before it. */
static int v_boundary(struct tm__cand *c)
{
    return !is_alnum(before(c, c->mso));
}

/* Token on both sides: no letter or digit before or after the match. */
static int v_word(struct tm__cand *c)
{
    return !is_alnum(before(c, c->mso)) && !is_alnum(after(c, c->meo));
}

/* sk- keys: at a token boundary ("risk-free" is not one) and with a digit. */
static int v_sk(struct tm__cand *c)
{
    int b = before(c, c->mso);

    return !is_alnum(b) && b != '_' && b != '-' &&
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
        if (is_digit(ch) || ch == '.' || ch == '=' || ch == '+' || ch == '/')
            return 1;
        up |= is_upper(ch);
        low |= is_lower(ch);
    }
    return up && low;
}

static int v_bearer(struct tm__cand *c)
{
    return v_boundary(c) && tokenish(c->s + c->so, c->eo - c->so);
}

/* An e-mail, unless it is the password of scheme://user:pass@host (the URL
 * rule takes that) or an ssh remote such as git@github.com. */
static int v_email(struct tm__cand *c)
{
    size_t i = c->mso;

    if (c->eo - c->so > 4 && memcmp(c->s + c->mso, "git@", 4) == 0)
        return 0;
    if (i > 0 && c->s[i - 1] == ':') {
        /* Walk back over the user part to see whether "://" precedes it. */
        size_t j = i - 1;
        while (j > 0 && c->s[j - 1] != '/' && c->s[j - 1] != '@' &&
               !is_space((unsigned char)c->s[j - 1]))
            j--;
        if (j >= 3 && memcmp(c->s + j - 3, "://", 3) == 0)
            return 0;
    }
    return 1;
}

/* key=value: the key is not a count/length/url/path field and the value
 * is not a placeholder. */
static int v_keyvalue(struct tm__cand *c)
{
    static const char *const plain_keys[] = {
        "max_", "_count", "count", "num_", "_len", "length", "_url", "url_",
        "_uri", "_path", "path_", "_file", "_dir", "_type", "type_", "_limit",
        "limit", "_size", "_ttl", "expires", "tokens", "_name", "_id_", "_ms",
        NULL};
    static const char *const placeholders[] = {
        "none", "null", "nil", "true", "false", "redacted", "<redacted>",
        "[redacted]", "***", "*", "", "undefined", "empty", NULL};
    const char *v = c->s + c->so;
    size_t vn = c->eo - c->so;
    size_t start = c->mso, kn;

    /* The match starts at the secret word; the key may begin before it
     * ("DB_PASSWORD", "max_tokens"): walk back to its start. */
    while (start > 0 && (is_alnum((unsigned char)c->s[start - 1]) ||
                         c->s[start - 1] == '_' || c->s[start - 1] == '.' ||
                         c->s[start - 1] == '-'))
        start--;
    kn = (size_t)(c->key_end - (c->s + start));
    for (int i = 0; plain_keys[i]; i++)
        if (ci_contains(c->s + start, kn, plain_keys[i]))
            return 0;
    if (vn >= 2 && (v[0] == '"' || v[0] == '\'')) {
        v++;
        vn -= 2;
    }
    for (int i = 0; placeholders[i]; i++)
        if (ci_eq(v, vn, placeholders[i]))
            return 0;
    if (vn >= 2 && ((v[0] == '$' && v[1] == '{') || v[0] == '<' ||
                    (v[0] == '*' && v[1] == '*') || v[0] == '%'))
        return 0;
    return 1;
}

/* curl -u / --user: the option starts a word. */
static int v_option(struct tm__cand *c)
{
    int b = before(c, c->mso);
    return b == -1 || is_space(b) || b == '"' || b == '\'';
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

    if (is_alnum(b) || b == '.' || b == '-' || b == '*')
        return 0;
    if (is_alnum(a) || a == '*' || (a == '.' && c->meo + 1 < c->n &&
                        is_digit((unsigned char)c->s[c->meo + 1])))
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
    /* "version 1.2.3.4", "v1.2.3.4" */
    if (c->mso >= 8 && ci_contains(c->s + c->mso - 8, 8, "version"))
        return 0;
    return 1;
}

/* Payment cards: 13-19 digits, a card network's first digit, Luhn valid. */
static int v_card(struct tm__cand *c)
{
    const char *s = c->s + c->mso;
    size_t n = c->meo - c->mso;
    int sum = 0, nd = 0, dbl = 0, b = before(c, c->mso), a = after(c, c->meo);

    if (is_alnum(b) || b == '.' || b == '-' || b == '*' || is_alnum(a) ||
        a == '-' || a == '*')
        return 0;
    if (s[0] < '2' || s[0] > '6')
        return 0;
    for (size_t i = n; i-- > 0;) {
        int d;
        if (!is_digit((unsigned char)s[i]))
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
    if (is_alnum(b) || b == '+' || b == '.' || b == '-' || b == '/' ||
        b == ':' || b == '*' || is_alnum(a) || a == '-' || a == '/' || a == '*' ||
        (a == '.' && c->meo + 1 < c->n &&
         is_digit((unsigned char)c->s[c->meo + 1])))
        return 0;
    for (size_t i = 0; i < n; i++)
        nd += is_digit((unsigned char)s[i]);
    return nd >= 10 && nd <= 15;
}

/* A base64 blob that is not a path: mixed classes, many distinct
 * characters, and when it has slashes, no path-like shape. */
static int v_blob(struct tm__cand *c)
{
    const char *s = c->s + c->mso;
    size_t n = c->meo - c->mso;
    int up = 0, low = 0, dig = 0, slash = 0, plus_eq = 0, distinct = 0;
    unsigned char seen[256] = {0};

    if (is_alnum(before(c, c->mso)) || before(c, c->mso) == '/')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        up += is_upper(ch);
        low += is_lower(ch);
        dig += is_digit(ch);
        slash += ch == '/';
        plus_eq |= ch == '+' || ch == '=';
        if (!seen[ch]++)
            distinct++;
    }
    if (up < 2 || low < 2 || dig < 1 || distinct < 16)
        return 0;
    if (slash) {
        size_t seg = 0;
        if (s[0] == '/' || memmem(s, n, "//", 2) != NULL)
            return 0;
        if (plus_eq)
            return 1;
        /* A lowercase word of 3+ letters between slashes reads as a path. */
        for (size_t i = 0; i <= n; i++) {
            if (i == n || s[i] == '/' || !is_lower((unsigned char)s[i])) {
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
        alpha = is_alpha((unsigned char)s[i]);
    return alpha && has_digit(s, n);
}

/* mysql -pSECRET: only when a MySQL client is named, and -p starts a word. */
static int v_mysql(struct tm__cand *c)
{
    return v_option(c) && c->eo > c->so;
}

int tm__generic_user(const char *s, size_t n)
{
    static const char *const generic[] = {
        "root", "user", "admin", "runner", "ubuntu", "git", "node", "www",
        "app", "dev", "test", "guest", "vagrant", "shared", "public",
        "default", "***", NULL};

    for (int i = 0; generic[i]; i++)
        if (ci_eq(s, n, generic[i]))
            return 1;
    return 0;
}

/* Characters that end the user segment of a home path. */
#define USER_END "/[:space:]\"':;,)\\\\"

const struct tm__rule tm__rules[] = {
    {"private_key",
     "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----([^-]|-[^-])*"
     "(-----END [A-Z0-9 ]*PRIVATE KEY-----)?",
     0, 0, "***PRIVATE KEY***", {"PRIVATE KEY"}, NULL, 0, TM_NEED_NONE},
    {"authorization_header",
     "(proxy-)?authorization[\"']?[[:space:]]*[:=][[:space:]]*"
     "(\"[^\"]*\"|'[^']*'|[^\r\n\"',}]+)",
     1, 2, TOKEN, {"authorization"}, NULL, 0, TM_NEED_NONE},
    {"url_password",
     "://[^/[:space:]:@]*:([^/[:space:]@]+)@",
     0, 1, "***", {"://"}, NULL, 0, TM_NEED_NONE},
    {"bearer_basic", "(bearer|basic)[[:space:]]+([A-Za-z0-9._~+/=-]+)",
     1, 2, TOKEN, {"bearer", "basic"}, v_bearer, 0, TM_NEED_NONE},
    {"github_token",
     "(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
     0, 0, TOKEN, {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
     v_boundary, 0, TM_NEED_NONE},
    {"gitlab_token", "gl[a-z]{1,8}-[A-Za-z0-9_-]{20,}",
     0, 0, TOKEN, {"gl"}, v_boundary, 0, TM_NEED_NONE},
    {"aws_key_id", "(AKIA|ASIA)[A-Z0-9]{16}",
     0, 0, TOKEN, {"AKIA", "ASIA"}, v_word, 0, TM_NEED_NONE},
    {"slack_token", "xox[abposre]-[A-Za-z0-9-]{10,}",
     0, 0, TOKEN, {"xox"}, v_boundary, 0, TM_NEED_NONE},
    {"slack_webhook", "hooks\\.slack\\.com/services/[A-Za-z0-9/_-]+",
     0, 0, TOKEN, {"hooks.slack.com"}, NULL, 0, TM_NEED_NONE},
    {"stripe_key",
     "((sk|rk)_live_|(sk|pk|rk)_test_|whsec_)[A-Za-z0-9]{10,}",
     0, 0, TOKEN, {"_live_", "_test_", "whsec_"}, v_boundary, 0, TM_NEED_NONE},
    {"google_api_key", "AIza[A-Za-z0-9_-]{30,}",
     0, 0, TOKEN, {"AIza"}, v_boundary, 0, TM_NEED_NONE},
    {"npm_token", "npm_[A-Za-z0-9]{30,}", 0, 0, TOKEN, {"npm_"}, v_boundary, 0, TM_NEED_NONE},
    {"pypi_token", "pypi-[A-Za-z0-9_-]{16,}",
     0, 0, TOKEN, {"pypi-"}, v_boundary, 0, TM_NEED_NONE},
    {"huggingface_token", "hf_[A-Za-z0-9]{20,}",
     0, 0, TOKEN, {"hf_"}, v_boundary, 0, TM_NEED_NONE},
    {"docker_token", "dckr_pat_[A-Za-z0-9_-]{20,}",
     0, 0, TOKEN, {"dckr_pat_"}, v_boundary, 0, TM_NEED_NONE},
    {"sendgrid_key", "SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}",
     0, 0, TOKEN, {"SG."}, v_boundary, 0, TM_NEED_NONE},
    {"jwt", "eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*",
     0, 0, TOKEN, {"eyJ"}, v_boundary, 0, TM_NEED_NONE},
    {"openai_key", "sk-[A-Za-z0-9_-]{6,}", 0, 0, TOKEN, {"sk-"}, v_sk, 0, TM_NEED_NONE},
    {"email",
     "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}",
     0, 0, "***EMAIL***", {"@"}, v_email, 0, TM_NEED_NONE},
    {"secret_value",
     "(password|passwd|pwd|passphrase|secret|token|api_key|"
     "apikey|access_key|private_key|credential|session_id|signature|_auth)"
     "[A-Za-z0-9_.-]*[\"']?[[:space:]]*(=>|=|:)[[:space:]]*"
     "(\"[^\"]*\"|'[^']*'|\\$\\{[^}]*\\}|[^[:space:],;&\"'<>(){}]+)",
     1, 3, "***",
     {"pass", "pwd", "secret", "token", "key", "credential", "session"},
     v_keyvalue, 0, TM_NEED_NONE},
    {"curl_user", "(-u|--user)([[:space:]]+|=)[^[:space:]:]+:([^[:space:]]+)",
     0, 3, "***", {"-u", "--user"}, v_option, 0, TM_NEED_NONE},
    {"mysql_password", "-p([^[:space:]]+)",
     0, 1, "***", {"mysql", "mariadb"}, v_mysql, 0, TM_NEED_NONE},
    {"home_path", "/(home|Users)/([^" USER_END "]+)",
     0, 2, "***", {"/home/", "/Users/"}, v_home, 1, TM_NEED_NONE},
    {"home_path_json", "\\\\/(home|Users)\\\\/([^" USER_END "]+)",
     0, 2, "***", {"\\/home\\/", "\\/Users\\/"}, v_home, 1, TM_NEED_NONE},
    {"home_path_url", "%2[Ff](home|Users)%2[Ff]([^%&?#" USER_END "]+)",
     0, 2, "***", {"home%2", "Users%2"}, v_home, 1, TM_NEED_NONE},
    {"home_path_windows",
     "[A-Za-z]:(\\\\)+(Users|Documents and Settings)(\\\\)+"
     "([^\\\\\r\n\"'*?<>|:;,]+)",
     0, 4, "***", {"Users", "Documents and"}, v_home, 1, TM_NEED_NONE},
    {"home_path_backslash", "(\\\\)+home(\\\\)+([^" USER_END "]+)",
     0, 3, "***", {"\\home"}, v_home, 1, TM_NEED_NONE},
    {"ipv4", "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
     0, 0, "***IP***", {"."}, v_ipv4, 0, TM_NEED_DOTTED},
    {"card_number", "[0-9]([ -]?[0-9]){12,18}",
     0, 0, "***CARD***", {NULL}, v_card, 0, TM_NEED_DIGITS13},
    {"phone_international", "\\+[1-9][0-9 ().-]{6,20}[0-9]",
     0, 0, "***PHONE***", {"+"}, v_phone, 0, TM_NEED_PLUSDIGIT},
    {"phone_north_america",
     "(\\([2-9][0-9]{2}\\)|[2-9][0-9]{2})[ .-]?[2-9][0-9]{2}[ .-][0-9]{4}",
     0, 0, "***PHONE***", {NULL}, v_phone, 0, TM_NEED_DIGITS10},
    {"base64_blob", "[A-Za-z0-9+/_-]{40,}={0,2}",
     0, 0, TOKEN, {NULL}, v_blob, 0, TM_NEED_RUN40},
    {"long_token", "[A-Za-z0-9]{32,}", 0, 0, TOKEN, {NULL}, v_long, 0,
     TM_NEED_RUN32},
};

const size_t tm__nrules = sizeof(tm__rules) / sizeof(tm__rules[0]);
