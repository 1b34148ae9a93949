/* Unit tests: the ship state file, the rows sent to ClickHouse, and the
 * checks on what the command line passes into a URL or an SQL text. */
#include "unit.h"

#include <cjson/cJSON.h>
#include <fcntl.h>

#include "ch.h"
#include "ship_row.h"
#include "ship_state.h"

static void state_round_trip(void **state)
{
    char *dir = unit_tmpdir(), name[32], why[256];
    struct ship_state s = {1, 2049, 123456, 8192, 77, 0xfedcba9876543210ull, "0123456789abcdef"};
    struct ship_state back, none;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);

    ship_state_name("http://h:8123", "db.t", name);
    assert_int_equal(strlen(name), 21);
    assert_memory_equal(name, "ship-", 5);
    {
        char other[32];
        ship_state_name("http://h:8123", "db.u", other);
        assert_string_not_equal(name, other); /* one state per table */
    }
    assert_int_equal(ship_state_load(dfd, name, &none, why, sizeof(why)), 0);
    assert_int_equal(none.present, 0); /* nothing shipped yet */
    assert_int_equal(ship_state_save(dfd, name, &s, "http://h:8123", "db.t"), 0);
    assert_int_equal(ship_state_load(dfd, name, &back, why, sizeof(why)), 0);
    assert_int_equal(back.present, 1);
    assert_true(back.dev == s.dev && back.ino == s.ino && back.offset == s.offset);
    assert_true(back.seq == 77 && back.tail == s.tail);
    assert_string_equal(back.last, s.last);
    s.last[0] = '\0'; /* no event sent yet: "-" */
    assert_int_equal(ship_state_save(dfd, name, &s, "u", "t"), 0);
    assert_int_equal(ship_state_load(dfd, name, &back, why, sizeof(why)), 0);
    assert_string_equal(back.last, "");
    close(dfd);
    unit_rmdir(dir);
}

static void state_damaged(void **state)
{
    static const char *const bad[] = {
        "dev 1\nino 2\noffset 3\nseq 4\ntail ff\n",             /* no last */
        "dev 1\nino 2\noffset x\nseq 4\ntail ff\nlast -\n",     /* not a number */
        "dev 1\nino 2\noffset 3\nseq 4\ntail ff\nlast -",       /* cut */
        "dev 1\nino 2\noffset 3\nseq 4\ntail ff\nlast -\nbogus 1\n",
        "dev 1\nino 2\noffset -3\nseq 4\ntail ff\nlast -\n",    /* negative */
        "dev 1\nino 2\noffset 99999999999999999999999\nseq 4\ntail ff\nlast -\n",
        "dev 1\nino 2\noffset 3\nseq 4\ntail ff\nlast -\ngarbage\n",
        "dev 1\nino 2\noffset 3\nseq 4\ntail ff\nlast -\nseq 5\n", /* twice */
        "dev 1\nino 2\noffset 3\nseq 4\ntail ff\nlast a b\n",        /* not an id */
        "dev 1\nino 2\noffset 3\nseq 4\ntail ff\nlast \n",
        "",
    };
    char *dir = unit_tmpdir(), why[256];
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    struct ship_state s;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unit_write(dir, "ship-x.state", bad[i], strlen(bad[i]));
        why[0] = '\0';
        assert_int_equal(ship_state_load(dfd, "ship-x", &s, why, sizeof(why)), -1);
        assert_non_null(strstr(why, "damaged"));
        assert_int_equal(s.present, 0);
    }
    /* comments and the url/table lines are for people */
    {
        static const char ok[] = "# note\nurl http://x\ntable t\ndev 1\nino 2\n"
                                 "offset 3\nseq 4\ntail ff\nlast abc\n";
        unit_write(dir, "ship-x.state", ok, sizeof(ok) - 1);
    }
    assert_int_equal(ship_state_load(dfd, "ship-x", &s, why, sizeof(why)), 0);
    assert_true(s.present && s.offset == 3 && s.tail == 0xff);
    close(dfd);
    unit_rmdir(dir);
}

