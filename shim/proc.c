/*
 * proc.c - process identity, workspace and path resolution (see proc.h).
 */
#include "proc.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "config.h"
#include "jsonw.h"
#include "start.h"

struct tm__proc tm__proc __attribute__((section(".data.tm__proc")));
struct tm__place tm__place;

pid_t tm__getpid(void)
{
#if defined(__x86_64__)
    /* Not through libc: the constructor asks, and a first call of
     * syscall() binds it in every process (start.h). */
    long r;

    __asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_getpid) : "rcx", "r11", "memory");
    return (pid_t)r;
#else
    return (pid_t)syscall(SYS_getpid);
#endif
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

TM_START_TEXT void tm__proc_args(int argc, char **argv, const char *env_agent,
                   const char *env_repo)
{
    tm__proc.pid = tm__getpid();
    tm__argv_program(argc, argv, tm__proc.program, sizeof(tm__proc.program));
    if (env_agent && *env_agent)
        tm__strlcpy(tm__proc.agent, env_agent, sizeof(tm__proc.agent));
    else
        tm__argv_agent(argc, argv, tm__proc.agent, sizeof(tm__proc.agent));
    tm__proc.fixed_repo = env_repo && *env_repo;
    if (tm__proc.fixed_repo)
        tm__strlcpy(tm__proc.repo, env_repo, sizeof(tm__proc.repo));
}

static int exists(const char *path)
{
    struct stat st;
    return syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) == 0;
}

/* ---- the work tree of a path (README "Which repository") ----
 *
 * A fixed table of directories already asked about, one 64-bit word each
 * (read and written atomically: threads and signal handlers share it, no
 * lock): the high 36 bits of the directory's FNV-1a hash, its length (12
 * bits), the length of its work tree's root (12 bits; 0: none) and how the
 * root is named (4 bits: TM_WT_BARE, and an index into the table of names
 * read from linked work trees' .git files, 0: the root's own basename).
 * 4-way sets; a longer directory than 12 bits hold is not cached.  A
 * collision of 36 bits and the length would answer for another directory:
 * it costs a wrong repository name, nothing else.  Answers live at most
 * one second of the coarse monotonic clock (the whole table is emptied
 * when its second changes): a `git init` or `rm -rf .git` by this process
 * or another is seen a second later at most. */
#define WT_SLOTS 256
#define WT_WAYS 4
#define WT_LEVELS 128 /* directories deeper than this are not looked at */
#define WT_NAMES 7    /* main repositories of linked work trees */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* From an address aligned to its size (tm__align_up): on one page, not
 * across two. */
static uint64_t wt_mem[WT_SLOTS * 2];

static uint64_t *wt_slot(size_t i)
{
    return (uint64_t *)tm__align_up(wt_mem, WT_SLOTS * sizeof(uint64_t)) + i;
}

static long wt_second TM_HOT;     /* the second the table's answers are of */
static char wt_names[WT_NAMES][128]; /* index 1..WT_NAMES in a word */
static unsigned wt_next_name TM_HOT;

static uint64_t wt_key(uint64_t h, size_t dirlen)
{
    return (h & ~0xFFFFFFFull) | ((uint64_t)dirlen << 16);
}

static int wt_get(uint64_t h, size_t dirlen, unsigned *root)
{
    size_t set = (size_t)(h % (WT_SLOTS / WT_WAYS)) * WT_WAYS;
    uint64_t key = wt_key(h, dirlen);

    for (size_t k = 0; k < WT_WAYS; k++) {
        uint64_t w = __atomic_load_n(wt_slot(set + k), __ATOMIC_RELAXED);
        if (w != 0 && (w & ~0xFFFFull) == key) {
            *root = (unsigned)(w & 0xFFFF);
            return 1;
        }
    }
    return 0;
}

