/*
 * patterns.c - the pattern rules of README "Patterns", as one table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "evidence.h"
#include "strutil.h"
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

/* Errnos whose failure may clear by itself (another process holds the file
 * or a lock, the call was interrupted or timed out): retrying can help. */
static int transient_errno(int num)
{
    static const int may[] = {EBUSY, ETXTBSY, EAGAIN, EINTR, ETIMEDOUT};

    for (size_t i = 0; i < sizeof(may) / sizeof(may[0]); i++)
        if (may[i] == num)
            return 1;
    return 0;
}

/* Whether retrying can help, from the errno and the path's class
 * (README "Patterns", the detail). */
static const char *retry_advice(const struct tm__errno_info *e,
                                enum tm__path_class pc)
{
    if (e != NULL && transient_errno(e->num))
        return "may be transient (another process holds the file): retry "
               "with backoff";
    if (pc == TM_PC_git_lock || pc == TM_PC_lock)
        return "may be transient (a lock another process holds): retry with "
               "backoff, remove the lock only when no process holds it";
    if (e != NULL && e->num == EROFS)
        return "not transient: the file system is mounted read-only, retries "
               "cannot help; write elsewhere";
    if (e != NULL && (e->num == EACCES || e->num == EPERM)) {
        if (pc == TM_PC_system)
            return "not transient: a system file only root may use, retries "
                   "cannot help; do not touch it, or run with the rights it "
                   "needs";
        return "not transient while the file's owner and mode stay: check "
               "them (ls -l), retries alone cannot help";
    }
    if (e != NULL && (e->num == ENOSPC || e->num == EDQUOT))
        return "not transient until space is freed: do not retry in a loop";
    return NULL;
}

void tm__pattern_detail(const struct tm__group *g, long long ngroups,
                        char *out, size_t cap)
{
    struct tm__buf b = {out, cap, 0};
    const char *path = NULL, *advice;
    size_t plen = tm__message_path(g->example, &path);
    const struct tm__errno_info *e =
        tm__errno_named(g->example, strlen(g->example));
    enum tm__path_class pc = plen ? tm__path_class(path, plen) : TM_PC_none;
    int nrepos = tm__name_set_count(&g->repos);

    out[0] = '\0';
    if (plen) {
        tm__buf_put(&b, "'");
        tm__buf_putn(&b, path, plen > 120 ? 120 : plen);
        tm__buf_put(&b, plen > 120 ? "...'" : "'");
        if (pc != TM_PC_none) {
            tm__buf_put(&b, " (");
            tm__buf_put(&b, tm__path_class_name(pc));
            tm__buf_put(&b, ")");
        }
    } else {
        tm__buf_put(&b, "no path in the message");
    }
    if (e != NULL) {
        tm__buf_put(&b, ", ");
        tm__buf_put(&b, e->name);
    }
    tm__buf_put(&b, g->culprit[0] ? ", from " : ", culprit unknown (no stack)");
    tm__buf_putn(&b, g->culprit, strnlen(g->culprit, 120));
    if (nrepos > 1) {
        tm__buf_put(&b, "; in repos");
        for (int i = 0; i < g->repos.nnames; i++) {
            tm__buf_put(&b, i ? ", " : " ");
            tm__buf_put(&b, g->repos.names[i]);
        }
        if (nrepos > g->repos.nnames)
            tm__buf_put(&b, ", ...");
        tm__buf_put(&b, g->culprit[0] ? ": fix the shared code there"
                                      : ": look for the code they share");
    } else if (nrepos == 1) {
        tm__buf_put(&b, " in repo ");
        tm__buf_put(&b, g->repos.names[0]);
    }
    if (g->category == TM_CAT_file_not_found && plen) {
        if (path[0] != '/' && path[0] != '~')
            tm__buf_put(&b, "; a relative path, resolved against the "
                            "process's working directory: build it from a "
                            "known root (the repo root, __file__)");
        else if (pc == TM_PC_dependency)
            tm__buf_put(&b, "; under installed packages: reinstall or pin "
                            "the dependency");
        else
            tm__buf_put(&b, "; an absolute path: the file was never created "
                            "or its parent directory is missing - check the "
                            "step that should write it");
    }
    advice = retry_advice(e, pc);
    if (advice != NULL) {
        tm__buf_put(&b, "; ");
        tm__buf_put(&b, advice);
    }
    if (ngroups > 1) {
        char n[24];
        snprintf(n, sizeof(n), "%lld", ngroups - 1);
        tm__buf_put(&b, "; and ");
        tm__buf_put(&b, n);
        tm__buf_put(&b, ngroups > 2 ? " other groups listed"
                                    : " other group listed");
    }
}

static cJSON *pattern(const char *name, long long count, const char *sugg,
                      const char *detail)
{
    cJSON *p = cJSON_CreateObject();

    if (p == NULL || !cJSON_AddStringToObject(p, "pattern", name) ||
        !cJSON_AddNumberToObject(p, "count", (double)count) ||
        !cJSON_AddStringToObject(p, "suggestion", sugg) ||
        (detail != NULL && !cJSON_AddStringToObject(p, "detail", detail))) {
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

static cJSON *cross_repo(const struct tm__centry *e, const struct tm__group *g,
                         int nrepos)
{
    char text[160], detail[TM_DETAIL_MAX];
    cJSON *p, *names;

    if (strcmp(g->error_type, "AttributeError") == 0)
        snprintf(text, sizeof(text), "Framework bug - method missing from BaseAgent");
    else
        snprintf(text, sizeof(text),
                 "Framework bug - the same failure in %d repositories points "
                 "at shared code", nrepos);
    tm__pattern_detail(g, 1, detail, sizeof(detail));
    p = pattern("Cross-repo framework bug", e->count, text, detail);
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

/* Does group g belong to the rule's pattern? */
static int in_rule(const struct pattern_rule *rule, const struct tm__group *g)
{
    if (rule->kind == MISSING_MODULE)
        return strstr(g->example, "No module named") != NULL;
    return g->category == rule->cat ||
           (rule->cat2 != NONE && g->category == rule->cat2);
}

/* The detail of a category pattern: its largest listed group's (the
 * groups are sorted, largest first), with how many other listed groups it
 * has; NULL when no listed group belongs to it. */
static const char *top_detail(const struct tm__pattern_input *in,
                              const struct pattern_rule *rule, char *out,
                              size_t cap)
{
    const struct tm__group *top = NULL;
    long long n = 0;

    for (size_t i = 0; i < in->nlisted && i < in->ngroups; i++) {
        const struct tm__group *g = in->groups[i]->data;
        if (g == NULL || !in_rule(rule, g))
            continue;
        if (top == NULL)
            top = g;
        n++;
    }
    if (top == NULL)
        return NULL;
    tm__pattern_detail(top, n, out, cap);
    return out;
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
        char detail[TM_DETAIL_MAX];

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
        p = pattern(rule->name, count, rule->suggestion,
                    top_detail(in, rule, detail, sizeof(detail)));
        if (p == NULL || !cJSON_AddItemToArray(arr, p)) {
            cJSON_Delete(p);
            return TM_ENOMEM;
        }
    }
    return 0;
}
