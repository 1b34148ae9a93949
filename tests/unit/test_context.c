/* Unit tests: the context allow-list (README "Privacy"). */
#include "unit.h"

#include "context.h"
#include "telemetry.h"

static struct tm__ctx_buf buf;

static cJSON *filter(const char *json, const char *extra)
{
    cJSON *in = cJSON_Parse(json);
    assert_non_null(in);
    assert_int_equal(tm__ctx_filter(in, extra, &buf), 0);
    cJSON *out = tm__ctx_to_json(&buf);
    assert_non_null(out);
    cJSON_Delete(in);
    return out;
}

static char *filter_text(const char *json, const char *extra)
{
    cJSON *o = filter(json, extra);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void original_criterion(void **state)
{
    char *s = filter_text("{\"secret\": \"hide_me\", \"operation\": \"test\"}", NULL);
    assert_string_equal(s, "{\"operation\":\"test\"}");
    free(s);
}

static void allow_list_order_and_types(void **state)
{
    char *s = filter_text(
        "{\"category\":\"x\",\"duration_ms\":12.5,\"unknown\":1,"
        "\"retry_count\":3,\"operation\":\"open\",\"file_type\":null,"
        "\"flags\":true,\"errno\":{\"a\":1},\"syscall\":[1,2]}",
        NULL);
    assert_string_equal(s, "{\"operation\":\"open\",\"file_type\":null,"
                           "\"retry_count\":3,\"duration_ms\":12.5,"
                           "\"flags\":true,\"category\":\"x\"}");
    free(s);
}

static void extra_keys_but_never_sensitive(void **state)
{
    char *s = filter_text(
        "{\"model\":\"gpt\",\"api_key\":\"x\",\"step\":2,\"sessionName\":\"a\","
        "\"operation\":\"o\",\"monkey\":1}",
        " step , model,api_key,sessionName,monkey");
    /* built-in first, then TELEMETRY_CONTEXT_KEYS order; api_key,
     * sessionName (session) and monkey (key) are never kept. */
    assert_string_equal(s, "{\"operation\":\"o\",\"step\":2,\"model\":\"gpt\"}");
    free(s);
}

static void strings_sanitized_and_cut(void **state)
{
    char json[2000];
    char long_val[1001];

    memset(long_val, 'v', 1000);
    long_val[1000] = '\0';
    snprintf(json, sizeof(json),
             "{\"operation\":\"read /home/alice/x user@example.com\","
             "\"file_type\":\"%s\"}", long_val);
    cJSON *o = filter(json, NULL);
    assert_string_equal(cJSON_GetObjectItem(o, "operation")->valuestring,
                        "read /home/***/x ***EMAIL***");
    assert_int_equal(strlen(cJSON_GetObjectItem(o, "file_type")->valuestring),
                     TM_CTX_VALUE_MAX);
    cJSON_Delete(o);
}

static void non_object_is_empty(void **state)
{
    char *s = filter_text("[1,2]", NULL);
    assert_string_equal(s, "{}");
    free(s);
    assert_int_equal(tm__ctx_filter(NULL, NULL, &buf), 0);
    assert_int_equal(buf.n, 0);
}

static void sensitive_terms(void **state)
{
    static const char *const bad[] = {"Authorization", "x_token", "SECRET",
                                      "pwd", "jwt", "cookie", "csrf_x",
                                      "credentials", "sid", "bearer"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_int_equal(tm__ctx_key_rank(bad[i], bad[i]), -1);
    assert_int_equal(tm__ctx_key_rank("operation", NULL), 0);
}

static void public_api(void **state)
{
    cJSON *in = cJSON_Parse("{\"password\":\"p\",\"operation\":\"x\"}");
    cJSON *out = tm_sanitize_context(NULL, in);
    char *s = cJSON_PrintUnformatted(out);
    assert_string_equal(s, "{\"operation\":\"x\"}");
    free(s);
    cJSON_Delete(out);
    cJSON_Delete(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(original_criterion),
        cmocka_unit_test(allow_list_order_and_types),
        cmocka_unit_test(extra_keys_but_never_sensitive),
        cmocka_unit_test(strings_sanitized_and_cut),
        cmocka_unit_test(non_object_is_empty),
        cmocka_unit_test(sensitive_terms),
        cmocka_unit_test(public_api),
    };
    return cmocka_run_group_tests_name("context", tests, NULL, NULL);
}
