/*
 * cmd_runs.c - `telemetry runs`: one line per run, newest first (README
 * "Runs"), from the run file and the central log, or from the fleet's
 * tables.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ch.h"
#include "cli.h"
#include "fleet.h"
#include "runs.h"
#include "telemetry.h"

/* A run as the JSON of `runs --json` (and of the fleet's listing). */
static cJSON *run_json(const struct tm__run *r)
{
    cJSON *o = cJSON_CreateObject(), *repos = cJSON_CreateArray(), *ci;

    if (o == NULL || repos == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(repos);
        return NULL;
    }
#define STR_OR_NULL(k, v)                                                      \
    ((v)[0] ? cJSON_AddStringToObject(o, k, v) : cJSON_AddNullToObject(o, k))
    cJSON_AddStringToObject(o, "run", r->id);
    STR_OR_NULL("start", r->start[0] ? r->start : r->first);
    STR_OR_NULL("end", r->end);
    if (r->duration_ms >= 0)
        cJSON_AddNumberToObject(o, "duration_ms", (double)r->duration_ms);
    else
        cJSON_AddNullToObject(o, "duration_ms");
    cJSON_AddBoolToObject(o, "finished", r->ends > 0 && r->ends >= r->starts);
    cJSON_AddBoolToObject(o, "recorded", r->starts + r->ends > 0);
    STR_OR_NULL("program", r->program);
    STR_OR_NULL("agent", r->agent);
    STR_OR_NULL("repo", r->repo);
    STR_OR_NULL("host", r->host);
#undef STR_OR_NULL
    if (r->ends > 0 && r->has_exit)
        cJSON_AddNumberToObject(o, "exit_status", (double)r->exit_status);
    else
        cJSON_AddNullToObject(o, "exit_status");
    if (r->ends > 0 && r->has_signal)
        cJSON_AddNumberToObject(o, "signal", (double)r->signal);
    else
        cJSON_AddNullToObject(o, "signal");
    cJSON_AddBoolToObject(o, "unexplained", r->unexplained);
    cJSON_AddBoolToObject(o, "not_run", r->not_run);
    cJSON_AddNumberToObject(o, "events", (double)r->events);
    cJSON_AddNumberToObject(o, "fatal", (double)r->fatal);
    cJSON_AddNumberToObject(o, "probes", (double)r->probes);
    cJSON_AddNumberToObject(o, "expected", (double)r->expected);
    cJSON_AddNumberToObject(o, "lost", (double)r->lost);
    for (int i = 0; i < r->repos.nnames; i++)
        cJSON_AddItemToArray(repos, cJSON_CreateString(r->repos.names[i]));
    cJSON_AddItemToObject(o, "repos", repos);
    cJSON_AddNumberToObject(o, "repos_count", tm__name_set_count(&r->repos));
    ci = r->ci[0] ? cJSON_Parse(r->ci) : NULL;
    cJSON_AddItemToObject(o, "ci", ci ? ci : cJSON_CreateObject());
    return o;
}

void cli_run_status(const struct tm__run *r, char *out, size_t cap)
{
    if (r->starts == 0 && r->ends == 0)
        snprintf(out, cap, "no record");
    else if (r->ends < r->starts)
        snprintf(out, cap, "did not finish");
    else if (r->has_signal)
        snprintf(out, cap, "signal %lld", (long long)r->signal);
    else
        snprintf(out, cap, "exit %lld%s", (long long)r->exit_status,
                 r->not_run       ? " (not run)"
                 : r->unexplained ? " (unexplained)"
                                  : "");
}

void cli_run_duration(const struct tm__run *r, char *out, size_t cap)
{
    int64_t ms = r->duration_ms;

    if (ms < 0)
        snprintf(out, cap, "-");
    else if (ms < 1000)
        snprintf(out, cap, "%lldms", (long long)ms);
    else if (ms < 60000)
        snprintf(out, cap, "%lld.%llds", (long long)(ms / 1000),
                 (long long)(ms % 1000 / 100));
    else if (ms < 3600000)
        snprintf(out, cap, "%lldm%02llds", (long long)(ms / 60000),
                 (long long)(ms / 1000 % 60));
    else
        snprintf(out, cap, "%lldh%02lldm", (long long)(ms / 3600000),
                 (long long)(ms / 60000 % 60));
}

/* One human line into f: id, start, duration, command, status, events,
 * fatal, repos.  What came from a file is escaped (cli_put_text). */
static void print_run(FILE *f, const struct tm__run *r)
{
    char status[64], dur[32], start[CLI_WHEN_SIZE];

    if (cli_when(r->start[0] ? r->start : r->first, start, sizeof(start)) == 0)
        tm__strlcpy(start, "-", sizeof(start));
    cli_run_status(r, status, sizeof(status));
    cli_run_duration(r, dur, sizeof(dur));
    fprintf(f, "%s  %s  %7s  ", r->id, start, dur);
    cli_put_text(f, r->program[0] ? r->program : "-", 16);
    if (r->agent[0] && strcmp(r->agent, r->program) != 0) {
        fputc(' ', f);
        cli_put_text(f, r->agent, 24);
    }
    fprintf(f, "  %s  events %lld  fatal %lld", status, r->events, r->fatal);
    if (r->lost > 0)
        fprintf(f, "  lost %lld", r->lost);
    if (r->probes > 0 || r->expected > 0)
        fprintf(f, "  suppressed %lld+%lld", r->probes, r->expected);
    fprintf(f, "  repos ");
    if (r->repos.nnames == 0)
        fprintf(f, "-");
    for (int i = 0; i < r->repos.nnames; i++) {
        if (i > 0)
            fputc(',', f);
        cli_put_text(f, r->repos.names[i], 32);
    }
    if (tm__name_set_count(&r->repos) > r->repos.nnames)
        fprintf(f, ",...");
    fputc('\n', f);
}

