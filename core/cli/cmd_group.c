/*
 * cmd_group.c - `telemetry group`: the grouping of README "Grouping" over any text,
 * one message per input line, "fingerprint<TAB>template" per output line.
 * --ablate NAME (repeatable; "list" prints the names) switches one idea of
 * the grouper off, for the ablation of `make bench` only.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "group.h"

#define GROUP_LINE_MAX 65536
#define GROUP_MAX_TEMPLATES 100000

int cmd_group(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"dir", required_argument, NULL, 'd'},
        {"ablate", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0}};
    struct tm__grouper g;
    char *line;
    struct tm__config cfg = {0};
    const char *off[8];
    int opt, rc = EXIT_OK, noff = 0;
    long n;

    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (opt == 'A' && strcmp(optarg, "list") == 0) {
#define TM__LIST(id, mask, drain, tree, what) printf("%s\t%s\n", #id, what);
            TM_GROUP_ABLATIONS(TM__LIST)
#undef TM__LIST
            return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
        }
        if (opt == 'A') {
            if (noff == (int)(sizeof(off) / sizeof(off[0])))
                return cli_usage("group", "too many --ablate");
            off[noff++] = optarg;
            continue;
        }
        /* --dir is accepted (every command takes it) and not needed */
        if (cli_common_option("group", opt, &cfg, argv, &rc) == CLI_OPT_END)
            return rc;
    }
    if (optind < argc)
        return cli_usage("group", "reads standard input; unexpected '%s'",
                         argv[optind]);
    if ((line = malloc(GROUP_LINE_MAX + 1)) == NULL) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    tm__grouper_init(&g, GROUP_MAX_TEMPLATES);
    for (int i = 0; i < noff; i++)
        if (tm__grouper_ablate(&g, off[i]) != 0) {
            tm__grouper_free(&g);
            free(line);
            return cli_usage("group", "unknown --ablate '%s' (see --ablate list)",
                             off[i]);
        }
    while ((n = cli_read_line(stdin, line, GROUP_LINE_MAX)) >= 0) {
        struct tm__group_input in = {0};
        struct tm__cluster *c;
        char fp[TM_FP_HEX + 1];
        uint64_t id;

        line[n] = '\0';
        in.message = line;
        c = tm__group(&g, &in, &id);
        tm__fp_hex(id, fp);
        /* the template is shown like any log text: control characters
         * (a tab too) escaped, so one line in stays one line out */
        printf("%s\t", fp);
        cli_put_text(stdout, c ? c->text : line, CLI_TEXT_ALL);
        if (putchar('\n') == EOF) {
            rc = EXIT_RUNTIME;
            break;
        }
    }
    if (fflush(stdout) != 0 || rc != EXIT_OK) {
        cli_error("cannot write the output");
        rc = EXIT_RUNTIME;
    }
    tm__grouper_free(&g);
    free(line);
    return rc;
}