static void state_lock_is_exclusive(void **state)
{
    char *dir = unit_tmpdir();
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    int a = ship_lock(dfd, "ship-x"), b;

    assert_true(a >= 0);
    b = ship_lock(dfd, "ship-x");
    assert_int_equal(b, SHIP_LOCK_BUSY);
    close(a);
    b = ship_lock(dfd, "ship-x");
    assert_true(b >= 0);
    close(b);
    close(dfd);
    unit_rmdir(dir);
}

static void urls_and_tables(void **state)
{
    char why[256];

    assert_int_equal(ch_check_url("http://127.0.0.1:8123", why, sizeof(why)), 0);
    assert_int_equal(ch_check_url("https://ch.example/prefix/", why, sizeof(why)), 0);
    assert_int_equal(ch_check_url("http://u:p@h:8123", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "TELEMETRY_CLICKHOUSE_USER"));
    assert_int_equal(ch_check_url("ftp://h/", why, sizeof(why)), -1);
    assert_int_equal(ch_check_url("http://", why, sizeof(why)), -1);
    assert_int_equal(ch_check_url("http://h/?query=DROP", why, sizeof(why)), -1);
    assert_int_equal(ch_check_url("http://h/ x", why, sizeof(why)), -1);
    /* an '@' after the host is a path, not credentials */
    assert_int_equal(ch_check_url("http://h/a@b", why, sizeof(why)), 0);

    assert_int_equal(ch_check_table("events"), 0);
    assert_int_equal(ch_check_table("tele_metry.events_2"), 0);
    assert_int_equal(ch_check_table("a.b.c"), -1);
    assert_int_equal(ch_check_table("1db.t"), -1);
    assert_int_equal(ch_check_table("db."), -1);
    assert_int_equal(ch_check_table(".t"), -1);
    assert_int_equal(ch_check_table("t; DROP TABLE x"), -1);
    assert_int_equal(ch_check_table("`t`"), -1);
    assert_int_equal(ch_check_table(""), -1);
}

