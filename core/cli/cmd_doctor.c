/*
 * cmd_doctor.c - `telemetry doctor`: each check with OK or FAIL and the fix.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "runs.h"
#include "api.h"
#include "dir.h"
#include "own.h"
#include "spool.h"
#include "store.h"

#define MIN_FREE_BYTES (64ULL << 20)

static int failures;

/* detail may hold names from the directory (a link's, a log's): printed
 * with their control characters escaped, like everything from a log. */
static void report(int ok, const char *what, const char *detail, const char *fix)
{
    char shown[8192];

    if (detail)
        cli_text(shown, sizeof(shown), detail, sizeof(shown) - 1);
    printf("%-4s %s%s%s\n", ok ? "OK" : "FAIL", what, detail ? ": " : "",
           detail ? shown : "");
    if (!ok) {
        printf("     fix: %s\n", fix);
        failures++;
    }
}

/* Why this directory (README, "Storage": the default cannot be taken from you). */
static void explain(int how, char *out, size_t cap)
{
    struct stat st;
    unsigned owner = lstat(TM_DEFAULT_DIR, &st) == 0 ? (unsigned)st.st_uid : 0;

    switch (how) {
    case TM_DIR_CONFIGURED:
        snprintf(out, cap, "the directory you configured (--dir or "
                 "TELEMETRY_DIR)");
        break;
    case TM_DIR_SHARED:
        snprintf(out, cap, "the shared default (neither --dir nor "
                 "TELEMETRY_DIR is set)");
        break;
    case TM_DIR_FALLBACK_FOREIGN:
        snprintf(out, cap, "your per-user default, because the shared "
                 "default %s belongs to uid %u, not to you (uid %u)",
                 TM_DEFAULT_DIR, owner, (unsigned)geteuid());
        break;
    default:
        snprintf(out, cap, "your per-user default, kept because the shared "
                 "default %s is absent and this one holds your earlier "
                 "events", TM_DEFAULT_DIR);
    }
}

/* Owner and mode bits a directory needs to take events: rwx for its
 * owner (root's access checks would pass without them: the shim is not
 * only run by root). */
static int writable(const struct stat *st)
{
    return (st->st_mode & S_IRWXU) == S_IRWXU;
}

/* Checks the directory the configuration leads to (created by nobody
 * here); writes it into used.  Returns its descriptor, or -1. */
static int check_dir(const struct tm__config *cfg, char *used, size_t cap)
{
    char detail[2 * PATH_MAX + 256], why[PATH_MAX + 160];
    struct stat st;
    int how, fd = tm__dir_use(cfg, 0, used, cap, &how);

    explain(how, why, sizeof(why));
    if (fd == TM_EINVAL) {
        snprintf(detail, sizeof(detail), "%s", cfg->dir);
        report(0, "directory", detail, "the path is empty or too long");
        return -1;
    }
    if (fd == TM_EDIR && lstat(used, &st) != 0 && errno == ENOENT) {
        /* Missing: the first event creates it. */
        snprintf(detail, sizeof(detail), "%s does not exist yet (created 0700 "
                 "at the first event); %s", used, why);
        report(1, "directory", detail, "");
        return -1;
    }
    if (fd < 0) {
        const char *fix =
            fd == TM_EDIRLINK ? "remove the link, or point TELEMETRY_DIR at a real directory" :
            fd == TM_EDIROWNER && how == TM_DIR_FALLBACK_FOREIGN ?
                "another user holds both defaults: set TELEMETRY_DIR to a directory of yours" :
            fd == TM_EDIROWNER ? "use a directory you own (TELEMETRY_DIR or --dir)" :
            fd == TM_EDIRPERM ? "chmod go-w the directory, or use another one" :
            fd == TM_ENOTDIR ? "remove that file, or use another path" :
                               "check the path and its permissions";
        snprintf(detail, sizeof(detail), "%s: %s; %s", used, tm_strerror(fd),
                 why);
        report(0, "directory", detail, fix);
        return -1;
    }
    fstat(fd, &st);
    snprintf(detail, sizeof(detail), "%s is a real directory, yours, mode "
             "%04o%s; %s", used, (unsigned)(st.st_mode & 07777),
             writable(&st) ? "" : ", not u+rwx: no event can be written", why);
    report(writable(&st), "directory", detail, "chmod u+rwx the directory");
    return fd;
}

