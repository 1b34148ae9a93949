/*
 * privacy.h - a private repository's name out of a filtered context
 * (README, "Privacy"): the scrubber's word replacement applied to the
 * context's string values.
 */
#ifndef TM_PRIVACY_H
#define TM_PRIVACY_H

#include "context.h"
#include "sanitize.h"

/* Replaces `word` (see tm__scrub_word) in every string value of ctx, in
 * place; a value stays cut to TM_CTX_VALUE_MAX.  Returns 0, or TM_ENOMEM
 * (some values may still hold the word: the caller must not write the
 * event).  Thread-safe; allocates a scratch copy per value it changes
 * and frees it. */
int tm__ctx_replace_word(struct tm__ctx_buf *ctx,
                         const struct tm__scrub_word *word);

#endif
