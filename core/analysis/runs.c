/*
 * runs.c - the run file read back and joined with the central log (see
 * runs.h).
 */
#include "runs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event_parse.h"
#include "log_reader.h"
#include "store.h"
#include "telemetry.h"

struct parse {
    struct tm__run_line *out;
    const char *why;
    int has_run, has_kind, has_time;
};

/* A whole number of at most 18 digits (a minus sign when `neg_ok`). */
static int whole(const char *v, size_t n, int neg_ok, int64_t *out)
{
    int64_t x = 0;
    size_t i = 0;
    int neg = 0;

    if (n > 0 && v[0] == '-' && neg_ok) {
        neg = 1;
        i = 1;
    }
    if (i == n || n - i > 18)
        return -1;
    for (; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (v[i] - '0');
    }
    *out = neg ? -x : x;
    return 0;
}

static int member(void *arg, const char *key, size_t klen, const char *val,
                  size_t vlen, int is_string)
{
    struct parse *p = arg;
    struct tm__run_line *o = p->out;
    static const struct {
        const char *key;
        size_t off, size;
    } strs[] = {
#define S(k) {#k, offsetof(struct tm__run_line, k), sizeof(((struct tm__run_line *)0)->k)}
        S(program), S(agent), S(repo), S(host), S(start),
#undef S
    };
    static const struct {
        const char *key;
        size_t off;
        int neg_ok;
    } nums[] = {
#define N(k, neg) {#k, offsetof(struct tm__run_line, k), neg}
        N(pid, 0), N(duration_ms, 0), N(exit_status, 1), N(signal, 0),
        N(events, 0), N(fatal, 0), N(probes, 0), N(expected, 0), N(lost, 0),
#undef N
    };

    (void)klen;
    if (strcmp(key, "run") == 0) {
        if (!is_string || !tm__run_id_valid(val)) {
            p->why = "\"run\" is not a run id (16 lowercase hex digits)";
            return 1;
        }
        memcpy(o->run, val, TM_RUN_ID_LEN + 1);
        p->has_run = 1;
        return 0;
    }
    if (strcmp(key, "record") == 0) {
        int k = is_string ? tm__run_kind_parse(val) : -1;
        if (k < 0) {
            p->why = "\"record\" is not start, end or process";
            return 1;
        }
        o->kind = (enum tm__run_kind)k;
        p->has_kind = 1;
        return 0;
    }
    if (strcmp(key, "time") == 0) {
        int64_t sec;
        if (!is_string || vlen >= TM_TS_SIZE || tm__ts_epoch(val, &sec) != 0) {
            p->why = "\"time\" is not a time";
            return 1;
        }
        memcpy(o->time, val, vlen + 1);
        p->has_time = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (strcmp(key, strs[i].key) == 0) {
            if (is_string)
                tm__strlcpy((char *)o + strs[i].off, val, strs[i].size);
            return 0;
        }
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (strcmp(key, nums[i].key) == 0) {
            if (is_string ||
                whole(val, vlen, nums[i].neg_ok,
                      (int64_t *)((char *)o + nums[i].off)) != 0) {
                p->why = "a count, pid or status is not a whole number";
                return 1;
            }
            if (strcmp(key, "exit_status") == 0)
                o->has_exit = 1;
            else if (strcmp(key, "signal") == 0)
                o->has_signal = 1;
            return 0;
        }
    if (strcmp(key, "unexplained") == 0)
        o->unexplained = !is_string && vlen == 4 && memcmp(val, "true", 4) == 0;
    else if (strcmp(key, "not_run") == 0)
        o->not_run = !is_string && vlen == 4 && memcmp(val, "true", 4) == 0;
    else if (strcmp(key, "ci") == 0 && !is_string && vlen > 0 && val[0] == '{' &&
             vlen < sizeof(o->ci)) {
        memcpy(o->ci, val, vlen);
        o->ci[vlen] = '\0';
    }
    return 0; /* unknown keys are ignored */
}

int tm__run_line_parse(const char *line, size_t len, struct tm__run_line *out,
                       char *scratch, size_t cap, const char **why)
{
    struct tm__json_span obj = {line, len};
    struct parse p = {out, NULL, 0, 0, 0};
    int rc;

    memset(out, 0, sizeof(*out));
    out->events = out->fatal = out->probes = out->expected = -1;
    out->duration_ms = -1;
    rc = tm__json_members(obj, scratch, cap, member, &p);
    if (rc != 0) {
        *why = p.why ? p.why : "not one JSON object";
        return -1;
    }
    if (!p.has_run || !p.has_kind || !p.has_time) {
        *why = !p.has_run    ? "no \"run\" id"
               : !p.has_kind ? "no \"record\" kind"
                             : "no \"time\"";
        return -1;
    }
    return 0;
}

static void free_run(void *data)
{
    free(data);
}

/* The run of id, made when new; NULL when the table is full or out of
 * memory (*oom). */
static struct tm__run *run_of(struct tm__runs *rs, const char *id, int *oom)
{
    struct tm__centry *e = tm__counter_add(&rs->table, id, TM_RUN_ID_LEN, 1, oom);
    struct tm__run *r;

    if (e == NULL)
        return NULL;
    if (e->data != NULL)
        return e->data;
    if ((r = calloc(1, sizeof(*r))) == NULL) {
        *oom = 1;
        return NULL;
    }
    memcpy(r->id, id, TM_RUN_ID_LEN + 1);
    r->duration_ms = -1;
    for (int i = 0; i < 5; i++)
        r->end_counts[i] = -1;
    e->data = r;
    return r;
}

static void earliest(char *dst, const char *ts)
{
    if (ts[0] && (dst[0] == '\0' || strcmp(ts, dst) < 0))
        tm__strlcpy(dst, ts, TM_TS_SIZE);
}

static void copy_if(char *dst, size_t cap, const char *src)
{
    if (src[0])
        tm__strlcpy(dst, src, cap);
}

/* The run's names (program, agent, repo, host, CI tags) from a record
 * that has them. */
static void take_names(struct tm__run *r, const struct tm__run_line *l)
{
    copy_if(r->program, sizeof(r->program), l->program);
    copy_if(r->agent, sizeof(r->agent), l->agent);
    copy_if(r->repo, sizeof(r->repo), l->repo);
    copy_if(r->host, sizeof(r->host), l->host);
    copy_if(r->ci, sizeof(r->ci), l->ci);
}

static void take_record(struct tm__run *r, const struct tm__run_line *l)
{
    earliest(r->first, l->time);
    switch (l->kind) {
    case TM_RUN_START:
        r->starts++;
        if (r->start[0] == '\0' || strcmp(l->time, r->start) < 0) {
            tm__strlcpy(r->start, l->time, sizeof(r->start));
            take_names(r, l);
        }
        break;
    case TM_RUN_END:
        r->ends++;
        earliest(r->first, l->start);
        if (strcmp(l->time, r->end) >= 0) { /* the latest end speaks */
            tm__strlcpy(r->end, l->time, sizeof(r->end));
            r->has_exit = l->has_exit;
            r->has_signal = l->has_signal;
            r->exit_status = l->exit_status;
            r->signal = l->signal;
            r->unexplained = l->unexplained;
            r->not_run = l->not_run;
            r->duration_ms = l->duration_ms;
            r->end_counts[0] = l->events;
            r->end_counts[1] = l->fatal;
            r->end_counts[2] = l->probes;
            r->end_counts[3] = l->expected;
            r->end_counts[4] = l->lost;
            if (r->program[0] == '\0') {
                take_names(r, l);
            }
        }
        break;
    case TM_RUN_PROCESS:
        r->processes++;
        if (l->probes > 0)
            r->probes += l->probes;
        if (l->expected > 0)
            r->expected += l->expected;
        if (l->lost > 0)
            r->lost += l->lost;
        break;
    default:
        break;
    }
}

static int read_run_file(int dfd, const char *only, struct tm__runs *rs,
                         int *oom)
{
    struct tm__reader rd;
    struct tm__run_line *l = malloc(sizeof(*l));
    char *scratch = malloc(TM_READER_BUF + 64);
    const char *line, *why;
    size_t len;
    int rc = l && scratch ? tm__reader_open(&rd, dfd, TM_RUNS_LOG) : TM_ENOMEM;

    while (rc == 0 && (rc = tm__reader_next(&rd, &line, &len)) == 1) {
        struct tm__run *r;

        rc = 0;
        if (len == 0)
            continue;
        if (tm__run_line_parse(line, len, l, scratch, TM_READER_BUF + 64,
                               &why) != 0) {
            if (rs->skipped++ == 0)
                rs->first_why = why;
            continue;
        }
        if (only != NULL && strcmp(l->run, only) != 0)
            continue;
        if ((r = run_of(rs, l->run, oom)) != NULL)
            take_record(r, l);
        if (*oom)
            rc = TM_ENOMEM;
    }
    if (l && scratch) {
        /* Lines past the reader's buffer are no record either: said too. */
        if (rd.oversized > 0 && rs->skipped == 0)
            rs->first_why = "longer than 256 KiB";
        rs->skipped += rd.oversized;
        tm__reader_close(&rd);
    }
    free(l);
    free(scratch);
    return rc < 0 ? rc : 0;
}

/* The central log's events counted per run; a run known only from its
 * events is added (a run id set by a CI step, no `telemetry run`). */
static int read_events(int dfd, const char *only, struct tm__runs *rs, int *oom)
{
    /* The key alone: a writer may put blanks around the colon (as the
     * summary reads it, event_parse decides). */
    static const char mark[] = "\"run\"";
    struct tm__reader rd;
    struct tm__event_view v;
    char *scratch = malloc(TM_READER_BUF + 64);
    const char *line;
    size_t len;
    int rc = scratch ? tm__reader_open(&rd, dfd, TM_CENTRAL_LOG) : TM_ENOMEM;

    while (rc == 0 && (rc = tm__reader_next(&rd, &line, &len)) == 1) {
        struct tm__run *r;
        long long w;

        rc = 0;
        /* Most lines of a large log are other runs': found without
         * parsing. */
        if (memmem(line, len, mark, sizeof(mark) - 1) == NULL ||
            (only != NULL && memmem(line, len, only, TM_RUN_ID_LEN) == NULL))
            continue;
        if (tm__event_read(line, len, &v, scratch, TM_READER_BUF + 64) != 0) {
            rs->skipped_events++;
            continue;
        }
        if (!tm__run_id_valid(v.run) || (only && strcmp(v.run, only) != 0))
            continue;
        if ((r = run_of(rs, v.run, oom)) == NULL) {
            if (*oom)
                rc = TM_ENOMEM;
            continue;
        }
        w = tm__summary_weight(&v);
        r->events += w;
        if (v.fatal == 1)
            r->fatal += w;
        earliest(r->first, v.timestamp);
        tm__name_set_put(&r->repos, v.repo);
    }
    if (scratch)
        tm__reader_close(&rd);
    free(scratch);
    return rc < 0 ? rc : 0;
}

int tm__runs_load(int dfd, const char *only, const char *since,
                  struct tm__runs *out)
{
    int oom = 0, rc;

    memset(out, 0, sizeof(*out));
    tm__counter_init(&out->table, TM_RUNS_MAX, free_run);
    if ((rc = read_run_file(dfd, only, out, &oom)) != 0 ||
        (rc = read_events(dfd, only, out, &oom)) != 0)
        return rc;
    /* The end record counted the run when it ended: after `clean` or a
     * rotation the log holds fewer; events after the end make it more. */
    for (size_t i = 0; i < out->table.cap; i++) {
        struct tm__run *r = out->table.v[i].data;
        long long *mine[5];

        if (r == NULL)
            continue;
        mine[0] = &r->events;
        mine[1] = &r->fatal;
        mine[2] = &r->probes;
        mine[3] = &r->expected;
        mine[4] = &r->lost;
        for (int k = 0; k < 5; k++)
            if (r->end_counts[k] > *mine[k])
                *mine[k] = r->end_counts[k];
    }
    if (since != NULL && since[0]) {
        for (size_t i = 0; i < out->table.cap; i++) {
            struct tm__run *r = out->table.v[i].data;
            if (r != NULL && strcmp(r->first, since) < 0)
                r->first[0] = '\0'; /* marks it left out (tm__runs_sorted) */
        }
    }
    return 0;
}

static int newest_first(const void *a, const void *b)
{
    const struct tm__run *x = *(struct tm__run *const *)a;
    const struct tm__run *y = *(struct tm__run *const *)b;
    int c = strcmp(y->first, x->first);

    return c != 0 ? c : strcmp(x->id, y->id);
}

struct tm__run **tm__runs_sorted(const struct tm__runs *rs, size_t *n)
{
    struct tm__run **v = malloc((rs->table.n + 1) * sizeof(*v));
    size_t k = 0;

    *n = 0;
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < rs->table.cap; i++) {
        struct tm__run *r = rs->table.v[i].data;
        if (r != NULL && r->first[0])
            v[k++] = r;
    }
    qsort(v, k, sizeof(*v), newest_first);
    *n = k;
    if (k == 0) {
        free(v);
        return NULL;
    }
    return v;
}

void tm__runs_free(struct tm__runs *rs)
{
    tm__counter_free(&rs->table);
}
