/*
 * guest.c - host programs that check the shim's manners (tests/integration/
 * guest.sh): small alternate signal stacks, fork during the first failure's
 * initialization, the stack the failure path uses.
 *
 *   guest altstack SIZE CALL    a handler on a SIZE-byte sigaltstack (guard
 *                               pages on both sides) makes CALL fail:
 *                               write (EBADF) or open (ENOENT, ./missing-*);
 *                               with GUEST_PRIME set, an open fails first
 *                               outside the handler
 *   guest stackuse CALL         the bytes of a painted 1 MiB alternate stack
 *                               that a handler making CALL fail touched
 *   guest forkinit DELAY_US     a thread makes the process's first failing
 *                               open; the main thread forks DELAY_US later;
 *                               the child fails an open of its own and exits
 *                               (SIGALRM after 10 s if it hangs)
 *   guest dlopen LIB            dlopen(LIB) (its constructor does the test),
 *                               while a thread fails the process's first
 *                               open 50 ms in
 *   guest exit-altstack         a probe fails, then a SIGTERM handler on an
 *                               8 KiB alternate stack calls exit(3)
 *   guest badptr                open() of an unreadable path pointer
 *   guest handler-first N       the process's first recorded failures made
 *                               by a SIGALRM handler (every 200 us) while
 *                               the main thread mallocs and frees, until
 *                               the handler ran N times; prints hits=N
 *   guest refuse CALLS CMD...   CMD with the system calls CALLS (a comma
 *                               list of getrandom, kcmp) refused by a
 *                               seccomp filter, as some sandboxes do
 *                               (getrandom ENOSYS, kcmp EPERM; NAME:trap
 *                               SIGSYS, NAME:kill the process killed)
 *   guest chdir-calls DIR FILE  chdir and fchdir that succeed and fail (DIR
 *                               and FILE absolute), from the main thread,
 *                               four threads at once and a forked child:
 *                               each result and errno printed
 *   guest chdir-seen A B        failing opens of missing/seen-N.txt (N in
 *                               order) in the work trees A and B, moving
 *                               between them with chdir, fchdir, a thread's
 *                               chdir and a forked child's
 *   guest otherforks FILE       fails an open, then forks by _Fork (the child
 *                               fails missing-Fork-child.txt) and by daemon()
 *                               (glibc's own fork: the child fails
 *                               missing-daemon-child.txt and writes its pid
 *                               to FILE)
 *   guest forkleak DIR N        a thread fails distinct opens while two threads
 *                               fork N times each; each child counts its
 *                               descriptors into DIR, fails
 *                               missing-forkleak-child.txt and exits;
 *                               prints "leaked K children C"
 *   guest forkfirst             forks before any failure; the child fails a
 *                               probe (/nonexistent/forkfirst) and exits 1
 *   guest threadfilter CALLS    a raw fork's child (its parent never failed)
 *                               fails missing/threadfilter.txt in a thread
 *                               that refuses CALLS (as refuse) on itself
 *                               only; 0 when the child exited 0, else 4
 *   guest vfork FIRST END       the process fails a probe (FIRST probe) or a
 *                               file of the work tree (recorded); a vfork
 *                               child fails missing/vfork-child.txt, then
 *                               _exit (END exit) or execs true (exec); the
 *                               parent prints its pid, fails
 *                               missing/vfork-parent.txt and exits 3 (4
 *                               when the child did not exit 0)
 *   guest syscount KIND         one failure of KIND (probe: an absent path
 *                               outside every work tree; dotfile: a dotfile
 *                               in a new directory of the work tree; store:
 *                               a file in a new directory under .git/;
 *                               recorded: a new missing file of the work
 *                               tree) after two
 *                               of the same, three times, each between the
 *                               markers close(-100) and close(-101) (for
 *                               strace)
 *   guest exitpages N END       N probe-class failures, then exit(0) or
 *                               _exit(0) (END: exit, _exit)
 *   guest bsspages N            the pages of the shim's .bss in memory at the
 *                               start, after one probe, after N more
 *   guest fdholes               recorded failures while the host's own
 *                               descriptors leave holes of 1, 2 and 3
 *                               numbers below and between the ones the event
 *                               takes; prints "ok", or which of the host's
 *                               descriptors was closed or replaced, or
 *                               which of the shim's was left open
 *   guest rodata OFFSET         after calls that succeed (open, fopen, write,
 *                               rename): the kB of the shim's mapping that
 *                               holds file offset OFFSET (its .rodata) the
 *                               process has mapped (smaps' Rss)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAINT 0xa5
#define BIG_STACK (1 << 20)

static const char *call;
static volatile int result, result_errno;

static void fail_call(void)
{
    if (strcmp(call, "write") == 0)
        result = (int)write(-1, "x", 1);
    else
        result = open("missing-in-handler.txt", O_RDONLY);
    result_errno = errno;
}

static void on_usr1(int sig)
{
    int saved = errno;

    (void)sig;
    fail_call();
    errno = saved;
}

/* A SIGUSR1 handler on the alternate stack [base, base+size). */
static void use_altstack(void *base, size_t size)
{
    stack_t ss = {.ss_sp = base, .ss_size = size, .ss_flags = 0};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0) {
        perror("guest: sigaltstack");
        exit(2);
    }
}

