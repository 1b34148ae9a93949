/* Unit tests: the shared string tools (core/record/strutil.c). */
#include "unit.h"

#include "strutil.h"

static void classes(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        assert_int_equal(tm__is_digit(c), c >= '0' && c <= '9');
        assert_int_equal(tm__is_upper(c), c >= 'A' && c <= 'Z');
        assert_int_equal(tm__is_lower(c), c >= 'a' && c <= 'z');
        assert_int_equal(tm__is_alpha(c), tm__is_upper(c) || tm__is_lower(c));
        assert_int_equal(tm__is_alnum(c), tm__is_alpha(c) || tm__is_digit(c));
        assert_int_equal(tm__is_xdigit(c),
                         tm__is_digit(c) || (c >= 'a' && c <= 'f') ||
                             (c >= 'A' && c <= 'F'));
        assert_int_equal(tm__is_space(c), c == ' ' || (c >= '\t' && c <= '\r'));
    }
}

static void ci_contains(void **state)
{
    (void)state;
    assert_true(tm__ci_contains("acme-PRIVATE-api", 16, "private"));
    assert_true(tm__ci_contains("Private", 7, "private"));
    assert_false(tm__ci_contains("Privat", 6, "private"));
    /* only the first n bytes are searched */
    assert_false(tm__ci_contains("xprivate", 7, "private"));
    assert_false(tm__ci_contains("", 0, "private"));
    assert_true(tm__ci_contains("abc", 3, ""));
}

static void buffer(void **state)
{
    char mem[8];
    struct tm__buf b = {mem, sizeof(mem), 0};

    (void)state;
    tm__buf_put(&b, "abc");
    assert_string_equal(mem, "abc");
    tm__buf_putn(&b, "defgh", 2);
    assert_string_equal(mem, "abcde");
    tm__buf_put(&b, "XYZW"); /* two fit, then the NUL */
    assert_string_equal(mem, "abcdeXY");
    assert_int_equal(b.len, 7);
    tm__buf_put(&b, "more");
    assert_string_equal(mem, "abcdeXY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes),
        cmocka_unit_test(ci_contains),
        cmocka_unit_test(buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
