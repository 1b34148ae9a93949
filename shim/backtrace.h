/*
 * backtrace.h - instruction addresses at the failure site (libunwind,
 * loaded with dlopen(RTLD_LOCAL) so it never enters the host's symbol
 * scope) and their module+offset names.
 */
#ifndef TM_SHIM_BACKTRACE_H
#define TM_SHIM_BACKTRACE_H

#include <stddef.h>

/* Loads libunwind.  Not async-signal-safe: call from the one-time heavy
 * initialization.  Returns 0, or -1 when libunwind is not available
 * (events then carry no backtrace). */
int tm__bt_load(void);

/* Up to `max` return addresses of the caller's stack, the shim's own
 * frames left out.  Returns how many (0 before tm__bt_load succeeded).
 * Async-signal-safe as libunwind's local unwinding is. */
int tm__bt_capture(void **pcs, int max);

/* "module+0xoff" (module a basename, the offset from its load address)
 * into out.  Uses _dl_find_object: lock-free, async-signal-safe. */
void tm__bt_name(void *pc, char *out, size_t cap);

#endif
