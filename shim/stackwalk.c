/*
 * stackwalk.c - the stack walk of stackwalk.h: .eh_frame_hdr's table searched,
 * the CIE and FDE read, the frame's row found, kept per return address.
 *
 * Only what GCC and clang emit for ordinary x86-64 frames is read: the
 * frame address as rsp or rbp plus an offset, the return address and rbp
 * saved at offsets from it, remember/restore, and rules for other
 * registers (not needed to walk: skipped).  Anything else gives up the
 * walk (-1), and the caller asks libgcc (backtrace.c).
 */
#include "stackwalk.h"

#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <string.h>

#include "next.h"

#if defined(__x86_64__)

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };

/* The objects loaded at the start (the program, the preloaded libraries,
 * their dependencies, the loader: never unloaded) whose rules may be
 * kept.  An object dlopen()ed later may be unloaded and another loaded at
 * its address, with its link_map at the same address too (glibc reuses
 * both): its rules are read again at every walk. */
#define MAX_STARTUP 64
static const void *startup[MAX_STARTUP];
static int nstartup;

struct startup_walk {
    const char *interp; /* the loader's name (next.h) */
    int done, first;
};

static int note_startup(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct startup_walk *sw = arg;
    struct dl_find_object o;

    (void)size;
    if (sw->done || nstartup == MAX_STARTUP)
        return 1;
    if (sw->first++ == 0) /* the program */
        sw->interp = tm__next_interp(info);
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD) {
            if (_dl_find_object((void *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr), &o) == 0)
                startup[nstartup++] = o.dlfo_link_map;
            break;
        }
    /* the loader ends the objects of the start (shim/next.c) */
    if (tm__next_loader(info, sw->interp))
        sw->done = 1;
    return 0;
}

