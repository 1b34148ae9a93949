/* Unit tests: the shim's probe ring, deferred queue and repeat table
 * (shim/ring.c).  Sequences of operations and what each must give are in
 * tests/fixtures/shim_ring.tsv; the cuts, the kept fields and concurrent
 * use are tested here. */
#include "shim_unit.h"
#include "tsv.h"

#include <errno.h>
#include <pthread.h>

#include "config.h"
#include "message.h"
#include "ring.h"

/* What a drain handed over, as "path" words (ring, queue) or
 * "call:errno:path:extra" words (repeats), in the order given. */
struct seen {
    char text[8192];
    struct tm__buf b;
};

static void seen_init(struct seen *s)
{
    s->text[0] = '\0';
    s->b = (struct tm__buf){s->text, sizeof(s->text), 0};
}

static void on_entry(struct tm__failure *f, void *arg)
{
    struct seen *s = arg;

    if (s->b.len > 0)
        tm__buf_put(&s->b, " ");
    tm__buf_put(&s->b, f->path);
}

static const char *call_name(enum tm__call c)
{
    static const char *const ids[] = {
#define UNIT_ID(id, sym, op) #id,
        TM_SHIM_CALLS(UNIT_ID)
#undef UNIT_ID
    };
    return ids[c];
}

static void on_repeat(struct tm__failure *f, long extra, void *arg)
{
    struct seen *s = arg;
    char num[24];

    snprintf(num, sizeof(num), "%ld", extra);
    if (s->b.len > 0)
        tm__buf_put(&s->b, " ");
    tm__buf_put(&s->b, call_name(f->call));
    tm__buf_put(&s->b, ":");
    tm__buf_put(&s->b, tm__errno_info(f->err)->name);
    tm__buf_put(&s->b, ":");
    tm__buf_put(&s->b, f->path);
    if (f->path2[0] != '\0') {
        tm__buf_put(&s->b, "->");
        tm__buf_put(&s->b, f->path2);
    }
    tm__buf_put(&s->b, ":");
    tm__buf_put(&s->b, num);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The repeat table's order is its hash's: compared sorted. */
static void sort_words(char *text)
{
    char copy[8192], *words[512], *save = NULL;
    struct tm__buf b = {text, 8192, 0};
    int n = 0;

    snprintf(copy, sizeof(copy), "%s", text);
    for (char *w = strtok_r(copy, " ", &save); w && n < 512;
         w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    qsort(words, (size_t)n, sizeof(words[0]), cmp_str);
    text[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i > 0)
            tm__buf_put(&b, " ");
        tm__buf_put(&b, words[i]);
    }
}

static void failure(struct tm__failure *f, const char *path)
{
    memset(f, 0, sizeof(*f));
    f->call = TM_CALL_open;
    f->err = ENOENT;
    tm__strlcpy(f->path, path, sizeof(f->path));
}

/* "name" or "name{a..b}": calls fn for each name. */
static void each_name(const char *spec, void (*fn)(const char *name, void *arg),
                      void *arg)
{
    const char *brace = strchr(spec, '{');
    char name[600];
    long a, b;

    if (brace == NULL) {
        fn(spec, arg);
        return;
    }
    if (sscanf(brace, "{%ld..%ld}", &a, &b) != 2)
        fail_msg("bad range %s", spec);
    for (long i = a; i <= b; i++) {
        snprintf(name, sizeof(name), "%.*s%ld", (int)(brace - spec), spec, i);
        fn(name, arg);
    }
}

static void push_one(const char *name, void *arg)
{
    struct tm__failure f;

    (void)arg;
    failure(&f, name);
    tm__ring_push(&f);
}

struct hit_ctx {
    enum tm__call call;
    int err;
    unsigned last;
};

/* name, or "from->to" for a rename's two paths */
static void hit_one(const char *name, void *arg)
{
    struct hit_ctx *h = arg;
    struct tm__failure f;
    const char *to = strstr(name, "->");

    tm__failure_clear(&f);
    f.call = h->call;
    f.err = h->err;
    tm__strlcpy(f.path, name, sizeof(f.path));
    if (to) {
        if ((size_t)(to - name) < sizeof(f.path))
            f.path[to - name] = '\0';
        tm__strlcpy(f.path2, to + 2, sizeof(f.path2));
    }
    h->last = tm__repeat_hit(&f);
}

/* op, argument, want: one step of a sequence (see the case file). */
static void step(struct tsv_row *r, void *arg)
{
    int *bad = arg;
    const char *op = r->f[0], *a = r->f[1], *want = r->f[2];
    struct seen s;
    char got[64];
    const char *gotp = got;

    seen_init(&s);
    got[0] = '\0';
    if (strcmp(op, "reset") == 0) {
        tm__ring_reset();
        gotp = want;
    } else if (strcmp(op, "push") == 0) {
        each_name(a, push_one, NULL);
        gotp = want;
    } else if (strcmp(op, "drain") == 0) {
        tm__ring_drain(on_entry, &s);
        gotp = s.text;
    } else if (strcmp(op, "defer") == 0) {
        struct tm__failure f;
        failure(&f, a);
        f.must_write = 1;
        snprintf(got, sizeof(got), "%d", tm__defer_push(&f));
    } else if (strcmp(op, "defer_drain") == 0) {
        tm__defer_drain(on_entry, &s);
        gotp = s.text;
    } else if (strcmp(op, "hit") == 0) {
        /* "call errno name" */
        char call[32], err[32], name[512];
        struct hit_ctx h;
        if (sscanf(a, "%31s %31s %511s", call, err, name) != 3)
            fail_msg("shim_ring.tsv:%d: bad hit %s", r->line, a);
        h = (struct hit_ctx){unit_call(call), unit_errno(err), 0};
        each_name(name, hit_one, &h);
        snprintf(got, sizeof(got), "%u", h.last);
    } else if (strcmp(op, "repeat_drain") == 0) {
        tm__repeat_drain((unsigned)strtoul(a, NULL, 10), on_repeat, &s);
        sort_words(s.text);
        gotp = s.text;
    } else {
        fail_msg("shim_ring.tsv:%d: unknown op %s", r->line, op);
    }
    if (strcmp(gotp, want) != 0) {
        print_error("shim_ring.tsv:%d: %s %s\n  want: %s\n  got:  %s\n",
                    r->line, op, a, want, gotp);
        (*bad)++;
    }
}

static void script(void **state)
{
    int bad = 0;

    (void)state;
    tm__ring_reset();
    assert_true(tsv_each("shim_ring", 3, step, &bad) > 30);
    assert_int_equal(bad, 0);
}

static void copy_out(struct tm__failure *f, void *arg)
{
    memcpy(arg, f, sizeof(*f));
}

/* An entry comes back whole (a copy), every field, not only the path. */
static void fields_kept(void **state)
{
    struct tm__failure f, got;
    int dummy;

    (void)state;
    tm__ring_reset();
    memset(&f, 0, sizeof(f));
    f.call = TM_CALL_renameat2;
    f.err = EXDEV;
    f.flags = 0x41;
    f.must_write = 1;
    f.ts.tv_sec = 1767323045;
    f.ts.tv_nsec = 678000000;
    memcpy(f.path, "/a", 3);
    memcpy(f.path2, "/b", 3);
    f.npcs = 1;
    f.pcs[0] = &dummy;
    assert_int_equal(tm__defer_push(&f), 0);
    memset(&got, 0, sizeof(got));
    tm__defer_drain(copy_out, &got);
    assert_memory_equal(&got, &f, sizeof(f));
    /* The ring gives the same copy back. */
    tm__ring_push(&f);
    memset(&got, 0, sizeof(got));
    tm__ring_drain(copy_out, &got);
    assert_memory_equal(&got, &f, sizeof(f));
}

/* A repeat keeps the call, errno, flags and path of its first failure; a
 * long path is cut to the entry's buffer. */
static long last_extra;

static void repeat_out(struct tm__failure *f, long extra, void *arg)
{
    memcpy(arg, f, sizeof(*f));
    last_extra = extra;
}

static void repeat_kept(void **state)
{
    char longp[700];
    struct tm__failure got;

    (void)state;
    tm__ring_reset();
    memset(longp, 'p', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    for (unsigned i = 1; i <= 5; i++) {
        struct tm__failure f;

        tm__failure_clear(&f);
        f.call = TM_CALL_openat;
        f.err = EACCES;
        f.flags = (int)i; /* the first sighting's are kept */
        tm__strlcpy(f.path, longp, sizeof(f.path)); /* cut, as the shim cuts */
        assert_int_equal(tm__repeat_hit(&f), i);
    }
    memset(&got, 0, sizeof(got));
    last_extra = 0;
    tm__repeat_drain(3, repeat_out, &got);
    assert_int_equal(last_extra, 2);
    assert_int_equal(got.call, TM_CALL_openat);
    assert_int_equal(got.err, EACCES);
    assert_int_equal(got.flags, 1);
    assert_int_equal(strlen(got.path), TM_RING_PATH - 1);
    assert_memory_equal(got.path, longp, TM_RING_PATH - 1);
    /* No path (a write's descriptor names no file): one key all the same,
     * whatever the repo. */
    struct tm__failure w;

    tm__failure_clear(&w);
    w.call = TM_CALL_write;
    w.err = EIO;
    assert_int_equal(tm__repeat_hit(&w), 1);
    tm__strlcpy(w.repo, "r", sizeof(w.repo));
    assert_int_equal(tm__repeat_hit(&w), 2);
}

/* Threads pushing while one drains: every entry handed over is one that
 * was pushed, never half of one and half of another. */
#define PUSHERS 3
#define PUSHES 20000

static int stop;

static void *pusher(void *arg)
{
    struct tm__failure f;
    long id = (long)(intptr_t)arg;

    for (int i = 0; i < PUSHES; i++) {
        memset(&f, 0, sizeof(f));
        f.err = (int)(id * PUSHES + i);
        /* The path repeats the errno: a torn entry would disagree. */
        snprintf(f.path, sizeof(f.path), "/%d/%0400d", f.err, f.err);
        f.flags = f.err ^ 0x5a5a;
        tm__ring_push(&f);
    }
    return NULL;
}

struct check {
    long got, torn;
};

static void check_entry(struct tm__failure *f, void *arg)
{
    struct check *c = arg;
    char want[TM_RING_PATH];

    snprintf(want, sizeof(want), "/%d/%0400d", f->err, f->err);
    c->got++;
    if (strcmp(f->path, want) != 0 || f->flags != (f->err ^ 0x5a5a))
        c->torn++;
}

static void *drainer(void *arg)
{
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        tm__ring_drain(check_entry, arg);
    return NULL;
}

static void concurrent(void **state)
{
    pthread_t p[PUSHERS], d;
    struct check c = {0, 0};

    (void)state;
    tm__ring_reset();
    stop = 0;
    assert_int_equal(pthread_create(&d, NULL, drainer, &c), 0);
    for (long i = 0; i < PUSHERS; i++)
        assert_int_equal(pthread_create(&p[i], NULL, pusher, (void *)(intptr_t)i), 0);
    for (int i = 0; i < PUSHERS; i++)
        pthread_join(p[i], NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    pthread_join(d, NULL);
    tm__ring_drain(check_entry, &c);
    assert_true(c.got > 0);
    assert_int_equal(c.torn, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(script),
        cmocka_unit_test(fields_kept),
        cmocka_unit_test(repeat_kept),
        cmocka_unit_test(concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
