/* dlo.c - dlopen(argv[1]) and say whether it worked (tests/integration/next.sh). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL;

    printf("dlopen %s\n", h ? "ok" : "failed");
    return h ? 0 : 1;
}
