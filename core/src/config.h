/*
 * config.h - the one place environment configuration is read (SPEC §9).
 *
 * tm__config_from_env() fills a struct from TELEMETRY_* variables once;
 * callers then apply their command-line flags on top (flag > env > default).
 * The struct owns nothing on the heap: fixed buffers, cut when too long.
 */
#ifndef TM_CONFIG_H
#define TM_CONFIG_H

#include <limits.h>
#include <stddef.h>

#define TM_DEFAULT_DIR "/tmp/12-factor-telemetry"
#define TM_DEFAULT_MAX_EVENTS 1000
#define TM_DEFAULT_MAX_BYTES (64LL * 1024 * 1024)

enum tm__capture { TM_CAPTURE_SIGNIFICANT, TM_CAPTURE_ALL, TM_CAPTURE_FATAL };

/* Small fields first: the shim's constructor then touches one page of it
 * (every fresh page costs a fault in every process an agent starts). */
struct tm__config {
    enum tm__capture capture;
    int capture_invalid;    /* TELEMETRY_CAPTURE held an unknown word */
    int disable;
    int debug;
    int backtrace;          /* TELEMETRY_BACKTRACE=0 turns backtraces off */
    int hash_all;
    int has_hash_key;
    int dir_is_default;     /* neither flag nor TELEMETRY_DIR gave it */
    long max_events;
    long long max_bytes;
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

/* Copies src into a fixed buffer, cut to fit; returns 0, or -1 if cut. */
int tm__strlcpy(char *dst, const char *src, size_t size);

/* Parses a capture mode word; returns 0, or -1 when unknown. */
int tm__capture_parse(const char *s, enum tm__capture *out);

#endif
