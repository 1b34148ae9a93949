/*
 * init.c - the shim's constructor: read the configuration once, note who
 * the process is, register the exit hook.  No allocation, no file access:
 * every process an agent starts (each git command) pays for this.
 */
#include <pthread.h>
#include <stdlib.h>

#include "capture.h"
#include "proc.h"
#include "real.h"
#include "shim_state.h"

static void at_exit(int status, void *arg)
{
    (void)arg;
    tm__capture_exit(status);
}

__attribute__((constructor)) static void tm__shim_init(int argc, char **argv)
{
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
    tm__real_init();
    tm__proc_args(argc, argv, tm__shim.cfg.agent, tm__shim.cfg.repo);
    on_exit(at_exit, NULL);
    pthread_atfork(tm__capture_prefork, NULL, tm__capture_forked);
    __atomic_store_n(&tm__shim.ready, 1, __ATOMIC_RELEASE);
}
