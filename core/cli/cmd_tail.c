/*
 * cmd_tail.c - `telemetry tail [-n N] [-f]`: the last events, one readable
 * line each; -f follows the central log across rotation.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "api.h"
#include "event.h"
#include "event_parse.h"
#include "evidence.h"
#include "filter.h"
#include "log_reader.h"
#include "store.h"

#define TAIL_MAX 100000

/* What the command shows: the filters, and how. */
static struct tm__summary_filter filter;
static int as_json;  /* --json: the stored lines as they are */
static size_t width; /* of a line: cli_width(), or all (--wide, --full) */

/* The line as shown (formatted, or itself with --json) into a new string
 * (the caller frees); NULL when it is no event or the filters leave it
 * out, with *oom set when memory ran out. */
static char *format_event(const char *line, size_t len, int *oom)
{
    static char scratch[TM_READER_BUF + 64]; /* the view's decoded strings */
    struct tm__event_view v;
    char when[CLI_WHEN_SIZE], *out;
    const char *culprit;
    /* names cut to a column's room (a sixth of what the time and the
     * separators leave, 8 to 32 columns; a type 8 more, at least 20: most
     * exception names fit), so the message keeps most of a wide line;
     * nothing cut with --wide */
    size_t n = 0, cap,
           field = width == CLI_TEXT_ALL ? CLI_TEXT_ALL - 8
                   : width < 33 + 48     ? 8
                   : (width - 33) / 6 > 32 ? 32 : (width - 33) / 6;

    *oom = 0;
    if (tm__event_read(line, len, &v, scratch, sizeof(scratch)) != 0 ||
        !tm__summary_keep(&filter, &v))
        return NULL;
    /* escaped, a byte takes at most 6 ("\u202e"); the line is cut to the
     * width when printed (README "Terminal width") */
    cap = as_json ? len + 1 : len * 6 + 512;
    if ((out = malloc(cap)) == NULL) {
        *oom = 1;
        return NULL;
    }
    if (as_json) {
        memcpy(out, line, len);
        out[len] = '\0';
        return out;
    }
    cli_when(v.timestamp, when, sizeof(when));
    n += cli_text(out + n, cap - n, when, CLI_TEXT_ALL);
    memcpy(out + n, "  ", 2), n += 2;
    n += cli_text(out + n, cap - n, v.repo, field);
    memcpy(out + n, "  ", 2), n += 2;
    n += cli_text(out + n, cap - n, v.agent, field);
    memcpy(out + n, "  ", 2), n += 2;
    n += cli_text(out + n, cap - n, v.error_type, field < 12 ? 20 : field + 8);
    memcpy(out + n, ": ", 2), n += 2;
    n += cli_text(out + n, cap - n, v.error_message, cap - n > 100 ? cap - n - 100 : 0);
    if ((culprit = tm__stack_culprit(v.stack, v.nstack)) != NULL && cap - n > 90) {
        memcpy(out + n, "\n    at ", 8), n += 8;
        n += cli_text(out + n, cap - n, culprit, CLI_TEXT_ALL);
    }
    out[n] = '\0';
    return out;
}

static void show(const char *text)
{
    if (as_json)
        puts(text);
    else
        cli_put_lines(stdout, text, width);
}

static void print_event(const char *line, size_t len)
{
    int oom;
    char *text = format_event(line, len, &oom);

    if (text != NULL)
        show(text);
    free(text);
}

struct last {
    char **line; /* owned: n formatted lines */
    long n, next, count;
};

