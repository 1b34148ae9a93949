/*
 * shim.c - the interposed functions, and nothing else.
 *
 * Each wrapper calls the real function exactly once with the caller's
 * arguments and returns its result.  Only when the call failed does it hand
 * the call, its arguments and errno to the capture code, which restores
 * errno before returning.  The success path does no other work, but for
 * chdir and fchdir: one atomic increment that says the current directory
 * changed, and fork, which waits for threads inside the failure path before
 * the real call and gives the child its own state after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "capture.h"
#include "proc.h"
#include "real.h"
#include "start.h"

/* The wrappers are what every host's calls run: their code is kept together
 * right after the start's (start.h), not spread over .text. */
#define EXPORT __attribute__((visibility("default"))) TM_HOT_TEXT
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

/* One wrapper form per shape of calls.h; WRAP_<shape>(id, symbol) defines
 * the function `symbol`, which reports as TM_CALL_<id>. */

#define WRAP_OPEN(id, sym)                                                     \
    EXPORT int sym(const char *path, int flags, ...)                           \
    {                                                                          \
        READ_MODE(flags)                                                       \
        GET_OR(sym, -1)                                                        \
        int r = fn(path, flags, mode);                                         \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, path, flags, errno);     \
        return r;                                                              \
    }

#define WRAP_OPENAT(id, sym)                                                   \
    EXPORT int sym(int dirfd, const char *path, int flags, ...)                \
    {                                                                          \
        READ_MODE(flags)                                                       \
        GET_OR(sym, -1)                                                        \
        int r = fn(dirfd, path, flags, mode);                                  \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, dirfd, path, flags, errno);        \
        return r;                                                              \
    }

#define WRAP_CREAT(id, sym)                                                    \
    EXPORT int sym(const char *path, mode_t mode)                              \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(path, mode);                                                \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, path,                    \
                             O_CREAT | O_WRONLY | O_TRUNC, errno);             \
        return r;                                                              \
    }

/* _FORTIFY_SOURCE entry points: two arguments, no mode. */
#define WRAP_OPEN2(id, sym)                                                    \
    EXPORT int sym(const char *path, int flags)                                \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(path, flags);                                               \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, path, flags, errno);     \
        return r;                                                              \
    }

#define WRAP_OPENAT2(id, sym)                                                  \
    EXPORT int sym(int dirfd, const char *path, int flags)                     \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(dirfd, path, flags);                                        \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, dirfd, path, flags, errno);        \
        return r;                                                              \
    }

/* stdio opens: glibc opens internally, the open hooks never see them. */
#define WRAP_FOPEN(id, sym)                                                    \
    EXPORT FILE *sym(const char *path, const char *mode)                       \
    {                                                                          \
        GET_OR(sym, NULL)                                                      \
        FILE *f = fn(path, mode);                                              \
        if (UNLIKELY(f == NULL))                                               \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, path,                    \
                             tm__fopen_flags(mode), errno);                    \
        return f;                                                              \
    }

#define WRAP_FREOPEN(id, sym)                                                  \
    EXPORT FILE *sym(const char *path, const char *mode, FILE *stream)         \
    {                                                                          \
        GET_OR(sym, NULL)                                                      \
        FILE *f = fn(path, mode, stream);                                      \
        if (UNLIKELY(f == NULL))                                               \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, path,                    \
                             tm__fopen_flags(mode), errno);                    \
        return f;                                                              \
    }

/* Temporary files. */
#define WRAP_MKSTEMP(id, sym)                                                  \
    EXPORT int sym(char *tmpl)                                                 \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(tmpl);                                                      \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, tmpl,                    \
                             O_RDWR | O_CREAT | O_EXCL, errno);                \
        return r;                                                              \
    }

