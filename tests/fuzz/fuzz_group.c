/* Fuzz harness: masking and template clustering over the input's lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
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
        const char *stack[1];
        struct tm__group_input in = {"E", line, "repo", "agent", NULL, NULL,
                                     NULL, NULL, 0, NULL, 0};
        struct tm__group_input shim = {"E", line, "repo", "agent", "shim",
                                       "file_not_found", "p", NULL, 0, stack, 1};
        uint64_t fp;
        struct tm__cluster *c;
        char key[64];

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        stack[0] = line; /* the line as a stack entry: its culprit */
        tm__culprit_key(line, key, sizeof(key));
        tm__group(&g, &shim, &fp);
        c = tm__group(&g, &in, &fp);
        if (c != NULL && c->id != fp)
            abort();
    }
    tm__grouper_free(&g);
    free(copy);
    return 0;
}
