/*
 * pathfacts.c - what a path says by its shape (pathfacts.h).
 */
#include "pathfacts.h"

#include <string.h>

static const struct {
    const char *name;
    unsigned roles;
} folders[] = {
#define TM__FOLDER_ROW(name, roles, why) {name, roles},
    TM_FOLDER_MAP(TM__FOLDER_ROW)
#undef TM__FOLDER_ROW
};

/* The end of the segment that starts at s (its '/' or end). */
static const char *segment_end(const char *s, const char *end)
{
    const char *slash = memchr(s, '/', (size_t)(end - s));
    return slash != NULL ? slash : end;
}

int tm__path_has_segment(const char *p, size_t n, const char *seg)
{
    size_t k = strlen(seg);
    const char *end = p + n;

    /* one segment at a time: a length to compare, and the bytes only when
     * it is the same (memmem at every candidate cost more) */
    for (const char *s = p; k > 0; s++) {
        const char *e = segment_end(s, end);
        if ((size_t)(e - s) == k && memcmp(s, seg, k) == 0)
            return 1;
        if (e == end)
            break;
        s = e;
    }
    return 0;
}

enum tm__lock_kind tm__path_lock(const char *p, size_t n)
{
    static const char suffix[] = ".lock";
    const size_t k = sizeof(suffix) - 1;
    const char *base = p + n;

    while (base > p && base[-1] != '/')
        base--;
    if ((size_t)(p + n - base) < k || memcmp(p + n - k, suffix, k) != 0)
        return TM_LOCK_NONE;
    return tm__path_has_segment(p, n, ".git") ? TM_LOCK_GIT : TM_LOCK_OTHER;
}

int tm__path_in_folder(const char *p, size_t n, unsigned roles)
{
    static const unsigned char len[] = {
#define TM__FOLDER_LEN(name, roles, why) sizeof(name) - 1,
        TM_FOLDER_MAP(TM__FOLDER_LEN)
#undef TM__FOLDER_LEN
    };
    const char *end = p + n;

    for (const char *s = p;; s++) {
        const char *e = segment_end(s, end);
        for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
            if ((size_t)(e - s) == len[i] && (folders[i].roles & roles) != 0 &&
                memcmp(s, folders[i].name, len[i]) == 0)
                return 1;
        if (e == end)
            return 0;
        s = e;
    }
}
