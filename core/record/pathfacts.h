/*
 * pathfacts.h - what a path says by its shape alone, for every part that
 * asks: the classifier (a lock file), the shim's probe rules (folders whose
 * missing files are lookups) and the grouping's path classes (dependency
 * folders).  Pure string tests: no system call, async-signal-safe.
 */
#ifndef TM_PATHFACTS_H
#define TM_PATHFACTS_H

#include <stddef.h>

/* Lock files: a basename ending in ".lock" (".lock" itself included); a
 * git lock when one of the path's segments is ".git". */
enum tm__lock_kind { TM_LOCK_NONE, TM_LOCK_GIT, TM_LOCK_OTHER };

enum tm__lock_kind tm__path_lock(const char *p, size_t n);

/* Is seg (no '/' in it) one whole segment of p[0..n) ("a/seg/b", "seg",
 * "a/seg")? */
int tm__path_has_segment(const char *p, size_t n, const char *seg);

/*
 * Folders by what they hold, one row each: X(name, roles, why).
 *   TM_DIR_DEPENDENCY  third-party code a package manager installed (a
 *                      path class of the grouping)
 *   TM_DIR_LOOKUP      a missing file under it is a module or cache lookup,
 *                      a probe (README "Signal, not noise")
 * Dot-folders (.git, .venv, .cache, ...) are probes by their dot, in the
 * shim's rules, whatever this table says.
 */
enum { TM_DIR_DEPENDENCY = 1 << 0, TM_DIR_LOOKUP = 1 << 1 };

#define TM_FOLDER_MAP(X)                                                       \
    X("node_modules", TM_DIR_DEPENDENCY | TM_DIR_LOOKUP,                       \
      "npm/node module resolution")                                            \
    X("site-packages", TM_DIR_DEPENDENCY | TM_DIR_LOOKUP,                      \
      "Python package imports")                                                \
    X("dist-packages", TM_DIR_DEPENDENCY | TM_DIR_LOOKUP,                      \
      "Debian Python package imports")                                         \
    X("bower_components", TM_DIR_DEPENDENCY | TM_DIR_LOOKUP,                   \
      "bower module resolution")                                               \
    X("__pycache__", TM_DIR_LOOKUP, "CPython bytecode cache")                  \
    X(".venv", TM_DIR_DEPENDENCY, "a Python virtual environment")              \
    X("venv", TM_DIR_DEPENDENCY, "a Python virtual environment")               \
    X("vendor", TM_DIR_DEPENDENCY, "vendored third-party code")

/* Does a segment of p[0..n) name a folder with one of `roles`? */
int tm__path_in_folder(const char *p, size_t n, unsigned roles);

#endif
