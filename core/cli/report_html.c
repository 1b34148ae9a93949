/*
 * report_html.c - `telemetry report --html`: one self-contained page
 * (README "Reports"): inline CSS, charts drawn here as inline SVG, no
 * script, nothing fetched.
 *
 * Every string from a log goes through h(), the one escaping function
 * (text and attribute values alike): it cannot open or close an element
 * or an attribute.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "report.h"

/* Writes s escaped for HTML text or a quoted attribute value.  C0
 * controls (but tab and newline) and DEL become U+FFFD: they have no
 * business in a page. */
static void h(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

    for (; *p != '\0'; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
                fputs("&#xfffd;", out);
            else
                fputc(*p, out);
        }
    }
}

/* A stored time as people read it (cli_when), escaped. */
static void when(FILE *out, const char *stored)
{
    char w[CLI_WHEN_SIZE];

    h(out, cli_when(stored, w, sizeof(w)) ? w : "-");
}

/* One colour per category, in the category table's order. */
static const char *colour(int cat)
{
    static const char *const c[] = {"#d62728", "#ff7f0e", "#1f77b4", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                                    "#17becf", "#2ca02c", "#aec7e8", "#ffbb78",
                                    "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
                                    "#f7b6d2", "#dbdb8d", "#9edae5"};
    return c[(unsigned)cat % (sizeof(c) / sizeof(c[0]))];
}

static const char style[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;"
    "padding:0 1em;color:#222}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;"
    "border-bottom:1px solid #ddd}table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #eee;"
    "vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "code{font:12px ui-monospace,monospace;word-break:break-all}td.id code{white-space:nowrap;word-break:normal}"
    ".figs{display:flex;flex-wrap:wrap;gap:1em}.fig{border:1px solid #ddd;"
    "border-radius:6px;padding:.6em 1em;min-width:8em}.fig b{display:block;"
    "font-size:1.6em}.legend span{display:inline-block;margin-right:1em}"
    ".legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em}"
    "svg{max-width:100%;height:auto}svg text{font:11px sans-serif;fill:#333}"
    ".muted{color:#666}"
    "@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}"
    "tr,svg{break-inside:avoid}}";

static void figure(FILE *out, const char *label, long long v)
{
    fprintf(out, "<div class=\"fig\"><b>%lld</b>%s</div>", v, label);
}

/* Failures over time, stacked by category. */
static void timeline(FILE *out, const struct tm__timeline *t)
{
    const int W = 900, H = 260, L = 50, B = 40, T = 10;
    long long top = 0, used[TM_CAT_COUNT] = {0};
    double bw;
    char day[32];

    for (int i = 0; i < t->n; i++) {
        long long sum = 0;
        for (int c = 0; c < TM_CAT_COUNT; c++) {
            sum += t->count[i][c];
            used[c] += t->count[i][c];
        }
        if (sum > top)
            top = sum;
    }
    fprintf(out, "<h2>Failures over time</h2><p class=\"muted\">one bar per %s "
                 "(UTC), stacked by category</p>\n",
            t->step == 3600 ? "hour" : t->step == 86400 ? "day"
            : t->step == 7 * 86400 ? "week" : "period");
    fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"failures over time by category\">\n", W, H);
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                 "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>"
                 "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
            L, H - B, W, H - B, L - 6, T + 10, top, L - 6, H - B);
    bw = (double)(W - L - 10) / t->n;
    for (int i = 0; i < t->n && top > 0; i++) {
        double y = H - B;
        time_t at = (time_t)(t->start + i * t->step);
        struct tm tm;

        gmtime_r(&at, &tm);
        strftime(day, sizeof(day), t->step < 86400 ? "%Y-%m-%d %H:00" : "%Y-%m-%d", &tm);
        for (int c = 0; c < TM_CAT_COUNT; c++) {
            double hgt;
            if (t->count[i][c] == 0)
                continue;
            hgt = (double)t->count[i][c] * (H - B - T) / (double)top;
            y -= hgt;
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"%s\"><title>%s %s: %lld</title></rect>\n",
                    L + i * bw + bw * 0.1, y, bw * 0.8, hgt, colour(c), day,
                    tm__category_name(c), t->count[i][c]);
        }
        if (t->n <= 14 || i % ((t->n + 6) / 7) == 0)
            fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    L + i * bw + bw / 2, H - B + 16, day);
    }
    fputs("</svg>\n<p class=\"legend\">", out);
    for (int c = 0; c < TM_CAT_COUNT; c++)
        if (used[c] > 0)
            fprintf(out, "<span><i style=\"background:%s\"></i>%s %lld</span>",
                    colour(c), tm__category_name(c), used[c]);
    fputs("</p>\n", out);
}

