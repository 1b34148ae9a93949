/*
 * store.c - directory checks and O_APPEND writes (see store.h).
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "own.h"
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

#define LOCK_STEP_US 50

/* flock(fd, op), waiting as *budget_us allows (NULL: as long as it
 * takes).  0, or -1 with errno (EWOULDBLOCK: the budget is spent). */
static int flock_budget(int fd, int op, int *budget_us)
{
    struct timespec pause = {0, LOCK_STEP_US * 1000}, t0, now;
    long spent = 0;

    if (budget_us == NULL) {
        while (syscall(SYS_flock, fd, op) != 0)
            if (errno != EINTR)
                return -1;
        return 0;
    }
    /* The budget is spent in elapsed time (a sleep lasts longer than
     * asked: timer slack), read from the vDSO clock. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (syscall(SYS_flock, fd, op | LOCK_NB) == 0) {
            *budget_us -= (int)spent;
            return 0;
        }
        if ((errno != EWOULDBLOCK && errno != EINTR) || spent >= *budget_us) {
            int busy = errno == EWOULDBLOCK || errno == EINTR;
            *budget_us = spent >= *budget_us ? 0 : *budget_us - (int)spent;
            errno = busy ? EWOULDBLOCK : errno;
            return -1;
        }
        syscall(SYS_nanosleep, &pause, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        spent = (now.tv_sec - t0.tv_sec) * 1000000L +
                (now.tv_nsec - t0.tv_nsec) / 1000;
    }
}

static const struct tm__lock_held no_lock = TM_LOCK_HELD_NONE;

int tm__lock_budget(int dfd, int exclusive, int *budget_us,
                    struct tm__lock_held *h)
{
    struct tm__lock_held got = no_lock;
    struct stat st;

    *h = no_lock;
    if (!exclusive) {
        if (flock_budget(dfd, LOCK_SH, budget_us) != 0)
            return errno == EWOULDBLOCK ? TM_EBUSY : TM_EFILE;
        h->dir = dfd;
        return 0;
    }
    /* The lock file: one this call makes is checked (tm__own_file), one
     * found is used as it is (only the directory's owner can put one
     * there); O_NONBLOCK keeps a FIFO in its place from blocking the open.
     * The lock file first, then the directory: every exclusive holder in
     * one order. */
    got.file = tm__own_file(dfd, TM_LOCK_FILE,
                            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
                            TM_OWN_FOUND_AS_IS, &st);
    if (got.file < 0)
        return got.file;
    if (flock_budget(got.file, LOCK_EX, budget_us) != 0)
        goto fail;
    /* A description of its own: the caller's dfd may hold a writer's
     * shared lock, which a flock on it would convert. */
    got.dir = sys_openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    got.owned = 1;
    if (got.dir < 0 || flock_budget(got.dir, LOCK_EX, budget_us) != 0)
        goto fail;
    *h = got;
    return 0;
fail:
    {
        int busy = errno == EWOULDBLOCK;
        tm__unlock(&got);
        errno = busy ? EWOULDBLOCK : errno;
        return busy ? TM_EBUSY : TM_EFILE;
    }
}

int tm__lock(int dfd, int exclusive, int wait_ms, struct tm__lock_held *h)
{
    int budget = wait_ms > 1000000 ? 1000000000 : wait_ms * 1000;

    return tm__lock_budget(dfd, exclusive, wait_ms < 0 ? NULL : &budget, h);
}

void tm__unlock(struct tm__lock_held *h)
{
    int saved = errno;

    if (h->dir >= 0 && h->owned)
        sys_close(h->dir); /* closing releases the flock */
    else if (h->dir >= 0)
        syscall(SYS_flock, h->dir, LOCK_UN);
    if (h->file >= 0)
        sys_close(h->file);
    *h = no_lock;
    errno = saved;
}

/* Closes fd and keeps errno as it was (a failed call's cause). */
static void close_keep_errno(int fd)
{
    int saved = errno;

    sys_close(fd);
    errno = saved;
}

/* RLIMIT_FSIZE: a write that would start past it raises SIGXFSZ, one that
 * crosses it is cut short (a torn line).  Returns 1 when there is no limit,
 * 0 when size+len fits under it, -1 (errno EFBIG) when it does not. */
static int fsize_room(long long size, size_t len, const unsigned long long *lim)
{
    unsigned long long cur = lim ? *lim : tm__fsize_limit();

    if (cur == (unsigned long long)RLIM_INFINITY)
        return 1;
    if (size < 0 || (unsigned long long)size + len > cur) {
        errno = EFBIG;
        return -1;
    }
    return 0;
}

#define SIGSET_BYTES (_NSIG / 8)

unsigned long long tm__fsize_limit(void)
{
    struct rlimit lim;

    if (syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, NULL, &lim) != 0)
        return (unsigned long long)RLIM_INFINITY;
    return (unsigned long long)lim.rlim_cur;
}

