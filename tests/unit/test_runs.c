/* Unit tests: the run file's lines (runrec.h) written and read back
 * (runs.h), and events carrying `run` and `ppid`. */
#include "unit.h"

#include <fcntl.h>

#include "dir.h"
#include "event_parse.h"
#include "runrec.h"
#include "runs.h"
#include "store.h"

static char scratch[8192];

#define ID "0123456789abcdef"

static int parse(const char *line, struct tm__run_line *l, const char **why)
{
    return tm__run_line_parse(line, strlen(line), l, scratch, sizeof(scratch), why);
}

static void round_trip(void **state)
{
    struct tm__run_ci ci[] = {{"GITHUB_SHA", "abc123"}, {"HOME", "/root"}};
    struct tm__runrec r = {.kind = TM_RUN_END, .run = ID,
                           .time = "2026-11-25T18:00:05.000000Z",
                           .start = "2026-11-25T18:00:00.000000Z",
                           .program = "python3", .agent = "agent.py",
                           .repo = "widget", .host = "ci-7", .ci = ci, .nci = 2,
                           .flags = TM_RUNREC_PID | TM_RUNREC_EXIT |
                                    TM_RUNREC_COUNTS | TM_RUNREC_FATAL |
                                    TM_RUNREC_SUPPR | TM_RUNREC_DURATION |
                                    TM_RUNREC_UNEXPLAINED,
                           .pid = 42, .duration_ms = 5000, .exit_status = 3,
                           .events = 7, .fatal = 0, .probes = 90, .expected = 4};
    char line[TM_RUN_LINE_MAX];
    struct tm__run_line l;
    const char *why = NULL;
    size_t n = tm__runrec_encode(&r, line);

    assert_true(n > 0 && line[n - 1] == '\n');
    line[n - 1] = '\0';
    /* HOME is not on the allow-list: never written. */
    assert_null(strstr(line, "HOME"));
    assert_int_equal(parse(line, &l, &why), 0);
    assert_int_equal(l.kind, TM_RUN_END);
    assert_string_equal(l.run, ID);
    assert_string_equal(l.start, "2026-11-25T18:00:00.000000Z");
    assert_string_equal(l.agent, "agent.py");
    assert_string_equal(l.host, "ci-7");
    assert_string_equal(l.ci, "{\"GITHUB_SHA\":\"abc123\"}");
    assert_true(l.has_exit && !l.has_signal && l.unexplained);
    assert_int_equal(l.exit_status, 3);
    assert_int_equal(l.events, 7);
    assert_int_equal(l.fatal, 0);
    assert_int_equal(l.probes, 90);
    assert_int_equal(l.expected, 4);
    assert_int_equal(l.duration_ms, 5000);
    /* no run id: nothing encoded */
    r.run = "0123";
    assert_int_equal(tm__runrec_encode(&r, line), 0);
}