/* Horizontal bars of a {"name": count} object, most first. */
static void bars(FILE *out, const char *title, const char *what, const cJSON *obj)
{
    const int W = 900, row = 22, L = 260;
    long long top = 0;
    int n = 0, i = 0;
    const cJSON *it;

    cJSON_ArrayForEach(it, obj) {
        if (n++ < 20 && (long long)it->valuedouble > top)
            top = (long long)it->valuedouble;
    }
    fprintf(out, "<h2>%s</h2>\n", title);
    if (n == 0) {
        fputs("<p>None.</p>\n", out);
        return;
    }
    n = n > 20 ? 20 : n;
    fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"failures by %s\">\n", W, n * row + 4, what);
    cJSON_ArrayForEach(it, obj) {
        long long v = (long long)it->valuedouble;
        double w = top > 0 ? (double)v * (W - L - 60) / (double)top : 0;
        if (i == n)
            break;
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L - 8, i * row + 15);
        h(out, it->string);
        fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                     "fill=\"#1f77b4\"><title>", L, i * row + 3, w, row - 6);
        h(out, it->string);
        fprintf(out, ": %lld</title></rect><text x=\"%.1f\" y=\"%d\">%lld</text>\n",
                v, L + w + 6, i * row + 15, v);
        i++;
    }
    fputs("</svg>\n", out);
}

static void names(FILE *out, const cJSON *set)
{
    const cJSON *n;
    int i = 0;

    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(set, "names")) {
        if (i++ > 0)
            fputs(", ", out);
        h(out, cJSON_IsString(n) ? n->valuestring : "");
    }
    if (report_num(set, "count") > i)
        fprintf(out, " (%lld in all)", report_num(set, "count"));
}

static void groups(FILE *out, const cJSON *arr)
{
    const cJSON *g;

    fputs("<h2>Top groups</h2>\n<table><tr><th class=\"n\">count</th><th>id</th>"
          "<th>type</th><th>repos</th><th>first seen</th><th>last seen</th>"
          "<th>culprit</th></tr>\n", out);
    cJSON_ArrayForEach(g, arr) {
        fprintf(out, "<tr><td class=\"n\">%lld</td><td class=\"id\"><code>", report_num(g, "count"));
        h(out, *report_str(g, "id") ? report_str(g, "id") : report_str(g, "fingerprint"));
        fputs("</code></td><td>", out);
        h(out, report_str(g, "error_type"));
        fputs("</td><td>", out);
        names(out, cJSON_GetObjectItemCaseSensitive(g, "repos"));
        fputs("</td><td>", out);
        when(out, report_str(g, "first_seen"));
        fputs("</td><td>", out);
        when(out, report_str(g, "last_seen"));
        fputs("</td><td><code>", out);
        h(out, report_str(g, "culprit"));
        fputs("</code></td></tr>\n<tr><td></td><td colspan=\"6\"><code>", out);
        h(out, report_str(g, "template"));
        fputs("</code><br><span class=\"muted\">e.g. </span><code>", out);
        h(out, report_str(g, "example"));
        fputs("</code></td></tr>\n", out);
    }
    if (cJSON_GetArraySize(arr) == 0)
        fputs("<tr><td colspan=\"7\">None.</td></tr>\n", out);
    fputs("</table>\n", out);
}

