/*
 * cmd_show.c - `telemetry show ID`: one group (by fingerprint or a unique
 * prefix of it) or one event (by telemetry_id), whole (README "Looking at
 * one group or event").
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "event_parse.h"
#include "evidence.h"
#include "log_reader.h"
#include "store.h"
#include "summary.h"

#define SHOW_EVENTS_MAX 100 /* -n: the group's last events shown */
#define SHOW_RUNS 16        /* distinct runs listed (counted beyond) */
#define KEY "%-14s "         /* a field's name, then its value */

/* What the second pass keeps of the group's events. */
struct pick {
    char *line[SHOW_EVENTS_MAX]; /* owned: the last n raw lines, a ring */
    long n, next, count;
    char runs[SHOW_RUNS][TM_RUN_ID_LEN + 1];
    int nruns, runs_more;
};

static void pick_free(struct pick *p)
{
    for (long i = 0; i < p->n; i++)
        free(p->line[i]);
}

static int keep_line(struct pick *p, const char *line, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy == NULL)
        return -1;
    memcpy(copy, line, len);
    copy[len] = '\0';
    free(p->line[p->next]);
    p->line[p->next] = copy;
    p->next = (p->next + 1) % p->n;
    p->count++;
    return 0;
}

static void keep_run(struct pick *p, const char *run)
{
    if (run == NULL || !tm__run_id_valid(run))
        return;
    for (int i = 0; i < p->nruns; i++)
        if (strcmp(p->runs[i], run) == 0)
            return;
    if (p->nruns == SHOW_RUNS) {
        p->runs_more = 1;
        return;
    }
    tm__strlcpy(p->runs[p->nruns++], run, sizeof(p->runs[0]));
}

/* One pass over the central log, every event grouped as the summary groups
 * it (so fingerprints are the summary's): the event whose telemetry_id is
 * `id` into *event (a new string), or the group `fp`'s last events and runs
 * into p.  Returns 0, or a TM_* code. */
static int scan(int dfd, const char *id, char **event, const char *fp,
                struct pick *p)
{
    static char scratch[TM_READER_BUF + 64];
    struct tm__grouper g;
    struct tm__reader r;
    struct tm__event_view v;
    const char *line;
    size_t len;
    int rc;

    tm__grouper_init(&g, TM_MAX_GROUPS);
    rc = tm__reader_open(&r, dfd, TM_CENTRAL_LOG);
    while (rc == 0 && (rc = tm__reader_next(&r, &line, &len)) == 1) {
        char hex[TM_FP_HEX + 1];
        uint64_t h;

        rc = 0;
        if (len == 0 || tm__event_read(line, len, &v, scratch, sizeof(scratch)) != 0)
            continue;
        if (id != NULL && v.telemetry_id != NULL && strcmp(v.telemetry_id, id) == 0) {
            free(*event);
            if ((*event = strndup(line, len)) == NULL)
                rc = TM_ENOMEM;
            continue;
        }
        if (fp == NULL)
            continue;
        tm__summary_group(&g, &v, &h);
        tm__fp_hex(h, hex);
        if (strcmp(hex, fp) != 0)
            continue;
        keep_run(p, v.run);
        if (keep_line(p, line, len) != 0)
            rc = TM_ENOMEM;
    }
    tm__reader_close(&r);
    tm__grouper_free(&g);
    return rc < 0 ? rc : 0;
}

/* The groups whose fingerprint starts with `id` (all of them: the summary
 * with no limit).  Returns how many; *match is the last one. */
static int find_groups(const cJSON *groups, const char *id, const cJSON **match,
                       int list)
{
    const cJSON *g;
    int n = 0;

    cJSON_ArrayForEach(g, groups) {
        const char *fp = cJSON_GetStringValue(cJSON_GetObjectItem(g, "fingerprint"));
        if (fp == NULL || strncmp(fp, id, strlen(id)) != 0)
            continue;
        if (list)
            fprintf(stderr, "  group %s  %s\n", fp,
                    cJSON_GetStringValue(cJSON_GetObjectItem(g, "error_type")));
        *match = g;
        n++;
    }
    return n;
}

