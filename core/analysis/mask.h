/*
 * mask.h - typed placeholders for the variable parts of a message
 * (SPEC §7.2): <STR> <PATH> <UUID> <TIME> <IP> <HEX> <NUM> <ID> <REPO>
 * <AGENT>.  A path keeps its recognisable root ("/tmp/<PATH>").  The errno
 * in "[Errno 2]" is kept: it names a class of failure.
 */
#ifndef TM_MASK_H
#define TM_MASK_H

#include <stddef.h>

/* Writes the masked form of s[0..n) into out (cap bytes with the NUL, cut
 * when short).  repo/agent (may be NULL) are masked as whole words.
 * Returns the length written.  No allocation; thread-safe. */
size_t tm__mask(const char *s, size_t n, const char *repo, const char *agent,
                char *out, size_t cap);

#endif
