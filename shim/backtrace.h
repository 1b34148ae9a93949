/*
 * backtrace.h - instruction addresses at the failure site and their
 * module+offset names.
 *
 * The unwinder is libgcc's (_Unwind_Backtrace from libgcc_s.so.1, loaded
 * with dlopen(RTLD_LOCAL)): it keeps no descriptor, takes no lock once
 * initialized (glibc's _dl_find_object finds the unwind tables), and needs
 * no state a fork child could inherit half-made.  libunwind 1.6 was used
 * before; it keeps a validation pipe open for the life of the process,
 * which a host that closes or reuses descriptor numbers sees corrupted
 * (README, "Manners in someone else's process").
 */
#ifndef TM_SHIM_BACKTRACE_H
#define TM_SHIM_BACKTRACE_H

#include <stdint.h>

#include <stddef.h>

#include "stackwalk.h"

/* Loads the unwinder and runs it once (its one-time set-up then happens
 * here, not in a signal handler).  Not async-signal-safe: call from the
 * one-time heavy initialization.  Returns 0, or -1 when it is not
 * available (events then carry no backtrace). */
int tm__bt_load(void);

/* Up to `max` return addresses of the caller's stack, the shim's own
 * frames left out.  Returns how many (0 before tm__bt_load succeeded).
 * Walked by stackwalk.h with the rules kept in cache (a work area's; NULL:
 * none), or by libgcc where that walk gives up: the same addresses.
 * Async-signal-safe once loaded. */
int tm__bt_capture(void **pcs, int max, struct tm__unw_cache *cache);

/* The same, by libgcc's unwinder alone: the reference the walk of
 * stackwalk.h must agree with (tests/unit/test_shim_stackwalk.c). */
int tm__bt_capture_libgcc(void **pcs, int max);

/* The module of pc (a basename; the program's name for the main program,
 * "?" when none holds pc) and pc's offset from its load address, the
 * frame "module+0xoff" of an event.  Uses _dl_find_object: lock-free,
 * async-signal-safe. */
const char *tm__bt_module(void *pc, uintptr_t *off);

#endif
