/*
 * timeline.h - failures over time by category (README "Reports"): the
 * counts of the events a filter keeps, per time bucket and category.
 */
#ifndef TM_TIMELINE_H
#define TM_TIMELINE_H

#include <stdint.h>

#include "classify.h"
#include "summary.h"

#define TM_TIMELINE_MAX 168 /* buckets at most: a week of hours */

struct tm__timeline {
    int64_t start; /* the first bucket's start, seconds since the epoch */
    int64_t step;  /* seconds a bucket spans */
    int n;         /* buckets */
    long long count[TM_TIMELINE_MAX][TM_CAT_COUNT]; /* weighted (repeat) */
};

/* The bucket for a window [first, last] (seconds since the epoch): an hour
 * up to 2 days, a day up to 90 days, a week beyond, widened further when
 * that would be more than TM_TIMELINE_MAX buckets; the first bucket starts
 * at a multiple of its span (UTC).  Fills start, step and n; counts 0. */
void tm__timeline_init(struct tm__timeline *t, int64_t first, int64_t last);

/* Counts the central log's events in directory dfd that f keeps into t
 * (initialised), each under the category the summary counts it under and
 * weighted as the summary weighs it.  Returns 0, or a TM_* code. */
int tm__timeline_count(int dfd, const struct tm__summary_filter *f,
                       struct tm__timeline *t);

#endif
