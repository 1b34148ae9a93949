/*
 * spool.c - events that could not take the directory lock in time (see
 * spool.h; README, "Storage").
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "jsonw.h"
#include "own.h"
#include "store.h"
#include "telemetry.h"

/* The spool directory inside dfd, checked like the telemetry directory:
 * a real directory (O_NOFOLLOW), the effective user's, no group or other
 * write.  create: make it first when absent (tm__own_mkdir). */
int tm__spool_dir(int dfd, int create)
{
    struct stat st;
    int fd, rc;

    if (create && tm__own_mkdir(dfd, TM_SPOOL_DIR) != 0)
        return TM_EDIR;
    fd = (int)syscall(SYS_openat, dfd, TM_SPOOL_DIR,
                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;

        if (e == ENOENT)
            return TM_EDIR; /* absent: nothing waits */
        rc = e == ELOOP || e == ENOTDIR ||
                     (e == EACCES &&
                      syscall(SYS_newfstatat, dfd, TM_SPOOL_DIR, &st,
                              AT_SYMLINK_NOFOLLOW) == 0 &&
                      st.st_uid != tm__euid())
                 ? TM_ESPOOL
                 : TM_EREAD;
        errno = e;
        return rc;
    }
    if (syscall(SYS_fstat, fd, &st) != 0)
        rc = TM_EREAD;
    else if (st.st_uid != tm__euid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        rc = TM_ESPOOL;
    else
        return fd;
    syscall(SYS_close, fd);
    return rc;
}

/* "<pid>.jsonl" */
static void spool_name(long pid, char out[32])
{
    size_t n = tm__fmt_u64(out, (uint64_t)pid);

    memcpy(out + n, ".jsonl", 7);
}

int tm__spool_append(int dfd, const char *line, size_t len)
{
    char name[32];
    struct stat st;
    struct iovec iov = {(void *)line, len};
    int sfd = tm__spool_dir(dfd, 1), fd, rc = TM_EWRITE;

    if (sfd < 0)
        return sfd;
    spool_name((long)syscall(SYS_getpid), name);
    fd = tm__own_file(sfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                      TM_OWN_CHECKED, &st);
    if (fd < 0) {
        rc = fd;
    } else {
        if (tm__append_guarded(fd, &iov, 1, st.st_size, NULL) == (ssize_t)len)
            rc = 0;
        syscall(SYS_close, fd);
    }
    syscall(SYS_close, sfd);
    return rc;
}

/* The pid a spool file is named after, or -1 when the name is not one. */
long tm__spool_pid(const char *name)
{
    long pid = 0;
    const char *p = name;

    for (; *p >= '0' && *p <= '9'; p++) {
        if (pid > 100000000L)
            return -1;
        pid = pid * 10 + (*p - '0');
    }
    return p != name && strcmp(p, ".jsonl") == 0 && pid > 0 ? pid : -1;
}
