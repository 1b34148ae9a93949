/* Failure path: N failing opens of one kind.  "probe": ENOENT outside the
 * workspace (kept in the ring, not written); "recorded": ENOENT on distinct
 * files of the workspace (each written); "repeated": one missing file of
 * the workspace again and again (3 written, the rest counted); "search":
 * what a compiler does, run as a program named cc1 - a header name tried
 * under six directories, three of the work tree and three of the system
 * (probes, grouped as searches); "tree": ENOENT under 64 directories of
 * the work tree's dot-folder and 64 directories of no work tree (a
 * work-tree lookup each, from the cache after the first).  Prints nanoseconds per
 * call. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = (int)strtol(argv[2], NULL, 10);
    int probe = strcmp(argv[1], "probe") == 0;
    int repeated = strcmp(argv[1], "repeated") == 0;
    int search = strcmp(argv[1], "search") == 0;
    int tree = strcmp(argv[1], "tree") == 0;
    static const char *const dirs[] = {"inc", "lib/inc", "src", "/usr/local/include",
                                       "/usr/include/x86_64-linux-gnu", "/usr/include"};
    char path[128];
    struct timespec a, b;

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        if (search)
            snprintf(path, sizeof(path), "%s/h%d.h", dirs[i % 6], (i / 6) & 1023);
        else if (tree)
            snprintf(path, sizeof(path), (i & 1) ? ".cache/d%d/x" : "/nonexistent/d%d/x",
                     (i >> 1) & 63);
        else if (probe)
            snprintf(path, sizeof(path), "/nonexistent/probe-%d", i & 1023);
        else
            snprintf(path, sizeof(path), "missing/recorded-%d.txt",
                     repeated ? 0 : i);
        if (open(path, O_RDONLY) >= 0)
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
    return 0;
}