static void targets_and_ids(void **state)
{
    char why[256];

    assert_int_equal(ch_check_target("http://h:1", "db.t", why, sizeof(why)), 0);
    assert_int_equal(ch_check_target("http://u:p@h:1", "db.t", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "credentials"));
    assert_int_equal(ch_check_target("http://h:1", "a.b.c", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "--table 'a.b.c'"));
    assert_true(ship_id_ok("00ff00ff00ff00ff") && ship_id_ok("h0123") && ship_id_ok("-"));
    assert_false(ship_id_ok("") || ship_id_ok("a b") || ship_id_ok("a'b") ||
                 ship_id_ok("x\n"));
    {
        char long_id[SHIP_ID_MAX + 2];
        memset(long_id, 'a', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = '\0';
        assert_false(ship_id_ok(long_id));
        long_id[SHIP_ID_MAX] = '\0';
        assert_true(ship_id_ok(long_id));
    }
}

static void quoting_and_limits(void **state)
{
    struct ch_buf b = {0};

    assert_int_equal(ch_buf_quote(&b, "it's a \\ test"), 0);
    assert_string_equal(b.data, "'it\\'s a \\\\ test'");
    ch_buf_free(&b);
    /* formatted text of any length (a long --repo filter, say) */
    {
        char big[3000];
        memset(big, 'r', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        assert_int_equal(ch_buf_printf(&b, "repo = '%s' AND %d", big, 7), 0);
        assert_int_equal(b.len, strlen(big) + 15);
        assert_string_equal(b.data + b.len - 7, "' AND 7");
        ch_buf_free(&b);
    }
    b.max = 8;
    assert_int_equal(ch_buf_add(&b, "1234567", 7), 0); /* 7 + NUL fits */
    assert_int_equal(ch_buf_add(&b, "8", 1), -1);
    assert_true(b.overflow);
    assert_string_equal(b.data, "1234567"); /* what fitted is intact */
    ch_buf_free(&b);
}

#define EV "{\"timestamp\":\"t\",\"repo\":\"r\",\"agent\":\"a\",\"error_type\":\"E\"," \
           "\"error_message\":\"m\","

static void event_ids(void **state)
{
    /* the id as written by another program: blanks around the colon */
    const char *good = EV "\"telemetry_id\" : \"00ff00ff00ff00ff\",\"x\":1}";
    const char *odd = EV "\"telemetry_id\":\"a b\",\"x\":1}";
    const char *none_line = EV "\"x\":1}";
    static char s1[512], s2[512], s3[512];
    char id[SHIP_ID_MAX + 1], again[SHIP_ID_MAX + 1];
    struct tm__event_view vg, vo, vn;

    assert_int_equal(tm__event_view_parse(good, strlen(good), &vg, s1, sizeof(s1)), 0);
    assert_int_equal(tm__event_view_parse(odd, strlen(odd), &vo, s2, sizeof(s2)), 0);
    assert_int_equal(tm__event_view_parse(none_line, strlen(none_line), &vn, s3, sizeof(s3)), 0);
    ship_event_id(&vg, good, strlen(good), id);
    assert_string_equal(id, "00ff00ff00ff00ff");
    assert_true(ship_line_has_id(&vg, good, strlen(good), id));
    assert_false(ship_line_has_id(&vg, good, strlen(good), "00ff00ff00ff00fe"));
    /* an unusable or missing id: a hash of the line, the same every time */
    ship_event_id(&vo, odd, strlen(odd), id);
    ship_event_id(&vo, odd, strlen(odd), again);
    assert_int_equal(strlen(id), 17);
    assert_int_equal(id[0], 'h');
    assert_string_equal(id, again);
    assert_true(ship_line_has_id(&vo, odd, strlen(odd), id));
    assert_false(ship_line_has_id(&vg, good, strlen(good), id));
    ship_event_id(&vn, none_line, strlen(none_line), again);
    assert_int_equal(again[0], 'h');
    assert_string_not_equal(again, id); /* another line, another hash */
}

/* The row of an event line, parsed back. */
static cJSON *row_of(const char *line, const struct ship_derived *d)
{
    static char scratch[8192], ctx[8192];
    struct tm__event_view v;
    struct ch_buf b = {0};
    cJSON *row;

    assert_int_equal(tm__event_view_parse(line, strlen(line), &v, scratch, sizeof(scratch)), 0);
    assert_int_equal(ship_row(&b, &v, d, "id1", ctx, sizeof(ctx)), 0);
    assert_int_equal(b.data[b.len - 1], '\n');
    assert_null(memchr(b.data, '\n', b.len - 1)); /* one line per row */
    row = cJSON_Parse(b.data);
    assert_non_null(row);
    ch_buf_free(&b);
    return row;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void rows(void **state)
{
    const char *shim =
        "{\"timestamp\":\"2026-11-25T18:42:16.123456Z\",\"repo\":\"r\",\"agent\":\"a\","
        "\"error_type\":\"OSError\",\"error_message\":\"line1\\nline2\","
        "\"context\":{\"operation\":\"open\",\"errno\":2,\"ok\":true},"
        "\"telemetry_id\":\"id1\",\"source\":\"shim\",\"program\":\"git\",\"pid\":42,"
        "\"backtrace\":[\"git+0x1\",\"libc.so.6+0x2\"],\"repeat\":3,\"fatal\":true,"
        "\"exit_status\":128}";
    const char *bare =
        "{\"timestamp\":\"not a time\",\"repo\":\"r\",\"agent\":\"a\","
        "\"error_type\":\"E\",\"error_message\":\"m\",\"pid\":-5}";
    /* written by another program: blanks, nesting, escapes, big numbers */
    const char *other =
        "{ \"timestamp\" : \"2026-11-25T18:42:16Z\", \"repo\":\"r\",\"agent\":\"a\","
        "\"error_type\":\"E\",\"error_message\":\"m\",\"context\": { \"q\\\"k\" : "
        "\"caf\\u00e9\\n\" , \"deep\" : {\"a\": [1, 2]}, \"n\":1e2 } ,"
        "\"repeat\":4294967296,\"exit_status\":-1,\"pid\":12.5}";
    struct ship_derived d = {"0123456789abcdef", "file_not_found", "line<*>",
                             "agent/config.py:7 in load_config",
                             "2026-11-25T18:42:16.123456Z", 9};
    cJSON *row, *a;

    row = row_of(shim, &d);
    assert_string_equal(str(row, "timestamp"), "2026-11-25T18:42:16.123456Z");
    assert_string_equal(str(row, "error_message"), "line1\nline2");
    assert_string_equal(str(row, "context"), "{\"operation\":\"open\",\"errno\":2,\"ok\":true}");
    a = cJSON_GetObjectItemCaseSensitive(row, "context_keys");
    assert_int_equal(cJSON_GetArraySize(a), 3);
    assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "errno");
    a = cJSON_GetObjectItemCaseSensitive(row, "context_values");
    assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "open");
    assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "2");
    assert_string_equal(cJSON_GetArrayItem(a, 2)->valuestring, "true");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(row, "backtrace")), 2);
    assert_true(num(row, "pid") == 42 && num(row, "repeat") == 3 && num(row, "fatal") == 1);
    assert_true(num(row, "exit_status") == 128 && num(row, "seq") == 9);
    assert_string_equal(str(row, "fingerprint"), "0123456789abcdef");
    assert_string_equal(str(row, "category"), "file_not_found");
    assert_string_equal(str(row, "template"), "line<*>");
    assert_string_equal(str(row, "culprit"), "agent/config.py:7 in load_config");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(row, "stack")), 0);
    assert_string_equal(str(row, "order_ts"), "2026-11-25T18:42:16.123456Z");
    assert_string_equal(str(row, "event_date"), "2026-11-25");
    assert_string_equal(str(row, "source"), "shim");
    cJSON_Delete(row);

    /* optional fields absent or out of range: the column defaults */
    row = row_of(bare, &d);
    assert_string_equal(str(row, "context"), "{}");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(row, "context_keys")), 0);
    assert_true(num(row, "pid") == 0 && num(row, "repeat") == 1 && num(row, "fatal") == 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(row, "exit_status")));
    assert_string_equal(str(row, "event_date"), "1970-01-01");
    assert_string_equal(str(row, "source"), "");
    cJSON_Delete(row);

    /* the context as written without blanks; keys and string values
     * decoded, other values in their JSON text */
    row = row_of(other, &d);
    assert_string_equal(str(row, "context"), "{\"q\\\"k\":\"caf\\u00e9\\n\","
                                             "\"deep\":{\"a\":[1,2]},\"n\":1e2}");
    a = cJSON_GetObjectItemCaseSensitive(row, "context_keys");
    assert_int_equal(cJSON_GetArraySize(a), 3);
    assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "q\"k");
    assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "deep");
    a = cJSON_GetObjectItemCaseSensitive(row, "context_values");
    assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "caf\xc3\xa9\n");
    assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "{\"a\":[1,2]}");
    assert_string_equal(cJSON_GetArrayItem(a, 2)->valuestring, "1e2");
    assert_true(num(row, "repeat") == 1 && num(row, "exit_status") == -1);
    assert_true(num(row, "pid") == 12); /* as cJSON's valuedouble cut to an integer */
    cJSON_Delete(row);
}

