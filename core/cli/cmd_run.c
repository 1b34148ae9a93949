/*
 * cmd_run.c - `telemetry run`: a command with the shim preloaded.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"


/* LD_PRELOAD with the shim appended: a library already listed (libasan
 * must come first) keeps its place.  Returns 0, or -1 with errno set. */
static int set_preload(const char *shim)
{
    const char *old = getenv("LD_PRELOAD");
    char *val;
    size_t n;
    int rc;

    if (old == NULL || *old == '\0')
        return setenv("LD_PRELOAD", shim, 1);
    if (strstr(old, shim) != NULL)
        return 0;
    n = strlen(old) + 1 + strlen(shim) + 1;
    if ((val = malloc(n)) == NULL)
        return -1;
    memcpy(val, old, strlen(old));
    val[strlen(old)] = ' ';
    memcpy(val + strlen(old) + 1, shim, strlen(shim) + 1);
    rc = setenv("LD_PRELOAD", val, 1);
    free(val);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},
        {"agent", required_argument, NULL, 'a'},
        {"capture", required_argument, NULL, 'c'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    enum tm__capture mode;
    char shim[PATH_MAX], dir[PATH_MAX];
    int opt, rc;

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    /* '+': stop at the first non-option, so CMD's own options stay its. */
    while ((opt = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (*optarg == '\0')
                return cli_usage("run", "--repo must not be empty");
            setenv("TELEMETRY_REPO", optarg, 1);
            break;
        case 'a':
            if (*optarg == '\0')
                return cli_usage("run", "--agent must not be empty");
            setenv("TELEMETRY_AGENT", optarg, 1);
            break;
        case 'c':
            if (tm__capture_parse(optarg, &mode) != 0)
                return cli_usage("run", "--capture is significant, all or fatal, "
                                        "not '%s'", optarg);
            setenv("TELEMETRY_CAPTURE", optarg, 1);
            break;
        case 'd':
            /* Absolute, so that it survives the command's chdir. */
            if (*optarg == '\0')
                return cli_usage("run", "--dir needs a directory");
            if (optarg[0] != '/') {
                char cwd[PATH_MAX];
                if (getcwd(cwd, sizeof(cwd)) == NULL ||
                    cli_join_path(dir, sizeof(dir), cwd, optarg) != 0)
                    return cli_usage("run", "--dir is too long");
            } else if (tm__strlcpy(dir, optarg, sizeof(dir)) != 0) {
                return cli_usage("run", "--dir is too long");
            }
            setenv("TELEMETRY_DIR", dir, 1);
            break;
        default: /* --help, a missing value, an unknown option */
            if (cli_common_option("run", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind >= argc)
        return cli_usage("run", "no command given (telemetry run -- CMD [ARG]...)");
    if (cli_find_shim(&cfg, shim, sizeof(shim)) != 0) {
        cli_error("cannot find %s (looked at $TELEMETRY_SHIM, next to this "
                  "program and in its ../lib); set TELEMETRY_SHIM",
                  CLI_SHIM_NAME);
        return EXIT_RUNTIME;
    }
    if (strpbrk(shim, TM_PRELOAD_BAD) != NULL) {
        /* ld.so would split it into pieces, complain in every process and
         * preload nothing. */
        cli_error("the shim path '%s' has a blank, colon, tab or newline, "
                  "which LD_PRELOAD cannot carry; install it under a path "
                  "without them, or set TELEMETRY_SHIM to such a copy", shim);
        return EXIT_RUNTIME;
    }
    if (set_preload(shim) != 0) {
        cli_error("cannot set LD_PRELOAD: %s", strerror(errno));
        return EXIT_RUNTIME;
    }
    execvp(argv[optind], argv + optind);
    cli_error("cannot run '%s': %s", argv[optind], strerror(errno));
    return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
