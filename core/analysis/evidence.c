/*
 * evidence.c - path classes and top frames (see evidence.h).
 */
#include "evidence.h"

#include <string.h>

#include "pathfacts.h"

static const char *const class_names[] = {
#define TM__PC_NAME(name) #name,
    TM_PATH_CLASS_MAP(TM__PC_NAME)
#undef TM__PC_NAME
};

const char *tm__path_class_name(enum tm__path_class pc)
{
    return class_names[pc];
}

static int starts(const char *p, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && memcmp(p, pre, k) == 0;
}

static int ext_in(const char *ext, size_t n, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strlen(list[i]) == n && memcmp(ext, list[i], n) == 0)
            return 1;
    return 0;
}

enum tm__path_class tm__path_class(const char *p, size_t n)
{
    static const char *const sys[] = {"/usr/", "/etc/", "/lib/", "/lib64/",
                                      "/bin/", "/sbin/", "/proc/", "/sys/",
                                      "/dev/", "/opt/", "/var/", "/boot/", NULL};
    static const char *const src_ext[] = {
        "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "c", "h", "cc", "cpp",
        "hpp", "go", "rs", "java", "kt", "rb", "php", "sh", "swift", "cs",
        "scala", "lua", "pl", "ipynb", NULL};
    static const char *const cfg_ext[] = {
        "yaml", "yml", "toml", "ini", "cfg", "conf", "json", "env",
        "properties", "xml", "rc", NULL};
    const char *base, *dot;
    size_t blen;

    if (n == 0)
        return TM_PC_none;
    base = p + n;
    while (base > p && base[-1] != '/')
        base--;
    blen = (size_t)(p + n - base);
    switch (tm__path_lock(p, n)) {
    case TM_LOCK_GIT: return TM_PC_git_lock;
    case TM_LOCK_OTHER: return TM_PC_lock;
    case TM_LOCK_NONE: break;
    }
    if (tm__path_has_segment(p, n, ".git"))
        return TM_PC_git;
    if (tm__path_in_folder(p, n, TM_DIR_DEPENDENCY))
        return TM_PC_dependency;
    if (starts(p, n, "/tmp/") || starts(p, n, "/var/tmp/") ||
        starts(p, n, "/dev/shm/") || tm__path_has_segment(p, n, "tmp") ||
        tm__path_has_segment(p, n, "temp"))
        return TM_PC_temp;
    for (int i = 0; sys[i]; i++)
        if (starts(p, n, sys[i]))
            return TM_PC_system;
    dot = memrchr(base, '.', blen);
    if (dot != NULL && dot > base) { /* an extension, not a dotfile */
        size_t elen = (size_t)(p + n - dot - 1);
        if (ext_in(dot + 1, elen, src_ext))
            return TM_PC_source;
        if (ext_in(dot + 1, elen, cfg_ext))
            return TM_PC_config;
    }
    if (base[0] == '.' || tm__path_has_segment(p, n, "config") ||
        tm__path_has_segment(p, n, ".config") || starts(base, blen, "Makefile") ||
        starts(base, blen, "Dockerfile"))
        return TM_PC_config;
    return TM_PC_data;
}

size_t tm__message_path(const char *msg, const char **path)
{
    for (const char *q = msg; (q = strpbrk(q, "'\"")) != NULL;) {
        const char *end = strchr(q + 1, *q);
        size_t n;

        if (end == NULL)
            return 0;
        n = (size_t)(end - q - 1);
        if (n > 0 && (memchr(q + 1, '/', n) != NULL || memchr(q + 1, '.', n))) {
            *path = q + 1;
            return n;
        }
        q = end + 1;
    }
    return 0;
}

static int runtime_module(const char *m, size_t n)
{
    static const char *const prefixes[] = {
        "libc.so", "libc-", "ld-linux", "libpthread", "libdl", "libm.so",
        "libpython", "libstdc++", "libgcc_s", "libnode", "libuv", "node",
        "python", "libtelemetry", "?", NULL};

    for (int i = 0; prefixes[i]; i++)
        if (n >= strlen(prefixes[i]) &&
            memcmp(m, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

void tm__top_frame(const char *const *frames, int n, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *f = frames[i], *plus = strstr(f, "+0x"), *bang = strchr(f, '!');
        size_t mlen = bang && (!plus || bang < plus) ? (size_t)(bang - f)
                      : plus ? (size_t)(plus - f) : strlen(f);
        size_t len = plus ? (size_t)(plus - f) : strlen(f);

        if (runtime_module(f, mlen))
            continue;
        if (len >= cap)
            len = cap - 1;
        memcpy(out, f, len);
        out[len] = '\0';
        return;
    }
}
