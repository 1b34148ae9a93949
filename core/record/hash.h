/*
 * hash.h - keyed hashing of private repository names (README "Privacy") and
 * fingerprints, with libsodium (BLAKE2b, SipHash); FNV-1a for tables.
 */
#ifndef TM_HASH_H
#define TM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define TM_HASH_KEY_BYTES 32
#define TM_REPO_HASH_HEX 12

/* Is `name` private: contains "private" (any case), matches a glob of the
 * comma-separated `globs`, or `all` is set?  Thread-safe. */
int tm__repo_is_private(const char *name, const char *globs, int all);

/*
 * The hash key: BLAKE2b-256 of `env_key` when it is non-NULL, else the 32
 * bytes of <dir>/.hash_key, created once (0600, atomically with link(2)) if
 * missing.  Returns 0 or TM_EKEY.  Thread-safe.
 */
int tm__hash_key_load(const char *dir, const char *env_key,
                      unsigned char key[TM_HASH_KEY_BYTES]);

/* First 12 hex digits of keyed BLAKE2b of name, NUL-terminated. */
void tm__repo_hash(const unsigned char key[TM_HASH_KEY_BYTES],
                   const char *name, char out[TM_REPO_HASH_HEX + 1]);

/* 64-bit SipHash-2-4 of data under a fixed project key: stable across
 * machines and versions, for fingerprints. */
uint64_t tm__hash64(const void *data, size_t n);

/* FNV-1a of s[0..n), for the slots of in-memory tables (the shim's repeat
 * table, the summary's counters): not keyed, so nothing an attacker can
 * steer into collisions that matter (a collision costs a comparison). */
uint64_t tm__fnv1a(const char *s, size_t n);

#endif
