/*
 * runrec.c - run file lines (see runrec.h).
 */
#include "runrec.h"

#include <string.h>

#include "jsonw.h"
#include "store.h"

static const char *const kind_words[TM_RUN_NKINDS] = {
#define TM__RW(id, word) word,
    TM_RUN_KINDS(TM__RW)
#undef TM__RW
};

static const char *const ci_vars[] = {
#define TM__CI(name) name,
    TM_RUN_CI_VARS(TM__CI)
#undef TM__CI
};

const char *tm__run_kind_word(enum tm__run_kind k)
{
    return (unsigned)k < TM_RUN_NKINDS ? kind_words[k] : "";
}

int tm__run_kind_parse(const char *word)
{
    for (int k = 0; k < TM_RUN_NKINDS; k++)
        if (strcmp(word, kind_words[k]) == 0)
            return k;
    return -1;
}

const char *const *tm__run_ci_vars(size_t *n)
{
    *n = sizeof(ci_vars) / sizeof(ci_vars[0]);
    return ci_vars;
}

int tm__run_ci_allowed(const char *name)
{
    for (size_t i = 0; i < sizeof(ci_vars) / sizeof(ci_vars[0]); i++)
        if (strcmp(name, ci_vars[i]) == 0)
            return 1;
    return 0;
}

static void field_i64(struct tm__jw *w, const char *key, int64_t v)
{
    tm__jw_field_i64(w, key, v);
}

size_t tm__runrec_encode(const struct tm__runrec *r, char *buf)
{
    struct tm__jw w;

    if (!tm__run_id_valid(r->run))
        return 0;
    /* Every string is bounded (128 bytes raw, 512 escaped, CI values
     * 128/256): the fixed members fit in TM_RUN_LINE_MAX with room to
     * spare, so nothing is ever dropped. */
    tm__jw_init(&w, buf, TM_RUN_LINE_MAX - 2);
    TM_JW_LIT(&w, "{\"run\":\"");
    tm__jw_raw(&w, r->run, TM_RUN_ID_LEN);
    tm__jw_char(&w, '"');
    tm__jw_field_str(&w, "record", tm__run_kind_word(r->kind), 16, 16);
    tm__jw_field_str(&w, "time", r->time, TM_TS_SIZE, TM_TS_SIZE);
    if (r->start)
        tm__jw_field_str(&w, "start", r->start, TM_TS_SIZE, TM_TS_SIZE);
    if (r->flags & TM_RUNREC_DURATION)
        field_i64(&w, "duration_ms", r->duration_ms);
    if (r->flags & TM_RUNREC_PID)
        field_i64(&w, "pid", r->pid);
#define STR(k)                                                                 \
    if (r->k)                                                                  \
        tm__jw_field_str(&w, #k, r->k, 128, 512);
    STR(program)
    STR(agent)
    STR(repo)
    STR(host)
#undef STR
    if (r->flags & TM_RUNREC_EXIT)
        field_i64(&w, "exit_status", r->exit_status);
    if (r->flags & TM_RUNREC_SIGNAL)
        field_i64(&w, "signal", r->signal);
    if (r->flags & TM_RUNREC_COUNTS)
        field_i64(&w, "events", r->events);
    if (r->flags & TM_RUNREC_FATAL)
        field_i64(&w, "fatal", r->fatal);
    if (r->flags & TM_RUNREC_SUPPR) {
        field_i64(&w, "probes", r->probes);
        field_i64(&w, "expected", r->expected);
    }
    if ((r->flags & TM_RUNREC_LOST) && r->lost > 0)
        field_i64(&w, "lost", r->lost);
    if (r->flags & TM_RUNREC_NOT_RUN)
        TM_JW_LIT(&w, ",\"not_run\":true");
    if (r->flags & TM_RUNREC_UNEXPLAINED)
        TM_JW_LIT(&w, ",\"unexplained\":true");
    if (r->nci > 0) {
        int first = 1;

        TM_JW_LIT(&w, ",\"ci\":{");
        for (int i = 0; i < r->nci && i < TM_RUN_CI_MAX; i++) {
            if (!tm__run_ci_allowed(r->ci[i].name))
                continue;
            if (!first)
                tm__jw_char(&w, ',');
            tm__jw_str(&w, r->ci[i].name, strlen(r->ci[i].name), 32, 32);
            tm__jw_char(&w, ':');
            tm__jw_str(&w, r->ci[i].value, strlen(r->ci[i].value), 128, 256);
            first = 0;
        }
        tm__jw_char(&w, '}');
    }
    w.cap = TM_RUN_LINE_MAX;
    TM_JW_LIT(&w, "}\n");
    return w.overflow ? 0 : w.len;
}

int tm__runrec_store(int dfd, const char *line, size_t len,
                     long long max_bytes, int *budget_us)
{
    struct tm__store_opts so = {.max_bytes = max_bytes, .wait_ms = -1};

    return tm__store_file(dfd, TM_RUNS_LOG, line, len, &so, budget_us);
}
