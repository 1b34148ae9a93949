/* Fuzz harness: the JSONL reader and the summary over an arbitrary log. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "summary.h"
#include "telemetry.h"

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm__summary_filter f;
    int fd, dfd, err = 0;
    cJSON *s;

    if (dir[0] == '\0') {
        fuzz_scratch_dir(dir, sizeof(dir), "summary");
        mkdir(dir, 0700);
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    fd = openat(dfd, "all_errors.jsonl", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    memset(&f, 0, sizeof(f));
    s = tm__summary_build(dfd, &f, &err);
    if (s == NULL || cJSON_GetObjectItem(s, "total_errors") == NULL)
        abort();
    cJSON_Delete(s);
    close(dfd);
    return 0;
}
