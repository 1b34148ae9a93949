/* Unit tests: errno and message classification (README "Classification"). */
#include "unit.h"

#include <errno.h>

#include "classify.h"

static void python_types(void **state)
{
    static const struct { int e; const char *type; } rows[] = {
        {ENOENT, "FileNotFoundError"}, {EACCES, "PermissionError"},
        {EPERM, "PermissionError"}, {EEXIST, "FileExistsError"},
        {EISDIR, "IsADirectoryError"}, {ENOTDIR, "NotADirectoryError"},
        {EPIPE, "BrokenPipeError"}, {EAGAIN, "BlockingIOError"},
        {EINTR, "InterruptedError"}, {ETIMEDOUT, "TimeoutError"},
        {ENOSPC, "OSError"}, {12345, "OSError"}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
        assert_string_equal(tm__errno_info(rows[i].e)->type, rows[i].type);
    assert_string_equal(tm__errno_info(ENOENT)->message, "No such file or directory");
    assert_string_equal(tm__errno_info(EXDEV)->name, "EXDEV");
}

static void categories_from_errno(void **state)
{
    assert_int_equal(tm__classify_errno(EEXIST, "/w/repo/.git/index.lock"),
                     TM_CAT_git_lock_conflict);
    assert_int_equal(tm__classify_errno(EEXIST, ".git/refs/heads/main.lock"),
                     TM_CAT_git_lock_conflict);
    assert_int_equal(tm__classify_errno(EEXIST, "/w/yarn.lock"), TM_CAT_lock_conflict);
    assert_int_equal(tm__classify_errno(EEXIST, "/w/out.txt"), TM_CAT_already_exists);
    assert_int_equal(tm__classify_errno(ENOSPC, NULL), TM_CAT_disk_full);
    assert_int_equal(tm__classify_errno(EDQUOT, NULL), TM_CAT_quota_exceeded);
    assert_int_equal(tm__classify_errno(EMFILE, NULL), TM_CAT_fd_limit);
    assert_int_equal(tm__classify_errno(ENFILE, NULL), TM_CAT_fd_limit);
    assert_int_equal(tm__classify_errno(EXDEV, NULL), TM_CAT_cross_device_rename);
    assert_int_equal(tm__classify_errno(EROFS, NULL), TM_CAT_read_only_fs);
    assert_int_equal(tm__classify_errno(ELOOP, NULL), TM_CAT_symlink_loop);
    assert_int_equal(tm__classify_errno(EINVAL, NULL), TM_CAT_other);
}

static void categories_from_text(void **state)
{
    assert_int_equal(tm__classify_text("FileNotFoundError", "x"), TM_CAT_file_not_found);
    assert_int_equal(tm__classify_text("RuntimeError", "File not found: a"),
                     TM_CAT_file_not_found);
    assert_int_equal(tm__classify_text("OSError", "[Errno 28] No space left on device"),
                     TM_CAT_disk_full);
    assert_int_equal(tm__classify_text("OSError", "[Errno 18] Invalid cross-device link"),
                     TM_CAT_cross_device_rename);
    assert_int_equal(tm__classify_text("GitError",
                                       "fatal: Unable to create '/r/.git/index.lock': File exists."),
                     TM_CAT_git_lock_conflict);
    assert_int_equal(tm__classify_text("PermissionError", "denied"),
                     TM_CAT_permission_denied);
    assert_int_equal(tm__classify_text("OSError", "something odd"), TM_CAT_other);
    assert_int_equal(tm__classify_text("RuntimeError", "boom"), TM_CAT_other);
    assert_int_equal(tm__classify_text("OSError", "[Errno 24] Too many open files"),
                     TM_CAT_fd_limit);
}

static void names_round_trip(void **state)
{
    for (int c = 0; c < TM_CAT_COUNT; c++)
        assert_int_equal(tm__category_from_name(tm__category_name(c)), c);
    assert_int_equal(tm__category_from_name("nope"), TM_CAT_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(python_types),
        cmocka_unit_test(categories_from_errno),
        cmocka_unit_test(categories_from_text),
        cmocka_unit_test(names_round_trip),
    };
    return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
