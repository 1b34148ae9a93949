/*
 * evidence.c - path classes and top frames (see evidence.h).
 */
#include "evidence.h"

#include <string.h>

#include "config.h"
#include "pathfacts.h"
#include "strutil.h"

static const char *const class_names[] = {
#define TM__PC_NAME(name) #name,
    TM_PATH_CLASS_MAP(TM__PC_NAME)
#undef TM__PC_NAME
};

const char *tm__path_class_name(enum tm__path_class pc)
{
    return class_names[pc];
}

/* Both compare the first byte before they measure a word: a summary asks
 * this of most events. */
static int starts(const char *p, size_t n, const char *pre)
{
    size_t k;

    if (n == 0 || p[0] != pre[0])
        return 0;
    k = strlen(pre);
    return n >= k && memcmp(p, pre, k) == 0;
}

static int ext_in(const char *ext, size_t n, const char *const *list)
{
    for (int i = 0; n > 0 && list[i]; i++)
        if (list[i][0] == ext[0] && strlen(list[i]) == n && memcmp(ext, list[i], n) == 0)
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

/* Where ":<line> in " starts in a stack entry, or NULL. */
static const char *line_mark(const char *e)
{
    for (const char *p = strchr(e, ':'); p != NULL; p = strchr(p + 1, ':')) {
        const char *q = p + 1;

        if (!tm__is_digit((unsigned char)*q))
            continue;
        while (tm__is_digit((unsigned char)*q))
            q++;
        if (strncmp(q, " in ", 4) == 0)
            return p;
    }
    return NULL;
}

static int own_code(const char *file, size_t n)
{
    static const char *const installed[] = {"site-packages/", "dist-packages/"};

    if (n == 0 || file[0] == '/' || file[0] == '<' || file[0] == '~' ||
        (n >= 3 && memcmp(file, "../", 3) == 0))
        return 0;
    for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]); i++)
        if (memmem(file, n, installed[i], strlen(installed[i])) != NULL)
            return 0;
    return 1;
}

const char *tm__stack_culprit(const char *const *stack, int n)
{
    for (int i = 0; i < n; i++) {
        const char *mark = line_mark(stack[i]);

        if (mark != NULL && own_code(stack[i], (size_t)(mark - stack[i])))
            return stack[i];
    }
    return NULL;
}

size_t tm__culprit_key(const char *entry, char *out, size_t cap)
{
    const char *mark = line_mark(entry), *in;
    struct tm__buf b = {out, cap, 0};

    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (mark == NULL) {
        tm__buf_put(&b, entry);
        return b.len;
    }
    in = strstr(mark, " in ");
    tm__buf_putn(&b, entry, (size_t)(mark - entry));
    tm__buf_put(&b, in);
    return b.len;
}

void tm__culprit(const char *const *stack, int nstack,
                 const char *const *frames, int nframes, char *out, size_t cap)
{
    const char *c = tm__stack_culprit(stack, nstack);

    if (cap == 0)
        return;
    if (c != NULL)
        tm__strlcpy(out, c, cap);
    else
        tm__top_frame(frames, nframes, out, cap);
}