static long num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0') {
        fprintf(stderr, "guest: not a number: '%s'\n", s);
        exit(2);
    }
    return v;
}

static int altstack(size_t size)
{
    const char *prime = getenv("GUEST_PRIME");
    long page = sysconf(_SC_PAGESIZE);
    size_t span = ((size + (size_t)page - 1) / (size_t)page) * (size_t)page;
    /* guard | stack | guard: an overflow faults instead of writing the
     * memory below, as a malloc'ed stack would let it */
    char *m = mmap(NULL, span + 2 * (size_t)page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (m == MAP_FAILED)
        return 2;
    mprotect(m, (size_t)page, PROT_NONE);
    mprotect(m + (size_t)page + span, (size_t)page, PROT_NONE);
    /* the stack's top at the guard above, its size as asked */
    use_altstack(m + (size_t)page + span - size, size);
    if (prime != NULL && *prime) /* a first failure outside the handler */
        close(open("missing-prime.txt", O_RDONLY));
    raise(SIGUSR1);
    printf("%s ret=%d errno=%s\n", call, result, strerrorname_np(result_errno));
    return 0;
}

static int stackuse(void)
{
    unsigned char *s = malloc(BIG_STACK);
    size_t i = 0;

    if (s == NULL)
        return 2;
    memset(s, PAINT, BIG_STACK);
    use_altstack(s, BIG_STACK);
    raise(SIGUSR1);
    while (i < BIG_STACK && s[i] == PAINT)
        i++;
    printf("stack used %zu\n", (size_t)BIG_STACK - i);
    return 0;
}

static void *first_failure(void *arg)
{
    (void)arg;
    close(open("missing-thread.txt", O_RDONLY));
    return NULL;
}

static int forkinit(long delay_us)
{
    pthread_t t;
    struct timespec d = {delay_us / 1000000, (delay_us % 1000000) * 1000};
    pid_t pid;
    int status;

    pthread_create(&t, NULL, first_failure, NULL);
    nanosleep(&d, NULL);
    pid = fork();
    if (pid == 0) {
        alarm(10); /* a child that hangs dies of SIGALRM */
        close(open("missing-child.txt", O_RDONLY));
        _exit(0);
    }
    pthread_join(t, NULL);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 2;
    if (WIFSIGNALED(status))
        printf("child killed by %s\n", sigabbrev_np(WTERMSIG(status)));
    else
        printf("child exit %d\n", WEXITSTATUS(status));
    return 0;
}

static void *late_failure(void *arg)
{
    struct timespec d = {0, 50 * 1000 * 1000};

    (void)arg;
    nanosleep(&d, NULL);
    close(open("missing-thread.txt", O_RDONLY));
    return NULL;
}

/* dlopen LIB [_exit]: the library loads while another thread's first
 * failure initializes; with "_exit" the process ends with _exit (no exit
 * handlers). */
static int dlopen_lib(const char *lib, int quick_exit)
{
    pthread_t t;
    void *h;

    close(open("/dev/null", O_RDONLY)); /* a shim that resolves lazily: now */
    pthread_create(&t, NULL, late_failure, NULL);
    h = dlopen(lib, RTLD_NOW);
    pthread_join(t, NULL);
    printf("dlopen %s\n", h ? "ok" : dlerror());
    fflush(stdout);
    if (quick_exit)
        _exit(h ? 0 : 1);
    return h ? 0 : 1;
}

/* daemoninit LIB N DONE: one thread loads LIB (its constructor holds the
 * loader's lock a while), another's first failure initializes (and waits
 * for that lock, loading the unwinder); meanwhile daemon() (a fork the
 * shim's wrappers do not see) makes a child that fails N times, then
 * writes DONE and exits. */
static void *load_lib(void *lib)
{
    dlopen(lib, RTLD_NOW);
    return NULL;
}

static void *initializing_failure(void *arg)
{
    (void)arg;
    close(open("missing-initializing.txt", O_RDONLY));
    return NULL;
}

static int daemoninit(const char *lib, long n, const char *done)
{
    struct timespec d = {0, 100 * 1000 * 1000};
    pthread_t a, b;
    char p[64];
    FILE *f;

    close(open("/dev/null", O_RDONLY));
    pthread_create(&a, NULL, load_lib, (void *)lib);
    nanosleep(&d, NULL);
    pthread_create(&b, NULL, initializing_failure, NULL);
    nanosleep(&d, NULL);
    if (daemon(1, 1) != 0)
        return 2;
    for (long i = 0; i < n; i++) {
        snprintf(p, sizeof(p), "missing-daemon-%ld.txt", i);
        close(open(p, O_RDONLY));
    }
    if ((f = fopen(done, "w")) == NULL)
        return 2;
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    return 0;
}

static void on_term(int sig)
{
    (void)sig;
    exit(3); /* not async-signal-safe, but hosts do it */
}

static int exit_altstack(void)
{
    static char stack[8192];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof(stack), .ss_flags = 0};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sa.sa_flags = SA_ONSTACK;
    sigaltstack(&ss, NULL);
    sigaction(SIGTERM, &sa, NULL);
    close(open("/nonexistent/probe-before-exit", O_RDONLY));
    raise(SIGTERM);
    return 0;
}

