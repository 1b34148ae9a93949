/* Fuzz harness: what `telemetry ship` reads that a person or a crash may
 * have damaged, and what it writes for the server.
 *  - the input as a ship state file: loaded without harm; when it loads,
 *    saving and loading again gives the same state;
 *  - the input as an event line: when the summary takes it as an event,
 *    its row is one line of valid JSON with every column, as many context
 *    values as keys. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "scratch.h"
#include "ship_row.h"
#include "ship_state.h"

static char dir[64];
static char scratch[8192 + 64], ctx_scratch[8192 + 64];

static void state_file(int dfd, const uint8_t *data, size_t size)
{
    struct ship_state a, b;
    char why[256];
    int fd = openat(dfd, "ship-f.state", O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    if (ship_state_load(dfd, "ship-f", &a, why, sizeof(why)) != 0 || !a.present)
        return;
    if (ship_state_save(dfd, "ship-f", &a, "u", "t") != 0 ||
        ship_state_load(dfd, "ship-f", &b, why, sizeof(why)) != 0 ||
        a.dev != b.dev || a.ino != b.ino || a.offset != b.offset ||
        a.seq != b.seq || a.tail != b.tail || strcmp(a.last, b.last) != 0)
        abort();
}

static void event_line(const uint8_t *data, size_t size)
{
    static const char *const columns[] = {
        "timestamp", "repo", "agent", "error_type", "error_message", "context",
        "context_keys", "context_values", "telemetry_id", "source", "program",
        "pid", "backtrace", "repeat", "fatal", "exit_status", "fingerprint",
        "category", "template", "order_ts", "seq", "event_date"};
    struct ship_derived d = {"0123456789abcdef", "other", "t <*>", "c", "o", 1};
    struct tm__event_view v;
    struct ch_buf b = {0};
    char id[SHIP_ID_MAX + 1];
    cJSON *row;

    if (size > 8192 ||
        tm__event_view_parse((const char *)data, size, &v, scratch, sizeof(scratch)) != 0)
        return;
    ship_event_id(&v, (const char *)data, size, id);
    if (ship_row(&b, &v, &d, id, ctx_scratch, sizeof(ctx_scratch)) != 0 || b.len == 0 ||
        b.data[b.len - 1] != '\n' || memchr(b.data, '\n', b.len - 1) != NULL)
        abort();
    if ((row = cJSON_Parse(b.data)) == NULL)
        abort();
    for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
        if (cJSON_GetObjectItemCaseSensitive(row, columns[i]) == NULL)
            abort();
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(row, "context_keys")) !=
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(row, "context_values")))
        abort();
    cJSON_Delete(row);
    ch_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int dfd;

    if (dir[0] == '\0') {
        fuzz_scratch_dir(dir, sizeof(dir), "ship");
        mkdir(dir, 0700);
    }
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
        abort();
    state_file(dfd, data, size);
    event_line(data, size);
    close(dfd);
    return 0;
}
