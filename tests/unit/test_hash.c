/* Unit tests: private repo detection and keyed hashing (README "Privacy"). */
#include "unit.h"

#include "hash.h"
#include "telemetry.h"

static void private_detection(void **state)
{
    assert_true(tm__repo_is_private("acme-PRIVATE-api", NULL, 0));
    assert_true(tm__repo_is_private("internal-tools", "foo, internal-*", 0));
    assert_false(tm__repo_is_private("public-site", "foo,internal-*", 0));
    assert_true(tm__repo_is_private("anything", NULL, 1));
    assert_false(tm__repo_is_private("12-factor-agents", "", 0));
}

static void key_file_created_once(void **state)
{
    char *dir = unit_tmpdir(), path[512];
    unsigned char k1[TM_HASH_KEY_BYTES], k2[TM_HASH_KEY_BYTES];
    struct stat st;

    assert_int_equal(tm__hash_key_load(dir, NULL, k1), 0);
    snprintf(path, sizeof(path), "%s/.hash_key", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, TM_HASH_KEY_BYTES);
    assert_int_equal(tm__hash_key_load(dir, NULL, k2), 0);
    assert_memory_equal(k1, k2, sizeof(k1));
    unit_rmdir(dir);
}

static void keyed_hash(void **state)
{
    unsigned char a[TM_HASH_KEY_BYTES], b[TM_HASH_KEY_BYTES];
    char h1[13], h2[13], h3[13];

    assert_int_equal(tm__hash_key_load(NULL, "fleet-key", a), 0);
    assert_int_equal(tm__hash_key_load(NULL, "other-key", b), 0);
    tm__repo_hash(a, "acme-private", h1);
    tm__repo_hash(a, "acme-private", h2);
    tm__repo_hash(b, "acme-private", h3);
    assert_int_equal(strlen(h1), 12);
    assert_string_equal(h1, h2);          /* stable under one key */
    assert_string_not_equal(h1, h3);      /* another key, another name */
    for (int i = 0; i < 12; i++)
        assert_non_null(strchr("0123456789abcdef", h1[i]));
}

static void key_file_must_be_ours(void **state)
{
    char *dir = unit_tmpdir(), path[512];
    unsigned char k[TM_HASH_KEY_BYTES];
    FILE *f;

    /* A short (tampered) key file is refused, not silently used. */
    snprintf(path, sizeof(path), "%s/.hash_key", dir);
    f = fopen(path, "w");
    fputs("short", f);
    fclose(f);
    assert_int_equal(tm__hash_key_load(dir, NULL, k), TM_EKEY);
    unit_rmdir(dir);
}

static void fingerprint_hash_is_stable(void **state)
{
    /* Fingerprints must agree across machines and versions. */
    assert_true(tm__hash64("abc", 3) == tm__hash64("abc", 3));
    assert_true(tm__hash64("abc", 3) != tm__hash64("abd", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(private_detection),
        cmocka_unit_test(key_file_created_once),
        cmocka_unit_test(keyed_hash),
        cmocka_unit_test(key_file_must_be_ours),
        cmocka_unit_test(fingerprint_hash_is_stable),
    };
    return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
