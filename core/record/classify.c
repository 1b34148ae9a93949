/*
 * classify.c - errno table and classification (see classify.h).
 */
#include "classify.h"

#include <errno.h>
#include <string.h>

#include "pathfacts.h"

#define C(x) TM_CAT_##x

/* One row per errno the shim can see; CPython's exception mapping. */
static const struct tm__errno_info errnos[] = {
    {ENOENT, "ENOENT", "FileNotFoundError", "No such file or directory", C(file_not_found)},
    {EACCES, "EACCES", "PermissionError", "Permission denied", C(permission_denied)},
    {EPERM, "EPERM", "PermissionError", "Operation not permitted", C(permission_denied)},
    {EEXIST, "EEXIST", "FileExistsError", "File exists", C(already_exists)},
    {EISDIR, "EISDIR", "IsADirectoryError", "Is a directory", C(is_a_directory)},
    {ENOTDIR, "ENOTDIR", "NotADirectoryError", "Not a directory", C(not_a_directory)},
    {EPIPE, "EPIPE", "BrokenPipeError", "Broken pipe", C(broken_pipe)},
    {EAGAIN, "EAGAIN", "BlockingIOError", "Resource temporarily unavailable", C(other)},
    {EINTR, "EINTR", "InterruptedError", "Interrupted system call", C(other)},
    {ETIMEDOUT, "ETIMEDOUT", "TimeoutError", "Connection timed out", C(other)},
    {ENOSPC, "ENOSPC", "OSError", "No space left on device", C(disk_full)},
    {EDQUOT, "EDQUOT", "OSError", "Disk quota exceeded", C(quota_exceeded)},
    {EROFS, "EROFS", "OSError", "Read-only file system", C(read_only_fs)},
    {EMFILE, "EMFILE", "OSError", "Too many open files", C(fd_limit)},
    {ENFILE, "ENFILE", "OSError", "Too many open files in system", C(fd_limit)},
    {EXDEV, "EXDEV", "OSError", "Invalid cross-device link", C(cross_device_rename)},
    {EIO, "EIO", "OSError", "Input/output error", C(io_error)},
    {EBADF, "EBADF", "OSError", "Bad file descriptor", C(bad_fd)},
    {ENAMETOOLONG, "ENAMETOOLONG", "OSError", "File name too long", C(name_too_long)},
    {ELOOP, "ELOOP", "OSError", "Too many levels of symbolic links", C(symlink_loop)},
    {ETXTBSY, "ETXTBSY", "OSError", "Text file busy", C(text_file_busy)},
    {ENXIO, "ENXIO", "OSError", "No such device or address", C(other)},
    {EINVAL, "EINVAL", "OSError", "Invalid argument", C(other)},
    {EFBIG, "EFBIG", "OSError", "File too large", C(other)},
    {ENODEV, "ENODEV", "OSError", "No such device", C(other)},
    {ENOTEMPTY, "ENOTEMPTY", "OSError", "Directory not empty", C(other)},
    {EBUSY, "EBUSY", "OSError", "Device or resource busy", C(other)},
    {ENOMEM, "ENOMEM", "OSError", "Cannot allocate memory", C(other)},
    {EFAULT, "EFAULT", "OSError", "Bad address", C(other)},
    {EOPNOTSUPP, "EOPNOTSUPP", "OSError", "Operation not supported", C(other)},
    {ESTALE, "ESTALE", "OSError", "Stale file handle", C(other)},
    {ECONNRESET, "ECONNRESET", "ConnectionResetError", "Connection reset by peer", C(other)},
    {ECONNREFUSED, "ECONNREFUSED", "ConnectionRefusedError", "Connection refused", C(other)},
    {ECONNABORTED, "ECONNABORTED", "ConnectionAbortedError", "Software caused connection abort", C(other)},
    {ECHILD, "ECHILD", "ChildProcessError", "No child processes", C(other)},
    {ESRCH, "ESRCH", "ProcessLookupError", "No such process", C(other)},
};

static const struct tm__errno_info unknown = {
    0, "EUNKNOWN", "OSError", "Unknown error", C(other)};

static const char *const categories[] = {
#define TM__CAT_ROW(name) #name,
    TM_CATEGORY_MAP(TM__CAT_ROW)
#undef TM__CAT_ROW
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct tm__errno_info *tm__errno_info(int num)
{
    for (size_t i = 0; i < NELEM(errnos); i++)
        if (errnos[i].num == num)
            return &errnos[i];
    return &unknown;
}

const struct tm__errno_info *tm__errno_by_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < NELEM(errnos); i++)
        if (strcmp(errnos[i].name, name) == 0)
            return &errnos[i];
    return NULL;
}

