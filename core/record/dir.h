/*
 * dir.h - the telemetry directory (README "Storage"): chosen, created, checked,
 * opened.
 *
 * Raw system calls and fixed buffers only: the shim calls these from its
 * failure path (async-signal-safe, no malloc, no stdio, no interposed
 * function, no path-sized array on the stack in tm__dir_use()).
 *
 * The rules (README "Storage"):
 * - The final directory must be a real directory, not a symlink, however
 *   the path is spelled: trailing "/" and "/." are removed lexically before
 *   the O_NOFOLLOW open ("lnk/", "lnk/.", "lnk//" and "lnk/./" all name
 *   the link "lnk").  Links among the parents are the user's business.
 * - It is owned by the effective user and not writable by group or others.
 * - The default: the shared TM_DEFAULT_DIR when it is yours, or when it is
 *   absent (then created 0700) and you have no per-user default from
 *   before; when it exists and is another user's (directory, link or file),
 *   the per-user TM_DEFAULT_DIR "-<euid>" (created 0700).  When that one is
 *   another user's too, nothing is written: refused (TM_EDIROWNER ...), and
 *   `telemetry doctor` says so.  Writers and readers of one user take the
 *   same decision, so `telemetry summary` reads where the shim writes.
 */
#ifndef TM_DIR_H
#define TM_DIR_H

#include <stddef.h>
#include <sys/types.h>

struct tm__config;

/* Why tm__dir_use() chose the directory it wrote into `used`. */
enum tm__dir_how {
    TM_DIR_CONFIGURED,       /* --dir, TELEMETRY_DIR or tm_open(dir) */
    TM_DIR_SHARED,           /* the shared default: yours, or absent */
    TM_DIR_FALLBACK_FOREIGN, /* the shared default is another user's */
    TM_DIR_FALLBACK_KEPT     /* the shared default is absent and your
                                per-user default exists from before */
};

/* The one way to the directory of a configuration: cfg->dir when
 * configured (created with its parents when `create`), else the default
 * scheme above (created when `create`).  Writes the directory used (or
 * the last one tried, for messages) into `used` (cap bytes; PATH_MAX is
 * always enough) and, when `how` is not NULL, why into *how.  Returns a
 * descriptor (O_CLOEXEC) the caller closes, or a negative TM_* code:
 * TM_EINVAL for a configuration that was too long (cfg->too_long) or a
 * path that does not fit in `used`; TM_EDIR with errno ENOENT when the
 * directory is absent and `create` is 0.  Async-signal-safe. */
int tm__dir_use(const struct tm__config *cfg, int create, char *used,
                size_t cap, int *how);

/* Opens `dir` for *at() calls after the checks above (trailing "/" and
 * "/." ignored).  Returns a descriptor (O_CLOEXEC) the caller closes, or
 * a negative TM_* code.  Never creates anything. */
int tm__dir_open(const char *dir);

/* Creates `dir` (mode 0700; missing parents too when `parents`) if absent.
 * Returns 0 or a TM_* code.  Never changes an existing directory.  Kept
 * for callers not yet on tm__dir_use(). */
int tm__dir_create(const char *dir, int parents);

/* Writes `dir` without its trailing "/" and "/." components ("/" and "."
 * stay) into out; returns its length, or -1 when empty or it does not fit
 * in cap bytes. */
long tm__dir_normalize(const char *dir, char *out, size_t cap);

/* The per-user default directory (TM_DEFAULT_DIR "-<euid>") into out;
 * returns 0, or -1 when cap is too small. */
int tm__dir_fallback(char *out, size_t cap);

/* The effective uid of the ownership checks: in the shim (shim/euid.c),
 * the one tm__euid_refresh() last read in this thread (once per event),
 * else asked now; in the library and the command (euid.c), asked at each
 * call. */
uid_t tm__euid(void);
uid_t tm__euid_refresh(void);

#endif
