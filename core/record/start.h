/*
 * start.h - where the constants a process start reads, and the words every
 * failure writes, live.
 *
 * Every page a start touches costs a page fault in every process an agent
 * starts (README "Performance").  Constants the shim's constructor reads
 * are kept in .data, on the page the loader writes anyway (beside the
 * PLT's table), rather than on a .rodata page of their own; the layout is
 * checked by tests/integration/start_pages.py.
 */
#ifndef TM_START_H
#define TM_START_H

#define TM_START_CONST __attribute__((section(".data.tm_start")))

/* The same for the few words every failure writes (the shim's in-flight
 * count, the pool's busy flags): beside those constants, not each on a
 * page of .bss of its own. */
#define TM_HOT __attribute__((section(".data.tm_hot")))

/* And for the few words the constructor writes in every process (what the
 * shim's lookups on first use read: shim/next.c). */
#define TM_START_DATA __attribute__((section(".data.tm_start_data")))

/* A thread's own words (the failure path's per-thread state): the
 * initial-exec model, read at a fixed offset from the thread pointer;
 * the general model's __tls_get_addr may allocate after a dlopen, which a
 * signal handler must not. */
#define TM_TLS __attribute__((tls_model("initial-exec"))) __thread

/* And for the code every process runs: at start (the constructor and what
 * it calls), on the first call of each interposed function (the lookup of
 * the real one) and at exit.  Each page of code a process first runs costs
 * it more than a fault on the benchmark's VM (README "Performance"), so
 * this code shares a page or two right after the PLT (the linker puts
 * .text.startup first in .text), not eight pages spread over .text;
 * tests/integration/start_pages.py counts the pages a start runs.  The
 * wrappers' own code (TM_HOT_TEXT, .text.hot) follows it. */
#define TM_START_TEXT __attribute__((section(".text.startup")))
#define TM_HOT_TEXT __attribute__((section(".text.hot")))

/* The string functions of the code every start runs (the constructor, the
 * configuration, the program's name).  The first call of a libc function
 * from the shim binds it (the loader's lookup, about 730 instructions) in
 * every process, to copy a few bytes; these are loops.  The files with
 * such code are compiled with -fno-tree-loop-distribute-patterns (the
 * Makefile's START_SRC), or the compiler would make calls of them again. */
#include <stddef.h>
#include <stdint.h>

static inline size_t tm__start_nlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

static inline void tm__start_copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* strchr's answer as a truth value: does s hold c (not NUL)? */
static inline int tm__start_has(const char *s, char c)
{
    for (; c != '\0' && *s != '\0'; s++)
        if (*s == c)
            return 1;
    return 0;
}

static inline int tm__start_same(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* A table whose first entries should lie on one page, not across two,
 * is given `a` bytes more and used from the first address in it aligned to
 * `a` (a power of two).  An _Alignas of a page on the table would raise the
 * whole .bss's alignment and move its start, the words every start writes,
 * off the page the loader writes anyway. */
#define TM_PAGE 4096u

static inline void *tm__align_up(void *p, uintptr_t a)
{
    return (void *)(((uintptr_t)p + a - 1) & ~(a - 1));
}

#endif
