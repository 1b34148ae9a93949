/*
 * cmd_report.c - `telemetry report`: the local summary rendered for people
 * (README "Reports"); the renderers are report_*.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "filter.h"
#include "report.h"

int cmd_report(int argc, char **argv)
{
    static const struct option own[] = {
        {"markdown", no_argument, NULL, 'm'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'}};
    struct option opts[sizeof(own) / sizeof(own[0]) + CLI_F_COUNT + 1];
    size_t nopts = sizeof(own) / sizeof(own[0]);
    struct tm__summary_filter f = {0};
    struct cli_filter cf = {0};
    struct tm__config cfg = {0};
    cJSON *s;
    int opt, markdown = 0, rc = EXIT_OK;

    memcpy(opts, own, sizeof(own));
    nopts += cli_filter_options(opts + nopts);
    memset(&opts[nopts], 0, sizeof(opts[nopts]));
    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (cli_filter_take(&cf, opt, optarg))
            continue;
        switch (opt) {
        case 'm': markdown = 1; break;
        default:
            if (cli_common_option("report", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("report", "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_filter_resolve("report", &cf, &f)) != EXIT_OK)
        return rc;
    if (!markdown)
        return cli_usage("report", "say which report: --markdown");
    if ((s = cli_summary_load(&cfg, &f, &rc)) == NULL)
        return rc;
    report_markdown(stdout, s);
    cJSON_Delete(s);
    if (fflush(stdout) != 0) {
        cli_error("cannot write the report: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