static void wt_put(uint64_t h, size_t dirlen, unsigned root)
{
    size_t set = (size_t)(h % (WT_SLOTS / WT_WAYS)) * WT_WAYS, k;

    if (dirlen > 0xFFF)
        return;
    for (k = 0; k < WT_WAYS; k++)
        if (__atomic_load_n(wt_slot(set + k), __ATOMIC_RELAXED) == 0)
            break;
    if (k == WT_WAYS)
        k = (size_t)(h >> 8) % WT_WAYS; /* full: replace one */
    __atomic_store_n(wt_slot(set + k), wt_key(h, dirlen) | root,
                     __ATOMIC_RELAXED);
}

static void wt_clear(void)
{
    for (size_t i = 0; i < WT_SLOTS; i++)
        __atomic_store_n(wt_slot(i), 0, __ATOMIC_RELAXED);
}

/* The second of the coarse monotonic clock (vDSO: no system call); -1
 * when it cannot be read. */
static long coarse_second(void)
{
    struct timespec ts;

    return clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0 ? (long)ts.tv_sec : -1;
}

/* Empties the table when the coarse clock's second has changed. */
static void wt_age(void)
{
    long was = __atomic_load_n(&wt_second, __ATOMIC_RELAXED), now = coarse_second();

    if (now < 0 || now == was)
        return;
    if (__atomic_compare_exchange_n(&wt_second, &was, now, 0,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        wt_clear();
}

static int stat_mode(const char *path, mode_t *mode)
{
    struct stat st;

    if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) != 0)
        return 0;
    *mode = st.st_mode;
    return 1;
}

/* The name of a git directory (a bare repository, or the common directory
 * of a linked work tree) at p[0..n): "…/A/.git" is A, "…/A.git" and "…/A"
 * are A.  Into out (cap bytes). */
static void store_name(const char *p, size_t n, char *out, size_t cap)
{
    size_t b;

    if (n >= 5 && memcmp(p + n - 5, "/.git", 5) == 0)
        n -= 5;
    else if (n >= 5 && memcmp(p + n - 4, ".git", 4) == 0 && p[n - 5] != '/')
        n -= 4;
    for (b = n; b > 0 && p[b - 1] != '/'; b--)
        ;
    if (cap == 0)
        return;
    if (n - b >= cap)
        n = b + cap - 1;
    memcpy(out, p + b, n - b);
    out[n - b] = '\0';
}

/* A linked work tree's .git file ("gitdir: …/A/.git/worktrees/X"): the
 * index of its main repository's name in wt_names, 0 when it is none (a
 * submodule's "…/.git/modules/sub" keeps its own name).  dir[0..k) + "/.git"
 * is the file.  One bounded read, the descriptor closed at once.  Not
 * inlined: its buffer would be in every work-tree lookup's frame (4 KB of
 * the work area's stack, a page more touched by every failing process),
 * while it runs only where .git is a file. */
static __attribute__((noinline)) unsigned linked_name(char *probe, size_t k)
{
    char buf[PATH_MAX + 16], name[sizeof(wt_names[0])];
    long fd, n;
    size_t len, b, i, idx;
    char *g;

    fd = syscall(SYS_openat, AT_FDCWD, probe,
                 O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return 0;
    n = syscall(SYS_read, (int)fd, buf, sizeof(buf) - 1);
    syscall(SYS_close, (int)fd);
    if (n <= 8 || memcmp(buf, "gitdir: ", 8) != 0)
        return 0;
    while (n > 8 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '/'))
        n--;
    buf[n] = '\0';
    g = buf + 8;
    len = (size_t)n - 8;
    if (g[0] != '/') { /* relative to the work tree: dir/g */
        if (k + 1 + len + 1 > sizeof(buf) || k + 1 + len >= PATH_MAX)
            return 0;
        memmove(buf + k + 1, g, len + 1);
        memcpy(buf, probe, k);
        buf[k] = '/';
        g = buf;
        len = tm__normalize(g, k + 1 + len);
    }
    /* …/worktrees/X: the common directory is what is above "worktrees". */
    for (b = len; b > 0 && g[b - 1] != '/'; b--)
        ;
    if (b < 11 || memcmp(g + b - 11, "/worktrees/", 11) != 0)
        return 0;
    store_name(g, b - 11, name, sizeof(name));
    if (name[0] == '\0')
        return 0;
    for (i = 0; i < WT_NAMES; i++)
        if (strcmp(wt_names[i], name) == 0)
            return (unsigned)i + 1;
    idx = __atomic_fetch_add(&wt_next_name, 1, __ATOMIC_RELAXED) % WT_NAMES;
    wt_names[idx][0] = '\0';
    memcpy(wt_names[idx], name, strlen(name) + 1);
    return (unsigned)idx + 1;
}