static int badptr(void)
{
    int r = open((const char *)1, O_RDONLY);

    printf("open ret=%d errno=%s\n", r, strerrorname_np(errno));
    return 0;
}

/* The system calls `refuse` knows, and the errno each gets. */
static const struct {
    const char *name;
    int nr, err;
} refusable[] = {
    {"getrandom", SYS_getrandom, ENOSYS},
    {"kcmp", SYS_kcmp, EPERM},
};
#define NREFUSABLE (sizeof(refusable) / sizeof(refusable[0]))

/* Installs on this thread a seccomp filter refusing CALLS (see refuse). */
static int filter_calls(const char *calls)
{
    /* per call: a test and its return, then the allow at the end */
    struct sock_filter f[1 + 2 * NREFUSABLE + 1];
    struct sock_fprog prog;
    unsigned n = 0;
    char list[256];

    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr));
    snprintf(list, sizeof(list), ",%s,", calls);
    for (unsigned i = 0; i < NREFUSABLE; i++) {
        static const struct {
            const char *suffix;
            unsigned action; /* 0: the call's errno */
        } how[] = {{",", 0},
                   {":trap,", SECCOMP_RET_TRAP},
                   {":kill,", SECCOMP_RET_KILL_PROCESS}};
        for (unsigned h = 0; h < sizeof(how) / sizeof(how[0]); h++) {
            char item[32];
            snprintf(item, sizeof(item), ",%s%s", refusable[i].name, how[h].suffix);
            if (strstr(list, item) == NULL)
                continue;
            f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                  (unsigned)refusable[i].nr, 0, 1);
            f[n++] = (struct sock_filter)BPF_STMT(
                BPF_RET | BPF_K, how[h].action ? how[h].action
                                               : SECCOMP_RET_ERRNO |
                                                     (unsigned)refusable[i].err);
            break;
        }
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    prog.len = (unsigned short)n;
    prog.filter = f;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
        perror("guest: seccomp");
        return -1;
    }
    return 0;
}

static int refuse(const char *calls, char **cmd)
{
    if (filter_calls(calls) != 0)
        return 2;
    execvp(cmd[0], cmd);
    perror("guest: exec");
    return 2;
}

/* threadfilter CALLS: a child of a raw fork system call (no wrapper sees
 * it; its parent never failed) starts a thread that puts a filter
 * refusing CALLS on itself only, then fails missing/threadfilter.txt.
 * 0 when the child exited 0 (its open failing with ENOENT). */
static const char *tf_calls;

