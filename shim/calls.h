/*
 * calls.h - the interposed functions, written once.
 *
 * Everything that names them is made from TM_SHIM_CALLS: the wrappers
 * (shim.c), the table of real functions (real.h), the call ids and what
 * each records as its operation (capture), and the exported-symbol list
 * (exports.map.in, expanded by the Makefile into the linker's version
 * script).  This file holds macros only, so the version script can be made
 * from it by the preprocessor alone.
 *
 * X(id, symbol, shape)
 *   id      the call's name in C: TM_CALL_<id>
 *   symbol  the exported name
 *   shape   the wrapper's form, which also gives the function's type and
 *           the operation it records (the TM_SHAPE_<shape>_* rows below)
 */
#ifndef TM_SHIM_CALLS_H
#define TM_SHIM_CALLS_H

#define TM_SHIM_CALLS(X)                                                       \
    X(open, open, OPEN)                                                        \
    X(open64, open64, OPEN)                                                    \
    X(openat, openat, OPENAT)                                                  \
    X(openat64, openat64, OPENAT)                                              \
    X(creat, creat, CREAT)                                                     \
    X(creat64, creat64, CREAT)                                                 \
    X(open_2, __open_2, OPEN2)                                                 \
    X(open64_2, __open64_2, OPEN2)                                             \
    X(openat_2, __openat_2, OPENAT2)                                           \
    X(openat64_2, __openat64_2, OPENAT2)                                       \
    X(fopen, fopen, FOPEN)                                                     \
    X(fopen64, fopen64, FOPEN)                                                 \
    X(freopen, freopen, FREOPEN)                                               \
    X(freopen64, freopen64, FREOPEN)                                           \
    X(mkstemp, mkstemp, MKSTEMP)                                               \
    X(mkstemp64, mkstemp64, MKSTEMP)                                           \
    X(mkostemp, mkostemp, MKOSTEMP)                                            \
    X(mkostemp64, mkostemp64, MKOSTEMP)                                        \
    X(rename, rename, RENAME)                                                  \
    X(renameat, renameat, RENAMEAT)                                            \
    X(renameat2, renameat2, RENAMEAT2)                                         \
    X(write, write, WRITE)                                                     \
    X(writev, writev, WRITEV)                                                  \
    X(pwrite, pwrite, PWRITE)                                                  \
    X(pwrite64, pwrite64, PWRITE)                                              \
    X(pwritev, pwritev, PWRITEV)                                               \
    X(pwritev64, pwritev64, PWRITEV)                                           \
    X(pwritev2, pwritev2, PWRITEV2)                                            \
    X(pwritev64v2, pwritev64v2, PWRITEV2)                                      \
    X(fflush, fflush, FFLUSH)                                                  \
    X(fclose, fclose, FCLOSE)                                                  \
    X(execve, execve, EXECVE)                                                  \
    X(execvpe, execvpe, EXECVE)                                                \
    X(execv, execv, EXECV)                                                     \
    X(execvp, execvp, EXECV)                                                   \
    X(fexecve, fexecve, FEXECVE)                                               \
    X(execl, execl, EXECL)                                                     \
    X(execlp, execlp, EXECL)                                                   \
    X(execle, execle, EXECL)                                                   \
    X(exit_, _exit, EXIT)                                                      \
    X(Exit, _Exit, EXIT)                                                       \
    X(chdir, chdir, CHDIR)                                                     \
    X(fchdir, fchdir, FCHDIR)                                                  \
    X(fork, fork, FORK)                                                        \
    X(Fork, _Fork, FORK)

/* Each shape: the return type, the parameter types (the real function's
 * pointer type is made from them) and the operation recorded. */
#define TM_SHAPE_OPEN_RET int
#define TM_SHAPE_OPEN_PARAMS (const char *, int, ...)
#define TM_SHAPE_OPEN_OP OPEN
#define TM_SHAPE_OPENAT_RET int
#define TM_SHAPE_OPENAT_PARAMS (int, const char *, int, ...)
#define TM_SHAPE_OPENAT_OP OPEN
#define TM_SHAPE_CREAT_RET int
#define TM_SHAPE_CREAT_PARAMS (const char *, mode_t)
#define TM_SHAPE_CREAT_OP OPEN
#define TM_SHAPE_OPEN2_RET int
#define TM_SHAPE_OPEN2_PARAMS (const char *, int)
#define TM_SHAPE_OPEN2_OP OPEN
#define TM_SHAPE_OPENAT2_RET int
#define TM_SHAPE_OPENAT2_PARAMS (int, const char *, int)
#define TM_SHAPE_OPENAT2_OP OPEN
#define TM_SHAPE_FOPEN_RET FILE *
#define TM_SHAPE_FOPEN_PARAMS (const char *, const char *)
#define TM_SHAPE_FOPEN_OP OPEN
#define TM_SHAPE_FREOPEN_RET FILE *
#define TM_SHAPE_FREOPEN_PARAMS (const char *, const char *, FILE *)
#define TM_SHAPE_FREOPEN_OP OPEN
#define TM_SHAPE_MKSTEMP_RET int
#define TM_SHAPE_MKSTEMP_PARAMS (char *)
#define TM_SHAPE_MKSTEMP_OP OPEN
#define TM_SHAPE_MKOSTEMP_RET int
#define TM_SHAPE_MKOSTEMP_PARAMS (char *, int)
#define TM_SHAPE_MKOSTEMP_OP OPEN
#define TM_SHAPE_RENAME_RET int
#define TM_SHAPE_RENAME_PARAMS (const char *, const char *)
#define TM_SHAPE_RENAME_OP RENAME
#define TM_SHAPE_RENAMEAT_RET int
#define TM_SHAPE_RENAMEAT_PARAMS (int, const char *, int, const char *)
#define TM_SHAPE_RENAMEAT_OP RENAME
#define TM_SHAPE_RENAMEAT2_RET int
#define TM_SHAPE_RENAMEAT2_PARAMS                                              \
    (int, const char *, int, const char *, unsigned int)