ssize_t tm__append_guarded(int fd, const struct iovec *iov, int cnt,
                           long long size, const unsigned long long *lim)
{
    size_t total = 0;
    int room;
    ssize_t w;

    for (int i = 0; i < cnt; i++)
        total += iov[i].iov_len;
    if ((room = fsize_room(size, total, lim)) < 0)
        return -1;
    if (room == 1)
        return (ssize_t)syscall(SYS_writev, fd, iov, cnt);
    {
        /* Under a limit, another writer may still grow the file between
         * the check and the write: SIGXFSZ is blocked for the write, and
         * one it raised is taken back before the mask is restored (unless
         * one was pending already: that one is the host's). */
        sigset_t block, old, pending;
        int was_pending;
        struct timespec zero = {0, 0};

        sigemptyset(&block);
        sigaddset(&block, SIGXFSZ);
        syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, &old, SIGSET_BYTES);
        syscall(SYS_rt_sigpending, &pending, SIGSET_BYTES);
        was_pending = sigismember(&pending, SIGXFSZ) == 1;
        w = (ssize_t)syscall(SYS_writev, fd, iov, cnt);
        if (w < 0) {
            int saved = errno;
            if (saved == EFBIG && !was_pending)
                syscall(SYS_rt_sigtimedwait, &block, NULL, &zero, SIGSET_BYTES);
            errno = saved;
        }
        {
            int saved = errno;
            syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, SIGSET_BYTES);
            errno = saved;
        }
    }
    return w;
}

#define LOG_FLAGS (O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)

/* Ends this process wrote: a log whose size is one this process's own
 * whole line ended, on the same file, ends with a newline; its last byte
 * need not be read again (one pread less per log per event).  One word
 * per place in a line's list of files (the central log, the repo's log),
 * each a hash of (device, inode, size) of the last end: read and written
 * atomically (threads and signal handlers share them, no lock).  A file
 * only grows (rotation and clean make new files), so a size passed by
 * another writer's append since is never seen again on that file; an end
 * recorded wrongly (another writer appended between our fstat and our
 * write) names a size the file has passed.  Wrong only when a new file
 * took a removed one's inode and its last line was cut at exactly the
 * size this process once wrote up to in the old one. */
#define ENDS 2
static unsigned long long ends[ENDS];

static unsigned long long end_key(const struct stat *st, long long size)
{
    unsigned long long h = 0x9e3779b97f4a7c15ull;

    h = (h ^ (unsigned long long)st->st_dev) * 0xff51afd7ed558ccdull;
    h = (h ^ (unsigned long long)st->st_ino) * 0xc4ceb9fe1a85ec53ull;
    h = (h ^ (unsigned long long)size) * 0xff51afd7ed558ccdull;
    return (h ^ (h >> 33)) | 1; /* never 0, the empty word */
}

static int end_known(int slot, const struct stat *st)
{
    return __atomic_load_n(&ends[slot % ENDS], __ATOMIC_RELAXED) ==
           end_key(st, st->st_size);
}

static void end_note(int slot, const struct stat *st, long long size)
{
    __atomic_store_n(&ends[slot % ENDS], end_key(st, size), __ATOMIC_RELAXED);
}

static int rotate(int dfd, const char *name)
{
    char old[TM_REPO_FILE_MAX + 4];
    size_t n = strlen(name);

    memcpy(old, name, n);
    memcpy(old + n, TM_ROTATED_SUFFIX, sizeof(TM_ROTATED_SUFFIX));
    return syscall(SYS_renameat, dfd, name, dfd, old) == 0 ? 0 : TM_EWRITE;
}

#define NEEDS_EXCLUSIVE 1

/* Appends the line (slot: its file's place in ends[]).  When the file's
 * last line was cut (a crash), it is ended first, but only under the
 * exclusive lock (`exclusive`): under the shared lock another writer's
 * append may be half-way, which looks the same; then NEEDS_EXCLUSIVE is
 * returned and nothing is written. */
static int append(int dfd, const char *name, int slot, const char *line,
                  size_t len, int exclusive, long long max, long long margin,
                  const unsigned long long *lim)
{
    struct stat st;
    struct iovec iov[2] = {{(void *)"\n", 1}, {(void *)line, len}};
    ssize_t w;
    char last = '\n';
    int fd = tm__own_file(dfd, name, LOG_FLAGS, TM_OWN_CHECKED, &st), skip;

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
        if ((fd = tm__own_file(dfd, name, LOG_FLAGS, TM_OWN_CHECKED, &st)) < 0)
            return fd;
    }
    if (st.st_size > 0 && !end_known(slot, &st))
        syscall(SYS_pread64, fd, &last, 1, st.st_size - 1);
    skip = last == '\n';
    if (!skip && !exclusive) {
        sys_close(fd);
        return NEEDS_EXCLUSIVE;
    }
    w = tm__append_guarded(fd, iov + skip, 2 - skip, st.st_size, lim);
    if (w >= 0 && w != (ssize_t)(len + !skip))
        errno = ENOSPC; /* cut short: a regular file does so when full */
    else if (w >= 0 && len > 0 && line[len - 1] == '\n')
        end_note(slot, &st, st.st_size + w); /* ended here by a whole line */
    close_keep_errno(fd);
    return w == (ssize_t)(len + !skip) ? 0 : TM_EWRITE;
}

