/*
 * cmd_clean.c - `telemetry clean --older-than D`: retention (README, "Storage").
 *
 * Every log in the directory (live and rotated) is rewritten without the
 * events older than D: into a temporary file in the same directory, then
 * renamed over the original, so a reader sees the old file or the new one,
 * never half of one.  The directory lock is held exclusively meanwhile, so
 * a concurrent writer waits (the shim waits briefly, then keeps its event
 * for the process's exit) instead of appending to a file about to be
 * replaced: no event is lost.
 */
#include <dirent.h>
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
#include "runs.h"
#include "api.h"
#include "event_parse.h"
#include "log_reader.h"
#include "spool_merge.h"
#include "store.h"
#include "timefmt.h"

/* Events removed and lines kept, for the central log and for the per-repo
 * copies: the user asks about events, and each event is in both. */
struct tally {
    long long removed, kept;           /* central log (and its .1) */
    long long copies_removed;          /* per-repo logs */
    long long runs_removed;            /* run file records */
};

static int is_log(const char *name)
{
    size_t n = strlen(name);

    static const char log[] = ".jsonl", rotated[] = ".jsonl" TM_ROTATED_SUFFIX;

    return (n > sizeof(log) - 1 && strcmp(name + n - (sizeof(log) - 1), log) == 0) ||
           (n > sizeof(rotated) - 1 &&
            strcmp(name + n - (sizeof(rotated) - 1), rotated) == 0);
}

static int is_central(const char *name)
{
    return strcmp(name, TM_CENTRAL_LOG) == 0 ||
           strcmp(name, TM_CENTRAL_LOG TM_ROTATED_SUFFIX) == 0;
}

/* A run's records go together (README "Runs"): a run is as old as its
 * latest end record when every start has its end, else as its latest
 * record; a run whose `telemetry run` is still alive is never old. */
struct run_age {
    char end[TM_TS_SIZE], latest[TM_TS_SIZE];
    int starts, ends;
    int64_t pid;   /* the latest start record's */
    char start[TM_TS_SIZE];
};

static struct tm__counter ages; /* key: run id; data: struct run_age */

static void later(char *dst, const char *ts)
{
    if (strcmp(ts, dst) > 0)
        tm__strlcpy(dst, ts, TM_TS_SIZE);
}

/* The ages of the runs of the run file (and its rotated copy). */
static void read_ages(int dfd)
{
    static const char *const names[] = {TM_RUNS_LOG, TM_RUNS_LOG TM_ROTATED_SUFFIX};
    static char scratch[TM_READER_BUF + 64];
    static struct tm__run_line rl;

    tm__counter_init(&ages, TM_RUNS_MAX, free);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct tm__reader r;
        const char *line, *why;
        size_t len;
        int oom = 0;

        if (tm__reader_open(&r, dfd, names[i]) != 0)
            continue;
        while (tm__reader_next(&r, &line, &len) == 1) {
            struct tm__centry *e;
            struct run_age *a;

            if (tm__run_line_parse(line, len, &rl, scratch, sizeof(scratch),
                                   &why) != 0 ||
                (e = tm__counter_add(&ages, rl.run, TM_RUN_ID_LEN, 1, &oom)) == NULL)
                continue;
            if (e->data == NULL && (e->data = calloc(1, sizeof(*a))) == NULL)
                continue;
            a = e->data;
            later(a->latest, rl.time);
            if (rl.kind == TM_RUN_END) {
                a->ends++;
                later(a->end, rl.time);
            } else if (rl.kind == TM_RUN_START) {
                a->starts++;
                if (strcmp(rl.time, a->start) >= 0) {
                    later(a->start, rl.time);
                    a->pid = rl.pid;
                }
            }
        }
        tm__reader_close(&r);
    }
}

static int run_old(const char *id, const char *cutoff)
{
    struct tm__centry *e = tm__counter_find(&ages, id, TM_RUN_ID_LEN);
    const struct run_age *a = e ? e->data : NULL;

    if (a == NULL)
        return 0;
    if (a->ends >= a->starts && a->ends > 0)
        return strcmp(a->end, cutoff) < 0;
    if (a->pid > 0 && a->pid <= INT32_MAX &&
        (kill((pid_t)a->pid, 0) == 0 || errno == EPERM))
        return 0; /* still going */
    return strcmp(a->latest, cutoff) < 0;
}

/* The line is an event (by the summary's rule) older than the cutoff;
 * lines that are not events are kept: clean removes old events, not what
 * it does not understand. */
static int older(const char *line, size_t len, const char *cutoff, int runs)
{
    static char scratch[TM_READER_BUF + 64]; /* the view's decoded strings */
    static struct tm__run_line rl;
    struct tm__event_view v;
    const char *why;

    if (runs) /* the run file: each run as old as its records (run_old) */
        return tm__run_line_parse(line, len, &rl, scratch, sizeof(scratch),
                                  &why) == 0 &&
               run_old(rl.run, cutoff);
    return tm__event_read(line, len, &v, scratch, sizeof(scratch)) == 0 &&
           strcmp(v.timestamp, cutoff) < 0;
}

