/* Unit tests: the allocation-free event line reader. */
#include "unit.h"

#include "event_parse.h"

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
                           "\"backtrace\":[\"git+0x1\",\"libc.so.6+0x2\"],"
                           "\"stack\":[\"agent/config.py:6 in load_config\",7],\"fatal\":true,"
                           "\"extra\":{\"nested\":[1,2.5e3,null,false]}}", &v), 0);
    assert_string_equal(v.error_message, "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(v.category, "disk_full");
    assert_string_equal(v.source, "shim");
    assert_string_equal(v.program, "git");
    assert_int_equal(v.nframes, 2);
    assert_string_equal(v.frames[1], "libc.so.6+0x2");
    assert_int_equal(v.nstack, 1); /* strings only */
    assert_string_equal(v.stack[0], "agent/config.py:6 in load_config");
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
    assert_null(v.telemetry_id);
    assert_null(v.context.p);
    assert_null(v.pid.p);
    assert_null(v.exit_status.p);
}

static int span_is(struct tm__json_span s, const char *text)
{
    return s.p != NULL && s.n == strlen(text) && memcmp(s.p, text, s.n) == 0;
}

static void spans(void **state)
{
    struct tm__event_view v;

    assert_int_equal(parse("{" BASE ",\"error_message\":\"m\",\"telemetry_id\":\"ab\\u0063\","
                           "\"context\": {\"a\" : [1, {}]} ,\"pid\":-12.5e1,"
                           "\"repeat\":7,\"exit_status\":0}", &v), 0);
    assert_string_equal(v.telemetry_id, "abc");
    assert_true(span_is(v.context, "{\"a\" : [1, {}]}"));
    assert_true(span_is(v.pid, "-12.5e1"));
    assert_true(span_is(v.repeat, "7"));
    assert_true(span_is(v.exit_status, "0"));
    /* of another type: absent */
    assert_int_equal(parse("{" BASE ",\"error_message\":\"m\",\"context\":[1],"
                           "\"pid\":\"12\",\"repeat\":null,\"telemetry_id\":5}", &v), 0);
    assert_null(v.context.p);
    assert_null(v.pid.p);
    assert_null(v.repeat.p);
    assert_null(v.telemetry_id);
}

struct seen {
    char text[256];
    int calls, stop_at;
};

static int collect(void *arg, const char *key, size_t klen, const char *val,
                   size_t vlen, int is_string)
{
    struct seen *s = arg;
    size_t n = strlen(s->text);

    assert_int_equal(key[klen], '\0');
    if (is_string)
        assert_int_equal(val[vlen], '\0');
    snprintf(s->text + n, sizeof(s->text) - n, "%.*s=%s%.*s;", (int)klen, key,
             is_string ? "s:" : "", (int)vlen, val);
    return ++s->calls == s->stop_at ? 7 : 0;
}

static void members(void **state)
{
    const char *obj = " {\"k\\\"1\":\"v\\n\\u00e9\", \"n\" : -1.5 ,\"o\":{ \"x\" : [true, \"a b\"] },\"e\":\"\"} ";
    struct tm__json_span s = {obj, strlen(obj)};
    struct seen seen = {"", 0, 0};
    char small[4];

    assert_int_equal(tm__json_members(s, scratch, sizeof(scratch), collect, &seen), 0);
    assert_string_equal(seen.text, "k\"1=s:v\n\xc3\xa9;n=-1.5;o={\"x\":[true,\"a b\"]};e=s:;");
    /* the callback stops the walk with its own result */
    memset(&seen, 0, sizeof(seen));
    seen.stop_at = 2;
    assert_int_equal(tm__json_members(s, scratch, sizeof(scratch), collect, &seen), 7);
    assert_int_equal(seen.calls, 2);
    /* not one object, or no room: -1 */
    memset(&seen, 0, sizeof(seen));
    s.n = strlen(obj) - 3; /* cut */
    assert_int_equal(tm__json_members(s, scratch, sizeof(scratch), collect, &seen), -1);
    s = (struct tm__json_span){"[1]", 3};
    assert_int_equal(tm__json_members(s, scratch, sizeof(scratch), collect, &seen), -1);
    s = (struct tm__json_span){"{} x", 4};
    assert_int_equal(tm__json_members(s, scratch, sizeof(scratch), collect, &seen), -1);
    s = (struct tm__json_span){NULL, 0};
    assert_int_equal(tm__json_members(s, scratch, sizeof(scratch), collect, &seen), -1);
    s = (struct tm__json_span){obj, strlen(obj)};
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(tm__json_members(s, small, sizeof(small), collect, &seen), -1);
    assert_int_equal(seen.calls, 0);
    /* the empty object: no call */
    s = (struct tm__json_span){"{ }", 3};
    assert_int_equal(tm__json_members(s, small, sizeof(small), collect, &seen), 0);
    assert_int_equal(seen.calls, 0);
}

/* Issue 11: a \u0000 is kept as its visible escape, the text after it too
 * (it cut the message); a timestamp that is no time is no event for the
 * readers (it became window.until). */
