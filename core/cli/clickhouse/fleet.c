/*
 * fleet.c - the summary computed by ClickHouse (see fleet.h).
 */
#include "fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch.h"
#include "ch_rows.h"
#include "config.h"

/* The order "first" and "last" follow: along each directory's log (see
 * ship_row.h); the id settles ties between machines. */
#define KEY "(order_ts, seq, telemetry_id)"

/* What every count adds up: the failures each row stands for, its repeat
 * column (1 when the event has none), as tm__summary_weight() weighs an
 * event in the local summary. */
#define WEIGHT "sum(repeat)"

/* The columns of a query's answer, X(cell, SQL expression): the SELECT
 * list is made from the table, and a row's cells are read by the names
 * (cell numbers follow the table's order). */
#define TOTALS_COLUMNS(X)                                                      \
    X(TOTAL, WEIGHT)                                                           \
    X(FIRST, "min(timestamp)")                                                 \
    X(LAST, "max(timestamp)")                                                  \
    X(MISSING_MODULE, "sumIf(repeat, position(error_message, 'No module "     \
                      "named \\'') > 0)")

#define GROUPS_COLUMNS(X)                                                      \
    X(FP, "fingerprint")                                                       \
    X(COUNT, WEIGHT " AS c")                                                   \
    X(TYPE, "argMin(error_type, " KEY ")")                                     \
    X(CATEGORY, "argMin(category, " KEY ")")                                   \
    X(EXAMPLE, "argMin(error_message, " KEY ")")                               \
    X(REPOS, "uniqExact(repo) AS nr")                                          \
    X(AGENTS, "uniqExact(agent)")                                              \
    X(FIRST, "min(timestamp)")                                                 \
    X(LAST, "max(timestamp)")                                                  \
    X(FATAL, "sumIf(repeat, fatal = 1)")                                       \
    X(CULPRIT, "argMin(culprit, " KEY ")")

enum totals_cell {
#define FLEET__CELL(cell, sql) TOTALS_##cell,
    TOTALS_COLUMNS(FLEET__CELL)
#undef FLEET__CELL
};

enum groups_cell {
#define FLEET__CELL(cell, sql) GROUPS_##cell,
    GROUPS_COLUMNS(FLEET__CELL)
#undef FLEET__CELL
};

/* The SELECT lists: ", a, b, ..." read from past the first ", ". */
#define FLEET__SQL(cell, sql) ", " sql
static const char totals_select[] = TOTALS_COLUMNS(FLEET__SQL);
static const char groups_select[] = GROUPS_COLUMNS(FLEET__SQL);
#undef FLEET__SQL
#define SELECT_LIST(list) ((list) + sizeof(", ") - 1)

/* The counts of counts(), one SELECT each, told apart by the number in
 * their first column: which column is counted. */
enum count_by { BY_TYPE, BY_AGENT, BY_REPO, BY_CATEGORY, BY_COUNT };

static const char *const count_columns[BY_COUNT] = {
    [BY_TYPE] = "error_type",
    [BY_AGENT] = "agent",
    [BY_REPO] = "repo",
    [BY_CATEGORY] = "category",
};

/* The names of names(), told apart the same way. */
enum name_by { NAMES_REPO, NAMES_AGENT, NAMES_COUNT };

static const char *const name_columns[NAMES_COUNT] = {
    [NAMES_REPO] = "repo",
    [NAMES_AGENT] = "agent",
};

struct fleet {
    struct ch_conn ch;
    const char *table;
    const char *where; /* " WHERE ..." */
    struct tm__summary_parts p;
    char *err;
    size_t cap;
};

/* A count cell: a number that is not negative, or 0 with *bad set. */
static long long cell_num(const cJSON *row, int i, int *bad)
{
    long long v = ch_rows_num(row, i, bad);

    if (v < 0) {
        *bad = 1;
        return 0;
    }
    return v;
}

static int bad_answer(struct fleet *q)
{
    snprintf(q->err, q->cap, "unexpected answer from %s (is --table a table "
                             "made by 'telemetry ship'?)", q->ch.url);
    return -1;
}