static void check_space(const char *dir)
{
    struct statvfs vfs;
    char detail[128];
    unsigned long long avail;

    if (statvfs(dir, &vfs) != 0) {
        report(0, "free space", strerror(errno), "check the directory");
        return;
    }
    avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
    snprintf(detail, sizeof(detail), "%.1f MiB free", avail / 1048576.0);
    report(avail >= MIN_FREE_BYTES, "free space", detail,
           "free space on that filesystem, or move TELEMETRY_DIR");
}

static void check_logs(int dfd)
{
    DIR *d = fdopendir(dup(dfd));
    struct dirent *e;
    struct stat st;
    char detail[PATH_MAX + 128] = "";
    int logs = 0, bad = 0;
    long long bytes = 0;

    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, TM_SPOOL_DIR) == 0)
            continue; /* the spool directory (README, "Storage") */
        if (e->d_name[0] == '.' && strcmp(e->d_name, TM_LOCK_FILE) != 0 &&
            strcmp(e->d_name, ".hash_key") != 0)
            continue;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != geteuid()) {
            if (!bad)
                snprintf(detail, sizeof(detail), "%s is a link, not a regular "
                         "file, or not yours", e->d_name);
            bad++;
            continue;
        }
        logs++;
        bytes += st.st_size;
    }
    if (d != NULL)
        closedir(d);
    if (!bad)
        snprintf(detail, sizeof(detail), "%d files, %.1f KiB, none linked or "
                 "foreign", logs, bytes / 1024.0);
    report(!bad, "log files", detail,
           "remove that file; telemetry never writes through links");
}

/* The spool directory (README "Storage"): absent until an event finds
 * the lock busy; one that fails the directory's checks, or that its owner
 * may not write, keeps every such event out. */
static void check_spool(int dfd)
{
    char detail[256];
    int sfd = tm__spool_dir(dfd, 0), files = 0;
    DIR *d;
    struct dirent *e;
    struct stat st;

    if (sfd == TM_EDIR) {
        report(1, "spool directory", "none (made when an event finds the "
               "directory lock busy)", "");
        return;
    }
    if (sfd == TM_ESPOOL) {
        report(0, "spool directory", tm_strerror(sfd),
               "remove it (as its owner); until then an event that finds "
               "the directory lock busy is lost");
        return;
    }
    if (sfd < 0 || fstat(sfd, &st) != 0 || !writable(&st)) {
        snprintf(detail, sizeof(detail), "%s/ cannot be %s: %s", TM_SPOOL_DIR,
                 sfd < 0 ? "opened" : "written to",
                 sfd < 0 ? strerror(errno) : "not mode u+rwx");
        if (sfd >= 0)
            close(sfd);
        report(0, "spool directory", detail,
               "chmod u+rwx it (it may hold events waiting); until then an "
               "event that finds the directory lock busy is lost");
        return;
    }
    if ((d = fdopendir(sfd)) == NULL) {
        close(sfd);
        report(0, "spool directory", strerror(errno), "check its permissions");
        return;
    }
    while ((e = readdir(d)) != NULL)
        files += tm__spool_pid(e->d_name) >= 0;
    closedir(d);
    snprintf(detail, sizeof(detail), "%d file%s waiting (clean and ship move "
             "them into the logs)", files, files == 1 ? "" : "s");
    report(1, "spool directory", detail, "");
}

struct leftover {
    int mine, theirs;          /* counts: the effective user's, others' */
    char first[PATH_MAX + 300]; /* the first of each kind, path/entry */
    char first_theirs[PATH_MAX + 300];
    unsigned their_uid;         /* the first of others' owner */
};

/* Counts in the directory d (closed here), whose path is `path`, the
 * temporary names tm__own_mkdir leaves behind for `name` (NULL: any). */
static void leftovers(DIR *d, const char *path, const char *name,
                      struct leftover *lo)
{
    struct dirent *e;
    struct stat st;

