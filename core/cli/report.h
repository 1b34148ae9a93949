/*
 * report.h - `telemetry report`'s renderers (README "Reports"): each
 * writes one summary object (README "The summary object") to out.
 */
#ifndef TM_REPORT_H
#define TM_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

/* GitHub-flavoured Markdown tables, no HTML (report_md.c). */
void report_markdown(FILE *out, const cJSON *summary);

#endif