static int totals(struct fleet *q)
{
    struct ch_buf sql = {0};
    cJSON *rows, *doc, *row;
    int bad = 0;

    ch_buf_printf(&sql, "SELECT %s FROM %s FINAL%s", SELECT_LIST(totals_select),
                  q->table, q->where);
    if ((doc = ch_rows_query(&q->ch, &sql, &rows, q->err, q->cap)) == NULL)
        return -1;
    row = cJSON_GetArrayItem(rows, 0);
    q->p.total = cell_num(row, TOTALS_TOTAL, &bad);
    tm__strlcpy(q->p.first, ch_rows_str(row, TOTALS_FIRST, &bad), sizeof(q->p.first));
    tm__strlcpy(q->p.last, ch_rows_str(row, TOTALS_LAST, &bad), sizeof(q->p.last));
    q->p.pin.missing_module = cell_num(row, TOTALS_MISSING_MODULE, &bad);
    cJSON_Delete(doc);
    return bad ? bad_answer(q) : 0;
}

/* Counts by type, agent, repo and category, in one statement: rows of
 * (enum count_by, key, count). */
static int counts(struct fleet *q)
{
    struct ch_buf sql = {0};
    cJSON *rows, *doc, *row;
    int bad = 0;

    for (int i = 0; i < BY_COUNT; i++)
        ch_buf_printf(&sql, "%sSELECT %d, %s, " WEIGHT " FROM %s FINAL%s GROUP BY %s",
                      i ? " UNION ALL " : "", i, count_columns[i], q->table,
                      q->where, count_columns[i]);
    if ((doc = ch_rows_query(&q->ch, &sql, &rows, q->err, q->cap)) == NULL)
        return -1;
    cJSON_ArrayForEach(row, rows) {
        long long which = cell_num(row, 0, &bad), n = cell_num(row, 2, &bad);
        const char *key = ch_rows_str(row, 1, &bad);
        struct tm__counter *c = NULL;
        enum tm__category cat;

        switch (which) {
        case BY_TYPE: c = &q->p.types; break;
        case BY_AGENT: c = &q->p.agents; break;
        case BY_REPO: c = &q->p.repos; break;
        case BY_CATEGORY:
            if ((cat = tm__category_from_name(key)) != TM_CAT_COUNT)
                q->p.pin.by_category[cat] += n;
            break;
        default: bad = 1; /* not a number this statement gives */
        }
        if (c != NULL)
            tm__counter_add(c, key, strlen(key), n, &q->p.oom);
    }
    cJSON_Delete(doc);
    return bad ? bad_answer(q) : 0;
}

static void name_count(struct tm__name_set *s, long long n)
{
    s->n = n > TM_SET_HASHES ? TM_SET_HASHES : (int)n;
    s->saturated = n > TM_SET_HASHES;
}

/* Groups: the first `limit` by count (tail: "ORDER BY ... LIMIT n"), or
 * those in enough repositories (tail: "HAVING ..."). */
static int groups(struct fleet *q, const char *tail)
{
    struct ch_buf sql = {0};
    cJSON *rows, *doc, *row;
    int bad = 0;

    ch_buf_printf(&sql, "SELECT %s FROM %s FINAL%s GROUP BY fingerprint %s",
                  SELECT_LIST(groups_select), q->table, q->where, tail);
    if ((doc = ch_rows_query(&q->ch, &sql, &rows, q->err, q->cap)) == NULL)
        return -1;
    cJSON_ArrayForEach(row, rows) {
        const char *fp = ch_rows_str(row, GROUPS_FP, &bad);
        long long n = cell_num(row, GROUPS_COUNT, &bad);
        struct tm__centry *e;
        struct tm__group *g;
        enum tm__category cat;

        if (strlen(fp) != TM_FP_HEX || strspn(fp, "0123456789abcdef") != TM_FP_HEX) {
            bad = 1;
            break;
        }
        if (tm__counter_find(&q->p.groups, fp, TM_FP_HEX) != NULL)
            continue; /* listed by the other query already */
        if ((e = tm__counter_add(&q->p.groups, fp, TM_FP_HEX, n, &q->p.oom)) == NULL)
            continue; /* full, as the local summary's table would be */
        if ((g = calloc(1, sizeof(*g))) == NULL) {
            q->p.oom = 1;
            break;
        }
        e->data = g;
        memcpy(g->fingerprint, fp, TM_FP_HEX + 1);
        tm__strlcpy(g->error_type, ch_rows_str(row, GROUPS_TYPE, &bad),
                    sizeof(g->error_type));
        cat = tm__category_from_name(ch_rows_str(row, GROUPS_CATEGORY, &bad));
        g->category = cat == TM_CAT_COUNT ? TM_CAT_other : cat;
        tm__strlcpy(g->example, ch_rows_str(row, GROUPS_EXAMPLE, &bad),
                    sizeof(g->example));
        name_count(&g->repos, cell_num(row, GROUPS_REPOS, &bad));
        name_count(&g->agents, cell_num(row, GROUPS_AGENTS, &bad));
        tm__strlcpy(g->first_seen, ch_rows_str(row, GROUPS_FIRST, &bad),
                    sizeof(g->first_seen));
        tm__strlcpy(g->last_seen, ch_rows_str(row, GROUPS_LAST, &bad),
                    sizeof(g->last_seen));
        g->fatal = cell_num(row, GROUPS_FATAL, &bad);
        tm__strlcpy(g->culprit, ch_rows_str(row, GROUPS_CULPRIT, &bad),
                    sizeof(g->culprit));
    }
    cJSON_Delete(doc);
    if (q->p.oom) {
        snprintf(q->err, q->cap, "out of memory");
        return -1;
    }
    return bad ? bad_answer(q) : 0;
}