#define WRAP_MKOSTEMP(id, sym)                                                 \
    EXPORT int sym(char *tmpl, int flags)                                      \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(tmpl, flags);                                               \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_path(TM_CALL_##id, AT_FDCWD, tmpl,                    \
                             O_RDWR | O_CREAT | O_EXCL | flags, errno);        \
        return r;                                                              \
    }

/* Renames. */
#define WRAP_RENAME(id, sym)                                                   \
    EXPORT int sym(const char *oldp, const char *newp)                         \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(oldp, newp);                                                \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_rename(TM_CALL_##id, AT_FDCWD, oldp, AT_FDCWD, newp,  \
                               errno);                                         \
        return r;                                                              \
    }

#define WRAP_RENAMEAT(id, sym)                                                 \
    EXPORT int sym(int od, const char *oldp, int nd, const char *newp)         \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(od, oldp, nd, newp);                                        \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_rename(TM_CALL_##id, od, oldp, nd, newp, errno);      \
        return r;                                                              \
    }

#define WRAP_RENAMEAT2(id, sym)                                                \
    EXPORT int sym(int od, const char *oldp, int nd, const char *newp,         \
                   unsigned int flags)                                         \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(od, oldp, nd, newp, flags);                                 \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_rename(TM_CALL_##id, od, oldp, nd, newp, errno);      \
        return r;                                                              \
    }

/* Writes: FD_WRAPPER(id, sym, (parameters), (arguments)), a call on
 * descriptor fd. */
#define FD_WRAPPER(id, sym, params, args)                                      \
    EXPORT ssize_t sym params                                                  \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        ssize_t r = fn args;                                                   \
        if (UNLIKELY(r < 0))                                                   \
            tm__capture_fd(TM_CALL_##id, fd, errno);                           \
        return r;                                                              \
    }

#define IOV const struct iovec *iov, int cnt
#define BUF const void *buf, size_t n
#define WRAP_WRITE(id, sym) FD_WRAPPER(id, sym, (int fd, BUF), (fd, buf, n))
#define WRAP_WRITEV(id, sym) FD_WRAPPER(id, sym, (int fd, IOV), (fd, iov, cnt))
#define WRAP_PWRITE(id, sym)                                                   \
    FD_WRAPPER(id, sym, (int fd, BUF, off_t off), (fd, buf, n, off))
#define WRAP_PWRITEV(id, sym)                                                  \
    FD_WRAPPER(id, sym, (int fd, IOV, off_t off), (fd, iov, cnt, off))
#define WRAP_PWRITEV2(id, sym)                                                 \
    FD_WRAPPER(id, sym, (int fd, IOV, off_t off, int fl),                      \
               (fd, iov, cnt, off, fl))

/* stdio flushes: a full disk under fprintf is only seen here. */
#define WRAP_FFLUSH(id, sym)                                                   \
    EXPORT int sym(FILE *stream)                                               \
    {                                                                          \
        GET_OR(sym, EOF)                                                       \
        int r = fn(stream);                                                    \
        if (UNLIKELY(r == EOF)) {                                              \
            int err = errno; /* before fileno_unlocked() can touch it */       \
            tm__capture_fd(TM_CALL_##id,                                       \
                           stream ? fileno_unlocked(stream) : -1, err);        \
        }                                                                      \
        return r;                                                              \
    }

/* The stream and its descriptor are gone: no target to name. */
#define WRAP_FCLOSE(id, sym)                                                   \
    EXPORT int sym(FILE *stream)                                               \
    {                                                                          \
        GET_OR(sym, EOF)                                                       \
        int r = fn(stream);                                                    \
        if (UNLIKELY(r == EOF))                                                \
            tm__capture_fd(TM_CALL_##id, -1, errno);                           \
        return r;                                                              \
    }

/* Exec and _exit end the process image without its exit hook: the
 * process's suppressed counts are written first (README "Runs").  The
 * real function is then called exactly once, as it was asked. */
#define WRAP_EXECVE(id, sym)                                                   \
    EXPORT int sym(const char *path, char *const argv[], char *const envp[])   \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        tm__capture_image_end();                                               \
        return fn(path, argv, envp);                                           \
    }

