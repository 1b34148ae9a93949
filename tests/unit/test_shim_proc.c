/* Unit tests: path resolution and the workspace of the shim
 * (shim/proc.c).  Lexical resolution against a given current directory is
 * data-driven from tests/fixtures/shim_resolve.tsv; directory descriptors,
 * descriptor paths and the walk up to .git use real temporary directories. */
#include "shim_unit.h"
#include "tsv.h"

#include <fcntl.h>
#include <limits.h>
#include <time.h>

#include "config.h"
#include "proc.h"

/* chdir as the host's goes through the shim's wrapper (shim.c, not linked
 * here): the failure path is told the directory changed. */
static int cd(const char *path)
{
    int r = chdir(path);

    if (r == 0)
        tm__proc_moved();
    return r;
}

/* cwd, path, cap ("-": PATH_MAX), want ("(none)": not resolved). */
static void resolve_row(struct tsv_row *r, void *arg)
{
    int *bad = arg;
    size_t cap = strcmp(r->f[2], "-") == 0 ? PATH_MAX : strtoul(r->f[2], NULL, 10);
    char *out = malloc(cap + 1);
    const char *want = strcmp(r->f[3], "(none)") == 0 ? NULL : r->f[3];
    size_t n;

    assert_non_null(out);
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));
    tm__strlcpy(tm__place.cwd, r->f[0], sizeof(tm__place.cwd));
    memset(out, 'Z', cap + 1);
    n = tm__resolve(AT_FDCWD, r->f[1], out, cap);
    if (want == NULL ? n != 0
                     : n != strlen(want) || memcmp(out, want, n + 1) != 0) {
        print_error("shim_resolve.tsv:%d: '%s' in '%s' (cap %zu)\n"
                    "  want: %s\n  got:  %s (%zu)\n",
                    r->line, r->f[1], r->f[0], cap, r->f[3],
                    n ? out : "(none)", n);
        (*bad)++;
    }
    if (out[cap] != 'Z') {
        print_error("shim_resolve.tsv:%d: written past the buffer\n", r->line);
        (*bad)++;
    }
    free(out);
}

static void resolve_table(void **state)
{
    int bad = 0;

    (void)state;
    assert_true(tsv_each("shim_resolve", 4, resolve_row, &bad) > 30);
    assert_int_equal(bad, 0);
}

static void resolve_null(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(tm__resolve(AT_FDCWD, NULL, out, sizeof(out)), 0);
    assert_int_equal(tm__resolve(AT_FDCWD, "/a", out, 1), 0);
    assert_int_equal(tm__resolve(AT_FDCWD, "/a", out, 0), 0);
}

/* tm__normalize against a model of its own (a stack of components) on
 * every absolute path of 1 to 11 bytes over '/', '.' and 'a': the already-normal
 * shortcut must give what the full pass gives, and neither may write past
 * the path's NUL. */
static size_t model_normalize(const char *p, size_t n, char *out)
{
    size_t len = 0, i = 0;

    while (i < n) {
        size_t j = i;

        while (j < n && p[j] != '/')
            j++;
        if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
        } else if (j > i && !(j - i == 1 && p[i] == '.')) {
            out[len++] = '/';
            memcpy(out + len, p + i, j - i);
            len += j - i;
        }
        i = j + 1;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return len;
}

static void normalize_all(void **state)
{
    static const char abc[] = "/.a";
    char in[16], work[16], want[16];
    long tried = 0;

    (void)state;
    for (size_t n = 1; n <= 11; n++) {
        size_t total = 1;

        for (size_t k = 0; k < n; k++)
            total *= 3;
        for (size_t v = 0; v < total; v++) {
            size_t x = v, got, wn;

            for (size_t k = 0; k < n; k++, x /= 3)
                in[k] = abc[x % 3];
            in[n] = '\0';
            if (in[0] != '/')
                continue; /* tm__normalize is given absolute paths (proc.h) */
            memcpy(work, in, n + 1);
            memset(work + n + 1, 'Z', sizeof(work) - n - 1);
            got = tm__normalize(work, n);
            wn = model_normalize(in, n, want);
            if (got != wn || memcmp(work, want, wn + 1) != 0 ||
                work[n + 1] != 'Z') {
                print_error("normalize '%s': got '%s' (%zu), want '%s'\n", in,
                            work, got, want);
                fail();
            }
            tried++;
        }
    }
    assert_true(tried > 80000);
}

