/*
 * shim.c - the interposed functions, and nothing else.
 *
 * Each wrapper calls the real function exactly once with the caller's
 * arguments and returns its result.  Only when the call failed does it hand
 * the call, its arguments and errno to the capture code, which restores
 * errno before returning.  The success path does no other work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "capture.h"
#include "real.h"

#define EXPORT __attribute__((visibility("default")))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* O_TMPFILE contains O_DIRECTORY: test all of its bits, not one. */
#define NEEDS_MODE(flags)                                                      \
    (((flags) & O_CREAT) != 0 || ((flags) & O_TMPFILE) == O_TMPFILE)

/* The real function, or fail like a libc that lacks it (renameat2 and
 * pwritev2 are optional). */
#define GET_OR(name, fail)                                                     \
    tm__real_##name##_t fn = REAL(name);                                       \
    if (UNLIKELY(fn == NULL)) {                                                \
        errno = ENOSYS;                                                        \
        return fail;                                                           \
    }

#define READ_MODE(last)                                                        \
    int mode = 0;                                                              \
    if (NEEDS_MODE(flags)) {                                                   \
        va_list ap;                                                            \
        va_start(ap, last);                                                    \
        mode = va_arg(ap, int);                                                \
        va_end(ap);                                                            \
    }

/* ---- open family ---- */

#define OPEN_WRAPPER(name)                                                     \
    EXPORT int name(const char *path, int flags, ...)                          \
    {                                                                          \
        READ_MODE(flags)                                                       \
        GET_OR(name, -1)                                                       \
        int r = fn(path, flags, mode);                                         \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##name, AT_FDCWD, path, flags, errno);   \
        return r;                                                              \
    }

#define OPENAT_WRAPPER(name)                                                   \
    EXPORT int name(int dirfd, const char *path, int flags, ...)               \
    {                                                                          \
        READ_MODE(flags)                                                       \
        GET_OR(name, -1)                                                       \
        int r = fn(dirfd, path, flags, mode);                                  \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##name, dirfd, path, flags, errno);      \
        return r;                                                              \
    }

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

#define CREAT_WRAPPER(name)                                                    \
    EXPORT int name(const char *path, mode_t mode)                             \
    {                                                                          \
        GET_OR(name, -1)                                                       \
        int r = fn(path, mode);                                                \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##name, AT_FDCWD, path,                  \
                             O_CREAT | O_WRONLY | O_TRUNC, errno);             \
        return r;                                                              \
    }

CREAT_WRAPPER(creat)
CREAT_WRAPPER(creat64)

/* _FORTIFY_SOURCE entry points: two arguments, no mode. */
#define OPEN2_WRAPPER(name, id)                                                \
    EXPORT int name(const char *path, int flags)                               \
    {                                                                          \
        GET_OR(name, -1)                                                       \
        int r = fn(path, flags);                                               \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, path, flags, errno);     \
        return r;                                                              \
    }

#define OPENAT2_WRAPPER(name, id)                                              \
    EXPORT int name(int dirfd, const char *path, int flags)                    \
    {                                                                          \
        GET_OR(name, -1)                                                       \
        int r = fn(dirfd, path, flags);                                        \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, dirfd, path, flags, errno);        \
        return r;                                                              \
    }

int __open_2(const char *, int);
int __open64_2(const char *, int);
int __openat_2(int, const char *, int);
int __openat64_2(int, const char *, int);
OPEN2_WRAPPER(__open_2, open_2)
OPEN2_WRAPPER(__open64_2, open64_2)
OPENAT2_WRAPPER(__openat_2, openat_2)
OPENAT2_WRAPPER(__openat64_2, openat64_2)

/* ---- stdio opens: glibc opens internally, the open hooks never see them */

#define FOPEN_WRAPPER(name)                                                    \
    EXPORT FILE *name(const char *path, const char *mode)                      \
    {                                                                          \
        GET_OR(name, NULL)                                                     \
        FILE *f = fn(path, mode);                                              \
        if (UNLIKELY(f == NULL))                                               \
            tm__capture_path(TM_CALL_##name, AT_FDCWD, path,                  \
                             tm__fopen_flags(mode), errno);                    \
        return f;                                                              \
    }

#define FREOPEN_WRAPPER(name)                                                  \
    EXPORT FILE *name(const char *path, const char *mode, FILE *stream)        \
    {                                                                          \
        GET_OR(name, NULL)                                                     \
        FILE *f = fn(path, mode, stream);                                      \
        if (UNLIKELY(f == NULL))                                               \
            tm__capture_path(TM_CALL_##name, AT_FDCWD, path,                  \
                             tm__fopen_flags(mode), errno);                    \
        return f;                                                              \
    }