static int keep(struct last *l, const char *s, size_t raw_len)
{
    long i = l->next;
    int oom;
    char *copy = format_event(s, raw_len, &oom);

    if (copy == NULL)
        return oom ? -1 : 0; /* not an event, or filtered out: skipped */
    free(l->line[i]);
    l->line[i] = copy;
    l->next = (i + 1) % l->n;
    l->count++;
    return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Follows the central log: prints lines as they are appended; when the
 * file is rotated (renamed to .1 and created again) it finishes the old
 * one, then continues with the new, until interrupted: returns EXIT_OK. */
static int follow(int dfd, off_t start)
{
    char buf[TM_LINE_MAX * 2];
    size_t have = 0;
    struct stat cur, now;
    int fd;

    /* Through the reader's open: a FIFO put in the log's place is not
     * waited on; it is passed over like a missing file. */
    tm__reader_open_log(dfd, TM_CENTRAL_LOG, &fd);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (fd >= 0) {
        lseek(fd, start, SEEK_SET);
        fstat(fd, &cur);
    }
    while (!stop) {
        ssize_t got = fd >= 0 ? read(fd, buf + have, sizeof(buf) - have) : 0;
        char *nl;

        if (got > 0) {
            have += (size_t)got;
            while ((nl = memchr(buf, '\n', have)) != NULL) {
                print_event(buf, (size_t)(nl - buf));
                have -= (size_t)(nl - buf) + 1;
                memmove(buf, nl + 1, have);
            }
            if (have == sizeof(buf)) /* a line too long to be an event */
                have = 0;
            fflush(stdout);
            continue;
        }
        /* At the end: rotated (another file now has the name), or new? */
        if (fstatat(dfd, TM_CENTRAL_LOG, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
            (fd < 0 || now.st_ino != cur.st_ino)) {
            if (fd >= 0)
                close(fd);
            tm__reader_open_log(dfd, TM_CENTRAL_LOG, &fd);
            have = 0;
            if (fd >= 0) {
                fstat(fd, &cur);
                continue;
            } /* refused (not a regular file): look again later */
        }
        usleep(200000);
    }
    if (fd >= 0)
        close(fd);
    return EXIT_OK;
}

int cmd_tail(int argc, char **argv)
{
    static const struct option own[] = {
        {"lines", required_argument, NULL, 'n'},
        {"follow", no_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},
        {"full", no_argument, NULL, 'w'},
        {"wide", no_argument, NULL, 'w'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'}};
    struct option opts[sizeof(own) / sizeof(own[0]) + CLI_F_COUNT + 1];
    struct cli_filter cf = {0};
    struct tm__config cfg = {0};
    struct tm__reader r;
    struct last l = {0};
    const char *line;
    size_t len;
    long count = 10;
    int opt, rc, err, dfd, follow_on = 0, saved;
    struct stat st;

    cli_filter_table(opts, own, sizeof(own) / sizeof(own[0]));
    memset(&filter, 0, sizeof(filter));
    as_json = 0;
    tm__config_from_env(&cfg);
    width = cli_width();
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":n:fh", opts, NULL)) != -1) {
        if (cli_filter_take(&cf, opt, optarg))
            continue;
        switch (opt) {
        case 'n':
            if (cli_parse_count(optarg, TAIL_MAX, &count) != 0)
                return cli_usage("tail", "-n needs a number from 1 to %d", TAIL_MAX);
            break;
        case 'f': follow_on = 1; break;
        case 'j': as_json = 1; break;
        case 'w': width = CLI_TEXT_ALL; break;
        default:
            if (cli_common_option("tail", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("tail", "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_filter_resolve("tail", &cf, &filter)) != EXIT_OK)
        return rc;
    if ((dfd = cli_open_dir(&cfg)) < 0)
        return EXIT_RUNTIME;
    l.n = count;
    l.line = calloc((size_t)count, sizeof(char *));
    err = l.line ? tm__reader_open(&r, dfd, TM_CENTRAL_LOG) : TM_ENOMEM;
    while (err == 0 && (err = tm__reader_next(&r, &line, &len)) == 1)
        err = len > 0 && keep(&l, line, len) != 0 ? TM_ENOMEM : 0;
    saved = errno;
    if (l.line)
        tm__reader_close(&r);
    if (err < 0) {
        char what[4200];
        snprintf(what, sizeof(what), "cannot read '%s'", cfg.dir);
        cli_read_error(what, cfg.dir, err, saved);
        rc = EXIT_RUNTIME;
    } else {
        long shown = l.count < l.n ? l.count : l.n;
        for (long k = 0; k < shown; k++)
            show(l.line[(l.next - shown + k + l.n) % l.n]);
        fflush(stdout);
        rc = EXIT_OK;
        if (follow_on)
            rc = follow(dfd, fstatat(dfd, TM_CENTRAL_LOG, &st, AT_SYMLINK_NOFOLLOW) == 0
                                 ? st.st_size : 0);
    }
    for (long i = 0; l.line && i < l.n; i++)
        free(l.line[i]);
    free(l.line);
    close(dfd);
    return rc;
}
