/* Unit tests: the directory a configuration leads to, and configuration
 * too long for its buffers (README "Storage", "Configuration"). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

#include "config.h"
#include "dir.h"
#include "telemetry.h"

static void normalize(void **state)
{
    static const char *const cases[][2] = {
        {"lnk", "lnk"},       {"lnk/", "lnk"},     {"lnk/.", "lnk"},
        {"lnk//", "lnk"},     {"lnk/./", "lnk"},   {"lnk/././/.", "lnk"},
        {"./lnk", "./lnk"},   {"./lnk/.", "./lnk"}, {"/", "/"},
        {"//", "/"},          {"/.", "/"},         {"/./", "/"},
        {".", "."},           {"./", "."},         {"./.", "."},
        {"a/..", "a/.."},     {"a/../", "a/.."},   {"a/.b", "a/.b"},
        {"a.", "a."},         {"/tmp/x/", "/tmp/x"},
    };
    char out[64], small[4];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(tm__dir_normalize(cases[i][0], out, sizeof(out)),
                         (long)strlen(cases[i][1]));
        assert_string_equal(out, cases[i][1]);
    }
    assert_int_equal(tm__dir_normalize("", out, sizeof(out)), -1);
    assert_int_equal(tm__dir_normalize("abcd", small, sizeof(small)), -1);
    assert_int_equal(tm__dir_normalize("abc", small, sizeof(small)), 3);
}

static void fallback_name(void **state)
{
    char out[64], want[64], tiny[8];

    snprintf(want, sizeof(want), "%s-%u", TM_DEFAULT_DIR, (unsigned)geteuid());
    assert_int_equal(tm__dir_fallback(out, sizeof(out)), 0);
    assert_string_equal(out, want);
    assert_int_equal(tm__dir_fallback(tiny, sizeof(tiny)), -1);
}

/* A configured directory: created with parents, its normalized path
 * written out; a link refused however spelled, and nothing created
 * through it. */
static void use_configured(void **state)
{
    struct tm__config cfg = {0};
    char *dir = unit_tmpdir(), used[PATH_MAX], target[512];
    struct stat st;
    int how = -1, fd;

    snprintf(cfg.dir, sizeof(cfg.dir), "%s/a/b/./", dir);
    fd = tm__dir_use(&cfg, 0, used, sizeof(used), &how);
    assert_int_equal(fd, TM_EDIR);
    assert_int_equal(errno, ENOENT);
    fd = tm__dir_use(&cfg, 1, used, sizeof(used), &how);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(how, TM_DIR_CONFIGURED);
    snprintf(target, sizeof(target), "%s/a/b", dir);
    assert_string_equal(used, target);
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    snprintf(target, sizeof(target), "%s/lnk", dir);
    assert_int_equal(symlink("a/b", target), 0);
    snprintf(cfg.dir, sizeof(cfg.dir), "%s/lnk/.", dir);
    assert_int_equal(tm__dir_use(&cfg, 1, used, sizeof(used), &how), TM_EDIRLINK);
    snprintf(cfg.dir, sizeof(cfg.dir), "%s/lnk//", dir);
    assert_int_equal(tm__dir_use(&cfg, 1, used, sizeof(used), &how), TM_EDIRLINK);
    /* too small a buffer for the path: refused, not cut */
    assert_int_equal(tm__dir_use(&cfg, 1, used, 8, &how), TM_EINVAL);
    unit_rmdir(dir);
}

static void set_env_len(const char *name, size_t n, char c)
{
    char *v = malloc(n + 1);

    assert_non_null(v);
    memset(v, c, n);
    v[n] = '\0';
    assert_int_equal(setenv(name, v, 1), 0);
    free(v);
}

static void clear_env(void)
{
    size_t n;
    const struct tm__config_var *vars = tm__config_vars(&n);

    for (size_t i = 0; i < n; i++)
        unsetenv(vars[i].name);
}

/* Every string variable: its limit is kept whole, one byte more is
 * refused (named in too_long, the field left empty), never cut. */
static void too_long_refused_never_cut(void **state)
{
    size_t n;
    const struct tm__config_var *vars = tm__config_vars(&n);

    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) {
        struct tm__config cfg = {0};
        const char *field = (const char *)&cfg + vars[i].offset;

        clear_env();
        set_env_len(vars[i].name, vars[i].max, 'a');
        tm__config_from_env(&cfg);
        assert_null(cfg.too_long);
        assert_int_equal(strlen(field), vars[i].max);

        memset(&cfg, 0, sizeof(cfg));
        set_env_len(vars[i].name, vars[i].max + 1, 'a');
        tm__config_from_env(&cfg);
        assert_ptr_equal(cfg.too_long, &vars[i]);
        assert_string_equal(field, "");
    }
    clear_env();
}

/* The two reported cases: a 9 KB directory must not become the default
 * (or a cut prefix), 1,199 bytes of globs must not lose their tail. */
static void reported_cases(void **state)
{
    struct tm__config cfg = {0};
    char used[PATH_MAX], *globs = malloc(1200);

    clear_env();
    set_env_len("TELEMETRY_DIR", 9 * 1024, 'd');
    tm__config_from_env(&cfg);
    assert_non_null(cfg.too_long);
    assert_string_equal(cfg.too_long->name, "TELEMETRY_DIR");
    assert_false(cfg.dir_is_default);
    assert_string_equal(cfg.dir, "");
    assert_int_equal(tm__dir_use(&cfg, 1, used, sizeof(used), NULL), TM_EINVAL);

    clear_env();
    assert_non_null(globs);
    memset(globs, 'g', 1199);
    memcpy(globs + 1199 - 10, ",secret-*", 9);
    globs[1198] = '*';
    globs[1199] = '\0';
    setenv("TELEMETRY_PRIVATE_REPOS", globs, 1);
    memset(&cfg, 0, sizeof(cfg));
    tm__config_from_env(&cfg);
    assert_non_null(cfg.too_long);
    assert_string_equal(cfg.too_long->name, "TELEMETRY_PRIVATE_REPOS");
    assert_int_equal(cfg.too_long->max, sizeof(cfg.private_repos) - 1);
    free(globs);
    clear_env();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalize),
        cmocka_unit_test(fallback_name),
        cmocka_unit_test(use_configured),
        cmocka_unit_test(too_long_refused_never_cut),
        cmocka_unit_test(reported_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
