/* faults PATH...: fails an open of each PATH (each missing) and prints the
 * page faults the process took meanwhile (its own count, getrusage): the
 * pages the shim's failure path touches for the first time in a process
 * (README "Performance"). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct rusage a, b;

    getrusage(RUSAGE_SELF, &a);
    for (int i = 1; i < argc; i++)
        close(open(argv[i], O_RDONLY));
    getrusage(RUSAGE_SELF, &b);
    printf("%ld\n", (b.ru_minflt + b.ru_majflt) - (a.ru_minflt + a.ru_majflt));
    return 0;
}
