/*
 * views_load.c - the summary of the local central log under filters, as
 * the views (`summary`, `patterns`, `groups`) and `report` read it.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "filter.h"

cJSON *cli_summary_load(const struct tm__config *cfg,
                        const struct tm__summary_filter *f, int *rc)
{
    cJSON *s;
    int err = 0, saved, dfd;

    if ((dfd = cli_open_dir(cfg)) < 0) {
        *rc = EXIT_RUNTIME;
        return NULL;
    }
    errno = 0;
    s = tm__summary_build(dfd, f, &err);
    saved = errno;
    close(dfd);
    if (s == NULL) {
        char what[4200];
        snprintf(what, sizeof(what), "cannot summarise '%s'", cfg->dir);
        cli_read_error(what, cfg->dir, err, saved);
        *rc = EXIT_RUNTIME;
    }
    return s;
}
