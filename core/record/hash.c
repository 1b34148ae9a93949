/*
 * hash.c - keyed repo hashing and fingerprints (see hash.h).
 */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dir.h"
#include "jsonw.h"
#include "strutil.h"
#include "telemetry.h"

int tm__repo_is_private(const char *name, const char *globs, int all)
{
    char pat[256];

    if (all || tm__ci_contains(name, strlen(name), "private"))
        return 1;
    while (globs != NULL && *globs != '\0') {
        const char *comma = strchr(globs, ',');
        size_t len = comma ? (size_t)(comma - globs) : strlen(globs);

        while (len > 0 && *globs == ' ') {
            globs++;
            len--;
        }
        while (len > 0 && globs[len - 1] == ' ')
            len--;
        if (len > 0 && len < sizeof(pat)) {
            memcpy(pat, globs, len);
            pat[len] = '\0';
            if (fnmatch(pat, name, 0) == 0)
                return 1;
        }
        globs = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int read_key(int dfd, unsigned char key[TM_HASH_KEY_BYTES])
{
    struct stat st;
    ssize_t got;
    /* O_NONBLOCK: a FIFO in its place must not block the open */
    int fd = openat(dfd, ".hash_key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0)
        return -1;
    /* the system call, not fstat(): that one alone would add a symbol
     * version for the loader to check in every process the shim is in */
    if (syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != tm__euid() || st.st_size != TM_HASH_KEY_BYTES) {
        close(fd);
        return -2;
    }
    got = read(fd, key, TM_HASH_KEY_BYTES);
    close(fd);
    return got == TM_HASH_KEY_BYTES ? 0 : -2;
}

static int create_key(int dfd)
{
    unsigned char key[TM_HASH_KEY_BYTES];
    char tmp[64] = ".hash_key.tmp.";
    size_t n = strlen(tmp);
    struct stat st;
    int fd, ok;

    randombytes_buf(key, sizeof(key));
    n += tm__fmt_u64(tmp + n, (uint64_t)getpid());
    tmp[n++] = '.';
    tm__fmt_hex(tmp + n, randombytes_random(), 8);
    tmp[n + 8] = '\0';
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0)
        return -1;
    /* A key made while the thread's uid was not the checked one (own.h)
     * is not linked into place, where it would refuse every later read. */
    ok = syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) == 0 &&
         st.st_uid == tm__euid() &&
         write(fd, key, sizeof(key)) == (ssize_t)sizeof(key);
    close(fd);
    /* link() fails with EEXIST when another process won the race: its key
     * is the one everybody uses. */
    if (ok && linkat(dfd, tmp, dfd, ".hash_key", 0) != 0 && errno != EEXIST)
        ok = 0;
    unlinkat(dfd, tmp, 0);
    sodium_memzero(key, sizeof(key));
    return ok ? 0 : -1;
}

int tm__hash_key_load(const char *dir, const char *env_key,
                      unsigned char key[TM_HASH_KEY_BYTES])
{
    int dfd, rc;

    if (sodium_init() < 0)
        return TM_EKEY;
    if (env_key != NULL) {
        crypto_generichash(key, TM_HASH_KEY_BYTES,
                           (const unsigned char *)env_key, strlen(env_key),
                           NULL, 0);
        return 0;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return TM_EKEY;
    rc = read_key(dfd, key);
    if (rc == -1 && create_key(dfd) == 0)
        rc = read_key(dfd, key);
    close(dfd);
    return rc == 0 ? 0 : TM_EKEY;
}

void tm__repo_hash(const unsigned char key[TM_HASH_KEY_BYTES],
                   const char *name, char out[TM_REPO_HASH_HEX + 1])
{
    unsigned char h[16];
    static const char hex[] = "0123456789abcdef";

    crypto_generichash(h, sizeof(h), (const unsigned char *)name, strlen(name),
                       key, TM_HASH_KEY_BYTES);
    for (int i = 0; i < TM_REPO_HASH_HEX / 2; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 0xf];
    }
    out[TM_REPO_HASH_HEX] = '\0';
}

uint64_t tm__hash64(const void *data, size_t n)
{
    /* A fixed, public key: fingerprints must agree across machines. */
    static const unsigned char k[crypto_shorthash_KEYBYTES] =
        "agent-telemetry!";
    unsigned char out[crypto_shorthash_BYTES];
    uint64_t v = 0;

    crypto_shorthash(out, data, n, k);
    for (size_t i = 0; i < sizeof(out); i++)
        v = (v << 8) | out[i];
    return v;
}

uint64_t tm__fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
