/* Unit tests: the typed placeholders of tm__mask (core/analysis/mask.c,
 * README "Grouping"), data-driven from tests/fixtures/mask.tsv: every class,
 * the event's own repo and agent names, and the words that look like values
 * and must stay words. */
#include "unit.h"
#include "tsv.h"

#include "mask.h"

struct tally {
    int bad;
    int kept; /* rows whose text must come out unchanged */
};

static void mask_row(struct tsv_row *r, void *arg)
{
    struct tally *t = arg;
    char got[1024];
    size_t n = tm__mask(r->f[0], strlen(r->f[0]), "billing-api", "DocsAgent",
                        got, sizeof(got));

    if (strcmp(r->f[0], r->f[1]) == 0)
        t->kept++; /* plain text, and words that only look like values */
    if (strcmp(got, r->f[1]) != 0 || n != strlen(got)) {
        print_error("mask.tsv:%d: '%s'\n  want: %s\n  got:  %s (%zu)\n",
                    r->line, r->f[0], r->f[1], got, n);
        t->bad++;
    }
}

static void table(void **state)
{
    struct tally t = {0, 0};

    (void)state;
    assert_true(tsv_each("mask", 2, mask_row, &t) >= 90);
    assert_true(t.kept >= 15); /* I/O, utf-8, sha256, v2, e2e, ... */
    assert_int_equal(t.bad, 0);
}

static void bounded_output(void **state)
{
    char small[8];
    size_t n = tm__mask("hello world again", 17, NULL, NULL, small, sizeof(small));

    (void)state;
    assert_int_equal(n, 7);
    assert_string_equal(small, "hello w");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(bounded_output),
    };
    return cmocka_run_group_tests_name("mask", tests, NULL, NULL);
}