static void *tf_thread(void *arg)
{
    int fd, e;

    (void)arg;
    if (filter_calls(tf_calls) != 0)
        return (void *)2;
    fd = open("missing/threadfilter.txt", O_RDONLY);
    e = errno;
    return (void *)(long)(fd == -1 && e == ENOENT ? 0 : 1);
}

static int threadfilter(const char *calls)
{
    pid_t c;
    int st;

    tf_calls = calls;
    if ((c = (pid_t)syscall(SYS_fork)) == 0) {
        pthread_t t;
        void *r = (void *)3;
        if (pthread_create(&t, NULL, tf_thread, NULL) == 0)
            pthread_join(t, &r);
        _exit((int)(long)r);
    }
    if (c < 0 || waitpid(c, &st, 0) != c)
        return 2;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 4;
}

static int vfork_first(const char *first, const char *end)
{
    pid_t c;
    int st;

    if (strcmp(first, "probe") == 0)
        close(open("/nonexistent/vfork-probe", O_RDONLY));
    else
        close(open("missing/vfork-first.txt", O_RDONLY));
    if ((c = vfork()) == 0) {
        close(open("missing/vfork-child.txt", O_RDONLY));
        if (strcmp(end, "exec") == 0)
            execl("/bin/true", "true", (char *)NULL);
        _exit(0);
    }
    if (c < 0 || waitpid(c, &st, 0) != c)
        return 2;
    printf("%d\n", (int)getpid());
    fflush(stdout);
    close(open("missing/vfork-parent.txt", O_RDONLY));
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 3 : 4;
}

/* ---- chdir and fchdir ---- */

static const char *cd_dir, *cd_file;
static int cd_start = -1; /* the directory the program started in */

/* The table of calls, each one's result and errno into out; errno is set
 * to 1234 before each, so a call that succeeds shows it untouched. */
static void chdir_table(char *out, size_t cap)
{
    int fdir = open(cd_dir, O_RDONLY | O_DIRECTORY), ffile = open(cd_file, O_RDONLY);
    size_t n = 0;
    int r;

#define CD_ROW(label, expr)                                                    \
    errno = 1234;                                                              \
    r = (expr);                                                                \
    n += (size_t)snprintf(out + n, cap - n, "%s=%d/%s ", label, r,             \
                          errno == 1234 ? "kept" : strerrorname_np(errno));   \
    if (n >= cap)                                                              \
        n = cap - 1;
    CD_ROW("chdir-dir", chdir(cd_dir))
    CD_ROW("chdir-missing", chdir("/nonexistent/guest-dir"))
    CD_ROW("chdir-file", chdir(cd_file))
    CD_ROW("chdir-empty", chdir(""))
    CD_ROW("fchdir-dir", fchdir(fdir))
    CD_ROW("fchdir-file", fchdir(ffile))
    CD_ROW("fchdir-bad", fchdir(-1))
    CD_ROW("fchdir-closed", fchdir(1000))
    CD_ROW("fchdir-back", fchdir(cd_start))
#undef CD_ROW
    close(fdir);
    close(ffile);
}

static void *chdir_thread(void *arg)
{
    chdir_table(arg, 512);
    return NULL;
}

