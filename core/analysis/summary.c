/*
 * summary.c - streaming summary over the central log (see summary.h).
 */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event_parse.h"
#include "evidence.h"
#include "hash.h"
#include "jsonw.h"
#include "log_reader.h"
#include "store.h"
#include "summary_pipe.h"
#include "telemetry.h"

struct acc {
    struct tm__summary_parts p;
    struct tm__grouper grouper;
    const struct tm__summary_filter *f;
};

int tm__name_set_count(const struct tm__name_set *s)
{
    return s->n;
}

void tm__name_set_put(struct tm__name_set *s, const char *name)
{
    uint64_t h = tm__fnv1a(name, strlen(name));

    for (int i = 0; i < s->n; i++)
        if (s->h[i] == h)
            return;
    if (s->n == TM_SET_HASHES) {
        s->saturated = 1;
        return;
    }
    s->h[s->n++] = h;
    if (s->nnames < TM_SET_NAMES) {
        /* a longer name is cut on a character, never inside one: the
         * summary's JSON and the reports stay UTF-8 */
        size_t k = tm__utf8_cut(name, strlen(name), sizeof(s->names[0]) - 1);
        memcpy(s->names[s->nnames], name, k);
        s->names[s->nnames++][k] = '\0';
    }
}

enum tm__category tm__summary_category(const struct tm__event_view *v)
{
    if (v->category != NULL) {
        enum tm__category c = tm__category_from_name(v->category);
        if (c != TM_CAT_COUNT)
            return c;
    }
    return tm__classify_text(v->error_type, v->error_message);
}

struct tm__cluster *tm__summary_group(struct tm__grouper *g,
                                      const struct tm__event_view *v,
                                      uint64_t *fp)
{
    struct tm__group_input in;

    tm__pipe_group_input(v, &in);
    return tm__group(g, &in, fp);
}

static void group_free(void *data)
{
    struct tm__group *g = data;

    if (g != NULL)
        free(g->text);
    free(g);
}

void tm__summary_parts_init(struct tm__summary_parts *p)
{
    memset(p, 0, sizeof(*p));
    tm__counter_init(&p->types, TM_MAX_KEYS, NULL);
    tm__counter_init(&p->agents, TM_MAX_KEYS, NULL);
    tm__counter_init(&p->repos, TM_MAX_KEYS, NULL);
    tm__counter_init(&p->groups, TM_MAX_GROUPS, group_free);
}

void tm__summary_parts_free(struct tm__summary_parts *p)
{
    tm__counter_free(&p->types);
    tm__counter_free(&p->agents);
    tm__counter_free(&p->repos);
    tm__counter_free(&p->groups);
}

long long tm__summary_weight(const struct tm__event_view *v)
{
    char text[64];
    double x;

    if (v->repeat.p == NULL || v->repeat.n >= sizeof(text))
        return 1;
    memcpy(text, v->repeat.p, v->repeat.n);
    text[v->repeat.n] = '\0';
    x = strtod(text, NULL);
    return x >= 1 && x <= 4294967295.0 ? (long long)x : 1;
}

static void add_group(struct acc *a, const struct tm__event_view *v,
                      enum tm__category cat, struct tm__cluster *cl, uint64_t id,
                      long long w)
{
    char fp[TM_FP_HEX + 1];
    struct tm__centry *e;
    struct tm__group *g;

    tm__fp_hex(id, fp);
    e = tm__counter_add(&a->p.groups, fp, TM_FP_HEX, w, &a->p.oom);
    if (e == NULL)
        return;
    g = e->data;
    if (g == NULL) {
        g = calloc(1, sizeof(*g));
        if (g == NULL) {
            a->p.oom = 1;
            return;
        }
        e->data = g;
        tm__strlcpy(g->error_type, v->error_type, sizeof(g->error_type));
        g->category = cat;
        tm__strlcpy(g->first_seen, v->timestamp, sizeof(g->first_seen));
        tm__strlcpy(g->example, v->error_message, sizeof(g->example));
        memcpy(g->fingerprint, fp, sizeof(fp));
        tm__culprit(v->stack, v->nstack, v->frames, v->nframes, g->culprit,
                    sizeof(g->culprit));
    }
    if (cl != NULL)
        g->cluster = cl;
    if (strcmp(v->timestamp, g->first_seen) < 0)
        tm__strlcpy(g->first_seen, v->timestamp, sizeof(g->first_seen));
    if (strcmp(v->timestamp, g->last_seen) > 0)
        tm__strlcpy(g->last_seen, v->timestamp, sizeof(g->last_seen));
    if (v->fatal == 1)
        g->fatal += w;
    tm__name_set_put(&g->repos, v->repo);
    tm__name_set_put(&g->agents, v->agent);
}

