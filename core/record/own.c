/*
 * own.c - made exclusively, owner read back, removed when not ours (see
 * own.h).
 */
#include "own.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dir.h"
#include "jsonw.h"
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

int tm__own_file(int dfd, const char *name, int flags, int how, struct stat *st)
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
    if (!made && how == TM_OWN_FOUND_AS_IS)
        return fd;
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

/* Made in place, the old way, where renameat2 cannot keep an existing
 * entry (RENAME_NOREPLACE unsupported by the file system). */
static int mkdir_in_place(int dfd, const char *name)
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

#define TMP_NAME_KEEP 200 /* bytes of the name kept in the temporary one */
#define TMP_TRIES 4         /* temporary names tried (one left by a writer
                               killed half-way may hold one) */

/* ".<name>.new-<16 hex>": random where getrandom answers (thread ids
 * repeat across pid namespaces), else the thread and a count. */
static void tmp_name(const char *name, char tmp[1 + TMP_NAME_KEEP + 5 + 16 + 1])
{
    static unsigned long seq;
    size_t n = strnlen(name, TMP_NAME_KEEP);
    uint64_t tag;

    if (syscall(SYS_getrandom, &tag, sizeof(tag), GRND_NONBLOCK) != (long)sizeof(tag))
        tag = ((uint64_t)syscall(SYS_gettid) << 32) ^
              __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
    tmp[0] = '.';
    memcpy(tmp + 1, name, n);
    memcpy(tmp + 1 + n, ".new-", 5);
    tm__fmt_hex(tmp + 1 + n + 5, tag, 16);
    tmp[1 + n + 5 + 16] = '\0';
}

int tm__own_is_tmp(const char *entry, const char *name)
{
    size_t len = strlen(entry), n;

    /* "." + name + ".new-" + 16 hex digits */
    if (len < 1 + 1 + 5 + 16 || entry[0] != '.' ||
        memcmp(entry + len - 21, ".new-", 5) != 0)
        return 0;
    n = len - 1 - 5 - 16;
    if (name != NULL && (strnlen(name, TMP_NAME_KEEP) != n ||
                         memcmp(entry + 1, name, n) != 0))
        return 0;
    for (size_t i = len - 16; i < len; i++)
        if (!((entry[i] >= '0' && entry[i] <= '9') ||
              (entry[i] >= 'a' && entry[i] <= 'f')))
            return 0;
    return 1;
}

int tm__own_mkdir(int dfd, const char *name)
{
    char tmp[1 + TMP_NAME_KEEP + 5 + 16 + 1];
    struct stat st;
    int tries = 0, e;

    if (name[0] == '\0' ||
        syscall(SYS_newfstatat, dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 0; /* there already: the caller's checks judge it */
    /* Made under a temporary name, checked, then renamed into place: a
     * directory made while the thread's uid was another (own.h) never
     * takes the name, even where this uid may not remove it again (a
     * sticky parent such as /tmp: it then stays, under its temporary
     * name). */
    for (;;) {
        tmp_name(name, tmp);
        if (syscall(SYS_mkdirat, dfd, tmp, 0700) == 0)
            break;
        if (errno != EEXIST || ++tries == TMP_TRIES)
            return -1;
    }
    if (syscall(SYS_newfstatat, dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        st.st_uid != tm__euid()) {
        syscall(SYS_unlinkat, dfd, tmp, AT_REMOVEDIR);
        errno = EACCES;
        return -1;
    }
    if (syscall(SYS_renameat2, dfd, tmp, dfd, name, RENAME_NOREPLACE) == 0)
        return 0;
    e = errno;
    syscall(SYS_unlinkat, dfd, tmp, AT_REMOVEDIR);
    if (e == EEXIST) /* another writer made it meanwhile */
        return 0;
    /* The flag refused (NFS, FUSE: EINVAL), the call unknown or filtered
     * (an old kernel, a sandbox's system call list): made in place. */
    if (e == EINVAL || e == ENOSYS || e == EPERM)
        return mkdir_in_place(dfd, name);
    errno = e;
    return -1;
}
