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

int tm__path_has_segment(const char *p, size_t n, const char *seg)
{
    size_t k = strlen(seg);
    const char *end = p + n;

    /* memmem finds the candidates (the probe path asks this for every
     * lookup folder): a byte-by-byte compare at every position cost more */
    for (const char *q = p; k > 0 && (size_t)(end - q) >= k;) {
        const char *hit = memmem(q, (size_t)(end - q), seg, k);
        if (hit == NULL)
            return 0;
        if ((hit == p || hit[-1] == '/') && (hit + k == end || hit[k] == '/'))
            return 1;
        q = hit + 1;
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
    for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
        if ((folders[i].roles & roles) != 0 &&
            tm__path_has_segment(p, n, folders[i].name))
            return 1;
    return 0;
}
