/*
 * proc.h - who and where the host process is: program, agent, workspace,
 * repo; and path resolution for classification.
 *
 * tm__proc_args() runs in the constructor (no system calls).  Everything
 * else uses raw system calls and fixed buffers only (async-signal-safe).
 */
#ifndef TM_SHIM_PROC_H
#define TM_SHIM_PROC_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/* What the constructor sets: small, in .data beside the PLT's table (the
 * page the loader writes anyway; tests/integration/start_pages.py). */
struct tm__proc {
    pid_t pid;
    int fixed_repo;           /* TELEMETRY_REPO gave the repo */
    unsigned generation;      /* bumped when the repo name changes */
    int searching;            /* tm__policy_searching(program) + 1; 0: not
                                 asked yet */
    size_t wslen;             /* of the workspace (tm__place) */
    char repo[256];           /* TELEMETRY_REPO, work tree name, "unknown" */
    char agent[256];
    char program[128];
};

extern struct tm__proc tm__proc;

/* Where the process works: found at the first failure, never at start.
 * The workspace (the git work tree containing the cwd, or the cwd) is
 * cwd's first tm__proc.wslen bytes, not a copy: a second PATH_MAX buffer
 * was one more page every failing process touched (README
 * "Performance"). */
struct tm__place {
    char cwd[PATH_MAX];       /* the directory the workspace was found from */
};

extern struct tm__place tm__place;

/* From argv: program (basename of argv[0]) and agent (TELEMETRY_AGENT, else
 * the script of an interpreter, else the program).  Constructor only. */
void tm__proc_args(int argc, char **argv, const char *env_agent,
                   const char *env_repo);

/* Finds the workspace (walks up from the cwd to the directory holding
 * .git) and the repo name when TELEMETRY_REPO did not give one.  The
 * current directory itself is cached: asked again (one getcwd) only after
 * a chdir/fchdir of the host (tm__proc_moved) or when the coarse clock's
 * second changed; otherwise no system call. */
void tm__proc_locate(void);

/* The host's current directory changed (its chdir or fchdir succeeded, in
 * any thread): one atomic increment, async-signal-safe, errno untouched. */
void tm__proc_moved(void);

/*
 * The git work tree containing the absolute, normalized path `abs` (README
 * "Which repository"): the nearest directory above it that holds .git, or
 * that is a bare repository (HEAD, objects/, refs/).  Returns the length of
 * its root in abs (1 for "/"), 0 when none holds it; *how says how it is
 * named (TM_WT_BARE: a bare repository, git's own store; TM_WT_NAME: an
 * index of the main repository's name of a linked work tree).  Answers are
 * cached per process in a fixed table of directories (no allocation, one
 * atomic word per directory), emptied when the current directory changes
 * and once a second; a miss costs one stat per directory walked up (more
 * where a HEAD file is, one read of a .git file).  On a miss of the path's
 * own directory it is looked up by its physical path: abs (a buffer of cap
 * bytes) is rewritten in place when a symbolic link made it differ (the
 * link's work tree is its target's).  Async-signal-safe.
 */
#define TM_WT_BARE 0x8u
#define TM_WT_NAME 0x7u
size_t tm__worktree(char *abs, size_t cap, unsigned *how);

/* The name a failure is filed under: TELEMETRY_REPO, else the name of the
 * work tree containing abs (its basename; a linked work tree's main
 * repository's; a bare repository's without ".git"), else the repo of the
 * current directory (tm__proc.repo, "unknown" outside work trees).
 * `root` and `how` are tm__worktree(abs)'s when the caller has them, root
 * -1 when not.  Writes at most cap bytes, NUL-terminated. */
void tm__repo_of(const char *abs, long root, unsigned how, char *out, size_t cap);

/* Lexical normalization of the absolute path p[0..n) in place ("//",
 * "/./", "/../", a trailing '/'); returns the new length. */
size_t tm__normalize(char *p, size_t n);

/* Forgets per-process state after fork (pid, workspace). */
void tm__proc_forget(void);

/* The parent's process id for an event: asked (getppid) at most once a
 * second of the coarse clock, and again in a fork's child; a process whose
 * parent exited shows its new parent a second later at most.  -1: not
 * known (a vfork child, when its parent had not asked). */
pid_t tm__proc_ppid(void);

/* The current process id, by system call (never cached by libc). */
pid_t tm__getpid(void);

/* Absolute, lexically normalized form of `path` relative to `dirfd`
 * (through /proc/self/fd/N or the current directory).  Returns its length,
 * or 0 when it cannot be resolved or does not fit. */
size_t tm__resolve(int dirfd, const char *path, char *out, size_t cap);

/* The path of descriptor fd when it is a regular file; returns its length,
 * 0 otherwise (also when it does not fit: never a cut path). */
size_t tm__fd_path(int fd, char *out, size_t cap);

#endif
