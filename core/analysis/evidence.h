/*
 * evidence.h - structured evidence for grouping, taken from the raw event
 * before masking: the path class of the file a failure is about, and the
 * top in-app frame of its backtrace.
 */
#ifndef TM_EVIDENCE_H
#define TM_EVIDENCE_H

#include <stddef.h>

#define TM_PATH_CLASS_MAP(X)                                                   \
    X(none)                                                                    \
    X(git_lock)                                                                \
    X(lock)                                                                    \
    X(git)                                                                     \
    X(dependency)                                                              \
    X(temp)                                                                    \
    X(system)                                                                  \
    X(config)                                                                  \
    X(source)                                                                  \
    X(data)

enum tm__path_class {
#define TM__PC_ENUM(name) TM_PC_##name,
    TM_PATH_CLASS_MAP(TM__PC_ENUM)
#undef TM__PC_ENUM
};

const char *tm__path_class_name(enum tm__path_class pc);

/* The class of a path ("git_lock" for .git/index.lock, "dependency" under
 * node_modules/, "config" for *.yaml, ...). */
enum tm__path_class tm__path_class(const char *path, size_t n);

/* The first quoted path in a message ('...' or "..."): sets *path and
 * returns its length, or 0 when there is none. */
size_t tm__message_path(const char *msg, const char **path);

/* The top in-app frame of a backtrace: the first frame whose module is not
 * a runtime (libc, the loader, libpython, libstdc++, node, ...), without
 * its offset ("git!cmd_add", or "git" when it has no symbol).  Writes ""
 * when there is none. */
void tm__top_frame(const char *const *frames, int n, char *out, size_t cap);

/* The culprit of an event's Python stack (README "Grouping"): the
 * innermost entry "<file>:<line> in <function>" that is the agent's own
 * code - its file relative (inside the work tree), not under
 * site-packages/ or dist-packages/, not <frozen ...> or <string>.
 * Returns the entry (borrowed), or NULL when there is none. */
const char *tm__stack_culprit(const char *const *stack, int n);

/* A culprit entry without its line ("agent/config.py in load_config"):
 * what groups are keyed by, so an edit above it does not split its
 * group.  Writes at most cap bytes (NUL included); returns the length. */
size_t tm__culprit_key(const char *entry, char *out, size_t cap);

/* What a group shows as its culprit: the stack's culprit whole, else the
 * top in-app native frame, else "". */
void tm__culprit(const char *const *stack, int nstack,
                 const char *const *frames, int nframes, char *out, size_t cap);

#endif
