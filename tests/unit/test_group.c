/* Unit tests: fingerprints and templates (README "Grouping"). */
#include "unit.h"

#include "classify.h"
#include "evidence.h"
#include "group.h"

static struct tm__grouper g;

static int setup(void **state)
{
    tm__grouper_init(&g, 1000);
    return 0;
}

static int teardown(void **state)
{
    tm__grouper_free(&g);
    return 0;
}

static uint64_t fp_of(const char *type, const char *msg, const char *repo,
                      const char *agent)
{
    struct tm__group_input in = {type, msg, repo, agent, "api", NULL, NULL, NULL, 0, NULL, 0};
    uint64_t fp;
    assert_non_null(tm__group(&g, &in, &fp));
    return fp;
}

static void same_failure_one_group(void **state)
{
    uint64_t a = fp_of("FileNotFoundError",
                       "[Errno 2] No such file or directory: '/home/***/alpha/data/a.csv'",
                       "alpha", "AgentA");
    /* other path, user, repo, agent, ids */
    uint64_t b = fp_of("FileNotFoundError",
                       "[Errno 2] No such file or directory: '/home/***/beta/x/y/b.csv'",
                       "beta", "AgentB");
    uint64_t c = fp_of("FileNotFoundError",
                       "[Errno 2] No such file or directory: 'rel/c.csv'", "gamma", "C");
    assert_true(a == b);
    assert_true(a == c);
    uint64_t d = fp_of("RuntimeError", "job 1f2e3d4c5b failed on worker 7 in alpha",
                       "alpha", "AgentA");
    uint64_t e = fp_of("RuntimeError", "job 9a8b7c6d5e failed on worker 12 in beta",
                       "beta", "AgentB");
    assert_true(d == e);
}

static void different_failures_different_groups(void **state)
{
    uint64_t a = fp_of("OSError", "[Errno 21] Is a directory: 'x'", "r", "a");
    uint64_t b = fp_of("OSError", "[Errno 20] Not a directory: 'x'", "r", "a");
    uint64_t c = fp_of("OSError", "[Errno 13] Permission denied: 'x'", "r", "a");
    uint64_t d = fp_of("PermissionError", "[Errno 13] Permission denied: 'x'", "r", "a");
    uint64_t e = fp_of("HTTPError", "429 Client Error: Too Many Requests for url: https://a/b", "r", "a");
    uint64_t f = fp_of("HTTPError", "500 Server Error: Internal Server Error for url: https://a/b", "r", "a");
    assert_true(a != b && a != c && b != c);
    assert_true(c != d); /* the error type separates too */
    assert_true(e != f);
}

static void templates_generalize(void **state)
{
    struct tm__group_input in = {"E", "bash: jq: command not found", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0};
    uint64_t f1, f2;
    struct tm__cluster *c1 = tm__group(&g, &in, &f1);
    assert_string_equal(c1->text, "bash: jq: command not found");
    in.message = "bash: rg: command not found";
    struct tm__cluster *c2 = tm__group(&g, &in, &f2);
    assert_ptr_equal(c1, c2);
    assert_true(f1 == f2); /* the id is fixed when the cluster is made */
    assert_string_equal(c2->text, "bash: <*> command not found");
    assert_int_equal(c2->count, 2);
}

static void shim_evidence(void **state)
{
    const char *frames_a[] = {"libc.so.6+0x1", "git!cmd_add+0x10", "git+0x20"};
    const char *frames_b[] = {"libc.so.6+0x9", "git!cmd_add+0x99"};
    struct tm__group_input a = {"FileExistsError",
                                "[Errno 17] File exists: '/w/one/.git/index.lock'",
                                "one", "git", "shim", "git_lock_conflict", "git",
                                frames_a, 3, NULL, 0};
    struct tm__group_input b = a, c = a, d = a;
    uint64_t fa, fb, fc, fd;

    b.message = "[Errno 17] File exists: '/x/two/.git/index.lock'";
    b.frames = frames_b;
    b.nframes = 2;
    c.message = "[Errno 17] File exists: '/w/one/yarn.lock'";
    c.category = "lock_conflict";
    d.frames = NULL;
    d.nframes = 0;
    d.program = "python3";
    tm__group(&g, &a, &fa);
    tm__group(&g, &b, &fb);
    tm__group(&g, &c, &fc);
    tm__group(&g, &d, &fd);
    assert_true(fa == fb); /* same category, path class and in-app frame */
    assert_true(fa != fc);
    assert_true(fa != fd);
}