/* The real path of a temporary directory (/tmp may be a link). */
static char *real_tmpdir(void)
{
    char *d = unit_tmpdir(), *r = realpath(d, NULL);

    assert_non_null(r);
    free(d);
    return r;
}

static void mkdirs(const char *base, const char *rel)
{
    char path[PATH_MAX], *p;

    snprintf(path, sizeof(path), "%s/%s", base, rel);
    for (p = path + strlen(base) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    assert_int_equal(mkdir(path, 0700), 0);
}

/* Relative to a directory descriptor, through /proc/self/fd. */
static void resolve_dirfd(void **state)
{
    char *d = real_tmpdir(), want[PATH_MAX], out[PATH_MAX];
    int dfd, pfd[2];
    size_t n;

    (void)state;
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));
    memcpy(tm__place.cwd, "/elsewhere", 11);
    mkdirs(d, "sub/dir");
    snprintf(want, sizeof(want), "%s/sub/dir", d);
    dfd = open(want, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dfd >= 0);

    snprintf(want, sizeof(want), "%s/sub/x.txt", d);
    n = tm__resolve(dfd, "./../x.txt", out, sizeof(out));
    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
    /* An absolute path ignores the descriptor. */
    assert_int_equal(tm__resolve(dfd, "/a//b/", out, sizeof(out)), 4);
    assert_string_equal(out, "/a/b");
    /* Too short for the directory and the name: not resolved, never cut. */
    n = strlen(d) + strlen("/sub/dir/");
    assert_int_equal(tm__resolve(dfd, "y", out, n + 2), n + 1);
    assert_int_equal(tm__resolve(dfd, "y", out, n + 1), 0);
    assert_int_equal(tm__resolve(dfd, "", out, n - 1), 0);
    assert_int_equal(tm__resolve(dfd, "y", out, 8), 0);
    close(dfd);
    /* Not a directory in the file system, or not open. */
    assert_int_equal(pipe(pfd), 0);
    assert_int_equal(tm__resolve(pfd[0], "y", out, sizeof(out)), 0);
    close(pfd[0]);
    close(pfd[1]);
    assert_int_equal(tm__resolve(pfd[0], "y", out, sizeof(out)), 0);
    unit_rmdir(d);
}

/* Without a cached cwd, the process's own. */
static void resolve_getcwd(void **state)
{
    char *d = real_tmpdir(), old[PATH_MAX], out[PATH_MAX], want[PATH_MAX];

    (void)state;
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));
    assert_non_null(getcwd(old, sizeof(old)));
    assert_int_equal(cd(d), 0);
    snprintf(want, sizeof(want), "%s/b", d);
    assert_int_equal(tm__resolve(AT_FDCWD, "a/../b", out, sizeof(out)),
                     strlen(want));
    assert_string_equal(out, want);
    assert_int_equal(cd(old), 0);
    unit_rmdir(d);
}

