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

/* The writer's rules one byte at a time, written independently of
 * jsonw.c (no run copying, no early length bound): the reference the
 * writer is compared with on random text. */
static size_t ref_char(const unsigned char *s, size_t n, char *out,
                       size_t *used_in)
{
    static const char hex[] = "0123456789abcdef";
    const char *named = NULL;
    size_t seq;

    *used_in = 1;
    switch (s[0]) {
    case '"': named = "\\\""; break;
    case '\\': named = "\\\\"; break;
    case '\n': named = "\\n"; break;
    case '\r': named = "\\r"; break;
    case '\t': named = "\\t"; break;
    default: break;
    }
    if (named) {
        memcpy(out, named, 2);
        return 2;
    }
    if (s[0] < 0x20 || s[0] == 0x7f) {
        out[0] = '\\', out[1] = 'u', out[2] = '0', out[3] = '0';
        out[4] = hex[s[0] >> 4], out[5] = hex[s[0] & 0xf];
        return 6;
    }
    seq = tm__utf8_seq((const char *)s, n, NULL);
    if (seq == 0) {
        memcpy(out, "\xef\xbf\xbd", 3);
        return 3;
    }
    memcpy(out, s, seq);
    *used_in = seq;
    return seq;
}

static size_t ref_str(char *out, const unsigned char *s, size_t n,
                      size_t max_raw, size_t max_out)
{
    size_t i = 0, total = 0, len = 0, k, c, budget;
    char tmp[8];
    int cut;

    while (i < n) {
        total += ref_char(s + i, n - i, tmp, &c);
        i += c;
    }
    cut = n > max_raw || total > max_out;
    budget = !cut ? max_out
             : max_out > TM_TRUNC_MARK_LEN ? max_out - TM_TRUNC_MARK_LEN : 0;
    if (cut)
        n = tm__utf8_cut((const char *)s, n,
                         max_raw > TM_TRUNC_MARK_LEN ? max_raw - TM_TRUNC_MARK_LEN : 0);
    out[len++] = '"';
    for (i = 0; i < n; i += c) {
        k = ref_char(s + i, n - i, tmp, &c);
        if (len - 1 + k > budget)
            break;
        memcpy(out + len, tmp, k);
        len += k;
    }
    if (cut && max_out >= TM_TRUNC_MARK_LEN) {
        memcpy(out + len, TM_TRUNC_MARK, TM_TRUNC_MARK_LEN);
        len += TM_TRUNC_MARK_LEN;
    }
    out[len++] = '"';
    out[len] = '\0';
    return len;
}

/* Random text (mostly plain ASCII, with quotes, backslashes, controls,
 * valid and broken UTF-8) and random limits: byte for byte the reference. */
static void same_as_reference(void **state)
{
    static const char *pieces[] = {"a", "Zq", " ", "\"", "\\", "\n", "\x01",
                                   "\x7f", "\xc3\xa9", "\xe2\x82\xac",
                                   "\xf0\x9f\x98\x80", "\xc3", "\xff",
                                   "\xed\xa0\x80", "path/to/file.py"};
    unsigned seed = 12345;
    unsigned char in[600];
    char want[4096];

    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0, max_raw, max_out, len;
        int parts;

        seed = seed * 1103515245u + 12345u;
        parts = (int)((seed >> 16) % 60);
        for (int p = 0; p < parts; p++) {
            const char *piece;
            seed = seed * 1103515245u + 12345u;
            piece = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
            len = strlen(piece);
            if (n + len > sizeof(in))
                break;
            memcpy(in + n, piece, len);
            n += len;
        }
        seed = seed * 1103515245u + 12345u;
        max_raw = (seed >> 16) % 200;
        seed = seed * 1103515245u + 12345u;
        max_out = (seed >> 16) % 400;
        len = ref_str(want, in, n, max_raw, max_out);
        assert_string_equal(str((const char *)in, n, max_raw, max_out), want);
        assert_int_equal(strlen(buf), len);
    }
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
        cmocka_unit_test(same_as_reference),
        cmocka_unit_test(cut_keeps_characters_whole),
        cmocka_unit_test(overflow_is_sticky_and_bounded),
        cmocka_unit_test(numbers),
        cmocka_unit_test(fields),
    };
    return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