#define TM_SHAPE_RENAMEAT2_OP RENAME
#define TM_SHAPE_WRITE_RET ssize_t
#define TM_SHAPE_WRITE_PARAMS (int, const void *, size_t)
#define TM_SHAPE_WRITE_OP WRITE
#define TM_SHAPE_WRITEV_RET ssize_t
#define TM_SHAPE_WRITEV_PARAMS (int, const struct iovec *, int)
#define TM_SHAPE_WRITEV_OP WRITE
#define TM_SHAPE_PWRITE_RET ssize_t
#define TM_SHAPE_PWRITE_PARAMS (int, const void *, size_t, off_t)
#define TM_SHAPE_PWRITE_OP WRITE
#define TM_SHAPE_PWRITEV_RET ssize_t
#define TM_SHAPE_PWRITEV_PARAMS (int, const struct iovec *, int, off_t)
#define TM_SHAPE_PWRITEV_OP WRITE
#define TM_SHAPE_PWRITEV2_RET ssize_t
#define TM_SHAPE_PWRITEV2_PARAMS (int, const struct iovec *, int, off_t, int)
#define TM_SHAPE_PWRITEV2_OP WRITE
#define TM_SHAPE_FFLUSH_RET int
#define TM_SHAPE_FFLUSH_PARAMS (FILE *)
#define TM_SHAPE_FFLUSH_OP WRITE
#define TM_SHAPE_FCLOSE_RET int
#define TM_SHAPE_FCLOSE_PARAMS (FILE *)
#define TM_SHAPE_FCLOSE_OP WRITE
/* The ends of a process image that skip its exit hook: the process's
 * suppressed counts are written before them (README "Runs"); nothing of
 * theirs is recorded. */
#define TM_SHAPE_EXECVE_RET int
#define TM_SHAPE_EXECVE_PARAMS (const char *, char *const *, char *const *)
#define TM_SHAPE_EXECVE_OP END
#define TM_SHAPE_EXECV_RET int
#define TM_SHAPE_EXECV_PARAMS (const char *, char *const *)
#define TM_SHAPE_EXECV_OP END
#define TM_SHAPE_FEXECVE_RET int
#define TM_SHAPE_FEXECVE_PARAMS (int, char *const *, char *const *)
#define TM_SHAPE_FEXECVE_OP END
#define TM_SHAPE_EXECL_RET int
#define TM_SHAPE_EXECL_PARAMS (const char *, const char *, ...)
#define TM_SHAPE_EXECL_OP END
#define TM_SHAPE_EXIT_RET void
#define TM_SHAPE_EXIT_PARAMS (int)
#define TM_SHAPE_EXIT_OP END
/* The current directory's changes: the failure path's cached directory is
 * asked again after one that succeeded (README "Which repository");
 * nothing of theirs is recorded. */
#define TM_SHAPE_CHDIR_RET int
#define TM_SHAPE_CHDIR_PARAMS (const char *)
#define TM_SHAPE_CHDIR_OP CWD
#define TM_SHAPE_FCHDIR_RET int
#define TM_SHAPE_FCHDIR_PARAMS (int)
#define TM_SHAPE_FCHDIR_OP CWD
/* fork and _Fork: before, the wait for threads inside the failure path;
 * in the child, its own state (README "Manners in someone else's
 * process").  A wrapper, not a pthread_atfork hook: registering one costs
 * every process start two pages of libc.  vfork is never wrapped (its
 * child borrows the caller's stack frame); nothing of theirs is recorded. */
#define TM_SHAPE_FORK_RET pid_t
#define TM_SHAPE_FORK_PARAMS (void)
#define TM_SHAPE_FORK_OP FORK

#endif