/* Is dir (probe[0..k)) a git work tree's root or a bare repository (HEAD,
 * objects/, refs/: git's own test)?  Returns its word's low 4 bits + 1
 * (TM_WT_BARE, a name index), 0 when it is neither. */
static unsigned git_root(char *probe, size_t k)
{
    mode_t m;

    memcpy(probe + k, "/.git", 6);
    if (stat_mode(probe, &m))
        return 1 + (S_ISREG(m) ? linked_name(probe, k) : 0);
    memcpy(probe + k, "/HEAD", 6);
    if (!stat_mode(probe, &m) || !S_ISREG(m))
        return 0;
    memcpy(probe + k, "/objects", 9);
    if (!stat_mode(probe, &m) || !S_ISDIR(m))
        return 0;
    memcpy(probe + k, "/refs", 6);
    if (!stat_mode(probe, &m) || !S_ISDIR(m))
        return 0;
    return 1 + TM_WT_BARE;
}

/* The physical path of abs (cap bytes) on a cache miss: its longest
 * existing directory opened with O_PATH and read back through
 * /proc/self/fd (the descriptor closed at once); abs is rewritten when a
 * symbolic link made it differ.  Returns its new length, 0 when unchanged
 * or unknown.  probe (PATH_MAX bytes or more) is scratch: the directory's
 * name, then what the link reads (a buffer of its own was 4 KB more of
 * the work area's stack, a page more in every failing process). */
