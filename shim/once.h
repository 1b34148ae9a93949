/*
 * once.h - the shim's one-time heavy initialization: compiling the
 * scrubber's rules, loading the unwinder, drawing the event-id key and
 * scrubbing the process's names.  It runs at the first failure that must
 * be written (never in the constructor, so a process that never fails
 * pays nothing) and is the one part of the failure path that allocates.
 */
#ifndef TM_SHIM_ONCE_H
#define TM_SHIM_ONCE_H

#include <stddef.h>
#include <stdint.h>

/* The states of tm__shim.once. */
enum tm__once_state { TM_ONCE_NONE, TM_ONCE_RUNNING, TM_ONCE_READY, TM_ONCE_FAILED };

/* Runs the initialization, or waits for the thread running it.  Returns
 * 0 when ready, -1 when it failed, TM_ONCE_GAVE_UP when the wait passed
 * its bound (INIT_WAIT_US) with the initialization still running: that
 * thread may wait for a lock this one holds (the loader's, in a library's
 * constructor); the caller keeps its failure for the exit. */
#define TM_ONCE_GAVE_UP 1
int tm__once(void);

/* Is the initialization done (the unwinder loaded, when configured)? */
int tm__once_ready(void);

/* Has the initialization been tried (running, done or failed)? */
int tm__once_tried(void);

/* May the initialization run now, on a failure whose host stack is at
 * host_sp?  Not from a signal handler (it allocates and loads libgcc_s):
 * 0 when a signal frame may be on the host's stack, i.e. when the return
 * address of a handler installed with a restorer (every handler on x86-64)
 * is among the 32 KiB above host_sp (read with process_vm_readv into
 * scratch, cap bytes).  1 when no handler is installed or none is seen. */
int tm__once_may_run(uintptr_t host_sp, char *scratch, size_t cap);

/* Draws the key of this process's event ids (tm__id_seq): one getrandom
 * per process instead of one per event; again in a fork()ed child. */
void tm__once_id_key(void);

/* Writes msg to stderr when TELEMETRY_DEBUG asks for it (raw write(2)). */
void tm__shim_debug(const char *msg);

#endif