/* The line into each of the files names[0..n), under the lock held as
 * *lk says (shared, or exclusive when *exclusive); may trade a shared lock
 * for the exclusive one.  Returns how many files took the line, or a
 * negative TM_* code from the first file. */
static int append_names(int dfd, const char *const *names, int n,
                        const char *line, size_t len,
                        const struct tm__store_opts *opts,
                        struct tm__lock_held *lk, int *exclusive, int *budget)
{
    int rc = 0, done = 0;
    /* Writers under the shared lock append side by side, so near the limit
     * (the last quarter, at most 1 MiB) they take the exclusive lock: the
     * check and the append are then one step and no file passes it. */
    long long margin = opts->max_bytes / 4 < (1 << 20) ? opts->max_bytes / 4
                                                       : (1 << 20);
    unsigned long long lim = tm__fsize_limit(); /* asked once per line */

    while (done < n && rc >= 0) {
        rc = append(dfd, names[done], done, line, len, *exclusive,
                    opts->max_bytes, margin, &lim);
        if (rc == 0) {
            done++;
        } else if (rc == NEEDS_EXCLUSIVE) {
            /* Rotate or repair under the exclusive lock, checking again:
             * another writer may have done it in between. */
            int err;
            tm__unlock(lk);
            if ((err = tm__lock_budget(dfd, 1, budget, lk)) < 0)
                return done >= 1 ? done : err;
            *exclusive = 1;
            rc = 0;
        }
    }
    return done >= 1 ? done : rc;
}

/* The central log and the repo's log (append_names). */
static int append_both(int dfd, const char *stored_repo, const char *line,
                       size_t len, const struct tm__store_opts *opts,
                       struct tm__lock_held *lk, int *exclusive, int *budget)
{
    char repo[TM_REPO_FILE_MAX];
    const char *const names[2] = {TM_CENTRAL_LOG, repo};

    tm__repo_file(stored_repo ? stored_repo : "unknown", repo);
    return append_names(dfd, names, stored_repo ? 2 : 1, line, len, opts, lk,
                        exclusive, budget);
}

/* append_both (stored_repo given, or name alone) under the shared lock,
 * traded for the exclusive one when need be.  The central log is the
 * source of truth: once the line is there, the event is stored even if its
 * repo's log could not take it. */
static int store_locking(int dfd, const char *stored_repo, const char *name,
                         const char *line, size_t len,
                         const struct tm__store_opts *opts, int *b)
{
    struct tm__lock_held lk;
    int exclusive = 0, rc;

    if ((rc = tm__lock_budget(dfd, 0, b, &lk)) < 0)
        return rc;
    rc = name != NULL
             ? append_names(dfd, &name, 1, line, len, opts, &lk, &exclusive, b)
             : append_both(dfd, stored_repo, line, len, opts, &lk, &exclusive, b);
    /* A shared lock on the caller's dfd goes when the caller closes it. */
    if (lk.owned || !opts->closes_dir)
        tm__unlock(&lk);
    return rc >= 1 ? 0 : rc;
}

int tm__store_line(int dfd, const char *stored_repo, const char *line,
                   size_t len, const struct tm__store_opts *opts)
{
    int budget = opts->wait_ms > 1000000 ? 1000000000 : opts->wait_ms * 1000;

    return tm__store_line_budget(dfd, stored_repo, line, len, opts,
                                 opts->wait_ms < 0 ? NULL : &budget);
}

int tm__store_line_budget(int dfd, const char *stored_repo, const char *line,
                          size_t len, const struct tm__store_opts *opts,
                          int *b)
{
    return store_locking(dfd, stored_repo, NULL, line, len, opts, b);
}

int tm__store_line_locked(int dfd, const char *stored_repo, const char *line,
                          size_t len, const struct tm__store_opts *opts)
{
    struct tm__lock_held lk = TM_LOCK_HELD_NONE;
    int exclusive = 1, rc;

    rc = append_both(dfd, stored_repo, line, len, opts, &lk, &exclusive, NULL);
    return rc >= 1 ? 0 : rc;
}

int tm__store_file(int dfd, const char *name, const char *line, size_t len,
                   const struct tm__store_opts *opts, int *budget_us)
{
    int budget = opts->wait_ms > 1000000 ? 1000000000 : opts->wait_ms * 1000;
    int *b = budget_us ? budget_us : opts->wait_ms < 0 ? NULL : &budget;

    return store_locking(dfd, NULL, name, line, len, opts, b);
}
