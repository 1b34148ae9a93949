/*
 * cmd_run.c - `telemetry run`: a command with the shim preloaded, as one
 * run (README "Runs"): an id its processes inherit (TELEMETRY_RUN_ID), a
 * start record before the command and an end record after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "argv.h"
#include "cli.h"
#include "dir.h"
#include "runrec.h"
#include "runs.h"
#include "telemetry.h"


/* LD_PRELOAD with the shim appended: a library already listed (libasan
 * must come first) keeps its place.  Returns 0, or -1 with errno set. */
static int set_preload(const char *shim)
{
    const char *old = getenv("LD_PRELOAD");
    char *val;
    size_t n;
    int rc;

    if (old == NULL || *old == '\0')
        return setenv("LD_PRELOAD", shim, 1);
    if (strstr(old, shim) != NULL)
        return 0;
    n = strlen(old) + 1 + strlen(shim) + 1;
    if ((val = malloc(n)) == NULL)
        return -1;
    memcpy(val, old, strlen(old));
    val[strlen(old)] = ' ';
    memcpy(val + strlen(old) + 1, shim, strlen(shim) + 1);
    rc = setenv("LD_PRELOAD", val, 1);
    free(val);
    return rc;
}

/* What the run's records say, gathered once before the command starts.
 * The strings are sanitized copies (owned: released by run_release). */
struct run {
    char id[TM_RUN_ID_LEN + 1];
    char dir[PATH_MAX];
    int dfd;                   /* the directory, -1 when none: no records */
    long long max_bytes;
    struct timespec t0;        /* CLOCK_REALTIME at the start: the start
                                  time and the duration from one reading */
    char start[TM_TS_SIZE];
    char *program, *agent, *host;
    char repo[TM_STORED_REPO_MAX];
    struct tm__run_ci ci[TM_RUN_CI_MAX];
    char *ci_vals[TM_RUN_CI_MAX];
    int nci;
};

/* The name of the git work tree holding the current directory (the
 * directory that holds .git), or "unknown". */
static void cwd_repo(char *out, size_t cap)
{
    char cwd[PATH_MAX];
    struct stat st;

    tm__strlcpy(out, "unknown", cap);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return;
    for (;;) {
        char *slash = strrchr(cwd, '/');
        char git[PATH_MAX + 8];

        if (cli_join_path(git, sizeof(git), cwd[0] ? cwd : "/", ".git") == 0 &&
            stat(git, &st) == 0) {
            if (slash != NULL && slash[1] != '\0')
                tm__strlcpy(out, slash + 1, cap);
            return;
        }
        if (slash == NULL || cwd[0] == '\0')
            return;
        *slash = '\0';
    }
}

/* Four labels of digits in a host name (alice-laptop.10.1.2.3) are an
 * IPv4 address the message rules do not see (no word boundary): replaced
 * in place by the privacy rules' placeholder. */
static void host_scrub_ip(char *h, size_t cap)
{
    for (char *p = h; *p; p++) {
        const char *q = p;
        int labels = 0;

        if (p != h && p[-1] != '.')
            continue;
        while (labels < 4) {
            size_t d = strspn(q, "0123456789");
            if (d == 0 || d > 3 || (q[d] != '.' && q[d] != '\0'))
                break;
            labels++;
            q += d;
            if (labels < 4 && *q == '.')
                q++;
            else
                break;
        }
        if (labels == 4) {
            char out[512];
            snprintf(out, sizeof(out), "%.*s***IP***%s", (int)(p - h), h, q);
            tm__strlcpy(h, out, cap);
            return;
        }
    }
}

/* s sanitized by the privacy rules and cut to 128 bytes; NULL when out of
 * memory. */
static char *clean_copy(const char *s)
{
    char *c = tm_sanitize_message(s);

    if (c != NULL && strlen(c) > 128)
        c[128] = '\0'; /* the encoder cuts on a character boundary anyway */
    return c;
}

static void run_release(struct run *r)
{
    free(r->program);
    free(r->agent);
    free(r->host);
    for (int i = 0; i < r->nci; i++)
        free(r->ci_vals[i]);
    if (r->dfd >= 0)
        close(r->dfd);
    r->dfd = -1;
}

/* The facts of the start record: program and agent from the command's
 * argv (only their names, README "How the agent is named"), repo as
 * stored, host name, allow-listed CI variables. */