static void fd_path(void **state)
{
    char *d = real_tmpdir(), want[PATH_MAX], out[PATH_MAX];
    int fd, dfd, pfd[2];
    size_t n;

    (void)state;
    snprintf(want, sizeof(want), "%s/file.txt", d);
    fd = open(want, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    n = strlen(want);
    assert_int_equal(tm__fd_path(fd, out, sizeof(out)), n);
    assert_string_equal(out, want);
    assert_int_equal(tm__fd_path(fd, out, n + 1), n);
    assert_string_equal(out, want);
    /* A path that does not fit is not given, not even cut. */
    memset(out, 'Z', sizeof(out));
    assert_int_equal(tm__fd_path(fd, out, n), 0);
    assert_int_equal(tm__fd_path(fd, out, 8), 0);
    assert_int_equal(tm__fd_path(fd, out, 1), 0);
    /* Only regular files are named. */
    dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dfd >= 0);
    assert_int_equal(tm__fd_path(dfd, out, sizeof(out)), 0);
    assert_int_equal(pipe(pfd), 0);
    assert_int_equal(tm__fd_path(pfd[1], out, sizeof(out)), 0);
    assert_int_equal(tm__fd_path(-1, out, sizeof(out)), 0);
    close(pfd[0]);
    close(pfd[1]);
    close(dfd);
    close(fd);
    assert_int_equal(tm__fd_path(fd, out, sizeof(out)), 0);
    unit_rmdir(d);
}

/* The workspace is the cwd's first wslen bytes. */
static void assert_workspace(const char *path)
{
    assert_int_equal(tm__proc.wslen, strlen(path));
    assert_memory_equal(tm__place.cwd, path, strlen(path));
}

/* The workspace: the nearest directory up from the cwd that holds .git
 * (a directory, or a file in a linked work tree), else the cwd. */
static void locate(void **state)
{
    char *d = real_tmpdir(), old[PATH_MAX], path[PATH_MAX];

    (void)state;
    assert_non_null(getcwd(old, sizeof(old)));
    mkdirs(d, "repo/.git");
    mkdirs(d, "repo/a/b");
    mkdirs(d, "plain/c");
    mkdirs(d, "linked/x");
    unit_write(d, "linked/.git", "gitdir: /elsewhere\n", 19);
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));

    snprintf(path, sizeof(path), "%s/repo/a/b", d);
    assert_int_equal(cd(path), 0);
    tm__proc_locate();
    assert_string_equal(tm__place.cwd, path);
    snprintf(path, sizeof(path), "%s/repo", d);
    assert_workspace(path);
    assert_int_equal(tm__proc.wslen, strlen(path));
    assert_string_equal(tm__proc.repo, "repo");
    assert_int_equal(tm__proc.generation, 1);

    /* The work tree's root itself. */
    assert_int_equal(cd(path), 0);
    tm__proc_locate();
    assert_workspace(path);
    assert_int_equal(tm__proc.generation, 1); /* same repo name */

    /* No .git above: the cwd, repo "unknown". */
    snprintf(path, sizeof(path), "%s/plain/c", d);
    assert_int_equal(cd(path), 0);
    tm__proc_locate();
    assert_workspace(path);
    assert_int_equal(tm__proc.wslen, strlen(path));
    assert_string_equal(tm__proc.repo, "unknown");
    assert_int_equal(tm__proc.generation, 2);

    /* Cached while the cwd stays: a .git made meanwhile is not seen. */
    mkdirs(d, "plain/.git");
    tm__proc_locate();
    assert_workspace(path);

    snprintf(path, sizeof(path), "%s/linked/x", d);
    assert_int_equal(cd(path), 0);
    tm__proc_locate();
    snprintf(path, sizeof(path), "%s/linked", d);
    assert_workspace(path);
    assert_string_equal(tm__proc.repo, "linked");
    assert_int_equal(tm__proc.generation, 3);

    /* TELEMETRY_REPO fixes the name; the workspace is still found. */
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));
    tm__proc.fixed_repo = 1;
    memcpy(tm__proc.repo, "given", 6);
    snprintf(path, sizeof(path), "%s/repo/a", d);
    assert_int_equal(cd(path), 0);
    tm__proc_locate();
    snprintf(path, sizeof(path), "%s/repo", d);
    assert_workspace(path);
    assert_string_equal(tm__proc.repo, "given");
    assert_int_equal(tm__proc.generation, 0);

    assert_int_equal(cd(old), 0);
    unit_rmdir(d);
}

/* The work tree of a path: the nearest directory above it holding .git,
 * wherever the current directory is; cached per directory until the
 * current directory changes. */
