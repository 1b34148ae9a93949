/*
 * Unit tests: what the event path makes in the telemetry directory is the
 * checked uid's, or is removed again (core/record/own.h).
 *
 * The shim's case is a thread whose effective uid changes in the middle of
 * an event; here the same mismatch is made without a race: the file-system
 * uid (setfsuid, this thread only) is nobody's while the checked uid (the
 * effective one) stays root's; CAP_DAC_OVERRIDE, which setfsuid drops, is
 * raised again so that nobody's files can be made in root's directories.
 * Needs root; skipped otherwise.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>

#include "dir.h"
#include "hash.h"
#include "own.h"
#include "spool.h"
#include "store.h"
#include "telemetry.h"

#define NOBODY 65534

static const struct tm__store_opts opts = {.max_bytes = 64 << 20, .wait_ms = -1};

/* A directory of root's, and its descriptor. */
static char *open_dir(int *dfd)
{
    char *dir = unit_tmpdir();

    *dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(*dfd >= 0);
    return dir;
}

/* The names in dir, space-separated ("" when empty). */
static void names(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(d);
    out[0] = '\0';
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", e->d_name);
        assert_true(n < cap);
    }
    closedir(d);
}

static int as_nobody(void **state)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];

    (void)state;
    setfsuid(NOBODY);
    if (setfsuid(NOBODY) != NOBODY || syscall(SYS_capget, &hdr, data) != 0)
        return -1;
    data[0].effective |= 1u << CAP_DAC_OVERRIDE;
    return syscall(SYS_capset, &hdr, data) == 0 ? 0 : -1;
}

static int as_root(void **state)
{
    (void)state;
    setfsuid(0);
    return 0;
}

/* Makes the file `name` in dfd as root, owned by uid. */
static void make_file(int dfd, const char *name, uid_t uid)
{
    int fd;

    as_root(NULL);
    fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(fchown(fd, uid, uid), 0);
    close(fd);
}

static void finish(char *dir, int dfd)
{
    close(dfd);
    unit_rmdir(dir);
}

static void expect_empty(char *dir, int dfd)
{
    char seen[512];

    as_root(NULL);
    names(dir, seen, sizeof(seen));
    assert_string_equal(seen, "");
    finish(dir, dfd);
}

static void file_made_as_another_uid_is_removed(void **state)
{
    struct stat st;
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    assert_int_equal(tm__own_file(dfd, "f", O_RDWR | O_APPEND | O_CLOEXEC, TM_OWN_CHECKED, &st),
                     TM_EFILELINK);
    expect_empty(dir, dfd);
}

static void foreign_file_found_is_refused_and_kept(void **state)
{
    struct stat st;
    int dfd, fd;
    char *dir = open_dir(&dfd);

    (void)state;
    make_file(dfd, "f", NOBODY);
    assert_int_equal(tm__own_file(dfd, "f", O_RDWR | O_APPEND | O_CLOEXEC, TM_OWN_CHECKED, &st),
                     TM_EFILELINK);
    assert_int_equal(fstatat(dfd, "f", &st, 0), 0);
    fd = tm__own_file(dfd, "g", O_RDWR | O_APPEND | O_CLOEXEC, TM_OWN_CHECKED, &st);
    assert_true(fd >= 0);
    assert_int_equal(st.st_uid, 0);
    close(fd);
    finish(dir, dfd);
}

static void log_made_as_another_uid_is_removed(void **state)
{
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    assert_int_equal(tm__store_line(dfd, "r", "{}\n", 3, &opts), TM_EFILELINK);
    expect_empty(dir, dfd);
}

static void lock_file_made_as_another_uid_is_removed(void **state)
{
    struct tm__lock_held h;
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    assert_int_equal(tm__lock(dfd, 1, 0, &h), TM_EFILELINK);
    assert_int_equal(h.file, -1);
    expect_empty(dir, dfd);
}

/* A lock file found there is used as it is (only the directory's owner
 * can put one there): a hard-linked one does not stop rotation. */
static void lock_file_found_is_used_as_it_is(void **state)
{
    struct tm__lock_held h;
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    make_file(dfd, TM_LOCK_FILE, 0);
    assert_int_equal(linkat(dfd, TM_LOCK_FILE, dfd, "second-link", 0), 0);
    assert_int_equal(tm__lock(dfd, 1, 0, &h), 0);
    tm__unlock(&h);
    finish(dir, dfd);
}

static void spool_made_as_another_uid_is_removed(void **state)
{
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    /* the spool directory */
    assert_true(tm__spool_append(dfd, "{}\n", 3) < 0);
    expect_empty(dir, dfd);
}

static void spool_file_made_as_another_uid_is_removed(void **state)
{
    char sub[600], seen[512];
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    as_root(NULL);
    assert_int_equal(mkdirat(dfd, TM_SPOOL_DIR, 0700), 0);
    as_nobody(NULL);
    assert_int_equal(tm__spool_append(dfd, "{}\n", 3), TM_EFILELINK);
    as_root(NULL);
    snprintf(sub, sizeof(sub), "%s/%s", dir, TM_SPOOL_DIR);
    names(sub, seen, sizeof(seen));
    assert_string_equal(seen, "");
    finish(dir, dfd);
}

static void directory_and_parents_made_as_another_uid_are_removed(void **state)
{
    char path[600];
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    snprintf(path, sizeof(path), "%s/a/b/td", dir);
    assert_int_equal(tm__dir_create(path, 1), TM_EDIR);
    assert_int_equal(errno, EACCES);
    expect_empty(dir, dfd);
}

static void hash_key_made_as_another_uid_is_not_linked(void **state)
{
    unsigned char key[TM_HASH_KEY_BYTES];
    int dfd;
    char *dir = open_dir(&dfd);

    (void)state;
    assert_int_equal(tm__hash_key_load(dir, NULL, key), TM_EKEY);
    expect_empty(dir, dfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(file_made_as_another_uid_is_removed, as_nobody, as_root),
        cmocka_unit_test_setup_teardown(foreign_file_found_is_refused_and_kept, as_nobody, as_root),
        cmocka_unit_test_setup_teardown(log_made_as_another_uid_is_removed, as_nobody, as_root),
        cmocka_unit_test_setup_teardown(lock_file_made_as_another_uid_is_removed, as_nobody, as_root),
        cmocka_unit_test_setup_teardown(lock_file_found_is_used_as_it_is, as_nobody, as_root),
        cmocka_unit_test_setup_teardown(spool_made_as_another_uid_is_removed, as_nobody, as_root),
        cmocka_unit_test_setup_teardown(spool_file_made_as_another_uid_is_removed, as_nobody, as_root),
        cmocka_unit_test_setup_teardown(directory_and_parents_made_as_another_uid_are_removed,
                                        as_nobody, as_root),
        cmocka_unit_test_setup_teardown(hash_key_made_as_another_uid_is_not_linked, as_nobody, as_root),
    };
    if (geteuid() != 0) {
        print_message("test_own: not root, %zu tests skipped\n",
                      sizeof(tests) / sizeof(tests[0]));
        return 0;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