/* The Python stack's culprit: file and function of the innermost frame of
 * the agent's own code; the line does not split a group, the repo does
 * not either; another function is another group. */
static void stack_culprit(void **state)
{
    const char *s1[] = {"/usr/lib/python3.11/json/__init__.py:293 in load",
                        "<frozen importlib._bootstrap>:1 in _call",
                        ".venv/lib/python3.11/site-packages/x/y.py:3 in Y.f",
                        "agent/config.py:6 in load_config",
                        "agent/main.py:8 in Runner.step"};
    const char *s2[] = {"agent/config.py:7 in load_config",
                        "agent/main.py:30 in main"};
    const char *s3[] = {"agent/config.py:12 in load_cache",
                        "agent/main.py:8 in Runner.step"};
    const char *s4[] = {"/usr/lib/python3.11/threading.py:975 in Thread.run"};
    const char *frames[] = {"libc.so.6+0x1", "python3.11+0x20"};
    struct tm__group_input a = {"FileNotFoundError",
                                "[Errno 2] No such file or directory: 'x.json'",
                                "one", "bot", "shim", "file_not_found",
                                "python3", frames, 2, s1, 5};
    struct tm__group_input b = a, c = a, d = a, e = a;
    uint64_t fa, fb, fc, fd, fe;
    char out[128];

    (void)state;
    assert_string_equal(tm__stack_culprit(s1, 5), "agent/config.py:6 in load_config");
    assert_null(tm__stack_culprit(s4, 1));
    assert_int_equal(tm__culprit_key(s1[3], out, sizeof(out)), 30);
    assert_string_equal(out, "agent/config.py in load_config");
    tm__culprit(s4, 1, frames, 2, out, sizeof(out));
    assert_string_equal(out, ""); /* no own frame, no in-app module */
    b.repo = "two";
    b.stack = s2;
    b.nstack = 2;
    c.stack = s3;
    c.nstack = 2;
    d.stack = s4;
    d.nstack = 1;
    e.stack = NULL;
    e.nstack = 0;
    tm__group(&g, &a, &fa);
    tm__group(&g, &b, &fb);
    tm__group(&g, &c, &fc);
    tm__group(&g, &d, &fd);
    tm__group(&g, &e, &fe);
    assert_true(fa == fb); /* another line, another repo: one group */
    assert_true(fa != fc); /* another function */
    assert_true(fa != fd);
    assert_true(fd == fe); /* no own frame: as without a stack */
}

