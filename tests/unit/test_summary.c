/* Unit tests: the streaming summary and the pattern rules (SPEC §7.1,
 * §7.3) through the public API. */
#include "unit.h"

#include <fcntl.h>

#include "telemetry.h"

static tm_collector *c;
static char *dir;

static int setup(void **state)
{
    int err = 0;

    dir = unit_tmpdir();
    c = tm_open(dir, &err);
    assert_non_null(c);
    return 0;
}

static int teardown(void **state)
{
    tm_close(c);
    unit_rmdir(dir);
    return 0;
}

static void rec(const char *repo, const char *agent, const char *type,
                const char *msg)
{
    char id[TM_ID_SIZE];
    assert_int_equal(tm_record_error(c, repo, agent, type, msg, NULL, id), 0);
}

static cJSON *summary(const tm_summary_opts *o)
{
    int err = 0;
    cJSON *s = tm_error_summary(c, o, &err);
    assert_non_null(s);
    return s;
}

static cJSON *find_pattern(cJSON *s, const char *name)
{
    cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(s, "patterns"))
        if (strcmp(cJSON_GetObjectItem(p, "pattern")->valuestring, name) == 0)
            return p;
    return NULL;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    assert_non_null(v);
    return v->valuedouble;
}

static void empty_has_the_same_shape(void **state)
{
    static const char *const keys[] = {"total_errors", "by_type", "by_agent",
                                       "by_repo", "patterns", "top_errors",
                                       "groups", "window", "skipped_lines"};
    cJSON *s = summary(NULL), *it;
    size_t k = 0;

    cJSON_ArrayForEach(it, s) {
        assert_true(k < sizeof(keys) / sizeof(*keys));
        assert_string_equal(it->string, keys[k++]);
    }
    assert_int_equal(k, sizeof(keys) / sizeof(*keys));
    assert_int_equal(num(s, "total_errors"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "window"),
                                                 "since")));
    cJSON_Delete(s);
}

static void original_record_is_counted(void **state)
{
    char id[TM_ID_SIZE];

    assert_int_equal(tm_record_error(c, "12-factor-agents", "IntelligentIssueAgent",
                                     "RuntimeError", "it broke", NULL, id), 0);
    assert_int_equal(strlen(id), 16);
    cJSON *s = summary(NULL);
    assert_int_equal(num(s, "total_errors"), 1);
    assert_int_equal(num(cJSON_GetObjectItem(s, "by_repo"), "12-factor-agents"), 1);
    assert_int_equal(num(cJSON_GetObjectItem(s, "by_agent"), "IntelligentIssueAgent"), 1);
    assert_int_equal(num(cJSON_GetObjectItem(s, "by_type"), "RuntimeError"), 1);
    cJSON *top = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "top_errors"), 0);
    assert_string_equal(cJSON_GetArrayItem(top, 0)->valuestring, "RuntimeError");
    assert_int_equal(cJSON_GetArrayItem(top, 1)->valueint, 1);
    cJSON_Delete(s);
}

static void file_not_found_threshold(void **state)
{
    cJSON *s, *p;

    for (int i = 0; i < 3; i++)
        rec("r", "a", "FileNotFoundError", "[Errno 2] No such file: 'x'");
    s = summary(NULL);
    assert_null(find_pattern(s, "File not found errors")); /* 3 is not > 3 */
    cJSON_Delete(s);
    rec("r", "a", "IOError", "File not found: data.csv");
    rec("r", "a", "FileNotFoundError", "missing");
    s = summary(NULL);
    p = find_pattern(s, "File not found errors");
    assert_non_null(p);
    assert_int_equal(num(p, "count"), 5);
    assert_string_equal(cJSON_GetObjectItem(p, "suggestion")->valuestring,
                        "Add file existence checks before operations");
    cJSON_Delete(s);
}

static void permission_and_git_lock(void **state)
{
    cJSON *s;

    rec("r", "a", "PermissionError", "[Errno 13] Permission denied: 'x'");
    rec("r", "a", "PermissionError", "[Errno 13] Permission denied: 'y'");
    s = summary(NULL);
    assert_null(find_pattern(s, "Permission denied errors"));
    assert_null(find_pattern(s, "Git lock conflicts"));
    cJSON_Delete(s);
    rec("r", "a", "PermissionError", "[Errno 1] Operation not permitted");
    rec("r", "a", "GitError", "fatal: Unable to create '/w/.git/index.lock': File exists.");
    s = summary(NULL);
    assert_int_equal(num(find_pattern(s, "Permission denied errors"), "count"), 3);
    assert_string_equal(cJSON_GetObjectItem(find_pattern(s, "Git lock conflicts"),
                                            "suggestion")->valuestring,
                        "Add git index.lock handling");
    cJSON_Delete(s);
}

