/* Worst case for the success path: 1,000,000 open+close of /dev/null and
 * 1,000,000 writes of 64 bytes to /dev/null.  Prints nanoseconds per call
 * of each loop. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(void)
{
    enum { N = 1000000 };
    char buf[64] = {0};
    double t0, t1, t2;
    int fd;

    t0 = now();
    for (int i = 0; i < N; i++)
        close(open("/dev/null", O_RDONLY));
    t1 = now();
    fd = open("/dev/null", O_WRONLY);
    for (int i = 0; i < N; i++)
        if (write(fd, buf, sizeof(buf)) != sizeof(buf))
            return 1;
    t2 = now();
    close(fd);
    printf("%.2f %.2f\n", (t1 - t0) / N, (t2 - t1) / N);
    return 0;
}
