/*
 * when.c - stored times as people read them (README "Times"): the local
 * time of TZ with its UTC offset.
 */
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "timefmt.h"

size_t cli_when(const char *stored, char *out, size_t cap)
{
    struct tm lt;
    int64_t sec;
    time_t t;
    long off;
    size_t n;

    if (cap < CLI_WHEN_SIZE)
        return 0;
    if (stored == NULL || tm__ts_epoch(stored, &sec) != 0) {
        out[0] = '\0';
        return 0;
    }
    t = (time_t)sec;
    if (localtime_r(&t, &lt) == NULL ||
        (n = strftime(out, cap, "%Y-%m-%d %H:%M:%S", &lt)) == 0) {
        out[0] = '\0';
        return 0;
    }
    off = lt.tm_gmtoff;
    n += (size_t)snprintf(out + n, cap - n, "%c%02ld:%02ld",
                          off < 0 ? '-' : '+', (off < 0 ? -off : off) / 3600,
                          (off < 0 ? -off : off) / 60 % 60);
    return n < cap ? n : cap - 1;
}
