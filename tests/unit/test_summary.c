/* Unit tests: the streaming summary and the pattern rules (README "The summary object",
 * "Patterns") through the public API. */
#include "unit.h"

#include <fcntl.h>
#include <sys/resource.h>

#include "summary.h"
#include "telemetry.h"
#include "tsv.h"

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

static const char *first_fingerprint(cJSON *s)
{
    cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "groups"), 0);
    assert_non_null(g);
    return cJSON_GetObjectItem(g, "fingerprint")->valuestring;
}

/* A group's fingerprint is the same whatever the filters leave out: every
 * event is grouped, and a cluster's id comes from its first message. */
static void fingerprints_do_not_depend_on_filters(void **state)
{
    tm_summary_opts o = {0};
    cJSON *all, *only;

    rec("r1", "a", "RuntimeError", "the task failed in step alpha");
    rec("r2", "a", "RuntimeError", "the task failed in step beta");
    all = summary(NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(all, "groups")), 1);
    o.repo = "r2";
    only = summary(&o);
    assert_int_equal(num(only, "total_errors"), 1);
    assert_string_equal(first_fingerprint(only), first_fingerprint(all));
    /* the template is the group's, the example the first counted event's */
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(only, "groups"), 0),
                                            "example")->valuestring,
                        "the task failed in step beta");
    cJSON_Delete(all);
    cJSON_Delete(only);
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

static void rec_n(int n, const char *repo, const char *type, const char *msg)
{
    for (int i = 0; i < n; i++)
        rec(repo, "a", type, msg);
}

/* Every row of README "Patterns" fires at its threshold and not one below it. */
static void every_pattern_row_threshold(void **state)
{
    static const struct {
        const char *pattern, *type, *msg;
        int below, at;
    } rows[] = {
        {"Disk full", "OSError", "[Errno 28] No space left on device", 0, 1},
        {"Descriptor leak", "OSError", "[Errno 24] Too many open files", 0, 1},
        {"Cross-device rename", "OSError", "[Errno 18] Invalid cross-device link: 'a' -> 'b'", 0, 1},
        {"Read-only filesystem", "OSError", "[Errno 30] Read-only file system: '/x'", 0, 1},
        {"Missing module", "ModuleNotFoundError", "No module named 'yaml'", 2, 3},
        {"Permission denied errors", "PermissionError", "[Errno 13] Permission denied: 'x'", 2, 3},
        {"File not found errors", "FileNotFoundError", "[Errno 2] No such file or directory: 'x'", 3, 4},
        {"Git lock conflicts", "FileExistsError", "[Errno 17] File exists: '/w/.git/index.lock'", 0, 1},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
        char sub[600];
        int err = 0;
        tm_collector *own;
        cJSON *s;

        snprintf(sub, sizeof(sub), "%s/row%zu", dir, i);
        own = tm_open(sub, &err);
        assert_non_null(own);
        for (int k = 0; k < rows[i].below; k++) {
            char id[TM_ID_SIZE];
            assert_int_equal(tm_record_error(own, "r", "a", rows[i].type, rows[i].msg, NULL, id), 0);
        }
        s = tm_error_summary(own, NULL, &err);
        for (cJSON *p = cJSON_GetObjectItem(s, "patterns")->child; p; p = p->next)
            assert_string_not_equal(cJSON_GetObjectItem(p, "pattern")->valuestring,
                                    rows[i].pattern);
        cJSON_Delete(s);
        for (int k = rows[i].below; k < rows[i].at; k++) {
            char id[TM_ID_SIZE];
            assert_int_equal(tm_record_error(own, "r", "a", rows[i].type, rows[i].msg, NULL, id), 0);
        }
        s = tm_error_summary(own, NULL, &err);
        int found = 0;
        for (cJSON *p = cJSON_GetObjectItem(s, "patterns")->child; p; p = p->next)
            if (strcmp(cJSON_GetObjectItem(p, "pattern")->valuestring, rows[i].pattern) == 0) {
                found = 1;
                assert_int_equal(num(p, "count"), rows[i].at);
            }
        if (!found)
            print_error("pattern '%s' did not fire at %d\n", rows[i].pattern, rows[i].at);
        assert_true(found);
        cJSON_Delete(s);
        tm_close(own);
    }
    /* The cross-repo rule: a framework bug's text for other types. */
    rec_n(1, "x1", "KeyError", "KeyError: 'plan' in step 4");
    rec_n(1, "x2", "KeyError", "KeyError: 'plan' in step 9");
    rec_n(1, "x3", "KeyError", "KeyError: 'plan' in step 1");
    cJSON *s = summary(NULL);
    cJSON *p = find_pattern(s, "Cross-repo framework bug");
    assert_non_null(p);
    assert_string_equal(cJSON_GetObjectItem(p, "suggestion")->valuestring,
                        "Framework bug - the same failure in 3 repositories points at shared code");
    assert_string_equal(cJSON_GetObjectItem(p, "category")->valuestring, "other");
    cJSON_Delete(s);
}

