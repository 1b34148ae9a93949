/* Unit tests: the summary's counting table. */
#include "unit.h"

#include "counter.h"

static void add_find_and_sort(void **state)
{
    struct tm__counter c;
    struct tm__centry **v;
    int oom = 0;
    size_t n;

    tm__counter_init(&c, 3, NULL);
    assert_null(tm__counter_find(&c, "a", 1)); /* empty: nothing, nothing added */
    assert_non_null(tm__counter_add(&c, "b", 1, 2, &oom));
    assert_non_null(tm__counter_add(&c, "a", 1, 2, &oom));
    assert_non_null(tm__counter_add(&c, "cc", 2, 5, &oom));
    assert_int_equal(tm__counter_add(&c, "b", 1, 1, &oom)->count, 3);
    /* a key is the whole length: "c" is not "cc" */
    assert_null(tm__counter_find(&c, "c", 1));
    assert_int_equal(tm__counter_find(&c, "ccx", 2)->count, 5);
    assert_int_equal(c.n, 3);
    /* full: a new key is dropped and its events counted */
    assert_null(tm__counter_add(&c, "d", 1, 4, &oom));
    assert_int_equal(c.dropped, 4);
    assert_null(tm__counter_find(&c, "d", 1));
    assert_int_equal(oom, 0);
    v = tm__counter_sorted(&c, &n);
    assert_int_equal(n, 3);
    assert_string_equal(v[0]->key, "cc");
    assert_string_equal(v[1]->key, "b");
    assert_string_equal(v[2]->key, "a"); /* count, then key */
    free(v);
    tm__counter_free(&c);
}

static void grows_past_its_first_slots(void **state)
{
    struct tm__counter c;
    char key[16];
    int oom = 0;

    tm__counter_init(&c, 100000, NULL);
    for (int i = 0; i < 5000; i++) {
        int k = snprintf(key, sizeof(key), "k%d", i);
        assert_non_null(tm__counter_add(&c, key, (size_t)k, i, &oom));
    }
    for (int i = 0; i < 5000; i++) {
        int k = snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(tm__counter_find(&c, key, (size_t)k)->count, i);
    }
    assert_int_equal(c.n, 5000);
    tm__counter_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_find_and_sort),
        cmocka_unit_test(grows_past_its_first_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