static int chdir_calls(void)
{
    char main_out[512], thr_out[4][512], child_out[512];
    pthread_t t[4];
    int pipefd[2], status;
    pid_t pid;
    ssize_t got;

    chdir_table(main_out, sizeof(main_out));
    printf("main: %s\n", main_out);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, chdir_thread, thr_out[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        printf("thread %d: %s\n", i, thr_out[i]);
    }
    if (pipe(pipefd) != 0 || (pid = fork()) < 0)
        return 2;
    if (pid == 0) {
        chdir_table(child_out, sizeof(child_out));
        if (write(pipefd[1], child_out, strlen(child_out) + 1) < 0)
            _exit(3);
        _exit(0);
    }
    close(pipefd[1]);
    got = read(pipefd[0], child_out, sizeof(child_out) - 1);
    child_out[got > 0 ? got : 0] = '\0';
    waitpid(pid, &status, 0);
    printf("child: %s (exit %d)\n", child_out, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* A failing open of missing/seen-N.txt, relative to the current directory. */
static void seen(int n)
{
    char p[64];

    snprintf(p, sizeof(p), "missing/seen-%d.txt", n);
    if (open(p, O_RDONLY) >= 0)
        exit(3);
}

static void *chdir_b(void *arg)
{
    return (void *)(long)chdir(arg);
}

static int chdir_seen(const char *a, const char *b)
{
    int fa = open(a, O_RDONLY | O_DIRECTORY), status;
    pthread_t t;
    void *r;
    pid_t pid;

    if (fa < 0 || chdir(a) != 0)
        return 2;
    seen(1); /* A */
    if (chdir(b) != 0)
        return 2;
    seen(2); /* B: chdir */
    if (fchdir(fa) != 0)
        return 2;
    seen(3); /* A: fchdir */
    pthread_create(&t, NULL, chdir_b, (void *)b);
    pthread_join(t, &r);
    if (r != NULL)
        return 2;
    seen(4); /* B: another thread's chdir */
    if ((pid = fork()) == 0) {
        seen(5); /* B: the child's directory is its parent's */
        if (fchdir(fa) != 0)
            _exit(2);
        seen(6); /* A: the child's own fchdir */
        _exit(0);
    }
    waitpid(pid, &status, 0);
    seen(7); /* B: the child's fchdir was its own */
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

/* ---- system calls per failure (under strace) ---- */

static void one_failure(const char *kind, int i)
{
    char p[64];

    if (strcmp(kind, "probe") == 0)
        snprintf(p, sizeof(p), "/nonexistent/probe-%d", i);
    else if (strcmp(kind, "dotfile") == 0) /* a new directory each time */
        snprintf(p, sizeof(p), "cfg-%d/.toolrc", i);
    else if (strcmp(kind, "store") == 0)
        snprintf(p, sizeof(p), ".git/objects/info/n%d/alternates", i);
    else
        snprintf(p, sizeof(p), "missing/count-%d.txt", i);
    if (open(p, O_RDONLY) >= 0)
        exit(3);
}

static volatile sig_atomic_t alarm_hits;

static void alarm_open(int sig)
{
    int e = errno;

    (void)sig;
    if (open("missing/in-handler.txt", O_RDONLY) >= 0)
        _exit(3);
    alarm_hits++;
    errno = e;
}

/* handler-exit: the process's first failure is made in a signal handler,
 * which then calls _exit(5) (async-signal-safe): the shim may not
 * initialize there to write the failure kept for the exit. */
static void fail_and_exit(int sig)
{
    (void)sig;
    close(open("missing/in-handler-exit.txt", O_RDONLY));
    _exit(5);
}

static int handler_exit(void)
{
    signal(SIGALRM, fail_and_exit);
    alarm(1);
    for (;;)
        pause();
    return 0; /* not reached: the handler exits */
}

static int handler_first(int n)
{
    struct sigaction sa;
    struct itimerval it = {{0, 200}, {0, 200}};
    void *v[64] = {0};

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = alarm_open;
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    for (long i = 0; alarm_hits < n; i++) {
        int k = (int)(i & 63);
        free(v[k]);
        v[k] = malloc((size_t)((i * 7919) % 5000 + 1));
    }
    memset(&it, 0, sizeof(it));
    setitimer(ITIMER_REAL, &it, NULL);
    printf("hits=%d\n", (int)alarm_hits);
    return 0;
}

static int syscount(const char *kind)
{
    for (int round = 0, i = 0; round < 3; round++) {
        one_failure(kind, i++);
        one_failure(kind, i++);
        syscall(SYS_close, -100);
        one_failure(kind, i++);
        syscall(SYS_close, -101);
    }
    return 0;
}

/* fdholes: an event's descriptors (the directory, two logs: README
 * "Storage") take the lowest free numbers, in the holes among the host's;
 * the host's own, in the holes' neighbourhood, must survive each event
 * untouched, and none of the event's stay open.  Host descriptors at
 * 3..12, with holes made by closing some. */
static int fdholes(void)
{
    static const char *const holes[] = {"4", "4 6", "4 5 7", "3 5 7 9",
                                        "4 5 6 8", "6 7 9"};
    int bad = 0;

    for (int fd = 3; fd < 1024; fd++) /* what the caller left open */
        close(fd);
    for (size_t h = 0; h < sizeof(holes) / sizeof(holes[0]); h++) {
        struct stat want[13], got;
        int host[13] = {0};

        /* 3..12: a file of its own each (memfd: an inode of its own) */
        for (int fd = 3; fd < 13; fd++) {
            if (syscall(SYS_memfd_create, "host", 0) != fd)
                return 2; /* needs 3..12 free at the start */
            host[fd] = 1;
        }
        for (const char *c = holes[h]; *c;) {
            char *end;
            long fd = strtol(c, &end, 10);
            close((int)fd);
            host[fd] = 0;
            c = *end ? end + 1 : end;
        }
        for (int fd = 3; fd < 13; fd++)
            if (host[fd] && fstat(fd, &want[fd]) != 0)
                return 2;
        one_failure("recorded", (int)h);
        for (int fd = 3; fd < 64; fd++) {
            int now_open = fstat(fd, &got) == 0;
            int was = fd < 13 && host[fd];

            if (was && (!now_open || got.st_ino != want[fd].st_ino ||
                        got.st_dev != want[fd].st_dev)) {
                printf("holes %s: the host's descriptor %d was %s\n", holes[h],
                       fd, now_open ? "replaced" : "closed");
                bad = 1;
            } else if (!was && now_open) {
                printf("holes %s: descriptor %d left open\n", holes[h], fd);
                bad = 1;
            }
        }
        for (int fd = 3; fd < 13; fd++)
            if (host[fd])
                close(fd);
    }
    if (!bad)
        printf("ok\n");
    return bad;
}

/* exitpages N END: N probes (one_failure "probe"), then exit(0) or
 * _exit(0) (guest.sh counts the page faults between the two). */
static int exitpages(long n, const char *end)
{
    for (long i = 0; i < n; i++)
        one_failure("probe", (int)i);
    if (strcmp(end, "_exit") == 0)
        _exit(0);
    exit(0);
}

/* One mapping's line of /proc/self/maps or smaps; name points into the
 * line (empty for an anonymous mapping). */
struct mapping {
    unsigned long lo, hi, off, ino;
    char perms[8];
    const char *name;
};

/* 1 when line is a mapping's first line (smaps' field lines are not). */
static int map_line(const char *line, struct mapping *m)
{
    const char *dash = strchr(line, '-'), *space = strchr(line, ' ');
    char dev[16];
    int pos = 0;

    if (dash == NULL || space == NULL || dash > space ||
        sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &m->lo, &m->hi, m->perms, &m->off, dev,
               &m->ino, &pos) < 6)
        return 0;
    m->name = line + pos;
    return 1;
}

/* The shim's .bss beyond its file: the anonymous mapping right after its
 * last mapping in /proc/self/maps.  0, or -1 when there is none. */
static int shim_bss(unsigned long *lo, unsigned long *hi)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    int after = 0, found = -1;
    struct mapping m;

    if (f == NULL)
        return -1;
    while (found != 0 && fgets(line, sizeof(line), f) != NULL) {
        if (!map_line(line, &m))
            continue;
        if (strstr(m.name, "libtelemetry_shim") != NULL) {
            after = 1;
        } else {
            if (after && m.ino == 0 && m.perms[1] == 'w' && m.name[0] == '\0') {
                *lo = m.lo;
                *hi = m.hi;
                found = 0;
            }
            after = 0;
        }
    }
    fclose(f);
    return found;
}

/* Pages of [lo, hi) in memory (touched: an anonymous page is made at its
 * first write). */
static long resident(unsigned long lo, unsigned long hi)
{
    static unsigned char vec[1 << 16];
    size_t n = (hi - lo) / 4096;
    long k = 0;

    if (n > sizeof(vec) || mincore((void *)lo, hi - lo, vec) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        k += vec[i] & 1;
    return k;
}

/* rodata OFFSET: calls that succeed, then the Rss (kB) of the shim's
 * mapping of file offset OFFSET; -1 when there is none. */
static int rodata(unsigned long want)
{
    char a[] = "guest-rodata-a.tmp", b[] = "guest-rodata-b.tmp", line[1024];
    int fd = open("/dev/null", O_WRONLY), in = 0;
    long kb = -1;
    FILE *f;

    if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0)
        return 2;
    if ((f = fopen(a, "w")) == NULL || fclose(f) != 0 || rename(a, b) != 0 || unlink(b) != 0)
        return 2;
    if ((f = fopen("/proc/self/smaps", "r")) == NULL)
        return 2;
    while (fgets(line, sizeof(line), f) != NULL) {
        struct mapping m;

        if (map_line(line, &m)) {
            in = strstr(m.name, "libtelemetry_shim") != NULL && m.off <= want &&
                 want < m.off + (m.hi - m.lo);
            continue;
        }
        if (in && sscanf(line, "Rss: %ld kB", &kb) == 1)
            in = 0;
    }
    fclose(f);
    printf("%ld\n", kb);
    return 0;
}

/* bsspages N: the pages of the shim's .bss in memory at the start, after
 * one probe (one_failure "probe") and after N more. */
static int bsspages(long n)
{
    unsigned long lo, hi;
    long before, one;

    if (shim_bss(&lo, &hi) != 0)
        return 2;
    before = resident(lo, hi);
    one_failure("probe", 0);
    one = resident(lo, hi);
    for (long i = 1; i <= n; i++)
        one_failure("probe", (int)i);
    printf("%ld %ld %ld\n", before, one, resident(lo, hi));
    return 0;
}

static const char *leak_dir;
static int leak_n;
static volatile int leak_stop;

static void *leak_failer(void *arg)
{
    char p[64];

    (void)arg;
    for (long i = 0; !leak_stop; i++) {
        snprintf(p, sizeof(p), "missing-forkleak-%ld.txt", i);
        close(open(p, O_RDONLY));
    }
    return NULL;
}

/* Forks leak_n children; each exits with the number of its descriptors
 * that point into leak_dir (the telemetry directory), plus 100 when it
 * ran. */
static void *leak_forker(void *arg)
{
    long *sum = arg;

    for (int k = 0; k < leak_n; k++) {
        pid_t pid = fork();
        int st;
        if (pid == 0) {
            char l[64], t[4096];
            int kept = 0;
            for (int fd = 3; fd < 256; fd++) {
                ssize_t n;
                snprintf(l, sizeof(l), "/proc/self/fd/%d", fd);
                if ((n = readlink(l, t, sizeof(t) - 1)) > 0) {
                    t[n] = '\0';
                    kept += strncmp(t, leak_dir, strlen(leak_dir)) == 0;
                }
            }
            close(open("missing-forkleak-child.txt", O_RDONLY));
            _exit(100 + kept);
        }
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
            sum[WEXITSTATUS(st) >= 100 ? 0 : 1] += WEXITSTATUS(st) >= 100 ? WEXITSTATUS(st) - 100 : 1;
        sum[2]++;
    }
    return NULL;
}

static int forkleak(const char *dir, int n)
{
    pthread_t f, g;
    long a[3] = {0, 0, 0}, b[3] = {0, 0, 0};

    leak_dir = dir;
    leak_n = n;
    pthread_create(&f, NULL, leak_failer, NULL);
    pthread_create(&g, NULL, leak_forker, b);
    leak_forker(a);
    pthread_join(g, NULL);
    leak_stop = 1;
    pthread_join(f, NULL);
    printf("leaked %ld children %ld\n", a[0] + b[0], a[2] + b[2] - a[1] - b[1]);
    return 0;
}

static int forkfirst(void)
{
    pid_t pid = fork();
    int st;

    if (pid == 0) {
        close(open("/nonexistent/forkfirst", O_RDONLY));
        exit(1);
    }
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
                   WEXITSTATUS(st) == 1 ? 0 : 2;
}

/* forkdrop: a thread fails while another's fork runs a slow atfork
 * handler (the shim passes such failures over after 2 ms), then fails
 * again after the fork: that event reports the one passed over. */
static volatile int forkdrop_stage;

static void slow_prepare(void)
{
    struct timespec d = {0, 200 * 1000 * 1000};

    forkdrop_stage = 1;
    nanosleep(&d, NULL);
}

static void *forkdrop_thread(void *arg)
{
    struct timespec d = {0, 1000 * 1000};

    (void)arg;
    while (forkdrop_stage == 0)
        nanosleep(&d, NULL);
    close(open("missing-during-fork.txt", O_RDONLY));
    while (forkdrop_stage != 2)
        nanosleep(&d, NULL);
    close(open("missing-after-fork.txt", O_RDONLY));
    return NULL;
}

static int forkdrop(void)
{
    pthread_t t;
    pid_t pid;
    int st;

    close(open("missing-before-fork.txt", O_RDONLY)); /* initialized */
    if (pthread_atfork(slow_prepare, NULL, NULL) != 0 ||
        pthread_create(&t, NULL, forkdrop_thread, NULL) != 0)
        return 2;
    if ((pid = fork()) == 0) {
        close(open("missing-in-child.txt", O_RDONLY)); /* passed over nothing */
        _exit(0);
    }
    forkdrop_stage = 2;
    pthread_join(t, NULL);
    return pid > 0 && waitpid(pid, &st, 0) == pid ? 0 : 2;
}

static int otherforks(const char *file)
{
    char tmp[4096], line[32];
    pid_t pid;
    int status, fd;

    close(open("missing-otherforks-parent.txt", O_RDONLY));
    if ((pid = _Fork()) == 0) {
        close(open("missing-Fork-child.txt", O_RDONLY));
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
        return 2;
    if (daemon(1, 1) != 0)
        return 2;
    close(open("missing-daemon-child.txt", O_RDONLY));
    snprintf(tmp, sizeof(tmp), "%s.tmp", file);
    snprintf(line, sizeof(line), "%ld\n", (long)getpid());
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
        write(fd, line, strlen(line)) != (ssize_t)strlen(line) || close(fd) != 0 ||
        rename(tmp, file) != 0)
        return 2;
    return 0;
}

int main(int argc, char **argv)
{
    const char *v = argc > 1 ? argv[1] : "";

    call = argc > 3 ? argv[3] : argc > 2 ? argv[2] : "write";
    if (strcmp(v, "altstack") == 0 && argc == 4)
        return altstack((size_t)num(argv[2]));
    if (strcmp(v, "stackuse") == 0 && argc == 3)
        return stackuse();
    if (strcmp(v, "forkinit") == 0 && argc == 3)
        return forkinit(num(argv[2]));
    if (strcmp(v, "dlopen") == 0 && (argc == 3 || argc == 4))
        return dlopen_lib(argv[2], argc == 4 && strcmp(argv[3], "_exit") == 0);
    if (strcmp(v, "daemoninit") == 0 && argc == 5)
        return daemoninit(argv[2], num(argv[3]), argv[4]);
    if (strcmp(v, "exit-altstack") == 0)
        return exit_altstack();
    if (strcmp(v, "badptr") == 0)
        return badptr();
    if (strcmp(v, "refuse") == 0 && argc > 3)
        return refuse(argv[2], argv + 3);
    if (strcmp(v, "chdir-calls") == 0 && argc == 4) {
        cd_dir = argv[2];
        cd_file = argv[3];
        if ((cd_start = open(".", O_RDONLY | O_DIRECTORY)) < 0)
            return 2;
        return chdir_calls();
    }
    if (strcmp(v, "chdir-seen") == 0 && argc == 4)
        return chdir_seen(argv[2], argv[3]);
    if (strcmp(v, "handler-first") == 0 && argc == 3)
        return handler_first((int)strtol(argv[2], NULL, 10));
    if (strcmp(v, "forkleak") == 0 && argc == 4)
        return forkleak(argv[2], (int)num(argv[3]));
    if (strcmp(v, "forkfirst") == 0)
        return forkfirst();
    if (strcmp(v, "threadfilter") == 0 && argc == 3)
        return threadfilter(argv[2]);
    if (strcmp(v, "vfork") == 0 && argc == 4)
        return vfork_first(argv[2], argv[3]);
    if (strcmp(v, "forkdrop") == 0)
        return forkdrop();
    if (strcmp(v, "handler-exit") == 0)
        return handler_exit();
    if (strcmp(v, "otherforks") == 0 && argc == 3)
        return otherforks(argv[2]);
    if (strcmp(v, "syscount") == 0 && argc == 3)
        return syscount(argv[2]);
    if (strcmp(v, "exitpages") == 0 && argc == 4)
        return exitpages(num(argv[2]), argv[3]);
    if (strcmp(v, "bsspages") == 0 && argc == 3)
        return bsspages(num(argv[2]));
    if (strcmp(v, "fdholes") == 0)
        return fdholes();
    if (strcmp(v, "rodata") == 0 && argc == 3)
        return rodata((unsigned long)num(argv[2]));
    fprintf(stderr, "guest: usage: altstack SIZE CALL | stackuse CALL | "
                    "forkinit DELAY_US | dlopen LIB | exit-altstack | badptr | "
                    "refuse CALLS CMD... | chdir-calls DIR FILE | "
                    "chdir-seen A B | otherforks FILE | forkleak DIR N | forkfirst | "
                    "vfork probe|recorded exit|exec | threadfilter CALLS | "
                    "syscount probe|recorded | exitpages N exit|_exit | bsspages N | fdholes | "
                    "rodata OFFSET\n");
    return 2;
}