static size_t physical(char *abs, size_t n, size_t cap, char *probe)
{
    char link[32] = "/proc/self/fd/", *phys = probe;
    size_t k = n;
    long fd = -1, len;

    while (k > 1) {
        while (k > 0 && abs[k - 1] != '/')
            k--;
        if (k > 0)
            k--; /* abs[0..k) is a directory above */
        if (k == 0)
            return 0;
        memcpy(probe, abs, k);
        probe[k] = '\0';
        fd = syscall(SYS_openat, AT_FDCWD, probe,
                     O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
            break;
    }
    if (fd < 0)
        return 0;
    link[14 + tm__fmt_u64(link + 14, (uint64_t)fd)] = '\0';
    len = syscall(SYS_readlinkat, AT_FDCWD, link, phys, PATH_MAX);
    syscall(SYS_close, (int)fd);
    if (len <= 0 || (size_t)len >= PATH_MAX || phys[0] != '/' ||
        ((size_t)len == k && memcmp(phys, abs, k) == 0) ||
        (size_t)len + (n - k) + 1 > cap || (size_t)len + (n - k) >= PATH_MAX)
        return 0;
    memmove(abs + len, abs + k, n - k + 1);
    memcpy(abs, phys, (size_t)len);
    return (size_t)len + (n - k);
}

_Static_assert(PATH_MAX <= UINT16_MAX, "tm__worktree keeps offsets in 16 bits");

size_t tm__worktree(char *abs, size_t cap, unsigned *how)
{
    uint16_t ends[WT_LEVELS]; /* < PATH_MAX: a quarter of size_t's room */
    size_t n, depth = 0, j, stop;
    uint64_t hs[WT_LEVELS], h = FNV_OFFSET;
    char probe[PATH_MAX + 16];
    unsigned root = 0, g;
    int hit = 0, resolved = 0;

    *how = 0;
    if (abs == NULL || abs[0] != '/' || (n = strlen(abs)) >= PATH_MAX)
        return 0;
    wt_age();
again:
    /* The directories above the path's last component, "/" first, with
     * their hashes: one pass (FNV-1a of a prefix is the running hash). */
    for (size_t i = 0; i < n; i++) {
        if (abs[i] == '/' && i > 0) {
            if (depth == WT_LEVELS)
                return 0;
            ends[depth] = i;
            hs[depth++] = h;
        }
        h = (h ^ (unsigned char)abs[i]) * FNV_PRIME;
        if (i == 0) {
            ends[depth] = 1;
            hs[depth++] = h;
        }
    }
    /* A miss on the path's own directory: look it up by its physical
     * path (a symbolic link into a work tree is that work tree). */
    if (depth > 0 && wt_get(hs[depth - 1], ends[depth - 1], &root)) {
        j = depth - 1; /* the common case: the path's directory is known */
        hit = 1;
        goto found;
    }
    if (!resolved && depth > 0) {
        resolved = 1;
        if ((n = physical(abs, n, cap, probe)) == 0) {
            n = strlen(abs);
        } else {
            depth = 0;
            h = FNV_OFFSET;
            goto again;
        }
    }
    root = 0;
    /* Walk up: the nearest cached answer or git root. */
    for (j = depth; j-- > 0;) {
        if (wt_get(hs[j], ends[j], &root)) {
            hit = 1;
            break;
        }
        size_t k = ends[j] == 1 ? 0 : ends[j]; /* the root's prefix is "" */
        memcpy(probe, abs, k);
        if ((g = git_root(probe, k)) != 0) {
            root = (unsigned)(ends[j] << 4) | (g - 1);
            break;
        }
    }
found:
    /* Every directory asked about below the answer learns it. */
    stop = j == (size_t)-1 ? 0 : j + (size_t)hit;
    if ((root >> 4) <= 0xFFF)
        for (size_t i = stop; i < depth; i++)
            wt_put(hs[i], ends[i], root);
    *how = root & 0xF;
    return root >> 4;
}

void tm__repo_of(const char *abs, long root, unsigned how, char *out, size_t cap)
{
    size_t r, b;

    char phys[PATH_MAX];

    if (tm__proc.fixed_repo) {
        tm__strlcpy(out, tm__proc.repo, cap);
        return;
    }
    if (root < 0 && abs != NULL && strlen(abs) < sizeof(phys)) {
        memcpy(phys, abs, strlen(abs) + 1);
        abs = phys;
        root = (long)tm__worktree(phys, sizeof(phys), &how);
    }
    r = root >= 0 ? (size_t)root : 0;
    if (r <= 1) { /* no work tree (or "/" itself): the current directory's */
        tm__strlcpy(out, tm__proc.repo[0] ? tm__proc.repo : "unknown", cap);
        return;
    }
    if ((how & TM_WT_NAME) != 0) { /* a linked work tree: its main's */
        tm__strlcpy(out, wt_names[((how & TM_WT_NAME) - 1) % WT_NAMES], cap);
        if (out[0] != '\0')
            return;
    }
    if (how & TM_WT_BARE) {
        store_name(abs, r, out, cap);
        return;
    }
    for (b = r; b > 0 && abs[b - 1] != '/'; b--)
        ;
    if (cap == 0)
        return;
    if (r - b >= cap)
        r = b + cap - 1;
    memcpy(out, abs + b, r - b);
    out[r - b] = '\0';
}

/* ---- the current directory ----
 *
 * Asking the kernel for it (getcwd) at every failure was the probe path's
 * one system call.  It is asked again only when a chdir or fchdir of the
 * host succeeded since (in any thread: the wrappers count them,
 * tm__proc_moved) or the coarse clock's second changed: a directory
 * renamed above the process, or a change made without the libc functions
 * (a raw system call, libc's own nftw FTW_CHDIR), is seen a second later
 * at most (README "Which repository").  A fork's child has its parent's
 * directory, count and answer: all stay right. */
static unsigned cwd_moves TM_HOT; /* chdir/fchdir calls that succeeded */
static unsigned cwd_moves_seen TM_HOT; /* cwd_moves when tm__place.cwd was
                                         read */
static long cwd_second = -1;     /* the second it was read in */

void tm__proc_moved(void)
{
    __atomic_add_fetch(&cwd_moves, 1, __ATOMIC_RELEASE);
}

static void locate(unsigned moves, long now);

/* The directory read at (moves, now) is tm__place.cwd: set after it, the
 * count last (a reader that finds the count it expects also finds the
 * directory written before it). */
static void seen(unsigned moves, long now)
{
    __atomic_store_n(&cwd_second, now, __ATOMIC_RELAXED);
    __atomic_store_n(&cwd_moves_seen, moves, __ATOMIC_RELEASE);
}

void tm__proc_locate(void)
{
    unsigned moves = __atomic_load_n(&cwd_moves, __ATOMIC_ACQUIRE);
    long now = coarse_second();

    if (moves == __atomic_load_n(&cwd_moves_seen, __ATOMIC_ACQUIRE) &&
        now >= 0 && now == __atomic_load_n(&cwd_second, __ATOMIC_RELAXED) &&
        tm__place.cwd[0])
        return; /* the directory read last, no system call */
    locate(moves, now);
}

/* Reads the current directory (moves and now: the count and the second it
 * is read at); when it changed, finds its workspace again. */
static void locate(unsigned moves, long now)
{
    /* room for "/.git" after it: each directory up is tried in place (a
     * second buffer made this frame 8.7 KB, a page more of the work
     * area's stack in every failing process) */
    char cwd[PATH_MAX + 8], repo[sizeof(tm__proc.repo)];
    long n = syscall(SYS_getcwd, cwd, PATH_MAX);
    size_t at;

    if (n <= 0)
        memcpy(cwd, "/", 2);
    if (tm__place.cwd[0] && strcmp(cwd, tm__place.cwd) == 0) {
        seen(moves, now); /* same directory, same workspace */
        return;
    }
    if (tm__place.cwd[0])
        wt_clear(); /* moved: forget what was learnt (a git init meanwhile) */
    memcpy(tm__place.cwd, cwd, strlen(cwd) + 1);
    tm__proc.wslen = strlen(cwd);
    tm__strlcpy(repo, "unknown", sizeof(repo));
    /* Walk up to the directory that holds .git (a directory, or a file in
     * a linked work tree or submodule): cwd[0..at) + "/.git", written over
     * what is past at (tm__place.cwd has it), never read again. */
    for (at = tm__proc.wslen;;) {
        size_t k = at == 1 ? 0 : at; /* the root's prefix is "" */
        memcpy(cwd + k, "/.git", 6);
        if (exists(cwd)) {
            tm__proc.wslen = at;
            if (at > 1) { /* the name: the workspace's last component */
                cwd[at] = '\0';
                tm__strlcpy(repo, base_name(cwd), sizeof(repo));
            }
            break;
        }
        if (at <= 1)
            break;
        while (at > 0 && cwd[at - 1] != '/')
            at--;
        at = at > 1 ? at - 1 : 1; /* drop the slash unless it is the root */
    }
    if (!tm__proc.fixed_repo && strcmp(repo, tm__proc.repo) != 0) {
        memcpy(tm__proc.repo, repo, strlen(repo) + 1);
        tm__proc.generation++;
    }
    seen(moves, now);
}

/* (the second it was asked in + 1) << 32 | the parent's pid; 0: not
 * asked in this process */
static unsigned long long ppid_word TM_HOT;

pid_t tm__proc_ppid(void)
{
    long now = coarse_second();
    unsigned long long w = __atomic_load_n(&ppid_word, __ATOMIC_RELAXED);
    pid_t ppid;

    if (now >= 0 && (w >> 32) == (unsigned long long)now + 1)
        return (pid_t)(w & 0xFFFFFFFFull);
    ppid = (pid_t)syscall(SYS_getppid);
    /* A vfork child writes its parent's pid: its own parent is that pid,
     * not the parent's parent, and never stored in the parent's word. */
    if (tm__getpid() != tm__proc.pid)
        return w != 0 ? (pid_t)(w & 0xFFFFFFFFull) : -1;
    if (now >= 0 && ppid >= 0)
        __atomic_store_n(&ppid_word,
                         (((unsigned long long)now + 1) << 32) | (unsigned)ppid,
                         __ATOMIC_RELAXED);
    return ppid;
}

void tm__proc_forget(void)
{
    __atomic_store_n(&ppid_word, 0, __ATOMIC_RELAXED); /* a new parent */
    tm__proc.pid = tm__getpid();
    /* The child keeps the parent's cwd and names; only its identity
     * changes.  Keep the workspace: it is the same directory. */
}

/* Is p[0..n) already what tm__normalize makes of it: absolute, no empty,
 * "." or ".." component, no '/' at the end (but "/")?  Most failing paths
 * are (a probe's own cost, README "Performance"): one pass from one '/'
 * to the next. */
static int normal(const char *p, size_t n)
{
    const char *end = p + n;

    if (n == 0 || p[0] != '/')
        return 0;
    if (n == 1)
        return 1;
    if (p[n - 1] == '/')
        return 0;
    /* s: a '/' with a byte after it (the last byte is no '/') */
    for (const char *s = p; s != NULL;
         s = memchr(s + 1, '/', (size_t)(end - s - 1))) {
        const char *c = s + 1;
        size_t left = (size_t)(end - c);

        if (c[0] == '/')
            return 0;
        if (c[0] == '.' && (left == 1 || c[1] == '/' ||
                            (c[1] == '.' && (left == 2 || c[2] == '/'))))
            return 0;
    }
    return 1;
}

/* Lexical normalization in place: "//" "/./" "/../" removed. */
size_t tm__normalize(char *p, size_t n)
{
    size_t out = 0, i = 0;

    if (normal(p, n)) {
        p[n] = '\0';
        return n;
    }
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] == '/')
            j++;
        i = j;
        while (j < n && p[j] != '/')
            j++;
        if (j == i)
            break;
        if (j - i == 1 && p[i] == '.') {
            /* skip */
        } else if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
            while (out > 0 && p[out - 1] != '/')
                out--;
            if (out > 0)
                out--;
        } else {
            p[out++] = '/';
            if (out != i)
                memmove(p + out, p + i, j - i);
            out += j - i;
        }
        i = j;
    }
    if (out == 0)
        p[out++] = '/';
    p[out] = '\0';
    return out;
}

