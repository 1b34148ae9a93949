/*
 * guest.c - host programs that check the shim's manners (tests/integration/
 * guest.sh): small alternate signal stacks, fork during the first failure's
 * initialization, the stack the failure path uses.
 *
 *   guest altstack SIZE CALL    a handler on a SIZE-byte sigaltstack (guard
 *                               pages on both sides) makes CALL fail:
 *                               write (EBADF) or open (ENOENT, ./missing-*)
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
 *   guest nogetrandom CMD...    CMD with getrandom(2) refused (ENOSYS) by a
 *                               seccomp filter, as some sandboxes do
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
#include <sys/syscall.h>
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

static int dlopen_lib(const char *lib)
{
    pthread_t t;
    void *h;

    close(open("/dev/null", O_RDONLY)); /* a shim that resolves lazily: now */
    pthread_create(&t, NULL, late_failure, NULL);
    h = dlopen(lib, RTLD_NOW);
    pthread_join(t, NULL);
    printf("dlopen %s\n", h ? "ok" : dlerror());
    return h ? 0 : 1;
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

static int nogetrandom(char **cmd)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrandom, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("guest: seccomp");
        return 2;
    }
    execvp(cmd[0], cmd);
    perror("guest: exec");
    return 2;
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
    if (strcmp(v, "dlopen") == 0 && argc == 3)
        return dlopen_lib(argv[2]);
    if (strcmp(v, "exit-altstack") == 0)
        return exit_altstack();
    if (strcmp(v, "badptr") == 0)
        return badptr();
    if (strcmp(v, "nogetrandom") == 0 && argc > 2)
        return nogetrandom(argv + 2);
    fprintf(stderr, "guest: usage: altstack SIZE CALL | stackuse CALL | "
                    "forkinit DELAY_US | dlopen LIB | exit-altstack | badptr | "
                    "nogetrandom CMD...\n");
    return 2;
}
