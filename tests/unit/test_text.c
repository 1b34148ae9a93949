/* Unit tests: the CLI's printer of log text (issue 11: escape sequences
 * from a log reached the terminal raw). */
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

#include "cli.h"

static const char *shown(const char *s, size_t width)
{
    static char out[256];
    size_t n = cli_text(out, sizeof(out), s, width);

    assert_int_equal(n, strlen(out));
    assert_true(cli_text_cols(out) <= width); /* columns, not bytes */
    return out;
}

static void controls_escaped(void **state)
{
    /* OSC title, BEL, CSI clear screen */
    assert_string_equal(shown("evil\x1b]0;pwned\x07\x1b[2J", 100),
                        "evil\\x1b]0;pwned\\x07\\x1b[2J");
    assert_string_equal(shown("a\tb\nc\rd\x7f", 100), "a\\x09b\\x0ac\\x0dd\\x7f");
    /* C1 CSI as UTF-8, and as a raw byte (not UTF-8) */
    assert_string_equal(shown("x\xc2\x9b" "31m", 100), "x\\u009b31m");
    assert_string_equal(shown("x\x9by", 100), "x\\x9by");
    /* bidi override, isolate, line separator */
    assert_string_equal(shown("a\xe2\x80\xae" "b\xe2\x81\xa6" "c\xe2\x80\xa8", 100),
                        "a\\u202eb\\u2066c\\u2028");
    /* overlong and surrogate encodings are no UTF-8 */
    assert_string_equal(shown("\xc0\xaf\xed\xa0\x80", 100),
                        "\\xc0\\xaf\\xed\\xa0\\x80");
}

static void text_kept(void **state)
{
    assert_string_equal(shown("plain \\x1b text", 100), "plain \\x1b text");
    assert_string_equal(shown("\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", 100),
                        "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80");
    assert_string_equal(shown(NULL, 10), "");
}

static void cut_on_a_unit(void **state)
{
    /* an escape is never cut in half; the cut ends in "..." */
    assert_string_equal(shown("abcdefghij", 10), "abcdefghij");
    assert_string_equal(shown("abcdefghijk", 10), "abcdefg...");
    assert_string_equal(shown("abcde\x1b" "fghij", 10), "abcde...");
    /* a character is one column, whatever its bytes; an escape one a byte */
    assert_string_equal(shown("ab\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 6),
                        "ab\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    assert_string_equal(shown("ab\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 5), "ab...");
    assert_string_equal(shown("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9xy", 5), "\xc3\xa9\xc3\xa9...");
    assert_int_equal(cli_text_cols("\xc3\xa9t\x1b"), 6);
    assert_string_equal(shown("abcdef", 2), ""); /* no room even for "..." */
}

/* The table width: COLUMNS when a positive number (never under the
 * minimum), else the terminal's, else 80 (the tests' stdout is no
 * terminal when run by make). */
static void table_width(void **state)
{
    (void)state;
    setenv("COLUMNS", "132", 1);
    assert_int_equal(cli_width(), 132);
    setenv("COLUMNS", "3", 1);
    assert_int_equal(cli_width(), CLI_WIDTH_MIN);
    if (!isatty(STDOUT_FILENO)) {
        setenv("COLUMNS", "-5", 1);
        assert_int_equal(cli_width(), 80);
        setenv("COLUMNS", "12x", 1);
        assert_int_equal(cli_width(), 80);
        unsetenv("COLUMNS");
        assert_int_equal(cli_width(), 80);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(controls_escaped),
        cmocka_unit_test(text_kept),
        cmocka_unit_test(cut_on_a_unit),
        cmocka_unit_test(table_width),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
