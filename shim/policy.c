/*
 * policy.c - the probe table of README "Signal, not noise" (see policy.h).
 */
#include "policy.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pathfacts.h"

enum match {
    BASENAME, /* the last component equal to text */
    SUFFIX,  /* the last component ending in text */
    PREFIX,  /* the absolute path starting with text */
    DOTPART  /* a component (of the path inside its work tree, else of the
                absolute path) starting with text, "." or ".." excepted */
};

/* Texts are arrays, not pointers: nothing of these tables is relocated
 * at start (README "Performance"); a longer text does not compile. */
struct probe_rule {
    enum match how;
    char text[24];
    size_t len;  /* strlen(text) */
    int startup; /* looked up in every healthy run of some program (start-up
                    and configuration probes): never the explanation of a
                    non-zero exit */
    char why[128]; /* documentation of the rule */
};

/* Paths inside a work tree where a missing file is a probe, not the
 * agent's own file: the lookup folders of pathfacts.h's table, and these.
 * The rules marked startup are also the ones that never explain a failed
 * exit, wherever the path is (tm__policy_routine). */
/* A row: the text's length is counted by the compiler. */
#define RULE(how, text, startup, why) {how, text, sizeof(text) - 1, startup, why}

static const struct probe_rule rules[] = {
    RULE(DOTPART, ".", 1, "dotfiles and dot-directories: configuration "
                          "(.gitattributes, ~/.config/...), tools' stores "
                          "(.git/, .venv/, .cache/)"),
    RULE(PREFIX, "/etc/", 1, "system configuration (/etc/gitconfig, /etc/gitattributes)"),
    RULE(BASENAME, "package.json", 1, "node and npm walk every parent directory"),
    RULE(BASENAME, "package-lock.json", 1, "npm looks for its lock files"),
    RULE(BASENAME, "npm-shrinkwrap.json", 1, "npm looks for its lock files"),
    RULE(BASENAME, "yarn.lock", 1, "npm and yarn look for yarn's lock file"),
    RULE(BASENAME, "pnpm-lock.yaml", 1, "pnpm and npm look for pnpm's lock file"),
    RULE(BASENAME, "pyproject.toml", 1, "Python tools look for project roots"),
    RULE(BASENAME, "setup.cfg", 1, "Python tools look for configuration"),
    RULE(BASENAME, "setup.py", 1, "Python tools look for project roots"),
    RULE(BASENAME, "Cargo.lock", 1, "cargo looks for its lock file"),
    RULE(BASENAME, "rust-toolchain", 1, "rustup looks in every parent directory"),
    RULE(BASENAME, "rust-toolchain.toml", 1, "rustup looks in every parent directory"),
    RULE(BASENAME, "pyvenv.cfg", 1, "CPython start-up"),
    RULE(BASENAME, "pybuilddir.txt", 1, "CPython start-up"),
    RULE(SUFFIX, "._pth", 1, "CPython start-up"),
    RULE(BASENAME, "stdc-predef.h", 1, "GCC pre-includes it in every compile"),
    RULE(PREFIX, "/dev/tty", 1, "non-interactive shells and git probe the tty"),
};

/* Programs that search a path list for the files they are given (README
 * "Signal, not noise"): every ENOENT/ENOTDIR of theirs on an open for
 * reading is one directory tried, a probe wherever it is (capture.c).
 * Matched against the program's name with a target prefix of at least two
 * parts ("x86_64-linux-gnu-") and a version suffix ("-12", "-12.2")
 * allowed.  explains 0: its exit is its children's, explained by its own
 * failed search only when it ran none. */