static void malformed(void **state)
{
    static const struct {
        const char *line, *why;
    } cases[] = {
        {"", "not one JSON object"},
        {"{\"run\":\"" ID "\",\"record\":\"start\"", "not one JSON object"},
        {"[1]", "not one JSON object"},
        {"{\"record\":\"start\",\"time\":\"2026-11-25T00:00:00.000000Z\"}", "no \"run\" id"},
        {"{\"run\":\"0123456789ABCDEF\",\"record\":\"start\",\"time\":\"2026-11-25T00:00:00.000000Z\"}",
         "not a run id"},
        {"{\"run\":\"" ID "0\",\"record\":\"start\",\"time\":\"2026-11-25T00:00:00.000000Z\"}",
         "not a run id"},
        {"{\"run\":\"" ID "\",\"time\":\"2026-11-25T00:00:00.000000Z\"}", "no \"record\" kind"},
        {"{\"run\":\"" ID "\",\"record\":\"begin\",\"time\":\"2026-11-25T00:00:00.000000Z\"}",
         "not start, end or process"},
        {"{\"run\":\"" ID "\",\"record\":\"end\"}", "no \"time\""},
        {"{\"run\":\"" ID "\",\"record\":\"end\",\"time\":\"yesterday\"}", "not a time"},
        {"{\"run\":\"" ID "\",\"record\":\"end\",\"time\":\"2026-11-25T00:00:00.000000Z\","
         "\"events\":1.5}", "not a whole number"},
        {"{\"run\":\"" ID "\",\"record\":\"end\",\"time\":\"2026-11-25T00:00:00.000000Z\","
         "\"probes\":-1}", "not a whole number"},
        {"{\"run\":\"" ID "\",\"record\":\"end\",\"time\":\"2026-11-25T00:00:00.000000Z\","
         "\"fatal\":\"2\"}", "not a whole number"},
    };
    struct tm__run_line l;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *why = NULL;
        assert_int_equal(parse(cases[i].line, &l, &why), -1);
        assert_non_null(why);
        if (strstr(why, cases[i].why) == NULL)
            fail_msg("case %zu: '%s', want '%s'", i, why, cases[i].why);
    }
    /* unknown keys are ignored; a negative exit status is a status */
    {
        const char *why = NULL;
        assert_int_equal(parse("{\"run\":\"" ID "\",\"record\":\"end\",\"time\":"
                               "\"2026-11-25T00:00:00.000000Z\",\"new\":[1,{}],"
                               "\"exit_status\":-1}", &l, &why), 0);
        assert_int_equal(l.exit_status, -1);
    }
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *dir, const char *name)
{
    static char buf[65536];
    char path[512];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

#define A "aaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbb"
#define EV(run, repo, extra)                                                   \
    "{\"timestamp\":\"2026-11-25T18:00:01.000000Z\",\"repo\":\"" repo "\","    \
    "\"agent\":\"a\",\"error_type\":\"T\",\"error_message\":\"m\","             \
    "\"context\":{},\"telemetry_id\":\"0000000000000001\",\"pid\":5,"           \
    "\"ppid\":4,\"run\":\"" run "\"" extra "}\n"

static void joined(void **state)
{
    char *dir = unit_tmpdir(), *before;
    static const char runs[] =
        "{\"run\":\"" A "\",\"record\":\"start\",\"time\":\"2026-11-25T18:00:00.000000Z\",\"pid\":9,\"program\":\"sh\"}\n"
        "not json at all\n"
        "{\"run\":\"" A "\",\"record\":\"process\",\"time\":\"2026-11-25T18:00:02.000000Z\",\"pid\":10,\"probes\":5,\"expected\":2}\n"
        "{\"run\":\"" A "\",\"record\":\"process\",\"time\":\"2026-11-25T18:00:03.000000Z\",\"pid\":11,\"probes\":1,\"expected\":0}\n"
        "{\"run\":\"" A "\",\"record\":\"end\",\"time\":\"2026-11-25T18:00:04.000000Z\",\"start\":\"2026-11-25T18:00:00.000000Z\",\"pid\":9,\"exit_status\":3,\"duration_ms\":4000}\n"
        "{\"run\":\"" B "\",\"record\":\"start\",\"time\":\"2026-11-25T19:00:00.000000Z\",\"pid\":12}\n"
        "{\"run\":\"" B "\",\"record\":\"begin\",\"time\":\"2026-11-25T19:00:00.000000Z\"}\n";
    struct tm__runs rs;
    struct tm__run **v;
    size_t n;
    int dfd;

    write_file(dir, TM_RUNS_LOG, runs);
    write_file(dir, TM_CENTRAL_LOG,
               EV(A, "r1", ",\"repeat\":2") EV(A, "r2", ",\"fatal\":true,\"exit_status\":3")
               EV(B, "r1", "") "{\"broken\n");
    dfd = tm__dir_open(dir);
    assert_true(dfd >= 0);
    assert_int_equal(tm__runs_load(dfd, NULL, "", &rs), 0);
    assert_int_equal(rs.skipped, 2); /* counted, and said why */
    assert_non_null(rs.first_why);
    v = tm__runs_sorted(&rs, &n);
    assert_int_equal(n, 2);
    /* newest first */
    assert_string_equal(v[0]->id, B);
    assert_int_equal(v[0]->starts, 1);
    assert_int_equal(v[0]->ends, 0); /* did not finish */
    assert_int_equal(v[0]->events, 1);
    assert_string_equal(v[1]->id, A);
    assert_int_equal(v[1]->ends, 1);
    assert_true(v[1]->has_exit);
    assert_int_equal(v[1]->exit_status, 3);
    assert_int_equal(v[1]->events, 3); /* weighted by repeat */
    assert_int_equal(v[1]->fatal, 1);
    assert_int_equal(v[1]->probes, 6);
    assert_int_equal(v[1]->expected, 2);
    assert_int_equal(v[1]->duration_ms, 4000);
    assert_int_equal(tm__name_set_count(&v[1]->repos), 2);
    assert_string_equal(v[1]->program, "sh");
    free(v);
    tm__runs_free(&rs);
    /* one run only, and --since */
    assert_int_equal(tm__runs_load(dfd, B, "", &rs), 0);
    assert_int_equal(rs.table.n, 1);
    tm__runs_free(&rs);
    assert_int_equal(tm__runs_load(dfd, NULL, "2026-11-25T18:00:00.500000Z", &rs), 0);
    v = tm__runs_sorted(&rs, &n);
    assert_int_equal(n, 1); /* B: its event; A began before the bound */
    assert_string_equal(v[0]->id, B);
    free(v);
    tm__runs_free(&rs);
    /* nothing stored is lost: reading leaves the file as it was */
    before = strdup(runs);
    assert_string_equal(read_all(dir, TM_RUNS_LOG), before);
    free(before);
    close(dfd);
    unit_rmdir(dir);
}

/* The end record's counts stand when the log holds fewer (after `clean`
 * or a rotation); an event written with blanks around its colons (json.dumps)
 * is counted as the summary counts it. */
static void stored_counts(void **state)
{
    char *dir = unit_tmpdir();
    static const char runs[] =
        "{\"run\":\"" A "\",\"record\":\"end\",\"time\":\"2026-11-25T18:00:04.000000Z\",\"pid\":9,\"exit_status\":3,\"events\":5,\"fatal\":2,\"probes\":9,\"expected\":1}\n";
    struct tm__runs rs;
    struct tm__run **v;
    size_t n;
    int dfd;

    (void)state;
    write_file(dir, TM_RUNS_LOG, runs);
    write_file(dir, TM_CENTRAL_LOG,
               EV(A, "r1", "")
               "{\"timestamp\": \"2026-11-25T19:00:01.000000Z\", \"repo\": \"r2\", "
               "\"agent\": \"a\", \"error_type\": \"T\", \"error_message\": \"m\", "
               "\"context\": {}, \"run\": \"" B "\"}\n");
    dfd = tm__dir_open(dir);
    assert_true(dfd >= 0);
    assert_int_equal(tm__runs_load(dfd, NULL, "", &rs), 0);
    v = tm__runs_sorted(&rs, &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[0]->id, B);
    assert_int_equal(v[0]->events, 1);
    assert_string_equal(v[1]->id, A);
    assert_int_equal(v[1]->events, 5);
    assert_int_equal(v[1]->fatal, 2);
    assert_int_equal(v[1]->probes, 9);
    assert_int_equal(v[1]->expected, 1);
    free(v);
    tm__runs_free(&rs);
    close(dfd);
    unit_rmdir(dir);
}

/* A line longer than the reader's buffer is no record: counted and said. */
static void oversized_line(void **state)
{
    char *dir = unit_tmpdir(), *big = malloc(300 * 1024 + 200);
    struct tm__runs rs;
    int dfd;

    (void)state;
    assert_non_null(big);
    memset(big, 'x', 300 * 1024);
    snprintf(big + 300 * 1024, 200, "\n{\"run\":\"" A "\",\"record\":\"start\","
             "\"time\":\"2026-11-25T18:00:00.000000Z\"}\n");
    write_file(dir, TM_RUNS_LOG, big);
    free(big);
    dfd = tm__dir_open(dir);
    assert_true(dfd >= 0);
    assert_int_equal(tm__runs_load(dfd, NULL, "", &rs), 0);
    assert_int_equal(rs.skipped, 1);
    assert_string_equal(rs.first_why, "longer than 256 KiB");
    assert_int_equal(rs.table.n, 1);
    tm__runs_free(&rs);
    close(dfd);
    unit_rmdir(dir);
}

static void store_rules(void **state)
{
    char *dir = unit_tmpdir(), path[512], line[TM_RUN_LINE_MAX];
    struct tm__runrec r = {.kind = TM_RUN_START, .run = ID,
                           .time = "2026-11-25T18:00:00.000000Z"};
    size_t n = tm__runrec_encode(&r, line);
    struct stat st;
    int dfd = tm__dir_open(dir);

    assert_int_equal(tm__runrec_store(dfd, line, n, 1 << 20, NULL), 0);
    snprintf(path, sizeof(path), "%s/%s", dir, TM_RUNS_LOG);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* a link in its place is refused, its target untouched */
    unlink(path);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_true(tm__runrec_store(dfd, line, n, 1 << 20, NULL) < 0);
    unlink(path);
    /* rotation: past max_bytes the file becomes runs.jsonl.1 */
    for (int i = 0; i < 100; i++)
        assert_int_equal(tm__runrec_store(dfd, line, n, 4096, NULL), 0);
    snprintf(path, sizeof(path), "%s/%s.1", dir, TM_RUNS_LOG);
    assert_int_equal(stat(path, &st), 0);
    close(dfd);
    unit_rmdir(dir);
}

static void event_keys(void **state)
{
    struct tm__event ev;
    struct tm__event_view v;
    char line[TM_LINE_MAX];
    size_t n;

    tm__event_init(&ev);
    ev.repo = "r";
    ev.agent = "a";
    ev.error_type = "T";
    ev.message = "m";
    ev.message_len = 1;
    ev.flags = TM_EV_PID | TM_EV_PPID;
    ev.pid = 10;
    ev.ppid = 9;
    ev.run = ID;
    n = tm__event_encode(&ev, line);
    line[n - 1] = '\0';
    assert_non_null(strstr(line, "\"pid\":10,\"ppid\":9,\"run\":\"" ID "\""));
    assert_int_equal(tm__event_view_parse(line, n - 1, &v, scratch, sizeof(scratch)), 0);
    assert_string_equal(v.run, ID);
    assert_int_equal(v.ppid.n, 1);
    /* a malformed run id is never written */
    ev.run = "not-a-run";
    n = tm__event_encode(&ev, line);
    line[n - 1] = '\0';
    assert_null(strstr(line, "\"run\""));
    assert_true(tm__run_id_valid(ID));
    assert_false(tm__run_id_valid("0123456789abcde"));
    assert_false(tm__run_id_valid("0123456789abcdeF"));
    assert_false(tm__run_id_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(malformed),
        cmocka_unit_test(joined),
        cmocka_unit_test(stored_counts),
        cmocka_unit_test(oversized_line),
        cmocka_unit_test(store_rules),
        cmocka_unit_test(event_keys),
    };
    return cmocka_run_group_tests_name("runs", tests, NULL, NULL);
}
