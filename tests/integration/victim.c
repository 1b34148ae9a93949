/*
 * victim.c - a program with one verb per interposed call and errno, for the
 * shim's integration tests.  Each verb prints "VERB ret=R errno=E" so that a
 * run with the shim can be compared with a run without it: the shim must
 * not change a result or an errno.
 *
 * Built twice: plain, and with -O2 -D_FORTIFY_SOURCE=2
 * -D_FILE_OFFSET_BITS=64 so that the *64 and __open*_2 entry points are the
 * ones really called.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *verb, long ret)
{
    int e = errno;
    printf("%s ret=%ld errno=%s\n", verb, ret, ret < 0 ? strerrorname_np(e) : "0");
    fflush(stdout);
}

static long num(const char *s)
{
    return strtol(s, NULL, 10);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory stream itself */
}

static void *thread_fail(void *arg)
{
    char path[64];
    snprintf(path, sizeof(path), "missing/thread-%ld.txt", (long)(intptr_t)arg);
    for (int i = 0; i < 3; i++)
        close(open(path, O_RDONLY));
    return NULL;
}

struct stress_arg {
    long id, n;
    const char *tag;
};

static void *thread_stress(void *p)
{
    struct stress_arg *a = p;
    char path[128];

    for (long i = 0; i < a->n; i++) {
        snprintf(path, sizeof(path), "missing/%s-%ld-%ld.txt", a->tag, a->id, i);
        close(open(path, O_RDONLY));
    }
    return NULL;
}

static int pipe_w = -1;

static void on_alarm(int sig)
{
    /* The pipe is full and non-blocking: this write fails with EAGAIN
     * while the main thread may be inside a failing call of its own. */
    char c = 'x';
    int saved = errno; /* as every handler must: the interrupted code may
                        * be between a failing call and its errno check */
    (void)sig;
    if (write(pipe_w, &c, 1) < 0 && errno != EAGAIN)
        _exit(3);
    errno = saved;
}

/* uid-swap's thread: its own effective uid changed by the system call
 * (this thread's credentials only), then a failure. */
struct uid_thread_arg {
    uid_t uid;
    const char *prefix;
    int n; /* failures */
};

static void *uid_thread(void *arg)
{
    const struct uid_thread_arg *ta = arg;
    char p[512];

    if (syscall(SYS_setresuid, -1, ta->uid, -1) != 0)
        return NULL;
    for (int i = 0; i < ta->n; i++) {
        snprintf(p, sizeof(p), "%s-user-%d", ta->prefix, i);
        close(open(p, O_RDONLY));
    }
    return NULL;
}

/* uid-flip's timer: the thread's effective uid made root, at any moment
 * (within an event of the shim too). */
static void flip_to_root(int sig)
{
    int saved = errno;

    (void)sig;
    syscall(SYS_setresuid, -1, 0, -1);
    errno = saved;
}

