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
    /* only letters fold: '_' is no DEL, '@' no backquote */
    assert_true(tm__ci_contains("X-API_KEY: 1", 12, "api_key"));
    assert_false(tm__ci_contains("api\x7fkey", 7, "api_key"));
    assert_false(tm__ci_eq("`x", 2, "@x"));
    assert_true(tm__ci_eq("Secret", 6, "sECRET"));
    assert_false(tm__ci_eq("Secret", 6, "secrets"));
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

static void buffer_utf8_and_whole(void **state)
{
    char mem[6];
    struct tm__buf b = {mem, sizeof(mem), 0};

    (void)state;
    /* "ab" then "é" (2 bytes) fit; the second "é" would be cut inside */
    assert_int_equal(tm__buf_put_utf8(&b, "ab\xc3\xa9", 4), 0);
    assert_int_equal(tm__buf_put_utf8(&b, "\xc3\xa9", 2), -1);
    assert_string_equal(mem, "ab\xc3\xa9");
    assert_int_equal(b.len, 4);
    /* a marker goes whole or not at all */
    assert_int_equal(tm__buf_put_whole(&b, "***", 3), -1);
    assert_int_equal(b.len, 4);
    assert_int_equal(tm__buf_put_whole(&b, "*", 1), 0);
    assert_string_equal(mem, "ab\xc3\xa9*");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes),
        cmocka_unit_test(ci_contains),
        cmocka_unit_test(buffer),
        cmocka_unit_test(buffer_utf8_and_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