/* The group listed under fingerprint fp. */
static struct tm__group *listed(const struct fleet *q, const char *fp)
{
    struct tm__centry *e = tm__counter_find(&q->p.groups, fp, strlen(fp));

    return e ? e->data : NULL;
}

/* "'fp','fp',..." of the groups listed (checked hex: safe in SQL). */
static void fp_list(struct fleet *q, struct ch_buf *in)
{
    for (size_t i = 0; i < q->p.groups.cap; i++)
        if (q->p.groups.v[i].key != NULL)
            ch_buf_printf(in, "%s'%s'", in->len ? "," : "", q->p.groups.v[i].key);
}

/* Each listed group's template: that of its latest event, filters or not,
 * as the local summary shows its cluster's final template. */
static int templates(struct fleet *q, const struct ch_buf *in)
{
    struct ch_buf sql = {0};
    cJSON *rows, *doc, *row;
    int bad = 0;

    ch_buf_printf(&sql, "SELECT fingerprint, argMaxIf(template, " KEY ", "
                        "template != '') FROM %s FINAL WHERE fingerprint IN (",
                  q->table);
    ch_buf_add(&sql, in->data, in->len);
    ch_buf_printf(&sql, ") GROUP BY fingerprint");
    if ((doc = ch_rows_query(&q->ch, &sql, &rows, q->err, q->cap)) == NULL)
        return -1;
    cJSON_ArrayForEach(row, rows) {
        struct tm__group *g = listed(q, ch_rows_str(row, 0, &bad));
        const char *text = ch_rows_str(row, 1, &bad);
        if (g == NULL) {
            bad = 1;
            break;
        }
        if (*text != '\0' && g->text == NULL && (g->text = strdup(text)) == NULL)
            q->p.oom = 1;
    }
    cJSON_Delete(doc);
    return bad ? bad_answer(q) : 0;
}

/* The first names (repos, agents) of the groups listed: rows of
 * (fingerprint, enum name_by, names). */
static int names(struct fleet *q, const struct ch_buf *in)
{
    struct ch_buf sql = {0};
    cJSON *rows, *doc, *row;
    int bad = 0;

    for (int i = 0; i < NAMES_COUNT; i++) {
        ch_buf_printf(&sql, "%sSELECT fingerprint, %d, arraySlice(arraySort("
                            "groupArray((m, name))), 1, %d) FROM (SELECT "
                            "fingerprint, %s AS name, min(" KEY ") AS m FROM %s "
                            "FINAL%s AND fingerprint IN (",
                      i ? " UNION ALL " : "", i, TM_SET_NAMES, name_columns[i],
                      q->table, q->where);
        ch_buf_add(&sql, in->data, in->len);
        ch_buf_printf(&sql, ") GROUP BY fingerprint, name) GROUP BY fingerprint");
    }
    if ((doc = ch_rows_query(&q->ch, &sql, &rows, q->err, q->cap)) == NULL)
        return -1;
    cJSON_ArrayForEach(row, rows) {
        const char *fp = ch_rows_str(row, 0, &bad);
        long long which = cell_num(row, 1, &bad);
        const cJSON *list = cJSON_GetArrayItem(row, 2), *it;
        struct tm__group *g = listed(q, fp);
        struct tm__name_set *s;

        if (g == NULL || !cJSON_IsArray(list) ||
            (which != NAMES_REPO && which != NAMES_AGENT)) {
            bad = 1;
            break;
        }
        s = which == NAMES_REPO ? &g->repos : &g->agents;
        cJSON_ArrayForEach(it, list) {
            const cJSON *name = cJSON_GetArrayItem(it, 1);
            if (!cJSON_IsString(name) || s->nnames == TM_SET_NAMES) {
                bad = 1;
                break;
            }
            tm__strlcpy(s->names[s->nnames++], name->valuestring,
                        sizeof(s->names[0]));
        }
    }
    cJSON_Delete(doc);
    return bad ? bad_answer(q) : 0;
}

