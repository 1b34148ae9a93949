/*
 * dir.c - the telemetry directory: chosen, created, checked, opened (see
 * dir.h for the rules).
 */
#include "dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "own.h"
#include "telemetry.h"

static int lstat_raw(const char *path, struct stat *st)
{
    return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

long tm__dir_normalize(const char *dir, char *out, size_t cap)
{
    size_t n = strnlen(dir, cap);

    if (n == 0 || n >= cap)
        return -1;
    memcpy(out, dir, n);
    for (;;) {
        while (n > 1 && out[n - 1] == '/')
            n--;
        if (n >= 2 && out[n - 1] == '.' && out[n - 2] == '/')
            n--; /* "x/." -> "x/", then its slash goes */
        else
            break;
    }
    out[n] = '\0';
    return (long)n;
}

int tm__dir_fallback(char *out, size_t cap)
{
    char digits[3 * sizeof(uid_t) + 1];
    size_t nd = 0, nb = sizeof(TM_DEFAULT_DIR) - 1;
    unsigned long long uid = (unsigned long long)tm__euid();

    do {
        digits[nd++] = (char)('0' + uid % 10);
        uid /= 10;
    } while (uid != 0);
    if (nb + 1 + nd + 1 > cap)
        return -1;
    memcpy(out, TM_DEFAULT_DIR, nb);
    out[nb++] = '-';
    while (nd > 0)
        out[nb++] = digits[--nd];
    out[nb] = '\0';
    return 0;
}

/* Opens a normalized path (no trailing "/" or "/."), so that O_NOFOLLOW
 * applies to the final directory itself.  On TM_EDIR, errno is the
 * openat's (ENOENT: absent). */
static int open_checked(const char *path)
{
    struct stat st;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path,
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);

    if (fd < 0) {
        int e = errno, rc = TM_EDIR;

        if (e == ELOOP)
            return TM_EDIRLINK;
        if (e == ENOTDIR || e == EACCES) {
            /* O_DIRECTORY|O_NOFOLLOW on a link may say ENOTDIR; another
             * user's 0700 directory says EACCES: tell them apart. */
            if (lstat_raw(path, &st) == 0 && S_ISLNK(st.st_mode))
                rc = TM_EDIRLINK;
            else if (e == ENOTDIR)
                rc = TM_ENOTDIR;
            else if (lstat_raw(path, &st) == 0 && st.st_uid != tm__euid())
                rc = TM_EDIROWNER;
        }
        errno = e;
        return rc;
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

/* Makes the directory path (NUL-terminated at `end`, cut in place and
 * mended again) in its parent, opened for it: tm__own_mkdir takes one
 * name in a directory.  0 or -1 (errno set). */
static int mkdir_path(char *path, size_t end)
{
    size_t slash = end;
    int pfd, rc, e;

    while (slash > 0 && path[slash - 1] != '/')
        slash--;
    if (slash == 0)
        return tm__own_mkdir(AT_FDCWD, path);
    path[slash - 1] = '\0';
    pfd = (int)syscall(SYS_openat, AT_FDCWD, slash == 1 ? "/" : path,
                       O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    path[slash - 1] = '/';
    if (pfd < 0)
        return -1;
    rc = tm__own_mkdir(pfd, path + slash);
    e = errno;
    syscall(SYS_close, pfd);
    errno = e;
    return rc;
}

/* Creates path (and its parents when asked), cutting it in place and
 * mending it again; returns 0 or -1 (errno set). */
static int mkdirs(char *path, int parents)
{
    size_t n = strlen(path);

    if (parents) {
        for (size_t i = 1; i < n; i++) {
            if (path[i] != '/' || path[i - 1] == '/')
                continue; /* "a//b": no empty component to make */
            path[i] = '\0';
            if (mkdir_path(path, i) != 0) {
                path[i] = '/';
                return -1;
            }
            path[i] = '/';
        }
    }
    return mkdir_path(path, n);
}

/* Opens path; when absent and `create`, creates it first.  path is
 * normalized and writable (mkdirs cuts it in place). */
static int open_or_create(char *path, int create, int parents)
{
    int fd = open_checked(path);

    if (fd == TM_EDIR && errno == ENOENT && create) {
        if (mkdirs(path, parents) != 0)
            return TM_EDIR;
        fd = open_checked(path);
    }
    return fd;
}

static int put(char *out, size_t cap, const char *s)
{
    size_t n = strlen(s);

    if (n >= cap)
        return -1;
    memcpy(out, s, n + 1);
    return 0;
}

/* Something exists at path and belongs to another user: a directory, a
 * link or a file somebody put in the place of the shared default. */
static int foreign(const char *path)
{
    struct stat st;

    return lstat_raw(path, &st) == 0 && st.st_uid != tm__euid();
}

static int use_default(int create, char *used, size_t cap, int *how)
{
    int fd;

    *how = TM_DIR_SHARED;
    if (put(used, cap, TM_DEFAULT_DIR) != 0)
        return TM_EINVAL;
    fd = open_checked(used);
    if (fd >= 0)
        return fd;
    if (fd == TM_EDIR && errno == ENOENT) {
        /* Absent: a per-user default of yours from before keeps its
         * events where they are; else the shared one is created. */
        if (tm__dir_fallback(used, cap) != 0)
            return TM_EINVAL;
        fd = open_checked(used);
        if (fd >= 0) {
            *how = TM_DIR_FALLBACK_KEPT;
            return fd;
        }
        put(used, cap, TM_DEFAULT_DIR);
        if (!create) {
            errno = ENOENT;
            return TM_EDIR;
        }
        fd = open_or_create(used, 1, 0);
        if (fd >= 0)
            return fd;
        /* Lost a race to another user who created it meanwhile: below. */
    }
    if (!foreign(used))
        return fd; /* yours, but unusable: its own message and fix */
    *how = TM_DIR_FALLBACK_FOREIGN;
    if (tm__dir_fallback(used, cap) != 0)
        return TM_EINVAL;
    return open_or_create(used, create, 0);
}

int tm__dir_use(const struct tm__config *cfg, int create, char *used,
                size_t cap, int *how)
{
    int dummy;

    if (how == NULL)
        how = &dummy;
    *how = TM_DIR_CONFIGURED;
    if (cap > 0)
        used[0] = '\0';
    if (cfg->too_long != NULL)
        return TM_EINVAL;
    if (cfg->dir_is_default)
        return use_default(create, used, cap, how);
    if (tm__dir_normalize(cfg->dir, used, cap) < 0)
        return TM_EINVAL;
    return open_or_create(used, create, 1);
}

int tm__dir_open(const char *dir)
{
    char path[PATH_MAX];

    if (tm__dir_normalize(dir, path, sizeof(path)) < 0)
        return TM_EDIR;
    return open_checked(path);
}

int tm__dir_create(const char *dir, int parents)
{
    char path[PATH_MAX];

    if (tm__dir_normalize(dir, path, sizeof(path)) < 0)
        return TM_EDIR;
    return mkdirs(path, parents) == 0 ? 0 : TM_EDIR;
}
