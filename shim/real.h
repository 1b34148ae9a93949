/*
 * real.h - the real libc functions behind the interposed ones.
 *
 * One table (TM_REAL_FUNCS) names every interposed function and its type.
 * Each pointer is resolved with dlsym(RTLD_NEXT) on first use, so calls
 * that arrive before the shim's constructor (from another library's
 * constructor) work too; tm__real_init() resolves them all at start (see
 * real.c for why).
 */
#ifndef TM_SHIM_REAL_H
#define TM_SHIM_REAL_H

#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

#define TM_REAL_FUNCS(X)                                                       \
    X(open, int, (const char *, int, ...))                                     \
    X(open64, int, (const char *, int, ...))                                   \
    X(openat, int, (int, const char *, int, ...))                              \
    X(openat64, int, (int, const char *, int, ...))                            \
    X(creat, int, (const char *, mode_t))                                      \
    X(creat64, int, (const char *, mode_t))                                    \
    X(__open_2, int, (const char *, int))                                      \
    X(__open64_2, int, (const char *, int))                                    \
    X(__openat_2, int, (int, const char *, int))                               \
    X(__openat64_2, int, (int, const char *, int))                             \
    X(fopen, FILE *, (const char *, const char *))                             \
    X(fopen64, FILE *, (const char *, const char *))                           \
    X(freopen, FILE *, (const char *, const char *, FILE *))                   \
    X(freopen64, FILE *, (const char *, const char *, FILE *))                 \
    X(mkstemp, int, (char *))                                                  \
    X(mkstemp64, int, (char *))                                                \
    X(mkostemp, int, (char *, int))                                            \
    X(mkostemp64, int, (char *, int))                                          \
    X(rename, int, (const char *, const char *))                               \
    X(renameat, int, (int, const char *, int, const char *))                   \
    X(renameat2, int, (int, const char *, int, const char *, unsigned int))    \
    X(write, ssize_t, (int, const void *, size_t))                             \
    X(writev, ssize_t, (int, const struct iovec *, int))                       \
    X(pwrite, ssize_t, (int, const void *, size_t, off_t))                     \
    X(pwrite64, ssize_t, (int, const void *, size_t, off_t))                   \
    X(pwritev, ssize_t, (int, const struct iovec *, int, off_t))               \
    X(pwritev64, ssize_t, (int, const struct iovec *, int, off_t))             \
    X(pwritev2, ssize_t, (int, const struct iovec *, int, off_t, int))         \
    X(pwritev64v2, ssize_t, (int, const struct iovec *, int, off_t, int))      \
    X(fflush, int, (FILE *))                                                   \
    X(fclose, int, (FILE *))

#define TM__REAL_TYPE(name, ret, args) typedef ret(*tm__real_##name##_t) args;
TM_REAL_FUNCS(TM__REAL_TYPE)
#undef TM__REAL_TYPE

struct tm__real_table {
#define TM__REAL_FIELD(name, ret, args) tm__real_##name##_t name;
    TM_REAL_FUNCS(TM__REAL_FIELD)
#undef TM__REAL_FIELD
};

extern struct tm__real_table tm__real;

/* Resolves `name` into *slot (dlsym RTLD_NEXT); returns it, NULL when the
 * running libc lacks it. */
void *tm__real_resolve(const char *name, void **slot);

/* Resolves every function of the table (from the constructor), so that
 * neither a signal handler nor a thread racing a library's constructor
 * ever runs dlsym. */
void tm__real_init(void);

/* REAL(name): the real function, resolved on first use. */
#define REAL(name)                                                             \
    ((tm__real_##name##_t)(__atomic_load_n((void **)&tm__real.name,            \
                                           __ATOMIC_ACQUIRE)                   \
                               ?: tm__real_resolve(#name,                      \
                                                   (void **)&tm__real.name)))

#endif
