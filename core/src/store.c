/*
 * store.c - directory checks and O_APPEND writes (see store.h).
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "telemetry.h"

/* Raw system calls: the shim interposes open and write, and its failure
 * path must not go through them again. */
static int sys_openat(int dfd, const char *path, int flags, int mode)
{
    return (int)syscall(SYS_openat, dfd, path, flags, mode);
}

static int sys_close(int fd)
{
    return (int)syscall(SYS_close, fd);
}

static int sys_fstat(int fd, struct stat *st)
{
    return (int)syscall(SYS_fstat, fd, st);
}

static ssize_t sys_write(int fd, const void *buf, size_t n)
{
    return (ssize_t)syscall(SYS_write, fd, buf, n);
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
    int fd = sys_openat(AT_FDCWD, dir,
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
    if (sys_fstat(fd, &st) != 0) {
        sys_close(fd);
        return TM_EDIR;
    }
    if (st.st_uid != geteuid()) {
        sys_close(fd);
        return TM_EDIROWNER;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        sys_close(fd);
        return TM_EDIRPERM;
    }
    return fd;
}

void tm__repo_file(const char *stored_repo, char out[TM_REPO_FILE_MAX])
{
    static const char suffix[] = "_errors.jsonl";
    size_t i = 0;

    for (; stored_repo[i] && i < 100; i++) {
        char ch = stored_repo[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
                 (ch == '.' && i > 0);
        out[i] = ok ? ch : '_';
    }
    /* "all" would name the central log itself. */
    if (i == 0 || (i == 3 && memcmp(out, "all", 3) == 0)) {
        memmove(out + 1, out, i);
        out[0] = '_';
        i++;
    }
    memcpy(out + i, suffix, sizeof(suffix));
}

static int append(int dfd, const char *name, const char *line, size_t len)
{
    struct stat st;
    ssize_t w;
    int fd = sys_openat(dfd, name,
                        O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                        0600);

    if (fd < 0)
        return errno == ELOOP ? TM_EFILELINK : TM_EFILE;
    if (sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
        st.st_uid != geteuid()) {
        sys_close(fd);
        return TM_EFILELINK;
    }
    w = sys_write(fd, line, len);
    sys_close(fd);
    return w == (ssize_t)len ? 0 : TM_EWRITE;
}

int tm__store_line(int dfd, const char *stored_repo, const char *line,
                   size_t len)
{
    char name[TM_REPO_FILE_MAX];
    int rc = append(dfd, TM_CENTRAL_LOG, line, len);

    if (rc != 0)
        return rc;
    tm__repo_file(stored_repo, name);
    return append(dfd, name, line, len);
}