static void print_names(const char *title, const cJSON *set)
{
    const cJSON *n;
    int i = 0;

    printf(KEY, title);
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(set, "names")) {
        printf("%s", i++ ? ", " : "");
        cli_put_text(stdout, cJSON_GetStringValue(n), CLI_TEXT_ALL);
    }
    printf("  (%.0f%s)\n", cJSON_GetNumberValue(cJSON_GetObjectItem(set, "count")),
           cJSON_IsTrue(cJSON_GetObjectItem(set, "at_least")) ? " at least" : "");
}

static void print_field(const char *key, const char *val)
{
    char when[CLI_WHEN_SIZE];

    if (val == NULL)
        return;
    printf(KEY, key);
    if ((strcmp(key, "first") == 0 || strcmp(key, "last") == 0 ||
         strcmp(key, "timestamp") == 0) && cli_when(val, when, sizeof(when)))
        val = when;
    cli_put_text(stdout, val, CLI_TEXT_ALL);
    putchar('\n');
}

/* Every field of a stored event: strings escaped, the rest as JSON. */
static void print_event(const cJSON *e, const char *indent)
{
    const cJSON *f;

    cJSON_ArrayForEach(f, e) {
        if (cJSON_IsString(f)) {
            printf("%s", indent);
            print_field(f->string, f->valuestring);
        } else if (cJSON_IsArray(f) || cJSON_IsObject(f)) {
            const cJSON *x;
            printf("%s%s:\n", indent, f->string);
            cJSON_ArrayForEach(x, f) {
                char *t = cJSON_IsString(x) ? NULL : cJSON_PrintUnformatted(x);
                printf("%s  ", indent);
                if (x->string != NULL) {
                    cli_put_text(stdout, x->string, CLI_TEXT_ALL);
                    printf(": ");
                }
                cli_put_text(stdout, t ? t : x->valuestring, CLI_TEXT_ALL);
                putchar('\n');
                free(t);
            }
        } else {
            char *t = cJSON_PrintUnformatted(f);
            printf("%s" KEY "%s\n", indent, f->string, t ? t : "");
            free(t);
        }
    }
}

static int show_group(const cJSON *g, struct pick *p, int json)
{
    cJSON *out = cJSON_Duplicate(g, 1), *events, *runs;
    long shown = p->count < p->n ? p->count : p->n;
    int rc = EXIT_OK;

    if (out == NULL)
        goto oom;
    runs = cJSON_AddArrayToObject(out, "runs");
    for (int i = 0; runs && i < p->nruns; i++)
        cJSON_AddItemToArray(runs, cJSON_CreateString(p->runs[i]));
    events = cJSON_AddArrayToObject(out, "events");
    for (long k = 0; events && k < shown; k++) {
        cJSON *e = cJSON_Parse(p->line[(p->next - shown + k + p->n) % p->n]);
        if (e != NULL)
            cJSON_AddItemToArray(events, e);
    }
    if (runs == NULL || events == NULL)
        goto oom;
    if (json) {
        char *t = cJSON_PrintUnformatted(out);
        if (t == NULL)
            goto oom;
        puts(t);
        free(t);
    } else {
        const cJSON *e;
        printf("group %s  ", cJSON_GetStringValue(cJSON_GetObjectItem(g, "fingerprint")));
        cli_put_text(stdout, cJSON_GetStringValue(cJSON_GetObjectItem(g, "error_type")),
                     CLI_TEXT_ALL);
        printf(" (%s)\n", cJSON_GetStringValue(cJSON_GetObjectItem(g, "category")) ?: "-");
        printf(KEY "%.0f   fatal %.0f\n", "count",
               cJSON_GetNumberValue(cJSON_GetObjectItem(g, "count")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(g, "fatal")));
        print_field("first", cJSON_GetStringValue(cJSON_GetObjectItem(g, "first_seen")));
        print_field("last", cJSON_GetStringValue(cJSON_GetObjectItem(g, "last_seen")));
        print_names("repos", cJSON_GetObjectItem(g, "repos"));
        print_names("agents", cJSON_GetObjectItem(g, "agents"));
        printf(KEY, "runs");
        for (int i = 0; i < p->nruns; i++)
            printf("%s%s", i ? ", " : "", p->runs[i]);
        printf("%s\n", p->nruns == 0 ? "-" : p->runs_more ? ", ..." : "");
        print_field("culprit", cJSON_GetStringValue(cJSON_GetObjectItem(g, "culprit")));
        print_field("template", cJSON_GetStringValue(cJSON_GetObjectItem(g, "template")));
        print_field("example", cJSON_GetStringValue(cJSON_GetObjectItem(g, "example")));
        printf("\nlast %ld event%s:\n", shown, shown == 1 ? "" : "s");
        cJSON_ArrayForEach(e, events) {
            putchar('\n');
            print_event(e, "  ");
        }
    }
out:
    cJSON_Delete(out);
    return rc;
oom:
    cli_error("out of memory");
    rc = EXIT_RUNTIME;
    goto out;
}

