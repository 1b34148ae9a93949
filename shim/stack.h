/*
 * stack.h - running the failure path on a stack of the shim's own.
 *
 * Hosts run signal handlers on small alternate stacks (8 KiB, of which the
 * kernel's signal frame takes several KiB on AVX-512 machines).  The
 * failure path needs tens of KiB (path buffers, the scrubber's matcher, the
 * one-time initialization), so it runs on a stack that lives in its work
 * area; the host's stack carries only the wrapper and this switch (README,
 * "Manners", gives the measured figure).  The switch keeps the frame chain
 * described (CFI), so the unwinder walks from the shim's stack back into
 * the host's.
 */
#ifndef TM_SHIM_STACK_H
#define TM_SHIM_STACK_H

/* Calls fn(arg) with the stack pointer at `top` (16-byte aligned, the end
 * of a region the caller owns), and returns on the caller's stack.  On
 * architectures without the switch, calls fn(arg) where it is. */
void tm__on_stack(void (*fn)(void *), void *arg, void *top);

#endif
