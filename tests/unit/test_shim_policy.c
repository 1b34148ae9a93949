/* Unit tests: the shim's policy (shim/policy.c) - which failures are
 * expected (counted only), probes (kept in the ring) or significant
 * (recorded at once), data-driven from tests/fixtures/shim_policy.tsv. */
#include "shim_unit.h"
#include "tsv.h"

#include <errno.h>

#include "policy.h"

static const char *const kinds[] = {
    [TM_KIND_EXPECTED] = "expected",
    [TM_KIND_PROBE] = "probe",
    [TM_KIND_SIGNIFICANT] = "significant",
};

struct tally {
    int bad;
    int seen[3]; /* cases per expected kind */
};

/* call, errno, path ("(null)" for none), workspace, kind. */
static void check_row(struct tsv_row *r, void *arg)
{
    struct tally *t = arg;
    const char *abs = strcmp(r->f[2], "(null)") == 0 ? NULL : r->f[2];
    enum tm__kind got = tm__policy(unit_call(r->f[0]), unit_errno(r->f[1]),
                                   abs, r->f[3], strlen(r->f[3]), 0);
    int want = -1;

    for (int k = 0; k < 3; k++)
        if (strcmp(r->f[4], kinds[k]) == 0)
            want = k;
    if (want < 0)
        fail_msg("shim_policy.tsv:%d: unknown kind %s", r->line, r->f[4]);
    t->seen[want]++;
    if ((int)got != want) {
        print_error("shim_policy.tsv:%d: %s %s '%s' in '%s'\n  want: %s\n  got:  %s\n",
                    r->line, r->f[0], r->f[1], r->f[2], r->f[3], kinds[want],
                    kinds[got]);
        t->bad++;
    }
}

static void table(void **state)
{
    struct tally t = {0, {0, 0, 0}};
    int n = tsv_each("shim_policy", 5, check_row, &t);

    (void)state;
    assert_true(n > 60);
    for (int k = 0; k < 3; k++)
        assert_true(t.seen[k] > 0);
    assert_int_equal(t.bad, 0);
}

/* The write family: the rows of TM_SHIM_CALLS whose shape records "write";
 * the open and rename families likewise. */
static void write_family(void **state)
{
    static const char *const writes[] = {"write", "writev", "pwrite",
        "pwrite64", "pwritev", "pwritev64", "pwritev2", "pwritev64v2",
        "fflush", "fclose"};
    int n = 0;

    (void)state;
    for (int c = 0; c < TM_CALL_COUNT; c++)
        n += tm__calls[c].op == TM_OP_WRITE;
    assert_int_equal(n, (int)(sizeof(writes) / sizeof(writes[0])));
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
        assert_int_equal(tm__calls[unit_call(writes[i])].op, TM_OP_WRITE);
    assert_int_equal(tm__calls[TM_CALL_renameat2].op, TM_OP_RENAME);
    assert_int_equal(tm__calls[TM_CALL_open_2].op, TM_OP_OPEN);
    assert_string_equal(tm__calls[TM_CALL_open_2].symbol, "__open_2");
    assert_string_equal(tm__op_name(tm__calls[TM_CALL_fclose].op), "write");
    assert_true(tm__err_expected(EINTR));
    assert_false(tm__err_expected(ENOENT));
}

/* EWOULDBLOCK is EAGAIN on Linux; the table names EAGAIN only. */
static void would_block(void **state)
{
    (void)state;
    assert_int_equal(tm__policy(TM_CALL_write, EWOULDBLOCK, NULL, "/w", 2, 0),
                     TM_KIND_EXPECTED);
    /* In a bare repository (git's store) a missing file is a probe; a
     * conflict is not. */
    assert_int_equal(tm__policy(TM_CALL_open, ENOENT, "/r/b.git/objects/info/alternates",
                                "/r/b.git", 8, 1), TM_KIND_PROBE);
    assert_int_equal(tm__policy(TM_CALL_open, ENOENT, "/r/b.git/objects/info/alternates",
                                "/r/b.git", 8, 0), TM_KIND_SIGNIFICANT);
    assert_int_equal(tm__policy(TM_CALL_open, EEXIST, "/r/b.git/refs/heads/main.lock",
                                "/r/b.git", 8, 1), TM_KIND_SIGNIFICANT);
}

