/*
 * ifunc.c - a preload library whose open is an indirect function (its
 * resolver picks the implementation), as an interposer may define it
 * (tests/integration/next.sh).  Raw system calls only.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

static int ifunc_open(const char *path, int flags, ...)
{
    va_list ap;
    int mode;

    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
    syscall(SYS_write, 2, "ifunc: open\n", 12);
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static void *pick_open(void)
{
    return (void *)ifunc_open;
}

int open(const char *path, int flags, ...) __attribute__((ifunc("pick_open")));
