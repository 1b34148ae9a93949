/* Unit tests: the public collector API (README "C API") and storage behaviour. */
#include "unit.h"

#include <pthread.h>
#include <sys/wait.h>

#include "telemetry.h"

static char *dir;
static tm_collector *c;

static int setup(void **state)
{
    int err = 0;

    dir = unit_tmpdir();
    c = tm_open(dir, &err);
    assert_non_null(c);
    assert_string_equal(tm_collector_dir(c), dir);
    return 0;
}

static int teardown(void **state)
{
    tm_close(c);
    unit_rmdir(dir);
    return 0;
}

static void original_privacy_criterion(void **state)
{
    cJSON *ctx = cJSON_Parse("{\"secret\": \"hide_me\", \"operation\": \"test\"}");
    char id[TM_ID_SIZE], *text;

    assert_int_equal(tm_record_error(c, "12-factor-agents", "IntelligentIssueAgent",
                                     "RuntimeError",
                                     "Token sk-1234567890abcdef user@example.com "
                                     "at /Users/john/secret",
                                     ctx, id), 0);
    cJSON_Delete(ctx);
    text = unit_slurp(dir, "all_errors.jsonl");
    assert_non_null(strstr(text, "***TOKEN***"));
    assert_non_null(strstr(text, "***EMAIL***"));
    assert_non_null(strstr(text, "/Users/***/secret"));
    assert_null(strstr(text, "sk-1234567890abcdef"));
    assert_null(strstr(text, "user@example.com"));
    assert_null(strstr(text, "hide_me"));
    assert_non_null(strstr(text, id));
    assert_non_null(strstr(text, "\"context\":{\"operation\":\"test\"}"));
    assert_non_null(strstr(text, "\"source\":\"api\""));
    free(text);
    /* The per-repo file holds the same line. */
    char *repo = unit_slurp(dir, "12-factor-agents_errors.jsonl");
    text = unit_slurp(dir, "all_errors.jsonl");
    assert_string_equal(repo, text);
    free(repo);
    free(text);
}

static void private_repo_is_hashed(void **state)
{
    char id[TM_ID_SIZE], hashed[64], *text;

    assert_int_equal(tm_record_error(c, "acme-private-api", "a", "OSError", "x",
                                     NULL, id), 0);
    assert_int_equal(tm_hash_repo_if_needed(c, "acme-private-api", hashed,
                                            sizeof(hashed)), 0);
    assert_int_equal(strlen(hashed), 12);
    text = unit_slurp(dir, "all_errors.jsonl");
    assert_null(strstr(text, "acme"));
    assert_non_null(strstr(text, hashed));
    free(text);
    char name[128];
    snprintf(name, sizeof(name), "%s_errors.jsonl", hashed);
    text = unit_slurp(dir, name);
    assert_non_null(text);
    free(text);
    /* A public name is kept. */
    assert_int_equal(tm_hash_repo_if_needed(c, "site", hashed, sizeof(hashed)), 0);
    assert_string_equal(hashed, "site");
}

static void bad_arguments_write_nothing(void **state)
{
    char id[TM_ID_SIZE];

    assert_int_equal(tm_record_error(c, NULL, "a", "T", "m", NULL, id), TM_EINVAL);
    assert_int_equal(tm_record_error(c, "r", "", "T", "m", NULL, id), TM_EINVAL);
    assert_int_equal(tm_record_error(c, "r", "a", "T", "", NULL, id), TM_EINVAL);
    assert_int_equal(tm_record_error(NULL, "r", "a", "T", "m", NULL, id), TM_EINVAL);
    assert_null(unit_slurp(dir, "all_errors.jsonl"));
    assert_string_equal(tm_strerror(TM_EINVAL), "invalid argument");
    assert_string_equal(tm_strerror(-999), "unknown error");
}

static void unusable_directory(void **state)
{
    char path[512];
    int err = 0;

    snprintf(path, sizeof(path), "%s/link", dir);
    assert_int_equal(symlink("/tmp", path), 0);
    assert_null(tm_open(path, &err));
    assert_int_equal(err, TM_EDIRLINK);
    assert_null(tm_open("", &err));
    assert_int_equal(err, TM_EINVAL);
}

struct worker {
    int n;
    int failures;
};

static void *thread_main(void *arg)
{
    struct worker *w = arg;
    char id[TM_ID_SIZE], msg[64];

    for (int i = 0; i < w->n; i++) {
        snprintf(msg, sizeof(msg), "thread failure %d", i);
        if (tm_record_error(c, "conc", "agent", "OSError", msg, NULL, id) != 0)
            w->failures++;
    }
    return NULL;
}

/* Several processes, each with several threads, record at once: every line
 * is intact and none is lost. */
static void concurrent_processes_and_threads(void **state)
{
    enum { PROCS = 4, THREADS = 4, EACH = 150 };
    char *text, *line, *save = NULL;
    int lines = 0;

    for (int p = 0; p < PROCS; p++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            pthread_t t[THREADS];
            struct worker w[THREADS];
            int bad = 0;
            for (int i = 0; i < THREADS; i++) {
                w[i].n = EACH;
                w[i].failures = 0;
                pthread_create(&t[i], NULL, thread_main, &w[i]);
            }
            for (int i = 0; i < THREADS; i++) {
                pthread_join(t[i], NULL);
                bad += w[i].failures;
            }
            _exit(bad ? 1 : 0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int st;
        assert_true(wait(&st) > 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    text = unit_slurp(dir, "all_errors.jsonl");
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        assert_string_equal(cJSON_GetObjectItem(o, "repo")->valuestring, "conc");
        cJSON_Delete(o);
        lines++;
    }
    assert_int_equal(lines, PROCS * THREADS * EACH);
    free(text);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(original_privacy_criterion),
        T(private_repo_is_hashed),
        T(bad_arguments_write_nothing),
        T(unusable_directory),
        T(concurrent_processes_and_threads),
    };
    return cmocka_run_group_tests_name("collector", tests, NULL, NULL);
}