static void worktree(void **state)
{
    char *d = real_tmpdir(), old[PATH_MAX], path[PATH_MAX], out[64];
    char gitfile[PATH_MAX + 16];
    size_t n;
    unsigned how;

    (void)state;
    assert_non_null(getcwd(old, sizeof(old)));
    mkdirs(d, "a/.git");
    mkdirs(d, "a/src/deep");
    mkdirs(d, "a/sub/.git");
    mkdirs(d, "b/x");
    mkdirs(d, "plain/y");
    unit_write(d, "b/.git", "gitdir: /elsewhere\n", 19);
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));
    assert_int_equal(cd(d), 0);
    tm__proc_locate(); /* the cwd: in no work tree */
    assert_string_equal(tm__proc.repo, "unknown");

    n = strlen(d);
    snprintf(path, sizeof(path), "%s/a/src/deep/missing.c", d);
    for (int twice = 0; twice < 2; twice++) /* the second from the cache */
        assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 2);
    snprintf(path, sizeof(path), "%s/a/missing.txt", d);
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 2);
    snprintf(path, sizeof(path), "%s/a/.git/index.lock", d);
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 2);
    snprintf(path, sizeof(path), "%s/a/sub/f/g.txt", d); /* nested */
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 6);
    snprintf(path, sizeof(path), "%s/b/x/agent.toml", d); /* .git file */
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 2);
    snprintf(path, sizeof(path), "%s/plain/y/z.txt", d);
    assert_int_equal(tm__worktree(path, sizeof(path), &how), 0);
    snprintf(path, sizeof(path), "%s/a", d); /* the root is not in itself */
    assert_int_equal(tm__worktree(path, sizeof(path), &how), 0);
    assert_int_equal(tm__worktree("relative/x", 0, &how), 0);
    assert_int_equal(tm__worktree(NULL, 0, &how), 0);

    /* The repository each is filed under. */
    snprintf(path, sizeof(path), "%s/a/sub/f/g.txt", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "sub");
    snprintf(path, sizeof(path), "%s/b/x/agent.toml", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "b");
    tm__repo_of(path, -1, 0, out, 2); /* cut to fit, never past */
    assert_string_equal(out, "b");
    snprintf(path, sizeof(path), "%s/plain/y/z.txt", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "unknown"); /* the cwd's */
    tm__repo_of(NULL, -1, 0, out, sizeof(out));
    assert_string_equal(out, "unknown");

    /* A bare repository (HEAD, objects/, refs/): git's store, named
     * without ".git". */
    mkdirs(d, "bare.git/objects/info");
    mkdirs(d, "bare.git/refs/heads");
    unit_write(d, "bare.git/HEAD", "ref: refs/heads/main\n", 21);
    snprintf(path, sizeof(path), "%s/bare.git/objects/info/alternates", d);
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 9);
    assert_true(how & TM_WT_BARE);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "bare");
    mkdirs(d, "notbare/objects"); /* a HEAD file alone is no repository */
    unit_write(d, "notbare/HEAD", "x", 1);
    snprintf(path, sizeof(path), "%s/notbare/objects/x", d);
    assert_int_equal(tm__worktree(path, sizeof(path), &how), 0);

    /* Linked work trees are their main repository (absolute and relative
     * gitdir); a submodule (.git/modules/...) and b (gitdir elsewhere)
     * keep their own names. */
    mkdirs(d, "main/.git/worktrees/wt1");
    mkdirs(d, "wt1/src");
    mkdirs(d, "wt2");
    snprintf(gitfile, sizeof(gitfile), "gitdir: %s/main/.git/worktrees/wt1\n", d);
    unit_write(d, "wt1/.git", gitfile, strlen(gitfile));
    unit_write(d, "wt2/.git", "gitdir: ../main/.git/worktrees/wt2\n", 35);
    mkdirs(d, "sm");
    snprintf(gitfile, sizeof(gitfile), "gitdir: %s/main/.git/modules/sm\n", d);
    unit_write(d, "sm/.git", gitfile, strlen(gitfile));
    snprintf(path, sizeof(path), "%s/wt1/src/agent.toml", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "main");
    snprintf(path, sizeof(path), "%s/wt2/agent.toml", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "main");
    snprintf(path, sizeof(path), "%s/sm/agent.toml", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "sm");

    /* A symbolic link into a work tree, or to its root, is that work
     * tree (looked up by the physical path, abs rewritten). */
    snprintf(gitfile, sizeof(gitfile), "%s/a/src", d);
    snprintf(path, sizeof(path), "%s/lnsrc", d);
    assert_int_equal(symlink(gitfile, path), 0);
    snprintf(gitfile, sizeof(gitfile), "%s/a", d);
    snprintf(path, sizeof(path), "%s/lnroot", d);
    assert_int_equal(symlink(gitfile, path), 0);
    snprintf(path, sizeof(path), "%s/lnsrc/agent.toml", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "a");
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 2);
    snprintf(gitfile, sizeof(gitfile), "%s/a/src/agent.toml", d);
    assert_string_equal(path, gitfile);
    snprintf(path, sizeof(path), "%s/lnroot/no/such/dir/agent.toml", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "a");

    /* A .git made meanwhile is seen once the answer has lived its second
     * (README "Which repository") ... */
    snprintf(path, sizeof(path), "%s/plain/y/z.txt", d);
    mkdirs(d, "plain/.git");
    {
        struct timespec pause = {1, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 6);
    /* ... and when the current directory changes. */
    {
        char cwd2[PATH_MAX];
        snprintf(cwd2, sizeof(cwd2), "%s/b/x", d);
        assert_int_equal(cd(cwd2), 0);
    }
    tm__proc_locate();
    assert_string_equal(tm__proc.repo, "b");
    assert_int_equal(tm__worktree(path, sizeof(path), &how), n + 6);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "plain");
    snprintf(path, sizeof(path), "%s/elsewhere.txt", d); /* in none: the cwd's */
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "b");

    /* TELEMETRY_REPO names every failure. */
    tm__proc.fixed_repo = 1;
    memcpy(tm__proc.repo, "given", 6);
    snprintf(path, sizeof(path), "%s/a/x.txt", d);
    tm__repo_of(path, -1, 0, out, sizeof(out));
    assert_string_equal(out, "given");

    assert_int_equal(cd(old), 0);
    unit_rmdir(d);
}

