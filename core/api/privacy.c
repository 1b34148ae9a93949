/*
 * privacy.c - a private repository's name out of a filtered context.
 */
#include "privacy.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "telemetry.h"

int tm__ctx_replace_word(struct tm__ctx_buf *ctx,
                         const struct tm__scrub_word *word)
{
    if (word == NULL || word->word == NULL || word->word[0] == '\0')
        return 0;
    for (int i = 0; i < ctx->n; i++) {
        struct tm__ctx_item *it = &ctx->items[i];
        char *clean, *slot;
        size_t len;

        if (it->kind != TM_CTX_STR)
            continue;
        /* The value was scrubbed already: scrubbing again changes only
         * the word (a marker is never matched again). */
        clean = tm__scrub_word_dup(it->val, it->len, word);
        if (clean == NULL)
            return TM_ENOMEM;
        /* Items are in rank order, values in arrival order: write back into
         * the slot the item points to. */
        slot = ctx->text[(size_t)(it->val - &ctx->text[0][0]) / TM_CTX_SLOT];
        len = tm__utf8_cut(clean, strlen(clean), TM_CTX_VALUE_MAX);
        memcpy(slot, clean, len);
        slot[len] = '\0';
        it->len = len;
        free(clean);
    }
    return 0;
}
