/* Unit tests: typed placeholders (README "Grouping"), one class at a time,
 * then the cases of tests/fixtures/mask_cases.tsv. */
#include "unit.h"

#include "mask.h"

static char out[1024];

static const char *m(const char *s)
{
    tm__mask(s, strlen(s), "billing-api", "DocsAgent", out, sizeof(out));
    return out;
}

static void numbers_and_errno(void **state)
{
    assert_string_equal(m("retry 3 of 5 after 200ms"), "retry <NUM> of <NUM> after <NUM>ms");
    assert_string_equal(m("took 12.5s"), "took <NUM>s");
    assert_string_equal(m("blk_-1608999687919862906 done"), "blk_<NUM> done");
    /* The errno of "[Errno 2]" names a class of failure: kept. */
    assert_string_equal(m("[Errno 2] No such file"), "[Errno 2] No such file");
}

static void hex_uuid_ids(void **state)
{
    assert_string_equal(m("commit da39a3ee5e6b4b0d3255bfef95601890afd80709"), "commit <HEX>");
    assert_string_equal(m("short 1a2b3c4 sha"), "short <HEX> sha");
    assert_string_equal(m("addr 0x7ffd1234"), "addr <HEX>");
    assert_string_equal(m("job 123e4567-e89b-12d3-a456-426614174000 failed"), "job <UUID> failed");
    assert_string_equal(m("task a1b2c3d4x9"), "task <ID>");
    /* Plain words stay. */
    assert_string_equal(m("deadbeef cafe added"), "deadbeef cafe added");
}

static void ips_and_times(void **state)
{
    assert_string_equal(m("connect 10.0.0.5:5432 refused"), "connect <IP> refused");
    assert_string_equal(m("at 2026-11-25T18:42:16.123Z ok"), "at <TIME> ok");
    assert_string_equal(m("at 2026-11-25 18:42:16 ok"), "at <TIME> ok");
    assert_string_equal(m("at 18:42:16,250 ok"), "at <TIME> ok");
    assert_string_equal(m("on 2026-11-25"), "on <TIME>");
    /* a version is no address */
    assert_string_equal(m("numpy 1.26.4"), "numpy <NUM>.<NUM>");
}

static void quoted_and_paths(void **state)
{
    assert_string_equal(m("No module named 'requests'"), "No module named '<STR>'");
    assert_string_equal(m("open '/home/***/proj/x.py' failed"), "open '/home/***/<PATH>' failed");
    assert_string_equal(m("open '/tmp/a/b' failed"), "open '/tmp/<PATH>' failed");
    assert_string_equal(m("open 'data/in.csv' failed"), "open '<PATH>' failed");
    assert_string_equal(m("see /var/log/syslog now"), "see /var/<PATH> now");
    assert_string_equal(m("see src/app/main.py:42"), "see <PATH>:<NUM>");
    assert_string_equal(m("ratio 3/5"), "ratio <NUM>/<NUM>");
    assert_string_equal(m("empty ''"), "empty ''");
}

static void own_names(void **state)
{
    assert_string_equal(m("billing-api failed for DocsAgent"), "<REPO> failed for <AGENT>");
    /* only whole words */
    assert_string_equal(m("billing-apis DocsAgents"), "billing-apis DocsAgents");
}

static void markers_kept(void **state)
{
    assert_string_equal(m("Token ***TOKEN*** for ***EMAIL***"), "Token ***TOKEN*** for ***EMAIL***");
}

static void bounded_output(void **state)
{
    char small[8];
    size_t n = tm__mask("hello world again", 17, NULL, NULL, small, sizeof(small));
    assert_int_equal(n, 7);
    assert_string_equal(small, "hello w");
}

/* Every line of the case file: masked with no repo or agent, the output
 * must be the expected text.  Failures name the line. */
static void case_file(void **state)
{
    char path[1024], line[2048], got[2048];
    const char *dir = getenv("TM_FIXTURES");
    FILE *f;
    int lineno = 0, ncases = 0, bad = 0, words = 0;

    snprintf(path, sizeof(path), "%s/mask_cases.tsv", dir ? dir : "tests/fixtures");
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *tab, *nl;

        lineno++;
        if ((nl = strchr(line, '\n')) != NULL)
            *nl = '\0';
        if (strstr(line, "false positives") != NULL)
            words = 1;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        tm__mask(line, strlen(line), NULL, NULL, got, sizeof(got));
        if (strcmp(got, tab + 1) != 0) {
            print_error("mask_cases.tsv:%d: '%s' -> '%s', want '%s'\n", lineno,
                        line, got, tab + 1);
            bad++;
        }
        ncases++;
    }
    fclose(f);
    assert_true(words);      /* the false positives are there */
    assert_true(ncases >= 30);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_and_errno),
        cmocka_unit_test(hex_uuid_ids),
        cmocka_unit_test(ips_and_times),
        cmocka_unit_test(quoted_and_paths),
        cmocka_unit_test(own_names),
        cmocka_unit_test(markers_kept),
        cmocka_unit_test(bounded_output),
        cmocka_unit_test(case_file),
    };
    return cmocka_run_group_tests_name("mask", tests, NULL, NULL);
}
