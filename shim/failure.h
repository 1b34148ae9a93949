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

#include <stddef.h>
#include <string.h>
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

/* A failure is about 1.2 KB, most of it room: clearing or copying the
 * whole of it was a quarter of a probe's cost (README "Performance").
 * These touch what is in use: the numbers, each text up to its NUL, the
 * pcs up to npcs.  Nothing reads past a text's NUL or past npcs. */
_Static_assert(offsetof(struct tm__failure, path) <
                       offsetof(struct tm__failure, path2) &&
                   offsetof(struct tm__failure, path2) <
                       offsetof(struct tm__failure, repo) &&
                   offsetof(struct tm__failure, repo) <
                       offsetof(struct tm__failure, routine) &&
                   offsetof(struct tm__failure, pcs) + sizeof(void *) * TM_FRAMES_MAX ==
                       sizeof(struct tm__failure),
               "tm__failure_clear/copy expect: numbers, the three texts, "
               "numbers, pcs last");

static inline void tm__failure_clear(struct tm__failure *f)
{
    memset(f, 0, offsetof(struct tm__failure, path));
    f->path[0] = f->path2[0] = f->repo[0] = '\0';
    memset(&f->routine, 0,
           offsetof(struct tm__failure, pcs) - offsetof(struct tm__failure, routine));
}

static inline void tm__failure_text(char *dst, const char *src, size_t cap)
{
    size_t n = strnlen(src, cap - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

static inline void tm__failure_copy(struct tm__failure *d, const struct tm__failure *s)
{
    size_t npcs = s->npcs <= 0 ? 0 : s->npcs < TM_FRAMES_MAX ? (size_t)s->npcs : TM_FRAMES_MAX;

    memcpy(d, s, offsetof(struct tm__failure, path));
    tm__failure_text(d->path, s->path, sizeof(d->path));
    tm__failure_text(d->path2, s->path2, sizeof(d->path2));
    tm__failure_text(d->repo, s->repo, sizeof(d->repo));
    memcpy(&d->routine, &s->routine,
           offsetof(struct tm__failure, pcs) - offsetof(struct tm__failure, routine));
    memcpy(d->pcs, s->pcs, npcs * sizeof(s->pcs[0]));
}

#endif