static cJSON *build(struct fleet *q, const struct tm__summary_filter *f)
{
    struct ch_buf in = {0};
    char tail[96];
    cJSON *out = NULL;
    int rc;

    snprintf(tail, sizeof(tail), "ORDER BY c DESC, fingerprint LIMIT %d",
             f->limit > 0 ? f->limit : 20);
    if (totals(q) != 0 || counts(q) != 0 || groups(q, tail) != 0)
        return NULL;
    snprintf(tail, sizeof(tail), "HAVING nr >= %lld",
             tm__patterns_cross_repo_min());
    if (groups(q, tail) != 0)
        return NULL;
    fp_list(q, &in);
    rc = in.overflow ? -1 : 0;
    if (in.overflow)
        snprintf(q->err, q->cap, "out of memory");
    if (rc == 0 && in.len > 0)
        rc = templates(q, &in) != 0 || names(q, &in) != 0 ? -1 : 0;
    ch_buf_free(&in);
    if (rc == 0 && (out = tm__summary_render(&q->p, f)) == NULL)
        snprintf(q->err, q->cap, "out of memory");
    return out;
}

cJSON *fleet_summary(const char *url, const char *table,
                     const struct tm__summary_filter *f, char *err, size_t cap)
{
    struct fleet q = {.table = table, .err = err, .cap = cap};
    struct ch_buf where = {0};
    cJSON *out = NULL;

    ch_buf_printf(&where, " WHERE 1");
    if (f->since[0]) {
        ch_buf_printf(&where, " AND timestamp >= ");
        ch_buf_quote(&where, f->since);
    }
    if (f->repo) {
        ch_buf_printf(&where, " AND repo = ");
        ch_buf_quote(&where, f->repo);
    }
    if (f->agent) {
        ch_buf_printf(&where, " AND agent = ");
        ch_buf_quote(&where, f->agent);
    }
    if (f->run) { /* a run id (checked by the caller): README "Runs" */
        ch_buf_printf(&where, " AND run = ");
        ch_buf_quote(&where, f->run);
    }
    if (f->program) {
        ch_buf_printf(&where, " AND program = ");
        ch_buf_quote(&where, f->program);
    }
    if (f->by_category) {
        ch_buf_printf(&where, " AND category = ");
        ch_buf_quote(&where, tm__category_name(f->category));
    }
    if (f->errnum != 0) {
        /* as tm__event_errno: the shim's context.errno, or the message's
         * "[Errno N]" (a message that only names the errno in words is
         * not matched here: README "Filters") */
        char num[32];
        snprintf(num, sizeof(num), "[Errno %d]", f->errnum);
        ch_buf_printf(&where, " AND (context_values[indexOf(context_keys, 'errno')] = ");
        ch_buf_quote(&where, tm__errno_info(f->errnum)->name);
        ch_buf_printf(&where, " OR position(error_message, ");
        ch_buf_quote(&where, num);
        ch_buf_printf(&where, ") > 0)");
    }
    if (where.overflow) {
        snprintf(err, cap, "out of memory");
    } else if (ch_open(&q.ch, url) != 0) {
        snprintf(err, cap, "%s", q.ch.err);
    } else {
        q.where = where.data;
        tm__summary_parts_init(&q.p);
        out = build(&q, f);
        tm__summary_parts_free(&q.p);
        ch_close(&q.ch);
    }
    ch_buf_free(&where);
    return out;
}