void tm__unw_init(void)
{
    struct startup_walk sw = {NULL, 0, 0};

    if (__atomic_load_n(&nstartup, __ATOMIC_ACQUIRE) > 0)
        return;
    dl_iterate_phdr(note_startup, &sw);
    if (!sw.done) /* the loader not found: keep no rule at all */
        nstartup = 0;
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static int kept_object(const void *map)
{
    int n = __atomic_load_n(&nstartup, __ATOMIC_ACQUIRE);

    for (int i = 0; i < n; i++)
        if (startup[i] == map)
            return 1;
    return 0;
}
enum { RULE_SAME, RULE_AT, RULE_UNDEF };
#define MAX_STEPS 512 /* frames walked before giving up */
#define MAX_STATES 8  /* DW_CFA_remember_state depth */

/* A row of the frame's table: what stackwalk.h keeps, before it is kept. */
struct row {
    int cfa_reg;
    int64_t cfa_off;
    int rbp, ra; /* RULE_* */
    int64_t rbp_off, ra_off;
};

struct rd {
    const uint8_t *p, *end;
};

static int get(struct rd *r, void *out, size_t n)
{
    if ((size_t)(r->end - r->p) < n)
        return -1;
    memcpy(out, r->p, n);
    r->p += n;
    return 0;
}

static int uleb(struct rd *r, uint64_t *out)
{
    uint64_t v = 0;

    for (unsigned shift = 0; r->p < r->end && shift < 64; shift += 7) {
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

static int sleb(struct rd *r, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;

    do {
        if (r->p >= r->end || shift >= 64)
            return -1;
        b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return 0;
}

/* A pointer in encoding enc (DW_EH_PE_*): absolute, or relative to where
 * it is read (pcrel) or to datarel.  Indirect, aligned, text- and
 * function-relative forms are not read. */
static int pointer(struct rd *r, uint8_t enc, uintptr_t datarel, uintptr_t *out)
{
    const uint8_t *at = r->p;
    uint64_t u = 0;
    int64_t s;
    uint16_t u16;
    uint32_t u32;
    int16_t s16;
    int32_t s32;
    int rc;

    switch (enc & 0x0f) {
    case 0x00: case 0x04: case 0x0c: rc = get(r, &u, 8); break;
    case 0x01: rc = uleb(r, &u); break;
    case 0x02: rc = get(r, &u16, 2); u = u16; break;
    case 0x03: rc = get(r, &u32, 4); u = u32; break;
    case 0x09: rc = sleb(r, &s); u = (uint64_t)s; break;
    case 0x0a: rc = get(r, &s16, 2); u = (uint64_t)(int64_t)s16; break;
    case 0x0b: rc = get(r, &s32, 4); u = (uint64_t)(int64_t)s32; break;
    default: return -1;
    }
    if (rc != 0 || (enc & 0x80))
        return -1;
    switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: u += (uintptr_t)at; break;
    case 0x30: u += datarel; break;
    default: return -1;
    }
    *out = (uintptr_t)u;
    return 0;
}

/* The FDE whose table entry is the last at or before addr, from an
 * .eh_frame_hdr with its binary-search table (datarel, sdata4). */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t addr)
{
    struct rd r = {hdr + 4, hdr + 20};
    uintptr_t frame, count, lo = 0, hi;
    int32_t e[2];

    if (hdr[0] != 1 || hdr[3] != 0x3b ||
        pointer(&r, hdr[1], (uintptr_t)hdr, &frame) != 0 ||
        pointer(&r, hdr[2], (uintptr_t)hdr, &count) != 0 || count == 0)
        return NULL;
    hi = count;
    while (lo < hi) {
        uintptr_t mid = lo + (hi - lo) / 2;
        memcpy(e, r.p + mid * 8, 8);
        if ((uintptr_t)hdr + (uintptr_t)(intptr_t)e[0] <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    memcpy(e, r.p + (lo - 1) * 8, 8);
    return hdr + e[1];
}

static int set_rule(struct row *w, uint64_t reg, int how, int64_t off)
{
    if (reg == REG_RSP)
        return -1;
    if (reg == REG_RBP) {
        if (how == RULE_UNDEF)
            return -1;
        w->rbp = how;
        w->rbp_off = off;
    } else if (reg == REG_RA) {
        w->ra = how;
        w->ra_off = off;
    }
    return 0; /* other registers: not needed to walk */
}

/* DW_CFA_restore as libgcc reads it: the register unsaved (rbp: its
 * value in the frame below), not the CIE's rule.  The return address so
 * restored is not walked. */
static int restore(struct row *w, uint64_t reg, const struct row *init)
{
    if (init == NULL || reg == REG_RA || reg == REG_RSP)
        return -1;
    if (reg == REG_RBP)
        w->rbp = RULE_SAME;
    return 0;
}

/* Runs call frame instructions [r) on w while the location stays at or
 * before addr; init is the CIE's row (DW_CFA_restore). */
static int run(struct rd *r, struct row *w, const struct row *init,
               uintptr_t *loc, uintptr_t addr, uint64_t ca, int64_t da)
{
    struct row saved[MAX_STATES];
    int depth = 0;

    while (r->p < r->end) {
        uint8_t op = *r->p++;
        uint64_t reg, u, len;
        int64_t s;
        uint8_t b1;
        uint16_t b2;
        uint32_t b4;

        switch (op & 0xc0) {
        case 0x40:
            if (init == NULL) /* in a CIE: libgcc keeps such a location */
                return -1;
            *loc += (op & 0x3f) * ca;
            if (*loc > addr)
                return 0;
            continue;
        case 0x80:
            if (uleb(r, &u) != 0 || set_rule(w, op & 0x3f, RULE_AT, (int64_t)u * da) != 0)
                return -1;
            continue;
        case 0xc0:
            if (restore(w, op & 0x3f, init) != 0)
                return -1;
            continue;
        }
        switch (op) {
        case 0x00: break; /* nop */
        case 0x02: case 0x03: case 0x04: /* advance_loc1, 2, 4 */
            if (init == NULL)
                return -1;
            if (op == 0x02 ? get(r, &b1, 1) : op == 0x03 ? get(r, &b2, 2) : get(r, &b4, 4))
                return -1;
            *loc += (op == 0x02 ? b1 : op == 0x03 ? b2 : b4) * ca;
            if (*loc > addr)
                return 0;
            break;
        case 0x05: /* offset_extended */
            if (uleb(r, &reg) || uleb(r, &u) || set_rule(w, reg, RULE_AT, (int64_t)u * da))
                return -1;
            break;
        case 0x06: /* restore_extended */
            if (uleb(r, &reg) || restore(w, reg, init) != 0)
                return -1;
            break;
        case 0x07: /* undefined */
            if (uleb(r, &reg) || set_rule(w, reg, RULE_UNDEF, 0))
                return -1;
            break;
        case 0x08: /* same_value */
            if (uleb(r, &reg) || set_rule(w, reg, RULE_SAME, 0))
                return -1;
            break;
        case 0x09: /* register */
            if (uleb(r, &reg) || uleb(r, &u) || reg == REG_RBP || reg == REG_RSP || reg == REG_RA)
                return -1;
            break;
        case 0x0a: /* remember_state */
            if (depth == MAX_STATES)
                return -1;
            saved[depth++] = *w;
            break;
        case 0x0b: /* restore_state: the frame address's rule too */
            if (depth == 0)
                return -1;
            *w = saved[--depth];
            break;
        case 0x0c: /* def_cfa */
            if (uleb(r, &reg) || uleb(r, &u))
                return -1;
            w->cfa_reg = (int)reg;
            w->cfa_off = (int64_t)u;
            break;
        case 0x0d: /* def_cfa_register */
            if (uleb(r, &reg))
                return -1;
            w->cfa_reg = (int)reg;
            break;
        case 0x0e: /* def_cfa_offset */
            if (uleb(r, &u))
                return -1;
            w->cfa_off = (int64_t)u;
            break;
        case 0x10: case 0x16: /* expression, val_expression */
            if (uleb(r, &reg) || uleb(r, &len) || reg == REG_RBP || reg == REG_RSP ||
                reg == REG_RA || (uint64_t)(r->end - r->p) < len)
                return -1;
            r->p += len;
            break;
        case 0x11: /* offset_extended_sf */
            if (uleb(r, &reg) || sleb(r, &s) || set_rule(w, reg, RULE_AT, s * da))
                return -1;
            break;
        case 0x12: /* def_cfa_sf */
            if (uleb(r, &reg) || sleb(r, &s))
                return -1;
            w->cfa_reg = (int)reg;
            w->cfa_off = s * da;
            break;
        case 0x13: /* def_cfa_offset_sf */
            if (sleb(r, &s))
                return -1;
            w->cfa_off = s * da;
            break;
        case 0x14: case 0x15: /* val_offset, val_offset_sf */
            if (uleb(r, &reg) || (op == 0x14 ? uleb(r, &u) : sleb(r, &s)) ||
                reg == REG_RBP || reg == REG_RSP || reg == REG_RA)
                return -1;
            break;
        case 0x2e: /* GNU_args_size */
            if (uleb(r, &u))
                return -1;
            break;
        case 0x2f: /* GNU_negative_offset_extended */
            if (uleb(r, &reg) || uleb(r, &u) || set_rule(w, reg, RULE_AT, -(int64_t)u * da))
                return -1;
            break;
        default: /* set_loc, def_cfa_expression, vendor: not walked here */
            return -1;
        }
    }
    return 0;
}

/* The row of addr in the FDE fde: 0, or -1 when it is not one this walk
 * reads. */
static int row_of(const uint8_t *fde, uintptr_t addr, struct row *w)
{
    uint32_t len, clen, cid;
    int32_t cptr;
    const uint8_t *cie, *aug;
    struct rd r, c;
    uint64_t ca, ra_col, zlen = 0;
    int64_t da;
    uint8_t version, fenc = 0, penc;
    uintptr_t begin, range, loc, ignored;
    int z = 0;
    struct row init = {-1, 0, RULE_SAME, RULE_SAME, 0, 0};

    memcpy(&len, fde, 4);
    memcpy(&cptr, fde + 4, 4);
    if (len == 0 || len == 0xffffffffu || cptr == 0)
        return -1;
    cie = fde + 4 - cptr;
    memcpy(&clen, cie, 4);
    memcpy(&cid, cie + 4, 4);
    if (clen == 0 || clen == 0xffffffffu || cid != 0)
        return -1;
    c = (struct rd){cie + 8, cie + 4 + clen};
    if (get(&c, &version, 1) || (version != 1 && version != 3))
        return -1;
    aug = c.p;
    while (c.p < c.end && *c.p)
        c.p++;
    if (c.p++ >= c.end || uleb(&c, &ca) || sleb(&c, &da))
        return -1;
    if (version == 1) {
        uint8_t b;
        if (get(&c, &b, 1))
            return -1;
        ra_col = b;
    } else if (uleb(&c, &ra_col)) {
        return -1;
    }
    if (ra_col != REG_RA)
        return -1;
    if (*aug == 'z') {
        const uint8_t *zend;
        z = 1;
        if (uleb(&c, &zlen) || (uint64_t)(c.end - c.p) < zlen)
            return -1;
        zend = c.p + zlen;
        for (const uint8_t *a = aug + 1; *a; a++) {
            if (*a == 'R') {
                if (get(&c, &fenc, 1))
                    return -1;
            } else if (*a == 'L') {
                c.p++;
            } else if (*a == 'P') {
                if (get(&c, &penc, 1) || (penc & 0x70) == 0x50 ||
                    pointer(&c, penc & 0x0f, 0, &ignored))
                    return -1;
            } else {
                return -1; /* 'S' (a signal frame) and the rest */
            }
        }
        c.p = zend;
    } else if (*aug != '\0') {
        return -1;
    }
    r = (struct rd){fde + 8, fde + 4 + len};
    if (((fenc & 0x70) != 0x00 && (fenc & 0x70) != 0x10) ||
        pointer(&r, fenc, 0, &begin) || pointer(&r, fenc & 0x0f, 0, &range))
        return -1;
    if (addr < begin || addr - begin >= range)
        return -1;
    if (z && (uleb(&r, &zlen) || (uint64_t)(r.end - r.p) < zlen))
        return -1;
    r.p += zlen;
    loc = begin;
    if (run(&c, &init, NULL, &loc, (uintptr_t)-1, ca, da) != 0)
        return -1;
    *w = init;
    loc = begin;
    if (run(&r, w, &init, &loc, addr, ca, da) != 0)
        return -1;
    if ((w->cfa_reg != REG_RSP && w->cfa_reg != REG_RBP) || w->ra == RULE_SAME)
        return -1;
    return 0;
}

static struct tm__unw_rule *rule_of(struct tm__unw_cache *c, const void *own,
                                    uintptr_t addr, struct tm__unw_rule *scratch)
{
    unsigned set = (unsigned)(((uint64_t)addr * 0x9e3779b97f4a7c15ull) >> 32) %
                   (TM_UNW_SLOTS / TM_UNW_WAYS);
    struct tm__unw_rule *ways = &c->slot[set * TM_UNW_WAYS], *e = NULL;
    struct dl_find_object o;
    struct row w;

    /* Only an object of the start has rules kept (kept_object): never
     * unloaded, its addresses are its own for the life of the process. */
    for (int k = 0; k < TM_UNW_WAYS; k++)
        if (ways[k].addr == addr)
            return &ways[k];
    if (_dl_find_object((void *)addr, &o) != 0 || o.dlfo_eh_frame == NULL)
        return NULL;
    {
        const uint8_t *fde = find_fde(o.dlfo_eh_frame, addr);
        if (fde == NULL || row_of(fde, addr, &w) != 0)
            return NULL;
    }
    if (w.cfa_off != (int32_t)w.cfa_off || w.rbp_off != (int32_t)w.rbp_off ||
        w.ra_off != (int32_t)w.ra_off)
        return NULL;
    if (!kept_object(o.dlfo_link_map)) {
        e = scratch; /* read again next time */
    } else {
        for (int k = 0; k < TM_UNW_WAYS && e == NULL; k++)
            if (ways[k].addr == 0)
                e = &ways[k];
        if (e == NULL)
            e = &ways[c->victim[set]++ % TM_UNW_WAYS];
    }
    /* Not a rule while it is rewritten: a fork child that frees this area
     * (another thread's at the fork) finds it empty, not half made. */
    __atomic_store_n(&e->addr, 0, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    e->cfa_off = (int32_t)w.cfa_off;
    e->rbp_off = (int32_t)w.rbp_off;
    e->ra_off = (int32_t)w.ra_off;
    e->cfa_rbp = w.cfa_reg == REG_RBP;
    e->rbp_saved = w.rbp == RULE_AT;
    e->ra_end = w.ra == RULE_UNDEF;
    e->own = o.dlfo_link_map == own;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&e->addr, e == scratch ? 0 : addr, __ATOMIC_RELAXED);
    return e;
}

__attribute__((noinline)) int tm__unw_walk(struct tm__unw_cache *c,
                                           const void *own_map, void **pcs,
                                           int max)
{
    uintptr_t pc, sp, bp;
    struct tm__unw_rule scratch;
    int n = 0;

    /* Where this frame is: the instruction after the lea, and the two
     * registers a frame's address is made from. */
    __asm__ volatile("leaq 0(%%rip), %0\n\t"
                     "movq %%rsp, %1\n\t"
                     "movq %%rbp, %2"
                     : "=&r"(pc), "=&r"(sp), "=&r"(bp));
    for (int step = 0; step < MAX_STEPS && n < max; step++) {
        /* a return address is looked up in the call before it */
        struct tm__unw_rule *e = rule_of(c, own_map, step == 0 ? pc : pc - 1,
                                         &scratch);
        uintptr_t cfa;

        if (e == NULL)
            return -1;
        if (step > 0 && !e->own)
            pcs[n++] = (void *)pc;
        if (e->ra_end || n == max)
            return n;
        cfa = (e->cfa_rbp ? bp : sp) + (uintptr_t)(intptr_t)e->cfa_off;
        if (e->rbp_saved)
            memcpy(&bp, (const void *)(cfa + (uintptr_t)(intptr_t)e->rbp_off), sizeof(bp));
        memcpy(&pc, (const void *)(cfa + (uintptr_t)(intptr_t)e->ra_off), sizeof(pc));
        sp = cfa;
        if (pc == 0)
            return n;
    }
    return n == max ? n : -1;
}

#else

void tm__unw_init(void)
{
}

int tm__unw_walk(struct tm__unw_cache *c, const void *own_map, void **pcs,
                 int max)
{
    (void)c;
    (void)own_map;
    (void)pcs;
    (void)max;
    return -1;
}

#endif
