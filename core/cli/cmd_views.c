/*
 * cmd_views.c - `telemetry summary`, `telemetry patterns` and `telemetry
 * groups`: three views of one summary, local or from the fleet's table.
 * (`telemetry group`, which groups any text lines, is cmd_group.c.)
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ch.h"
#include "cli.h"
#include "fleet.h"
#include "api.h"
#include "event.h"
#include "timefmt.h"

struct summary_args {
    tm_summary_opts opts;
    int json;
    struct tm__config cfg;
    const char *url;   /* --clickhouse: the fleet summary */
    const char *table; /* --table */
};

/* Parses the options the three views share.  Returns CLI_OPT_NEXT when
 * the view runs, or CLI_OPT_END with the exit code in *rc (help printed:
 * EXIT_OK; a usage error: EXIT_USAGE). */
static enum cli_opt parse(const char *name, int argc, char **argv,
                          struct summary_args *a, int allow_limit, int *rc)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"since", required_argument, NULL, 's'},
        {"repo", required_argument, NULL, 'r'},
        {"agent", required_argument, NULL, 'a'},
        {"run", required_argument, NULL, 'u'},
        {"limit", required_argument, NULL, 'l'},
        {"clickhouse", required_argument, NULL, 'c'},
        {"table", required_argument, NULL, 't'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    long limit;
    int opt;

    memset(a, 0, sizeof(*a));
    a->table = CH_DEFAULT_TABLE;
    tm__config_from_env(&a->cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': a->json = 1; break;
        case 's':
            if (*optarg == '\0') {
                *rc = cli_usage(name, "--since needs a value");
                return CLI_OPT_END;
            }
            a->opts.since = optarg;
            break;
        case 'r': a->opts.repo = optarg; break;
        case 'c': a->url = optarg; break;
        case 't': a->table = optarg; break;
        case 'a': a->opts.agent = optarg; break;
        case 'u':
            if (!tm__run_id_valid(optarg)) {
                *rc = cli_usage(name, "--run needs a run id (16 lowercase hex "
                                      "digits, see 'telemetry runs')");
                return CLI_OPT_END;
            }
            a->opts.run = optarg;
            break;
        case 'l':
            if (!allow_limit) {
                *rc = cli_usage(name, "unknown option '--limit'");
                return CLI_OPT_END;
            }
            if (cli_parse_count(optarg, 100000, &limit) != 0) {
                *rc = cli_usage(name, "--limit needs a number from 1 to 100000");
                return CLI_OPT_END;
            }
            a->opts.limit = (int)limit;
            break;
        default:
            if (cli_common_option(name, opt, &a->cfg, argv, rc) == CLI_OPT_END)
                return CLI_OPT_END;
        }
    }
    if (optind < argc) {
        *rc = cli_usage(name, "unexpected argument '%s'", argv[optind]);
        return CLI_OPT_END;
    }
    if (a->url != NULL) {
        char why[256];
        if (ch_check_target(a->url, a->table, why, sizeof(why)) != 0) {
            *rc = cli_usage(name, "%s", why);
            return CLI_OPT_END;
        }
    }
    return CLI_OPT_NEXT;
}

static int bad_since(const char *name, const char *since)
{
    return cli_usage(name, "--since '%s' is not a duration (30m, 24h, 7d, 2w) "
                           "or an ISO-8601 UTC time", since);
}

/* The same summary, computed by the ClickHouse server.  load_fleet() and
 * load() return the summary (caller frees with cJSON_Delete), or NULL
 * after a message with the exit code in *rc. */
static cJSON *load_fleet(const char *name, struct summary_args *a, int *rc)
{
    struct tm__summary_filter f = {.repo = a->opts.repo,
                                   .agent = a->opts.agent,
                                   .run = a->opts.run,
                                   .limit = a->opts.limit};
    char err[600];
    cJSON *s;

    if (a->opts.since != NULL &&
        tm__ts_parse_bound(a->opts.since, (int64_t)time(NULL), f.since) != 0) {
        *rc = bad_since(name, a->opts.since);
        return NULL;
    }
    if ((s = fleet_summary(a->url, a->table, &f, err, sizeof(err))) == NULL) {
        cli_error("%s", err);
        *rc = EXIT_RUNTIME;
    }
    return s;
}

