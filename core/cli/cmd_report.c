/*
 * cmd_report.c - `telemetry report`: the local summary rendered for people
 * (README "Reports"); the renderers are report_*.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "event.h"
#include "report.h"

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"markdown", no_argument, NULL, 'm'},
        {"since", required_argument, NULL, 's'},
        {"repo", required_argument, NULL, 'r'},
        {"agent", required_argument, NULL, 'a'},
        {"run", required_argument, NULL, 'u'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    tm_summary_opts so;
    struct tm__config cfg;
    struct tm_collector *c;
    cJSON *s;
    int opt, markdown = 0, rc = EXIT_OK, err = 0, saved;

    memset(&so, 0, sizeof(so));
    memset(&cfg, 0, sizeof(cfg));
    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': markdown = 1; break;
        case 's': so.since = optarg; break;
        case 'r': so.repo = optarg; break;
        case 'a': so.agent = optarg; break;
        case 'u':
            if (!tm__run_id_valid(optarg))
                return cli_usage("report", "--run needs a run id (16 lowercase "
                                           "hex digits, see 'telemetry runs')");
            so.run = optarg;
            break;
        default:
            if (cli_common_option("report", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("report", "unexpected argument '%s'", argv[optind]);
    if (!markdown)
        return cli_usage("report", "say which report: --markdown");
    if ((c = cli_open(&cfg)) == NULL)
        return EXIT_RUNTIME;
    errno = 0;
    s = tm_error_summary(c, &so, &err);
    saved = errno;
    tm_close(c);
    if (s == NULL) {
        if (err == TM_ETIME)
            return cli_usage("report", "--since '%s' is not a duration (30m, 24h, "
                                       "7d, 2w) or an ISO-8601 time", so.since);
        cli_read_error("cannot read the log", cfg.dir, err, saved);
        return EXIT_RUNTIME;
    }
    report_markdown(stdout, s);
    cJSON_Delete(s);
    if (fflush(stdout) != 0) {
        cli_error("cannot write the report: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