int main(int argc, char **argv)
{
    const char *v = argc > 1 ? argv[1] : "";
    const char *a = argc > 2 ? argv[2] : "";
    const char *b = argc > 3 ? argv[3] : "";
    const char *c = argc > 4 ? argv[4] : "";
    long r;

    errno = 0;
    if (strcmp(v, "open") == 0) { /* open PATH FLAGS(decimal, not constant) */
        r = open(a, (int)num(b), 0644);
    } else if (strcmp(v, "open2") == 0) { /* two arguments: __open_2 when fortified */
        r = open(a, (int)num(b));
    } else if (strcmp(v, "open-ro") == 0) {
        r = open(a, O_RDONLY);
    } else if (strcmp(v, "open-excl") == 0) {
        r = open(a, O_WRONLY | O_CREAT | O_EXCL, 0644);
    } else if (strcmp(v, "open-wr") == 0) {
        r = open(a, O_WRONLY);
    } else if (strcmp(v, "open-nofollow") == 0) {
        r = open(a, O_RDONLY | O_NOFOLLOW);
    } else if (strcmp(v, "openat") == 0) { /* openat DIR REL */
        int d = open(a, O_RDONLY | O_DIRECTORY);
        r = openat(d, b, O_RDONLY);
        report(v, r);
        close(d);
        return 0;
    } else if (strcmp(v, "creat") == 0) {
        r = creat(a, 0644);
    } else if (strcmp(v, "fopen") == 0) { /* fopen PATH MODE */
        FILE *f = fopen(a, b);
        r = f ? 0 : -1;
        if (f)
            fclose(f);
    } else if (strcmp(v, "freopen") == 0) {
        FILE *f = freopen(a, b, stdin);
        r = f ? 0 : -1;
    } else if (strcmp(v, "mkstemp") == 0) {
        char t[4096];
        snprintf(t, sizeof(t), "%s", a);
        r = mkstemp(t);
    } else if (strcmp(v, "mkostemp") == 0) {
        char t[4096];
        snprintf(t, sizeof(t), "%s", a);
        r = mkostemp(t, O_CLOEXEC);
    } else if (strcmp(v, "rename") == 0) {
        r = rename(a, b);
    } else if (strcmp(v, "renameat") == 0) {
        r = renameat(AT_FDCWD, a, AT_FDCWD, b);
    } else if (strcmp(v, "renameat2-noreplace") == 0) {
        r = renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE);
    } else if (strcmp(v, "write-fd") == 0) { /* write-fd FD */
        r = write((int)num(a), "x", 1);
    } else if (strcmp(v, "write-file") == 0) { /* write-file PATH SIZE */
        int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        long size = num(b), done = 0;
        char buf[4096];
        memset(buf, 'z', sizeof(buf));
        r = 0;
        while (done < size && (r = write(fd, buf, sizeof(buf))) > 0)
            done += r;
        report(v, r);
        close(fd);
        return 0;
    } else if (strcmp(v, "writev-fd") == 0) {
        struct iovec iov = {"x", 1};
        r = writev((int)num(a), &iov, 1);
    } else if (strcmp(v, "pwrite-fd") == 0) {
        r = pwrite((int)num(a), "x", 1, 0);
    } else if (strcmp(v, "pwritev-fd") == 0) {
        struct iovec iov = {"x", 1};
        r = pwritev((int)num(a), &iov, 1, 0);
    } else if (strcmp(v, "uid-swap") == 0) {
        /* uid-swap HOW UID PREFIX: a failure as root (PREFIX-root1); the
         * effective uid made UID by HOW (setuid, seteuid, setreuid,
         * setresuid, raw: the setresuid system call itself) and a failure
         * (PREFIX-user-0); but for setuid, the effective uid made 0 again
         * the same way and a failure (PREFIX-root2).  HOW "thread": a
         * second thread makes its own effective uid UID (the system call
         * changes the calling thread's only) and fails (PREFIX-user-0),
         * then this one, still root, fails (PREFIX-root2).  HOW "threads":
         * the same, the two threads failing 1000 times each at once
         * (PREFIX-user-I, PREFIX-root2-I).  Each failure follows the change
         * at once. */
        char p[512];
        if (strcmp(a, "thread") == 0 || strcmp(a, "threads") == 0) {
            int n = strcmp(a, "threads") == 0 ? 1000 : 1;
            struct uid_thread_arg ta = {(uid_t)num(b), c, n};
            pthread_t t;
            snprintf(p, sizeof(p), "%s-root1", c);
            close(open(p, O_RDONLY));
            if (pthread_create(&t, NULL, uid_thread, &ta) != 0 ||
                (n == 1 && pthread_join(t, NULL) != 0))
                return 2;
            for (int i = 0; i < n; i++) {
                snprintf(p, sizeof(p), "%s-root2-%d", c, i);
                close(open(p, O_RDONLY));
            }
            if (n > 1 && pthread_join(t, NULL) != 0)
                return 2;
            r = 0;
        } else {
            static const char *const name[] = {"root1", "user", "root2"};
            int back = strcmp(a, "setuid") != 0;
            for (int step = 0; step < 2 + back; step++) {
                if (step > 0) {
                    uid_t u = step == 1 ? (uid_t)num(b) : 0;
                    if (strcmp(a, "setuid") == 0)
                        r = setuid(u);
                    else if (strcmp(a, "seteuid") == 0)
                        r = seteuid(u);
                    else if (strcmp(a, "setreuid") == 0)
                        r = setreuid((uid_t)-1, u);
                    else if (strcmp(a, "setresuid") == 0)
                        r = setresuid((uid_t)-1, u, (uid_t)-1);
                    else
                        r = syscall(SYS_setresuid, -1, u, -1);
                    if (r != 0)
                        return 2;
                }
                snprintf(p, sizeof(p), step == 1 ? "%s-%s-0" : "%s-%s", c, name[step]);
                close(open(p, O_RDONLY));
            }
            r = 0;
        }
    } else if (strcmp(v, "uid-flip") == 0) {
        /* uid-flip UID N PREFIX: N failures (PREFIX-I), each made as UID
         * while a 37 us timer's handler makes the thread root again, most
         * often in the middle of the shim's event; root at the end. */
        struct sigaction sa;
        struct itimerval it = {{0, 37}, {0, 37}}, off = {{0, 0}, {0, 0}};
        sigset_t alrm, old;
        char p[512];

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = flip_to_root;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        if (sigaction(SIGALRM, &sa, NULL) != 0 || setitimer(ITIMER_REAL, &it, NULL) != 0)
            return 2;
        for (long i = 0; i < num(b); i++) {
            sigprocmask(SIG_BLOCK, &alrm, &old);
            syscall(SYS_setresuid, -1, (uid_t)num(a), -1);
            sigprocmask(SIG_SETMASK, &old, NULL);
            snprintf(p, sizeof(p), "%s-%ld", c, i);
            close(open(p, O_RDONLY));
        }
        setitimer(ITIMER_REAL, &off, NULL);
        syscall(SYS_setresuid, -1, 0, -1);
        r = 0;
    } else if (strcmp(v, "uid-exit") == 0) {
        /* uid-exit UID PREFIX: the effective uid made UID, a failure
         * (PREFIX-user-0), the effective uid made 0 again, a failure
         * outside the work tree (a probe, counted for the run file), and
         * the exit as root. */
        char p[512];
        if (seteuid((uid_t)num(a)) != 0)
            return 2;
        snprintf(p, sizeof(p), "%s-user-0", b);
        close(open(p, O_RDONLY));
        if (seteuid(0) != 0)
            return 2;
        close(open("/nonexistent/victim-uid-exit", O_RDONLY));
        r = 0;
    } else if (strcmp(v, "write-epipe") == 0) {
        int p[2];
        signal(SIGPIPE, SIG_IGN);
        if (pipe(p) != 0)
            return 2;
        close(p[0]);
        r = write(p[1], "x", 1);
    } else if (strcmp(v, "fprintf-full") == 0) { /* stdio on a full device */
        FILE *f = fopen(a, "w");
        if (f == NULL)
            return 2;
        fprintf(f, "hello\n");
        r = fflush(f) == EOF ? -1 : 0;
        report("fflush", r);
        r = fclose(f) == EOF ? -1 : 0;
        report("fclose", r);
        return 0;
    } else if (strcmp(v, "ok") == 0) { /* success paths: nothing recorded */
        char t[] = "/tmp/victim-ok-XXXXXX";
        int fd = mkstemp(t);
        FILE *f;
        r = fd >= 0 && write(fd, "abc", 3) == 3 && pwrite(fd, "d", 1, 0) == 1 ? 0 : -1;
        close(fd);
        f = fopen(t, "a");
        if (f == NULL || fprintf(f, "x") < 0 || fflush(f) != 0 || fclose(f) != 0)
            r = -1;
        if (rename(t, "/tmp/victim-ok-renamed") != 0)
            r = -1;
        unlink("/tmp/victim-ok-renamed");
    } else if (strcmp(v, "fds") == 0) { /* descriptors before/after a failure */
        int before = count_fds(), after;
        close(open(a, O_RDONLY));
        after = count_fds();
        printf("fds before=%d after=%d\n", before, after);
        return before == after ? 0 : 1;
    } else if (strcmp(v, "threads") == 0) { /* threads N */
        long n = num(a);
        pthread_t t[64];
        for (long i = 0; i < n && i < 64; i++)
            pthread_create(&t[i], NULL, thread_fail, (void *)(intptr_t)i);
        for (long i = 0; i < n && i < 64; i++)
            pthread_join(t[i], NULL);
        r = 0;
    } else if (strcmp(v, "stress") == 0) { /* stress THREADS N TAG */
        long nt = num(a);
        pthread_t t[64];
        struct stress_arg args[64];
        for (long i = 0; i < nt && i < 64; i++) {
            args[i] = (struct stress_arg){i, num(b), argc > 4 ? argv[4] : "s"};
            pthread_create(&t[i], NULL, thread_stress, &args[i]);
        }
        for (long i = 0; i < nt && i < 64; i++)
            pthread_join(t[i], NULL);
        r = 0;
    } else if (strcmp(v, "fd-exhaust") == 0) { /* open until EMFILE, then fail */
        int fds[4096], nfd = 0;
        while (nfd < 4096 && (fds[nfd] = open("/dev/null", O_RDONLY)) >= 0)
            nfd++;
        report("exhausted", nfd < 4096 ? -1 : 0);
        r = open(a, O_RDONLY); /* EMFILE: worth recording, no fd to record it */
        report("open-at-limit", r);
        while (nfd > 0)
            close(fds[--nfd]);
        r = 0;
    } else if (strcmp(v, "fork") == 0) { /* parent and child both fail */
        pid_t pid = fork();
        if (pid == 0) {
            close(open("missing/child.txt", O_RDONLY));
            _exit(0);
        }
        close(open("missing/parent.txt", O_RDONLY));
        waitpid(pid, NULL, 0);
        r = 0;
    } else if (strcmp(v, "exec") == 0) { /* exec VICTIM VERB ARG... */
        execv(argv[2], argv + 2);
        r = -1;
    } else if (strcmp(v, "probe-then-exit") == 0) { /* probes, exit CODE */
        close(open("/nonexistent/probe-a", O_RDONLY));
        close(open("node_modules/probe-b", O_RDONLY)); /* a probe, no
                                                         configuration */
        exit((int)num(a));
    } else if (strcmp(v, "repeat") == 0) { /* repeat N PATH */
        for (long i = 0; i < num(a); i++)
            close(open(b, O_RDONLY));
        r = 0;
    } else if (strcmp(v, "signal") == 0) { /* handler writes fail meanwhile */
        int p[2];
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        if (pipe2(p, O_NONBLOCK) != 0)
            return 2;
        pipe_w = p[1];
        while (write(p[1], "xxxxxxxxxxxxxxxx", 16) > 0)
            ;
        /* Timer signals while failing opens run.  An open the signal
         * interrupts fails with EINTR instead (no SA_RESTART): count the
         * ENOENTs to know how many the shim saw. */
        {
            int enoent = 0;
            for (int i = 0; i < 2000; i++) {
                if (i % 100 == 0)
                    ualarm(100, 0);
                if (open("missing/under-signals.txt", O_RDONLY) < 0 && errno == ENOENT)
                    enoent++;
            }
            printf("enoent=%d\n", enoent);
        }
        r = 0;
    } else {
        fprintf(stderr, "victim: unknown verb '%s'\n", v);
        return 2;
    }
    report(v, r);
    return 0;
}
