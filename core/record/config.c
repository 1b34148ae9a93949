/*
 * config.c - environment configuration (see config.h).
 */
#include "config.h"
#include "event.h"

#include <errno.h>
#include <stddef.h>
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

/* Every string variable, once: name and field (its buffer's size is the
 * limit).  TELEMETRY_DIR first: when it is too long, the default must not
 * take its place. */
#define TM_CONFIG_STRINGS(X)                                                   \
    X("TELEMETRY_DIR", dir)                                                    \
    X("TELEMETRY_REPO", repo)                                                  \
    X("TELEMETRY_AGENT", agent)                                                \
    X("TELEMETRY_CONTEXT_KEYS", context_keys)                                  \
    X("TELEMETRY_PRIVATE_REPOS", private_repos)                                \
    X("TELEMETRY_HASH_KEY", hash_key)                                          \
    X("TELEMETRY_SHIM", shim)

enum {
#define TM__VAR_IDX(name, field) TM__VAR_##field,
    TM_CONFIG_STRINGS(TM__VAR_IDX)
#undef TM__VAR_IDX
    TM__NVARS
};

static const struct tm__config_var vars[TM__NVARS] = {
#define TM__VAR_ROW(name, field)                                               \
    {name, offsetof(struct tm__config, field),                                 \
     sizeof(((struct tm__config *)0)->field) - 1},
    TM_CONFIG_STRINGS(TM__VAR_ROW)
#undef TM__VAR_ROW
};

const struct tm__config_var *tm__config_vars(size_t *n)
{
    *n = TM__NVARS;
    return vars;
}

/* Copies the variable into its field when set, not empty and within its
 * limit; returns 1 when copied.  Too long: left unset, cfg->too_long. */
static int env_str(struct tm__config *cfg, int idx)
{
    const struct tm__config_var *var = &vars[idx];
    const char *v = getenv(var->name);
    size_t n;

    if (v == NULL || *v == '\0')
        return 0;
    n = strnlen(v, var->max + 1);
    if (n > var->max) {
        if (cfg->too_long == NULL)
            cfg->too_long = var;
        return 0;
    }
    memcpy((char *)cfg + var->offset, v, n + 1);
    return 1;
}

void tm__config_from_env(struct tm__config *cfg)
{
    const char *v;

    if (!env_str(cfg, TM__VAR_dir) && cfg->too_long == NULL) {
        tm__strlcpy(cfg->dir, TM_DEFAULT_DIR, sizeof(cfg->dir));
        cfg->dir_is_default = 1;
    }
    env_str(cfg, TM__VAR_repo);
    env_str(cfg, TM__VAR_agent);
    cfg->capture = TM_CAPTURE_SIGNIFICANT;
    v = getenv("TELEMETRY_CAPTURE");
    if (v != NULL && *v != '\0' && tm__capture_parse(v, &cfg->capture) != 0)
        cfg->capture_invalid = 1;
    cfg->disable = env_flag("TELEMETRY_DISABLE");
    cfg->debug = env_flag("TELEMETRY_DEBUG");
    v = getenv("TELEMETRY_BACKTRACE");
    cfg->backtrace = !(v != NULL && strcmp(v, "0") == 0);
    v = getenv("TELEMETRY_STACK");
    cfg->stack = !(v != NULL && strcmp(v, "0") == 0);
    cfg->max_events = (long)env_num("TELEMETRY_MAX_EVENTS",
                                    TM_DEFAULT_MAX_EVENTS, 0);
    cfg->max_bytes = env_num("TELEMETRY_MAX_BYTES", TM_DEFAULT_MAX_BYTES, 4096);
    env_str(cfg, TM__VAR_context_keys);
    env_str(cfg, TM__VAR_private_repos);
    v = getenv("TELEMETRY_HASH_REPOS");
    cfg->hash_all = v != NULL && strcmp(v, "all") == 0;
    cfg->has_hash_key = env_str(cfg, TM__VAR_hash_key);
    env_str(cfg, TM__VAR_shim);
    v = getenv("TELEMETRY_RUN_ID");
    if (v != NULL && *v != '\0') {
        if (tm__run_id_valid(v))
            memcpy(cfg->run_id, v, TM_RUN_ID_LEN + 1);
        else
            cfg->run_invalid = 1; /* ignored: events carry no run */
    }
}

_Static_assert(sizeof(((struct tm__config *)0)->run_id) == TM_RUN_ID_LEN + 1,
               "run_id holds one run id");
