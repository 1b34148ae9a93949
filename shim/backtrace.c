/*
 * backtrace.c - libgcc's unwinder through dlopen, frames as module+offset
 * (see backtrace.h for why this unwinder).
 */
#include "backtrace.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <unwind.h>

#include "jsonw.h"
#include "message.h"
#include "proc.h"

typedef _Unwind_Reason_Code (*unwind_fn)(_Unwind_Trace_Fn, void *);
typedef _Unwind_Ptr (*getip_fn)(struct _Unwind_Context *);

static unwind_fn unw_trace;
static getip_fn unw_getip;
static struct link_map *own_map; /* the shim: its frames are left out */

struct walk {
    void **pcs;
    int n, max;
};

static _Unwind_Reason_Code one_frame(struct _Unwind_Context *ctx, void *arg)
{
    struct walk *w = arg;
    _Unwind_Ptr ip = unw_getip(ctx);
    struct dl_find_object o;

    if (ip == 0)
        return _URC_END_OF_STACK;
    /* _dl_find_object: lock-free and async-signal-safe (glibc 2.35) */
    if (_dl_find_object((void *)ip, &o) == 0 && o.dlfo_link_map == own_map)
        return _URC_NO_REASON;
    w->pcs[w->n++] = (void *)ip;
    return w->n < w->max ? _URC_NO_REASON : _URC_END_OF_STACK;
}

int tm__bt_load(void)
{
    struct dl_find_object self;
    void *pcs[4];
    void *h;

    if (_dl_find_object((void *)tm__bt_load, &self) == 0)
        own_map = self.dlfo_link_map;
    /* Usually loaded already (every C++ host, most interpreters). */
    h = dlopen("libgcc_s.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (h == NULL)
        return -1;
    *(void **)&unw_trace = dlsym(h, "_Unwind_Backtrace");
    *(void **)&unw_getip = dlsym(h, "_Unwind_GetIP");
    if (unw_trace == NULL || unw_getip == NULL) {
        unw_trace = NULL;
        return -1;
    }
    tm__unw_init();
    /* The unwinder's own one-time set-up (a pthread_once for its register
     * table) runs now, outside any signal handler. */
    tm__bt_capture_libgcc(pcs, 4);
    return 0;
}

int tm__bt_capture_libgcc(void **pcs, int max)
{
    struct walk w = {pcs, 0, max};

    if (unw_trace == NULL || max <= 0)
        return 0;
    unw_trace(one_frame, &w);
    return w.n;
}

int tm__bt_capture(void **pcs, int max, struct tm__unw_cache *cache)
{
    int n;

    if (unw_trace == NULL || max <= 0)
        return 0;
    if (cache != NULL && own_map != NULL &&
        (n = tm__unw_walk(cache, own_map, pcs, max)) >= 0)
        return n;
    return tm__bt_capture_libgcc(pcs, max);
}

const char *tm__bt_module(void *pc, uintptr_t *off)
{
    struct dl_find_object o;
    const char *mod = "?";

    *off = (uintptr_t)pc;
    /* module+offset only: finding the nearest symbol (dladdr) scans the
     * module's whole symbol table, the slowest step of a recorded failure. */
    if (_dl_find_object(pc, &o) == 0 && o.dlfo_link_map != NULL) {
        const char *name = o.dlfo_link_map->l_name;
        if (name != NULL && *name) {
            const char *slash = strrchr(name, '/');
            mod = slash ? slash + 1 : name;
        } else {
            mod = tm__proc.program; /* the main program has no l_name */
        }
        *off = (uintptr_t)pc - (uintptr_t)o.dlfo_link_map->l_addr;
    }
    return mod;
}