static void cross_repo_needs_three_repos(void **state)
{
    cJSON *s, *p;

    rec("repo-a", "a", "AttributeError",
        "'IssueAgent' object has no attribute 'plan_steps' at line 12");
    rec("repo-b", "a", "AttributeError",
        "'IssueAgent' object has no attribute 'plan_steps' at line 40");
    s = summary(NULL);
    assert_null(find_pattern(s, "Cross-repo framework bug"));
    cJSON_Delete(s);
    rec("repo-c", "a", "AttributeError",
        "'IssueAgent' object has no attribute 'plan_steps' at line 7");
    s = summary(NULL);
    p = find_pattern(s, "Cross-repo framework bug");
    assert_non_null(p);
    assert_string_equal(cJSON_GetObjectItem(p, "suggestion")->valuestring,
                        "Framework bug - method missing from BaseAgent");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "repos")), 3);
    assert_int_equal(strlen(cJSON_GetObjectItem(p, "fingerprint")->valuestring), 16);
    cJSON_Delete(s);
}

static void filters(void **state)
{
    tm_summary_opts o = {0};
    cJSON *s;
    int err = 0;

    rec("r1", "alpha", "OSError", "x");
    rec("r2", "beta", "OSError", "y");
    rec("r2", "alpha", "OSError", "z");
    o.repo = "r2";
    s = summary(&o);
    assert_int_equal(num(s, "total_errors"), 2);
    cJSON_Delete(s);
    o.agent = "alpha";
    s = summary(&o);
    assert_int_equal(num(s, "total_errors"), 1);
    cJSON_Delete(s);
    memset(&o, 0, sizeof(o));
    o.since = "2999-01-01";
    s = summary(&o);
    assert_int_equal(num(s, "total_errors"), 0);
    cJSON_Delete(s);
    o.since = "1h";
    s = summary(&o);
    assert_int_equal(num(s, "total_errors"), 3);
    cJSON_Delete(s);
    o.since = "yesterday";
    assert_null(tm_error_summary(c, &o, &err));
    assert_int_equal(err, TM_ETIME);
}

static void garbage_lines_are_skipped_and_counted(void **state)
{
    char path[512];
    FILE *f;
    cJSON *s;

    rec("r", "a", "OSError", "before");
    snprintf(path, sizeof(path), "%s/all_errors.jsonl", dir);
    f = fopen(path, "a");
    fputs("not json\n{\"timestamp\":1}\n[1,2]\n\x01\x02\xff garbage\n{\"half\":", f);
    fputs("\n", f);
    fclose(f);
    rec("r", "a", "OSError", "after");
    s = summary(NULL);
    assert_int_equal(num(s, "total_errors"), 2);
    assert_int_equal(num(s, "skipped_lines"), 5);
    cJSON_Delete(s);
}

static void groups_are_listed(void **state)
{
    cJSON *s, *g;

    for (int i = 0; i < 4; i++) {
        char msg[128];
        snprintf(msg, sizeof(msg), "[Errno 2] No such file or directory: '/w/f%d.txt'", i);
        rec("r", "a", "FileNotFoundError", msg);
    }
    rec("r", "a", "ValueError", "bad value");
    s = summary(NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "groups")), 2);
    g = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "groups"), 0);
    assert_int_equal(num(g, "count"), 4);
    assert_string_equal(cJSON_GetObjectItem(g, "category")->valuestring, "file_not_found");
    assert_non_null(cJSON_GetObjectItem(g, "first_seen"));
    assert_non_null(cJSON_GetObjectItem(g, "example"));
    cJSON_Delete(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(empty_has_the_same_shape),
        T(original_record_is_counted),
        T(file_not_found_threshold),
        T(permission_and_git_lock),
        T(cross_repo_needs_three_repos),
        T(filters),
        T(garbage_lines_are_skipped_and_counted),
        T(groups_are_listed),
    };
    return cmocka_run_group_tests_name("summary", tests, NULL, NULL);
}
