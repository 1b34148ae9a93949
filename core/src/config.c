/*
 * config.c - environment configuration (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tm__strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);

    if (size == 0)
        return -1;
    if (n >= size) {
        memcpy(dst, src, size - 1);
        dst[size - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

int tm__capture_parse(const char *s, enum tm__capture *out)
{
    if (strcmp(s, "significant") == 0)
        *out = TM_CAPTURE_SIGNIFICANT;
    else if (strcmp(s, "all") == 0)
        *out = TM_CAPTURE_ALL;
    else if (strcmp(s, "fatal") == 0)
        *out = TM_CAPTURE_FATAL;
    else
        return -1;
    return 0;
}

static int env_flag(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 ||
                         strcmp(v, "yes") == 0);
}

static long long env_num(const char *name, long long def, long long min)
{
    const char *v = getenv(name);
    char *end;
    long long n;

    if (v == NULL || *v == '\0')
        return def;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < min)
        return def;
    return n;
}

static void env_str(const char *name, char *dst, size_t size)
{
    const char *v = getenv(name);

    if (v != NULL)
        tm__strlcpy(dst, v, size);
}

void tm__config_from_env(struct tm__config *cfg)
{
    const char *v;

    env_str("TELEMETRY_DIR", cfg->dir, sizeof(cfg->dir));
    if (cfg->dir[0] == '\0') {
        tm__strlcpy(cfg->dir, TM_DEFAULT_DIR, sizeof(cfg->dir));
        cfg->dir_is_default = 1;
    }
    env_str("TELEMETRY_REPO", cfg->repo, sizeof(cfg->repo));
    env_str("TELEMETRY_AGENT", cfg->agent, sizeof(cfg->agent));
    cfg->capture = TM_CAPTURE_SIGNIFICANT;
    v = getenv("TELEMETRY_CAPTURE");
    if (v != NULL && *v != '\0' && tm__capture_parse(v, &cfg->capture) != 0)
        cfg->capture_invalid = 1;
    cfg->disable = env_flag("TELEMETRY_DISABLE");
    cfg->debug = env_flag("TELEMETRY_DEBUG");
    v = getenv("TELEMETRY_BACKTRACE");
    cfg->backtrace = !(v != NULL && strcmp(v, "0") == 0);
    cfg->max_events = (long)env_num("TELEMETRY_MAX_EVENTS",
                                    TM_DEFAULT_MAX_EVENTS, 0);
    cfg->max_bytes = env_num("TELEMETRY_MAX_BYTES", TM_DEFAULT_MAX_BYTES, 4096);
    env_str("TELEMETRY_CONTEXT_KEYS", cfg->context_keys,
            sizeof(cfg->context_keys));
    env_str("TELEMETRY_PRIVATE_REPOS", cfg->private_repos,
            sizeof(cfg->private_repos));
    v = getenv("TELEMETRY_HASH_REPOS");
    cfg->hash_all = v != NULL && strcmp(v, "all") == 0;
    v = getenv("TELEMETRY_HASH_KEY");
    if (v != NULL && *v != '\0') {
        tm__strlcpy(cfg->hash_key, v, sizeof(cfg->hash_key));
        cfg->has_hash_key = 1;
    }
    env_str("TELEMETRY_SHIM", cfg->shim, sizeof(cfg->shim));
}