int tm__event_errno(const struct tm__event_view *v)
{
    const struct tm__errno_info *e = tm__errno_by_name(v->errno_name);

    return e != NULL ? e->num : tm__errno_of_text(v->error_message);
}

static int same(const char *want, const char *have)
{
    return want == NULL || (have != NULL && strcmp(want, have) == 0);
}

int tm__summary_keep(const struct tm__summary_filter *f,
                     const struct tm__event_view *v)
{
    return (!f->since[0] || strcmp(v->timestamp, f->since) >= 0) &&
           same(f->repo, v->repo) && same(f->agent, v->agent) &&
           same(f->run, v->run) && same(f->program, v->program) &&
           (!f->by_category || tm__summary_category(v) == f->category) &&
           (f->errnum == 0 || tm__event_errno(v) == f->errnum);
}

/* One line of the log: counted, or skipped when it is not an event.  Every
 * event is grouped, also one the filters leave out, so that an event's
 * fingerprint does not depend on the filters (nor on which events came
 * before the --since bound). */
static void take_line(void *arg, const struct tm__pipe_item *it)
{
    struct acc *a = arg;
    const struct tm__summary_filter *f = a->f;
    struct tm__summary_parts *p = &a->p;
    const struct tm__event_view *v = &it->v; /* parsed and masked ahead */
    struct tm__cluster *cl;
    enum tm__category cat;
    uint64_t id;
    long long w;

    if (!it->ok) {
        p->skipped++;
        return;
    }
    cl = tm__group_finish(&a->grouper, &it->g, &id);
    if (!tm__summary_keep(f, v))
        return;
    w = it->weight; /* every count weighs the event so */
    p->total += w;
    if (p->first[0] == '\0' || strcmp(v->timestamp, p->first) < 0)
        tm__strlcpy(p->first, v->timestamp, sizeof(p->first));
    if (strcmp(v->timestamp, p->last) > 0)
        tm__strlcpy(p->last, v->timestamp, sizeof(p->last));
    tm__counter_add_hashed(&p->types, it->type.s, it->type.n, it->type.h, w, &p->oom);
    tm__counter_add_hashed(&p->agents, it->agent.s, it->agent.n, it->agent.h, w, &p->oom);
    tm__counter_add_hashed(&p->repos, it->repo.s, it->repo.n, it->repo.h, w, &p->oom);
    cat = it->cat;
    p->pin.by_category[cat] += w;
    if (it->missing_module)
        p->pin.missing_module += w;
    add_group(a, v, cat, cl, id, w);
}

/* {"name": count, ...} most frequent first. */
static cJSON *counts_object(const struct tm__counter *c, int *oom)
{
    size_t n;
    struct tm__centry **v = tm__counter_sorted(c, &n);
    cJSON *o = cJSON_CreateObject();

    if (o == NULL || (n > 0 && v == NULL)) {
        *oom = 1;
        free(v);
        cJSON_Delete(o);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (cJSON_AddNumberToObject(o, v[i]->key, (double)v[i]->count) == NULL)
            *oom = 1;
    free(v);
    return o;
}

static cJSON *top_errors(const struct tm__counter *types, int *oom)
{
    size_t n;
    struct tm__centry **v = tm__counter_sorted(types, &n);
    cJSON *arr = cJSON_CreateArray();

    if (arr == NULL || (n > 0 && v == NULL)) {
        *oom = 1;
        free(v);
        cJSON_Delete(arr);
        return NULL;
    }
    for (size_t i = 0; i < n && i < 5; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(v[i]->key));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)v[i]->count));
        if (pair == NULL || !cJSON_AddItemToArray(arr, pair))
            *oom = 1;
    }
    free(v);
    return arr;
}

