/* Unit tests: the privacy scrubber (README, "Privacy"), data-driven from
 * tests/fixtures/sanitize.tsv plus properties over all of its cases. */
#include "unit.h"

#include <locale.h>

#include "sanitize.h"
#include "telemetry.h"

struct tcase {
    char *in, *want;
    size_t in_len, want_len;
    int line;
};

static struct tcase cases[512];
static int ncases;

static size_t unescape(const char *s, char *out)
{
    size_t n = 0;

    for (; *s; s++) {
        if (*s != '\\' || s[1] == '\0') {
            out[n++] = *s;
            continue;
        }
        s++;
        switch (*s) {
        case 't': out[n++] = '\t'; break;
        case 'n': out[n++] = '\n'; break;
        case '\\': out[n++] = '\\'; break;
        case 'x': {
            char hex[3] = {s[1], s[2], 0};
            out[n++] = (char)strtol(hex, NULL, 16);
            s += 2;
            break;
        }
        default: out[n++] = '\\'; out[n++] = *s;
        }
    }
    out[n] = '\0';
    return n;
}

static int load_cases(void **state)
{
    char path[1024], line[4096];
    const char *dir = getenv("TM_FIXTURES");
    FILE *f;
    int lineno = 0;

    snprintf(path, sizeof(path), "%s/sanitize.tsv", dir ? dir : "tests/fixtures");
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *tab, *nl;
        lineno++;
        if ((nl = strchr(line, '\n')) != NULL)
            *nl = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        assert_true(ncases < 512);
        cases[ncases].in = malloc(strlen(line) + 1);
        cases[ncases].want = malloc(strlen(tab + 1) + 1);
        cases[ncases].in_len = unescape(line, cases[ncases].in);
        cases[ncases].want_len = unescape(tab + 1, cases[ncases].want);
        cases[ncases].line = lineno;
        ncases++;
    }
    fclose(f);
    assert_true(ncases > 50);
    (void)state;
    return 0;
}

static int free_cases(void **state)
{
    for (int i = 0; i < ncases; i++) {
        free(cases[i].in);
        free(cases[i].want);
    }
    (void)state;
    return 0;
}

static char *scrub(const char *s, size_t n)
{
    char *out = tm__scrub_dup(s, n);
    assert_non_null(out);
    return out;
}

static int run_table(void)
{
    int bad = 0;

    for (int i = 0; i < ncases; i++) {
        char *got = scrub(cases[i].in, cases[i].in_len);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("sanitize.tsv:%d\n  in:   %s\n  want: %s\n  got:  %s\n",
                        cases[i].line, cases[i].in, cases[i].want, got);
            bad++;
        }
        free(got);
    }
    return bad;
}

static void table_c_locale(void **state)
{
    setlocale(LC_ALL, "C");
    assert_int_equal(run_table(), 0);
}

/* TRE under a UTF-8 locale fails a match on one invalid byte; the scrubber
 * matches in the C locale whatever the caller's locale is. */
static void table_utf8_locale(void **state)
{
    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        skip();
    assert_int_equal(run_table(), 0);
    setlocale(LC_ALL, "C");
}

/* Scrubbing is idempotent: a marker is never matched again. */
static void idempotent(void **state)
{
    for (int i = 0; i < ncases; i++) {
        char *once = scrub(cases[i].in, cases[i].in_len);
        char *twice = scrub(once, strlen(once));
        assert_string_equal(once, twice);
        free(once);
        free(twice);
    }
}

static void secrets_never_survive(void **state)
{
    static const char *const secrets[] = {
        "sk-1234567890abcdef", "user@example.com", "hunter2", "S3cret",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "10.1.2.3", "john"};
    char text[1024];

    snprintf(text, sizeof(text),
             "Token %s for %s pass: https://a:%s@h/ mysql -p%s %s at %s in "
             "/Users/%s/x",
             secrets[0], secrets[1], secrets[2], secrets[3], secrets[4],
             secrets[5], secrets[6]);
    char *got = scrub(text, strlen(text));
    for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++)
        assert_null(strstr(got, secrets[i]));
    free(got);
}

static void input_cut_at_whitespace(void **state)
{
    size_t n = TM_SCRUB_INPUT_MAX + 100;
    char *big = malloc(n + 1), *got;

    memset(big, 'a', n);
    big[1000] = ' ';
    big[TM_SCRUB_INPUT_MAX - 10] = ' ';
    big[n] = '\0';
    got = scrub(big, n);
    assert_int_equal(strlen(got), TM_SCRUB_INPUT_MAX - 10);
    free(got);
    /* No whitespace at all: cut at the limit. */
    memset(big, 'a', n);
    got = scrub(big, n);
    assert_int_equal(strlen(got), TM_SCRUB_INPUT_MAX);
    free(got);
    free(big);
}

