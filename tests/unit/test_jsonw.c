/* Unit tests: the allocation-free JSON writer. */
#include "unit.h"

#include "jsonw.h"

static char buf[4096];

static const char *str(const char *s, size_t n, size_t max_raw, size_t max_out)
{
    struct tm__jw w;

    tm__jw_init(&w, buf, sizeof(buf) - 1);
    tm__jw_str(&w, s, n, max_raw, max_out);
    buf[w.len] = '\0';
    return buf;
}

static void escapes(void **state)
{
    assert_string_equal(str("a\"b\\c\n\t\r", 8, 100, 100),
                        "\"a\\\"b\\\\c\\n\\t\\r\"");
    assert_string_equal(str("\x01\x1f\x7f", 3, 100, 100),
                        "\"\\u0001\\u001f\\u007f\"");
    /* Valid multi-byte UTF-8 passes through. */
    assert_string_equal(str("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12, 100, 100),
                        "\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

static void invalid_utf8(void **state)
{
    /* Lone continuation, truncated sequence, overlong, surrogate, > U+10FFFF */
    assert_string_equal(str("a\x80z", 3, 100, 100), "\"a\xef\xbf\xbdz\"");
    assert_string_equal(str("a\xe2\x82", 3, 100, 100),
                        "\"a\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_string_equal(str("\xc0\xaf", 2, 100, 100),
                        "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_string_equal(str("\xed\xa0\x80", 3, 100, 100),
                        "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_string_equal(str("\xf4\x90\x80\x80", 4, 100, 100),
                        "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

static void truncation(void **state)
{
    char big[300];
    const char *out;

    memset(big, 'x', sizeof(big));
    /* Exactly at the limit: no marker. */
    out = str(big, 100, 100, 1000);
    assert_int_equal(strlen(out), 102);
    assert_null(strstr(out, "truncated"));
    /* Over the raw limit: cut, with the marker, within the limit. */
    out = str(big, 300, 100, 1000);
    assert_int_equal(strlen(out) - 2, 100);
    assert_non_null(strstr(out, TM_TRUNC_MARK "\""));
    /* Over the escaped limit (control characters escape to 6 bytes). */
    memset(big, '\x01', sizeof(big));
    out = str(big, 50, 1000, 100);
    assert_true(strlen(out) - 2 <= 100);
    assert_non_null(strstr(out, TM_TRUNC_MARK));
}

static void cut_keeps_characters_whole(void **state)
{
    /* "é" is two bytes: a cut at 3 must not split the second one. */
    assert_int_equal(tm__utf8_cut("a\xc3\xa9\xc3\xa9", 5, 4), 3);
    assert_int_equal(tm__utf8_cut("a\xc3\xa9\xc3\xa9", 5, 5), 5);
    assert_int_equal(tm__utf8_cut("abc", 3, 2), 2);
}

static void overflow_is_sticky_and_bounded(void **state)
{
    struct tm__jw w;
    char small[8];

    tm__jw_init(&w, small, sizeof(small));
    tm__jw_raw(&w, "12345", 5);
    tm__jw_raw(&w, "6789", 4);
    assert_true(w.overflow);
    assert_int_equal(w.len, 5);
    tm__jw_raw(&w, "1", 1);
    assert_int_equal(w.len, 5);
}

static void numbers(void **state)
{
    char out[32];

    out[tm__fmt_i64(out, 0)] = '\0';
    assert_string_equal(out, "0");
    out[tm__fmt_i64(out, -42)] = '\0';
    assert_string_equal(out, "-42");
    out[tm__fmt_i64(out, INT64_MIN)] = '\0';
    assert_string_equal(out, "-9223372036854775808");
    out[tm__fmt_u64(out, UINT64_MAX)] = '\0';
    assert_string_equal(out, "18446744073709551615");
    tm__fmt_hex(out, 0xabcdef0123456789ULL, 16);
    out[16] = '\0';
    assert_string_equal(out, "abcdef0123456789");
}

static void fields(void **state)
{
    struct tm__jw w;

    tm__jw_init(&w, buf, sizeof(buf) - 1);
    TM_JW_LIT(&w, "{\"a\":1");
    tm__jw_field_str(&w, "s", "x\"y", 100, 100);
    tm__jw_field_str(&w, "none", NULL, 100, 100);
    tm__jw_field_str(&w, "cut", "abcdefghijklmnopqrstuvwxyz", 3 + TM_TRUNC_MARK_LEN, 100);
    tm__jw_field_i64(&w, "n", -42);
    tm__jw_char(&w, '}');
    buf[w.len] = '\0';
    assert_string_equal(buf, "{\"a\":1,\"s\":\"x\\\"y\",\"none\":\"\","
                             "\"cut\":\"abc\xe2\x80\xa6[truncated]\",\"n\":-42}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(truncation),
        cmocka_unit_test(cut_keeps_characters_whole),
        cmocka_unit_test(overflow_is_sticky_and_bounded),
        cmocka_unit_test(numbers),
        cmocka_unit_test(fields),
    };
    return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