static const struct {
    char name[16];
    int explains; /* its failed search may explain its non-zero exit */
    int renames;  /* its ENOENT renames are probes too (its own temporary
                     files, gone when another step moved them) */
    char why[176];
} searchers[] = {
    {"cc1", 1, 0, "GCC's C compiler: #include directories (45 per compile here)"},
    {"cc1plus", 1, 0, "GCC's C++ compiler: #include directories"},
    {"cc1obj", 1, 0, "GCC's Objective-C compiler: #include directories"},
    {"cc1objplus", 1, 0, "GCC's Objective-C++ compiler: #include directories"},
    {"f951", 1, 0, "GCC's Fortran compiler: module and include directories"},
    {"lto1", 1, 0, "GCC's link-time optimizer"},
    {"lto-wrapper", 1, 0, "GCC's link-time optimizer driver"},
    {"cpp", 1, 0, "the C preprocessor: #include directories"},
    {"gcc", 1, 0, "the driver: specs and tools along its search path"},
    {"g++", 1, 0, "the driver: specs and tools along its search path"},
    {"cc", 1, 0, "the driver: specs and tools along its search path"},
    {"c++", 1, 0, "the driver: specs and tools along its search path"},
    {"clang", 1, 0, "clang compiles in the driver's process: #include directories"},
    {"clang++", 1, 0, "clang compiles in the driver's process: #include directories"},
    {"clang-cpp", 1, 0, "clang's preprocessor: #include directories"},
    {"collect2", 1, 0, "GCC's linker wrapper: -L directories"},
    {"ld", 1, 0, "the linker: every -L directory for each -l library"},
    {"ld.bfd", 1, 0, "the linker: every -L directory for each -l library"},
    {"ld.gold", 1, 0, "the linker: every -L directory for each -l library"},
    {"ld.lld", 1, 0, "the linker: every -L directory for each -l library"},
    {"lld", 1, 0, "the linker: every -L directory for each -l library"},
    {"mold", 1, 0, "the linker: every -L directory for each -l library"},
    {"as", 1, 0, "the assembler: .include directories"},
    {"rustc", 1, 0, "rustc: -L directories for crates and libraries"},
    {"make", 0, 0, "include and -include (the .d files of a clean build); its "
                "exit is its failed child's"},
    {"pkg-config", 1, 0, "PKG_CONFIG_PATH, one directory after another"},
    {"cmake", 0, 1, "its build tree (CMakeFiles/, try-compile scratch "
                    "directories, CMakeCache.txt.tmp* renamed): 15 events "
                    "for a clean configure before this row; its exit is "
                    "its children's"},
    {"cargo", 0, 0, "target/'s fingerprints and outputs of a clean build; "
                    "its exit is rustc's"},
};
int tm__err_expected(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static int probe_errno(int err)
{
    return err == ENOENT || err == ENOTDIR || err == ENXIO || err == ELOOP;
}

/* Does a component of rel start with text ("." and ".." are none)?  Only
 * the components after a "/." are looked at (libc's strstr). */
static int dotpart(const char *rel, const char *text, size_t k)
{
    for (const char *c = rel; c != NULL; c = strstr(c, "/.")) {
        if (c[0] == '/')
            c++;
        if (strncmp(c, text, k) == 0 &&
            !(c[0] == '.' && (c[1] == '/' || c[1] == '\0' ||
                              (c[1] == '.' && (c[2] == '/' || c[2] == '\0')))))
            return 1;
    }
    return 0;
}

/* Which rows may match a path, from a few bits of it: the BASENAME rows
 * by a hash of the length and the first and last bytes, a SUFFIX text's last byte, a
 * PREFIX text's second byte; and the rows of each kind.  Built from the
 * table on first use (the same bits whichever thread or signal handler
 * builds them), so that a path no rule can match costs a few tests, not a
 * pass over the table (every probe asks twice: README "Performance"). */
#define NRULES (sizeof(rules) / sizeof(rules[0]))
_Static_assert(NRULES < 255, "rows are numbered in bytes, plus 1");
struct hint {
    unsigned char by_name[256]; /* name_bit() -> the first BASENAME row with
                                   it, plus 1 (0: none) */
    unsigned char next_name[NRULES]; /* the next row with the same bit, plus 1 */
    uint64_t sfx_last[4]; /* bit c: a SUFFIX text ends in byte c */
    uint64_t pfx_2nd[4];  /* bit c: a PREFIX text's byte 1 is c */
    unsigned char rows[DOTPART + 1][NRULES]; /* the rows of each kind */
    unsigned char nrows[DOTPART + 1];
    int dot_first; /* every DOTPART text starts with '.' */
};
static struct hint hint;
static int hint_built;

static unsigned char name_bit(const char *name, size_t n)
{
    return (unsigned char)(n * 37 + (unsigned char)name[0] * 5 +
                           (unsigned char)name[n - 1]);
}

static void set_bit(uint64_t *set, unsigned char c)
{
    set[c >> 6] |= 1ull << (c & 63);
}

static int has_bit(const uint64_t *set, unsigned char c)
{
    return (int)((set[c >> 6] >> (c & 63)) & 1);
}

/* Built whole on the stack, then copied: two builders (threads, a signal
 * handler) copy the same bytes. */
static void hint_build(void)
{
    struct hint h;

    memset(&h, 0, sizeof(h));
    h.dot_first = 1;
    for (size_t i = 0; i < NRULES; i++) {
        const struct probe_rule *r = &rules[i];
        switch (r->how) {
        case BASENAME: { /* chained: the last row with the bit first */
            unsigned char b = name_bit(r->text, r->len);
            h.next_name[i] = h.by_name[b];
            h.by_name[b] = (unsigned char)(i + 1);
            break;
        }
        case SUFFIX:
            set_bit(h.sfx_last, (unsigned char)r->text[r->len - 1]);
            break;
        case PREFIX:
            set_bit(h.pfx_2nd, (unsigned char)r->text[1]);
            break;
        case DOTPART:
            break;
        }
        if (r->how == DOTPART && r->text[0] != '.')
            h.dot_first = 0;
        h.rows[r->how][h.nrows[r->how]++] = (unsigned char)i;
    }
    memcpy(&hint, &h, sizeof(h));
    __atomic_store_n(&hint_built, 1, __ATOMIC_RELEASE);
}

/* Does a row match?  See rules_hit. */
static int row_hit(const struct probe_rule *r, const char *rel,
                   const char *abs, const char *base, size_t blen)
{
    const size_t k = r->len;

    switch (r->how) {
    case BASENAME:
        return blen == k && memcmp(base, r->text, k) == 0;
    case SUFFIX:
        return blen >= k && memcmp(base + blen - k, r->text, k) == 0;
    case PREFIX:
        return strncmp(abs, r->text, k) == 0;
    case DOTPART:
        return dotpart(rel, r->text, k);
    }
    return 0;
}

/* Does a rule (startup ones only, when asked) match?  `rel` is the path
 * inside its work tree (or the path itself), `abs` the whole path. */
static int rules_hit(const char *rel, const char *abs, int startup_only)
{
    const char *base = strrchr(abs, '/');
    size_t blen;
    int may[DOTPART + 1];

    if (!__atomic_load_n(&hint_built, __ATOMIC_ACQUIRE))
        hint_build();
    base = base ? base + 1 : abs;
    blen = strlen(base);
    for (unsigned r = blen > 0 ? hint.by_name[name_bit(base, blen)] : 0; r != 0;
         r = hint.next_name[r - 1])
        if ((!startup_only || rules[r - 1].startup) &&
            row_hit(&rules[r - 1], rel, abs, base, blen))
            return 1;
    may[SUFFIX] = blen > 0 && has_bit(hint.sfx_last, (unsigned char)base[blen - 1]);
    may[PREFIX] = abs[0] != '\0' && has_bit(hint.pfx_2nd, (unsigned char)abs[1]);
    /* a component starting with '.': the first, or one after a '/' */
    may[DOTPART] = !hint.dot_first || rel[0] == '.' || strstr(rel, "/.") != NULL;
    for (int how = SUFFIX; how <= DOTPART; how++) {
        for (int j = 0; may[how] && j < hint.nrows[how]; j++) {
            const struct probe_rule *r = &rules[hint.rows[how][j]];
            if ((!startup_only || r->startup) && row_hit(r, rel, abs, base, blen))
                return 1;
        }
    }
    return 0;
}

/* Does the relative path (inside the workspace) hit a probe rule?  (A
 * missing git lock file is a probe too: git looks for it, e.g. a ref's
 * lock before it is made; only EEXIST on one is a conflict, and EEXIST is
 * no probe errno.) */
static int probe_path(const char *rel, const char *abs)
{
    return rules_hit(rel, abs, 0) ||
           tm__path_in_folder(rel, strlen(rel), TM_DIR_LOOKUP);
}

/* Does a version suffix ("-12", "-14.0.6": a digit first) end
 * name[0..n)? Returns the length without it. */
static size_t drop_version(const char *name, size_t n)
{
    size_t k = n;

    while (k > 0 && ((name[k - 1] >= '0' && name[k - 1] <= '9') ||
                     name[k - 1] == '.'))
        k--;
    return k < n && k > 0 && name[k - 1] == '-' && name[k] >= '0' &&
                   name[k] <= '9'
               ? k - 1
               : n;
}

/* Is p[0..n) a target prefix ("x86_64-linux-gnu-", "arm-none-eabi-"):
 * at least two non-empty parts, each ended by '-'?  ("bin/agent-make" is
 * no make.) */
static int triplet(const char *p, size_t n)
{
    size_t parts = 0, len = 0;

    if (n == 0 || p[n - 1] != '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '-') {
            if (len == 0)
                return 0;
            parts++;
            len = 0;
        } else if (p[i] == '/') {
            return 0;
        } else {
            len++;
        }
    }
    return parts >= 2;
}

