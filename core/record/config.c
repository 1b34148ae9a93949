/*
 * config.c - environment configuration (see config.h).
 */
#include "config.h"
#include "event.h"
#include "start.h"

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

#define TM__PREFIX "TELEMETRY_"

/* Every string variable, once: name and field (its buffer's size is the
 * limit).  TELEMETRY_DIR first: when it is too long, the default must not
 * take its place. */
#define TM_CONFIG_STRINGS(X)                                                   \
    X(DIR, dir)                                                                \
    X(REPO, repo)                                                              \
    X(AGENT, agent)                                                            \
    X(CONTEXT_KEYS, context_keys)                                              \
    X(PRIVATE_REPOS, private_repos)                                            \
    X(HASH_KEY, hash_key)                                                      \
    X(SHIM, shim)

/* The other variables (the names after TELEMETRY_). */
#define TM_CONFIG_OTHERS(X)                                                    \
    X(CAPTURE) X(DISABLE) X(DEBUG) X(BACKTRACE) X(STACK) X(MAX_EVENTS)         \
    X(MAX_BYTES) X(HASH_REPOS) X(RUN_ID)

/* Every variable read, the string ones first (an index of one is its
 * index here): one pass over the environment finds them all, instead of
 * one getenv (a pass each) per variable, in every process the shim starts
 * in. */
enum {
#define TM__ENV_STR(name, field) TM__ENV_##name,
#define TM__ENV_IDX(name) TM__ENV_##name,
    TM_CONFIG_STRINGS(TM__ENV_STR)
    TM_CONFIG_OTHERS(TM__ENV_IDX)
#undef TM__ENV_STR
#undef TM__ENV_IDX
    TM__ENV_N
};

/* The names, one array of characters (no pointer to relocate). */
static const char prefix[] TM_START_CONST = TM__PREFIX;
static const char default_dir[] TM_START_CONST = TM_DEFAULT_DIR;
static const char env_names[] TM_START_CONST =
#define TM__ENV_STR(name, field) #name "\0"
#define TM__ENV_NAME(name) #name "\0"
    TM_CONFIG_STRINGS(TM__ENV_STR)
    TM_CONFIG_OTHERS(TM__ENV_NAME)
#undef TM__ENV_STR
#undef TM__ENV_NAME
    ;

/* val[i]: the value of TELEMETRY_<name i>, the first one as getenv would
 * find it, or NULL. */
static void env_scan(const char *val[TM__ENV_N])
{
    extern char **environ;

    for (int i = 0; i < TM__ENV_N; i++)
        val[i] = NULL;
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        const char *s = *e, *n = env_names;
        size_t k;

        for (k = 0; k < sizeof(prefix) - 1 && s[k] == prefix[k]; k++)
            ;
        if (k < sizeof(prefix) - 1)
            continue;
        s += k;
        for (int i = 0; i < TM__ENV_N; i++) {
            size_t j = 0;

            while (n[j] != '\0' && s[j] == n[j])
                j++;
            if (n[j] == '\0' && s[j] == '=') {
                if (val[i] == NULL)
                    val[i] = s + j + 1;
                break;
            }
            while (n[j] != '\0')
                j++;
            n += j + 1;
        }
    }
}

TM_START_TEXT static int env_flag(const char *v)
{
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 ||
                         strcmp(v, "yes") == 0);
}

TM_START_TEXT static long long env_num(const char *v, long long def, long long min)
{
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

enum {
#define TM__VAR_IDX(name, field) TM__VAR_##field = TM__ENV_##name,
    TM_CONFIG_STRINGS(TM__VAR_IDX)
#undef TM__VAR_IDX
    TM__NVARS
};

static const struct tm__config_var vars[TM__NVARS] = {
#define TM__VAR_ROW(name, field)                                               \
    {TM__PREFIX #name, offsetof(struct tm__config, field),                     \
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
TM_START_TEXT static int env_str(struct tm__config *cfg, int idx, const char *val[TM__ENV_N])
{
    const struct tm__config_var *var = &vars[idx];
    const char *v = val[idx];
    size_t n;

    if (v == NULL || *v == '\0')
        return 0;
    n = tm__start_nlen(v, var->max + 1);
    if (n > var->max) {
        if (cfg->too_long == NULL)
            cfg->too_long = var;
        return 0;
    }
    tm__start_copy((char *)cfg + var->offset, v, n + 1);
    return 1;
}

TM_START_TEXT void tm__config_from_env(struct tm__config *cfg)
{
    const char *val[TM__ENV_N], *v;

    env_scan(val);
#define ENV(name) val[TM__ENV_##name]
    if (!env_str(cfg, TM__VAR_dir, val) && cfg->too_long == NULL) {
        _Static_assert(sizeof(default_dir) <= sizeof(cfg->dir), "TM_DEFAULT_DIR fits");
        tm__start_copy(cfg->dir, default_dir, sizeof(default_dir));
        cfg->dir_is_default = 1;
    }
    env_str(cfg, TM__VAR_repo, val);
    env_str(cfg, TM__VAR_agent, val);
    cfg->capture = TM_CAPTURE_SIGNIFICANT;
    v = ENV(CAPTURE);
    if (v != NULL && *v != '\0' && tm__capture_parse(v, &cfg->capture) != 0)
        cfg->capture_invalid = 1;
    cfg->disable = env_flag(ENV(DISABLE));
    cfg->debug = env_flag(ENV(DEBUG));
    v = ENV(BACKTRACE);
    cfg->backtrace = !(v != NULL && strcmp(v, "0") == 0);
    v = ENV(STACK);
    cfg->stack = !(v != NULL && strcmp(v, "0") == 0);
    cfg->max_events = (long)env_num(ENV(MAX_EVENTS), TM_DEFAULT_MAX_EVENTS, 0);
    cfg->max_bytes = env_num(ENV(MAX_BYTES), TM_DEFAULT_MAX_BYTES, 4096);
    env_str(cfg, TM__VAR_context_keys, val);
    env_str(cfg, TM__VAR_private_repos, val);
    v = ENV(HASH_REPOS);
    cfg->hash_all = v != NULL && strcmp(v, "all") == 0;
    cfg->has_hash_key = env_str(cfg, TM__VAR_hash_key, val);
    env_str(cfg, TM__VAR_shim, val);
    v = ENV(RUN_ID);
    if (v != NULL && *v != '\0') {
        if (tm__run_id_valid(v))
            memcpy(cfg->run_id, v, TM_RUN_ID_LEN + 1);
        else
            cfg->run_invalid = 1; /* ignored: events carry no run */
    }
#undef ENV
}

_Static_assert(sizeof(((struct tm__config *)0)->run_id) == TM_RUN_ID_LEN + 1,
               "run_id holds one run id");
