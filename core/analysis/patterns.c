/*
 * patterns.c - the pattern rules of README "Patterns", as one table.
 */
#include <stdio.h>
#include <string.h>

#include "summary.h"
#include "telemetry.h"

enum rule_kind {
    BY_CATEGORY,  /* events in cat (and cat2) reach min */
    CROSS_REPO,   /* one group seen in min or more repos */
    MISSING_MODULE /* "No module named" messages reach min */
};

struct pattern_rule {
    const char *name;
    enum rule_kind kind;
    enum tm__category cat, cat2; /* cat2 == TM_CAT_COUNT: none */
    long long min;
    const char *suggestion;
};

#define NONE TM_CAT_COUNT

static const struct pattern_rule rules[] = {
    {"File not found errors", BY_CATEGORY, TM_CAT_file_not_found, NONE, 4,
     "Add file existence checks before operations"},
    {"Permission denied errors", BY_CATEGORY, TM_CAT_permission_denied, NONE, 3,
     "Implement retry logic with exponential backoff"},
    {"Git lock conflicts", BY_CATEGORY, TM_CAT_git_lock_conflict, NONE, 1,
     "Add git index.lock handling"},
    {"Cross-repo framework bug", CROSS_REPO, NONE, NONE, 3, NULL},
    {"Disk full", BY_CATEGORY, TM_CAT_disk_full, TM_CAT_quota_exceeded, 1,
     "Free disk space or move caches off this volume; do not retry in a loop"},
    {"Descriptor leak", BY_CATEGORY, TM_CAT_fd_limit, NONE, 1,
     "Close files and sockets (use context managers / O_CLOEXEC); raise "
     "RLIMIT_NOFILE only after fixing the leak"},
    {"Cross-device rename", BY_CATEGORY, TM_CAT_cross_device_rename, NONE, 1,
     "Create the temporary file in the destination directory, then rename"},
    {"Read-only filesystem", BY_CATEGORY, TM_CAT_read_only_fs, NONE, 1,
     "Write under the workspace or $TMPDIR instead"},
    {"Missing module", MISSING_MODULE, NONE, NONE, 3,
     "Check the package is installed and the symlink/PYTHONPATH configuration"},
};

static cJSON *pattern(const char *name, long long count, const char *sugg)
{
    cJSON *p = cJSON_CreateObject();

    if (p == NULL || !cJSON_AddStringToObject(p, "pattern", name) ||
        !cJSON_AddNumberToObject(p, "count", (double)count) ||
        !cJSON_AddStringToObject(p, "suggestion", sugg)) {
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

static cJSON *cross_repo(const struct tm__centry *e, const struct tm__group *g,
                         int nrepos)
{
    char text[160];
    cJSON *p, *names;

    if (strcmp(g->error_type, "AttributeError") == 0)
        snprintf(text, sizeof(text), "Framework bug - method missing from BaseAgent");
    else
        snprintf(text, sizeof(text),
                 "Framework bug - the same failure in %d repositories points "
                 "at shared code", nrepos);
    p = pattern("Cross-repo framework bug", e->count, text);
    if (p == NULL)
        return NULL;
    if (!cJSON_AddStringToObject(p, "category", tm__category_name(g->category)) ||
        (names = cJSON_AddArrayToObject(p, "repos")) == NULL || !cJSON_AddStringToObject(p, "fingerprint", g->fingerprint)) {
        cJSON_Delete(p);
        return NULL;
    }
    for (int i = 0; i < g->repos.nnames; i++)
        cJSON_AddItemToArray(names, cJSON_CreateString(g->repos.names[i]));
    if (g->culprit[0] && !cJSON_AddStringToObject(p, "culprit", g->culprit)) {
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

long long tm__patterns_cross_repo_min(void)
{
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++)
        if (rules[r].kind == CROSS_REPO)
            return rules[r].min;
    return 0;
}

int tm__patterns_eval(const struct tm__pattern_input *in, cJSON *arr)
{
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        const struct pattern_rule *rule = &rules[r];
        long long count = 0;
        cJSON *p = NULL;

        switch (rule->kind) {
        case BY_CATEGORY:
            count = in->by_category[rule->cat] +
                    (rule->cat2 != NONE ? in->by_category[rule->cat2] : 0);
            break;
        case MISSING_MODULE:
            count = in->missing_module;
            break;
        case CROSS_REPO:
            for (size_t i = 0; i < in->ngroups; i++) {
                const struct tm__group *g = in->groups[i]->data;
                int nrepos = tm__name_set_count(&g->repos);
                if (nrepos < rule->min)
                    continue;
                p = cross_repo(in->groups[i], g, nrepos);
                if (p == NULL || !cJSON_AddItemToArray(arr, p)) {
                    cJSON_Delete(p);
                    return TM_ENOMEM;
                }
            }
            continue;
        }
        if (count < rule->min)
            continue;
        p = pattern(rule->name, count, rule->suggestion);
        if (p == NULL || !cJSON_AddItemToArray(arr, p)) {
            cJSON_Delete(p);
            return TM_ENOMEM;
        }
    }
    return 0;
}