/* How many lines of the open log `in` are old (-1: cannot tell); the
 * descriptor is left at offset 0. */
static long long count_older(int in, const char *cutoff, int runs,
                             long long *lines)
{
    struct tm__reader r;
    const char *line;
    size_t len;
    long long n = 0;
    int rc;

    *lines = 0;
    if (tm__reader_open_fd(&r, in, 1) != 0)
        return -1;
    while ((rc = tm__reader_next(&r, &line, &len)) == 1) {
        (*lines)++;
        n += older(line, len, cutoff, runs);
    }
    *lines += r.oversized;
    tm__reader_close(&r);
    if (rc < 0 || lseek(in, 0, SEEK_SET) != 0)
        return -1;
    return n;
}

static int is_runs(const char *name)
{
    return strcmp(name, TM_RUNS_LOG) == 0 ||
           strcmp(name, TM_RUNS_LOG TM_ROTATED_SUFFIX) == 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            errno = ENOSPC; /* write(2) made no progress */
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copies bytes [from, to) of `in` to `out` as they are: the over-long
 * lines the reader skips (no event is that long, so they are kept). */
static int copy_range(int in, int out, unsigned long long from,
                      unsigned long long to)
{
    char buf[65536];

    while (from < to) {
        size_t want = to - from < sizeof(buf) ? (size_t)(to - from) : sizeof(buf);
        ssize_t got = pread(in, buf, want, (off_t)from);
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0)
            errno = EIO; /* the file shrank under the lock */
        if (got <= 0 || write_all(out, buf, (size_t)got) != 0)
            return -1;
        from += (unsigned long long)got;
    }
    return 0;
}

/* Rewrites one log without its old events.  Returns 0, or a TM_* code
 * with errno set (the file is then unchanged). */
static int clean_file(int dfd, const char *name, const char *cutoff,
                      struct tally *t)
{
    char tmp[300];
    struct tm__reader r;
    struct stat st;
    const char *line;
    size_t len;
    unsigned long long done = 0; /* input bytes accounted for */
    long long kept = 0, removed = 0;
    int in, fd, rc, saved = 0;

    if ((rc = tm__reader_open_log(dfd, name, &in)) != 0 || in < 0)
        return rc; /* gone meanwhile: nothing to clean */
    if (fstat(in, &st) != 0) {
        rc = TM_EREAD;
        saved = errno;
        goto out;
    }
    {
        /* Nothing old: the file is left be, and no copy is made (a full
         * disk has no room for one). */
        long long lines, old = count_older(in, cutoff, is_runs(name), &lines);
        if (old == 0) {
            if (is_central(name))
                t->kept += lines;
            goto out;
        }
    }
    snprintf(tmp, sizeof(tmp), ".%s.clean.%ld", name, (long)getpid());
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0) {
        rc = TM_EWRITE;
        saved = errno;
        goto out;
    }
    /* Nobody appends meanwhile (the lock is ours): a last line without
     * '\n' is read too. */
    rc = tm__reader_open_fd(&r, in, 1);
    while (rc == 0 && (rc = tm__reader_next(&r, &line, &len)) == 1) {
        unsigned long long at = tm__reader_line_offset(&r, line);
        rc = 0;
        if (at > done && copy_range(in, fd, done, at) != 0) {
            rc = TM_EWRITE;
            break;
        }
        done = tm__reader_offset(&r);
        if (older(line, len, cutoff, is_runs(name))) {
            removed++;
            continue;
        }
        if (write_all(fd, line, len) != 0 || write_all(fd, "\n", 1) != 0)
            rc = TM_EWRITE;
        kept++;
    }
    if (rc == 0 && done < (unsigned long long)st.st_size &&
        copy_range(in, fd, done, (unsigned long long)st.st_size) != 0)
        rc = TM_EWRITE; /* an over-long last line */
    kept += r.oversized;
    if (rc == 0 && fsync(fd) != 0)
        rc = TM_EWRITE;
    saved = errno;
    tm__reader_close(&r);
    close(fd);
    if (rc == 0 && removed == 0) {
        unlinkat(dfd, tmp, 0); /* nothing to remove: leave the file be */
    } else if (rc == 0 && kept == 0) {
        unlinkat(dfd, tmp, 0);
        if (unlinkat(dfd, name, 0) != 0)
            rc = TM_EWRITE, saved = errno;
    } else if (rc == 0) {
        if (renameat(dfd, tmp, dfd, name) != 0)
            rc = TM_EWRITE, saved = errno;
    } else {
        unlinkat(dfd, tmp, 0);
    }
    if (rc == 0 && is_runs(name)) {
        t->runs_removed += removed;
    } else if (rc == 0 && is_central(name)) {
        t->kept += kept;
        t->removed += removed;
    } else if (rc == 0) {
        t->copies_removed += removed;
    }