static void path_classes(void **state)
{
    static const struct { const char *p; enum tm__path_class c; } rows[] = {
        {"/w/r/.git/index.lock", TM_PC_git_lock}, {"/w/yarn.lock", TM_PC_lock},
        {".git/packed-refs", TM_PC_git}, {"/w/node_modules/x/index.js", TM_PC_dependency},
        {"/usr/lib/python3/site-packages/a.py", TM_PC_dependency},
        {"/tmp/x/y.txt", TM_PC_temp}, {"/etc/gitconfig", TM_PC_system},
        {"config/agent.yaml", TM_PC_config}, {".env", TM_PC_config},
        {"src/app.py", TM_PC_source}, {"data/citations.bib", TM_PC_data}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
        assert_int_equal(tm__path_class(rows[i].p, strlen(rows[i].p)), rows[i].c);
}

static void top_frame(void **state)
{
    const char *f[] = {"libc.so.6+0x1", "libpython3.11.so.1.0!PyRun+0x3",
                       "git!cmd_add+0x10"};
    char out[64];
    tm__top_frame(f, 3, out, sizeof(out));
    assert_string_equal(out, "git!cmd_add");
    tm__top_frame(f, 2, out, sizeof(out));
    assert_string_equal(out, "");
}

static void full_grouper_still_fingerprints(void **state)
{
    struct tm__grouper small;
    struct tm__group_input in = {"E", "alpha one", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0};
    uint64_t f1, f2;

    tm__grouper_init(&small, 1);
    assert_non_null(tm__group(&small, &in, &f1));
    in.message = "completely different text here";
    assert_null(tm__group(&small, &in, &f2));
    assert_true(f1 != f2);
    tm__grouper_free(&small);
}

static uint64_t plain(const char *msg)
{
    return fp_of("", msg, NULL, NULL);
}

/* Placeholders are variables: they do not make two messages alike.  Three
 * constant words that differ out of six are another message. */
static void placeholders_are_not_likeness(void **state)
{
    uint64_t a = plain("Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]");
    uint64_t b = plain("Received disconnect from 10.1.2.3: 11: Bye Bye [preauth]");
    uint64_t c = plain("Received disconnect from 119.137.62.142: 11: disconnected by user");
    assert_true(a == b);
    assert_true(a != c);
}

/* A word holding digits is a word: a user "test9" is a value like
 * "webmaster", not a constant number that vetoes the match. */
static void digits_in_words_do_not_veto(void **state)
{
    uint64_t a = plain("Invalid user webmaster from 173.234.31.186");
    uint64_t b = plain("Invalid user admin from 5.188.10.180");
    uint64_t c = plain("Invalid user test9 from 52.80.34.196");
    assert_true(a == b);
    assert_true(a == c);
    /* a number alone still does: another errno is another failure */
    assert_true(plain("failed: [Errno 21] Is a directory") !=
                plain("failed: [Errno 20] Is a directory"));
}

/* A dotted name in front says who logged, not what. */
static void dotted_first_token_is_wild(void **state)
{
    uint64_t a = plain("com.apple.CacheDelete.daily: told me to run this job; the start time isn't for 439 seconds");
    uint64_t b = plain("com.apple.Safari.Update: told me to run this job; the start time isn't for 2450 seconds");
    assert_true(a == b);
}

/* "(uid=<NUM>)" and "LOGIN(uid=<NUM>)" differ in their constant text: such
 * tokens are compared as constants, not skipped as variables. */
static void text_beside_placeholder_is_constant(void **state)
{
    uint64_t a = plain("closed by (uid=0)");
    uint64_t b = plain("closed by (uid=500)");
    uint64_t c = plain("closed by LOGIN(uid=0)");
    assert_true(a == b);
    assert_true(a != c);
}

/* Groups msgs[0..n) in the order given by order[] through a fresh grouper,
 * settles, and writes each message's final cluster id into id[]. */
static void group_in_order(const char *const *msgs, const int *order, int n,
                           uint64_t *id)
{
    struct tm__grouper h;
    struct tm__cluster *c[512];
    const char *key[512];

    assert_true(n <= 512);
    tm__grouper_init(&h, 1000);
    for (int k = 0; k < n; k++) {
        struct tm__group_input in = {.error_type = "", .message = msgs[order[k]],
                                     .source = "api"};
        uint64_t fp;
        c[order[k]] = tm__group(&h, &in, &fp);
        assert_non_null(c[order[k]]);
        key[order[k]] = h.drain.last;
    }
    assert_int_equal(tm__drain_settle(&h.drain), 0);
    for (int k = 0; k < n; k++)
        id[k] = tm__drain_final(c[k], key[k])->id;
    tm__grouper_free(&h);
}

/* Whether two id lists make the same partition of the messages. */
static int same_partition(const uint64_t *a, const uint64_t *b, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if ((a[i] == a[j]) != (b[i] == b[j]))
                return 0;
    return 1;
}

/* A value that holds TM_DRAIN_SETTLED times for each message that differs
 * is settled as a constant once the whole input is seen, wherever the odd
 * message arrives; a value that varies stays <*>; and the grouping is the
 * same whatever the order of the lines. */
static void settled_constants(void **state)
{
    enum { N = TM_DRAIN_SETTLED + 12 };
    static char text[N][96];
    const char *msgs[N];
    int fwd[N], rev[N], mid[N];
    uint64_t a[N], b[N], c[N];

    for (int i = 0; i < TM_DRAIN_SETTLED + 1; i++)
        snprintf(text[i], sizeof(text[i]), "Session: %d_%u initialized by client WindowsUpdateAgent.",
                 30546173 + i, 4261722401u - (unsigned)i);
    snprintf(text[TM_DRAIN_SETTLED + 1], sizeof(text[0]),
             "Session: 11152_142416105 initialized by client SPP.");
    for (int i = 0; i < 10; i++) /* a variable: users, none settled */
        snprintf(text[TM_DRAIN_SETTLED + 2 + i], sizeof(text[0]),
                 "Accepted password for %s from host", (const char *[]){"root", "root", "root",
                 "root", "root", "root", "root", "root", "alice", "bob"}[i]);
    for (int i = 0; i < N; i++) {
        msgs[i] = text[i];
        fwd[i] = i;
        rev[i] = N - 1 - i;
        mid[i] = (i * 37) % N; /* N and 37 are coprime: a permutation */
    }
    assert_int_equal(N % 37 != 0, 1);
    group_in_order(msgs, fwd, N, a);
    group_in_order(msgs, rev, N, b);
    group_in_order(msgs, mid, N, c);
    assert_true(a[TM_DRAIN_SETTLED + 1] != a[0]);   /* SPP apart */
    for (int i = 1; i <= TM_DRAIN_SETTLED; i++)
        assert_true(a[i] == a[0]);
    for (int i = TM_DRAIN_SETTLED + 3; i < N; i++) /* root, alice, bob */
        assert_true(a[i] == a[TM_DRAIN_SETTLED + 2]);
    assert_true(same_partition(a, b, N));
    assert_true(same_partition(a, c, N));
    /* without settling, a young cluster generalizes as before */
    assert_true(plain("Link up on port alpha now") == plain("Link up on port beta now"));
}

/* A frequent value among several others is a variable, however frequent:
 * 3 * TM_DRAIN_SETTLED "root" and three messages of two other users are
 * one group (a single exception would be settled apart). */
static void frequent_value_of_a_variable(void **state)
{
    enum { N = 3 * TM_DRAIN_SETTLED + 3 };
    static char text[N][64];
    const char *msgs[N];
    int fwd[N];
    uint64_t a[N];

    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof(text[i]), "Accepted publickey for %s from 10.0.0.%d",
                 i < N - 3 ? "root" : i < N - 1 ? "ci" : "deploy", i % 250);
        msgs[i] = text[i];
        fwd[i] = i;
    }
    group_in_order(msgs, fwd, N, a);
    for (int i = 1; i < N; i++)
        assert_true(a[i] == a[0]);
}

