/*
 * mask.h - typed placeholders for the variable parts of a message
 * (README "Grouping"): <STR> <PATH> <URL> <EMAIL> <UUID> <TIME> <IP> <MAC>
 * <HOST> <HEX> <NUM> <ID> <REPO> <AGENT>.  A path keeps its recognisable
 * root ("/tmp/<PATH>").  The errno in "[Errno 2]" is kept: it names a
 * class of failure.  A value is recognised by its shape, never by the words
 * around it; digits inside a word ("ssh2", "sha256", "utf-8", "HTTP/1.1")
 * are part of the word.  One value is one placeholder: "1.2.3", "1e-5",
 * "1,234,567" are one <NUM>, "v18.17.0" is v<NUM>; a unit stays after it
 * ("10ms": <NUM>ms).  The cases, false positives included, are in
 * tests/fixtures/mask.tsv.
 */
#ifndef TM_MASK_H
#define TM_MASK_H

#include <stddef.h>

/* Writes the masked form of s[0..n) into out (cap bytes with the NUL, cut
 * when short).  repo/agent (may be NULL) are masked as whole words.
 * Returns the length written.  No allocation; thread-safe. */
size_t tm__mask(const char *s, size_t n, const char *repo, const char *agent,
                char *out, size_t cap);

/* Ideas of tm__mask() that can be switched off, for the ablation in `make
 * bench` only. */
#define TM_MASK_OFF_TYPES 1u /* URL, e-mail, MAC, IPv6, host, Windows path,
                                named date */
#define TM_MASK_OFF_WORDS 2u /* digits inside a word masked as numbers */

/* tm__mask() with some ideas switched off (TM_MASK_OFF_*). */
size_t tm__mask_off(const char *s, size_t n, const char *repo, const char *agent,
                    char *out, size_t cap, unsigned off);

#endif
