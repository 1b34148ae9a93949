/* Built against an installed libtelemetry through pkg-config by
 * tests/install/run.sh: the C API as a user's program sees it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <telemetry.h>

int main(int argc, char **argv)
{
    int err = 0, rc;
    char id[TM_ID_SIZE], *text;
    tm_collector *c;
    cJSON *s;

    if (argc != 2)
        return 2;
    c = tm_open(argv[1], &err);
    if (c == NULL) {
        fprintf(stderr, "open: %s\n", tm_strerror(err));
        return 1;
    }
    rc = tm_record_error(c, "12-factor-agents", "IntelligentIssueAgent",
                         "RuntimeError", "clone failed for bob@example.com",
                         NULL, id);
    if (rc != 0) {
        fprintf(stderr, "record: %s\n", tm_strerror(rc));
        return 1;
    }
    s = tm_error_summary(c, NULL, &err);
    text = s ? cJSON_PrintUnformatted(s) : NULL;
    if (text == NULL)
        return 1;
    printf("%s\n%s\n", id, text);
    free(text);
    cJSON_Delete(s);
    tm_close(c);
    return 0;
}