/* Searching programs (policy.c's searchers table): a target prefix and a
 * version suffix are allowed, nothing else. */
static void searchers(void **state)
{
    static const struct {
        const char *program;
        int want;
    } cases[] = {
        {"cc1", TM_SEARCH_EXPLAINS},
        {"cc1plus", TM_SEARCH_EXPLAINS},
        {"ld", TM_SEARCH_EXPLAINS},
        {"ld.bfd", TM_SEARCH_EXPLAINS},
        {"collect2", TM_SEARCH_EXPLAINS},
        {"x86_64-linux-gnu-gcc-12", TM_SEARCH_EXPLAINS},
        {"x86_64-linux-gnu-ld", TM_SEARCH_EXPLAINS},
        {"clang-14", TM_SEARCH_EXPLAINS},
        {"clang++", TM_SEARCH_EXPLAINS},
        {"g++-12", TM_SEARCH_EXPLAINS},
        {"gcc-12.2", TM_SEARCH_EXPLAINS},
        {"lto-wrapper", TM_SEARCH_EXPLAINS},
        {"make", TM_SEARCH_QUIET},
        {"cmake", TM_SEARCH_QUIET | TM_SEARCH_RENAMES},
        {"cargo", TM_SEARCH_QUIET},
        {"python3", TM_SEARCH_NONE},
        {"node", TM_SEARCH_NONE},
        {"cat", TM_SEARCH_NONE},
        {"my-gcc-wrapper", TM_SEARCH_NONE},
        {"agent-make", TM_SEARCH_NONE},
        {"my-ld", TM_SEARCH_NONE},
        {"arm-none-eabi-gcc", TM_SEARCH_EXPLAINS},
        {"x--gcc", TM_SEARCH_NONE},
        {"-x-gcc", TM_SEARCH_NONE},
        {"gccx", TM_SEARCH_NONE},
        {"xld", TM_SEARCH_NONE},
        {"ld-", TM_SEARCH_NONE},
        {"-12", TM_SEARCH_NONE},
        {"", TM_SEARCH_NONE},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (tm__policy_searching(cases[i].program) != cases[i].want)
            fail_msg("searching(%s): want %d", cases[i].program, cases[i].want);
    }
}

/* Start-up and configuration probes never explain a non-zero exit. */
static void startup(void **state)
{
    (void)state;
    assert_true(tm__policy_routine("/usr/lib/python3.11/pyvenv.cfg", 0));
    assert_true(tm__policy_routine("pyvenv.cfg", 0));
    assert_true(tm__policy_routine("/opt/py/bin/python3.11._pth", 0));
    assert_true(tm__policy_routine("/opt/py/bin/pybuilddir.txt", 0));
    assert_true(tm__policy_routine("/w/proj/src/package.json", 0));
    assert_true(tm__policy_routine("/dev/tty", 0));
    assert_true(tm__policy_routine("stdc-predef.h", 0));
    /* configuration: /etc, dotfiles, dot-directories, ~/.config */
    assert_true(tm__policy_routine("/etc/gitattributes", 0));
    assert_true(tm__policy_routine("/root/.config/git/attributes", 0));
    assert_true(tm__policy_routine("/w/proj/.gitattributes", 7));
    assert_true(tm__policy_routine(".gitattributes", 0));
    assert_true(tm__policy_routine("/w/proj/.git/packed-refs", 7));
    assert_true(tm__policy_routine("/w/proj/.git/refs/heads/x.lock", 7));
    assert_true(tm__policy_routine(".git/refs/heads/nosuch", 0));
    assert_false(tm__policy_routine("/w/proj/data/citations.bib", 7));
    assert_false(tm__policy_routine("/w/proj/pyvenv.cfg.bak", 7));
    assert_false(tm__policy_routine("../data/x.txt", 0));
    assert_false(tm__policy_routine("./data/x.txt", 0));
    /* a work tree under a dot-directory: only the path inside it counts */
    assert_false(tm__policy_routine("/home/u/.local/src/proj/x.txt", 22));
    assert_true(tm__policy_routine("/home/u/.local/src/proj/.env", 22));
    assert_false(tm__policy_routine("/etcetera/x", 0));
    assert_false(tm__policy_routine("", 0));
    assert_false(tm__policy_routine(NULL, 0));
}

