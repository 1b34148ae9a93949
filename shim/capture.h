/*
 * capture.h - what the interposed functions hand over when a call failed.
 *
 * Every entry point here is called only on the failure path, saves errno
 * on entry and restores it before returning, and is async-signal-safe: no
 * malloc, no stdio, no locks (see capture.c for the one-time exceptions).
 */
#ifndef TM_SHIM_CAPTURE_H
#define TM_SHIM_CAPTURE_H

#include <stdio.h>

/* X(id, symbol, operation) - one row per interposed function. */
#define TM_SHIM_CALLS(X)                                                       \
    X(open, "open", "open")                                                    \
    X(open64, "open64", "open")                                                \
    X(openat, "openat", "open")                                                \
    X(openat64, "openat64", "open")                                            \
    X(creat, "creat", "open")                                                  \
    X(creat64, "creat64", "open")                                              \
    X(open_2, "__open_2", "open")                                              \
    X(open64_2, "__open64_2", "open")                                          \
    X(openat_2, "__openat_2", "open")                                          \
    X(openat64_2, "__openat64_2", "open")                                      \
    X(fopen, "fopen", "open")                                                  \
    X(fopen64, "fopen64", "open")                                              \
    X(freopen, "freopen", "open")                                              \
    X(freopen64, "freopen64", "open")                                          \
    X(mkstemp, "mkstemp", "open")                                              \
    X(mkstemp64, "mkstemp64", "open")                                          \
    X(mkostemp, "mkostemp", "open")                                            \
    X(mkostemp64, "mkostemp64", "open")                                        \
    X(rename, "rename", "rename")                                              \
    X(renameat, "renameat", "rename")                                          \
    X(renameat2, "renameat2", "rename")                                        \
    X(write, "write", "write")                                                 \
    X(writev, "writev", "write")                                               \
    X(pwrite, "pwrite", "write")                                               \
    X(pwrite64, "pwrite64", "write")                                           \
    X(pwritev, "pwritev", "write")                                             \
    X(pwritev64, "pwritev64", "write")                                         \
    X(pwritev2, "pwritev2", "write")                                           \
    X(pwritev64v2, "pwritev64v2", "write")                                     \
    X(fflush, "fflush", "write")                                               \
    X(fclose, "fclose", "write")

enum tm__call {
#define TM__CALL_ENUM(id, sym, op) TM_CALL_##id,
    TM_SHIM_CALLS(TM__CALL_ENUM)
#undef TM__CALL_ENUM
    TM_CALL_COUNT
};

/* A failing open-like call on (dirfd, path) with open(2) flags. */
void tm__capture_path(enum tm__call call, int dirfd, const char *path,
                      int flags, int err);

/* A failing rename-like call. */
void tm__capture_rename(enum tm__call call, int olddirfd, const char *oldp,
                        int newdirfd, const char *newp, int err);

/* A failing write-like call on descriptor fd (-1: unknown target). */
void tm__capture_fd(enum tm__call call, int fd, int err);

/* open(2) flags equivalent to an fopen mode string. */
int tm__fopen_flags(const char *mode);

#endif