static void run_facts(struct run *r, const struct tm__config *cfg, int argc,
                      char **argv)
{
    char name[TM_ARGV_NAME_MAX + 256], host[256], repo[256];
    size_t nvars;
    const char *const *vars = tm__run_ci_vars(&nvars);
    struct tm_collector *c;
    int err;

    tm__argv_program(argc, argv, name, sizeof(name));
    r->program = clean_copy(name);
    if (cfg->agent[0])
        tm__strlcpy(name, cfg->agent, sizeof(name));
    else
        tm__argv_agent(argc, argv, name, sizeof(name));
    r->agent = clean_copy(name);
    if (gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        host_scrub_ip(host, sizeof(host));
        r->host = clean_copy(host);
    }
    if (cfg->repo[0])
        tm__strlcpy(repo, cfg->repo, sizeof(repo));
    else
        cwd_repo(repo, sizeof(repo));
    /* A private repository's name is stored as its hash, as in events;
     * without a key it is left out. */
    if ((c = tm__collector_open(cfg, &err)) == NULL ||
        tm_hash_repo_if_needed(c, repo, r->repo, sizeof(r->repo)) != 0)
        r->repo[0] = '\0';
    tm_close(c);
    for (size_t i = 0; i < nvars && r->nci < TM_RUN_CI_MAX; i++) {
        const char *v = getenv(vars[i]);
        char *val;

        if (v == NULL || *v == '\0' || (val = clean_copy(v)) == NULL)
            continue;
        r->ci_vals[r->nci] = val;
        r->ci[r->nci].name = vars[i];
        r->ci[r->nci].value = val;
        r->nci++;
    }
}

static void run_fill(const struct run *r, struct tm__runrec *rec,
                     enum tm__run_kind kind)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = kind;
    rec->run = r->id;
    tm__ts_now(rec->time);
    rec->flags = TM_RUNREC_PID;
    rec->pid = (int64_t)getpid();
    rec->program = r->program;
    rec->agent = r->agent;
    rec->repo = r->repo[0] ? r->repo : NULL;
    rec->host = r->host;
    rec->ci = r->ci;
    rec->nci = r->nci;
}

/* How long a record waits for the directory lock (README "Runs"): the
 * start record is written before the command starts, so a lock held by
 * someone else never delays the command more than this. */
#define RUN_LOCK_WAIT_US 100000

static void run_write(struct run *r, const struct tm__runrec *rec)
{
    char line[TM_RUN_LINE_MAX];
    size_t len = tm__runrec_encode(rec, line);
    int rc, budget = RUN_LOCK_WAIT_US;

    if (len == 0 || r->dfd < 0)
        return;
    if ((rc = tm__runrec_store(r->dfd, line, len, r->max_bytes, &budget)) != 0) {
        char what[PATH_MAX + 64];
        snprintf(what, sizeof(what), "cannot write the run record to '%s'", r->dir);
        cli_write_error(what, rc, errno);
    }
}

/* The start record.  A directory that cannot be used gets no records
 * (the command still runs; the shim records nothing there either). */
static void run_begin(struct run *r, const struct tm__config *cfg, int argc,
                      char **argv)
{
    struct tm__runrec rec;

    r->max_bytes = cfg->max_bytes;
    clock_gettime(CLOCK_REALTIME, &r->t0);
    r->dfd = tm__dir_use(cfg, 1, r->dir, sizeof(r->dir), NULL);
    if (r->dfd < 0)
        return;
    run_facts(r, cfg, argc, argv);
    run_fill(r, &rec, TM_RUN_START);
    tm__ts_format((int64_t)r->t0.tv_sec, r->t0.tv_nsec / 1000, rec.time);
    memcpy(r->start, rec.time, TM_TS_SIZE);
    run_write(r, &rec);
}

/* The end record: how the command ended, the run's events and fatal
 * events (the central log), what its processes suppressed (their lines
 * in the run file).  *events and *fatal are set for the report line. */
