/*
 * init.c - the shim's constructor: read the configuration once, note who
 * the process is, register the exit hook.  No allocation, no file access:
 * every process an agent starts (each git command) pays for this.
 */
#include <stdlib.h>

#include "proc.h"
#include "real.h"
#include "shim_state.h"
#include "start.h"

TM_START_TEXT static void at_exit(int status, void *arg)
{
    (void)arg;
    tm__capture_exit(status);
}

/* DT_FINI: the linker's default, _fini (crti/crtn's empty .fini), lands at
 * the far end of .text, a page every exit would touch for nothing; the
 * Makefile names this one instead (-Wl,-fini).  Destructors run from
 * .fini_array as always. */
void tm__shim_fini(void);
TM_START_TEXT void tm__shim_fini(void)
{
}

__attribute__((constructor)) static void tm__shim_init(int argc, char **argv)
{
    /* First, whatever the configuration: the wrappers call the real
     * functions in a process that records nothing too, and must not ask
     * dlsym for them then (real.c). */
    tm__real_init();
    tm__config_from_env(&tm__shim.cfg);
    /* A variable too long for its buffer is never cut into another
     * meaning (another directory, a glob list that misses a private
     * repo): such a configuration records nothing. */
    if (tm__shim.cfg.disable || tm__shim.cfg.too_long != NULL)
        return;
    /* A relative directory would be another one in every directory the
     * host works in (inside its work tree, where git sees it). */
    if (tm__shim.cfg.dir[0] != '/')
        return;
    tm__shim.dirlen = tm__start_nlen(tm__shim.cfg.dir, sizeof(tm__shim.cfg.dir));
    while (tm__shim.dirlen > 1 && tm__shim.cfg.dir[tm__shim.dirlen - 1] == '/')
        tm__shim.dirlen--;
    tm__proc_args(argc, argv, tm__shim.cfg.agent, tm__shim.cfg.repo);
    /* No pthread_atfork hook: registering one touches two pages of libc
     * a process would not touch otherwise (about 30 us a start on the
     * benchmark's VM); the fork wrappers do its work (calls.h). */
    on_exit(at_exit, NULL);
    __atomic_store_n(&tm__shim.ready, 1, __ATOMIC_RELEASE);
}
