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
#include "log_reader.h"
#include "store.h"

#define TAIL_MAX 100000

static const char *only_run; /* --run: the events of this run only */
static size_t width;          /* of a line: cli_width(), or --wide's all */
#define TAIL_LINE 4096        /* a formatted event, before the cut */

/* "2026-11-25 18:42:16  repo  agent  Type: message" (cut to the width
 * when printed, README "Terminal width"),
 * then, when the event has a Python stack with the agent's own code in
 * it, a second line "    at <culprit>" (README "Where in the agent: the
 * Python stack"), into out (cap > 200), every field through cli_text()
 * (control characters escaped).  Returns its length, or 0 when the line is
 * not an event (by the summary's rule: the reader it uses) or not of the
 * run --run names. */
static size_t format_event(const char *line, size_t len, char *out, size_t cap)
{
    static char scratch[TM_READER_BUF + 64]; /* the view's decoded strings */
    struct tm__event_view v;
    char day[11], clock[9];
    const char *culprit;
    size_t n = 0;
    int room;

    if (cap <= 80 ||
        tm__event_read(line, len, &v, scratch, sizeof(scratch)) != 0)
        return 0;
    if (only_run != NULL && (v.run == NULL || strcmp(v.run, only_run) != 0))
        return 0;
    /* the view's timestamp is a time (event_parse.h): "YYYY-MM-DD[Thh:mm:ss...]" */
    memcpy(day, v.timestamp, 10);
    day[10] = '\0';
    tm__strlcpy(clock, strlen(v.timestamp) > 11 ? v.timestamp + 11 : "",
                sizeof(clock));
    n += cli_text(out + n, cap - n, day, 10);
    out[n++] = ' ';
    n += cli_text(out + n, cap - n, clock, 8);
    memcpy(out + n, "  ", 2), n += 2;
    n += cli_text(out + n, cap - n, v.repo, 16);
    memcpy(out + n, "  ", 2), n += 2;
    n += cli_text(out + n, cap - n, v.agent, 16);
    memcpy(out + n, "  ", 2), n += 2;
    n += cli_text(out + n, cap - n, v.error_type, 24);
    memcpy(out + n, ": ", 2), n += 2;
    room = (int)(cap - n) - 100; /* the culprit's line has room after it */
    n += cli_text(out + n, cap - n, v.error_message, (size_t)room);
    if ((culprit = tm__stack_culprit(v.stack, v.nstack)) != NULL &&
        cap - n > 90) {
        memcpy(out + n, "\n    at ", 8), n += 8;
        n += cli_text(out + n, cap - n, culprit, 80);
    }
    return n;
}

static void print_event(const char *line, size_t len)
{
    char text[TAIL_LINE];
    size_t n = format_event(line, len, text, sizeof(text));

    if (n > 0)
        cli_put_lines(stdout, text, width);
}

/* Keeps the last n events seen, formatted: a ring of short copies.  keep()
 * returns 0, or -1 when out of memory. */
struct last {
    char **line; /* owned: n formatted lines */
    long n, next, count;
};

static int keep(struct last *l, const char *s, size_t raw_len)
{
    long i = l->next;
    char text[TAIL_LINE], *copy;
    size_t len = format_event(s, raw_len, text, sizeof(text));

    if (len == 0)
        return 0; /* not an event: skipped */
    if ((copy = malloc(len + 1)) == NULL)
        return -1;
    memcpy(copy, text, len + 1);
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
    static const struct option opts[] = {
        {"lines", required_argument, NULL, 'n'},
        {"follow", no_argument, NULL, 'f'},
        {"wide", no_argument, NULL, 'w'},
        {"run", required_argument, NULL, 'u'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    struct tm__reader r;
    struct last l = {0};
    const char *line;
    size_t len;
    long count = 10;
    int opt, rc, err, dfd, follow_on = 0, saved;
    struct stat st;

    tm__config_from_env(&cfg);
    width = cli_width();
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":hn:f", opts, NULL)) != -1) {
        switch (opt) {
        case 'n':
            if (cli_parse_count(optarg, TAIL_MAX, &count) != 0)
                return cli_usage("tail", "-n needs a number from 1 to %d", TAIL_MAX);
            break;
        case 'f': follow_on = 1; break;
        case 'w': width = CLI_TEXT_ALL; break;
        case 'u':
            if (!tm__run_id_valid(optarg))
                return cli_usage("tail", "--run needs a run id (16 lowercase "
                                         "hex digits, see 'telemetry runs')");
            only_run = optarg;
            break;
        default:
            if (cli_common_option("tail", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("tail", "unexpected argument '%s'", argv[optind]);
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
            cli_put_lines(stdout, l.line[(l.next - shown + k + l.n) % l.n], width);
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
