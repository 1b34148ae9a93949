/*
 * group.h - message templates and fingerprints (SPEC §7.2).
 *
 * This first version masks variable tokens (numbers, hex, quoted strings,
 * paths, the event's own repo and agent names) into typed placeholders and
 * hashes error type + template.
 */
#ifndef TM_GROUP_H
#define TM_GROUP_H

#include <stddef.h>
#include <stdint.h>

#define TM_TEMPLATE_MAX 512
#define TM_FP_HEX 16

/* Writes the masked template of msg[0..n) into out (cap bytes, NUL
 * included, cut when short).  repo/agent may be NULL.  Returns its length. */
size_t tm__group_template(const char *msg, size_t n, const char *repo,
                          const char *agent, char *out, size_t cap);

/* 64-bit fingerprint of (error_type, template) as 16 hex digits. */
void tm__group_fingerprint(const char *error_type, const char *tmpl,
                           char out[TM_FP_HEX + 1]);

#endif
