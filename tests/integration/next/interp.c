/*
 * interp.c - an interposing library loaded after the shim
 * (tests/integration/next.sh): its open and rename say so on stderr, then
 * call the next definition.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

int open(const char *path, int flags, ...)
{
    int (*next)(const char *, int, ...) =
        (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    int mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    if (write(2, "interp: open\n", 13) < 0)
        return -1;
    return next(path, flags, mode);
}

int rename(const char *a, const char *b)
{
    int (*next)(const char *, const char *) =
        (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");

    if (write(2, "interp: rename\n", 15) < 0)
        return -1;
    return next(a, b);
}
