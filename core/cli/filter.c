/*
 * filter.c - the views' event filters (filter.h, README "Filters").
 */
#include "filter.h"

#include <string.h>
#include <time.h>

#include "classify.h"
#include "cli.h"
#include "event.h"
#include "timefmt.h"

static const struct {
    const char *opt, *arg, *help;
} filters[CLI_F_COUNT] = {
#define CLI_FILTER_ROW(id, opt, arg, help) [CLI_F_##id] = {opt, arg, help},
    CLI_FILTERS(CLI_FILTER_ROW)
#undef CLI_FILTER_ROW
};

size_t cli_filter_options(struct option *out)
{
    for (size_t i = 0; i < CLI_F_COUNT; i++) {
        out[i].name = filters[i].opt;
        out[i].has_arg = required_argument;
        out[i].flag = NULL;
        out[i].val = CLI_FILTER_OPT + (int)i;
    }
    return CLI_F_COUNT;
}

void cli_filter_table(struct option *out, const struct option *own, size_t n)
{
    memcpy(out, own, n * sizeof(*own));
    n += cli_filter_options(out + n);
    memset(&out[n], 0, sizeof(out[n]));
}

int cli_filter_take(struct cli_filter *cf, int opt, const char *value)
{
    if (opt < CLI_FILTER_OPT || opt >= CLI_FILTER_OPT + CLI_F_COUNT)
        return 0;
    cf->val[opt - CLI_FILTER_OPT] = value;
    return 1;
}

/* An errno by name or number; 0 when it is neither. */
static int errno_value(const char *s)
{
    const struct tm__errno_info *e = tm__errno_by_name(s);
    long n = 0;

    if (e != NULL)
        return e->num;
    if (*s == '\0' || strlen(s) > 4)
        return 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        n = n * 10 + (*p - '0');
    }
    return n > 0 && n < 4096 ? (int)n : 0;
}

int cli_filter_resolve(const char *cmd, const struct cli_filter *cf,
                       struct tm__summary_filter *f)
{
    const char *const *v = cf->val;

    for (size_t i = 0; i < CLI_F_COUNT; i++)
        if (v[i] != NULL && *v[i] == '\0')
            return cli_usage(cmd, "--%s needs a value", filters[i].opt);
    if (v[CLI_F_SINCE] != NULL &&
        tm__ts_parse_bound(v[CLI_F_SINCE], (int64_t)time(NULL), f->since) != 0)
        return cli_usage(cmd, "--since '%s' is not a duration (30m, 24h, 7d, "
                              "2w) or an ISO-8601 time (2026-11-25T18:00:00Z, "
                              "2026-11-25T19:00+01:00)", v[CLI_F_SINCE]);
    if (v[CLI_F_RUN] != NULL && !tm__run_id_valid(v[CLI_F_RUN]))
        return cli_usage(cmd, "--run needs a run id (16 lowercase hex "
                              "digits, see 'telemetry runs')");
    if (v[CLI_F_CATEGORY] != NULL) {
        f->category = tm__category_from_name(v[CLI_F_CATEGORY]);
        if (f->category == TM_CAT_COUNT) {
            char list[1024] = "";
            size_t n = 0;
            for (int c = 0; c < TM_CAT_COUNT && n < sizeof(list); c++)
                n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
                                      c ? ", " : "", tm__category_name(c));
            return cli_usage(cmd, "--category '%s' is not a category (%s)",
                             v[CLI_F_CATEGORY], list);
        }
        f->by_category = 1;
    }
    if (v[CLI_F_ERRNO] != NULL &&
        (f->errnum = errno_value(v[CLI_F_ERRNO])) == 0)
        return cli_usage(cmd, "--errno '%s' is not an errno name (ENOENT) or "
                              "number (2)", v[CLI_F_ERRNO]);
    f->repo = v[CLI_F_REPO];
    f->agent = v[CLI_F_AGENT];
    f->run = v[CLI_F_RUN];
    f->program = v[CLI_F_PROGRAM];
    return EXIT_OK;
}

void cli_filter_help(FILE *out)
{
    fputs("\nFilters (all given must match; README \"Filters\"):\n", out);
    for (size_t i = 0; i < CLI_F_COUNT; i++) {
        const char *h = filters[i].help, *nl;
        int first = 1;

        fprintf(out, "  --%s %-*s", filters[i].opt,
                (int)(11 - strlen(filters[i].opt)), filters[i].arg);
        do { /* continuation lines under the first */
            nl = strchr(h, '\n');
            fprintf(out, "%s%.*s\n", first ? "" : "                ",
                    nl ? (int)(nl - h) : (int)strlen(h), h);
            first = 0;
            h = nl + 1;
        } while (nl != NULL);
    }
}