static cJSON *load(const char *name, struct summary_args *a, int *rc)
{
    struct tm_collector *c;
    cJSON *s;
    int err = 0, saved;

    if (a->url != NULL)
        return load_fleet(name, a, rc);
    if ((c = cli_open(&a->cfg)) == NULL) {
        *rc = EXIT_RUNTIME;
        return NULL;
    }
    errno = 0;
    s = tm_error_summary(c, &a->opts, &err);
    saved = errno;
    tm_close(c);
    if (s == NULL) {
        if (err == TM_ETIME) {
            *rc = bad_since(name, a->opts.since);
        } else {
            char what[4200];
            snprintf(what, sizeof(what), "cannot summarise '%s'", a->cfg.dir);
            cli_read_error(what, a->cfg.dir, err, saved);
            *rc = EXIT_RUNTIME;
        }
    }
    return s;
}

static int print_json(const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);

    if (text == NULL) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    puts(text);
    free(text);
    return EXIT_OK;
}

struct style {
    const char *bold, *dim, *off;
};

static void heading(const struct style *st, const char *title)
{
    printf("\n%s%s%s\n", st->bold, title, st->off);
}

/* Everything below that came from a log (names, templates, times) is
 * printed through cli_put_text(), which escapes control characters. */
#define put(s, width) cli_put_text(stdout, (s), (width))

static void print_counts(const struct style *st, const char *title,
                         const cJSON *obj, int max)
{
    const cJSON *it;
    int i = 0;

    heading(st, title);
    if (cJSON_GetArraySize(obj) == 0)
        printf("  (none)\n");
    cJSON_ArrayForEach(it, obj) {
        if (i++ == max) {
            printf("  %s... and %d more%s\n", st->dim,
                   cJSON_GetArraySize(obj) - max, st->off);
            break;
        }
        printf("  %7.0f  ", it->valuedouble);
        put(it->string, 68);
        putchar('\n');
    }
}

static void print_patterns(const struct style *st, const cJSON *patterns)
{
    const cJSON *p;

    if (cJSON_GetArraySize(patterns) == 0) {
        printf("  No pattern found.\n");
        return;
    }
    cJSON_ArrayForEach(p, patterns) {
        const cJSON *repos = cJSON_GetObjectItem(p, "repos");
        printf("  %s", st->bold);
        put(cJSON_GetStringValue(cJSON_GetObjectItem(p, "pattern")), CLI_TEXT_ALL);
        printf("%s (%.0f)\n    -> ", st->off,
               cJSON_GetNumberValue(cJSON_GetObjectItem(p, "count")));
        put(cJSON_GetStringValue(cJSON_GetObjectItem(p, "suggestion")), CLI_TEXT_ALL);
        putchar('\n');
        if (cJSON_IsString(cJSON_GetObjectItem(p, "detail"))) {
            /* the detail, escaped, wrapped at spaces within 80 columns */
            char d[TM_DETAIL_MAX], word[4 * TM_DETAIL_MAX];
            size_t col = 4;

            tm__strlcpy(d, cJSON_GetStringValue(cJSON_GetObjectItem(p, "detail")),
                        sizeof(d));
            printf("    %s", st->dim);
            for (char *w = d, *end; w != NULL; w = end) {
                size_t n;
                if ((end = strchr(w, ' ')) != NULL)
                    *end++ = '\0';
                n = cli_text(word, sizeof(word), w, 76);
                if (col > 4 && col + 1 + n > 80) {
                    printf("\n    ");
                    col = 4;
                } else if (col > 4) {
                    putchar(' ');
                    col++;
                }
                fputs(word, stdout);
                col += n;
            }
            printf("%s\n", st->off);
        }
        if (cJSON_IsArray(repos)) {
            const cJSON *r;
            printf("    %srepos:", st->dim);
            cJSON_ArrayForEach(r, repos) {
                putchar(' ');
                put(cJSON_GetStringValue(r), CLI_TEXT_ALL);
            }
            printf("  group ");
            put(cJSON_GetStringValue(cJSON_GetObjectItem(p, "fingerprint")),
                CLI_TEXT_ALL);
            printf("%s\n", st->off);
        }
    }
}

/* One line per group, at most 80 columns: count, repos, last seen, then
 * type and template cut with "...". */
