/* Process start: spawns /bin/true (or PROG ARG...) N times (environment
 * inherited, so an LD_PRELOAD set by the caller applies to every child);
 * every child must exit 0.  Prints microseconds per spawn.
 * Usage: spawn [N [PROG ARG...]] */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv)
{
    int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2000;
    char *deflt[] = {"/bin/true", NULL};
    char **args = argc > 2 ? argv + 2 : deflt;
    struct timespec a, b;

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        pid_t pid;
        int st;
        if (posix_spawn(&pid, args[0], NULL, NULL, args, environ) != 0 ||
            waitpid(pid, &st, 0) != pid || st != 0)
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
    return 0;
}
