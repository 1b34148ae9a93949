/*
 * ctorthread.c - a library whose constructor, run by dlopen (which holds
 * the loader's lock), starts a thread that calls open and waits for it
 * (tests/integration/next.sh: a wrapper that asked dlsym for its real
 * function then would wait for that lock for ever).
 */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static void *opener(void *arg)
{
    int fd = open("/nonexistent/ctorthread", O_RDONLY);

    (void)arg;
    if (fd >= 0)
        close(fd);
    return NULL;
}

__attribute__((constructor)) static void start_and_wait(void)
{
    pthread_t t;

    if (pthread_create(&t, NULL, opener, NULL) == 0)
        pthread_join(t, NULL);
}
