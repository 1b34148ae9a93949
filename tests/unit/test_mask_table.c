/* Unit tests: the typed placeholders of tm__mask (core/src/mask.c),
 * class by class, data-driven from tests/fixtures/mask.tsv. */
#include "tsv.h"

#include "mask.h"

static void mask_row(struct tsv_row *r, void *arg)
{
    int *bad = arg;
    char got[1024];
    size_t n = tm__mask(r->f[0], strlen(r->f[0]), "billing-api", "DocsAgent",
                        got, sizeof(got));

    if (strcmp(got, r->f[1]) != 0 || n != strlen(got)) {
        print_error("mask.tsv:%d: '%s'\n  want: %s\n  got:  %s (%zu)\n",
                    r->line, r->f[0], r->f[1], got, n);
        (*bad)++;
    }
}

static void table(void **state)
{
    int bad = 0;

    (void)state;
    assert_true(tsv_each("mask", 2, mask_row, &bad) > 50);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
    };
    return cmocka_run_group_tests_name("mask_table", tests, NULL, NULL);
}
