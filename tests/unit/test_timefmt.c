/* Unit tests: timestamps without libc time functions. */
#include "unit.h"

#include <time.h>

#include "telemetry.h"
#include "timefmt.h"

static void format_matches_gmtime(void **state)
{
    static const int64_t samples[] = {0, 951782400 /* 2000-02-29 */,
                                      1767225599, 4102444800, 1732555336};
    char out[TM_TS_SIZE], want[64];

    for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
        time_t t = (time_t)samples[i];
        struct tm tmv;
        gmtime_r(&t, &tmv);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.000123Z", &tmv);
        tm__ts_format(samples[i], 123, out);
        assert_string_equal(out, want);
    }
}

static void bounds(void **state)
{
    char out[TM_TS_SIZE];
    int64_t now = 1764096000; /* 2025-11-25T18:40:00Z */

    assert_int_equal(tm__ts_parse_bound("24h", now, out), 0);
    assert_string_equal(out, "2025-11-24T18:40:00.000000Z");
    assert_int_equal(tm__ts_parse_bound("7d", now, out), 0);
    assert_string_equal(out, "2025-11-18T18:40:00.000000Z");
    assert_int_equal(tm__ts_parse_bound("30m", now, out), 0);
    assert_string_equal(out, "2025-11-25T18:10:00.000000Z");
    assert_int_equal(tm__ts_parse_bound("2026-11-25", now, out), 0);
    assert_string_equal(out, "2026-11-25T00:00:00.000000Z");
    assert_int_equal(tm__ts_parse_bound("2026-11-25T18:42:16.5Z", now, out), 0);
    assert_string_equal(out, "2026-11-25T18:42:16.500000Z");
    assert_int_equal(tm__ts_parse_bound("2026-11-25T18:42", now, out), 0);
    assert_string_equal(out, "2026-11-25T18:42:00.000000Z");
    /* UTC offsets after a time: the same instant in UTC */
    assert_int_equal(tm__ts_parse_bound("2026-11-25T19:42:16+01:00", now, out), 0);
    assert_string_equal(out, "2026-11-25T18:42:16.000000Z");
    assert_int_equal(tm__ts_parse_bound("2026-11-25T13:12:16.25-0530", now, out), 0);
    assert_string_equal(out, "2026-11-25T18:42:16.250000Z");
    assert_int_equal(tm__ts_parse_bound("2026-11-26T01:00+07", now, out), 0);
    assert_string_equal(out, "2026-11-25T18:00:00.000000Z");
    assert_int_equal(tm__ts_parse_bound("2026-01-01T00:30:00+01:00", now, out), 0);
    assert_string_equal(out, "2025-12-31T23:30:00.000000Z");
}

static void bad_bounds(void **state)
{
    char out[TM_TS_SIZE];
    static const char *const bad[] = {"", "h", "24", "24x", "-5d", "24hh",
                                      "2026-13-01", "2026-02-30", "2026-11-25T25:00",
                                      "2026-11-25X", "99999999999999d", "2026-1-1",
                                      "2026-11-25+01:00", "2026-11-25T18:00+1",
                                      "2026-11-25T18:00+01:", "2026-11-25T18:00+24:00",
                                      "2026-11-25T18:00+01:60", "2026-11-25T18:00Z+01",
                                      "2026-11-25T18:00+01:00x"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_int_equal(tm__ts_parse_bound(bad[i], 0, out), TM_ETIME);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_matches_gmtime),
        cmocka_unit_test(bounds),
        cmocka_unit_test(bad_bounds),
    };
    return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