/* Short messages of one error type that differ in one word, from agents in
 * several repos, are one failure: the type counts as a matching constant. */
static void short_typed_messages_one_group(void **state)
{
    uint64_t a = fp_of("CLIError", "Unknown command: deploy", "repoA", "claude");
    uint64_t b = fp_of("CLIError", "Unknown command: lint", "repoB", "claude");
    uint64_t c = fp_of("CLIError", "Unknown command: test", "repoC", "codex");
    uint64_t d = fp_of("CLIError", "Missing argument: deploy", "repoC", "codex");
    assert_true(a == b && a == c);
    assert_true(d != a);
}

/* The errno a message names (its text or its symbolic name) is a constant
 * of the failure: agent messages that differ only there stay apart, like
 * a differing "[Errno N]"; the same errno still groups. */
static void errno_named_vetoes(void **state)
{
    uint64_t a = plain("fatal: Unable to create '/a/.git/index.lock': File exists.");
    uint64_t b = plain("fatal: Unable to create '/b/.git/index.lock': Permission denied.");
    uint64_t c = plain("fatal: Unable to create '/c/d/.git/index.lock': File exists.");
    uint64_t d = plain("mkdir: cannot create directory '/opt/x': File exists");
    uint64_t e = plain("mkdir: cannot create directory '/opt/y': Permission denied");
    uint64_t f = plain("npm ERR! code ENOENT");
    uint64_t h = plain("npm ERR! code EACCES");
    uint64_t i = plain("npm ERR! code ENOENT");
    assert_true(a != b && a == c);
    assert_true(d != e);
    assert_true(f != h && f == i);
    /* one table: the longest message at a position, whole words only */
    assert_string_equal(tm__errno_named("x: Too many open files in system", 32)->name, "ENFILE");
    assert_null(tm__errno_named("ENOENTS and File existsx", 24));
}

