/*
 * telemetry.h - public C API of agent-telemetry.
 *
 * A collector records failures of coding agents as JSON lines in a local
 * directory (README "Event format", "Storage") after removing user names, credentials and other
 * private data (README "Privacy"), and summarises what was recorded (README "Using the CLI").
 *
 * Conventions
 *   - Functions that can fail return 0 or a negative TM_E* code; constructors
 *     return NULL and, when asked, store the code through an `int *err`.
 *   - tm_strerror() turns any code into a static English sentence.
 *   - Ownership is stated on every function: "caller frees" means the caller
 *     releases the result with the named function; "borrowed" means the
 *     pointer stays owned by the callee.
 *   - Thread safety is stated on every function.  A collector may be shared
 *     by threads for recording; processes may record into one directory at
 *     the same time: every event is one write(2) on an O_APPEND file.
 */
#ifndef TELEMETRY_H
#define TELEMETRY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TM_VERSION "0.1.0"

#if defined(__GNUC__)
#define TM_API __attribute__((visibility("default")))
#else
#define TM_API
#endif

/* Size of a telemetry id buffer: 16 lowercase hex digits and a NUL. */
#define TM_ID_SIZE 17

/* Error codes: X(name, value, message).  Every core function uses these. */
#define TM_ERRNO_MAP(X)                                                        \
    X(OK, 0, "success")                                                        \
    X(EINVAL, -1, "invalid argument")                                          \
    X(ENOMEM, -2, "out of memory")                                             \
    X(EDIR, -3, "telemetry directory cannot be created or opened")             \
    X(EDIRLINK, -4, "telemetry directory is a symbolic link")                  \
    X(EDIROWNER, -5, "telemetry directory is owned by another user")           \
    X(EDIRPERM, -6, "telemetry directory is writable by group or others")      \
    X(ENOTDIR, -7, "telemetry directory path is not a directory")              \
    X(EFILE, -8, "log file cannot be opened for appending")                    \
    X(EFILELINK, -9, "log file is a symbolic link, hard link or not a regular file") \
    X(EWRITE, -10, "log file write failed")                                    \
    X(EREAD, -11, "log file cannot be read")                                   \
    X(EKEY, -12, "repository hash key cannot be created or read")              \
    X(ESCRUB, -13, "sanitizer engine failed")                                  \
    X(ETIME, -14, "time value cannot be parsed")                               \
    X(EBUSY, -15, "telemetry directory is locked (a clean is running)")      \
    X(ENOTREG, -16, "log file is not a regular file (a FIFO, device, socket "  \
                    "or directory has its name)")                             \
    X(ESPOOL, -17, "spool directory (spool/ in the telemetry directory) is "   \
                   "a link, not a directory, another user's or writable by "  \
                   "group or others")

enum tm_error {
#define TM__ENUM(name, value, msg) TM_##name = (value),
    TM_ERRNO_MAP(TM__ENUM)
#undef TM__ENUM
};

/* Returns a static sentence for a TM_* code; unknown codes get a generic
 * sentence.  Never NULL.  Thread-safe. */
TM_API const char *tm_strerror(int code);

typedef struct tm_collector tm_collector;

/*
 * Opens a collector on `dir` (NULL: TELEMETRY_DIR, else
 * /tmp/12-factor-telemetry).  The directory is created with mode 0700 when
 * missing; an existing one must be a real directory owned by the effective
 * user and not writable by group or others.  Environment configuration
 * (README "Configuration") is read here, once.
 * Returns a collector the caller frees with tm_close(), or NULL with *err
 * (when err is not NULL) set to a TM_* code.  Thread-safe.
 */
TM_API tm_collector *tm_open(const char *dir, int *err);

/* Releases a collector.  NULL is accepted.  Not to be called while another
 * thread still uses the collector. */
TM_API void tm_close(tm_collector *c);

/* The directory the collector writes to.  Borrowed from the collector. */
TM_API const char *tm_collector_dir(const tm_collector *c);

/*
 * Records one event (README "Event format") with source "api".  `repo`, `agent`,
 * `error_type` and `message` must be non-NULL and non-empty; `context` may
 * be NULL or a cJSON object (it is filtered and sanitized, and not
 * modified).  The message, agent and context strings are sanitized before
 * anything is written; a private repo name is hashed (README "Privacy").
 * On success writes the new id into `id_out` (TM_ID_SIZE bytes) and returns
 * 0; otherwise returns a TM_* code and writes nothing.  Thread-safe.
 */
TM_API int tm_record_error(tm_collector *c, const char *repo, const char *agent,
                    const char *error_type, const char *message,
                    const cJSON *context, char id_out[TM_ID_SIZE]);

/* Filters for tm_error_summary().  Zero-initialise, then set what you need.
 * Strings are borrowed for the duration of the call. */
typedef struct tm_summary_opts {
    const char *since; /* "24h", "7d", "30m" or ISO-8601 UTC; NULL: all */
    const char *repo;  /* stored repo name to keep; NULL: all */
    const char *agent; /* agent name to keep; NULL: all */
    int limit;         /* most groups listed; 0: 20 */
    const char *run;   /* run id to keep (README "Runs"); NULL: all */
} tm_summary_opts;

/*
 * Reads the central log (streaming: memory grows with distinct values, not
 * with events) and returns the summary object of README "The summary object".  `opts` may be
 * NULL.  Returns a cJSON object the caller frees with cJSON_Delete(), or
 * NULL with *err set.  A missing log gives an empty summary of the same
 * shape.  Thread-safe.
 */
TM_API cJSON *tm_error_summary(tm_collector *c, const tm_summary_opts *opts, int *err);

/*
 * Sanitizes `message` by the rules of README "Privacy" (exactly what storage keeps,
 * before the storage length limit).  Returns a NUL-terminated string the
 * caller frees with free(), or NULL when out of memory.  Input longer than
 * 64 KiB is cut at the last whitespace before that limit first.  If the rule
 * engine fails the result is "***SCRUB-ERROR***".  Thread-safe.
 */
TM_API char *tm_sanitize_message(const char *message);

/*
 * Filters and sanitizes a context object (README "Privacy"): only allow-listed keys
 * (plus TELEMETRY_CONTEXT_KEYS as read by tm_open) whose names carry no
 * sensitive term, scalar values only, strings sanitized and cut to 256
 * bytes, keys in allow-list order.  `c` may be NULL (built-in allow-list
 * only).  Returns a new object the caller frees with cJSON_Delete() ({} for
 * NULL or non-object input), or NULL when out of memory.  Thread-safe.
 */
TM_API cJSON *tm_sanitize_context(const tm_collector *c, const cJSON *context);

/*
 * Writes the stored form of `repo` into `out` (at most `outsz` bytes with
 * the NUL): the name itself, or the first 12 hex digits of a keyed BLAKE2b
 * hash when the repo is private (README "Privacy").  Returns 0, or a TM_* code
 * (TM_EKEY when no key can be had, TM_EINVAL when `out` is too small).
 * Thread-safe.
 */
TM_API int tm_hash_repo_if_needed(tm_collector *c, const char *repo, char *out,
                           size_t outsz);

#ifdef __cplusplus
}
#endif

#endif /* TELEMETRY_H */
