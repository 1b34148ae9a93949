/* Fuzz harness: the scrubber.  Any input: no crash, no out-of-bounds
 * access, bounded output, and a second pass never takes a marker apart.
 * (A second pass may redact more: a validator that rejected a candidate
 * for its neighbour can accept it once the neighbour became a marker; the
 * scan resumes after a rejected candidate, which keeps it linear.  The
 * unit tests check exact idempotence on the fixture cases.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

static size_t count(const char *s, const char *lit)
{
    size_t n = 0;

    for (const char *p = s; (p = strstr(p, lit)) != NULL; p += strlen(lit))
        n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *once, *twice;

    if (size > 70000)
        return 0;
    once = tm__scrub_dup((const char *)data, size);
    if (once == NULL)
        return 0;
    if (strlen(once) > TM_SCRUB_OUT_SIZE(size))
        abort();
    twice = tm__scrub_dup(once, strlen(once));
    if (twice != NULL && count(twice, "***") < count(once, "***"))
        abort();
    free(once);
    free(twice);
    return 0;
}