/* Streaming: memory depends on distinct groups, not on events. */
static void memory_bounded_on_a_million_events(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
    const long n = 100000; /* ASan's shadow memory makes RSS meaningless */
#else
    const long n = 1000000;
#endif
    char path[512];
    FILE *f;
    struct rusage ru;
    cJSON *s;

    snprintf(path, sizeof(path), "%s/all_errors.jsonl", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (long i = 0; i < n; i++)
        fprintf(f, "{\"timestamp\":\"2026-11-%02ldT10:00:%02ld.%06ldZ\",\"repo\":\"repo-%ld\","
                   "\"agent\":\"agent-%ld\",\"error_type\":\"%s\",\"error_message\":"
                   "\"[Errno %ld] failure at /home/***/w/file-%ld.txt line %ld\",\"context\":{},"
                   "\"telemetry_id\":\"%016lx\"}\n",
                1 + i % 28, i % 60, i % 1000000, i % 7, i % 5,
                i % 3 ? "OSError" : "ValueError", 1 + i % 40, i, i % 997, i);
    fclose(f);
    s = summary(NULL);
    assert_int_equal(num(s, "total_errors"), n);
    assert_int_equal(num(s, "skipped_lines"), 0);
    /* 40 kinds of failure, each under two error types: 80 groups; the
     * summary lists the 20 most frequent. */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "groups")), 20);
    assert_null(cJSON_GetObjectItem(s, "groups_truncated"));
    cJSON_Delete(s);
    getrusage(RUSAGE_SELF, &ru);
#if !defined(__SANITIZE_ADDRESS__)
    print_message("peak RSS after summarising %ld events: %ld KiB\n", n, ru.ru_maxrss);
    assert_true(ru.ru_maxrss < 64 * 1024);
#endif
}

/* Issue 11: a repeat event stands for `repeat` failures: 3 events and one
 * with repeat 97 are 100 everywhere a count is shown (they were 4). */
static void counts_weigh_repeat(void **state)
{
    char line[512], *body = calloc(1, 4096);
    cJSON *s, *g, *p;

    for (int i = 0; i < 4; i++) {
        snprintf(line, sizeof(line),
                 "{\"timestamp\":\"2026-11-25T10:00:0%dZ\",\"repo\":\"r\","
                 "\"agent\":\"a\",\"error_type\":\"FileNotFoundError\","
                 "\"error_message\":\"No module named 'x'\"%s}\n",
                 i, i == 3 ? ",\"repeat\":97,\"fatal\":true" : "");
        strcat(body, line);
    }
    /* and a line whose time is no time: skipped, not the window's end */
    strcat(body, "{\"timestamp\":\"not a time\",\"repo\":\"r\",\"agent\":\"a\","
                 "\"error_type\":\"T\",\"error_message\":\"m\"}\n");
    unit_write(dir, "all_errors.jsonl", body, strlen(body));
    s = summary(NULL);
    assert_int_equal((int)num(s, "total_errors"), 100);
    assert_int_equal((int)num(s, "skipped_lines"), 1);
    assert_int_equal((int)num(cJSON_GetObjectItem(s, "by_type"), "FileNotFoundError"), 100);
    assert_int_equal((int)num(cJSON_GetObjectItem(s, "by_repo"), "r"), 100);
    g = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "groups"), 0);
    assert_int_equal((int)num(g, "count"), 100);
    assert_int_equal((int)num(g, "fatal"), 97);
    assert_string_equal(cJSON_GetObjectItem(g, "last_seen")->valuestring,
                        "2026-11-25T10:00:03Z");
    p = find_pattern(s, "Missing module");
    assert_non_null(p);
    assert_int_equal((int)num(p, "count"), 100);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "window"), "until")->valuestring,
                        "2026-11-25T10:00:03Z");
    cJSON_Delete(s);
    free(body);
}

/* --- a pattern's detail, case by case (tests/fixtures/pattern_detail.tsv) -- */

static void each_substring(const char *list, const char *detail, int want,
                           int line)
{
    char buf[TSV_LINE];

    if (list[0] == '\0')
        return;
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *t = buf, *end; t != NULL; t = end) {
        if ((end = strchr(t, '|')) != NULL)
            *end++ = '\0';
        if ((strstr(detail, t) != NULL) != want)
            fail_msg("pattern_detail.tsv:%d: '%s' %s in \"%s\"", line, t,
                     want ? "missing" : "present", detail);
    }
}

