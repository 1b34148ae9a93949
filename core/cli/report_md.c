/*
 * report_md.c - `telemetry report --markdown`: the summary's facts as
 * GitHub-flavoured Markdown tables (README "Reports"), no HTML.
 *
 * Every string from a log goes through md_text(), the one escaping
 * function: it cannot end a cell, open a code span, a link, an emphasis
 * or a tag, or start a new line.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"

/* Writes s as the text of one table cell. */
static void md_text(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

    for (; *p != '\0'; p++) {
        if (*p == '<')
            fputs("&lt;", out);
        else if (*p == '>')
            fputs("&gt;", out);
        else if (*p == '&')
            fputs("&amp;", out);
        else if (*p < 0x20 || *p == 0x7f)
            fputc(' ', out); /* newlines, tabs: one line per row */
        else if (strchr("\\`*_[]|~!", *p) != NULL) {
            fputc('\\', out); /* inline markup: code, emphasis, links, cells */
            fputc(*p, out);
        } else
            fputc(*p, out);
    }
}

static void counts(FILE *out, const char *title, const char *what,
                   const cJSON *obj)
{
    const cJSON *it;

    fprintf(out, "\n### %s\n\n| %s | failures |\n|---|---:|\n", title, what);
    cJSON_ArrayForEach(it, obj) {
        fputs("| ", out);
        md_text(out, it->string);
        fprintf(out, " | %lld |\n", cJSON_IsNumber(it) ? (long long)it->valuedouble : 0);
    }
    if (cJSON_GetArraySize(obj) == 0)
        fputs("| (none) | 0 |\n", out);
}

static void names(FILE *out, const cJSON *set)
{
    const cJSON *n, *arr = cJSON_GetObjectItemCaseSensitive(set, "names");
    int i = 0;

    cJSON_ArrayForEach(n, arr) {
        if (i++ > 0)
            fputs(", ", out);
        md_text(out, cJSON_IsString(n) ? n->valuestring : "");
    }
    if (report_num(set, "count") > i)
        fprintf(out, " (%lld in all)", report_num(set, "count"));
}

static void runs(FILE *out, struct tm__run *const *v, size_t n)
{
    char status[64], dur[32];

    fputs("\n### Runs\n\n| run | start | duration | command | ended | events "
          "| fatal |\n|---|---|---:|---|---|---:|---:|\n", out);
    for (size_t i = 0; i < n && i < REPORT_RUNS; i++) {
        const struct tm__run *r = v[i];
        cli_run_status(r, status, sizeof(status));
        cli_run_duration(r, dur, sizeof(dur));
        fputs("| ", out);
        md_text(out, r->id);
        fputs(" | ", out);
        md_text(out, r->start[0] ? r->start : r->first);
        fprintf(out, " | %s | ", dur);
        md_text(out, r->program[0] ? r->program : "-");
        fputs(" | ", out);
        md_text(out, status);
        fprintf(out, " | %lld | %lld |\n", r->events, r->fatal);
    }
    if (n == 0)
        fputs("| (none) | | | | | 0 | 0 |\n", out);
}

void report_markdown(FILE *out, const struct report_data *d)
{
    const cJSON *s = d->summary;
    const cJSON *g, *p, *w = cJSON_GetObjectItemCaseSensitive(s, "window");

    fputs("## Agent telemetry\n\n| failures | since | until | skipped lines |\n"
          "|---:|---|---|---:|\n", out);
    fprintf(out, "| %lld | ", report_num(s, "total_errors"));
    md_text(out, report_str(w, "since"));
    fputs(" | ", out);
    md_text(out, report_str(w, "until"));
    fprintf(out, " | %lld |\n", report_num(s, "skipped_lines"));
    counts(out, "By repository", "repository",
           cJSON_GetObjectItemCaseSensitive(s, "by_repo"));
    counts(out, "By agent", "agent", cJSON_GetObjectItemCaseSensitive(s, "by_agent"));

    fputs("\n### Top groups\n\n| count | type | template | repos | first seen "
          "| last seen | culprit | example |\n|---:|---|---|---|---|---|---|---|\n", out);
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(s, "groups")) {
        fprintf(out, "| %lld | ", report_num(g, "count"));
        md_text(out, report_str(g, "error_type"));
        fputs(" | ", out);
        md_text(out, report_str(g, "template"));
        fputs(" | ", out);
        names(out, cJSON_GetObjectItemCaseSensitive(g, "repos"));
        fputs(" | ", out);
        md_text(out, report_str(g, "first_seen"));
        fputs(" | ", out);
        md_text(out, report_str(g, "last_seen"));
        fputs(" | ", out);
        md_text(out, report_str(g, "culprit"));
        fputs(" | ", out);
        md_text(out, report_str(g, "example"));
        fputs(" |\n", out);
    }

    fputs("\n### Patterns\n\n| pattern | suggestion | detail |\n|---|---|---|\n", out);
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(s, "patterns")) {
        fputs("| ", out);
        md_text(out, report_str(p, "pattern"));
        fputs(" | ", out);
        md_text(out, report_str(p, "suggestion"));
        fputs(" | ", out);
        md_text(out, report_str(p, "detail"));
        fputs(" |\n", out);
    }
    runs(out, d->runs, d->nruns);

}
