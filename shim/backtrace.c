/*
 * backtrace.c - libunwind through dlopen, frames as module+offset.
 */
#include "backtrace.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "jsonw.h"
#include "message.h"
#include "proc.h"

static int (*unw_bt)(void **, int);
static struct link_map *own_map; /* the shim: its frames are left out */

int tm__bt_load(void)
{
    struct dl_find_object self;
    void *h;

    if (_dl_find_object((void *)tm__bt_load, &self) == 0)
        own_map = self.dlfo_link_map;
    h = dlopen("libunwind.so.8", RTLD_LAZY | RTLD_LOCAL);
    if (h == NULL)
        return -1;
    *(void **)&unw_bt = dlsym(h, "unw_backtrace");
    return unw_bt ? 0 : -1;
}

int tm__bt_capture(void **pcs, int max)
{
    void *raw[64];
    int n, out = 0;

    if (unw_bt == NULL)
        return 0;
    n = unw_bt(raw, 64);
    for (int i = 0; i < n && out < max; i++) {
        struct dl_find_object o;
        /* _dl_find_object: lock-free and async-signal-safe (glibc 2.35) */
        if (_dl_find_object(raw[i], &o) == 0 && o.dlfo_link_map == own_map)
            continue;
        pcs[out++] = raw[i];
    }
    return out;
}

void tm__bt_name(void *pc, char *out, size_t cap)
{
    struct dl_find_object o;
    struct tm__buf b = {out, cap, 0};
    const char *mod = "?";
    char hex[24];
    uintptr_t off = (uintptr_t)pc;
    int d = 16;

    if (cap == 0)
        return;
    out[0] = '\0';
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
        off = (uintptr_t)pc - (uintptr_t)o.dlfo_link_map->l_addr;
    }
    tm__buf_put(&b, mod);
    tm__buf_put(&b, "+0x");
    tm__fmt_hex(hex, off, 16);
    while (d > 1 && hex[16 - d] == '0')
        d--;
    hex[16] = '\0';
    tm__buf_put(&b, hex + 16 - d);
}
