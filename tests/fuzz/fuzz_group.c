/* Fuzz harness: masking and template clustering over the input's lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm__grouper g;
    char *copy = malloc(size + 1), *line, *next;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    tm__grouper_init(&g, 64);
    for (line = copy; line != NULL; line = next) {
        struct tm__group_input in = {"E", line, "repo", "agent", NULL, NULL,
                                     NULL, NULL, 0};
        uint64_t fp;
        struct tm__cluster *c;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        c = tm__group(&g, &in, &fp);
        if (c != NULL && c->id != fp)
            abort();
    }
    tm__grouper_free(&g);
    free(copy);
    return 0;
}
