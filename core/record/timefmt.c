/*
 * timefmt.c - UTC timestamp formatting and parsing (see timefmt.h).
 */
#include "timefmt.h"

#include <string.h>
#include <time.h>

#include "telemetry.h"

int64_t tm__days_from_civil(int64_t y, int m, int d)
{
    /* Shift the year to start in March so the leap day comes last. */
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static void put_num(char *out, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

int tm__ts_format(int64_t sec, long usec, char out[TM_TS_SIZE])
{
    int64_t days = sec / 86400, rem = sec % 86400, y;
    int m, d;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    put_num(out, y, 4);
    out[4] = '-';
    put_num(out + 5, m, 2);
    out[7] = '-';
    put_num(out + 8, d, 2);
    out[10] = 'T';
    put_num(out + 11, rem / 3600, 2);
    out[13] = ':';
    put_num(out + 14, rem / 60 % 60, 2);
    out[16] = ':';
    put_num(out + 17, rem % 60, 2);
    out[19] = '.';
    put_num(out + 20, usec, 6);
    out[26] = 'Z';
    out[27] = '\0';
    return 27;
}

void tm__ts_now(char out[TM_TS_SIZE])
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    tm__ts_format((int64_t)ts.tv_sec, ts.tv_nsec / 1000, out);
}

/* Reads exactly `width` digits; returns -1 when they are not digits. */
static long digits(const char *s, int width)
{
    long v = 0;

    for (int i = 0; i < width; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int parse_duration(const char *s, int64_t now, char out[TM_TS_SIZE])
{
    int64_t n = 0, unit;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return TM_ETIME;
    while (*p >= '0' && *p <= '9') {
        if (n > 100000000)
            return TM_ETIME;
        n = n * 10 + (*p++ - '0');
    }
    switch (*p) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return TM_ETIME;
    }
    if (p[1] != '\0')
        return TM_ETIME;
    tm__ts_format(now - n * unit, 0, out);
    return 0;
}

static int parse_iso(const char *s, char out[TM_TS_SIZE], int64_t *epoch)
{
    size_t n = strlen(s);
    long y, mo, d, h = 0, mi = 0, se = 0, us = 0;
    const char *p;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (n < 10 || s[4] != '-' || s[7] != '-')
        return TM_ETIME;
    y = digits(s, 4);
    mo = digits(s + 5, 2);
    d = digits(s + 8, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return TM_ETIME;
    p = s + 10;
    if (*p == 'T' || *p == ' ') {
        h = digits(p + 1, 2);
        if (h < 0 || h > 23 || p[3] != ':')
            return TM_ETIME;
        mi = digits(p + 4, 2);
        if (mi < 0 || mi > 59)
            return TM_ETIME;
        p += 6;
        if (*p == ':') {
            se = digits(p + 1, 2);
            if (se < 0 || se > 60)
                return TM_ETIME;
            p += 3;
            if (*p == '.') {
                long scale = 100000;
                p++;
                if (*p < '0' || *p > '9')
                    return TM_ETIME;
                while (*p >= '0' && *p <= '9') {
                    us += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
    }
    *epoch = tm__days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 +
             mi * 60 + se;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && p > s + 10) {
        /* a UTC offset after a time: +hh:mm, +hhmm or +hh (the local time
         * minus the offset is UTC) */
        int sign = *p == '+' ? 1 : -1;
        long oh = digits(p + 1, 2), om = 0;

        /* digits() stops at the first byte that is not one, the NUL
         * included: p moves only over what it read */
        if (oh < 0 || oh > 23)
            return TM_ETIME;
        p += 3;
        if (*p == ':') {
            if ((om = digits(p + 1, 2)) < 0)
                return TM_ETIME;
            p += 3;
        } else if (*p != '\0') {
            if ((om = digits(p, 2)) < 0)
                return TM_ETIME;
            p += 2;
        }
        if (om > 59)
            return TM_ETIME;
        *epoch -= sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return TM_ETIME;
    if (out != NULL)
        tm__ts_format(*epoch, us, out);
    return 0;
}

int tm__ts_epoch(const char *ts, int64_t *sec)
{
    if (ts == NULL || strlen(ts) < 10 || ts[4] != '-')
        return TM_ETIME;
    return parse_iso(ts, NULL, sec);
}

void tm__ts_ago(int64_t sec, int64_t now, char *out, size_t cap)
{
    static const struct {
        int64_t size;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    int64_t d = now - sec;
    char num[24];
    size_t k;

    if (cap < 24)
        return;
    if (d < 0) {
        memcpy(out, "in the future", 14);
        return;
    }
    if (d < 2) {
        memcpy(out, "just now", 9);
        return;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (d < units[i].size)
            continue;
        k = 0;
        d /= units[i].size;
        do {
            num[k++] = (char)('0' + d % 10);
            d /= 10;
        } while (d > 0 && k < 20);
        for (size_t j = 0; j < k; j++)
            out[j] = num[k - 1 - j];
        out[k] = units[i].unit;
        memcpy(out + k + 1, " ago", 5);
        return;
    }
}

int tm__ts_parse_bound(const char *s, int64_t now, char out[TM_TS_SIZE])
{
    if (s == NULL || *s == '\0')
        return TM_ETIME;
    if (strlen(s) >= 10 && s[4] == '-') {
        int64_t epoch;
        return parse_iso(s, out, &epoch);
    }
    return parse_duration(s, now, out);
}
