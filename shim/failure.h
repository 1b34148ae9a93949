/*
 * failure.h - the shim's central record: one failed call, as captured and
 * kept (in a work area, the probe ring, the deferred queue) until it is
 * written as an event.
 */
#ifndef TM_SHIM_FAILURE_H
#define TM_SHIM_FAILURE_H

#include "capture.h"
#include "event.h"
#include "timefmt.h"

#include <time.h>

#define TM_RING_PATH 512
#define TM_RING_PATH2 256

/* One failure, as kept until it is written. */
struct tm__failure {
    enum tm__call call;
    int err;
    int flags;
    int must_write;   /* significant, deferred (the log could not be opened) */
    struct timespec ts; /* CLOCK_REALTIME at the failure, formatted only
                           when written (tv_sec 0: none, the time it is
                           written) */
    char path[TM_RING_PATH];   /* as the caller gave it, or resolved */
    char path2[TM_RING_PATH2]; /* rename target */
    char repo[256];            /* the repository it is filed under (proc.h
                                  tm__repo_of), as found at the failure */
    int routine;      /* a start-up or configuration probe (policy.h
                         tm__policy_routine): never explains an exit */
    long searched;             /* a failed search: the places tried (> 1) */
    int npcs;
    void *pcs[TM_FRAMES_MAX];
};

#endif
