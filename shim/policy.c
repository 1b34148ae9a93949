/*
 * policy.c - the probe table of README "Signal, not noise" (see policy.h).
 */
#include "policy.h"

#include <errno.h>
#include <string.h>

#include "pathfacts.h"

enum match {
    BASENAME, /* the last component equal to text */
    SUFFIX,  /* the last component ending in text */
    PREFIX   /* the absolute path starting with text */
};

struct probe_rule {
    enum match how;
    const char *text;
    const char *why; /* documentation of the rule */
};

/* Paths inside the workspace where a missing file is a probe, not the
 * agent's own file: the lookup folders of pathfacts.h's table, and these
 * names.  Dot-directories and dotfiles are handled in code: all of them
 * are probes, except git lock files (*.lock under .git/). */
static const struct probe_rule rules[] = {
    {BASENAME, "package.json", "npm walks every parent directory"},
    {BASENAME, "pyproject.toml", "Python tools look for project roots"},
    {BASENAME, "setup.cfg", "Python tools look for configuration"},
    {BASENAME, "setup.py", "Python tools look for project roots"},
    {BASENAME, "pyvenv.cfg", "CPython start-up"},
    {BASENAME, "pybuilddir.txt", "CPython start-up"},
    {SUFFIX, "._pth", "CPython start-up"},
    {PREFIX, "/dev/tty", "non-interactive shells and git probe the tty"},
};

int tm__err_expected(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static int probe_errno(int err)
{
    return err == ENOENT || err == ENOTDIR || err == ENXIO || err == ELOOP;
}

/* Does the relative path (inside the workspace) hit a probe rule? */
static int probe_path(const char *rel, const char *abs)
{
    const char *base = strrchr(abs, '/');
    size_t blen;

    base = base ? base + 1 : abs;
    blen = strlen(base);
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const struct probe_rule *r = &rules[i];
        size_t k = strlen(r->text);

        switch (r->how) {
        case BASENAME:
            if (strcmp(base, r->text) == 0)
                return 1;
            break;
        case SUFFIX:
            if (blen >= k && strcmp(base + blen - k, r->text) == 0)
                return 1;
            break;
        case PREFIX:
            if (strncmp(abs, r->text, k) == 0)
                return 1;
            break;
        }
    }
    if (tm__path_in_folder(rel, strlen(rel), TM_DIR_LOOKUP))
        return 1;
    /* Dot-directories and dotfiles (.git/, .venv/, .cache/, .gitignore,
     * .npmrc, ...), except git's lock files. */
    for (const char *p = rel; *p; p++) {
        if ((p == rel || p[-1] == '/') && p[0] == '.' && p[1] != '/' &&
            p[1] != '\0') {
            /* the dot-folder is .git and the file a lock in it */
            if (strncmp(p, ".git/", 5) == 0 &&
                tm__path_lock(p, strlen(p)) == TM_LOCK_GIT)
                return 0;
            return 1;
        }
    }
    return 0;
}

enum tm__kind tm__policy(enum tm__call call, int err, const char *abs,
                         const char *ws, size_t wslen)
{
    if (tm__err_expected(err))
        return TM_KIND_EXPECTED;
    if (tm__calls[call].op == TM_OP_WRITE && (err == EPIPE || err == EINVAL))
        return TM_KIND_PROBE;
    if (!probe_errno(err))
        return TM_KIND_SIGNIFICANT;
    if (abs == NULL || abs[0] != '/')
        return TM_KIND_PROBE; /* unknown target: treat as a probe */
    if (strncmp(abs, "/dev/tty", 8) == 0)
        return TM_KIND_PROBE;
    /* Outside the workspace: somebody else's file. */
    if (!(wslen == 1 ||
          (strncmp(abs, ws, wslen) == 0 && (abs[wslen] == '/' || abs[wslen] == '\0'))))
        return TM_KIND_PROBE;
    return probe_path(abs + (wslen == 1 ? 1 : wslen + (abs[wslen] == '/')), abs)
               ? TM_KIND_PROBE
               : TM_KIND_SIGNIFICANT;
}
