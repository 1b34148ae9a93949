/*
 * report.h - `telemetry report`'s renderers (README "Reports"): each
 * writes the same facts - one summary object (README "The summary
 * object"), the failures over time, the runs - to out.
 */
#ifndef TM_REPORT_H
#define TM_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "runs.h"
#include "timeline.h"

#define REPORT_RUNS 50 /* the newest runs listed */

/* What a report shows; all borrowed. */
struct report_data {
    const cJSON *summary;
    const struct tm__timeline *timeline; /* NULL: no event counted */
    struct tm__run *const *runs;         /* newest first */
    size_t nruns;
};

/* A summary object's number or string member; 0 or "" when absent. */
static inline long long report_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static inline const char *report_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* GitHub-flavoured Markdown tables, no HTML (report_md.c). */
void report_markdown(FILE *out, const struct report_data *d);

/* One self-contained HTML page with inline SVG charts (report_html.c). */
void report_html(FILE *out, const struct report_data *d);

#endif
