/*
 * ch.c - the ClickHouse HTTP interface (see ch.h).
 */
#include "ch.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sanitize.h"

int ch_buf_reserve(struct ch_buf *b, size_t n)
{
    size_t max = b->max ? b->max : CH_RESPONSE_MAX;

    if (b->overflow || n >= max || b->len >= max - n) { /* len + n + 1 > max */
        b->overflow = 1;
        return -1;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > max)
            cap = max;
        if ((p = realloc(b->data, cap)) == NULL) {
            b->overflow = 1;
            return -1;
        }
        b->data = p;
        b->cap = cap;
    }
    return 0;
}

int ch_buf_add(struct ch_buf *b, const char *s, size_t n)
{
    if (ch_buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ch_buf_printf(struct ch_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ch_buf_reserve(b, (size_t)n) != 0) {
        b->overflow = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int ch_buf_quote(struct ch_buf *b, const char *s)
{
    int rc = ch_buf_add(b, "'", 1);

    for (const char *p = s; rc == 0 && *p; p++) {
        if (*p == '\'' || *p == '\\')
            rc = ch_buf_add(b, "\\", 1);
        if (rc == 0)
            rc = ch_buf_add(b, p, 1);
    }
    return rc == 0 ? ch_buf_add(b, "'", 1) : -1;
}

void ch_buf_free(struct ch_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* An error about the URL the user gave: the URL appears scrubbed, so a
 * password or token in it is never printed (README, "Privacy"). */
static void url_why(char *why, size_t cap, const char *url, const char *what)
{
    char *shown = tm__scrub_dup(url, strlen(url));

    snprintf(why, cap, "'%s' %s", shown ? shown : "(the URL)", what);
    free(shown);
}

int ch_check_url(const char *url, char *why, size_t cap)
{
    const char *rest, *end;

    /* The scheme is case-insensitive (RFC 3986). */
    if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else {
        url_why(why, cap, url, "is not an http:// or https:// URL");
        return -1;
    }
    end = rest + strcspn(rest, "/");
    if (end == rest) {
        url_why(why, cap, url, "names no host");
        return -1;
    }
    if (memchr(rest, '@', (size_t)(end - rest)) != NULL) {
        snprintf(why, cap, "the URL must not carry credentials: set "
                           "TELEMETRY_CLICKHOUSE_USER and "
                           "TELEMETRY_CLICKHOUSE_PASSWORD instead");
        return -1;
    }
    if (strpbrk(url, "?# \t\r\n") != NULL) {
        snprintf(why, cap, "the URL must not carry a query, a fragment or "
                           "blanks");
        return -1;
    }
    return 0;
}

static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
              (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return 1;
}

int ch_check_table(const char *table)
{
    const char *dot = strchr(table, '.');

    if (dot == NULL)
        return name_ok(table, strlen(table)) ? 0 : -1;
    return name_ok(table, (size_t)(dot - table)) &&
                   name_ok(dot + 1, strlen(dot + 1))
               ? 0
               : -1;
}

int ch_check_target(const char *url, const char *table, char *why, size_t cap)
{
    if (ch_check_url(url, why, cap) != 0)
        return -1;
    if (ch_check_table(table) != 0) {
        snprintf(why, cap, "--table '%s' is not NAME or DB.NAME (letters, "
                           "digits, '_')", table);
        return -1;
    }
    return 0;
}

int ch_open(struct ch_conn *c, const char *url)
{
    size_t n = strlen(url);
    static int inited;

    memset(c, 0, sizeof(*c));
    c->url = url;
    /* With CURLOPT_NOSIGNAL a peer that closes a TLS connection could
     * raise SIGPIPE; this is a command-line program, so ignore it. */
    signal(SIGPIPE, SIG_IGN);
    if (!inited && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(c->err, sizeof(c->err), "cannot initialise libcurl");
        return -1;
    }
    inited = 1;
    c->base = malloc(n + 2);
    c->curl = curl_easy_init();
    if (c->base == NULL || c->curl == NULL) {
        snprintf(c->err, sizeof(c->err), "out of memory");
        ch_close(c);
        return -1;
    }
    memcpy(c->base, url, n + 1);
    if (n == 0 || url[n - 1] != '/')
        memcpy(c->base + n, "/", 2);
    return 0;
}

void ch_close(struct ch_conn *c)
{
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    free(c->base);
    c->curl = NULL;
    c->base = NULL;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct ch_buf *b = arg;

    if (b == NULL)
        return size * n;
    return ch_buf_add(b, p, size * n) == 0 ? size * n : 0;
}

/* The first line of a server's answer, printable, without ClickHouse's
 * ", e.what() = ..." tail. */
static void answer_line(const struct ch_buf *b, char *out, size_t cap)
{
    size_t n = 0;
    const char *s = b->data ? b->data : "";
    const char *tail = strstr(s, ", e.what() = ");

    while (*s == '\n' || *s == '\r' || *s == ' ')
        s++;
    for (; s[n] && s[n] != '\n' && s[n] != '\r' && n + 1 < cap; n++) {
        if (tail != NULL && s + n == tail)
            break;
        out[n] = (unsigned char)s[n] < 0x20 ? '?' : s[n];
    }
    out[n] = '\0';
}

int ch_exec(struct ch_conn *c, const char *query, const char *body,
            size_t len, struct ch_buf *out)
{
    struct ch_buf url = {0}, local = {0};
    struct curl_slist *hdr = NULL;
    char cerr[CURL_ERROR_SIZE] = "";
    const char *user = getenv("TELEMETRY_CLICKHOUSE_USER");
    const char *pass = getenv("TELEMETRY_CLICKHOUSE_PASSWORD");
    struct ch_buf *dst = out ? out : &local;
    CURL *h = c->curl;
    CURLcode cc;
    long status = 0;
    int rc = -1;

    c->err[0] = '\0';
    ch_buf_add(&url, c->base, strlen(c->base));
    ch_buf_printf(&url, "?output_format_json_quote_64bit_integers=0");
    if (query != NULL) {
        char *q = curl_easy_escape(h, query, 0);
        if (q == NULL || ch_buf_printf(&url, "&query=") != 0 ||
            ch_buf_add(&url, q, strlen(q)) != 0)
            url.overflow = 1;
        curl_free(q);
    }
    hdr = curl_slist_append(NULL, "Expect:");
    if (url.overflow || hdr == NULL) {
        snprintf(c->err, sizeof(c->err), "out of memory");
        goto out;
    }
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, dst);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 300L);
    if (user != NULL && *user != '\0') {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : "");
    }
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        if (dst->overflow)
            snprintf(c->err, sizeof(c->err), "the answer is larger than %u MiB",
                     CH_RESPONSE_MAX >> 20);
        else
            snprintf(c->err, sizeof(c->err), "%s",
                     cerr[0] ? cerr : curl_easy_strerror(cc));
    } else if (status != 200) {
        char line[300];
        answer_line(dst, line, sizeof(line));
        snprintf(c->err, sizeof(c->err), "HTTP %ld%s%s", status,
                 line[0] ? ": " : "", line);
    } else {
        rc = 0;
    }
out:
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdr);
    ch_buf_free(&url);
    ch_buf_free(&local);
    if (rc != 0 && out != NULL)
        ch_buf_free(out);
    return rc;
}
