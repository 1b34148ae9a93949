/* Unit tests: the text of a shim event (shim/message.c) - the message, the
 * open(2) flags and the file type - and the fopen mode's flags
 * (tm__fopen_flags, shim/calls.c), data-driven from
 * tests/fixtures/shim_message.tsv, shim_flags.tsv and shim_file_type.tsv. */
#include "shim_unit.h"
#include "tsv.h"

#include <fcntl.h>

#include "config.h"
#include "message.h"

/* The flag names a case file may use (an independent list: the formatter
 * has its own). */
static const struct {
    const char *name;
    int bits;
} names[] = {
    {"O_RDONLY", O_RDONLY}, {"O_WRONLY", O_WRONLY}, {"O_RDWR", O_RDWR},
    {"O_CREAT", O_CREAT}, {"O_EXCL", O_EXCL}, {"O_TRUNC", O_TRUNC},
    {"O_APPEND", O_APPEND}, {"O_NONBLOCK", O_NONBLOCK},
    {"O_NOFOLLOW", O_NOFOLLOW}, {"O_CLOEXEC", O_CLOEXEC},
    {"O_NOCTTY", O_NOCTTY}, {"O_SYNC", O_SYNC}, {"O_DSYNC", O_DSYNC},
    {"O_PATH", O_PATH}, {"O_DIRECTORY", O_DIRECTORY},
    {"O_TMPFILE", O_TMPFILE}, {"O_NOATIME", O_NOATIME},
    {"O_DIRECT", O_DIRECT}, {"O_LARGEFILE", O_LARGEFILE},
};

/* "O_WRONLY|O_CREAT" -> its bits. */
static int parse_flags(const char *s, int line)
{
    char buf[512], *save = NULL;
    int flags = 0;

    snprintf(buf, sizeof(buf), "%s", s);
    for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcmp(t, names[i].name) == 0)
                break;
        if (i == sizeof(names) / sizeof(names[0]))
            fail_msg("shim_flags.tsv:%d: unknown flag %s", line, t);
        flags |= names[i].bits;
    }
    return flags;
}

/* how ("open": flag names, "fopen": a mode), input, want. */
static void flags_row(struct tsv_row *r, void *arg)
{
    int *bad = arg, flags = 0;
    char got[256];

    if (strcmp(r->f[0], "open") == 0)
        flags = parse_flags(r->f[1], r->line);
    else if (strcmp(r->f[0], "fopen") == 0)
        flags = tm__fopen_flags(r->f[1]);
    else
        fail_msg("shim_flags.tsv:%d: unknown kind %s", r->line, r->f[0]);
    tm__flags_text(flags, got, sizeof(got));
    if (strcmp(got, r->f[2]) != 0) {
        print_error("shim_flags.tsv:%d: %s '%s'\n  want: %s\n  got:  %s\n",
                    r->line, r->f[0], r->f[1], r->f[2], got);
        (*bad)++;
    }
}

static void flags_table(void **state)
{
    int bad = 0;

    (void)state;
    assert_true(tsv_each("shim_flags", 3, flags_row, &bad) > 30);
    assert_int_equal(bad, 0);
}

/* The mode strings a program may give, as bits (the text above hides
 * flags it does not name). */
static void fopen_bits(void **state)
{
    (void)state;
    assert_int_equal(tm__fopen_flags(NULL), 0);
    assert_int_equal(tm__fopen_flags("r"), O_RDONLY);
    assert_int_equal(tm__fopen_flags("w"), O_WRONLY | O_CREAT | O_TRUNC);
    assert_int_equal(tm__fopen_flags("a+e"),
                     O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC);
    assert_int_equal(tm__fopen_flags("wx"),
                     O_WRONLY | O_CREAT | O_TRUNC | O_EXCL);
}