static void nul_and_odd_time(void **state)
{
    struct tm__event_view v;
    const char *odd = "{\"timestamp\":\"zzzz\",\"repo\":\"r\",\"agent\":\"a\","
                      "\"error_type\":\"T\",\"error_message\":\"m\"}";
    const char *good = "{" BASE ",\"error_message\":\"m\",\"repeat\":97}";

    assert_int_equal(parse("{" BASE ",\"error_message\":\"a\\u0000b\"}", &v), 0);
    assert_string_equal(v.error_message, "a\\u0000b");
    assert_int_equal(tm__event_view_parse(odd, strlen(odd), &v, scratch, sizeof(scratch)), 0);
    assert_int_equal(tm__event_read(odd, strlen(odd), &v, scratch, sizeof(scratch)), -1);
    assert_int_equal(tm__event_read(good, strlen(good), &v, scratch, sizeof(scratch)), 0);
    assert_int_equal(v.repeat.n, 2);
}

static void compact(void **state)
{
    const char *in = " { \"a b\" : \"x  y\\\" z\\\\\" ,\n\t\"n\" : [ 1 , 2.5e3 ] , \"o\":{ } } ";
    char out[128];
    size_t n = tm__json_compact((struct tm__json_span){in, strlen(in)}, out);

    assert_int_equal(n, strlen("{\"a b\":\"x  y\\\" z\\\\\",\"n\":[1,2.5e3],\"o\":{}}"));
    assert_memory_equal(out, "{\"a b\":\"x  y\\\" z\\\\\",\"n\":[1,2.5e3],\"o\":{}}", n);
}

/* Plain bytes are scanned 8 at a time: an escape, a quote or a control
 * character at every offset of a message is still seen where it is. */
/* In place: the same view as a copying parse; a field without an escape
 * points into the line, one with an escape into the scratch; the context's
 * span keeps its bytes. */
static void in_place(void **state)
{
    static const char text[] =
        "{" BASE ",\"error_message\":\"a\\\"b\",\"program\":\"git\","
        "\"context\":{\"category\":\"disk_full\",\"errno\":\"ENOSPC\"},\"repeat\":3}";
    char line[sizeof(text)], other[8192];
    struct tm__event_view v, w;

    memcpy(line, text, sizeof(text));
    assert_int_equal(tm__event_read_inplace(line, sizeof(text) - 1, &v, other, sizeof(other)), 0);
    assert_int_equal(parse(text, &w), 0);
    assert_string_equal(v.program, w.program);
    assert_string_equal(v.error_message, "a\"b");
    assert_string_equal(v.repo, "r");
    assert_string_equal(v.category, "disk_full");
    assert_string_equal(v.errno_name, "ENOSPC");
    assert_true(v.program > line && v.program < line + sizeof(line));
    assert_true(v.error_message >= other && v.error_message < other + sizeof(other));
    assert_int_equal(v.context.n, w.context.n);
    assert_memory_equal(v.context.p, w.context.p, v.context.n);
    assert_int_equal(v.repeat.n, 1);
    /* a line cut before its end is no event, in place or not */
    memcpy(line, text, sizeof(text));
    assert_int_equal(tm__event_read_inplace(line, sizeof(text) - 2, &v, other, sizeof(other)), -1);
    assert_int_equal(tm__event_read(text, sizeof(text) - 2, &w, scratch, sizeof(scratch)), -1);
}

static void special_byte_at_every_offset(void **state)
{
    static const struct {
        const char *in, *out; /* out NULL: not an event */
    } specials[] = {
        {"\\\"", "\""}, {"\\\\", "\\"}, {"\\n", "\n"}, {"\\u00e9", "\xc3\xa9"},
        {"\xc3\xa9", "\xc3\xa9"}, {"\x7f", "\x7f"}, {"\n", NULL}, {"\x1f", NULL},
        {"\t", NULL}, {"\"", NULL},
    };
    struct tm__event_view v;

    for (size_t k = 0; k < sizeof(specials) / sizeof(*specials); k++)
        for (int at = 0; at < 40; at++) {
            char line[256], want[128];
            int n = snprintf(line, sizeof(line), "{" BASE ",\"error_message\":\"%.*s%s%.*s\"}",
                             at, "abcdefghijklmnopqrstuvwxyz0123456789ABCD", specials[k].in,
                             17, "/tmp/x y_z.py:1:2");
            assert_true(n > 0 && (size_t)n < sizeof(line));
            if (specials[k].out == NULL) {
                assert_int_equal(parse(line, &v), -1);
                continue;
            }
            snprintf(want, sizeof(want), "%.*s%s%.*s", at,
                     "abcdefghijklmnopqrstuvwxyz0123456789ABCD", specials[k].out, 17,
                     "/tmp/x y_z.py:1:2");
            assert_int_equal(parse(line, &v), 0);
            assert_string_equal(v.error_message, want);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_escapes),
        cmocka_unit_test(not_events),
        cmocka_unit_test(minimal_event),
        cmocka_unit_test(spans),
        cmocka_unit_test(members),
        cmocka_unit_test(compact),
        cmocka_unit_test(nul_and_odd_time),
        cmocka_unit_test(special_byte_at_every_offset),
        cmocka_unit_test(in_place),
    };
    return cmocka_run_group_tests_name("jsonl", tests, NULL, NULL);
}
