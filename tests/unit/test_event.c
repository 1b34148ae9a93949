/* Unit tests: event ids and the one-line encoder (README "Event format"). */
#include "unit.h"

#include <cjson/cJSON.h>

#include "event.h"
#include "jsonw.h"

static char line[TM_LINE_MAX];

static cJSON *encode(const struct tm__event *ev, size_t *len)
{
    *len = tm__event_encode(ev, line);
    assert_true(*len <= TM_LINE_MAX);
    assert_int_equal(line[*len - 1], '\n');
    assert_null(memchr(line, '\n', *len - 1));
    cJSON *o = cJSON_ParseWithLength(line, *len);
    assert_non_null(o);
    return o;
}

static void base_event(struct tm__event *ev)
{
    tm__event_init(ev);
    ev->repo = "repo";
    ev->agent = "agent";
    ev->error_type = "OSError";
    ev->message = "boom";
    ev->message_len = 4;
}

/* base_event with a message of mlen bytes, 16 backtrace frames and a stack
 * of nstack entries. */
static void long_event(struct tm__event *ev, const char *msg, size_t mlen,
                       const char **frames, const char **stack, int nstack)
{
    base_event(ev);
    ev->message = msg;
    ev->message_len = mlen;
    ev->frames = frames;
    ev->nframes = TM_FRAMES_MAX;
    ev->stack = stack;
    ev->nstack = nstack;
}

static void key_order(void **state)
{
    struct tm__event ev;
    struct tm__ctx_item ctx[2] = {{"operation", TM_CTX_STR, "open", 4},
                                  {"retry_count", TM_CTX_RAW, "3", 1}};
    const char *frames[] = {"libc.so.6+0x1234", "git!main+0x10"};
    const char *stack[] = {"agent/config.py:6 in load_config"};
    static const char *const keys[] = {
        "timestamp", "repo", "agent", "error_type", "error_message", "context",
        "telemetry_id", "source", "program", "pid", "backtrace", "stack", "repeat",
        "fatal", "exit_status", "fingerprint"};
    size_t len, k = 0;
    cJSON *o, *it;

    base_event(&ev);
    ev.ctx = ctx;
    ev.nctx = 2;
    ev.source = "shim";
    ev.program = "git";
    ev.frames = frames;
    ev.nframes = 2;
    ev.stack = stack;
    ev.nstack = 1;
    ev.fingerprint = "0123456789abcdef";
    ev.flags = TM_EV_PID | TM_EV_REPEAT | TM_EV_FATAL | TM_EV_EXIT;
    ev.pid = 42;
    ev.repeat = 5;
    ev.fatal = 1;
    ev.exit_status = 128;
    o = encode(&ev, &len);
    cJSON_ArrayForEach(it, o) {
        assert_true(k < sizeof(keys) / sizeof(*keys));
        assert_string_equal(it->string, keys[k++]);
    }
    assert_int_equal(k, sizeof(keys) / sizeof(*keys));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "context"),
                                         "retry_count")->valueint, 3);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "fatal")));
    cJSON_Delete(o);
}

static void minimal_event_has_empty_context(void **state)
{
    struct tm__event ev;
    size_t len;

    base_event(&ev);
    cJSON *o = encode(&ev, &len);
    assert_int_equal(cJSON_GetArraySize(o), 7);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "context")), 0);
    cJSON_Delete(o);
}

static void timestamp_and_id_format(void **state)
{
    struct tm__event ev;
    const char *ts;

    base_event(&ev);
    ts = ev.timestamp;
    assert_int_equal(strlen(ts), 27);
    assert_true(ts[4] == '-' && ts[10] == 'T' && ts[19] == '.' && ts[26] == 'Z');
    assert_int_equal(strlen(ev.id), 16);
    for (int i = 0; i < 16; i++)
        assert_non_null(strchr("0123456789abcdef", ev.id[i]));
}

static void ids_are_unique(void **state)
{
    enum { N = 20000 };
    char (*ids)[TM_ID_SIZE] = malloc(N * TM_ID_SIZE);

    for (int i = 0; i < N; i++)
        tm__id_new(ids[i]);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < i + 50 && j < N; j++)
            assert_string_not_equal(ids[i], ids[j]);
    free(ids);
}

/* Over-long fields are cut with the marker; the line never passes 8 KiB,
 * however large and however escape-heavy the input. */
