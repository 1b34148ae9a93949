/*
 * classify.h - errno and message classification (SPEC §6).
 *
 * One table maps each errno to its symbolic name, CPython's exception class,
 * its libc message and a category; the category table carries the advice.
 * The lookups are async-signal-safe (static tables, no locale).
 */
#ifndef TM_CLASSIFY_H
#define TM_CLASSIFY_H

#include <stddef.h>

/* X(name, advice) - stable snake_case categories, in SPEC §6 order. */
#define TM_CATEGORY_MAP(X)                                                     \
    X(git_lock_conflict, "Another git process holds the lock: serialize git commands per work tree, or remove a stale lock only after checking no git runs") \
    X(lock_conflict, "A lock file is held: wait for its owner, or clean up stale locks")  \
    X(file_not_found, "Add file existence checks before operations")           \
    X(permission_denied, "Check file ownership and modes before writing")      \
    X(disk_full, "Free disk space or move caches off this volume")             \
    X(quota_exceeded, "Raise the quota or clean up old files")                 \
    X(read_only_fs, "Write under the workspace or $TMPDIR instead")            \
    X(fd_limit, "Close files and sockets; look for a descriptor leak")         \
    X(cross_device_rename, "Create the temporary file in the destination directory") \
    X(is_a_directory, "A directory was used where a file was expected")        \
    X(not_a_directory, "A file was used where a directory was expected")       \
    X(broken_pipe, "The reader went away; handle EPIPE and stop writing")      \
    X(io_error, "Check the device and the kernel log")                         \
    X(bad_fd, "A descriptor was used after close")                             \
    X(name_too_long, "Shorten generated file names")                           \
    X(symlink_loop, "Fix the symbolic link cycle")                             \
    X(text_file_busy, "Do not write to a program while it runs")               \
    X(already_exists, "Check for existing files or use exclusive creation deliberately") \
    X(other, "Look at the example message")

enum tm__category {
#define TM__CAT_ENUM(name, advice) TM_CAT_##name,
    TM_CATEGORY_MAP(TM__CAT_ENUM)
#undef TM__CAT_ENUM
    TM_CAT_COUNT
};

struct tm__errno_info {
    int num;
    const char *name;    /* "ENOENT" */
    const char *type;    /* "FileNotFoundError" */
    const char *message; /* "No such file or directory" */
    enum tm__category category;
};

/* The entry for an errno; an "OSError"/"Unknown error" entry with category
 * `other` for numbers not in the table.  Never NULL. */
const struct tm__errno_info *tm__errno_info(int num);

/* Category name and advice.  Never NULL. */
const char *tm__category_name(enum tm__category cat);
const char *tm__category_advice(enum tm__category cat);

/* Category of a failing call on `path` (may be NULL): EEXIST on a lock file
 * becomes git_lock_conflict or lock_conflict. */
enum tm__category tm__classify_errno(int num, const char *path);

/* Category of an event recorded through the CLI or API, from its type and
 * message: "[Errno N]", then the libc message texts, then the type. */
enum tm__category tm__classify_text(const char *type, const char *message);

/* Category by name; TM_CAT_COUNT when unknown. */
enum tm__category tm__category_from_name(const char *name);

#endif
