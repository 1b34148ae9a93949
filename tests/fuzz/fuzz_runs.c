/* Fuzz harness: the run file's reader (runs.h) over an arbitrary run file
 * and central log: never crashes, and every run listed has a run id. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch.h"
#include "runs.h"
#include "store.h"
#include "telemetry.h"

static char dir[64];

static void put(int dfd, const char *name, const uint8_t *data, size_t size)
{
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tm__runs rs;
    struct tm__run **v;
    size_t n, half = size / 2;
    int dfd;

    if (dir[0] == '\0') {
        fuzz_scratch_dir(dir, sizeof(dir), "runs");
        mkdir(dir, 0700);
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    put(dfd, TM_RUNS_LOG, data, size);        /* the whole input as runs */
    put(dfd, TM_CENTRAL_LOG, data + half, size - half); /* its end as events */
    if (tm__runs_load(dfd, NULL, "", &rs) == 0) {
        v = tm__runs_sorted(&rs, &n);
        for (size_t i = 0; i < n; i++)
            if (!tm__run_id_valid(v[i]->id) || v[i]->first[0] == '\0')
                abort();
        free(v);
    }
    tm__runs_free(&rs);
    close(dfd);
    return 0;
}
