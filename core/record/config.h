/*
 * config.h - the one place environment configuration is read (README "Configuration").
 *
 * tm__config_from_env() fills a struct from TELEMETRY_* variables once;
 * callers then apply their command-line flags on top (flag > env > default).
 * The struct owns nothing on the heap: fixed buffers.  A value longer than
 * its buffer is never cut (a cut directory is another directory, a cut
 * glob list leaves a private name in clear): it is left unset and
 * cfg->too_long names it; the CLI then refuses to run and the shim
 * records nothing.
 */
#ifndef TM_CONFIG_H
#define TM_CONFIG_H

#include <limits.h>
#include <stddef.h>

#define TM_DEFAULT_DIR "/tmp/12-factor-telemetry"

#define TM_DEFAULT_MAX_EVENTS 1000
#define TM_DEFAULT_MAX_BYTES (64LL * 1024 * 1024)

enum tm__capture { TM_CAPTURE_SIGNIFICANT, TM_CAPTURE_ALL, TM_CAPTURE_FATAL };

/* The characters LD_PRELOAD cannot carry in a path: ld.so splits the list
 * on blanks and colons (and a tab or newline is no better).  The shell
 * scripts (scripts/telemetry-run) refuse the same ones. */
#define TM_PRELOAD_BAD " :\t\n"

/* One string variable of the environment: its name and the most bytes it
 * may hold (the rows are in config.c, one per string field). */
struct tm__config_var {
    const char *name;
    size_t offset; /* of its buffer in struct tm__config */
    size_t max;    /* bytes, without the NUL */
};

/* Small fields first: the shim's constructor then touches one page of it
 * (every fresh page costs a fault in every process an agent starts). */
struct tm__config {
    enum tm__capture capture;
    int capture_invalid;    /* TELEMETRY_CAPTURE held an unknown word */
    int disable;
    int debug;
    int backtrace;          /* TELEMETRY_BACKTRACE=0 turns backtraces off */
    int stack;              /* TELEMETRY_STACK=0 turns Python stacks off */
    int hash_all;
    int has_hash_key;
    int dir_is_default;     /* neither flag nor TELEMETRY_DIR gave it */
    const struct tm__config_var *too_long; /* the first variable longer than
                                               its limit, or NULL */
    long max_events;
    long long max_bytes;
    int run_invalid;        /* TELEMETRY_RUN_ID set but not a run id */
    char run_id[17];        /* TELEMETRY_RUN_ID: 16 lowercase hex digits
                               (README "Runs"); "" when unset or invalid */
    char repo[256];         /* "" when unset */
    char agent[256];        /* "" when unset */
    char dir[PATH_MAX];
    char context_keys[1024];
    char private_repos[1024];
    char hash_key[512];
    char shim[PATH_MAX];
};

/* Fills cfg from the environment and defaults.  cfg must be zeroed first
 * (static storage, or = {0}): only what is set is written, so the shim's
 * constructor touches no more memory than it needs.  Not async-signal-safe
 * (getenv); call from constructors and main. */
void tm__config_from_env(struct tm__config *cfg);

/* The string variables, in the order they are read: *n rows.  For the
 * README's limits and the CLI's messages. */
const struct tm__config_var *tm__config_vars(size_t *n);

/* Copies src into a fixed buffer, cut to fit; returns 0, or -1 if cut. */
int tm__strlcpy(char *dst, const char *src, size_t size);

/* Parses a capture mode word; returns 0, or -1 when unknown. */
int tm__capture_parse(const char *s, enum tm__capture *out);

#endif