out:
    close(in);
    errno = saved;
    return rc;
}

/* Before anything changes: every log must be a regular file.  A FIFO in a
 * log's place would block a reader, a device or directory is no log; the
 * clean is refused whole, naming each.  Returns the number refused. */
static int refuse_odd_logs(int dfd, const char *dir)
{
    struct dirent *e;
    struct stat st;
    int refused = 0;
    DIR *d = fdopendir(dup(dfd));

    if (d != NULL)
        rewinddir(d); /* the duplicate shares dfd's position */
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !is_log(e->d_name))
            continue;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISREG(st.st_mode)) {
            char shown[300];
            cli_text(shown, sizeof(shown), e->d_name, sizeof(shown) - 1);
            cli_error("cannot clean '%s': '%s' is %s; nothing was removed or "
                      "rewritten: remove or rename it, then run clean again",
                      dir, shown,
                      S_ISLNK(st.st_mode) ? "a symbolic link"
                      : S_ISFIFO(st.st_mode) ? "a FIFO, not a regular file"
                      : S_ISDIR(st.st_mode)  ? "a directory, not a regular file"
                                             : "not a regular file");
            refused++;
        }
    }
    if (d != NULL)
        closedir(d);
    return refused;
}

int cmd_clean(int argc, char **argv)
{
    static const struct option opts[] = {
        {"older-than", required_argument, NULL, 'o'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    struct tally t = {0, 0, 0, 0};
    char cutoff[TM_TS_SIZE];
    const char *older_than = NULL;
    struct dirent *e;
    DIR *d;
    int opt, rc, err, dfd;
    struct tm__lock_held lk = TM_LOCK_HELD_NONE;
    long moved = 0;

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (opt) {
        case 'o': older_than = optarg; break;
        default:
            if (cli_common_option("clean", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("clean", "unexpected argument '%s'", argv[optind]);
    if (older_than == NULL)
        return cli_usage("clean", "--older-than D is required (30d, 12h, or an "
                                  "ISO-8601 UTC time)");
    if (tm__ts_parse_bound(older_than, (int64_t)time(NULL), cutoff) != 0)
        return cli_usage("clean", "--older-than '%s' is not a duration (30m, "
                                  "24h, 7d, 2w) or an ISO-8601 UTC time",
                         older_than);
    if ((dfd = cli_open_dir(&cfg)) < 0)
        return EXIT_RUNTIME;
    signal(SIGXFSZ, SIG_IGN); /* past ulimit -f: EFBIG, said per file */
    rc = EXIT_RUNTIME;
    if ((err = tm__lock(dfd, 1, -1, &lk)) < 0) {
        cli_error("cannot lock '%s': %s", cfg.dir, tm_strerror(err));
        goto out;
    }
    if (refuse_odd_logs(dfd, cfg.dir) > 0)
        goto out;
    rc = EXIT_OK;
    read_ages(dfd);
    {
        /* Events that found the lock held (this clean's, say) wait in
         * spool files: those of exited processes join the logs first, so
         * they are cleaned like the rest (README, "Storage"). */
        struct tm__store_opts so = {.max_bytes = cfg.max_bytes, .wait_ms = -1};
        if ((err = tm__spool_merge(dfd, &so, &moved)) != 0) {
            cli_write_error("cannot move spooled events into the logs (the "
                            "rest stay in the spool)", err, errno);
            rc = EXIT_RUNTIME;
        }
    }
    d = fdopendir(dup(dfd));
    if (d != NULL)
        rewinddir(d); /* refuse_odd_logs() read to the end */
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !is_log(e->d_name))
            continue;
        if ((err = clean_file(dfd, e->d_name, cutoff, &t)) != 0) {
            char what[4700], shown[300];
            cli_text(shown, sizeof(shown), e->d_name, sizeof(shown) - 1);
            snprintf(what, sizeof(what), "cannot clean '%s/%s' (the file is "
                     "unchanged)", cfg.dir, shown);
            cli_write_error(what, err, errno);
            rc = EXIT_RUNTIME;
        }
    }
    if (d != NULL)
        closedir(d);
    if (moved > 0)
        printf("moved %ld spooled events into the logs\n", moved);
    printf("removed %lld events older than %s from the central log, %lld "
           "lines kept (per-repo logs: %lld old copies removed; run file: "
           "%lld old records removed)\n",
           t.removed, cutoff, t.kept, t.copies_removed, t.runs_removed);
out:
    tm__unlock(&lk);
    tm__counter_free(&ages);
    close(dfd);
    return rc;
}