static void run_end(struct run *r, int wstatus, int not_run,
                    long long *events, long long *fatal)
{
    struct tm__runrec rec;
    struct tm__runs rs;
    struct timespec t1;
    struct tm__centry *e;

    *events = *fatal = 0;
    if (r->dfd < 0)
        return;
    clock_gettime(CLOCK_REALTIME, &t1);
    run_fill(r, &rec, TM_RUN_END);
    tm__ts_format((int64_t)t1.tv_sec, t1.tv_nsec / 1000, rec.time);
    rec.start = r->start;
    rec.flags |= TM_RUNREC_DURATION | TM_RUNREC_COUNTS | TM_RUNREC_FATAL |
                 TM_RUNREC_SUPPR;
    /* end - start of the two times written, to the microsecond */
    rec.duration_ms = ((int64_t)(t1.tv_sec - r->t0.tv_sec) * 1000000 +
                       (t1.tv_nsec / 1000 - r->t0.tv_nsec / 1000)) / 1000;
    if (WIFSIGNALED(wstatus)) {
        rec.flags |= TM_RUNREC_SIGNAL;
        rec.signal = WTERMSIG(wstatus);
    } else {
        rec.flags |= TM_RUNREC_EXIT;
        rec.exit_status = WEXITSTATUS(wstatus);
    }
    if (tm__runs_load(r->dfd, r->id, NULL, &rs) == 0 &&
        (e = tm__counter_find(&rs.table, r->id, TM_RUN_ID_LEN)) != NULL) {
        const struct tm__run *run = e->data;
        rec.events = run->events;
        rec.fatal = run->fatal;
        rec.probes = run->probes;
        rec.expected = run->expected;
        rec.lost = run->lost;
    }
    rec.flags |= TM_RUNREC_LOST;
    tm__runs_free(&rs);
    /* A failed exit that no event of the run explains is said so; a
     * command that could not be run is explained by that, and a run that
     * lost events may have lost the explanation (it says "lost").  A
     * failure written when it happened is never marked fatal afterwards
     * (an event is written once), so any recorded event counts as an
     * explanation, not only a fatal one (README "Runs"). */
    if (not_run)
        rec.flags |= TM_RUNREC_NOT_RUN;
    else if ((rec.flags & TM_RUNREC_EXIT) && rec.exit_status != 0 &&
             rec.events == 0 && rec.lost == 0)
        rec.flags |= TM_RUNREC_UNEXPLAINED;
    run_write(r, &rec);
    *events = rec.events;
    *fatal = rec.fatal;
}

static volatile sig_atomic_t child_pid;

/* Termination asked of `telemetry run` is passed on to the command. */
static void forward(int sig)
{
    if (child_pid > 0)
        kill((pid_t)child_pid, sig);
}

/* Runs argv as a child and waits for it; returns its wait status, or -1
 * when it could not be started (errno set).  *not_run is set when the
 * child could not exec the command (it said so through a close-on-exec
 * pipe, which an exec that succeeds closes unwritten). */
static int run_child(char **argv, int *not_run)
{
    static const int forwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
    struct sigaction sa, ign, old_int, old_quit;
    int status, p[2];
    pid_t pid;
    char c;

    *not_run = 0;
    fflush(NULL);
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    if ((pid = fork()) < 0) {
        int err = errno;
        close(p[0]);
        close(p[1]);
        errno = err;
        return -1;
    }
    if (pid == 0) {
        int err;
        close(p[0]);
        execvp(argv[0], argv);
        err = errno;
        cli_error("cannot run '%s': %s", argv[0], strerror(err));
        (void)!write(p[1], "x", 1);
        _exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
    }
    close(p[1]);
    child_pid = pid;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        sigaction(forwarded[i], &sa, NULL);
    /* A terminal's ^C and ^\ reach the command itself (its process group):
     * here they are ignored, as system(3) does, so the end record is
     * written after the command ends. */
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    /* The pipe ends at the exec, or with a byte when there was none. */
    {
        ssize_t n;
        while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
            continue;
        *not_run = n == 1;
    }
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            status = 0;
            break;
        }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    return status;
}

/* Ends this process as the command ended: its exit status, or its signal
 * (raised again without a core dump; 128 + signal if that returns). */
static int exit_like(int wstatus)
{
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        struct rlimit none = {0, 0};
        sigset_t set;

        setrlimit(RLIMIT_CORE, &none);
        signal(sig, SIG_DFL);
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        fflush(NULL);
        raise(sig);
        return 128 + sig;
    }
    return WEXITSTATUS(wstatus);
}

/* The run id: TELEMETRY_RUN_ID when set (a CI step's, an outer run's),
 * else a new one, exported to the command.  Returns 0, or EXIT_USAGE
 * after a message when the variable holds no run id. */
