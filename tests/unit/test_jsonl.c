/* Unit tests: the allocation-free event line reader. */
#include "unit.h"

#include "jsonl.h"

static char scratch[8192];

static int parse(const char *line, struct tm__event_view *v)
{
    return tm__event_view_parse(line, strlen(line), v, scratch, sizeof(scratch));
}

#define BASE "\"timestamp\":\"2026-11-25T00:00:00.000000Z\",\"repo\":\"r\",\"agent\":\"a\"," \
             "\"error_type\":\"T\""

static void fields_and_escapes(void **state)
{
    struct tm__event_view v;

    assert_int_equal(parse("{" BASE ",\"error_message\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\","
                           "\"context\":{\"operation\":\"open\",\"category\":\"disk_full\"},"
                           "\"source\":\"shim\",\"program\":\"git\",\"pid\":12,"
                           "\"backtrace\":[\"git+0x1\",\"libc.so.6+0x2\"],\"fatal\":true,"
                           "\"extra\":{\"nested\":[1,2.5e3,null,false]}}", &v), 0);
    assert_string_equal(v.error_message, "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(v.category, "disk_full");
    assert_string_equal(v.source, "shim");
    assert_string_equal(v.program, "git");
    assert_int_equal(v.nframes, 2);
    assert_string_equal(v.frames[1], "libc.so.6+0x2");
    assert_int_equal(v.fatal, 1);
}

static void not_events(void **state)
{
    struct tm__event_view v;
    char deep[512];

    assert_int_equal(parse("", &v), -1);
    assert_int_equal(parse("[1,2]", &v), -1);
    assert_int_equal(parse("{" BASE "}", &v), -1);                          /* no message */
    assert_int_equal(parse("{" BASE ",\"error_message\":5}", &v), -1);       /* not a string */
    assert_int_equal(parse("{" BASE ",\"error_message\":\"m\"} x", &v), -1); /* trailing text */
    assert_int_equal(parse("{" BASE ",\"error_message\":\"m\"", &v), -1);    /* cut */
    assert_int_equal(parse("{" BASE ",\"error_message\":\"m\",}", &v), -1); /* trailing comma */
    assert_int_equal(parse("{" BASE ",\"error_message\":\"m\\x\"}", &v), -1); /* bad escape */
    assert_int_equal(parse("{" BASE ",\"error_message\":\"m\",\"n\":01}", &v), -1);
    snprintf(deep, sizeof(deep), "{" BASE ",\"error_message\":\"m\",\"x\":%s1%s}",
             "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    assert_int_equal(parse(deep, &v), -1); /* deeper than 32 */
}

static void minimal_event(void **state)
{
    struct tm__event_view v;

    assert_int_equal(parse(" {" BASE ",\"error_message\":\"m\"} ", &v), 0);
    assert_null(v.category);
    assert_int_equal(v.fatal, -1);
    assert_int_equal(v.nframes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_escapes),
        cmocka_unit_test(not_events),
        cmocka_unit_test(minimal_event),
    };
    return cmocka_run_group_tests_name("jsonl", tests, NULL, NULL);
}
