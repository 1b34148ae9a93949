/* Unit tests: directory checks and appends (README "Storage"). */
#include "unit.h"

#include <fcntl.h>
#include <sys/file.h>

#include "store.h"
#include "telemetry.h"

static const struct tm__store_opts opts = {.max_bytes = 64 << 20, .wait_ms = -1};

static void repo_file_names(void **state)
{
    char out[TM_REPO_FILE_MAX], longname[300];

    tm__repo_file("12-factor-agents", out);
    assert_string_equal(out, "12-factor-agents_errors.jsonl");
    tm__repo_file("../../etc/passwd", out);
    assert_string_equal(out, "_._.._etc_passwd_errors.jsonl");
    tm__repo_file(".hidden", out);
    assert_string_equal(out, "_hidden_errors.jsonl");
    tm__repo_file("all", out);
    assert_string_equal(out, "_all_errors.jsonl");
    tm__repo_file("", out);
    assert_string_equal(out, "__errors.jsonl");
    tm__repo_file("a b/c\xc3\xa9", out);
    assert_string_equal(out, "a_b_c___errors.jsonl");
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    tm__repo_file(longname, out);
    assert_int_equal(strlen(out), 100 + strlen("_errors.jsonl"));
}

static void append_creates_private_files(void **state)
{
    char *dir = unit_tmpdir(), path[512], *text;
    struct stat st;
    int dfd = tm__dir_open(dir);

    assert_true(dfd >= 0);
    assert_int_equal(tm__store_line(dfd, "r1", "{\"a\":1}\n", 8, &opts), 0);
    assert_int_equal(tm__store_line(dfd, "r1", "{\"a\":2}\n", 8, &opts), 0);
    close(dfd);
    snprintf(path, sizeof(path), "%s/all_errors.jsonl", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    text = unit_slurp(dir, "r1_errors.jsonl");
    assert_string_equal(text, "{\"a\":1}\n{\"a\":2}\n");
    free(text);
    unit_rmdir(dir);
}

static void refuses_unsafe_directories(void **state)
{
    char *dir = unit_tmpdir(), sub[512], link[512];

    snprintf(sub, sizeof(sub), "%s/open", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    chmod(sub, 0777);
    assert_int_equal(tm__dir_open(sub), TM_EDIRPERM);
    snprintf(link, sizeof(link), "%s/link", dir);
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(tm__dir_open(link), TM_EDIRLINK);
    snprintf(sub, sizeof(sub), "%s/file", dir);
    close(open(sub, O_CREAT | O_WRONLY, 0600));
    assert_int_equal(tm__dir_open(sub), TM_ENOTDIR);
    snprintf(sub, sizeof(sub), "%s/missing", dir);
    assert_int_equal(tm__dir_open(sub), TM_EDIR);
    unit_rmdir(dir);
}

/* O_NOFOLLOW refuses a link only as the last component: "lnk/" or
 * "lnk/." made it an intermediate one, followed and written through. */
static void refuses_a_link_however_spelled(void **state)
{
    static const char *const tails[] = {"", "/", "/.", "//", "/./", "/././/"};
    char *dir = unit_tmpdir(), target[512], link[512], path[600];

    snprintf(target, sizeof(target), "%s/target", dir);
    snprintf(link, sizeof(link), "%s/lnk", dir);
    assert_int_equal(mkdir(target, 0700), 0);
    assert_int_equal(symlink(target, link), 0);
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", link, tails[i]);
        assert_int_equal(tm__dir_open(path), TM_EDIRLINK);
    }
    /* the same link reached as "./lnk" from its parent */
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(tm__dir_open("./lnk/."), TM_EDIRLINK);
    assert_int_equal(tm__dir_open("lnk//"), TM_EDIRLINK);
    /* a real directory spelled with the same tails still opens */
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        int fd;
        snprintf(path, sizeof(path), "%s%s", target, tails[i]);
        fd = tm__dir_open(path);
        assert_true(fd >= 0);
        close(fd);
    }
    assert_int_equal(chdir("/"), 0);
    unit_rmdir(dir);
}

static void refuses_planted_links(void **state)
{
    char *dir = unit_tmpdir(), victim[512], path[512], *text;
    int dfd;

    snprintf(victim, sizeof(victim), "%s/victim", dir);
    close(open(victim, O_CREAT | O_WRONLY, 0600));
    snprintf(path, sizeof(path), "%s/all_errors.jsonl", dir);
    assert_int_equal(symlink(victim, path), 0);
    dfd = tm__dir_open(dir);
    assert_int_equal(tm__store_line(dfd, "r", "x\n", 2, &opts), TM_EFILELINK);
    unlink(path);
    /* A hard link to another file is refused too. */
    assert_int_equal(link(victim, path), 0);
    assert_int_equal(tm__store_line(dfd, "r", "x\n", 2, &opts), TM_EFILELINK);
    close(dfd);
    text = unit_slurp(dir, "victim");
    assert_string_equal(text, "");
    free(text);
    unit_rmdir(dir);
}