static cJSON *name_set_json(const struct tm__name_set *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *names = cJSON_AddArrayToObject(o, "names");

    cJSON_AddNumberToObject(o, "count", tm__name_set_count(s));
    if (s->saturated)
        cJSON_AddBoolToObject(o, "at_least", 1);
    for (int i = 0; names != NULL && i < s->nnames; i++)
        cJSON_AddItemToArray(names, cJSON_CreateString(s->names[i]));
    return o;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ids: every group's fingerprint, sorted (tm__fp_id_len), or NULL when
 * out of memory (then the id is the whole fingerprint). */
static cJSON *group_json(const struct tm__centry *e, const char *const *ids,
                         size_t n)
{
    const struct tm__group *g = e->data;
    cJSON *o = cJSON_CreateObject();
    char id[TM_FP_HEX + 1];
    size_t len = ids ? tm__fp_id_len(g->fingerprint, ids, n) : TM_FP_HEX;

    snprintf(id, sizeof(id), "%.*s", (int)len, g->fingerprint);
    cJSON_AddStringToObject(o, "fingerprint", g->fingerprint);
    cJSON_AddStringToObject(o, "template", g->cluster ? g->cluster->text
                                           : g->text  ? g->text
                                                      : g->example);
    cJSON_AddStringToObject(o, "error_type", g->error_type);
    cJSON_AddStringToObject(o, "category", tm__category_name(g->category));
    cJSON_AddNumberToObject(o, "count", (double)e->count);
    cJSON_AddItemToObject(o, "repos", name_set_json(&g->repos));
    cJSON_AddItemToObject(o, "agents", name_set_json(&g->agents));
    cJSON_AddStringToObject(o, "first_seen", g->first_seen);
    cJSON_AddStringToObject(o, "last_seen", g->last_seen);
    cJSON_AddNumberToObject(o, "fatal", (double)g->fatal);
    cJSON_AddStringToObject(o, "example", g->example);
    cJSON_AddStringToObject(o, "id", id); /* after the fields SPEC lists */
    if (g->culprit[0])
        cJSON_AddStringToObject(o, "culprit", g->culprit);
    return o;
}

cJSON *tm__summary_render(struct tm__summary_parts *a,
                          const struct tm__summary_filter *f)
{
    cJSON *root = cJSON_CreateObject(), *patterns, *groups, *window;
    const char **ids; /* every group's fingerprint, sorted; owned here */
    size_t ng;
    struct tm__centry **gv = tm__counter_sorted(&a->groups, &ng);
    int limit = f->limit > 0 ? f->limit : 20;

    if (root == NULL || (ng > 0 && gv == NULL)) {
        free(gv);
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_AddNumberToObject(root, "total_errors", (double)a->total);
    cJSON_AddItemToObject(root, "by_type", counts_object(&a->types, &a->oom));
    cJSON_AddItemToObject(root, "by_agent", counts_object(&a->agents, &a->oom));
    cJSON_AddItemToObject(root, "by_repo", counts_object(&a->repos, &a->oom));
    patterns = cJSON_AddArrayToObject(root, "patterns");
    a->pin.groups = gv;
    a->pin.ngroups = ng;
    a->pin.nlisted = ng < (size_t)limit ? ng : (size_t)limit;
    if (patterns == NULL || tm__patterns_eval(&a->pin, patterns) != 0)
        a->oom = 1;
    cJSON_AddItemToObject(root, "top_errors", top_errors(&a->types, &a->oom));
    groups = cJSON_AddArrayToObject(root, "groups");
    ids = ng > 0 ? malloc(ng * sizeof(*ids)) : NULL;
    for (size_t i = 0; ids != NULL && i < ng; i++)
        ids[i] = ((const struct tm__group *)gv[i]->data)->fingerprint;
    if (ids != NULL)
        qsort(ids, ng, sizeof(*ids), by_string);
    for (size_t i = 0; groups != NULL && i < ng && i < (size_t)limit; i++)
        cJSON_AddItemToArray(groups, group_json(gv[i], ids, ng));
    free(ids);
    if (a->groups.dropped > 0)
        cJSON_AddNumberToObject(root, "groups_truncated",
                                (double)a->groups.dropped);
    window = cJSON_AddObjectToObject(root, "window");
    if (f->since[0])
        cJSON_AddStringToObject(window, "since", f->since);
    else if (a->first[0])
        cJSON_AddStringToObject(window, "since", a->first);
    else
        cJSON_AddNullToObject(window, "since");
    if (a->last[0])
        cJSON_AddStringToObject(window, "until", a->last);
    else
        cJSON_AddNullToObject(window, "until");
    cJSON_AddNumberToObject(root, "skipped_lines", (double)a->skipped);
    free(gv);
    if (a->oom) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *tm__summary_build(int dfd, const struct tm__summary_filter *f, int *err)
{
    struct acc *a = calloc(1, sizeof(*a));
    struct tm__reader r;
    int rc;
    cJSON *out = NULL;

    if (a == NULL) {
        *err = TM_ENOMEM;
        return NULL;
    }
    tm__summary_parts_init(&a->p);
    tm__grouper_init(&a->grouper, TM_MAX_GROUPS);
    a->f = f;
    rc = tm__reader_open(&r, dfd, TM_CENTRAL_LOG);
    if (rc == 0)
        rc = tm__pipe_run(&r, &a->grouper, tm__pipe_threads(), take_line, a);
    a->p.skipped += r.oversized;
    tm__reader_close(&r);
    if (rc < 0)
        *err = rc;
    else if ((out = tm__summary_render(&a->p, f)) == NULL)
        *err = TM_ENOMEM;
    tm__summary_parts_free(&a->p);
    tm__grouper_free(&a->grouper);
    free(a);
    return out;
}
