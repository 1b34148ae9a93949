/*
 * cmd_sanitize.c - `telemetry sanitize`: the storage scrubber on text.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sanitize.h"

static int scrub_print(const char *s, size_t n, char *out, size_t cap,
                       struct tm__span *sp, size_t nsp)
{
    size_t len = tm__scrub(s, n, out, cap, sp, nsp);

    fwrite(out, 1, len, stdout);
    putchar('\n');
    return ferror(stdout) ? -1 : 0;
}

int cmd_sanitize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"dir", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0}};
    size_t in_cap = TM_SCRUB_INPUT_MAX, cap = TM_SCRUB_OUT_SIZE(in_cap);
    size_t nsp = in_cap + 16;
    char *in = NULL, *out = NULL;
    struct tm__span *sp = NULL;
    struct tm__config cfg = {0};
    int opt, rc = EXIT_OK;
    long n;

    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        /* --dir is accepted (every command takes it) and not needed */
        if (cli_common_option("sanitize", opt, &cfg, argv, &rc) == CLI_OPT_END)
            return rc;
    }
    if (argc - optind > 1)
        return cli_usage("sanitize", "give one TEXT argument (quote it), or "
                                     "none to read standard input");
    in = malloc(in_cap);
    out = malloc(cap);
    sp = malloc(nsp * sizeof(*sp));
    if (in == NULL || out == NULL || sp == NULL) {
        cli_error("out of memory");
        rc = EXIT_RUNTIME;
    } else if (optind < argc) {
        if (scrub_print(argv[optind], strlen(argv[optind]), out, cap, sp, nsp))
            rc = EXIT_RUNTIME;
    } else {
        while ((n = cli_read_line(stdin, in, in_cap)) >= 0)
            if (scrub_print(in, (size_t)n, out, cap, sp, nsp) != 0) {
                rc = EXIT_RUNTIME;
                break;
            }
    }
    if (fflush(stdout) != 0 && rc == EXIT_OK) {
        cli_error("cannot write the output");
        rc = EXIT_RUNTIME;
    }
    free(in);
    free(out);
    free(sp);
    return rc;
}