static void patterns(FILE *out, const cJSON *arr)
{
    const cJSON *p;

    fputs("<h2>Patterns</h2>\n", out);
    if (cJSON_GetArraySize(arr) == 0)
        fputs("<p>No pattern found.</p>\n", out);
    cJSON_ArrayForEach(p, arr) {
        fputs("<p><b>", out);
        h(out, report_str(p, "pattern"));
        fprintf(out, "</b> (%lld)<br>", report_num(p, "count"));
        h(out, report_str(p, "suggestion"));
        if (*report_str(p, "detail")) {
            fputs("<br><span class=\"muted\">", out);
            h(out, report_str(p, "detail"));
            fputs("</span>", out);
        }
        fputs("</p>\n", out);
    }
}

static void runs(FILE *out, struct tm__run *const *v, size_t n)
{
    char status[64], dur[32];

    fputs("<h2>Runs</h2>\n", out);
    if (n == 0) {
        fputs("<p>None (<code>telemetry run</code> records them).</p>\n", out);
        return;
    }
    fputs("<table><tr><th>run</th><th>start</th><th class=\"n\">duration</th>"
          "<th>command</th><th>ended</th><th class=\"n\">events</th>"
          "<th class=\"n\">fatal</th></tr>\n", out);
    for (size_t i = 0; i < n && i < REPORT_RUNS; i++) {
        const struct tm__run *r = v[i];
        cli_run_status(r, status, sizeof(status));
        cli_run_duration(r, dur, sizeof(dur));
        fputs("<tr><td><code>", out);
        h(out, r->id);
        fputs("</code></td><td>", out);
        when(out, r->start[0] ? r->start : r->first);
        fprintf(out, "</td><td class=\"n\">%s</td><td>", dur);
        h(out, r->program[0] ? r->program : "-");
        fputs("</td><td>", out);
        h(out, status);
        fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>\n",
                r->events, r->fatal);
    }
    fputs("</table>\n", out);
    if (n > REPORT_RUNS)
        fprintf(out, "<p class=\"muted\">and %zu older runs</p>\n", n - REPORT_RUNS);
}

void report_html(FILE *out, const struct report_data *d)
{
    const cJSON *s = d->summary, *w = cJSON_GetObjectItemCaseSensitive(s, "window");
    long long fatal = 0;
    const cJSON *g;

    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(s, "groups"))
        fatal += report_num(g, "fatal");
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width\">"
                 "<title>agent-telemetry report</title><style>%s</style></head>"
                 "<body>\n<h1>agent-telemetry report</h1>\n<p class=\"muted\">",
            style);
    when(out, report_str(w, "since"));
    fputs(" .. ", out);
    when(out, report_str(w, "until"));
    fputs("</p>\n<div class=\"figs\">", out);
    figure(out, "failures", report_num(s, "total_errors"));
    figure(out, "fatal (listed groups)", fatal);
    figure(out, "repositories", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "by_repo")));
    figure(out, "agents", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "by_agent")));
    figure(out, "groups listed", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "groups")));
    figure(out, "runs", (long long)d->nruns);
    fputs("</div>\n", out);
    if (d->timeline != NULL)
        timeline(out, d->timeline);
    bars(out, "By repository", "repository", cJSON_GetObjectItemCaseSensitive(s, "by_repo"));
    bars(out, "By agent", "agent", cJSON_GetObjectItemCaseSensitive(s, "by_agent"));
    groups(out, cJSON_GetObjectItemCaseSensitive(s, "groups"));
    patterns(out, cJSON_GetObjectItemCaseSensitive(s, "patterns"));
    runs(out, d->runs, d->nruns);
    fprintf(out, "<p class=\"muted\">%lld lines of the log were not events.</p>\n"
                 "</body></html>\n", report_num(s, "skipped_lines"));
}
