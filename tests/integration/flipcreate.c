/*
 * flipcreate.c - a preload placed before the shim (hardening.sh): the
 * thread's effective uid changes around every file or directory the shim
 * makes, deterministically.  The process starts as root and takes the
 * effective uid FLIP_UID at load; each mkdirat, and each openat with
 * O_CREAT, that the shim makes through syscall() runs as root, and the
 * thread is FLIP_UID again right after: what a signal handler changing
 * the uid at the wrong moment does, on every creation.  With
 * REFUSE_RENAMEAT2 set, renameat2 fails with EPERM instead, as in a
 * sandbox whose system call list predates it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef long (*syscall_fn)(long, ...);

static long flip_uid = -1;
static int refuse_renameat2;

__attribute__((constructor)) static void take_uid(void)
{
    const char *u = getenv("FLIP_UID");

    refuse_renameat2 = getenv("REFUSE_RENAMEAT2") != NULL;
    if (u != NULL && (flip_uid = strtol(u, NULL, 10)) > 0 &&
        syscall(SYS_setresuid, -1L, flip_uid, -1L) != 0)
        _exit(121);
}

long syscall(long nr, ...)
{
    static syscall_fn real;
    long a[6], r;
    int creates;
    va_list ap;

    if (real == NULL)
        real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (nr == SYS_renameat2 && refuse_renameat2) {
        errno = EPERM;
        return -1;
    }
    creates = flip_uid > 0 &&
              (nr == SYS_mkdirat || (nr == SYS_openat && (a[2] & O_CREAT))) &&
              real(SYS_geteuid) == flip_uid;
    if (creates)
        real(SYS_setresuid, -1L, 0L, -1L);
    r = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (creates) {
        int e = errno;
        real(SYS_setresuid, -1L, flip_uid, -1L);
        errno = e;
    }
    return r;
}
