/*
 * own.c - made exclusively, owner read back, removed when not ours (see
 * own.h).
 */
#include "own.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dir.h"
#include "telemetry.h"

/* Removes `name` (a directory when `flags` is AT_REMOVEDIR) if it is
 * still the entry *made was read from; errno is kept. */
static void unmake(int dfd, const char *name, const struct stat *made, int flags)
{
    struct stat now;
    int saved = errno;

    if (syscall(SYS_newfstatat, dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        now.st_dev == made->st_dev && now.st_ino == made->st_ino)
        syscall(SYS_unlinkat, dfd, name, flags);
    errno = saved;
}

int tm__own_file(int dfd, const char *name, int flags, struct stat *st)
{
    int made = 0, fd = (int)syscall(SYS_openat, dfd, name, flags, 0);

    if (fd < 0 && errno == ENOENT) {
        fd = (int)syscall(SYS_openat, dfd, name, flags | O_CREAT | O_EXCL, 0600);
        made = fd >= 0;
        if (fd < 0 && errno == EEXIST) /* another writer made it meanwhile */
            fd = (int)syscall(SYS_openat, dfd, name, flags, 0);
    }
    if (fd < 0)
        return errno == ELOOP ? TM_EFILELINK : TM_EFILE;
    if (syscall(SYS_fstat, fd, st) != 0) {
        int saved = errno;
        syscall(SYS_close, fd);
        errno = saved;
        return TM_EFILE;
    }
    if (!S_ISREG(st->st_mode) || st->st_nlink != 1 || st->st_uid != tm__euid()) {
        if (made)
            unmake(dfd, name, st, 0);
        syscall(SYS_close, fd);
        return TM_EFILELINK;
    }
    return fd;
}

int tm__own_mkdir(int dfd, const char *name)
{
    struct stat st;

    if (syscall(SYS_mkdirat, dfd, name, 0700) != 0)
        return errno == EEXIST ? 0 : -1;
    if (syscall(SYS_newfstatat, dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        st.st_uid != tm__euid()) {
        unmake(dfd, name, &st, AT_REMOVEDIR);
        errno = EACCES;
        return -1;
    }
    return 0;
}
