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

#endif