/* A routine probe whatever its work tree (the failure path's shortcut):
 * then, for every root the path could have (none, "/", each directory
 * above it) and every workspace, the policy says probe and the path is
 * routine.  Checked over the table's paths and these. */
static const char *const anywhere_paths[] = {
    "/home/u/.cache/proj/sub/.gitignore", "/w/proj/.git/objects/info/alternates",
    "/w/proj/src/.gitattributes", "/w/proj/package.json", "/etc/gitconfig",
    "/w/proj/lib/python3.11/site._pth", "/dev/tty", "/w/proj/.git",
    "/home/u/.cache/proj/x.py", "/w/proj/src/x.py", "/w/.x/proj/a/b",
    "/w/proj/a..b", "/w/proj/..", "/w/proj/.", "/", "/.git/x", "/w/.gitx/y",
    "/w/proj/yarn.lockx", "/w/proj/xyarn.lock", "/etcx/y", "/w/proj/.git/",
};

static int check_anywhere(const char *abs, int err, int *claimed)
{
    size_t n = strlen(abs);
    int bad = 0;

    if (!tm__policy_routine_anywhere(err, abs))
        return 0;
    (*claimed)++;
    for (size_t root = 0; root < n; root++) {
        /* A root at or under a .git directory is git's store: what
         * tm__worktree finds there is a bare repository (HEAD, objects/,
         * refs/), routine as such (capture.c). */
        const char *git = strstr(abs, "/.git");
        int store = git != NULL && root >= (size_t)(git - abs) + 5 &&
                    (git[5] == '/' || git[5] == '\0');

        if (root > 1 && abs[root] != '/')
            continue;
        if ((!store && !tm__policy_routine(abs, root)) ||
            tm__policy(TM_CALL_open, err, abs, abs, root ? root : 1, store) !=
                TM_KIND_PROBE) {
            print_error("routine anywhere, but not with root %zu: %s\n", root, abs);
            bad++;
        }
    }
    return bad;
}

static void anywhere_row(struct tsv_row *r, void *arg)
{
    int *claimed = arg;

    if (strcmp(r->f[2], "(null)") != 0 &&
        check_anywhere(r->f[2], unit_errno(r->f[1]), claimed) != 0)
        fail_msg("shim_policy.tsv:%d", r->line);
}

static void routine_anywhere(void **state)
{
    int claimed = 0, bad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(anywhere_paths) / sizeof(anywhere_paths[0]); i++)
        for (int e = 0; e < 2; e++)
            bad += check_anywhere(anywhere_paths[i], e ? ENOTDIR : ENOENT, &claimed);
    tsv_each("shim_policy", 5, anywhere_row, &claimed);
    assert_int_equal(bad, 0);
    assert_true(claimed > 20);
    assert_true(tm__policy_routine_anywhere(ENOENT, "/home/u/.cache/proj/sub/.gitignore"));
    assert_true(tm__policy_routine_anywhere(ENOENT, "/w/proj/.git/objects/info/alternates"));
    assert_true(tm__policy_routine_anywhere(ENOENT, "/w/proj/package.json"));
    assert_true(tm__policy_routine_anywhere(ENOENT, "/etc/gitconfig"));
    /* a dot-directory above the path may be above its work tree too */
    assert_false(tm__policy_routine_anywhere(ENOENT, "/home/u/.cache/proj/x.py"));
    assert_false(tm__policy_routine_anywhere(ENOENT, "/w/proj/src/x.py"));
    assert_false(tm__policy_routine_anywhere(ENOENT, "/w/.gitx/y"));
    assert_false(tm__policy_routine_anywhere(EACCES, "/w/proj/.gitignore"));
    assert_false(tm__policy_routine_anywhere(ENOENT, ".gitignore")); /* not absolute */
    assert_false(tm__policy_routine_anywhere(ENOENT, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(write_family),
        cmocka_unit_test(would_block),
        cmocka_unit_test(searchers),
        cmocka_unit_test(startup),
        cmocka_unit_test(routine_anywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