static void args(void **state)
{
    char *argv[] = {"/usr/bin/python3", "/home/u/agent.py", "--x", NULL};

    (void)state;
    memset(&tm__proc, 0, sizeof(tm__proc));
    memset(&tm__place, 0, sizeof(tm__place));
    tm__proc_args(3, argv, NULL, NULL);
    assert_int_equal(tm__proc.pid, getpid());
    assert_string_equal(tm__proc.program, "python3");
    assert_string_equal(tm__proc.agent, "agent.py"); /* the script */
    assert_int_equal(tm__proc.fixed_repo, 0);
    assert_string_equal(tm__proc.repo, "");
    tm__proc_args(3, argv, "claude", "myrepo");
    assert_string_equal(tm__proc.program, "python3");
    assert_string_equal(tm__proc.agent, "claude");
    assert_string_equal(tm__proc.repo, "myrepo");
    assert_int_equal(tm__proc.fixed_repo, 1);
    /* Empty variables count as unset. */
    tm__proc_args(3, argv, "", "");
    assert_string_equal(tm__proc.agent, "agent.py");
    assert_int_equal(tm__proc.fixed_repo, 0);
    assert_int_equal(tm__getpid(), getpid());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolve_table),
        cmocka_unit_test(resolve_null),
        cmocka_unit_test(normalize_all),
        cmocka_unit_test(resolve_dirfd),
        cmocka_unit_test(resolve_getcwd),
        cmocka_unit_test(fd_path),
        cmocka_unit_test(locate),
        cmocka_unit_test(worktree),
        cmocka_unit_test(args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
