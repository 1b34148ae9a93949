/* Process start, configurations interleaved spawn by spawn: each round
 * spawns PROG once under each configuration (the order rotating from round
 * to round) and times that one spawn.  The VM's slow spells then fall on
 * every configuration alike, where rounds of hundreds of spawns of one
 * configuration (spawn.c) catch them on one or another.  Prints, per
 * configuration, the median over the rounds of its spawn's time minus the
 * first configuration's in the same round (us).
 * Usage: spawnmix ROUNDS PROG ARG PRELOAD...  (PRELOAD "" is no preload;
 * PROG ARG: e.g. /bin/true "" or /bin/cat /dev/null; an empty ARG is none) */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The environment without LD_PRELOAD, then LD_PRELOAD=preload (unless ""). */
static char **env_with(const char *preload, char *slot)
{
    size_t n = 0, j = 0;
    char **e;

    while (environ[n] != NULL)
        n++;
    if ((e = calloc(n + 2, sizeof(*e))) == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            e[j++] = environ[i];
    if (preload[0] != '\0') {
        snprintf(slot, 4096, "LD_PRELOAD=%s", preload);
        e[j++] = slot;
    }
    return e;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: spawnmix ROUNDS PROG ARG PRELOAD...\n");
        return 2;
    }
    long rounds = strtol(argv[1], NULL, 10);
    int k = argc - 4;
    char *args[] = {argv[2], argv[3][0] ? argv[3] : NULL, NULL};
    char **env[k], slot[k][4096];
    double *t = calloc((size_t)rounds * (size_t)k, sizeof(*t)), *d = calloc((size_t)rounds, sizeof(*d));

    if (rounds < 1 || t == NULL || d == NULL)
        return 2;
    for (int c = 0; c < k; c++)
        if ((env[c] = env_with(argv[4 + c], slot[c])) == NULL)
            return 2;
    for (long r = 0; r < rounds; r++) {
        for (int q = 0; q < k; q++) {
            int c = (int)((q + r) % k), st;
            struct timespec a, b;
            pid_t pid;

            clock_gettime(CLOCK_MONOTONIC, &a);
            if (posix_spawn(&pid, args[0], NULL, NULL, args, env[c]) != 0 ||
                waitpid(pid, &st, 0) != pid || st != 0)
                return 1;
            clock_gettime(CLOCK_MONOTONIC, &b);
            t[(size_t)c * (size_t)rounds + (size_t)r] =
                ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
        }
    }
    for (int c = 1; c < k; c++) {
        for (long r = 0; r < rounds; r++)
            d[r] = t[(size_t)c * (size_t)rounds + (size_t)r] - t[r];
        qsort(d, (size_t)rounds, sizeof(*d), by_value);
        printf("%.2f\n", d[rounds / 2]);
    }
    return 0;
}
