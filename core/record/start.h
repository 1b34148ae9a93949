/*
 * start.h - where the constants a process start reads live.
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

#endif
