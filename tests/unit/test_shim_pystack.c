/* Unit tests: the Python stack walk (shim/pystack.c) inside a real
 * interpreter.  Debian's libpython3.11 is loaded with dlopen and runs a
 * few nested functions that call back into this test through ctypes; the
 * callback walks the stack with the shipped offset row (exact entries),
 * with rows corrupted on purpose (100 random ones: never a crash, only
 * well-formed entries or none; a wrong thread-id or frame offset: no
 * stack), and outside any Python code (no stack).  Without libpython the tests are
 * skipped. */
#include "shim_unit.h"

#include <dlfcn.h>
#include <stdio.h>

#include "pystack.h"

#ifdef __SANITIZE_ADDRESS__
/* The interpreter keeps memory to its exit on purpose. */
const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

#define LIBPYTHON "libpython3.11.so.1.0"
#define RUNS 100

static struct {
    void *lib;
    int (*run)(const char *);
    const struct tm__py_layout *use; /* the row the next walk loads */
    int loaded;                      /* what tm__py_load said */
    int n;                           /* entries */
    char out[4096];
} t;

static struct tm__py_scratch scratch;

/* Called from Python (ctypes): one walk. */
static void walk(void)
{
    t.loaded = tm__py_load(t.use);
    t.n = tm__py_stack(&scratch, t.out, sizeof(t.out), "/nowhere", 8);
}

static int start(void **state)
{
    void (*init)(int);
    char code[512];

    (void)state;
    t.lib = dlopen(LIBPYTHON, RTLD_NOW | RTLD_GLOBAL);
    if (t.lib == NULL)
        return 0;
    *(void **)&init = dlsym(t.lib, "Py_InitializeEx");
    *(void **)&t.run = dlsym(t.lib, "PyRun_SimpleString");
    if (init == NULL || t.run == NULL)
        return -1;
    init(0);
    snprintf(code, sizeof(code),
             "import ctypes\n"
             "cb = ctypes.CFUNCTYPE(None)(%llu)\n"
             "def inner():\n"
             "    cb()\n"
             "class Outer:\n"
             "    def go(self):\n"
             "        inner()\n",
             (unsigned long long)(uintptr_t)walk);
    return t.run(code) == 0 ? 0 : -1;
}

/* One walk from Python with `use` (NULL: the table's row). */
static void walk_from_python(const struct tm__py_layout *use)
{
    t.use = use;
    t.n = -1;
    t.out[0] = '\0';
    assert_int_equal(t.run("Outer().go()\n"), 0);
    assert_true(t.n >= 0);
}

/* Entries are printable text with the separator between them. */
static void well_formed(void)
{
    size_t len = strlen(t.out);
    int seps = 0;

    assert_true(len < sizeof(t.out));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t.out[i];
        if (c == TM_PY_SEP)
            seps++;
        else
            assert_true(c >= 0x20 && c != 0x7f);
    }
    assert_int_equal(t.n == 0 ? 0 : t.n - 1, seps);
    assert_true(t.n <= TM_PY_FRAMES);
}

static void exact_stack(void **state)
{
    (void)state;
    if (t.lib == NULL)
        skip();
    walk_from_python(NULL);
    assert_int_equal(t.loaded, 0);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.out, "<string>:4 in inner\x1f"
                               "<string>:7 in Outer.go\x1f"
                               "<string>:1 in <module>");
    walk_from_python(tm__py_row(0x030b)); /* the table's row, handed in */
    assert_int_equal(t.n, 3);
}

/* Text of each kind: runs of printable ASCII around a Latin-1 character
 * and a control character (a tab made '?'), and Latin-1 made UTF-8. */
static void text_kinds(void **state)
{
    (void)state;
    if (t.lib == NULL)
        skip();
    t.use = NULL;
    t.n = -1;
    t.out[0] = '\0';
    assert_int_equal(t.run("exec(compile('def caf\\xe9x():\\n    cb()\\n', "
                           "'a\\tb\\xe9.py', 'exec'))\n"
                           "globals()['caf\\xe9x']()\n"),
                     0);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.out, "a?b\xc3\xa9.py:2 in caf\xc3\xa9x\x1f"
                               "<string>:2 in <module>");
}

static void corrupted_rows(void **state)
{
    int fields = (int)(sizeof(struct tm__py_layout) / sizeof(int)) - 1;
    unsigned seed = 14;
    int nonzero = 0;

    (void)state;
    if (t.lib == NULL)
        skip();
    /* 100 rows, each with a few offsets moved by up to 64 bytes either
     * way: whatever they read, no crash, and text only. */
    for (int run = 0; run < RUNS; run++) {
        struct tm__py_layout bad = *tm__py_row(0x030b);
        int *f = &bad.ts_native_thread_id;

        for (int k = 0; k < 1 + run % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            f[(seed >> 8) % (unsigned)fields] += (int)((seed >> 16) % 129) - 64;
        }
        walk_from_python(&bad);
        well_formed();
        nonzero += t.n > 0;
    }
    print_message("corrupted rows: %d of %d still gave a stack\n", nonzero, RUNS);
    /* The thread check refuses a thread state read at the wrong place. */
    {
        struct tm__py_layout bad = *tm__py_row(0x030b);
        bad.ts_native_thread_id += 8;
        walk_from_python(&bad);
        assert_int_equal(t.n, 0);
    }
    /* A code object read at the wrong place is no code object. */
    {
        struct tm__py_layout bad = *tm__py_row(0x030b);
        bad.fr_code = bad.fr_previous;
        walk_from_python(&bad);
        assert_int_equal(t.n, 0);
    }
    /* Offsets past what the walk copies are refused when loading. */
    {
        struct tm__py_layout bad = *tm__py_row(0x030b);
        bad.co_filename = TM_PY_CODE_HDR;
        walk_from_python(&bad);
        assert_int_equal(t.loaded, -1);
        assert_int_equal(t.n, 0);
    }
}

/* The main thread outside any Python code: a thread state without a
 * frame, no stack. */
static void outside_python(void **state)
{
    (void)state;
    if (t.lib == NULL)
        skip();
    t.use = NULL;
    walk();
    assert_int_equal(t.loaded, 0);
    assert_int_equal(t.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_stack),
        cmocka_unit_test(text_kinds),
        cmocka_unit_test(corrupted_rows),
        cmocka_unit_test(outside_python),
    };
    return cmocka_run_group_tests(tests, start, NULL);
}