static int run_id(char id[TM_RUN_ID_LEN + 1])
{
    const char *env = getenv("TELEMETRY_RUN_ID");

    if (env != NULL && *env != '\0') {
        if (!tm__run_id_valid(env)) {
            cli_error("TELEMETRY_RUN_ID must be 16 lowercase hex digits "
                      "(README \"Runs\"); unset it for a new run id");
            return EXIT_USAGE;
        }
        memcpy(id, env, TM_RUN_ID_LEN + 1);
        return 0;
    }
    tm__id_new(id);
    if (setenv("TELEMETRY_RUN_ID", id, 1) != 0) {
        cli_error("cannot set TELEMETRY_RUN_ID: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},
        {"agent", required_argument, NULL, 'a'},
        {"capture", required_argument, NULL, 'c'},
        {"report", no_argument, NULL, 'R'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    static struct tm__config rcfg; /* after the options: what the command gets */
    enum tm__capture mode;
    char shim[PATH_MAX], dir[PATH_MAX];
    struct run r = {.dfd = -1};
    long long events, fatal;
    int opt, rc, report = 0, dir_given = 0, wstatus, not_run;

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    /* '+': stop at the first non-option, so CMD's own options stay its. */
    while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (*optarg == '\0')
                return cli_usage("run", "--repo must not be empty");
            setenv("TELEMETRY_REPO", optarg, 1);
            break;
        case 'a':
            if (*optarg == '\0')
                return cli_usage("run", "--agent must not be empty");
            setenv("TELEMETRY_AGENT", optarg, 1);
            break;
        case 'c':
            if (tm__capture_parse(optarg, &mode) != 0)
                return cli_usage("run", "--capture is significant, all or fatal, "
                                        "not '%s'", optarg);
            setenv("TELEMETRY_CAPTURE", optarg, 1);
            break;
        case 'R':
            report = 1;
            break;
        case 'd':
            /* Absolute, so that it survives the command's chdir. */
            if (*optarg == '\0')
                return cli_usage("run", "--dir needs a directory");
            if (optarg[0] != '/') {
                char cwd[PATH_MAX];
                if (getcwd(cwd, sizeof(cwd)) == NULL ||
                    cli_join_path(dir, sizeof(dir), cwd, optarg) != 0)
                    return cli_usage("run", "--dir is too long");
            } else if (tm__strlcpy(dir, optarg, sizeof(dir)) != 0) {
                return cli_usage("run", "--dir is too long");
            }
            setenv("TELEMETRY_DIR", dir, 1);
            dir_given = 1;
            break;
        default: /* --help, a missing value, an unknown option */
            if (cli_common_option("run", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind >= argc)
        return cli_usage("run", "no command given (telemetry run -- CMD [ARG]...)");
    if (cli_find_shim(&cfg, shim, sizeof(shim)) != 0) {
        cli_error("cannot find %s (looked at $TELEMETRY_SHIM, next to this "
                  "program and in its ../lib); set TELEMETRY_SHIM",
                  CLI_SHIM_NAME);
        return EXIT_RUNTIME;
    }
    if (strpbrk(shim, TM_PRELOAD_BAD) != NULL) {
        /* ld.so would split it into pieces, complain in every process and
         * preload nothing. */
        cli_error("the shim path '%s' has a blank, colon, tab or newline, "
                  "which LD_PRELOAD cannot carry; install it under a path "
                  "without them, or set TELEMETRY_SHIM to such a copy", shim);
        return EXIT_RUNTIME;
    }
    if ((rc = run_id(r.id)) != 0)
        return rc;
    if (set_preload(shim) != 0) {
        cli_error("cannot set LD_PRELOAD: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    tm__config_from_env(&rcfg);
    run_begin(&r, &rcfg, argc - optind, argv + optind);
    if ((wstatus = run_child(argv + optind, &not_run)) < 0) {
        cli_error("cannot start '%s': %s", argv[optind], strerror(errno));
        run_release(&r);
        return EXIT_CANNOT_RUN;
    }
    run_end(&r, wstatus, not_run, &events, &fatal);
    /* One line, only when asked or on a terminal: a host's stderr stays
     * its own (README "Runs"). */
    if (events > 0 && (report || isatty(STDERR_FILENO)))
        fprintf(stderr, "telemetry: %lld failure%s recorded (%lld fatal) \xe2\x80\x94 "
                        "telemetry summary --run %s%s%s\n",
                events, events == 1 ? "" : "s", fatal, r.id,
                dir_given ? " --dir " : "", dir_given ? dir : "");
    run_release(&r);
    return exit_like(wstatus);
}
