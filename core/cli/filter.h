/*
 * filter.h - the event filters every view takes (README "Filters"):
 * one table, from which the options, their parsing and their help come.
 */
#ifndef TM_CLI_FILTER_H
#define TM_CLI_FILTER_H

#include <getopt.h>
#include <stdio.h>

#include "config.h"
#include "summary.h"

/* X(id, option, value name, help) */
#define CLI_FILTERS(X)                                                           \
    X(SINCE, "since", "D",                                                       \
      "events since D: 30m, 24h, 7d, 2w, or an ISO-8601 time, UTC\n"             \
      "(2026-11-25, 2026-11-25T18:00:00Z) or with its offset\n"                  \
      "(2026-11-25T19:00+01:00)")                                               \
    X(REPO, "repo", "R", "events of the stored repository name R")               \
    X(AGENT, "agent", "A", "events of agent A")                                  \
    X(RUN, "run", "ID", "events of the run ID ('telemetry runs')")               \
    X(CATEGORY, "category", "C",                                                 \
      "events of category C (file_not_found, permission_denied, ...;\n"          \
      "README \"Classification\")")                                             \
    X(PROGRAM, "program", "P", "events recorded in program P (its file name)")  \
    X(ERRNO, "errno", "E", "events about errno E: a name (ENOENT) or a number")

enum cli_filter_id {
#define CLI_FILTER_ID(id, opt, arg, help) CLI_F_##id,
    CLI_FILTERS(CLI_FILTER_ID)
#undef CLI_FILTER_ID
    CLI_F_COUNT
};

/* getopt_long's value for a filter option: CLI_FILTER_OPT + its id. */
#define CLI_FILTER_OPT 0x1000

/* The filters' values as given (borrowed from argv); NULL when not set. */
struct cli_filter {
    const char *val[CLI_F_COUNT];
};

/* Copies the filters' getopt_long entries into out (room for CLI_F_COUNT)
 * and returns how many. */
size_t cli_filter_options(struct option *out);

/* A command's getopt_long table: its own n entries, then the filters',
 * then the terminating zero entry, into out (room for n + CLI_F_COUNT +
 * 1). */
void cli_filter_table(struct option *out, const struct option *own, size_t n);

/* When opt is a filter's option, keeps its value and returns 1; else 0. */
int cli_filter_take(struct cli_filter *cf, int opt, const char *value);

/* Checks the values and fills f (since normalised, names kept, category
 * and errno looked up; f->limit untouched).  Returns EXIT_OK, or
 * EXIT_USAGE after a message naming the bad value. */
int cli_filter_resolve(const char *cmd, const struct cli_filter *cf,
                       struct tm__summary_filter *f);

/* The summary object of the central log in cfg's directory under f
 * (views_load.c); NULL after a message, with the exit code in *rc.  The
 * caller frees it with cJSON_Delete(). */
cJSON *cli_summary_load(const struct tm__config *cfg,
                        const struct tm__summary_filter *f, int *rc);

/* "Filters (...)" and one entry per filter, for a command's help. */
void cli_filter_help(FILE *out);

#endif
