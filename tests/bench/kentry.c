/* What a kernel entry costs on this machine, printed at the head of every
 * `make bench` run so that its figures can be read against it: a bare
 * system call (getppid), a file-system one (fstat of an open file, an open
 * of a missing file), and whether pages touched after a kernel entry cost
 * more than before it (a TLB emptied by each entry).  Each figure is the
 * best of 5 passes of N calls.  Prints one line of "name=ns" pairs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGES 16
#define PASSES 5

enum { TOUCH, BARE, BOTH, FSTAT, MISSING, NMODES };

static volatile unsigned char sink;

static double now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

/* One of PAGES pages, each at another cache line. */
static void touch(const unsigned char *p)
{
    for (int i = 0; i < PAGES; i++)
        sink += p[i * 4096 + (i * 64) % 4096];
}

static void once(int mode, const unsigned char *p, int fd)
{
    struct stat st;

    switch (mode) {
    case TOUCH:
        touch(p);
        break;
    case BARE:
        syscall(SYS_getppid);
        break;
    case BOTH:
        syscall(SYS_getppid);
        touch(p);
        break;
    case FSTAT:
        fstat(fd, &st);
        break;
    case MISSING:
        if (open("/nonexistent-kentry/x", O_RDONLY) >= 0)
            exit(1);
        break;
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    double best[NMODES];
    unsigned char *p = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd = open(argv[0], O_RDONLY);

    if (n <= 0 || p == MAP_FAILED || fd < 0)
        return 1;
    for (int i = 0; i < PAGES; i++)
        p[i * 4096 + (i * 64) % 4096] = 1;
    for (int m = 0; m < NMODES; m++)
        best[m] = 1e18;
    for (int pass = 0; pass < PASSES; pass++) {
        for (int m = 0; m < NMODES; m++) {
            double t0 = now_ns(), d;

            for (long r = 0; r < n; r++)
                once(m, p, fd);
            d = (now_ns() - t0) / (double)n;
            if (d < best[m])
                best[m] = d;
        }
    }
    printf("getppid=%.0f fstat=%.0f open_enoent=%.0f page_after_entry=%.1f\n",
           best[BARE], best[FSTAT], best[MISSING],
           (best[BOTH] - best[BARE] - best[TOUCH]) / PAGES);
    return 0;
}
