/*
 * cmd_group.c - `telemetry group`: the grouping of README "Grouping" over any text,
 * one message per input line, "fingerprint<TAB>template" per output line.
 * Two passes: up to GROUP_CHUNK lines are grouped, then the templates are
 * settled over all of them (tm__drain_settle) and their lines written, so
 * the order of the lines within a chunk hardly matters.
 * --ablate NAME (repeatable; "list" prints the names) switches one idea of
 * the grouper off, for the ablation of `make bench` only.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "group.h"
#include "mask.h"

#define GROUP_LINE_MAX 65536
#define GROUP_MAX_TEMPLATES 100000
#define GROUP_CHUNK 1000000 /* lines settled together */

/* One line read: its cluster and cache key (both owned by the grouper), or
 * its own text when the grouper had no cluster for it (owned). */
struct pending {
    struct tm__cluster *c;
    const char *key;
    uint64_t id;    /* the fingerprint when c is NULL */
    char *line;
};

/* Settles the grouper and writes the n lines held; frees their texts.
 * Returns 0 or -1 when the output cannot be written. */
static int flush_lines(struct tm__grouper *g, struct pending *p, size_t n)
{
    int rc = 0;

    (void)tm__drain_settle(&g->drain); /* out of memory: unsettled groups */
    for (size_t i = 0; i < n; i++) {
        struct tm__cluster *c = tm__drain_final(p[i].c, p[i].key);
        char fp[TM_FP_HEX + 1];

        tm__fp_hex(c != NULL ? c->id : p[i].id, fp);
        if (rc == 0) {
            /* the template is shown like any log text: control characters
             * (a tab too) escaped, so one line in stays one line out */
            printf("%s\t", fp);
            cli_put_text(stdout, c ? c->text : p[i].line ? p[i].line : "", CLI_TEXT_ALL);
            if (putchar('\n') == EOF)
                rc = -1;
        }
        free(p[i].line);
        p[i].line = NULL;
    }
    return rc;
}

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
    struct pending *held;
    size_t nheld = 0;
    int oom = 0;

    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
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
    if ((held = calloc(GROUP_CHUNK, sizeof(*held))) == NULL) {
        tm__grouper_free(&g);
        free(line);
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    static char masked[TM_TEMPLATE_MAX];

    while ((n = cli_read_line(stdin, line, GROUP_LINE_MAX)) >= 0) {
        struct tm__group_input in = {0};
        struct pending *p = &held[nheld++];

        if (n > 0 && line[n - 1] == '\r')
            n--; /* a CRLF line ends like an LF one */
        line[n] = '\0';
        in.message = line;
        p->c = tm__group(&g, &in, &p->id);
        p->key = p->c != NULL ? g.drain.last : NULL;
        if (p->c == NULL && g.no_tree) {
            /* the ablation without the tree: the masked text is the
             * template, as it is the group */
            (void)tm__mask_off(line, (size_t)n, NULL, NULL, masked, sizeof(masked),
                               g.mask_off);
        }
        if (p->c == NULL && (p->line = strdup(g.no_tree ? masked : line)) == NULL) {
            cli_error("out of memory");
            rc = EXIT_RUNTIME;
            oom = 1;
            nheld--;
            break;
        }
        if (nheld == GROUP_CHUNK) {
            if (flush_lines(&g, held, nheld) != 0)
                rc = EXIT_RUNTIME;
            nheld = 0;
            if (rc != EXIT_OK)
                break;
        }
    }
    if (flush_lines(&g, held, nheld) != 0)
        rc = EXIT_RUNTIME;
    free(held);
    if (fflush(stdout) != 0 || rc != EXIT_OK) {
        if (!oom)
            cli_error("cannot write the output");
        rc = EXIT_RUNTIME;
    }
    tm__grouper_free(&g);
    free(line);
    return rc;
}
