/*
 * sodium.c - the few libsodium functions core/record/hash.c uses, forwarded to
 * libsodium loaded with dlopen(RTLD_LOCAL) on first need; random bytes are
 * this file's own (no descriptor kept, see below).  The shim links
 * these instead of -lsodium, so it adds no load-time dependency and no
 * symbol to the host's scope.  Only reached from the shim's one-time heavy
 * initialization (private repos), never from a failure path.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sodium.h> /* the prototypes these definitions must match */

static void *lib;

static void *sym(const char *name)
{
    if (lib == NULL)
        lib = dlopen("libsodium.so.23", RTLD_LAZY | RTLD_LOCAL);
    return lib ? dlsym(lib, name) : NULL;
}

/* Random bytes without a kept descriptor: getrandom(2), or where it is
 * refused (old kernels, seccomp sandboxes) /dev/urandom opened, read and
 * closed each time.  libsodium's own generator would keep /dev/urandom
 * open for the life of the process in that case.  Returns 0, or -1 when
 * neither gave n bytes. */
static int draw(void *const buf, const size_t n)
{
    unsigned char *p = buf;
    size_t got = 0;
    int fd = -1;

    while (got < n) {
        long r = syscall(SYS_getrandom, p + got, n - got, 0);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    if (got < n &&
        (fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/urandom",
                           O_RDONLY | O_CLOEXEC | O_NOCTTY, 0)) >= 0) {
        while (got < n) {
            long r = syscall(SYS_read, fd, p + got, n - got);
            if (r > 0)
                got += (size_t)r;
            else if (!(r < 0 && errno == EINTR))
                break;
        }
        syscall(SYS_close, fd);
    }
    return got == n ? 0 : -1;
}

static int broken; /* a draw failed: sodium_init() fails from now on */

void randombytes_buf(void *const buf, const size_t n)
{
    if (draw(buf, n) != 0) {
        memset(buf, 0, n);
        __atomic_store_n(&broken, 1, __ATOMIC_RELAXED);
    }
}

uint32_t randombytes_random(void)
{
    uint32_t v;

    randombytes_buf(&v, sizeof(v));
    return v;
}

static const char *impl_name(void)
{
    return "agent-telemetry";
}

static randombytes_implementation impl = {impl_name, randombytes_random, NULL,
                                          NULL, randombytes_buf, NULL};

/* libsodium gets the generator above before it initializes (it would stir
 * its own, which keeps a descriptor where getrandom is refused). */
int sodium_init(void)
{
    int (*set)(randombytes_implementation *);
    int (*fn)(void);

    unsigned char probe[16];

    /* No randomness, no key: the caller then records nothing rather than
     * hash private names with a guessable key. */
    if (__atomic_load_n(&broken, __ATOMIC_RELAXED) ||
        draw(probe, sizeof(probe)) != 0)
        return -1;
    *(void **)&set = sym("randombytes_set_implementation");
    *(void **)&fn = sym("sodium_init");
    if (set == NULL || fn == NULL || set(&impl) != 0)
        return -1;
    return fn();
}

int crypto_generichash(unsigned char *out, size_t outlen,
                       const unsigned char *in, unsigned long long inlen,
                       const unsigned char *key, size_t keylen)
{
    int (*fn)(unsigned char *, size_t, const unsigned char *,
              unsigned long long, const unsigned char *, size_t);
    *(void **)&fn = sym("crypto_generichash");
    return fn ? fn(out, outlen, in, inlen, key, keylen) : -1;
}

int crypto_shorthash(unsigned char *out, const unsigned char *in,
                     unsigned long long inlen, const unsigned char *k)
{
    int (*fn)(unsigned char *, const unsigned char *, unsigned long long,
              const unsigned char *);
    *(void **)&fn = sym("crypto_shorthash");
    return fn ? fn(out, in, inlen, k) : -1;
}

void sodium_memzero(void *const p, const size_t n)
{
    volatile unsigned char *v = p;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}