const char *tm__category_name(enum tm__category cat)
{
    return (unsigned)cat < TM_CAT_COUNT ? categories[cat] : "other";
}

enum tm__category tm__category_from_name(const char *name)
{
    for (size_t i = 0; i < TM_CAT_COUNT; i++)
        if (categories[i][0] == name[0] && strcmp(categories[i], name) == 0)
            return (enum tm__category)i;
    return TM_CAT_COUNT;
}

enum tm__category tm__classify_errno(int num, const char *path)
{
    if (num == EEXIST) {
        switch (path ? tm__path_lock(path, strlen(path)) : TM_LOCK_NONE) {
        case TM_LOCK_GIT: return C(git_lock_conflict);
        case TM_LOCK_OTHER: return C(lock_conflict);
        case TM_LOCK_NONE: break;
        }
        return C(already_exists);
    }
    return tm__errno_info(num)->category;
}

/* Reads N from "[Errno N]"; -1 when absent. */
static int errno_in_text(const char *m)
{
    const char *p = strstr(m, "[Errno ");
    int v = 0, nd = 0;

    if (p == NULL)
        return -1;
    for (p += 7; *p >= '0' && *p <= '9' && nd < 6; p++, nd++)
        v = v * 10 + (*p - '0');
    return nd > 0 && *p == ']' ? v : -1;
}

static int word_byte(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_';
}

const struct tm__errno_info *tm__errno_named(const char *m, size_t n)
{
    /* Every message and name starts with a capital at a word's start:
     * only those positions are compared. */
    for (size_t i = 0; i < n; i++) {
        const struct tm__errno_info *best = NULL;
        size_t best_len = 0;

        if (m[i] < 'A' || m[i] > 'Z' || (i > 0 && word_byte(m[i - 1])))
            continue;
        for (size_t r = 0; r < NELEM(errnos); r++) {
            const char *t = errnos[r].message[0] == m[i] ? errnos[r].message
                            : m[i] == 'E'                 ? errnos[r].name
                                                          : NULL;
            size_t k;
            if (t == NULL || i + 1 >= n || t[1] != m[i + 1])
                continue;
            k = strlen(t);
            if (k <= n - i && k > best_len && memcmp(m + i, t, k) == 0 &&
                (i + k == n || !word_byte(m[i + k]))) {
                best = &errnos[r];
                best_len = k;
            }
        }
        if (best != NULL)
            return best;
    }
    return NULL;
}

int tm__errno_of_text(const char *message)
{
    const struct tm__errno_info *e;
    int num;

    if (message == NULL)
        return -1;
    if ((num = errno_in_text(message)) > 0)
        return num;
    e = tm__errno_named(message, strlen(message));
    return e != NULL ? e->num : -1;
}

enum tm__category tm__classify_text(const char *type, const char *message)
{
    const char *m = message ? message : "";
    const char *t = type ? type : "";
    int num;

    /* Git lock conflicts are named by the lock file, whatever the type. */
    const char *lock = strstr(m, ".lock");
    if (lock != NULL &&
        (strstr(m, "index.lock") != NULL ||
         (strstr(m, ".git/") != NULL &&
          (strstr(m, "File exists") != NULL || strcmp(t, "FileExistsError") == 0))))
        return C(git_lock_conflict);
    num = errno_in_text(m);
    if (num > 0 && tm__errno_info(num) != &unknown) {
        enum tm__category cat = tm__errno_info(num)->category;
        if (num == EEXIST && lock != NULL)
            return C(lock_conflict);
        return cat;
    }
    /* Messages are more specific than types: PermissionError covers both
     * EACCES and EPERM, OSError covers most rows. */
    for (size_t i = 0; i < NELEM(errnos); i++)
        if (errnos[i].category != C(other) && strstr(m, errnos[i].message))
            return errnos[i].category;
    for (size_t i = 0; i < NELEM(errnos); i++)
        if (errnos[i].category != C(other) && strcmp(t, "OSError") != 0 &&
            strcmp(t, errnos[i].type) == 0)
            return errnos[i].category;
    if (strstr(m, "not found") != NULL || strstr(m, "Not found") != NULL)
        return C(file_not_found);
    return C(other);
}
