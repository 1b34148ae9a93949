/*
 * check.c - a preload library that checks shim/next.c against dlsym
 * (tests/integration/next.sh).  Built with shim/next.c into one library,
 * so that both ask from the same place in the search order: its
 * constructor walks for every name the shim interposes and a few with
 * several versions, asks dlsym(RTLD_NEXT) for each, and prints one line:
 *   next: names N walked W differ D [open OBJECT] [rename OBJECT]
 * (OBJECT: the file that defines the walk's answer), then whether the
 * lookups on first use could be prepared, and for each name how they
 * answer (tm__next_find):
 *   next: prepared P find-differ D find-left L
 * Any difference is printed too.  Raw write(2) only: a preload prints
 * nothing else.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"
#include "next.h"

static const char names[] =
#define NAME(id, sym, shape) #sym "\0"
    TM_SHIM_CALLS(NAME)
#undef NAME
    /* several versions each: the walk must take the default one */
    "realpath\0pthread_cond_wait\0regexec\0"
    /* an IFUNC: left to dlsym */
    "memcpy\0"
    /* defined nowhere */
    "tm_no_such_function\0";

static const uint32_t hashes[] = {
#define HASH(id, sym, shape) TM_GNU_HASH(#sym),
    TM_SHIM_CALLS(HASH)
#undef HASH
};

static void say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));
    (void)r;
}

static const char *object_of(void *p)
{
    Dl_info info;

    if (p == NULL || dladdr(p, &info) == 0 || info.dli_fname == NULL)
        return "none";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

__attribute__((constructor)) static void check(void)
{
    enum { N = 64 };
    void *walk[N], *res[N];
    int where[N];
    size_t n = 0, walked = 0, differ = 0, bad_hash = 0;
    const char *p = names, *name[N];
    char line[512];
    struct tm__next_stats st;

    for (; *p && n < N; n++) {
        name[n] = p;
        p += strlen(p) + 1;
    }
    for (size_t k = 0; k < sizeof(hashes) / sizeof(hashes[0]); k++)
        if (hashes[k] != tm__gnu_hash(name[k]))
            bad_hash++;
    struct tm__next_names nm = {names, NULL, NULL, n};

    if (tm__next_walk(&nm, walk, where) != 0) {
        say("next: the walk refused\n");
        goto find; /* the first-use lookups are asked all the same */
    }
    tm__next_resolve(&nm, res, &st);
    for (size_t k = 0; k < n; k++) {
        void *d = dlsym(RTLD_NEXT, name[k]);

        if (walk[k] != NULL)
            walked++;
        if ((walk[k] != NULL && walk[k] != d) || res[k] != d) {
            differ++;
            snprintf(line, sizeof(line),
                     "next: %s: walk %p (%s) resolve %p dlsym %p (%s)\n",
                     name[k], walk[k], object_of(walk[k]), res[k], d,
                     object_of(d));
            say(line);
        }
    }
    snprintf(line, sizeof(line),
             "next: names %zu walked %zu differ %zu hashes-wrong %zu "
             "resolve-walked %d open %s rename %s memcpy-walked %d "
             "realpath %s\n",
             n, walked, differ, bad_hash, st.walked, object_of(walk[0]),
             object_of(walk[18]), walk[n - 2] != NULL, object_of(walk[n - 5]));
    say(line);

find:;
    int prepared = tm__next_prepare() == 0;
    size_t fdiffer = 0, fleft = 0;

    for (size_t k = 0; k < n; k++) {
        void *d = dlsym(RTLD_NEXT, name[k]), *f = (void *)1;
        int r = tm__next_find(name[k], tm__gnu_hash(name[k]), &f);

        if (r < 0) {
            fleft++;
        } else if (f != d || (r == 0) != (d == NULL)) {
            fdiffer++;
            snprintf(line, sizeof(line), "next: %s: find %d %p dlsym %p (%s)\n",
                     name[k], r, f, d, object_of(d));
            say(line);
        }
    }
    snprintf(line, sizeof(line), "next: prepared %d find-differ %zu find-left %zu\n",
             prepared, fdiffer, fleft);
    say(line);
}