static void oversized_fields(void **state)
{
    struct tm__event ev;
    size_t big = 100000, len;
    char *msg = malloc(big), *agent = malloc(1000);
    struct tm__ctx_item ctx[TM_CTX_MAX];
    const char *frames[TM_FRAMES_MAX];
    cJSON *o;

    memset(msg, '\x01', big);  /* escapes to 6 bytes each */
    memset(agent, 'a', 1000);
    agent[999] = '\0';
    for (int i = 0; i < TM_CTX_MAX; i++) {
        ctx[i].key = "operation";
        ctx[i].kind = TM_CTX_STR;
        ctx[i].val = msg;
        ctx[i].len = 2000;
    }
    for (int i = 0; i < TM_FRAMES_MAX; i++)
        frames[i] = agent;
    long_event(&ev, msg, big, frames, frames, TM_FRAMES_MAX);
    ev.agent = agent;
    ev.ctx = ctx;
    ev.nctx = TM_CTX_MAX;
    ev.source = "shim";
    ev.flags = TM_EV_PID;
    ev.pid = 1;
    o = encode(&ev, &len);
    assert_true(len <= TM_LINE_MAX);
    assert_non_null(strstr(cJSON_GetObjectItem(o, "error_message")->valuestring,
                           TM_TRUNC_MARK));
    assert_true(strlen(cJSON_GetObjectItem(o, "agent")->valuestring) <= TM_AGENT_MAX);
    /* The required keys are all there, and the id survived. */
    assert_string_equal(cJSON_GetObjectItem(o, "telemetry_id")->valuestring, ev.id);
    assert_int_equal(cJSON_GetObjectItem(o, "pid")->valueint, 1);
    cJSON_Delete(o);

    /* A plain long message: at most 2,048 bytes, ending with the marker. */
    memset(msg, 'm', big);
    base_event(&ev);
    ev.message = msg;
    ev.message_len = big;
    o = encode(&ev, &len);
    const char *m = cJSON_GetObjectItem(o, "error_message")->valuestring;
    assert_int_equal(strlen(m), TM_MESSAGE_MAX);
    assert_string_equal(m + strlen(m) - TM_TRUNC_MARK_LEN, TM_TRUNC_MARK);
    cJSON_Delete(o);
    free(msg);
    free(agent);
}

/* Repeated entries (a recursion's frames) are encoded as the first one,
 * escapes included, and a list of distinct ones as before. */
static void repeated_entries(void **state)
{
    struct tm__event ev;
    const char *stack[] = {"a\"b\x01 in f", "a\"b\x01 in f", "c", "c", "c",
                           "a\"b\x01 in f", "d"};
    size_t len;
    cJSON *o;

    (void)state;
    base_event(&ev);
    ev.stack = stack;
    ev.nstack = 7;
    o = encode(&ev, &len);
    assert_non_null(strstr(line, "\"stack\":[\"a\\\"b\\u0001 in f\",\"a\\\"b\\u0001 in f\","
                                 "\"c\",\"c\",\"c\",\"a\\\"b\\u0001 in f\",\"d\"]"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "stack")), 7);
    cJSON_Delete(o);
}

/* A list whose opening (,"stack":[) does not fit after the fields before
 * it is left out whole: its closing ']' was written alone, and the line
 * was not JSON (an adversarial review's fuzzing).  Messages and frames of
 * quotes (each escapes to two bytes) at lengths around the line's limit. */
static void list_opening_cut(void **state)
{
    static char msg[3000], fr[200];
    const char *frames[TM_FRAMES_MAX], *stack[] = {"a.py:1 in f"};
    struct tm__event ev;
    size_t len;

    (void)state;
    for (int i = 0; i < TM_FRAMES_MAX; i++)
        frames[i] = fr;
    memset(msg, '"', sizeof(msg));
    for (size_t flen = 100; flen < 140; flen++) {
        memset(fr, '"', flen);
        fr[flen] = '\0';
        for (size_t mlen = 1500; mlen < sizeof(msg); mlen++) {
            long_event(&ev, msg, mlen, frames, stack, 1);
            cJSON_Delete(encode(&ev, &len)); /* asserts it parses */
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_order),
        cmocka_unit_test(minimal_event_has_empty_context),
        cmocka_unit_test(timestamp_and_id_format),
        cmocka_unit_test(ids_are_unique),
        cmocka_unit_test(oversized_fields),
        cmocka_unit_test(repeated_entries),
        cmocka_unit_test(list_opening_cut),
    };
    return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
