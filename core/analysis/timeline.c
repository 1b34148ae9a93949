/*
 * timeline.c - failures per time bucket and category (timeline.h).
 */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "event_parse.h"
#include "log_reader.h"
#include "store.h"
#include "telemetry.h"
#include "timefmt.h"

void tm__timeline_init(struct tm__timeline *t, int64_t first, int64_t last)
{
    int64_t span = last > first ? last - first : 0;

    memset(t, 0, sizeof(*t));
    t->step = span <= 2 * 86400 ? 3600 : span <= 90 * 86400 ? 86400 : 7 * 86400;
    while (span / t->step + 2 > TM_TIMELINE_MAX)
        t->step *= 2;
    /* floor to the step, also before 1970 */
    t->start = first - ((first % t->step) + t->step) % t->step;
    t->n = (int)((last - t->start) / t->step) + 1;
    if (t->n > TM_TIMELINE_MAX)
        t->n = TM_TIMELINE_MAX;
    if (t->n < 1)
        t->n = 1;
}

int tm__timeline_count(int dfd, const struct tm__summary_filter *f,
                       struct tm__timeline *t)
{
    char *scratch = malloc(TM_READER_BUF + 64); /* a line's decoded strings */
    struct tm__event_view v;
    struct tm__reader r;
    const char *line;
    size_t len;
    int64_t sec, b;
    int rc;

    if (scratch == NULL)
        return TM_ENOMEM;
    rc = tm__reader_open(&r, dfd, TM_CENTRAL_LOG);

    while (rc == 0 && (rc = tm__reader_next(&r, &line, &len)) == 1) {
        rc = 0;
        if (len == 0 || tm__event_read(line, len, &v, scratch, TM_READER_BUF + 64) != 0 ||
            !tm__summary_keep(f, &v) || tm__ts_epoch(v.timestamp, &sec) != 0 ||
            sec < t->start)
            continue;
        b = (sec - t->start) / t->step;
        if (b < t->n)
            t->count[b][tm__summary_category(&v)] += tm__summary_weight(&v);
    }
    tm__reader_close(&r);
    free(scratch);
    return rc < 0 ? rc : 0;
}