/* Hostile inputs finish (linear engine) and stay well-formed. */
static void hostile_inputs(void **state)
{
    static const char *const units[] = {"a@a.a.", "sk-sk-", "/home//home/",
                                        "1.1.1.1.", "ghp_ghp_", "Bearer Bearer ",
                                        "a@aa.bbb@", "://a:b@", "glsa_", "x:y@tcp(",
                                        "-home-a-", "Set-Cookie: a=b;"};
    size_t n = 60000;
    char *big = malloc(n + 1);

    for (size_t u = 0; u < sizeof(units) / sizeof(*units); u++) {
        size_t k = strlen(units[u]);
        for (size_t i = 0; i < n; i++)
            big[i] = units[u][i % k];
        big[n] = '\0';
        char *got = scrub(big, n);
        assert_true(strlen(got) > 0);
        assert_null(strstr(got, TM_SCRUB_ERROR));
        free(got);
    }
    free(big);
}

/* The output is cut when the caller's buffer is short, never overflowing
 * and never cutting a marker in half. */
static void short_output_buffer(void **state)
{
    const char *in = "Token sk-1234567890abcdef user@example.com";
    char out[12];
    struct tm__span sp[64];
    size_t len = tm__scrub(in, strlen(in), out, sizeof(out), sp, 64);

    assert_true(len < sizeof(out));
    assert_string_equal(out, "Token ");
}

/* When the scratch span room runs out the scrubber fails closed. */
static void fails_closed(void **state)
{
    const char *in = "a@b.cc c@d.ee f@g.hh";
    char out[128];
    struct tm__span sp[1];

    tm__scrub(in, strlen(in), out, sizeof(out), sp, 1);
    assert_string_equal(out, TM_SCRUB_ERROR);
}

/* The adversarial corpus (tests/fixtures/privacy_corpus.tsv, generated by
 * privacy_corpus.py): no secret survives, not even 10 characters of it,
 * and at least 99% of the text people need survives unchanged. */
static int leaks(const char *out, const char *needle)
{
    size_t n = strlen(needle);

    if (strstr(out, needle) != NULL)
        return 1;
    for (size_t i = 0; n >= 12 && i + 10 <= n; i++) {
        char w[11];
        memcpy(w, needle + i, 10);
        w[10] = '\0';
        if (strstr(out, w) != NULL)
            return 1;
    }
    return 0;
}

static void privacy_corpus(void **state)
{
    char path[1024], line[8192], needle[1024], text[8192];
    const char *dir = getenv("TM_FIXTURES");
    int secrets = 0, leaked = 0, keeps = 0, kept = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/privacy_corpus.tsv", dir ? dir : "tests/fixtures");
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *t1, *t2, *nl, *got;
        int is_secret;

        if ((nl = strchr(line, '\n')) != NULL)
            *nl = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        t1 = strchr(line, '\t');
        assert_non_null(t1);
        t2 = strchr(t1 + 1, '\t');
        assert_non_null(t2);
        *t1 = *t2 = '\0';
        is_secret = strcmp(line, "secret") == 0;
        assert_true(is_secret || strcmp(line, "keep") == 0);
        unescape(t1 + 1, needle);
        got = scrub(text, unescape(t2 + 1, text));
        if (is_secret) {
            secrets++;
            if (leaks(got, needle)) {
                leaked++;
                print_error("secret survived: [%s]\n  in:  %s\n  out: %s\n", needle, text, got);
            }
        } else {
            keeps++;
            if (strstr(got, needle) != NULL)
                kept++;
            else
                print_message("keep-string lost: [%s]\n  in:  %s\n  out: %s\n", needle, text, got);
        }
        free(got);
    }
    fclose(f);
    print_message("privacy corpus: %d secrets, %d survived; %d keep-strings, %d kept (%.1f%%)\n",
                  secrets, leaked, keeps, kept, keeps ? 100.0 * kept / keeps : 0.0);
    assert_true(secrets >= 300 && keeps >= 300);
    assert_int_equal(leaked, 0);
    assert_true(kept * 100 >= keeps * 99);
}

/* A path longer than the room is cut where no secret straddles the cut:
 * a plain cut left a token's first 16 characters, too short for its rule. */
