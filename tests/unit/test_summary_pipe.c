/* Unit tests: the summary on more than one thread (summary_pipe.h, README
 * "Performance") is the one-thread summary byte for byte, on generated logs
 * with rotated parts, spool files, loghub-like messages, shim events and
 * malformed lines; and every line is handed over once, in log order. */
#include "unit.h"

#include <fcntl.h>

#include "log_reader.h"
#include "summary_pipe.h"
#include "telemetry.h"

static uint64_t rng = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int k;

    for (;;) {
        va_start(ap, fmt);
        k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (b->n + (size_t)k < b->cap)
            break;
        b->cap = 2 * (b->cap + (size_t)k) + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->n += (size_t)k;
}

static const char *const repos[] = {"infra", "ml-pipeline", "web", "docs", "api"};
static const char *const agents[] = {"DocsAgent", "IssueAgent", "CodeAgent"};

/* A message in the shape of a loghub system log (HDFS, OpenSSH, Linux,
 * Apache, Zookeeper) or of an agent's Python error. */
static void message(struct buf *b)
{
    switch (rnd(10)) {
    case 0:
        put(b, "Receiving block blk_-%u%u src: /10.250.%u.%u:%u dest: /10.250.%u.%u:50010",
            rnd(1000000000), rnd(1000000000), rnd(256), rnd(256), rnd(65536), rnd(256), rnd(256));
        break;
    case 1:
        put(b, "Failed password for invalid user %s from 183.62.%u.%u port %u ssh2",
            rnd(2) ? "admin" : "test", rnd(256), rnd(256), rnd(65536));
        break;
    case 2:
        put(b, "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=%u.%u.%u.%u  user=root",
            rnd(256), rnd(256), rnd(256), rnd(256));
        break;
    case 3:
        put(b, "[client 222.166.%u.%u] Directory index forbidden by rule: /var/www/html/%u/", rnd(256), rnd(256), rnd(50));
        break;
    case 4:
        put(b, "Connection broken for id %u, my id = %u, error = ", rnd(200), rnd(5));
        break;
    case 5:
        put(b, "[Errno 2] No such file or directory: 'src/module_%u.py'", rnd(100000));
        break;
    case 6:
        put(b, "No module named '%s'", rnd(2) ? "numpy" : "torch.cuda");
        break;
    case 7:
        put(b, "[Errno 13] Permission denied: '/home/***/.cache/pip/%u'", rnd(9999));
        break;
    case 8:
        put(b, "timeout after %ums talking to https://api.example.com/v%u/items/%x \\u00e9\\ud83d\\ude00 \\\"q\\\"",
            rnd(90000), rnd(3), rnd(0xffffff));
        break;
    default:
        put(b, "fatal: Unable to create '/srv/%s/.git/index.lock': File exists.", repos[rnd(5)]);
        break;
    }
}

static void event(struct buf *b, unsigned i)
{
    put(b, "{\"timestamp\":\"2026-11-%02uT%02u:%02u:%02u.%06uZ\",\"repo\":\"%s\",\"agent\":\"%s\","
           "\"error_type\":\"%s\",\"error_message\":\"",
        1 + rnd(28), rnd(24), rnd(60), rnd(60), rnd(1000000), repos[rnd(5)], agents[rnd(3)],
        rnd(3) == 0 ? "OSError" : rnd(2) ? "FileNotFoundError" : "RuntimeError");
    message(b);
    put(b, "\",\"context\":{\"n\":%u", i);
    if (rnd(2) == 0)
        put(b, ",\"operation\":\"open\",\"category\":\"%s\"",
            rnd(3) == 0 ? "missing_file" : rnd(2) ? "permission" : "other");
    put(b, "},\"telemetry_id\":\"%016x\",\"source\":\"%s\"", rnd(0xfffffff), rnd(2) ? "shim" : "cli");
    if (rnd(3) == 0)
        put(b, ",\"program\":\"python3\",\"pid\":%u,\"stack\":[\"agent/%s.py:%u in step\",\"agent/main.py:%u in run\"]",
            rnd(40000), rnd(2) ? "tools" : "fetch", rnd(300), rnd(300));
    if (rnd(4) == 0)
        put(b, ",\"backtrace\":[\"/usr/lib/libc.so.6(open+0x%x)\",\"/usr/bin/git(main+0x%x)\"]",
            rnd(4096), rnd(4096));
    if (rnd(5) == 0)
        put(b, ",\"repeat\":%u", 1 + rnd(50));
    if (rnd(7) == 0)
        put(b, ",\"fatal\":%s", rnd(2) ? "true" : "false");
    put(b, "}\n");
}

