/* Unit tests: what a path says by its shape (core/record/pathfacts.c),
 * data-driven from tests/fixtures/pathfacts.tsv. */
#include "unit.h"
#include "tsv.h"

#include "pathfacts.h"

static const char *const locks[] = {
    [TM_LOCK_NONE] = "none",
    [TM_LOCK_GIT] = "git",
    [TM_LOCK_OTHER] = "other",
};

static void check_row(struct tsv_row *r, void *arg)
{
    int *bad = arg;
    size_t n = strlen(r->f[0]);
    enum tm__lock_kind lk = tm__path_lock(r->f[0], n);
    int dep = tm__path_in_folder(r->f[0], n, TM_DIR_DEPENDENCY);
    int look = tm__path_in_folder(r->f[0], n, TM_DIR_LOOKUP);

    if (strcmp(locks[lk], r->f[1]) != 0 || dep != (r->f[2][0] == '1') ||
        look != (r->f[3][0] == '1')) {
        print_error("pathfacts.tsv:%d: '%s'\n  want: %s %s %s\n  got:  %s %d %d\n",
                    r->line, r->f[0], r->f[1], r->f[2], r->f[3], locks[lk],
                    dep, look);
        (*bad)++;
    }
}

static void table(void **state)
{
    int bad = 0;
    int n = tsv_each("pathfacts", 4, check_row, &bad);

    (void)state;
    assert_true(n >= 30);
    assert_int_equal(bad, 0);
}

/* A segment is whole: at the start, between slashes or at the end. */
static void segments(void **state)
{
    (void)state;
    assert_true(tm__path_has_segment("a/.git/b", 8, ".git"));
    assert_true(tm__path_has_segment(".git", 4, ".git"));
    assert_true(tm__path_has_segment("a/.git", 6, ".git"));
    assert_false(tm__path_has_segment("a/.gitx/b", 9, ".git"));
    assert_false(tm__path_has_segment("a/x.git/b", 9, ".git"));
    /* only the first n bytes count */
    assert_false(tm__path_has_segment("a/.git", 5, ".git"));
    assert_false(tm__path_has_segment("", 0, ".git"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