/* A quoted phrase is one token whose words are masked like any text: the
 * request method stays, a one-word quoted value is <STR>. */
static void quoted_phrase_is_text(void **state)
{
    struct tm__group_input in = {.error_type = "", .source = "api",
        .message = "10.0.0.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200 len: 1 time: 0.5"};
    uint64_t fp;
    struct tm__cluster *c = tm__group(&g, &in, &fp);
    assert_string_equal(c->text, "<IP> \"GET <PATH> HTTP/1.1\" status: <NUM> len: <NUM> time: <NUM>");
    in.message = "Component \"scsi\" is in the unavailable state";
    c = tm__group(&g, &in, &fp);
    assert_string_equal(c->text, "Component \"<STR>\" is in the unavailable state");
    /* a quoted value of one word or two is one variable */
    assert_true(plain("acquire lock=1, tag=\"View Lock\", uid=2") ==
                plain("acquire lock=3, tag=\"*alarm*\", uid=4"));
}

/* A word whose digits vary is one word: "node-7" and "node-123" (kept by
 * the mask, whatever their length) are one value, and a sign or a masked
 * number in the same place too ("blk_-42", "blk_<NUM>"). */
static void digits_in_a_word_vary(void **state)
{
    uint64_t a = plain("node-58 running");
    uint64_t b = plain("node-123 running");
    uint64_t c = plain("node-7 running");
    uint64_t d = plain("worker-12 started");
    uint64_t e = plain("worker-3 started");
    assert_true(a == b && a == c);
    assert_true(d == e && d != a);
    assert_true(plain("Deleting block blk_38865049064139660 file") ==
                plain("Deleting block blk_-1608999687919862906 file"));
}

/* A group's id (tm__fp_id_len): 7 hex digits at least, longer until no
 * other fingerprint of the log starts with it, whether or not the other
 * one is shown; the whole fingerprint at most. */
static void short_ids_are_unambiguous(void **state)
{
    static const char *const fps[] = { /* strcmp order */
        "0123456000000000", "0123456700000000", "0123456711111111",
        "0123457000000000", "89abcdef00000000", "89abcdef00000001",
        "ffffffffffffffff",
    };
    const size_t n = sizeof(fps) / sizeof(fps[0]);

    (void)state;
    assert_int_equal(tm__fp_id_len("ffffffffffffffff", fps, n), 7);
    assert_int_equal(tm__fp_id_len("0123457000000000", fps, n), 7);
    assert_int_equal(tm__fp_id_len("0123456000000000", fps, n), 8);
    assert_int_equal(tm__fp_id_len("0123456700000000", fps, n), 9);
    assert_int_equal(tm__fp_id_len("0123456711111111", fps, n), 9);
    assert_int_equal(tm__fp_id_len("89abcdef00000000", fps, n), 16);
    assert_int_equal(tm__fp_id_len("89abcdef00000001", fps, n), 16);
    /* a fingerprint not among them: still unambiguous against them */
    assert_int_equal(tm__fp_id_len("0123456780000000", fps, n), 9);
    assert_int_equal(tm__fp_id_len("0123456700000000", NULL, 0), 7);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(same_failure_one_group), T(different_failures_different_groups),
        T(templates_generalize), T(shim_evidence), T(stack_culprit),
        T(path_classes),
        T(top_frame), T(full_grouper_still_fingerprints),
        T(placeholders_are_not_likeness), T(digits_in_words_do_not_veto),
        T(dotted_first_token_is_wild), T(text_beside_placeholder_is_constant),
        T(settled_constants), T(short_typed_messages_one_group),
        T(errno_named_vetoes), T(quoted_phrase_is_text), T(digits_in_a_word_vary),
        T(frequent_value_of_a_variable),
        cmocka_unit_test(short_ids_are_unambiguous),
    };
    return cmocka_run_group_tests_name("group", tests, NULL, NULL);
}
