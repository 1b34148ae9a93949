/*
 * text.c - the one printer of text that came from a log (see cli.h).
 *
 * A repository, agent, type or message is whatever a process wrote: an
 * ESC, a C1 control or a bidi override printed raw would drive the
 * reader's terminal (retitle it, clear it, hide or reorder text).  Human
 * output therefore shows such characters as visible escapes; --json output
 * is left to the JSON encoder, which is exact.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "jsonw.h"

/* Code points shown as \uXXXX although valid UTF-8: C1 controls, and the
 * formatting characters that reorder or break the line (bidi embeddings,
 * overrides and isolates, the marks, the line and paragraph separators). */
static const struct {
    unsigned lo, hi;
} escaped_ranges[] = {
    {0x0080, 0x009f}, /* C1 controls (0x9b is CSI on some terminals) */
    {0x061c, 0x061c}, /* ARABIC LETTER MARK */
    {0x200e, 0x200f}, /* LRM, RLM */
    {0x2028, 0x2029}, /* LINE / PARAGRAPH SEPARATOR */
    {0x202a, 0x202e}, /* LRE, RLE, PDF, LRO, RLO */
    {0x2066, 0x2069}, /* LRI, RLI, FSI, PDI */
};

static int escaped_cp(unsigned cp)
{
    for (size_t i = 0; i < sizeof(escaped_ranges) / sizeof(escaped_ranges[0]); i++)
        if (cp >= escaped_ranges[i].lo && cp <= escaped_ranges[i].hi)
            return 1;
    return 0;
}

/* The next unit of s: *adv bytes of input shown as the returned text
 * (`tok` when escaped, else the input itself) of *tlen bytes. */
static const char *next_unit(const char *s, size_t n, size_t *adv, char tok[8],
                             size_t *tlen)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    unsigned cp;
    size_t len;

    if (u[0] >= 0x20 && u[0] < 0x7f) {
        *adv = *tlen = 1;
        return s;
    }
    len = u[0] >= 0x80 ? tm__utf8_seq((const char *)u, n, &cp) : 0;
    if (len > 0 && !escaped_cp(cp)) {
        *adv = *tlen = len;
        return s;
    }
    if (len > 0) { /* \uXXXX */
        tok[0] = '\\', tok[1] = 'u';
        for (int i = 0; i < 4; i++)
            tok[2 + i] = hex[(cp >> (12 - 4 * i)) & 0xf];
        *adv = len;
        *tlen = 6;
        return tok;
    }
    /* a C0 control, DEL, or a byte that is not UTF-8: \xHH */
    tok[0] = '\\', tok[1] = 'x', tok[2] = hex[u[0] >> 4], tok[3] = hex[u[0] & 0xf];
    *adv = 1;
    *tlen = 4;
    return tok;
}

/* Columns a unit takes: an escape one per byte, a character one. */
static size_t unit_cols(const char *t, const char *tok, size_t tlen)
{
    return t == tok ? tlen : 1;
}

/* Shown columns of s (n bytes) when nothing is cut. */
static size_t shown_len(const char *s, size_t n)
{
    size_t total = 0, adv, tlen;
    char tok[8];

    for (size_t i = 0; i < n; i += adv) {
        const char *t = next_unit(s + i, n - i, &adv, tok, &tlen);
        total += unit_cols(t, tok, tlen);
    }
    return total;
}

/* Emits s into f (when not NULL) or out (at most `bytes` bytes); returns
 * the columns shown, the bytes written in *nbytes. */
static size_t emit(FILE *f, char *out, size_t bytes, const char *s,
                   size_t width, size_t *nbytes)
{
    size_t n = s ? strlen(s) : 0, used = 0, cols = 0, adv, tlen;
    size_t limit = width;
    int cut = 0;
    char tok[8];

    if (shown_len(s, n) > width || (out != NULL && n > bytes)) {
        cut = 1;
        limit = width >= 3 ? width - 3 : 0;
        if (out != NULL)
            bytes = bytes >= 3 ? bytes - 3 : 0;
    }
    for (size_t i = 0; i < n; i += adv) {
        const char *t = next_unit(s + i, n - i, &adv, tok, &tlen);
        size_t c = unit_cols(t, tok, tlen);
        if (cols + c > limit || (out != NULL && used + tlen > bytes))
            break;
        if (f != NULL)
            fwrite(t, 1, tlen, f);
        else
            memcpy(out + used, t, tlen);
        used += tlen;
        cols += c;
    }
    if (cut && width >= 3) {
        if (f != NULL)
            fputs("...", f);
        else
            memcpy(out + used, "...", 3);
        used += 3;
        cols += 3;
    }
    *nbytes = used;
    return cols;
}

size_t cli_text(char *out, size_t cap, const char *s, size_t width)
{
    size_t n;

    if (cap == 0)
        return 0;
    emit(NULL, out, cap - 1, s, width < cap - 1 ? width : cap - 1, &n);
    out[n] = '\0';
    return n;
}

size_t cli_put_text(FILE *f, const char *s, size_t width)
{
    size_t n;

    return emit(f, NULL, 0, s, width, &n);
}

size_t cli_width(void)
{
    const char *c = getenv("COLUMNS");
    struct winsize ws;
    char *end;
    long v;

    if (c != NULL && *c != '\0') {
        v = strtol(c, &end, 10);
        if (*end == '\0' && v > 0)
            return v < CLI_WIDTH_MIN ? CLI_WIDTH_MIN : (size_t)v;
    }
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col < CLI_WIDTH_MIN ? CLI_WIDTH_MIN : ws.ws_col;
    return 80;
}

void cli_put_lines(FILE *f, const char *s, size_t width)
{
    char line[4096];

    while (*s != '\0') {
        size_t n = strcspn(s, "\n"), k = n < sizeof(line) ? n : sizeof(line) - 1;

        memcpy(line, s, k);
        line[k] = '\0';
        cli_put_text(f, line, width);
        fputc('\n', f);
        s += n + (s[n] == '\n');
    }
}

size_t cli_text_cols(const char *s)
{
    return shown_len(s, s ? strlen(s) : 0);
}
