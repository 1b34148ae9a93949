/* Unit tests: the decisions the shim's failure path makes before anything
 * is written (shim/capture.c): EAGAIN/EINTR are only counted, a call's
 * errno is left as it was, and a probe reaches the ring with the path as
 * the caller gave it (resolved when relative to a directory descriptor).
 * Significant failures, which write events, are tested through real
 * processes (tests/integration/). */
#include "shim_unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>

#include "config.h"
#include "proc.h"
#include "ring.h"
#include "shim_state.h"

/* chdir as the host's goes through the shim's wrapper (shim.c, not linked
 * here): the failure path is told the directory changed. */
static int cd(const char *path)
{
    int r = chdir(path);

    if (r == 0)
        tm__proc_moved();
    return r;
}

static char old_cwd[PATH_MAX];
static char *tmp;   /* a work tree: tmp/repo/.git */
static char repo[512];

static int setup(void **state)
{
    char *d = unit_tmpdir();

    (void)state;
    tmp = realpath(d, NULL);
    free(d);
    assert_non_null(tmp);
    snprintf(repo, sizeof(repo), "%s/repo", tmp);
    assert_int_equal(mkdir(repo, 0700), 0);
    unit_write(repo, ".git", "gitdir: /elsewhere\n", 19);
    assert_non_null(getcwd(old_cwd, sizeof(old_cwd)));
    assert_int_equal(cd(repo), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(cd(old_cwd), 0);
    unit_rmdir(tmp);
    return 0;
}

/* A fresh shim state before each test: ready, default configuration. */
static int fresh(void **state)
{
    (void)state;
    memset(&tm__shim, 0, sizeof(tm__shim));
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));
    tm__ring_reset();
    tm__shim.ready = 1;
    return 0;
}

static void copy_out(struct tm__failure *f, void *arg)
{
    struct tm__failure *out = arg;

    assert_int_equal(out->call, TM_CALL_COUNT); /* one entry only */
    *out = *f;
}

/* The one entry the ring holds (call TM_CALL_COUNT when none). */
static struct tm__failure ring_one(void)
{
    struct tm__failure f;

    memset(&f, 0, sizeof(f));
    f.call = TM_CALL_COUNT;
    tm__ring_drain(copy_out, &f);
    return f;
}

/* A failure inside the telemetry directory in use is the telemetry's own:
 * counted as expected, never kept (a path that only starts like it is
 * not inside it). */
static void own_dir_expected(void **state)
{
    char p[PATH_MAX];

    (void)state;
    snprintf(tm__shim.cfg.dir, sizeof(tm__shim.cfg.dir), "%s/td/", repo);
    /* as the constructor sets it: the length without the trailing '/' */
    tm__shim.dirlen = strlen(tm__shim.cfg.dir) - 1;
    snprintf(p, sizeof(p), "%s/td/all_errors.jsonl.1", repo);
    tm__capture_path(TM_CALL_openat, AT_FDCWD, p, O_RDONLY, ENOENT);
    assert_int_equal(tm__shim.expected, 1);
    assert_int_equal(ring_one().call, TM_CALL_COUNT);
    snprintf(p, sizeof(p), "%s/td2/node_modules/x", repo);
    tm__capture_path(TM_CALL_openat, AT_FDCWD, p, O_RDONLY, ENOENT);
    assert_int_equal(tm__shim.expected, 1);
    assert_int_equal(ring_one().call, TM_CALL_openat);
}

static void expected_counted(void **state)
{
    static const int errs[] = {EAGAIN, EWOULDBLOCK, EINTR};

    (void)state;
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        errno = 0;
        tm__capture_path(TM_CALL_open, AT_FDCWD, "node_modules/x", O_RDONLY,
                         errs[i]);
        assert_int_equal(errno, errs[i]);
        tm__capture_fd(TM_CALL_write, 1, errs[i]);
        assert_int_equal(errno, errs[i]);
        tm__capture_rename(TM_CALL_rename, AT_FDCWD, ".a", AT_FDCWD, ".b",
                           errs[i]);
        assert_int_equal(errno, errs[i]);
    }
    assert_int_equal(tm__shim.expected, 9);
    assert_int_equal(tm__shim.lost, 0);
    assert_int_equal(ring_one().call, TM_CALL_COUNT);
    /* Never located: nothing else was looked at. */
    assert_string_equal(tm__place.cwd, "");
}

/* Before the constructor, or disabled: not even counted. */
static void not_ready(void **state)
{
    (void)state;
    tm__shim.ready = 0;
    tm__capture_fd(TM_CALL_write, 1, EAGAIN);
    tm__capture_path(TM_CALL_open, AT_FDCWD, "node_modules/x", 0, ENOENT);
    assert_int_equal(errno, ENOENT);
    tm__shim.ready = 1;
    tm__shim.cfg.disable = 1;
    tm__capture_fd(TM_CALL_write, 1, EINTR);
    tm__capture_path(TM_CALL_open, AT_FDCWD, "node_modules/x", 0, ENOENT);
    assert_int_equal(tm__shim.expected, 0);
    assert_int_equal(ring_one().call, TM_CALL_COUNT);
}