static void print_groups(const struct style *st, const cJSON *groups)
{
    const cJSON *g;
    int64_t now = (int64_t)time(NULL);

    if (cJSON_GetArraySize(groups) == 0) {
        printf("  (none)\n");
        return;
    }
    printf("  %scount repos  last seen  type: template%s\n", st->dim, st->off);
    cJSON_ArrayForEach(g, groups) {
        const cJSON *repos = cJSON_GetObjectItem(g, "repos");
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(g, "error_type"));
        const char *last = cJSON_GetStringValue(cJSON_GetObjectItem(g, "last_seen"));
        char ago[32] = "-";
        const char *culprit;
        int64_t sec;
        int room;

        if (last && tm__ts_epoch(last, &sec) == 0)
            tm__ts_ago(sec, now, ago, sizeof(ago));
        printf("  %5.0f %5.0f  %-9s  ",
               cJSON_GetNumberValue(cJSON_GetObjectItem(g, "count")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(repos, "count")), ago);
        room = 80 - 26;
        room -= (int)put(type, (size_t)room / 2);
        printf(": ");
        put(cJSON_GetStringValue(cJSON_GetObjectItem(g, "template")),
            room - 2 < 10 ? 10 : (size_t)room - 2);
        putchar('\n');
        if ((culprit = cJSON_GetStringValue(cJSON_GetObjectItem(g, "culprit")))) {
            printf("  %s                   at ", st->dim);
            put(culprit, 80 - 24);
            printf("%s\n", st->off);
        }
    }
}

static void print_human(const struct style *st, const cJSON *s, const char *where)
{
    const cJSON *w = cJSON_GetObjectItem(s, "window");
    const char *since = cJSON_GetStringValue(cJSON_GetObjectItem(w, "since"));
    const char *until = cJSON_GetStringValue(cJSON_GetObjectItem(w, "until"));
    const cJSON *groups = cJSON_GetObjectItem(s, "groups");

    printf("%sagent-telemetry summary%s  %s", st->bold, st->off, st->dim);
    put(where, CLI_TEXT_ALL);
    printf("%s\n", st->off);
    printf("Events: %.0f   Skipped lines: %.0f\n",
           cJSON_GetNumberValue(cJSON_GetObjectItem(s, "total_errors")),
           cJSON_GetNumberValue(cJSON_GetObjectItem(s, "skipped_lines")));
    printf("Window: ");
    put(since ? since : "-", TM_TS_SIZE);
    printf(" .. ");
    put(until ? until : "-", TM_TS_SIZE);
    putchar('\n');
    print_counts(st, "Error types", cJSON_GetObjectItem(s, "by_type"), 8);
    print_counts(st, "Repositories", cJSON_GetObjectItem(s, "by_repo"), 8);
    print_counts(st, "Agents", cJSON_GetObjectItem(s, "by_agent"), 8);
    heading(st, "Patterns");
    print_patterns(st, cJSON_GetObjectItem(s, "patterns"));
    heading(st, "Top groups");
    print_groups(st, groups);
}

static struct style pick_style(void)
{
    struct style on = {"\033[1m", "\033[2m", "\033[0m"}, off = {"", "", ""};
    return cli_use_color(stdout) ? on : off;
}

/* The three views of one summary: which part, printed how. */
struct view {
    const char *name;
    int allow_limit;
    const char *json_key; /* NULL: the whole summary */
    void (*human)(const struct style *st, const cJSON *s, const char *dir);
};

static void human_summary(const struct style *st, const cJSON *s, const char *dir)
{
    print_human(st, s, dir);
}

static void human_patterns(const struct style *st, const cJSON *s, const char *dir)
{
    (void)dir;
    print_patterns(st, cJSON_GetObjectItem(s, "patterns"));
}

static void human_groups(const struct style *st, const cJSON *s, const char *dir)
{
    (void)dir;
    print_groups(st, cJSON_GetObjectItem(s, "groups"));
}

static int run_view(const struct view *v, int argc, char **argv)
{
    struct summary_args a;
    struct style st = pick_style();
    cJSON *s;
    int rc = EXIT_OK;

    if (parse(v->name, argc, argv, &a, v->allow_limit, &rc) == CLI_OPT_END)
        return rc;
    if ((s = load(v->name, &a, &rc)) == NULL)
        return rc;
    if (a.json) {
        rc = print_json(v->json_key ? cJSON_GetObjectItem(s, v->json_key) : s);
    } else if (a.url != NULL) { /* where the events are: the table */
        char where[1200];
        snprintf(where, sizeof(where), "%s (%s)", a.table, a.url);
        v->human(&st, s, where);
    } else {
        v->human(&st, s, a.cfg.dir);
    }
    cJSON_Delete(s);
    if (fflush(stdout) != 0) {
        cli_error("cannot write the output");
        rc = EXIT_RUNTIME;
    }
    return rc;
}

int cmd_summary(int argc, char **argv)
{
    static const struct view v = {"summary", 1, NULL, human_summary};
    return run_view(&v, argc, argv);
}

int cmd_patterns(int argc, char **argv)
{
    static const struct view v = {"patterns", 0, "patterns", human_patterns};
    return run_view(&v, argc, argv);
}

int cmd_groups(int argc, char **argv)
{
    static const struct view v = {"groups", 1, "groups", human_groups};
    return run_view(&v, argc, argv);
}