/* The runs, as JSON or one line each; `where` names their source when
 * there are none.  Returns EXIT_OK, or EXIT_RUNTIME after a message. */
static int print_runs(struct tm__run **v, size_t n, int json, const char *where,
                      size_t width)
{
    if (json) {
        cJSON *arr = cJSON_CreateArray();
        char *text;
        int rc = EXIT_OK;

        for (size_t i = 0; arr && i < n; i++)
            cJSON_AddItemToArray(arr, run_json(v[i]));
        text = arr ? cJSON_PrintUnformatted(arr) : NULL;
        if (text == NULL) {
            cli_error("out of memory");
            rc = EXIT_RUNTIME;
        } else {
            puts(text);
        }
        free(text);
        cJSON_Delete(arr);
        return rc;
    }
    if (n == 0)
        printf("no runs recorded in %s\n", where);
    for (size_t i = 0; i < n; i++) {
        char *line = NULL; /* owned: the line before its cut to the width */
        size_t len = 0;
        FILE *f = open_memstream(&line, &len);

        if (f == NULL) {
            cli_error("out of memory");
            return EXIT_RUNTIME;
        }
        print_run(f, v[i]);
        if (fclose(f) != 0) {
            free(line);
            cli_error("out of memory");
            return EXIT_RUNTIME;
        }
        cli_put_lines(stdout, line, width);
        free(line);
    }
    return EXIT_OK;
}

int cmd_runs(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"wide", no_argument, NULL, 'w'},
        {"since", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'l'},
        {"clickhouse", required_argument, NULL, 'c'},
        {"table", required_argument, NULL, 't'},
        {"runs-table", required_argument, NULL, 'R'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    const char *since = NULL, *url = NULL, *table = CH_DEFAULT_TABLE;
    const char *runs_table = CH_DEFAULT_RUNS_TABLE;
    struct tm__run *fleet = NULL;
    char bound[TM_TS_SIZE] = "";
    long limit = 20;
    struct tm__runs rs;
    struct tm__run **v = NULL;
    size_t n = 0;
    int opt, rc, dfd, json = 0, err, saved;
    size_t width = cli_width();

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'w': width = CLI_TEXT_ALL; break;
        case 's': since = optarg; break;
        case 'c': url = optarg; break;
        case 't': table = optarg; break;
        case 'R': runs_table = optarg; break;
        case 'l':
            if (cli_parse_count(optarg, 100000, &limit) != 0)
                return cli_usage("runs", "--limit needs a number from 1 to 100000");
            break;
        default:
            if (cli_common_option("runs", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("runs", "unexpected argument '%s'", argv[optind]);
    if (since != NULL &&
        tm__ts_parse_bound(since, (int64_t)time(NULL), bound) != 0)
        return cli_usage("runs", "--since '%s' is not a duration (30m, 24h, 7d, "
                                 "2w) or an ISO-8601 UTC time", since);
    memset(&rs, 0, sizeof(rs));
    if (url != NULL) {
        char why[600];
        if (ch_check_target(url, table, why, sizeof(why)) != 0)
            return cli_usage("runs", "%s", why);
        if (ch_check_table(runs_table) != 0)
            return cli_usage("runs", "--runs-table '%s' is not NAME or DB.NAME "
                                     "(letters, digits, '_')", runs_table);
        if (fleet_runs(url, table, runs_table, bound, (int)limit, &fleet, &n,
                       why, sizeof(why)) != 0) {
            cli_error("%s", why);
            return EXIT_RUNTIME;
        }
        if ((v = malloc((n + 1) * sizeof(*v))) == NULL) {
            free(fleet);
            cli_error("out of memory");
            return EXIT_RUNTIME;
        }
        for (size_t i = 0; i < n; i++)
            v[i] = &fleet[i];
        rc = print_runs(v, n, json, url, width);
        free(v);
        free(fleet);
        return rc;
    }
    if ((dfd = cli_open_dir(&cfg)) < 0)
        return EXIT_RUNTIME;
    errno = 0;
    err = tm__runs_load(dfd, NULL, bound, &rs);
    saved = errno;
    close(dfd);
    if (err != 0) {
        char what[4200];
        snprintf(what, sizeof(what), "cannot read the runs of '%s'", cfg.dir);
        cli_read_error(what, cfg.dir, err, saved);
        tm__runs_free(&rs);
        return EXIT_RUNTIME;
    }
    if (rs.skipped > 0) /* said, never dropped: the file stays as it is */
        cli_error("%lld line%s of %s %s not a run record (the first: %s); "
                  "left as %s", rs.skipped, rs.skipped == 1 ? "" : "s",
                  TM_RUNS_LOG, rs.skipped == 1 ? "is" : "are", rs.first_why,
                  rs.skipped == 1 ? "it is" : "they are");
    v = tm__runs_sorted(&rs, &n);
    if (n > 0 && v == NULL) {
        cli_error("out of memory");
        tm__runs_free(&rs);
        return EXIT_RUNTIME;
    }
    if ((long)n > limit)
        n = (size_t)limit;
    rc = print_runs(v, n, json, cfg.dir, width);
    free(v);
    tm__runs_free(&rs);
    return rc;
}