int tm__policy_searching(const char *program)
{
    size_t n = drop_version(program, strlen(program));

    for (size_t i = 0; i < sizeof(searchers) / sizeof(searchers[0]); i++) {
        size_t k = strlen(searchers[i].name);
        if (n >= k && memcmp(program + n - k, searchers[i].name, k) == 0 &&
            (n == k || triplet(program, n - k)))
            return (searchers[i].explains ? TM_SEARCH_EXPLAINS : TM_SEARCH_QUIET) |
                   (searchers[i].renames ? TM_SEARCH_RENAMES : 0);
    }
    return TM_SEARCH_NONE;
}

int tm__policy_routine_anywhere(int err, const char *abs)
{
    if (!probe_errno(err) || abs == NULL || abs[0] != '/')
        return 0;
    /* Inside a .git directory: git's store, found as a bare repository
     * (tm__worktree) or under its work tree's .git/ (DOTPART). */
    const char *dot = strstr(abs, "/."); /* most paths have none */

    if (dot != NULL && strstr(dot, "/.git/") != NULL)
        return 1;
    /* The last component is inside the path's work tree, wherever that
     * is: DOTPART read there, the other rules read the whole path. */
    return rules_hit(strrchr(abs, '/') + 1, abs, 1);
}

int tm__policy_routine(const char *path, size_t root)
{
    if (path == NULL)
        return 0;
    if (root > 0 && root < strlen(path))
        return rules_hit(path + (root == 1 ? 1 : root + 1), path, 1);
    return rules_hit(path, path, 1);
}

enum tm__kind tm__policy(enum tm__call call, int err, const char *abs,
                         const char *ws, size_t wslen, int store)
{
    if (tm__err_expected(err))
        return TM_KIND_EXPECTED;
    if (tm__calls[call].op == TM_OP_WRITE && (err == EPIPE || err == EINVAL))
        return TM_KIND_PROBE;
    if (!probe_errno(err))
        return TM_KIND_SIGNIFICANT;
    if (abs == NULL || abs[0] != '/')
        return TM_KIND_PROBE; /* unknown target: treat as a probe */
    if (strncmp(abs, "/dev/tty", 8) == 0 || store)
        return TM_KIND_PROBE; /* a bare repository is git's store, as .git/ */
    /* Outside the workspace: somebody else's file. */
    if (!(wslen == 1 ||
          (strncmp(abs, ws, wslen) == 0 && (abs[wslen] == '/' || abs[wslen] == '\0'))))
        return TM_KIND_PROBE;
    return probe_path(abs + (wslen == 1 ? 1 : wslen + (abs[wslen] == '/')), abs)
               ? TM_KIND_PROBE
               : TM_KIND_SIGNIFICANT;
}
