/*
 * proc.c - process identity, workspace and path resolution (see proc.h).
 */
#include "proc.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "argv.h"
#include "config.h"
#include "jsonw.h"

struct tm__proc tm__proc;

pid_t tm__getpid(void)
{
    return (pid_t)syscall(SYS_getpid);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

void tm__proc_args(int argc, char **argv, const char *env_agent,
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
 * lock): the high 40 bits of the directory's FNV-1a hash, its length (12
 * bits) and the length of its work tree's root (12 bits; 0: none).  4-way
 * sets; a longer directory than 12 bits hold is not cached.  A collision
 * of 40 bits and the length would answer for another directory: it costs
 * a wrong repository name, nothing else. */
#define WT_SLOTS 256
#define WT_WAYS 4
#define WT_LEVELS 128 /* directories deeper than this are not looked at */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t wt_cache[WT_SLOTS];

static uint64_t wt_key(uint64_t h, size_t dirlen)
{
    return (h & ~0xFFFFFFull) | ((uint64_t)dirlen << 12);
}

static int wt_get(uint64_t h, size_t dirlen, size_t *root)
{
    size_t set = (size_t)(h % (WT_SLOTS / WT_WAYS)) * WT_WAYS;
    uint64_t key = wt_key(h, dirlen);

    for (size_t k = 0; k < WT_WAYS; k++) {
        uint64_t w = __atomic_load_n(&wt_cache[set + k], __ATOMIC_RELAXED);
        if (w != 0 && (w & ~0xFFFull) == key) {
            *root = (size_t)(w & 0xFFF);
            return 1;
        }
    }
    return 0;
}

static void wt_put(uint64_t h, size_t dirlen, size_t root)
{
    size_t set = (size_t)(h % (WT_SLOTS / WT_WAYS)) * WT_WAYS, k;

    if (dirlen > 0xFFF || root > 0xFFF)
        return;
    for (k = 0; k < WT_WAYS; k++)
        if (__atomic_load_n(&wt_cache[set + k], __ATOMIC_RELAXED) == 0)
            break;
    if (k == WT_WAYS)
        k = (size_t)(h >> 8) % WT_WAYS; /* full: replace one */
    __atomic_store_n(&wt_cache[set + k], wt_key(h, dirlen) | root,
                     __ATOMIC_RELAXED);
}

static void wt_clear(void)
{
    for (size_t i = 0; i < WT_SLOTS; i++)
        __atomic_store_n(&wt_cache[i], 0, __ATOMIC_RELAXED);
}

size_t tm__worktree(const char *abs)
{
    size_t ends[WT_LEVELS], n, depth = 0, root = 0, j, stop;
    uint64_t hs[WT_LEVELS], h = FNV_OFFSET;
    char probe[PATH_MAX + 8];
    int hit = 0;

    if (abs == NULL || abs[0] != '/' || (n = strlen(abs)) >= PATH_MAX)
        return 0;
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
    /* Walk up: the nearest cached answer or directory holding .git. */
    for (j = depth; j-- > 0;) {
        if (wt_get(hs[j], ends[j], &root)) {
            hit = 1;
            break;
        }
        size_t k = ends[j] == 1 ? 0 : ends[j]; /* the root's prefix is "" */
        memcpy(probe, abs, k);
        memcpy(probe + k, "/.git", 6);
        if (exists(probe)) {
            root = ends[j];
            break;
        }
    }
    /* Every directory asked about below the answer learns it. */
    stop = j == (size_t)-1 ? 0 : j + (size_t)hit;
    for (size_t i = stop; i < depth; i++)
        wt_put(hs[i], ends[i], root);
    return root;
}

void tm__repo_of(const char *abs, long root, char *out, size_t cap)
{
    size_t r, b;

    if (tm__proc.fixed_repo) {
        tm__strlcpy(out, tm__proc.repo, cap);
        return;
    }
    r = root >= 0 ? (size_t)root : tm__worktree(abs);
    if (r <= 1) { /* no work tree (or "/" itself): the current directory's */
        tm__strlcpy(out, tm__proc.repo[0] ? tm__proc.repo : "unknown", cap);
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

void tm__proc_locate(void)
{
    char cwd[PATH_MAX], probe[PATH_MAX + 8], repo[sizeof(tm__proc.repo)];
    long n = syscall(SYS_getcwd, cwd, sizeof(cwd));
    size_t at;

    if (n <= 0)
        memcpy(cwd, "/", 2);
    if (tm__proc.cwd[0] && strcmp(cwd, tm__proc.cwd) == 0)
        return; /* same directory, same workspace */
    if (tm__proc.cwd[0])
        wt_clear(); /* moved: forget what was learnt (a git init meanwhile) */
    memcpy(tm__proc.cwd, cwd, strlen(cwd) + 1);
    memcpy(tm__proc.workspace, cwd, strlen(cwd) + 1);
    tm__proc.wslen = strlen(cwd);
    tm__strlcpy(repo, "unknown", sizeof(repo));
    /* Walk up to the directory that holds .git (a directory, or a file in
     * a linked work tree or submodule). */
    for (at = tm__proc.wslen;;) {
        size_t k = at == 1 ? 0 : at; /* the root's prefix is "" */
        memcpy(probe, cwd, k);
        memcpy(probe + k, "/.git", 6);
        if (exists(probe)) {
            tm__proc.workspace[at] = '\0';
            tm__proc.wslen = at;
            if (at > 1)
                tm__strlcpy(repo, base_name(tm__proc.workspace), sizeof(repo));
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
}

void tm__proc_forget(void)
{
    tm__proc.pid = tm__getpid();
    /* The child keeps the parent's cwd and names; only its identity
     * changes.  Keep the workspace: it is the same directory. */
}

/* Lexical normalization in place: "//" "/./" "/../" removed. */
static size_t normalize(char *p, size_t n)
{
    size_t out = 0, i = 0;

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
            size_t k = strlen(tm__proc.cwd);
            if (k > 0 && k < cap) {
                memcpy(out, tm__proc.cwd, k + 1);
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
    return normalize(out, base + plen);
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
