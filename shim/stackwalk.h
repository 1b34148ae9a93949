/*
 * stackwalk.h - a walk of the x86-64 stack by its call frame information,
 * each frame's rule kept once found.
 *
 * libgcc's unwinder finds, parses and runs a frame's CIE and FDE again at
 * every frame of every walk: about 1,800 instructions a frame, and a
 * recorded failure walks ten (half of them the shim's own, left out).
 * This walk reads the same tables (.eh_frame_hdr through glibc's
 * _dl_find_object, lock-free) and keeps, per work area, the rule each
 * return address of an object loaded at the start needs: the canonical
 * frame address as rsp or rbp plus an offset, where the return address and
 * the caller's rbp were saved (an object dlopen()ed later is read again at
 * every walk: it may be unloaded and another loaded in its place).  A
 * frame it cannot describe so (a signal frame, a DWARF expression, a
 * frame without tables, another register as the frame's base) makes the
 * whole walk give up, and the caller asks libgcc instead: the addresses
 * are always the ones libgcc gives (tests/unit/test_shim_stackwalk.c).
 */
#ifndef TM_SHIM_STACKWALK_H
#define TM_SHIM_STACKWALK_H

#include <stdint.h>

#define TM_UNW_SLOTS 64
#define TM_UNW_WAYS 8 /* sets of 8: in sets of 4 the 20-odd frames of a
                         * Python event without its stack evicted each
                         * other, about 6 rules read again an event */

/* One return address's rule. */
struct tm__unw_rule {
    uintptr_t addr;       /* the address looked up (0: empty slot) */
    int32_t cfa_off, rbp_off, ra_off;
    uint8_t cfa_rbp;      /* the frame address is rbp + cfa_off, else rsp */
    uint8_t rbp_saved;    /* the caller's rbp is at cfa + rbp_off */
    uint8_t ra_end;       /* no return address: the outermost frame */
    uint8_t own;          /* a frame of the shim (left out of the walk) */
};

/* A work area's rules (work.h): one thread uses it at a time. */
struct tm__unw_cache {
    struct tm__unw_rule slot[TM_UNW_SLOTS];
    unsigned char victim[TM_UNW_SLOTS / TM_UNW_WAYS]; /* next way replaced */
};

/* Notes the objects loaded at the start, the only ones whose rules are
 * kept (a dlopen()ed object may be unloaded and another loaded in its
 * place).  Takes the loader's lock (dl_iterate_phdr): call from the
 * one-time initialization, before the first walk. */
void tm__unw_init(void);

/* Up to max return addresses of the frames above the caller's, the
 * shim's own (the object own_map) left out: the addresses libgcc's
 * _Unwind_Backtrace reports.  Returns how many, or -1 when some frame
 * cannot be walked here (nothing in pcs is then to be used).
 * Async-signal-safe; x86-64 only (-1 elsewhere). */
int tm__unw_walk(struct tm__unw_cache *c, const void *own_map, void **pcs,
                 int max);

#endif