    if (d == NULL)
        return;
    rewinddir(d); /* a dup of a descriptor read before shares its offset */
    while ((e = readdir(d)) != NULL) {
        int mine;
        if (!tm__own_is_tmp(e->d_name, name) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        mine = st.st_uid == geteuid();
        if ((mine ? lo->mine : lo->theirs) == 0) {
            snprintf(mine ? lo->first : lo->first_theirs, sizeof(lo->first),
                     "%s%s%s", path, strcmp(path, "/") == 0 ? "" : "/",
                     e->d_name);
            lo->their_uid = mine ? lo->their_uid : (unsigned)st.st_uid;
        }
        ++*(mine ? &lo->mine : &lo->theirs);
    }
    closedir(d);
}

/* Directories made under a temporary name and never renamed into place
 * (README "Storage"): in the telemetry directory dfd (spool/'s; -1: not
 * looked at), and each of its parents' in the directory above it (the
 * directory and its parents are made the same way; a relative path's
 * first component is looked for in "."). Those of the effective user's
 * are a failed check (a writer killed half-way; they may be removed);
 * another user's are shown (made while a process's user changed, or put
 * there by that user: only they may remove them in a sticky directory). */
static void check_leftovers(int dfd, const char *used)
{
    char parent[PATH_MAX], name[PATH_MAX], detail[PATH_MAX + 420];
    size_t end = strlen(used);
    static struct leftover lo;

    memset(&lo, 0, sizeof(lo));
    if (dfd >= 0)
        leftovers(fdopendir(dup(dfd)), used, NULL, &lo);
    /* used[0..end) is a directory; look for its name in its parent */
    while (end > 0 && end < sizeof(parent) && strcmp(used, "/") != 0) {
        size_t slash = end;
        while (slash > 0 && used[slash - 1] != '/')
            slash--;
        memcpy(name, used + slash, end - slash);
        name[end - slash] = '\0';
        if (slash == 0) { /* relative: its first component, in "." */
            if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
                leftovers(opendir("."), ".", name, &lo);
            break;
        }
        end = slash > 1 ? slash - 1 : 1; /* the parent, "/" kept */
        memcpy(parent, used, end);
        parent[end] = '\0';
        if (name[0] != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
            leftovers(opendir(parent), parent, name, &lo);
        if (end == 1 && parent[0] == '/')
            break;
    }
    if (lo.theirs > 0)
        printf("INFO leftover directories of another user's: %d, the first "
               "%s (uid %u; made while a process's user changed, or put "
               "there by that user; only its owner may remove it)\n",
               lo.theirs, lo.first_theirs, lo.their_uid);
    if (lo.mine == 0) {
        report(1, "leftover directories", "none of yours", "");
        return;
    }
    snprintf(detail, sizeof(detail), "%d of yours, the first %s (a writer "
             "killed while making it)", lo.mine, lo.first);
    report(0, "leftover directories", detail, "remove them (rmdir)");
}

/* Runs argv with the shim preloaded and TELEMETRY_DIR=dir; returns the exit
 * status (-1 when it could not run), its stderr in err. */
static int run_with_shim(const char *shim, const char *dir, char *const argv[],
                         char *err, size_t cap)
{
    int pipefd[2], status;
    pid_t pid;
    ssize_t n;
    size_t got = 0;

    if (pipe(pipefd) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        setenv("LD_PRELOAD", shim, 1);
        setenv("TELEMETRY_DIR", dir, 1);
        setenv("TELEMETRY_CAPTURE", "all", 1);
        unsetenv("TELEMETRY_DISABLE");
        execv(argv[0], argv);
        _exit(EXIT_NOT_FOUND);
    }
    close(pipefd[1]);
    while (got + 1 < cap && (n = read(pipefd[0], err + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    err[got] = '\0';
    close(pipefd[0]);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Empties and removes the scratch directory (flat: the shim writes files
 * only). */
static void remove_scratch(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX + 300];

    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static void check_shim(const struct tm__config *cfg)
{
    char shim[PATH_MAX], scratch[] = "/tmp/telemetry-doctor-XXXXXX";
    char err[512], path[PATH_MAX + 32], detail[PATH_MAX + 128];
    char *true_argv[] = {"/bin/true", NULL};
    char *cat_argv[] = {"/bin/cat", "/nonexistent/telemetry-doctor-probe", NULL};
    struct stat st;
    int rc;

    if (cli_find_shim(cfg, shim, sizeof(shim)) != 0) {
        report(0, "shim", "libtelemetry_shim.so not found",
               "install it next to telemetry or in ../lib, or set TELEMETRY_SHIM");
        return;
    }
    if (strpbrk(shim, TM_PRELOAD_BAD) != NULL) {
        snprintf(detail, sizeof(detail), "%s has a blank, colon, tab or "
                 "newline, which LD_PRELOAD cannot carry", shim);
        report(0, "shim", detail, "install the shim under a path without "
               "them, or set TELEMETRY_SHIM to such a copy");
        return;
    }
    report(1, "shim", shim, "");
    if (mkdtemp(scratch) == NULL) {
        report(0, "shim loads into /bin/true", strerror(errno), "check /tmp");
        return;
    }
    rc = run_with_shim(shim, scratch, true_argv, err, sizeof(err));
    report(rc == 0 && err[0] == '\0', "shim loads into /bin/true",
           rc == 0 && err[0] == '\0' ? NULL : (err[0] ? err : "it did not run"),
           "the shim must match this machine (rebuild it here: make)");
    run_with_shim(shim, scratch, cat_argv, err, sizeof(err));
    snprintf(path, sizeof(path), "%s/all_errors.jsonl", scratch);
    rc = stat(path, &st) == 0 && st.st_size > 0;
    snprintf(detail, sizeof(detail), "cat of a missing file, recorded in a "
             "scratch directory");
    report(rc, "shim records a provoked failure", detail,
           "run with TELEMETRY_DEBUG=1 to see why the shim refused");
    remove_scratch(scratch);
}

#define DOCTOR_RUNS 5

/* What the recent runs' processes suppressed (README "Runs"): failures
 * kept aside as probes or counted as expected errors, never recorded.
 * Information, not a check. */
static void show_runs(int dfd)
{
    struct tm__runs rs;
    struct tm__run **v = NULL;
    size_t n = 0;

    if (tm__runs_load(dfd, NULL, NULL, &rs) == 0)
        v = tm__runs_sorted(&rs, &n);
    if (n == 0) {
        printf("INFO runs: none recorded (telemetry run -- CMD starts one)\n");
    } else {
        printf("INFO recent runs, failures suppressed (probes + expected "
               "errors) and recorded:\n");
        for (size_t i = 0; i < n && i < DOCTOR_RUNS; i++)
            printf("     %s  %s  suppressed %lld probes + %lld expected, "
                   "recorded %lld (%lld fatal)\n",
                   v[i]->id, v[i]->start[0] ? v[i]->start : v[i]->first,
                   v[i]->probes, v[i]->expected, v[i]->events, v[i]->fatal);
    }
    if (rs.skipped > 0)
        printf("     %lld lines of %s are not run records (the first: %s)\n",
               rs.skipped, TM_RUNS_LOG, rs.first_why);
    free(v);
    tm__runs_free(&rs);
}

int cmd_doctor(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    char used[PATH_MAX] = "";
    int opt, rc, dfd;

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (cli_common_option("doctor", opt, &cfg, argv, &rc) == CLI_OPT_END)
            return rc;
    }
    if (optind < argc)
        return cli_usage("doctor", "unexpected argument '%s'", argv[optind]);
    failures = 0;
    dfd = check_dir(&cfg, used, sizeof(used));
    if (dfd >= 0) {
        check_space(used);
        check_logs(dfd);
        check_spool(dfd);
    }
    if (used[0] != '\0')
        check_leftovers(dfd, used);
    if (dfd >= 0) {
        show_runs(dfd);
        close(dfd);
    }
    if (cfg.run_invalid) /* the shim ignores it: events carry no run */
        report(0, "TELEMETRY_RUN_ID", "set, but not 16 lowercase hex digits: "
               "the shim ignores it and its events belong to no run",
               "unset it (telemetry run makes one), or set a valid run id");
    check_shim(&cfg);
    printf("%s\n", failures ? "Some checks failed." : "All checks passed.");
    return failures ? EXIT_RUNTIME : EXIT_OK;
}
