/*
 * sodium.c - the few libsodium functions core/src/hash.c uses, forwarded to
 * libsodium loaded with dlopen(RTLD_LOCAL) on first need.  The shim links
 * these instead of -lsodium, so it adds no load-time dependency and no
 * symbol to the host's scope.  Only reached from the shim's one-time heavy
 * initialization (private repos), never from a failure path.
 */
#include <dlfcn.h>
#include <sodium.h> /* the prototypes these definitions must match */

static void *lib;

static void *sym(const char *name)
{
    if (lib == NULL)
        lib = dlopen("libsodium.so.23", RTLD_LAZY | RTLD_LOCAL);
    return lib ? dlsym(lib, name) : NULL;
}

int sodium_init(void)
{
    int (*fn)(void);
    *(void **)&fn = sym("sodium_init");
    return fn ? fn() : -1;
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

/* Reached only after sodium_init() succeeded, so the library is loaded. */
void randombytes_buf(void *const buf, const size_t n)
{
    void (*fn)(void *, size_t);
    *(void **)&fn = sym("randombytes_buf");
    if (fn)
        fn(buf, n);
}

uint32_t randombytes_random(void)
{
    uint32_t (*fn)(void);
    *(void **)&fn = sym("randombytes_random");
    return fn ? fn() : 0;
}

void sodium_memzero(void *const p, const size_t n)
{
    volatile unsigned char *v = p;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}