/* A probe goes to the ring: the path as given, the flags, the time. */
static void probe_to_ring(void **state)
{
    struct tm__failure f;

    (void)state;
    errno = 0;
    tm__capture_path(TM_CALL_openat, AT_FDCWD, "node_modules/x/../y.js",
                     O_RDONLY | O_CLOEXEC, ENOENT);
    assert_int_equal(errno, ENOENT);
    /* the workspace: the cwd's first wslen bytes */
    assert_int_equal(tm__proc.wslen, strlen(repo));
    assert_memory_equal(tm__place.cwd, repo, strlen(repo));
    f = ring_one();
    assert_int_equal(f.call, TM_CALL_openat);
    assert_int_equal(f.err, ENOENT);
    assert_int_equal(f.flags, O_RDONLY | O_CLOEXEC);
    assert_string_equal(f.path, "node_modules/x/../y.js");
    assert_string_equal(f.path2, "");
    assert_int_equal(f.must_write, 0);
    assert_int_equal(f.npcs, 0); /* no unwinder loaded */
    assert_true(f.ts.tv_sec > 0); /* the time of the failure, kept raw */
    assert_int_equal(tm__shim.expected, 0);
}

/* Relative to a directory descriptor: shown resolved. */
static void probe_dirfd(void **state)
{
    struct tm__failure f;
    char want[PATH_MAX];
    int dfd = open(repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    (void)state;
    assert_true(dfd >= 0);
    tm__capture_path(TM_CALL_openat, dfd, "./node_modules//x", O_WRONLY | O_CREAT,
                     ENOENT);
    assert_int_equal(errno, ENOENT);
    close(dfd);
    f = ring_one();
    snprintf(want, sizeof(want), "%s/node_modules/x", repo);
    assert_string_equal(f.path, want);
    assert_int_equal(f.flags, O_WRONLY | O_CREAT);
}

/* Both paths of a rename (both probes: either significant would make it
 * so); a bad pointer (EFAULT) is never read. */
static void probe_rename(void **state)
{
    struct tm__failure f;

    (void)state;
    tm__capture_rename(TM_CALL_renameat, AT_FDCWD, "node_modules/a", AT_FDCWD,
                       "node_modules/b", ENOENT);
    f = ring_one();
    assert_int_equal(f.call, TM_CALL_renameat);
    assert_string_equal(f.path, "node_modules/a");
    assert_string_equal(f.path2, "node_modules/b");
    /* EFAULT is significant: TELEMETRY_CAPTURE=fatal keeps it a probe. */
    tm__shim.cfg.capture = TM_CAPTURE_FATAL;
    tm__capture_rename(TM_CALL_rename, AT_FDCWD, (const char *)8, AT_FDCWD,
                       (const char *)16, EFAULT);
    assert_int_equal(errno, EFAULT);
    f = ring_one();
    assert_int_equal(f.err, EFAULT);
    assert_string_equal(f.path, "");
    assert_string_equal(f.path2, "");
    tm__capture_path(TM_CALL_open, AT_FDCWD, (const char *)8, 0, EFAULT);
    f = ring_one();
    assert_int_equal(f.call, TM_CALL_open);
    assert_string_equal(f.path, "");
}

/* A routine probe (a dotfile's directory in the work tree, a rename
 * between dotfiles) never explains an exit: counted, not kept in the ring,
 * where it would evict one that may. */
static void routine_counted(void **state)
{
    (void)state;
    tm__capture_path(TM_CALL_openat, AT_FDCWD, "./.cache//x", O_WRONLY | O_CREAT,
                     ENOENT);
    assert_int_equal(errno, ENOENT);
    tm__capture_rename(TM_CALL_renameat, AT_FDCWD, ".a", AT_FDCWD, ".b", ENOENT);
    assert_int_equal(tm__shim.probes, 2);
    assert_int_equal(ring_one().call, TM_CALL_COUNT);
    tm__capture_path(TM_CALL_openat, AT_FDCWD, "node_modules/x", O_RDONLY, ENOENT);
    assert_int_equal(tm__shim.probes, 3);
    assert_int_equal(ring_one().call, TM_CALL_openat);
}

/* Writes: a regular file is named, a pipe is not. */
static void probe_fd(void **state)
{
    struct tm__failure f;
    char path[PATH_MAX];
    int fd, pfd[2];

    (void)state;
    snprintf(path, sizeof(path), "%s/out.log", repo);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    tm__capture_fd(TM_CALL_pwritev2, fd, EINVAL);
    assert_int_equal(errno, EINVAL);
    f = ring_one();
    assert_int_equal(f.call, TM_CALL_pwritev2);
    assert_string_equal(f.path, path);
    assert_int_equal(f.flags, 0);
    close(fd);
    assert_int_equal(pipe(pfd), 0);
    tm__capture_fd(TM_CALL_write, pfd[1], EPIPE);
    f = ring_one();
    assert_int_equal(f.err, EPIPE);
    assert_string_equal(f.path, "");
    close(pfd[0]);
    close(pfd[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(expected_counted, fresh),
        cmocka_unit_test_setup(not_ready, fresh),
        cmocka_unit_test_setup(probe_to_ring, fresh),
        cmocka_unit_test_setup(probe_dirfd, fresh),
        cmocka_unit_test_setup(probe_rename, fresh),
        cmocka_unit_test_setup(routine_counted, fresh),
        cmocka_unit_test_setup(probe_fd, fresh),
        cmocka_unit_test_setup(own_dir_expected, fresh),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