static int show_event(const char *line, int json)
{
    cJSON *e;

    if (json) {
        puts(line);
        return EXIT_OK;
    }
    if ((e = cJSON_Parse(line)) == NULL) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    print_event(e, "");
    cJSON_Delete(e);
    return EXIT_OK;
}

static int is_hex_id(const char *s)
{
    size_t n = strlen(s);

    if (n < 4 || n > TM_FP_HEX)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
            return 0;
    return 1;
}

int cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"events", required_argument, NULL, 'n'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    struct tm__summary_filter all = {.limit = TM_MAX_GROUPS};
    struct pick p = {.n = 5};
    const cJSON *match = NULL;
    cJSON *s = NULL;
    char *event = NULL;
    const char *id;
    long n;
    int opt, rc, err = 0, dfd, json = 0, ngroups = 0, saved;

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":n:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'n':
            if (cli_parse_count(optarg, SHOW_EVENTS_MAX, &n) != 0)
                return cli_usage("show", "-n needs a number from 1 to %d",
                                 SHOW_EVENTS_MAX);
            p.n = n;
            break;
        default:
            if (cli_common_option("show", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind != argc - 1)
        return cli_usage("show", optind < argc ? "one ID, not more"
                                               : "which group or event? (an ID from "
                                                 "'telemetry groups' or 'tail --json')");
    id = argv[optind];
    if (!is_hex_id(id))
        return cli_usage("show", "'%s' is not an ID: a group's fingerprint (or "
                                 "its first 4 or more hex digits) or an event's "
                                 "telemetry_id", id);
    if ((dfd = cli_open_dir(&cfg)) < 0)
        return EXIT_RUNTIME;
    errno = 0;
    if ((s = tm__summary_build(dfd, &all, &err)) != NULL) {
        ngroups = find_groups(cJSON_GetObjectItem(s, "groups"), id, &match, 0);
        err = scan(dfd, strlen(id) == TM_FP_HEX ? id : NULL, &event,
                   ngroups == 1 ? cJSON_GetStringValue(cJSON_GetObjectItem(
                                      match, "fingerprint"))
                                : NULL,
                   &p);
    }
    saved = errno;
    close(dfd);
    if (s == NULL || err != 0) {
        char what[4200];
        snprintf(what, sizeof(what), "cannot read '%s'", cfg.dir);
        cli_read_error(what, cfg.dir, err, saved);
        rc = EXIT_RUNTIME;
    } else if (ngroups + (event != NULL) > 1) {
        cli_error("show: '%s' is ambiguous; it could be:", id);
        find_groups(cJSON_GetObjectItem(s, "groups"), id, &match, 1);
        if (event != NULL)
            fprintf(stderr, "  event %s\n", id);
        rc = EXIT_USAGE;
    } else if (event != NULL) {
        rc = show_event(event, json);
    } else if (ngroups == 1) {
        rc = show_group(match, &p, json);
    } else {
        cli_error("show: no group or event '%s' in '%s' ('telemetry groups' "
                  "lists the groups)", id, cfg.dir);
        rc = EXIT_RUNTIME;
    }
    pick_free(&p);
    free(event);
    cJSON_Delete(s);
    if (rc == EXIT_OK && fflush(stdout) != 0) {
        cli_error("cannot write the output");
        rc = EXIT_RUNTIME;
    }
    return rc;
}
