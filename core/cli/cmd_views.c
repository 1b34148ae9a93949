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
#include <unistd.h>

#include "ch.h"
#include "cli.h"
#include "fleet.h"
#include "api.h"
#include "event.h"
#include "filter.h"
#include "timefmt.h"

struct summary_args {
    struct tm__summary_filter f;
    int json;
    int wide; /* --wide: lines not cut to the terminal's width */
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
    static const struct option own[] = {
        {"json", no_argument, NULL, 'j'},
        {"wide", no_argument, NULL, 'w'},
        {"limit", required_argument, NULL, 'l'},
        {"clickhouse", required_argument, NULL, 'c'},
        {"table", required_argument, NULL, 't'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'}};
    struct option opts[sizeof(own) / sizeof(own[0]) + CLI_F_COUNT + 1];
    struct cli_filter cf = {0};
    long limit;
    int opt;

    cli_filter_table(opts, own, sizeof(own) / sizeof(own[0]));
    memset(a, 0, sizeof(*a));
    a->table = CH_DEFAULT_TABLE;
    tm__config_from_env(&a->cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (cli_filter_take(&cf, opt, optarg))
            continue;
        switch (opt) {
        case 'j': a->json = 1; break;
        case 'w': a->wide = 1; break;
        case 'c': a->url = optarg; break;
        case 't': a->table = optarg; break;
        case 'l':
            if (!allow_limit) {
                *rc = cli_usage(name, "unknown option '--limit'");
                return CLI_OPT_END;
            }
            if (cli_parse_count(optarg, 100000, &limit) != 0) {
                *rc = cli_usage(name, "--limit needs a number from 1 to 100000");
                return CLI_OPT_END;
            }
            a->f.limit = (int)limit;
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
    if ((*rc = cli_filter_resolve(name, &cf, &a->f)) != EXIT_OK)
        return CLI_OPT_END;
    if (a->url != NULL) {
        char why[256];
        if (ch_check_target(a->url, a->table, why, sizeof(why)) != 0) {
            *rc = cli_usage(name, "%s", why);
            return CLI_OPT_END;
        }
    }
    return CLI_OPT_NEXT;
}

/* The summary, of the local log or computed by the ClickHouse server.
 * Returns it (caller frees with cJSON_Delete), or NULL after a message
 * with the exit code in *rc. */
static cJSON *load(struct summary_args *a, int *rc)
{
    cJSON *s;

    if (a->url != NULL) {
        char why[600];
        if ((s = fleet_summary(a->url, a->table, &a->f, why, sizeof(why))) == NULL) {
            cli_error("%s", why);
            *rc = EXIT_RUNTIME;
        }
        return s;
    }
    return cli_summary_load(&a->cfg, &a->f, rc);
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

/* How human output is printed: the colour escapes (they take no column)
 * and the width of a line (README "Terminal width"; CLI_TEXT_ALL: --wide). */
struct style {
    const char *bold, *dim, *off;
    size_t width;
};

/* What is left of the width after `used` columns, at least `min`. */
static size_t room(const struct style *st, size_t used, size_t min)
{
    if (st->width == CLI_TEXT_ALL)
        return CLI_TEXT_ALL;
    return st->width > used + min ? st->width - used : min;
}

/* Text from a log, wrapped at spaces to the width, each line after the
 * first indented by `indent` columns; `col` columns of the first line are
 * taken already. */
static void put_wrapped(const struct style *st, const char *s, size_t col,
                        size_t indent)
{
    char word[512];

    while (s != NULL && *s != '\0') {
        size_t n = strcspn(s, " "), k = n < sizeof(word) ? n : sizeof(word) - 1;

        memcpy(word, s, k);
        word[k] = '\0';
        if (col > indent && st->width != CLI_TEXT_ALL &&
            col + 1 + cli_text_cols(word) > st->width) {
            printf("\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            putchar(' ');
            col++;
        }
        col += cli_put_text(stdout, word, room(st, col, 10));
        s += n;
        while (*s == ' ')
            s++;
    }
}

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
        put(it->string, room(st, 11, 10));
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
        put(cJSON_GetStringValue(cJSON_GetObjectItem(p, "pattern")),
            room(st, 12, 10));
        printf("%s (%.0f)\n    -> ", st->off,
               cJSON_GetNumberValue(cJSON_GetObjectItem(p, "count")));
        put_wrapped(st, cJSON_GetStringValue(cJSON_GetObjectItem(p, "suggestion")),
                    7, 7);
        putchar('\n');
        if (cJSON_IsString(cJSON_GetObjectItem(p, "detail"))) {
            /* what to do about this group: escaped, wrapped at spaces */
            printf("    %s", st->dim);
            put_wrapped(st, cJSON_GetStringValue(cJSON_GetObjectItem(p, "detail")),
                        4, 4);
            printf("%s\n", st->off);
        }
        if (cJSON_IsArray(repos)) {
            const cJSON *r;
            char line[2048]; /* "repos: a b c  group F", wrapped below */
            size_t n = 0;

            n += (size_t)snprintf(line, sizeof(line), "repos:");
            cJSON_ArrayForEach(r, repos) {
                if (n + 2 < sizeof(line)) {
                    line[n++] = ' ';
                    n += cli_text(line + n, sizeof(line) - n,
                                  cJSON_GetStringValue(r), 256);
                }
            }
            if (n + 10 < sizeof(line)) {
                n += (size_t)snprintf(line + n, sizeof(line) - n, "  group ");
                cli_text(line + n, sizeof(line) - n,
                         cJSON_GetStringValue(cJSON_GetObjectItem(p, "fingerprint")),
                         64);
            }
            printf("    %s", st->dim);
            put_wrapped(st, line, 4, 6);
            printf("%s\n", st->off);
        }
    }
}

/* One line per group, at most the width (README "Terminal width"): count,
 * repos, last seen, id, then type and template cut with "...". */
/* The widest id of the groups (at least TM_ID_MIN): the id column. */
static int id_cols(const cJSON *groups)
{
    const cJSON *g;
    size_t w = TM_ID_MIN;

    cJSON_ArrayForEach(g, groups) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(g, "id"));
        if (id != NULL && strlen(id) > w && strlen(id) <= TM_FP_HEX)
            w = strlen(id);
    }
    return (int)w;
}

static void print_groups(const struct style *st, const cJSON *groups)
{
    const cJSON *g;
    int64_t now = (int64_t)time(NULL);

    if (cJSON_GetArraySize(groups) == 0) {
        printf("  (none)\n");
        return;
    }
    printf("  %scount repos  last seen  id%*s type: template%s\n", st->dim,
           id_cols(groups) - 2, "", st->off);
    cJSON_ArrayForEach(g, groups) {
        const cJSON *repos = cJSON_GetObjectItem(g, "repos");
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(g, "error_type"));
        const char *last = cJSON_GetStringValue(cJSON_GetObjectItem(g, "last_seen"));
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(g, "id"));
        char ago[32] = "-";
        const char *culprit;
        int64_t sec;
        size_t used = 26, shown;

        if (last && tm__ts_epoch(last, &sec) == 0)
            tm__ts_ago(sec, now, ago, sizeof(ago));
        printf("  %5.0f %5.0f  %-9s  ",
               cJSON_GetNumberValue(cJSON_GetObjectItem(g, "count")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(repos, "count")), ago);
        shown = put(id ? id : "-", TM_FP_HEX);
        printf("%*s ", id_cols(groups) - (int)shown, "");
        used += (size_t)id_cols(groups) + 1;
        /* the type takes at most half of what is left, the template the rest */
        shown = put(type, st->width == CLI_TEXT_ALL ? CLI_TEXT_ALL
                                                   : (room(st, used, 10) - 2) / 2);
        used += shown + 2;
        printf(": ");
        put(cJSON_GetStringValue(cJSON_GetObjectItem(g, "template")),
            room(st, used, 4));
        putchar('\n');
        if ((culprit = cJSON_GetStringValue(cJSON_GetObjectItem(g, "culprit")))) {
            printf("  %s                   at ", st->dim);
            put(culprit, room(st, 24, 10));
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
    char when[CLI_WHEN_SIZE];

    printf("%sagent-telemetry summary%s  %s", st->bold, st->off, st->dim);
    put(where, room(st, 25, 10));
    printf("%s\n", st->off);
    printf("Events: %.0f   Skipped lines: %.0f\n",
           cJSON_GetNumberValue(cJSON_GetObjectItem(s, "total_errors")),
           cJSON_GetNumberValue(cJSON_GetObjectItem(s, "skipped_lines")));
    printf("Window: ");
    put(cli_when(since, when, sizeof(when)) ? when : "-", room(st, 12, 28) / 2);
    printf(" .. ");
    put(cli_when(until, when, sizeof(when)) ? when : "-", room(st, 12, 28) / 2);
    putchar('\n');
    print_counts(st, "Error types", cJSON_GetObjectItem(s, "by_type"), 8);
    print_counts(st, "Repositories", cJSON_GetObjectItem(s, "by_repo"), 8);
    print_counts(st, "Agents", cJSON_GetObjectItem(s, "by_agent"), 8);
    heading(st, "Patterns");
    print_patterns(st, cJSON_GetObjectItem(s, "patterns"));
    heading(st, "Top groups");
    print_groups(st, groups);
}

static struct style pick_style(int wide)
{
    struct style on = {"\033[1m", "\033[2m", "\033[0m", 0}, off = {"", "", "", 0};
    struct style st = cli_use_color(stdout) ? on : off;

    st.width = wide ? CLI_TEXT_ALL : cli_width();
    return st;
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
    struct style st;
    cJSON *s;
    int rc = EXIT_OK;

    if (parse(v->name, argc, argv, &a, v->allow_limit, &rc) == CLI_OPT_END)
        return rc;
    if ((s = load(&a, &rc)) == NULL)
        return rc;
    st = pick_style(a.wide);
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
