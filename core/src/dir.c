/*
 * dir.c - the telemetry directory: created, checked, opened (see dir.h).
 */
#include "dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "telemetry.h"

/* The effective uid, asked once per process (every check compares it). */
uid_t tm__euid(void)
{
    static uid_t cached = (uid_t)-1;
    static int known;

    if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
        cached = geteuid();
        __atomic_store_n(&known, 1, __ATOMIC_RELEASE);
    }
    return cached;
}

static int mkdir_one(const char *path)
{
    if (syscall(SYS_mkdirat, AT_FDCWD, path, 0700) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

int tm__dir_create(const char *dir, int parents)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof(path))
        return TM_EDIR;
    memcpy(path, dir, n + 1);
    if (parents) {
        for (size_t i = 1; i < n; i++) {
            if (path[i] != '/')
                continue;
            path[i] = '\0';
            if (mkdir_one(path) != 0) {
                path[i] = '/';
                return TM_EDIR;
            }
            path[i] = '/';
        }
    }
    return mkdir_one(path) == 0 ? 0 : TM_EDIR;
}

int tm__dir_open(const char *dir)
{
    struct stat st;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, dir,
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);

    if (fd < 0) {
        if (errno == ELOOP)
            return TM_EDIRLINK;
        if (errno == ENOTDIR) {
            /* A symlink to a directory also fails here with O_NOFOLLOW on
             * some paths; tell the two apart. */
            if (syscall(SYS_newfstatat, AT_FDCWD, dir, &st,
                        AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                return TM_EDIRLINK;
            return TM_ENOTDIR;
        }
        return TM_EDIR;
    }
    if (syscall(SYS_fstat, fd, &st) != 0) {
        syscall(SYS_close, fd);
        return TM_EDIR;
    }
    if (st.st_uid != tm__euid()) {
        syscall(SYS_close, fd);
        return TM_EDIROWNER;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        syscall(SYS_close, fd);
        return TM_EDIRPERM;
    }
    return fd;
}