/* path, want (the type kept in a 32-byte buffer, as capture.c does). */
static void type_row(struct tsv_row *r, void *arg)
{
    int *bad = arg;
    char got[32];

    memset(got, 'Z', sizeof(got));
    tm__file_type(r->f[0], got, sizeof(got));
    if (strcmp(got, r->f[1]) != 0) {
        print_error("shim_file_type.tsv:%d: '%s'\n  want: '%s'\n  got:  '%s'\n",
                    r->line, r->f[0], r->f[1], got);
        (*bad)++;
    }
}

static void file_type_table(void **state)
{
    int bad = 0;

    (void)state;
    assert_true(tsv_each("shim_file_type", 2, type_row, &bad) > 10);
    assert_int_equal(bad, 0);
}

/* errno, path, path2, want. */
static void message_row(struct tsv_row *r, void *arg)
{
    int *bad = arg;
    struct tm__failure f;
    char got[1024];

    memset(&f, 0, sizeof(f));
    f.call = TM_CALL_open;
    f.err = unit_errno(r->f[0]);
    tm__strlcpy(f.path, r->f[1], sizeof(f.path));
    tm__strlcpy(f.path2, r->f[2], sizeof(f.path2));
    tm__message(&f, got, sizeof(got));
    if (strcmp(got, r->f[3]) != 0) {
        print_error("shim_message.tsv:%d:\n  want: %s\n  got:  %s\n", r->line,
                    r->f[3], got);
        (*bad)++;
    }
}

static void message_table(void **state)
{
    int bad = 0;

    (void)state;
    assert_true(tsv_each("shim_message", 4, message_row, &bad) > 10);
    assert_int_equal(bad, 0);
}

/* Every cut keeps the whole buffer a string and writes nothing past it. */
static void message_cut(void **state)
{
    static const char full[] =
        "[Errno 18] Invalid cross-device link: '/w/a' -> '/x/b'";
    struct tm__failure f;
    char out[sizeof(full) + 8];

    (void)state;
    memset(&f, 0, sizeof(f));
    f.err = 18;
    memcpy(f.path, "/w/a", 5);
    memcpy(f.path2, "/x/b", 5);
    for (size_t cap = 1; cap <= sizeof(full) + 1; cap++) {
        memset(out, 'Z', sizeof(out));
        tm__message(&f, out, cap);
        assert_int_equal(strlen(out), cap - 1 < sizeof(full) - 1 ? cap - 1
                                                                 : sizeof(full) - 1);
        assert_memory_equal(out, full, strlen(out));
        for (size_t i = cap; i < sizeof(out); i++)
            assert_int_equal(out[i], 'Z');
    }
}

static void buf_put(void **state)
{
    char mem[8];
    struct tm__buf b = {mem, 6, 0};

    (void)state;
    memset(mem, 'Z', sizeof(mem));
    tm__buf_put(&b, "ab");
    assert_string_equal(mem, "ab");
    assert_int_equal(b.len, 2);
    tm__buf_put(&b, "");
    assert_int_equal(b.len, 2);
    tm__buf_put(&b, "cdefgh");
    assert_string_equal(mem, "abcde");
    assert_int_equal(b.len, 5);
    tm__buf_put(&b, "x");
    assert_string_equal(mem, "abcde");
    assert_int_equal(mem[6], 'Z');
}

/* Flags text cut by a short buffer stays a prefix of the full text. */
static void flags_cut(void **state)
{
    char out[16];

    (void)state;
    memset(out, 'Z', sizeof(out));
    tm__flags_text(O_WRONLY | O_CREAT | O_TRUNC, out, 12);
    assert_string_equal(out, "O_WRONLY|O_");
    assert_int_equal(out[12], 'Z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flags_table),
        cmocka_unit_test(fopen_bits),
        cmocka_unit_test(file_type_table),
        cmocka_unit_test(message_table),
        cmocka_unit_test(message_cut),
        cmocka_unit_test(buf_put),
        cmocka_unit_test(flags_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
