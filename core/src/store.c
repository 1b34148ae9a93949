/*
 * store.c - directory checks and O_APPEND writes (see store.h).
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
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

int tm__lock(int dfd, int exclusive, int wait_ms)
{
    struct timespec pause = {0, 5 * 1000 * 1000}; /* 5 ms */
    int fd = sys_openat(dfd, TM_LOCK_FILE,
                        O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    int op = exclusive ? LOCK_EX : LOCK_SH;

    /* No further check: only its owner can create files in the checked
     * directory, and O_NOFOLLOW refuses a link. */
    if (fd < 0)
        return errno == ELOOP ? TM_EFILELINK : TM_EFILE;
    if (wait_ms < 0) {
        while (syscall(SYS_flock, fd, op) != 0)
            if (errno != EINTR) {
                sys_close(fd);
                return TM_EFILE;
            }
        return fd;
    }
    for (int waited = 0;; waited += 5) {
        if (syscall(SYS_flock, fd, op | LOCK_NB) == 0)
            return fd;
        if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= wait_ms) {
            sys_close(fd);
            return TM_EBUSY;
        }
        syscall(SYS_nanosleep, &pause, NULL);
    }
}

void tm__unlock(int lockfd)
{
    if (lockfd >= 0)
        sys_close(lockfd); /* closing releases the flock */
}

/* Opens a log for appending and checks what it is. */
static int open_log(int dfd, const char *name, struct stat *st)
{
    int fd = sys_openat(dfd, name,
                        O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                        0600);

    if (fd < 0)
        return errno == ELOOP ? TM_EFILELINK : TM_EFILE;
    if (sys_fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_nlink != 1 ||
        st->st_uid != tm__euid()) {
        sys_close(fd);
        return TM_EFILELINK;
    }
    return fd;
}

static int rotate(int dfd, const char *name)
{
    char old[TM_REPO_FILE_MAX + 4];
    size_t n = strlen(name);

    memcpy(old, name, n);
    memcpy(old + n, ".1", 3);
    return syscall(SYS_renameat, dfd, name, dfd, old) == 0 ? 0 : TM_EWRITE;
}

#define NEEDS_EXCLUSIVE 1

/* Appends the line.  When the file's last line was cut (a crash), it is
 * ended first, but only under the exclusive lock (`exclusive`): under the
 * shared lock another writer's append may be half-way, which looks the
 * same; then NEEDS_EXCLUSIVE is returned and nothing is written. */
static int append(int dfd, const char *name, const char *line, size_t len,
                  int exclusive, long long max, long long margin)
{
    struct stat st;
    struct iovec iov[2] = {{(void *)"\n", 1}, {(void *)line, len}};
    ssize_t w;
    char last = '\n';
    int fd = open_log(dfd, name, &st), skip;

    if (fd < 0)
        return fd;
    /* Near the limit: only under the exclusive lock, to rotate if need be. */
    if (max > 0 && st.st_size > 0 &&
        st.st_size + (long long)len + (exclusive ? 0 : margin) > max) {
        sys_close(fd);
        if (!exclusive)
            return NEEDS_EXCLUSIVE;
        if (rotate(dfd, name) != 0)
            return TM_EWRITE;
        if ((fd = open_log(dfd, name, &st)) < 0)
            return fd;
    }
    if (st.st_size > 0)
        syscall(SYS_pread64, fd, &last, 1, st.st_size - 1);
    skip = last == '\n';
    if (!skip && !exclusive) {
        sys_close(fd);
        return NEEDS_EXCLUSIVE;
    }
    w = (ssize_t)syscall(SYS_writev, fd, iov + skip, 2 - skip);
    sys_close(fd);
    return w == (ssize_t)(len + !skip) ? 0 : TM_EWRITE;
}

int tm__store_line(int dfd, const char *stored_repo, const char *line,
                   size_t len, const struct tm__store_opts *opts)
{
    char repo[TM_REPO_FILE_MAX];
    const char *names[2] = {TM_CENTRAL_LOG, repo};
    int lk, rc = 0, done = 0, exclusive = 0;
    /* Writers under the shared lock append side by side, so near the limit
     * (the last quarter, at most 1 MiB) they take the exclusive lock: the
     * check and the append are then one step and no file passes it. */
    long long margin = opts->max_bytes / 4 < (1 << 20) ? opts->max_bytes / 4
                                                       : (1 << 20);

    tm__repo_file(stored_repo, repo);
    if ((lk = tm__lock(dfd, 0, opts->wait_ms)) < 0)
        return lk;
    while (done < 2 && rc >= 0) {
        rc = append(dfd, names[done], line, len, exclusive, opts->max_bytes,
                    margin);
        if (rc == 0) {
            done++;
        } else if (rc == NEEDS_EXCLUSIVE) {
            /* Rotate or repair under the exclusive lock, checking again:
             * another writer may have done it in between. */
            tm__unlock(lk);
            if ((lk = tm__lock(dfd, 1, opts->wait_ms)) < 0)
                return done >= 1 ? 0 : lk;
            exclusive = 1;
            rc = 0;
        }
    }
    tm__unlock(lk);
    /* The central log is the source of truth: once the line is there, the
     * event is stored even if its repo's log could not take it. */
    return done >= 1 ? 0 : rc;
}