static void create_statements(void **state)
{
    struct ch_buf db = {0}, tb = {0};

    assert_int_equal(ship_create_sql(&db, &tb, "fleet.events"), 0);
    assert_string_equal(db.data, "CREATE DATABASE IF NOT EXISTS fleet");
    assert_memory_equal(tb.data, "CREATE TABLE IF NOT EXISTS fleet.events (", 41);
    assert_non_null(strstr(tb.data, "ReplacingMergeTree() "));
    assert_non_null(strstr(tb.data, "ORDER BY telemetry_id"));
    ch_buf_free(&db);
    ch_buf_free(&tb);
    assert_int_equal(ship_create_sql(&db, &tb, "events"), 0); /* the user's database */
    assert_int_equal(db.len, 0);
    assert_null(strstr(tb.data, "CREATE DATABASE"));
    ch_buf_free(&db);
    ch_buf_free(&tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_round_trip),
        cmocka_unit_test(state_damaged),
        cmocka_unit_test(state_lock_is_exclusive),
        cmocka_unit_test(urls_and_tables),
        cmocka_unit_test(targets_and_ids),
        cmocka_unit_test(quoting_and_limits),
        cmocka_unit_test(event_ids),
        cmocka_unit_test(rows),
        cmocka_unit_test(create_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