/* Lines the readers do not count, and lines at the edges. */
static void odd(struct buf *b, unsigned i)
{
    switch (rnd(9)) {
    case 0: put(b, "not json at all %u\n", i); break;
    case 1: put(b, "{\"timestamp\":\"2026-11-0\n"); break;
    case 2: put(b, "\n\n"); break;
    case 3: put(b, "{\"timestamp\":\"yesterday\",\"repo\":\"r\",\"agent\":\"a\",\"error_type\":\"E\",\"error_message\":\"m\"}\n"); break;
    case 4: put(b, "{\"repo\":\"r\",\"agent\":\"a\",\"error_type\":\"E\",\"error_message\":\"m\"}\n"); break;
    case 5: put(b, "[1,2,3]\n"); break;
    case 6: put(b, "{\"timestamp\":\"2026-11-02T00:00:00Z\",\"repo\":\"r\",\"agent\":\"a\",\"error_type\":\"E\",\"error_message\":\"nul \\u0000 here\"} trailing\n"); break;
    case 7: { /* a long message: chunks fill by bytes, not only by lines */
        size_t n = 20000 + rnd(120000);
        put(b, "{\"timestamp\":\"2026-11-03T00:00:00Z\",\"repo\":\"web\",\"agent\":\"CodeAgent\",\"error_type\":\"ValueError\",\"error_message\":\"");
        for (size_t k = 0; k < n; k++)
            put(b, "%c", "ab /1.:x"[rnd(8)]);
        put(b, "\"}\n");
        break;
    }
    default: { /* longer than the reader's buffer: skipped and counted */
        put(b, "{\"x\":\"");
        for (size_t k = 0; k < TM_READER_BUF / 64 + 10; k++)
            put(b, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        put(b, "\"}\n");
        break;
    }
    }
}

static void gen(const char *dir, const char *name, unsigned n, unsigned odd_every,
                int cut_last)
{
    struct buf b = {NULL, 0, 0};

    put(&b, "%s", "");
    for (unsigned i = 0; i < n; i++) {
        if (odd_every && rnd(odd_every) == 0)
            odd(&b, i);
        else
            event(&b, i);
    }
    if (cut_last && b.n > 0 && b.p[b.n - 1] == '\n')
        b.n--; /* a last line without its newline */
    unit_write(dir, name, b.p, b.n);
    free(b.p);
}

static char *summary_text(const char *dir, const char *threads)
{
    int err = 0;
    tm_collector *c;
    tm_summary_opts o = {0};
    cJSON *s;
    char *text;

    setenv("TELEMETRY_THREADS", threads, 1);
    c = tm_open(dir, &err);
    assert_non_null(c);
    o.limit = 100000;
    s = tm_error_summary(c, &o, &err);
    assert_non_null(s);
    text = cJSON_PrintUnformatted(s);
    assert_non_null(text);
    cJSON_Delete(s);
    tm_close(c);
    unsetenv("TELEMETRY_THREADS");
    return text;
}

static void same_for(const char *dir)
{
    static const char *const counts[] = {"2", "3", "4", "8"};
    char *one = summary_text(dir, "1");

    for (size_t i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
        char *many = summary_text(dir, counts[i]);
        assert_string_equal(one, many);
        free(many);
    }
    free(one);
}

static void byte_identical_on_generated_logs(void **state)
{
    static const struct {
        unsigned rotated, live, spool, odd_every;
    } logs[] = {
        {0, 0, 0, 0},         /* empty */
        {0, 7, 0, 0},         /* fewer lines than one chunk */
        {0, 6000, 0, 0},      /* many chunks, events only */
        {3000, 5000, 400, 25},/* every part, malformed lines among them */
        {0, 4000, 0, 3},      /* mostly odd lines */
    };

    for (size_t k = 0; k < sizeof(logs) / sizeof(*logs); k++) {
        char *dir = unit_tmpdir(), sp[1024];

        if (logs[k].rotated)
            gen(dir, "all_errors.jsonl.1", logs[k].rotated, logs[k].odd_every, 1);
        if (logs[k].live)
            gen(dir, "all_errors.jsonl", logs[k].live, logs[k].odd_every, 1);
        if (logs[k].spool) {
            snprintf(sp, sizeof(sp), "%s/spool", dir);
            assert_int_equal(mkdir(sp, 0700), 0);
            gen(dir, "spool/123.jsonl", logs[k].spool, logs[k].odd_every, 0);
            gen(dir, "spool/77.jsonl", logs[k].spool, logs[k].odd_every, 1);
        }
        same_for(dir);
        unit_rmdir(dir);
    }
}

struct order {
    long long next, lines, bad;
};

/* Called on any of the threads: cmocka's asserts stay on the test's. */

static void check_order(void *arg, const struct tm__pipe_item *it)
{
    struct order *o = arg;
    char text[64];
    long long n = -1;

    if (it->len > 0 && it->len < sizeof(text)) {
        memcpy(text, it->line, it->len); /* not NUL-terminated */
        text[it->len] = '\0';
        n = strtoll(text, NULL, 10);
    }
    if (n != o->next)
        o->bad++; /* once each, in order */
    o->next++;
    o->lines++;
}

static void handed_over_in_order(void **state)
{
    char *dir = unit_tmpdir();
    struct buf b = {NULL, 0, 0};
    struct tm__grouper g;
    int dfd;

    for (int i = 0; i < 50000; i++)
        put(&b, "%d%s\n%s", i, i % 1000 == 0 ? " padding padding padding" : "",
            i % 77 == 0 ? "\n" : "");
    unit_write(dir, "all_errors.jsonl", b.p, b.n);
    free(b.p);
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    tm__grouper_init(&g, 10);
    for (int threads = 1; threads <= TM_PIPE_MAX_THREADS; threads++) {
        struct tm__reader r;
        struct order o = {0, 0, 0};
        assert_int_equal(tm__reader_open(&r, dfd, "all_errors.jsonl"), 0);
        assert_int_equal(tm__pipe_run(&r, &g, threads, check_order, &o), 0);
        tm__reader_close(&r);
        assert_int_equal(o.bad, 0);
        assert_int_equal(o.lines, 50000); /* empty lines are not handed over */
    }
    tm__grouper_free(&g);
    close(dfd);
    unit_rmdir(dir);
}

static void thread_count_from_the_environment(void **state)
{
    setenv("TELEMETRY_THREADS", "3", 1);
    assert_int_equal(tm__pipe_threads(), 3);
    setenv("TELEMETRY_THREADS", "1", 1);
    assert_int_equal(tm__pipe_threads(), 1);
    unsetenv("TELEMETRY_THREADS");
    {
        int n = tm__pipe_threads();
        assert_true(n >= 1 && n <= 4);
        /* not a number from 1 to TM_PIPE_MAX_THREADS: the default */
        setenv("TELEMETRY_THREADS", "0", 1);
        assert_int_equal(tm__pipe_threads(), n);
        setenv("TELEMETRY_THREADS", "2x", 1);
        assert_int_equal(tm__pipe_threads(), n);
        setenv("TELEMETRY_THREADS", "99", 1);
        assert_int_equal(tm__pipe_threads(), n);
    }
    unsetenv("TELEMETRY_THREADS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(byte_identical_on_generated_logs),
        cmocka_unit_test(handed_over_in_order),
        cmocka_unit_test(thread_count_from_the_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
