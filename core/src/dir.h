/*
 * dir.h - the telemetry directory (SPEC §3): created, checked, opened.
 *
 * Raw system calls and fixed buffers only: the shim calls these from its
 * failure path (async-signal-safe, no malloc, no interposed function).
 */
#ifndef TM_DIR_H
#define TM_DIR_H

#include <sys/types.h>

/* Creates `dir` (mode 0700; missing parents too when `parents`) if absent.
 * Returns 0 or a TM_* code.  Never changes an existing directory. */
int tm__dir_create(const char *dir, int parents);

/* Opens `dir` for *at() calls after checking it is a real directory (not a
 * symlink), owned by the effective user, not writable by group or others.
 * Returns a descriptor (O_CLOEXEC) the caller closes, or a negative TM_*
 * code. */
int tm__dir_open(const char *dir);

/* The effective uid, asked once per process. */
uid_t tm__euid(void);

#endif
