/*
 * policy.h - signal, not noise (README "Signal, not noise"): which failures are expected,
 * which are probes, which are significant.
 */
#ifndef TM_SHIM_POLICY_H
#define TM_SHIM_POLICY_H

#include <stddef.h>

#include "capture.h"

enum tm__kind {
    TM_KIND_EXPECTED,   /* counted only */
    TM_KIND_PROBE,      /* kept in the ring; written if the process fails */
    TM_KIND_SIGNIFICANT /* recorded at once */
};

/*
 * Kind of a failure: `abs` is the resolved path (NULL or "" when unknown),
 * `ws` the workspace root, `store` set when abs is inside a bare git
 * repository (git's store: all its probes are, as under .git/).  The probe
 * rules are one table in policy.c.  Async-signal-safe.
 */
enum tm__kind tm__policy(enum tm__call call, int err, const char *abs,
                         const char *ws, size_t wslen, int store);

/* Is the program (basename of argv[0]) one that searches a path list
 * (the searchers table of policy.c)?  Its ENOENT and ENOTDIR on opens
 * for reading are probes wherever they are; for most, the search that
 * failed explains a non-zero exit (capture.c), for make, cmake and cargo
 * only when they ran no child (their failure is their child's); for cmake
 * an ENOENT rename is a probe too (TM_SEARCH_RENAMES).  Pure string
 * compares; capture.c asks once per process.  Returns NONE, or QUIET or
 * EXPLAINS with RENAMES or'ed in. */
enum tm__search {
    TM_SEARCH_NONE = 0,
    TM_SEARCH_QUIET = 1,
    TM_SEARCH_EXPLAINS = 2,
    TM_SEARCH_RENAMES = 4
};
int tm__policy_searching(const char *program);

/* Is `path` (absolute with its work tree's root at path[0..root), root 0
 * when in none; or as the program gave it) a start-up or configuration
 * probe that fails in every healthy run (pyvenv.cfg, *._pth, package.json,
 * /dev/tty, a dotfile or a file under a dot-directory, /etc/...: the rules
 * marked startup)?  Such a probe never explains a non-zero exit. */
int tm__policy_routine(const char *path, size_t root);

/* Is a failure with err on abs (absolute) a routine probe whatever its
 * work tree: a probe errno, and a startup rule that reads only the last
 * component or the whole path (a dotfile, package.json, /etc/...)?  Then
 * tm__policy says probe and tm__policy_routine says routine for any root,
 * so the failure path needs no work-tree lookup (README "Performance"). */
int tm__policy_routine_anywhere(int err, const char *abs);

/* Is err one a call returns in normal operation (EAGAIN, EWOULDBLOCK,
 * EINTR)?  Such failures are expected: counted, never recorded. */
int tm__err_expected(int err);

#endif