static void detail_case(struct tsv_row *r, void *arg)
{
    struct tm__group g;
    char detail[TM_DETAIL_MAX], repos[TSV_LINE];

    (void)arg;
    memset(&g, 0, sizeof(g));
    g.category = tm__category_from_name(r->f[0]);
    assert_int_not_equal(g.category, TM_CAT_COUNT);
    snprintf(g.example, sizeof(g.example), "%s", r->f[1]);
    snprintf(g.culprit, sizeof(g.culprit), "%s", r->f[2]);
    snprintf(repos, sizeof(repos), "%s", r->f[3]);
    for (char *t = repos, *end; t != NULL && *t; t = end) {
        if ((end = strchr(t, ',')) != NULL)
            *end++ = '\0';
        tm__name_set_put(&g.repos, t);
    }
    tm__pattern_detail(&g, strtoll(r->f[4], NULL, 10), detail, sizeof(detail));
    assert_true(strlen(detail) < TM_DETAIL_MAX);
    each_substring(r->f[5], detail, 1, r->line);
    each_substring(r->f[6], detail, 0, r->line);
}

static void test_pattern_detail_cases(void **state)
{
    (void)state;
    assert_true(tsv_each("pattern_detail", 7, detail_case, NULL) >= 15);
}

/* A detail is bounded whatever the group holds. */
static void test_pattern_detail_bounded(void **state)
{
    struct tm__group g;
    char detail[TM_DETAIL_MAX];

    (void)state;
    memset(&g, 0, sizeof(g));
    g.category = TM_CAT_file_not_found;
    memcpy(g.example, "[Errno 2] x: '/", 15);
    memset(g.example + 15, 'a', sizeof(g.example) - 17);
    g.example[sizeof(g.example) - 2] = '\'';
    memset(g.culprit, 'c', sizeof(g.culprit) - 1);
    for (int i = 0; i < 40; i++) {
        char name[64];
        memset(name, 'r', 60);
        name[60] = (char)('0' + i / 10);
        name[61] = (char)('0' + i % 10);
        name[62] = '\0';
        tm__name_set_put(&g.repos, name);
    }
    tm__pattern_detail(&g, 99, detail, sizeof(detail));
    assert_true(strlen(detail) < TM_DETAIL_MAX);
    assert_non_null(strstr(detail, "...'"));
    assert_non_null(strstr(detail, "and 98 other groups"));
}

/* Through the API: the detail names the group's file and says whether
 * retrying helps, from what was recorded. */
static void detail_in_the_summary(void **state)
{
    cJSON *s, *p;
    const char *d;

    (void)state;
    for (int i = 0; i < 3; i++)
        rec("r1", "a", "PermissionError",
            "[Errno 13] Permission denied: '/etc/shadow'");
    for (int i = 0; i < 4; i++)
        rec("r1", "a", "FileNotFoundError",
            "[Errno 2] No such file or directory: 'out/x.json'");
    s = summary(NULL);
    p = find_pattern(s, "Permission denied errors");
    assert_non_null(p);
    d = cJSON_GetStringValue(cJSON_GetObjectItem(p, "detail"));
    assert_non_null(d);
    assert_non_null(strstr(d, "'/etc/shadow' (system)"));
    assert_non_null(strstr(d, "not transient"));
    p = find_pattern(s, "File not found errors");
    d = cJSON_GetStringValue(cJSON_GetObjectItem(p, "detail"));
    assert_non_null(d);
    assert_non_null(strstr(d, "'out/x.json'"));
    assert_non_null(strstr(d, "a relative path"));
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(p, "suggestion")),
        "Add file existence checks before operations");
    cJSON_Delete(s);
}

/* A name longer than a set's room is cut on a character boundary (it
 * was cut inside a 3-byte character: invalid UTF-8 in --json). */
static void long_names_cut_on_a_character(void **state)
{
    struct tm__name_set set;
    char name[200] = "x"; /* then 3-byte characters: 63 bytes end inside one */

    (void)state;
    memset(&set, 0, sizeof(set));
    for (int i = 0; i < 30; i++)
        strcat(name, "\xe3\x83\xa6"); /* U+30E6 */
    tm__name_set_put(&set, name);
    assert_int_equal((strlen(set.names[0]) - 1) % 3, 0);
    assert_true(strlen(set.names[0]) >= 60);
    assert_memory_equal(set.names[0], name, strlen(set.names[0]));
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
        T(fingerprints_do_not_depend_on_filters),
        T(garbage_lines_are_skipped_and_counted),
        T(groups_are_listed),
        T(every_pattern_row_threshold),
        T(memory_bounded_on_a_million_events),
        T(counts_weigh_repeat),
        T(detail_in_the_summary),
        T(long_names_cut_on_a_character),
        cmocka_unit_test(test_pattern_detail_cases),
        cmocka_unit_test(test_pattern_detail_bounded),
    };
    return cmocka_run_group_tests_name("summary", tests, NULL, NULL);
}