static void path_cut_leaves_no_token_prefix(void **state)
{
    static const char *const tokens[] = {
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv"};
    char path[1200], cut[512], out[2048];
    struct tm__span sp[600];

    for (size_t t = 0; t < sizeof(tokens) / sizeof(*tokens); t++)
        for (size_t at = 4; at < 30; at += 3) {
            size_t pre = sizeof(cut) - 1 - at, len;
            memset(path, 0, sizeof(path));
            memcpy(path, "/tmp/", 5);
            for (size_t i = 5; i < pre; i++)
                path[i] = (i % 8 == 7) ? '/' : 'a';
            path[pre - 1] = '/';
            snprintf(path + pre, sizeof(path) - pre, "%s/x.txt", tokens[t]);
            len = tm__scrub_copy_path(cut, sizeof(cut), path);
            assert_true(len < sizeof(cut));
            assert_int_equal(strlen(cut), len);
            tm__scrub(cut, len, out, sizeof(out), sp, 600);
            for (size_t k = 0; k + 8 <= strlen(tokens[t]); k++) {
                char w[9];
                memcpy(w, tokens[t] + k, 8);
                w[8] = '\0';
                if (strstr(out, w) != NULL)
                    fail_msg("token part '%s' survived a cut %zu bytes in", w, at);
            }
            /* only the partial segment went */
            assert_true(len >= pre - 1);
        }
}

/* An ordinary long path loses only its last, partial segment. */
static void path_cut_keeps_segments(void **state)
{
    char path[700], cut[256];
    size_t len;

    memcpy(path, "/srv/app/", 9);
    for (size_t i = 9; i < sizeof(path) - 1; i++)
        path[i] = (i % 10 == 9) ? '/' : "module"[i % 6];
    path[sizeof(path) - 1] = '\0';
    len = tm__scrub_copy_path(cut, sizeof(cut), path);
    assert_true(len > 240 && len < sizeof(cut));
    assert_int_equal(cut[len - 1], '/');
    assert_memory_equal(cut, path, len);
    /* short paths are copied whole */
    assert_int_equal(tm__scrub_copy_path(cut, sizeof(cut), "/tmp/x"), 6);
    assert_string_equal(cut, "/tmp/x");
}

/* A private repo's name goes wherever it stands as a word or path
 * segment; other words that contain it stay. */
static void private_repo_word(void **state)
{
    const char *in = "[Errno 2] '/w/acme-merger-private/data/q3.csv' (ACME-Merger-Private.git)"
                     " acme-merger-private-2 xacme-merger-private sk-1234567890abcdef";
    struct tm__scrub_word w = {"acme-merger-private", "0123456789ab"};
    char *got = tm__scrub_word_dup(in, strlen(in), &w);

    assert_string_equal(got, "[Errno 2] '/w/0123456789ab/data/q3.csv' (0123456789ab.git)"
                             " acme-merger-private-2 xacme-merger-private ***TOKEN***");
    free(got);
}

/* Through the API: the message of a private repo's event never names it. */
static void private_repo_record(void **state)
{
    char *dir = unit_tmpdir(), *log, id[TM_ID_SIZE];
    int err = 0;
    tm_collector *c = tm_open(dir, &err);

    cJSON *ctx = cJSON_Parse("{\"operation\": \"read /w/acme-merger-private/q3.csv\"}");

    assert_non_null(c);
    assert_non_null(ctx);
    assert_int_equal(tm_record_error(c, "acme-merger-private", "agent acme-merger-private",
                                     "OSError",
                                     "cannot read '/src/acme-merger-private/data/q3.csv'",
                                     ctx, id), 0);
    cJSON_Delete(ctx);
    tm_close(c);
    log = unit_slurp(dir, "all_errors.jsonl");
    assert_non_null(log);
    assert_null(strstr(log, "acme-merger-private"));
    assert_non_null(strstr(log, "/data/q3.csv"));
    assert_non_null(strstr(log, "\"operation\":\"read /w/"));
    free(log);
    unit_rmdir(dir);
}

/* Every rule's `need` is a necessary condition of it: with the needs
 * skipped the output is byte-identical, over both corpora's lines and
 * 20,000 random strings built from secret-like pieces. */
static void same_unfiltered(const char *in)
{
    static char a[8192], b[8192];
    static struct tm__span sp[4096];
    size_t n = strlen(in), na, nb;

    if (n > 2000)
        n = 2000;
    tm__scrub_no_prefilter = 0;
    na = tm__scrub(in, n, a, sizeof(a), sp, 4096);
    tm__scrub_no_prefilter = 1;
    nb = tm__scrub(in, n, b, sizeof(b), sp, 4096);
    tm__scrub_no_prefilter = 0;
    if (na != nb || memcmp(a, b, na) != 0)
        print_error("prefilter changed [%.*s]\n  filtered:   %s\n  unfiltered: %s\n",
                    (int)n, in, a, b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
}

static void prefilters_necessary(void **state)
{
    static const char *const files[] = {"sanitize.tsv", "privacy_corpus.tsv"};
    static const char *const pieces[] = {
        "+", "+1", "+44 ", "(", ")", "-", ".", " ", "0x", "4111", "1111", "555",
        "212", "123-4567", "(415) ", "2", "7", "0", "12345678", "9", "@", "a",
        "Z", "user", "example.com", "/home/", "bob", "token=", "password: ",
        "sk-", "AKIA", "ghp_", "eyJ", "Bearer ", "://", ":", "fail+0x11ca\n",
        "libc.so.6+0x27305", "libpython3.11.so.1.0+0x2e5eb3", "1.2.3.4", "10.0.0.", "Q~", ":AA", "=", "_", "/",
        "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "--password ", "\t", "\n"};
    const size_t np = sizeof(pieces) / sizeof(pieces[0]);
    const char *dir = getenv("TM_FIXTURES");
    char path[4096], line[16384];
    unsigned long x = 12345;
    int lines = 0;

    (void)state;
    for (size_t k = 0; k < 2; k++) {
        FILE *f;
        snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", files[k]);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof(line), f) != NULL) {
            char *tab = strchr(line, '\t');
            same_unfiltered(line);
            if (tab != NULL) {
                *tab = '\0';
                same_unfiltered(line);
            }
            lines++;
        }
        fclose(f);
    }
    assert_true(lines > 100);
    for (int i = 0; i < 20000; i++) {
        size_t len = 0;
        int parts;
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        parts = 1 + (int)((x >> 33) % 24);
        for (int j = 0; j < parts; j++) {
            const char *pc;
            size_t pl;
            x = x * 6364136223846793005UL + 1442695040888963407UL;
            pc = pieces[(x >> 33) % np];
            pl = strlen(pc);
            if (len + pl >= 1024)
                break;
            memcpy(line + len, pc, pl);
            len += pl;
        }
        line[len] = '\0';
        same_unfiltered(line);
    }
}

static void public_api(void **state)
{
    char *s = tm_sanitize_message("user@example.com");
    assert_string_equal(s, "***EMAIL***");
    free(s);
    assert_null(tm_sanitize_message(NULL));
}

/* The rule table holds its texts in arrays (no pointer to relocate at
 * start): each must end inside its array, and a rule's literals are all
 * non-empty before the first empty one. */
static void rule_texts_end_in_their_arrays(void **state)
{
    (void)state;
    for (size_t i = 0; i < tm__nrules; i++) {
        const struct tm__rule *r = &tm__rules[i];
        int ended = 0;

        assert_true(memchr(r->name, 0, sizeof(r->name)) != NULL);
        assert_true(r->name[0] != '\0');
        assert_true(memchr(r->pattern, 0, sizeof(r->pattern)) != NULL);
        assert_true(memchr(r->marker, 0, sizeof(r->marker)) != NULL);
        assert_true(r->marker[0] != '\0');
        for (int j = 0; j < TM_RULE_PRE; j++) {
            assert_true(memchr(r->pre[j], 0, sizeof(r->pre[j])) != NULL);
            if (r->pre[j][0] == '\0')
                ended = 1;
            else
                assert_false(ended);
        }
        /* without a pattern, a scan (or the prefix table) finds it */
        if (r->pattern[0] == '\0')
            assert_int_equal(r->valid, TM_CHECK_NONE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_c_locale),
        cmocka_unit_test(table_utf8_locale),
        cmocka_unit_test(idempotent),
        cmocka_unit_test(secrets_never_survive),
        cmocka_unit_test(input_cut_at_whitespace),
        cmocka_unit_test(hostile_inputs),
        cmocka_unit_test(short_output_buffer),
        cmocka_unit_test(fails_closed),
        cmocka_unit_test(public_api),
        cmocka_unit_test(prefilters_necessary),
        cmocka_unit_test(rule_texts_end_in_their_arrays),
        cmocka_unit_test(privacy_corpus),
        cmocka_unit_test(path_cut_leaves_no_token_prefix),
        cmocka_unit_test(path_cut_keeps_segments),
        cmocka_unit_test(private_repo_word),
        cmocka_unit_test(private_repo_record),
    };
    return cmocka_run_group_tests_name("sanitize", tests, load_cases, free_cases);
}
