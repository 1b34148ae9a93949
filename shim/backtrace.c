/*
 * backtrace.c - libunwind through dlopen, frames as module+offset.
 */
#include "backtrace.h"

#include <dlfcn.h>
#include <string.h>

#include "jsonw.h"

static int (*unw_bt)(void **, int);
static void *own_base; /* the shim's load address: its frames are skipped */

int tm__bt_load(void)
{
    Dl_info self;
    void *h;

    if (dladdr((void *)tm__bt_load, &self) != 0)
        own_base = self.dli_fbase;
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
        Dl_info info;
        if (dladdr(raw[i], &info) != 0 && info.dli_fbase == own_base)
            continue;
        pcs[out++] = raw[i];
    }
    return out;
}

static void put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n >= cap)
        n = cap - 1 - *len;
    memcpy(out + *len, s, n);
    *len += n;
}

void tm__bt_name(void *pc, char *out, size_t cap)
{
    Dl_info info;
    const char *mod = "?";
    char hex[24];
    uintptr_t off = (uintptr_t)pc;
    size_t len = 0;

    if (cap == 0)
        return;
    if (dladdr(pc, &info) != 0) {
        if (info.dli_fname && *info.dli_fname) {
            const char *slash = strrchr(info.dli_fname, '/');
            mod = slash ? slash + 1 : info.dli_fname;
        }
        off = (uintptr_t)pc - (uintptr_t)info.dli_fbase;
        put(out, cap, &len, mod, strlen(mod));
        if (info.dli_sname && info.dli_saddr) {
            put(out, cap, &len, "!", 1);
            put(out, cap, &len, info.dli_sname, strlen(info.dli_sname));
            off = (uintptr_t)pc - (uintptr_t)info.dli_saddr;
        }
    } else {
        put(out, cap, &len, mod, 1);
    }
    put(out, cap, &len, "+0x", 3);
    /* Hex without leading zeros. */
    {
        int d = 16;
        tm__fmt_hex(hex, off, 16);
        while (d > 1 && hex[16 - d] == '0')
            d--;
        put(out, cap, &len, hex + 16 - d, (size_t)d);
    }
    out[len] = '\0';
}