size_t tm__resolve(int dirfd, const char *path, char *out, size_t cap)
{
    size_t base = 0, plen;

    if (path == NULL || cap < 2)
        return 0;
    plen = strlen(path);
    if (path[0] != '/') {
        if (dirfd == AT_FDCWD) {
            /* The failure path found the cwd a moment ago (proc_locate). */
            size_t k = strlen(tm__place.cwd);
            if (k > 0 && k < cap) {
                memcpy(out, tm__place.cwd, k + 1);
            } else if (syscall(SYS_getcwd, out, cap) <= 0) {
                return 0;
            }
            base = strlen(out);
        } else {
            char link[32] = "/proc/self/fd/";
            long n;
            link[14 + tm__fmt_u64(link + 14, (uint64_t)(unsigned)dirfd)] = '\0';
            n = syscall(SYS_readlinkat, AT_FDCWD, link, out, cap - 1);
            if (n <= 0 || out[0] != '/')
                return 0;
            base = (size_t)n;
        }
        if (base + 1 + plen + 1 > cap)
            return 0;
        out[base++] = '/';
    } else if (plen + 1 > cap) {
        return 0;
    }
    memcpy(out + base, path, plen + 1);
    return tm__normalize(out, base + plen);
}

size_t tm__fd_path(int fd, char *out, size_t cap)
{
    char link[32] = "/proc/self/fd/";
    struct stat st;
    long n;

    if (fd < 0 || cap < 2 || syscall(SYS_fstat, fd, &st) != 0 ||
        !S_ISREG(st.st_mode))
        return 0;
    link[14 + tm__fmt_u64(link + 14, (uint64_t)fd)] = '\0';
    /* readlink cuts silently: a link that fills the whole buffer may have
     * been cut, and a cut path would name another file. */
    n = syscall(SYS_readlinkat, AT_FDCWD, link, out, cap);
    if (n <= 0 || (size_t)n >= cap || out[0] != '/')
        return 0;
    out[n] = '\0';
    return (size_t)n;
}
