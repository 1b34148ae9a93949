/*
 * cli_shim.c - where the shim is, for `run` and `doctor`.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* dir + "/" + rel into out; returns 0, or -1 when it does not fit. */
int cli_join_path(char *out, size_t cap, const char *dir, const char *rel)
{
    size_t a = strlen(dir), b = strlen(rel);

    if (a + 1 + b + 1 > cap)
        return -1;
    memcpy(out, dir, a);
    out[a] = '/';
    memcpy(out + a + 1, rel, b + 1);
    return 0;
}

static int try_path(char *out, size_t cap, const char *dir, const char *rel)
{
    return cli_join_path(out, cap, dir, rel) == 0 && access(out, R_OK) == 0 ? 0 : -1;
}

/* The shim: TELEMETRY_SHIM, else next to this binary, else in the install
 * prefix (../lib from the binary).  Writes an absolute path. */
int cli_find_shim(const struct tm__config *cfg, char *out, size_t cap)
{
    char exe[PATH_MAX], *slash;
    ssize_t n;

    if (cfg->shim[0]) {
        if (realpath(cfg->shim, exe) == NULL || tm__strlcpy(out, exe, cap) != 0)
            return -1;
        return access(out, R_OK);
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    if ((slash = strrchr(exe, '/')) == NULL)
        return -1;
    *slash = '\0';
    if (try_path(out, cap, exe, CLI_SHIM_NAME) == 0 ||
        try_path(out, cap, exe, "../lib/" CLI_SHIM_NAME) == 0 ||
        try_path(out, cap, exe, "../lib/x86_64-linux-gnu/" CLI_SHIM_NAME) == 0)
        return 0;
    return -1;
}

