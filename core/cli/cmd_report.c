/*
 * cmd_report.c - `telemetry report`: the summary, the failures over time
 * and the runs, rendered for people (README "Reports"); the renderers are
 * report_*.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "filter.h"
#include "report.h"
#include "store.h"
#include "telemetry.h"

/* The failures over time and the runs of the report, read from the
 * directory; returns EXIT_OK, or an exit code after a message. */
static int gather(const struct tm__config *cfg, const struct tm__summary_filter *f,
                  struct report_data *d, struct tm__timeline *t,
                  struct tm__runs *rs)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(d->summary, "window");
    const char *since = cJSON_GetStringValue(cJSON_GetObjectItem(w, "since"));
    const char *until = cJSON_GetStringValue(cJSON_GetObjectItem(w, "until"));
    int64_t first, last;
    size_t n = 0;
    int dfd, err = 0, saved;

    if ((dfd = cli_open_dir(cfg)) < 0)
        return EXIT_RUNTIME;
    errno = 0;
    if (since != NULL && until != NULL && tm__ts_epoch(since, &first) == 0 &&
        tm__ts_epoch(until, &last) == 0) {
        tm__timeline_init(t, first, last);
        if ((err = tm__timeline_count(dfd, f, t)) == 0)
            d->timeline = t;
    }
    if (err == 0 && (err = tm__runs_load(dfd, f->run, f->since[0] ? f->since : NULL, rs)) == 0 &&
        (d->runs = tm__runs_sorted(rs, &n)) == NULL && n > 0)
        err = TM_ENOMEM;
    d->nruns = n;
    saved = errno;
    close(dfd);
    if (err != 0) {
        cli_read_error("cannot read the log or the runs", cfg->dir, err, saved);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
    static const struct option own[] = {
        {"markdown", no_argument, NULL, 'm'},
        {"html", required_argument, NULL, 'H'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'}};
    struct option opts[sizeof(own) / sizeof(own[0]) + CLI_F_COUNT + 1];
    struct tm__summary_filter f = {0};
    struct cli_filter cf = {0};
    struct tm__config cfg = {0};
    struct report_data d = {0};
    struct tm__runs rs = {0};
    struct tm__timeline *t = NULL;
    const char *html = NULL;
    FILE *out = stdout;
    cJSON *s = NULL;
    int opt, markdown = 0, rc = EXIT_OK;

    cli_filter_table(opts, own, sizeof(own) / sizeof(own[0]));
    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (cli_filter_take(&cf, opt, optarg))
            continue;
        switch (opt) {
        case 'm': markdown = 1; break;
        case 'H': html = optarg; break;
        default:
            if (cli_common_option("report", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("report", "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_filter_resolve("report", &cf, &f)) != EXIT_OK)
        return rc;
    if (markdown == (html != NULL))
        return cli_usage("report", "say which report: --markdown or --html FILE");
    if (html != NULL && *html == '\0')
        return cli_usage("report", "--html needs a file name ('-': standard output)");
    f.limit = 20;
    if ((s = cli_summary_load(&cfg, &f, &rc)) == NULL)
        return rc;
    d.summary = s;
    if ((t = malloc(sizeof(*t))) == NULL) {
        cli_error("out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    if ((rc = gather(&cfg, &f, &d, t, &rs)) != EXIT_OK)
        goto out;
    if (html != NULL && strcmp(html, "-") != 0 &&
        (out = fopen(html, "we")) == NULL) {
        cli_error("cannot write '%s': %s", html, strerror(errno));
        out = stdout;
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (html != NULL)
        report_html(out, &d);
    else
        report_markdown(out, &d);
    if ((out != stdout ? fclose(out) : fflush(out)) != 0) {
        cli_error("cannot write the report: %s", strerror(errno));
        rc = EXIT_RUNTIME;
    }
out:
    free((void *)d.runs);
    tm__runs_free(&rs);
    free(t);
    cJSON_Delete(s);
    return rc;
}
