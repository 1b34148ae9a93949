/*
 * classify.h - errno and message classification (README "Classification").
 *
 * One table maps each errno to its symbolic name, CPython's exception class,
 * its libc message and a category.  What to do about a failure is the
 * pattern rules' part (core/analysis/patterns.c).
 * The lookups are async-signal-safe (static tables, no locale).
 */
#ifndef TM_CLASSIFY_H
#define TM_CLASSIFY_H

#include <stddef.h>

/* X(name) - stable snake_case categories, in README "Classification" order. */
#define TM_CATEGORY_MAP(X)                                                     \
    X(git_lock_conflict)                                                       \
    X(lock_conflict)                                                           \
    X(file_not_found)                                                          \
    X(permission_denied)                                                       \
    X(disk_full)                                                               \
    X(quota_exceeded)                                                          \
    X(read_only_fs)                                                            \
    X(fd_limit)                                                                \
    X(cross_device_rename)                                                     \
    X(is_a_directory)                                                          \
    X(not_a_directory)                                                         \
    X(broken_pipe)                                                             \
    X(io_error)                                                                \
    X(bad_fd)                                                                  \
    X(name_too_long)                                                           \
    X(symlink_loop)                                                            \
    X(text_file_busy)                                                          \
    X(already_exists)                                                          \
    X(other)

enum tm__category {
#define TM__CAT_ENUM(name) TM_CAT_##name,
    TM_CATEGORY_MAP(TM__CAT_ENUM)
#undef TM__CAT_ENUM
    TM_CAT_COUNT
};

/* The texts are arrays, not pointers: a table of pointers is relocated,
 * its pages written, in every process the shim starts in (README
 * "Performance").  A longer text does not compile. */
struct tm__errno_info {
    int num;
    char name[16];    /* "ENOENT" */
    char type[28];    /* "FileNotFoundError" */
    char message[40]; /* "No such file or directory" */
    enum tm__category category;
};

/* The entry for an errno; an "OSError"/"Unknown error" entry with category
 * `other` for numbers not in the table.  Never NULL. */
const struct tm__errno_info *tm__errno_info(int num);

/* The entry of a symbolic name ("ENOENT"); NULL when not in the table. */
const struct tm__errno_info *tm__errno_by_name(const char *name);

/* Category name.  Never NULL. */
const char *tm__category_name(enum tm__category cat);

/* Category of a failing call on `path` (may be NULL): EEXIST on a lock file
 * becomes git_lock_conflict or lock_conflict. */
enum tm__category tm__classify_errno(int num, const char *path);

/* Category of an event recorded through the CLI or API, from its type and
 * message: "[Errno N]", then the libc message texts, then the type. */
enum tm__category tm__classify_text(const char *type, const char *message);

/* The first errno the text m[0..n) names, by its message ("File exists")
 * or its symbolic name as a whole word ("ENOENT"), the longest message at
 * a position; NULL when none.  The grouper's veto (README "Grouping"). */
const struct tm__errno_info *tm__errno_named(const char *m, size_t n);

/* The errno a message gives: its "[Errno N]", else the first errno it
 * names (tm__errno_named); -1 when none. */
int tm__errno_of_text(const char *message);

/* Category by name; TM_CAT_COUNT when unknown. */
enum tm__category tm__category_from_name(const char *name);

#endif