FOPEN_WRAPPER(fopen)
FOPEN_WRAPPER(fopen64)
FREOPEN_WRAPPER(freopen)
FREOPEN_WRAPPER(freopen64)

/* ---- temporary files ---- */

#define MKSTEMP_WRAPPER(name)                                                  \
    EXPORT int name(char *tmpl)                                                \
    {                                                                          \
        GET_OR(name, -1)                                                       \
        int r = fn(tmpl);                                                      \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##name, AT_FDCWD, tmpl,                  \
                             O_RDWR | O_CREAT | O_EXCL, errno);                \
        return r;                                                              \
    }

#define MKOSTEMP_WRAPPER(name)                                                 \
    EXPORT int name(char *tmpl, int flags)                                     \
    {                                                                          \
        GET_OR(name, -1)                                                       \
        int r = fn(tmpl, flags);                                               \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##name, AT_FDCWD, tmpl,                  \
                             O_RDWR | O_CREAT | O_EXCL | flags, errno);        \
        return r;                                                              \
    }

MKSTEMP_WRAPPER(mkstemp)
MKSTEMP_WRAPPER(mkstemp64)
MKOSTEMP_WRAPPER(mkostemp)
MKOSTEMP_WRAPPER(mkostemp64)

/* ---- rename family ---- */

EXPORT int rename(const char *oldp, const char *newp)
{
    GET_OR(rename, -1)
    int r = fn(oldp, newp);
    if (UNLIKELY(r < 0))
        tm__capture_rename(TM_CALL_rename, AT_FDCWD, oldp, AT_FDCWD, newp, errno);
    return r;
}

EXPORT int renameat(int od, const char *oldp, int nd, const char *newp)
{
    GET_OR(renameat, -1)
    int r = fn(od, oldp, nd, newp);
    if (UNLIKELY(r < 0))
        tm__capture_rename(TM_CALL_renameat, od, oldp, nd, newp, errno);
    return r;
}

EXPORT int renameat2(int od, const char *oldp, int nd, const char *newp,
                     unsigned int flags)
{
    GET_OR(renameat2, -1)
    int r = fn(od, oldp, nd, newp, flags);
    if (UNLIKELY(r < 0))
        tm__capture_rename(TM_CALL_renameat2, od, oldp, nd, newp, errno);
    return r;
}

/* ---- write family ---- */

/* FD_WRAPPER(name, (parameters), (arguments)): a call on descriptor fd. */
#define FD_WRAPPER(name, params, args)                                         \
    EXPORT ssize_t name params                                                 \
    {                                                                          \
        GET_OR(name, -1)                                                       \
        ssize_t r = fn args;                                                   \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_fd(TM_CALL_##name, fd, errno);                         \
        return r;                                                              \
    }

#define IOV const struct iovec *iov, int cnt
#define BUF const void *buf, size_t n
FD_WRAPPER(write, (int fd, BUF), (fd, buf, n))
FD_WRAPPER(writev, (int fd, IOV), (fd, iov, cnt))
FD_WRAPPER(pwrite, (int fd, BUF, off_t off), (fd, buf, n, off))
FD_WRAPPER(pwrite64, (int fd, BUF, off_t off), (fd, buf, n, off))
FD_WRAPPER(pwritev, (int fd, IOV, off_t off), (fd, iov, cnt, off))
FD_WRAPPER(pwritev64, (int fd, IOV, off_t off), (fd, iov, cnt, off))
FD_WRAPPER(pwritev2, (int fd, IOV, off_t off, int fl), (fd, iov, cnt, off, fl))
FD_WRAPPER(pwritev64v2, (int fd, IOV, off_t off, int fl),
           (fd, iov, cnt, off, fl))
#undef IOV
#undef BUF

/* ---- stdio flushes: a full disk under fprintf is only seen here ---- */

EXPORT int fflush(FILE *stream)
{
    GET_OR(fflush, EOF)
    int r = fn(stream);
    if (UNLIKELY(r == EOF)) {
        int err = errno; /* before fileno_unlocked() can touch it */
        tm__capture_fd(TM_CALL_fflush, stream ? fileno_unlocked(stream) : -1,
                       err);
    }
    return r;
}

EXPORT int fclose(FILE *stream)
{
    GET_OR(fclose, EOF)
    int r = fn(stream);
    /* The stream and its descriptor are gone: no target to name. */
    if (UNLIKELY(r == EOF))
        tm__capture_fd(TM_CALL_fclose, -1, errno);
    return r;
}
