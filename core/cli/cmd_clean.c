/*
 * cmd_clean.c - `telemetry clean --older-than D`: retention (SPEC §3).
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"
#include "jsonl.h"
#include "reader.h"
#include "store.h"
#include "timefmt.h"

struct tally {
    long long kept, removed, files;
};

static int is_log(const char *name)
{
    size_t n = strlen(name);

    return (n > 6 && strcmp(name + n - 6, ".jsonl") == 0) ||
           (n > 8 && strcmp(name + n - 8, ".jsonl.1") == 0);
}

/* The line is an event (by the summary's rule) older than the cutoff;
 * lines that are not events are kept: clean removes old events, not what
 * it does not understand. */
static int older(const char *line, size_t len, const char *cutoff)
{
    static char scratch[TM_READER_BUF + 64]; /* the view's decoded strings */
    struct tm__event_view v;

    return tm__event_view_parse(line, len, &v, scratch, sizeof(scratch)) == 0 &&
           strcmp(v.timestamp, cutoff) < 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int clean_file(int dfd, const char *name, const char *cutoff,
                      struct tally *t)
{
    char tmp[300];
    struct tm__reader r;
    const char *line;
    size_t len;
    long long kept = 0, removed = 0;
    int fd, rc;

    snprintf(tmp, sizeof(tmp), ".%s.clean.%ld", name, (long)getpid());
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0)
        return -1;
    rc = tm__reader_open_file(&r, dfd, name);
    while (rc == 0 && (rc = tm__reader_next(&r, &line, &len)) == 1) {
        rc = 0;
        if (older(line, len, cutoff)) {
            removed++;
            continue;
        }
        if (write_all(fd, line, len) != 0 || write_all(fd, "\n", 1) != 0)
            rc = -1;
        kept++;
    }
    tm__reader_close(&r);
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    close(fd);
    if (rc == 0 && removed == 0) {
        unlinkat(dfd, tmp, 0); /* nothing to remove: leave the file be */
    } else if (rc == 0 && kept == 0) {
        unlinkat(dfd, tmp, 0);
        rc = unlinkat(dfd, name, 0);
    } else if (rc == 0) {
        rc = renameat(dfd, tmp, dfd, name);
    } else {
        unlinkat(dfd, tmp, 0);
    }
    if (rc == 0) {
        t->kept += kept;
        t->removed += removed;
        t->files += removed > 0;
    }
    return rc;
}

int cmd_clean(int argc, char **argv)
{
    static const struct option opts[] = {
        {"older-than", required_argument, NULL, 'o'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    struct tally t = {0, 0, 0};
    char cutoff[TM_TS_SIZE];
    const char *older_than = NULL;
    struct dirent *e;
    DIR *d;
    int opt, rc, dfd, lk, failed = 0;

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (opt) {
        case 'o': older_than = optarg; break;
        default:
            if ((rc = cli_common_option("clean", opt, &cfg, argv)) != CLI_OPT_NEXT)
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
    if ((lk = tm__lock(dfd, 1, -1)) < 0) {
        cli_error("cannot lock '%s': %s", cfg.dir, tm_strerror(lk));
        close(dfd);
        return EXIT_RUNTIME;
    }
    d = fdopendir(dup(dfd));
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !is_log(e->d_name))
            continue;
        if (clean_file(dfd, e->d_name, cutoff, &t) != 0) {
            cli_error("cannot clean '%s/%s': %s (the file is unchanged)",
                      cfg.dir, e->d_name, strerror(errno));
            failed = 1;
        }
    }
    if (d != NULL)
        closedir(d);
    tm__unlock(lk);
    close(dfd);
    printf("removed %lld events older than %s from %lld files; %lld kept\n",
           t.removed, cutoff, t.files, t.kept);
    return failed ? EXIT_RUNTIME : EXIT_OK;
}
