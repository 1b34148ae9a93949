/* Fuzz harness: the command line.  The input is split at NUL bytes into
 * arguments; the first byte picks a command that cannot run programs or
 * wait forever or use the network (no run, doctor, ship, tail -f,
 * --clickhouse); --dir always points at a scratch directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"
#include "cli.h"

static const char *const commands[] = {"record", "summary", "patterns",
                                       "groups", "sanitize", "group", "tail",
                                       "clean", "--help", "--version", "bogus"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *args[24], *copy, dir[64];
    int argc = 0;
    size_t at = 1;

    if (size < 1 || size > 4096)
        return 0;
    fuzz_scratch_dir(dir, sizeof(dir), "cli");
    copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    args[argc++] = "telemetry";
    args[argc++] = (char *)commands[data[0] % (sizeof(commands) / sizeof(*commands))];
    while (at < size && argc < 20) {
        char *a = copy + at;
        at += strlen(a) + 1;
        /* tail's --follow (and its abbreviations, and -f in a cluster)
         * would wait forever */
        if (strncmp(a, "--f", 3) == 0 || (a[0] == '-' && a[1] != '-' && strchr(a, 'f')))
            continue;
        /* --clickhouse (and its abbreviations) would reach for the network */
        if (strncmp(a, "--c", 3) == 0)
            continue;
        args[argc++] = a;
    }
    args[argc++] = "--dir";
    args[argc++] = dir;
    args[argc] = NULL;
    /* Output is not the point (libFuzzer's -close_fd_mask hides it). */
    if (freopen("/dev/null", "r", stdin) == NULL)
        abort();
    cli_main(argc, args);
    free(copy);
    return 0;
}
