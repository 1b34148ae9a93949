/*
 * spool_merge.c - the CLI's side of the spool: listing spool files and
 * moving the lines of exited processes into the logs (see spool.h).  Not
 * linked into the shim: it allocates.
 */
#include "spool_merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event_parse.h"
#include "log_reader.h"
#include "store.h"
#include "telemetry.h"

static int alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int tm__spool_each(int dfd, int (*fn)(int sfd, const char *name, long pid,
                                      void *arg),
                   void *arg)
{
    int sfd = tm__spool_dir(dfd, 0), rc = 0, dup;
    DIR *d;
    struct dirent *e;

    if (sfd == TM_EDIR)
        return 0; /* no spool: nothing waits */
    if (sfd < 0)
        return sfd;
    /* fdopendir owns its descriptor: give it a copy, keep sfd for fn. */
    if ((dup = fcntl(sfd, F_DUPFD_CLOEXEC, 0)) < 0 ||
        (d = fdopendir(dup)) == NULL) {
        if (dup >= 0)
            close(dup);
        close(sfd);
        return TM_EREAD;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        long pid = tm__spool_pid(e->d_name);
        if (pid > 0)
            rc = fn(sfd, e->d_name, pid, arg);
    }
    closedir(d);
    close(sfd);
    return rc;
}

struct merge {
    int dfd;
    const struct tm__store_opts *opts;
    long lines, files;
    char *scratch; /* owned by tm__spool_merge: TM_READER_BUF + 64 bytes */
};

/* The stored repo of one spooled line (NULL: the central log only). */
static const char *line_repo(struct merge *m, const char *line, size_t len)
{
    struct tm__event_view v;

    if (tm__event_view_parse(line, len, &v, m->scratch, TM_READER_BUF + 64) != 0)
        return NULL;
    return v.repo;
}

static int merge_one(int sfd, const char *name, long pid, void *arg)
{
    struct merge *m = arg;
    struct tm__reader r;
    const char *line;
    size_t len;
    int fd, rc;

    if (alive(pid))
        return 0; /* it may still append: readers take it as it is */
    fd = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : TM_EREAD;
    {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            return TM_EFILELINK;
        }
    }
    if ((rc = tm__reader_open_fd(&r, fd, 1)) != 0) {
        close(fd);
        return rc;
    }
    /* Every line moves to the logs, also one the summary would skip:
     * nothing stored is lost.  Only then is the spool file removed. */
    while ((rc = tm__reader_next(&r, &line, &len)) == 1) {
        char *copy;
        if (len == 0)
            continue;
        /* The line with its newline, as the logs store it. */
        if ((copy = malloc(len + 1)) == NULL) {
            rc = TM_ENOMEM;
            break;
        }
        memcpy(copy, line, len);
        copy[len] = '\n';
        rc = tm__store_line_locked(m->dfd, line_repo(m, line, len), copy,
                                   len + 1, m->opts);
        free(copy);
        if (rc != 0)
            break;
        m->lines++;
    }
    tm__reader_close(&r);
    close(fd);
    if (rc != 0)
        return rc < 0 ? rc : TM_EREAD;
    if (unlinkat(sfd, name, 0) != 0 && errno != ENOENT)
        return TM_EWRITE;
    m->files++;
    return 0;
}

int tm__spool_merge(int dfd, const struct tm__store_opts *opts, long *lines)
{
    struct merge m = {dfd, opts, 0, 0, NULL};
    int rc;

    if ((m.scratch = malloc(TM_READER_BUF + 64)) == NULL)
        return TM_ENOMEM;
    rc = tm__spool_each(dfd, merge_one, &m);
    free(m.scratch);
    if (lines)
        *lines = m.lines;
    return rc;
}