#define WRAP_EXECV(id, sym)                                                    \
    EXPORT int sym(const char *path, char *const argv[])                       \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        tm__capture_image_end();                                               \
        return fn(path, argv);                                                 \
    }

#define WRAP_FEXECVE(id, sym)                                                  \
    EXPORT int sym(int fd, char *const argv[], char *const envp[])             \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        tm__capture_image_end();                                               \
        return fn(fd, argv, envp);                                             \
    }

/* execl, execlp, execle: the arguments into an array on the stack, as
 * glibc does, then the real execv, execvp or execve. */
static int execl_as_v(enum tm__call call, const char *path, const char *arg,
                      va_list ap)
{
    size_t n = 0;
    va_list cp;

    va_copy(cp, ap);
    if (arg != NULL)
        for (n = 1; va_arg(cp, const char *) != NULL; n++)
            ;
    va_end(cp);

    char *argv[n + 1];
    char *const *envp = NULL;

    argv[0] = (char *)arg;
    for (size_t i = 1; i < n; i++)
        argv[i] = va_arg(ap, char *);
    if (n > 0)
        (void)va_arg(ap, char *); /* the NULL that ends them */
    argv[n] = NULL;
    if (call == TM_CALL_execle)
        envp = va_arg(ap, char *const *);
    if (call == TM_CALL_execle) {
        GET_OR(execve, -1)
        tm__capture_image_end();
        return fn(path, argv, envp);
    }
    if (call == TM_CALL_execlp) {
        GET_OR(execvp, -1)
        tm__capture_image_end();
        return fn(path, argv);
    }
    GET_OR(execv, -1)
    tm__capture_image_end();
    return fn(path, argv);
}

#define WRAP_EXECL(id, sym)                                                    \
    EXPORT int sym(const char *path, const char *arg, ...)                     \
    {                                                                          \
        va_list ap;                                                            \
        va_start(ap, arg);                                                     \
        int r = execl_as_v(TM_CALL_##id, path, arg, ap);                       \
        va_end(ap);                                                            \
        return r;                                                              \
    }

#define WRAP_EXIT(id, sym)                                                     \
    EXPORT void sym(int status)                                                \
    {                                                                          \
        tm__real_##sym##_t fn = REAL(sym);                                     \
        tm__capture_image_end();                                               \
        if (fn != NULL)                                                        \
            fn(status);                                                        \
        syscall(SYS_exit_group, status);                                       \
        __builtin_unreachable();                                               \
    }

/* A change of the current directory that succeeded makes the failure
 * path ask for it again (proc.h); the call itself is left as it was. */
#define WRAP_CHDIR(id, sym)                                                    \
    EXPORT int sym(const char *path)                                           \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(path);                                                      \
        if (r == 0)                                                            \
            tm__proc_moved();                                                  \
        return r;                                                              \
    }

#define WRAP_FCHDIR(id, sym)                                                   \
    EXPORT int sym(int fd)                                                     \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        int r = fn(fd);                                                        \
        if (r == 0)                                                            \
            tm__proc_moved();                                                  \
        return r;                                                              \
    }

/* The child's state is its own before fork returns in it; the wait before
 * it leaves the caller's errno as it was (the real call sets it or not). */
#define WRAP_FORK(id, sym)                                                     \
    EXPORT pid_t sym(void)                                                     \
    {                                                                          \
        GET_OR(sym, -1)                                                        \
        tm__capture_prefork();                                                 \
        pid_t r = fn();                                                        \
        if (r == 0)                                                            \
            tm__capture_forked();                                              \
        else                                                                   \
            tm__capture_forked_parent();                                       \
        return r;                                                              \
    }

#define TM__WRAP(id, sym, shape) WRAP_##shape(id, sym)
TM_SHIM_CALLS(TM__WRAP)
