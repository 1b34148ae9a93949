/*
 * summary.h - the streaming summary of README "The summary object" and its pattern rules
 * (README "Patterns").
 */
#ifndef TM_SUMMARY_H
#define TM_SUMMARY_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "classify.h"
#include "counter.h"
#include "group.h"
#include "event_parse.h"
#include "timefmt.h"

#define TM_SET_HASHES 32 /* distinct values counted exactly up to this */
#define TM_SET_NAMES 3   /* first names listed */
#define TM_MAX_GROUPS 10000
#define TM_MAX_KEYS 10000 /* distinct types / agents / repos counted */

/* A set of names: exact distinct count up to TM_SET_HASHES ("at least"
 * beyond), and the first few names. */
struct tm__name_set {
    uint64_t h[TM_SET_HASHES];
    int n;
    int saturated;
    char names[TM_SET_NAMES][64];
    int nnames;
};

struct tm__group {
    char error_type[64];
    enum tm__category category;
    long long fatal;
    char first_seen[TM_TS_SIZE], last_seen[TM_TS_SIZE];
    char fingerprint[TM_FP_HEX + 1];
    char example[256];
    char culprit[256]; /* where in the agent (evidence.h), "" unknown */
    struct tm__cluster *cluster; /* its template; owned by the grouper */
    char *text;                  /* else this template (owned), else example */
    struct tm__name_set repos, agents;
};

/* Totals the pattern rules look at. */
struct tm__pattern_input {
    long long by_category[TM_CAT_COUNT];
    long long missing_module; /* messages "No module named '...'" */
    struct tm__centry **groups; /* sorted; data is struct tm__group */
    size_t ngroups;
    size_t nlisted; /* the first nlisted are the summary's listed groups,
                       the ones a category pattern's detail looks at (the
                       same locally and in the fleet, which fetches only
                       those) */
};

/* What a summary is built from: filled by the local pass over the central
 * log, or from SQL results (the fleet summary), then rendered by one
 * function, so both have the same shape and the same pattern rules. */
struct tm__summary_parts {
    long long total, skipped;
    struct tm__counter types, agents, repos;
    struct tm__counter groups; /* data: struct tm__group, owned */
    struct tm__pattern_input pin;
    char first[TM_TS_SIZE], last[TM_TS_SIZE];
    int oom;
};

/* Which events a view counts (README "Filters"); zero-initialised it
 * keeps every event. */
struct tm__summary_filter {
    char since[TM_TS_SIZE]; /* "" for none */
    const char *repo;       /* NULL for all */
    const char *agent;      /* NULL for all */
    const char *run;        /* a run id; NULL for all */
    const char *program;    /* NULL for all */
    int by_category;        /* 1: only events of `category` */
    enum tm__category category;
    int errnum;             /* only events of this errno (tm__event_errno); 0 for all */
    int limit;              /* groups listed */
};

/* Whether the filter keeps the event; 1 or 0. */
int tm__summary_keep(const struct tm__summary_filter *f,
                     const struct tm__event_view *v);

/* The errno an event is about: context.errno by name, else what its
 * message gives (tm__errno_of_text); -1 when none. */
int tm__event_errno(const struct tm__event_view *v);

/* Reads the central log in directory `dfd` and builds the summary object.
 * Returns an object the caller frees with cJSON_Delete(), or NULL with
 * *err set (TM_ENOMEM, TM_EREAD). */
cJSON *tm__summary_build(int dfd, const struct tm__summary_filter *f,
                         int *err);

/* Empty parts; release them with tm__summary_parts_free(). */
void tm__summary_parts_init(struct tm__summary_parts *p);
void tm__summary_parts_free(struct tm__summary_parts *p);

/* The summary object of README "The summary object" from filled parts (p->pin.groups is set
 * here).  Returns NULL when out of memory. */
cJSON *tm__summary_render(struct tm__summary_parts *p,
                          const struct tm__summary_filter *f);

/* The category the summary counts an event under: the shim's
 * context.category when it names one, else the text classified. */
enum tm__category tm__summary_category(const struct tm__event_view *v);

/* Groups one event as the summary does: sets *fp and returns its template
 * cluster (owned by g; NULL when g is full). */
struct tm__cluster *tm__summary_group(struct tm__grouper *g,
                                      const struct tm__event_view *v,
                                      uint64_t *fp);

/* Appends the patterns that fire to `arr`, in rule-table order.  Returns 0
 * or TM_ENOMEM. */
int tm__patterns_eval(const struct tm__pattern_input *in, cJSON *arr);

/* A pattern's "detail" (README "Patterns"): what to do about group g,
 * built from its stored (scrubbed) example, category, culprit and repos -
 * the path and its class, the errno, whether retrying can help; ngroups
 * is how many groups the pattern has (the others are counted).  Writes at
 * most cap bytes (TM_DETAIL_MAX suffices), cut when longer. */
#define TM_DETAIL_MAX 640
void tm__pattern_detail(const struct tm__group *g, long long ngroups,
                        char *out, size_t cap);

/* How many distinct repositories make a group a cross-repo pattern (the
 * rule table's threshold, for summaries computed elsewhere). */
long long tm__patterns_cross_repo_min(void);

/* How many failures the event stands for: its "repeat" (README "Event format") when that
 * is a number from 1 to 4294967295 (a fraction cut), else 1 - the value
 * ship stores in the fleet table's repeat column.  Every count of the
 * summary (totals, by type / agent / repo / category, missing modules,
 * groups' count and fatal) adds this weight; distinct repos and agents and
 * skipped lines do not. */
long long tm__summary_weight(const struct tm__event_view *v);

/* Adds a name to a set. */
void tm__name_set_put(struct tm__name_set *s, const char *name);

/* Distinct count of a name set. */
int tm__name_set_count(const struct tm__name_set *s);

#endif