static void creates_parents_private(void **state)
{
    char *dir = unit_tmpdir(), sub[512], cmd[600];
    struct stat st;

    snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
    assert_int_equal(tm__dir_create(sub, 1), 0);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(sub, sizeof(sub), "%s/a", dir);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* doubled slashes and "." components: no empty name to make (a review
     * found "a//b" refused once directories were made under a temporary
     * name), and no temporary name left */
    snprintf(sub, sizeof(sub), "/%s//d/.//e//f", dir);
    assert_int_equal(tm__dir_create(sub, 1), 0);
    assert_int_equal(stat(sub, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    snprintf(cmd, sizeof(cmd), "find '%s' -name '.*.new-*' | grep -q . && exit 1 || exit 0", dir);
    assert_int_equal(system(cmd), 0);
    unit_rmdir(dir);
}

static void rotation(void **state)
{
    char *dir = unit_tmpdir(), line[101], *text;
    struct tm__store_opts small = {.max_bytes = 1000, .wait_ms = -1};
    int dfd = tm__dir_open(dir);

    memset(line, 'x', 99);
    line[99] = '\n';
    line[100] = '\0';
    for (int i = 0; i < 25; i++)
        assert_int_equal(tm__store_line(dfd, "r", line, 100, &small), 0);
    close(dfd);
    /* 25 lines of 100 bytes with a 1000-byte limit: the live file holds
     * the last 5, .1 the 10 before; nothing passes the limit. */
    text = unit_slurp(dir, "all_errors.jsonl");
    assert_int_equal(strlen(text), 500);
    free(text);
    text = unit_slurp(dir, "all_errors.jsonl.1");
    assert_int_equal(strlen(text), 1000);
    free(text);
    text = unit_slurp(dir, "r_errors.jsonl.1");
    assert_non_null(text);
    free(text);
    unit_rmdir(dir);
}

static void cut_line_is_ended_first(void **state)
{
    static const char cut[] = "{\"a\":1}\n{\"cut by a cra";
    char *dir = unit_tmpdir(), *text;
    int dfd = tm__dir_open(dir);

    unit_write(dir, "all_errors.jsonl", cut, sizeof(cut) - 1);
    assert_int_equal(tm__store_line(dfd, "r", "{\"b\":2}\n", 8, &opts), 0);
    close(dfd);
    text = unit_slurp(dir, "all_errors.jsonl");
    assert_string_equal(text, "{\"a\":1}\n{\"cut by a cra\n{\"b\":2}\n");
    free(text);
    unit_rmdir(dir);
}

static void clean_lock_makes_writers_wait(void **state)
{
    char *dir = unit_tmpdir();
    int dfd = tm__dir_open(dir);
    struct tm__store_opts quick = {.max_bytes = 64 << 20, .wait_ms = 50};
    struct tm__lock_held lk;

    assert_int_equal(tm__lock(dfd, 1, -1, &lk), 0);
    /* Another open file description cannot get the lock meanwhile. */
    assert_int_equal(tm__store_line(dfd, "r", "x\n", 2, &quick), TM_EBUSY);
    tm__unlock(&lk);
    assert_int_equal(tm__store_line(dfd, "r", "x\n", 2, &quick), 0);
    close(dfd);
    unit_rmdir(dir);
}

/* Writers hold the directory's descriptor shared, nothing else: an
 * exclusive holder (rotation, clean, ship) waits for them, and for a writer
 * of an earlier version, which holds the lock file shared. */
static void writers_make_the_exclusive_lock_wait(void **state)
{
    char *dir = unit_tmpdir();
    int dfd = tm__dir_open(dir), other = tm__dir_open(dir), old;
    struct tm__lock_held lk;

    /* A writer's shared lock is on its own dfd, released by the close. */
    assert_int_equal(tm__lock(dfd, 0, 50, &lk), 0);
    assert_int_equal(lk.dir, dfd);
    assert_int_equal(lk.file, -1);
    assert_int_equal(tm__lock(other, 1, 20, &lk), TM_EBUSY);
    assert_int_equal(lk.dir, -1);
    close(dfd);
    assert_int_equal(tm__lock(other, 1, 20, &lk), 0);
    tm__unlock(&lk);
    /* An earlier version's writer: the lock file shared. */
    old = openat(other, TM_LOCK_FILE, O_RDONLY | O_CLOEXEC);
    assert_true(old >= 0);
    assert_int_equal(flock(old, LOCK_SH), 0);
    assert_int_equal(tm__lock(other, 1, 20, &lk), TM_EBUSY);
    close(old);
    assert_int_equal(tm__lock(other, 1, 20, &lk), 0);
    /* ... and while it is held, no writer of either kind gets in. */
    old = openat(other, TM_LOCK_FILE, O_RDONLY | O_CLOEXEC);
    assert_int_equal(flock(old, LOCK_SH | LOCK_NB), -1);
    dfd = tm__dir_open(dir);
    assert_int_equal(flock(dfd, LOCK_SH | LOCK_NB), -1);
    tm__unlock(&lk);
    assert_int_equal(flock(dfd, LOCK_SH | LOCK_NB), 0);
    close(old);
    close(dfd);
    close(other);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(repo_file_names),
        cmocka_unit_test(append_creates_private_files),
        cmocka_unit_test(refuses_unsafe_directories),
        cmocka_unit_test(refuses_a_link_however_spelled),
        cmocka_unit_test(refuses_planted_links),
        cmocka_unit_test(creates_parents_private),
        cmocka_unit_test(rotation),
        cmocka_unit_test(cut_line_is_ended_first),
        cmocka_unit_test(clean_lock_makes_writers_wait),
        cmocka_unit_test(writers_make_the_exclusive_lock_wait),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
