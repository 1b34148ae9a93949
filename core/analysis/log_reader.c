/*
 * log_reader.c - streaming reader of the JSONL logs (see log_reader.h).
 */
#include "log_reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "spool.h"
#include "store.h"
#include "telemetry.h"

int tm__reader_open_log(int dfd, const char *path, int *fd)
{
    struct stat st;
    int saved;

    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer. */
    *fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return errno == ENOENT ? 0 : TM_EREAD;
    if (fstat(*fd, &st) != 0) {
        saved = errno;
        close(*fd);
        *fd = -1;
        errno = saved;
        return TM_EREAD;
    }
    if (!S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return TM_ENOTREG;
    }
    return 0;
}

/* The next spool file after the logs, or the end. */
static int open_spool_part(struct tm__reader *r)
{
    struct dirent *e;
    int rc;

    if (r->spool == NULL) {
        int sfd = tm__spool_dir(r->dfd, 0), dup;
        if (sfd == TM_EDIR) { /* no spool directory: nothing waits */
            r->which = TM_PART_DONE;
            return 0;
        }
        if (sfd < 0)
            return sfd; /* TM_ESPOOL or TM_EREAD */
        if ((dup = fcntl(sfd, F_DUPFD_CLOEXEC, 0)) < 0 ||
            (r->spool = fdopendir(dup)) == NULL) {
            if (dup >= 0)
                close(dup);
            close(sfd);
            return TM_EREAD;
        }
        r->spool_fd = sfd;
    }
    while ((e = readdir(r->spool)) != NULL) {
        size_t n = strlen(e->d_name);
        if (tm__spool_pid(e->d_name) <= 0 ||
            sizeof(TM_SPOOL_DIR) + n + 1 > sizeof(r->path))
            continue;
        memcpy(r->path, TM_SPOOL_DIR "/", sizeof(TM_SPOOL_DIR));
        memcpy(r->path + sizeof(TM_SPOOL_DIR), e->d_name, n + 1);
        if ((rc = tm__reader_open_log(r->spool_fd, e->d_name, &r->fd)) != 0)
            return rc;
        if (r->fd >= 0)
            return 0;
    }
    closedir(r->spool);
    close(r->spool_fd);
    r->spool = NULL;
    r->spool_fd = -1;
    r->which = TM_PART_DONE;
    return 0;
}

static int open_part(struct tm__reader *r)
{
    int rc;

    while (r->which < TM_PART_SPOOL) {
        if (r->which == TM_PART_ROTATED) {
            size_t n = strlen(r->name);
            memcpy(r->path, r->name, n);
            memcpy(r->path + n, TM_ROTATED_SUFFIX, sizeof(TM_ROTATED_SUFFIX));
        } else {
            tm__strlcpy(r->path, r->name, sizeof(r->path));
        }
        if ((rc = tm__reader_open_log(r->dfd, r->path, &r->fd)) != 0)
            return rc;
        if (r->fd >= 0)
            return 0;
        r->which = (enum tm__reader_part)(r->which + 1);
    }
    return r->which == TM_PART_SPOOL && r->with_spool ? open_spool_part(r) : 0;
}

static int open_from(struct tm__reader *r, int dfd, const char *name,
                     enum tm__reader_part which)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->spool_fd = -1;
    r->dfd = dfd;
    if (tm__strlcpy(r->name, name, sizeof(r->name)) != 0)
        return TM_EINVAL;
    /* The central log's events include those still in spool files. */
    r->with_spool = which == TM_PART_ROTATED && strcmp(name, TM_CENTRAL_LOG) == 0;
    r->buf = malloc(TM_READER_BUF);
    if (r->buf == NULL)
        return TM_ENOMEM;
    r->which = which;
    return open_part(r);
}

int tm__reader_open_fd(struct tm__reader *r, int fd, int partial_last)
{
    memset(r, 0, sizeof(*r));
    r->buf = malloc(TM_READER_BUF);
    if (r->buf == NULL)
        return TM_ENOMEM;
    r->fd = fd;
    r->dfd = -1;
    r->spool_fd = -1;
    r->which = TM_PART_LIVE; /* the last part: no other opened after it */
    r->borrowed = 1;
    r->partial_last = partial_last;
    return 0;
}

unsigned long long tm__reader_offset(const struct tm__reader *r)
{
    return r->base + r->start;
}

unsigned long long tm__reader_line_offset(const struct tm__reader *r,
                                          const char *line)
{
    return r->base + (unsigned long long)(line - r->buf);
}

const char *tm__reader_path(const struct tm__reader *r)
{
    return r->path;
}

int tm__reader_open(struct tm__reader *r, int dfd, const char *name)
{
    return open_from(r, dfd, name, TM_PART_ROTATED);
}

int tm__reader_open_file(struct tm__reader *r, int dfd, const char *name)
{
    return open_from(r, dfd, name, TM_PART_LIVE);
}

int tm__reader_next(struct tm__reader *r, const char **line, size_t *len)
{
    int rc;

    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        ssize_t got;

        if (nl != NULL) {
            size_t at = r->start;
            r->start = (size_t)(nl - r->buf) + 1;
            if (r->skipping) {
                r->skipping = 0;
                continue;
            }
            *line = r->buf + at;
            *len = (size_t)(nl - r->buf) - at;
            return 1;
        }
        /* Keep the partial line, at the front, and read more. */
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->base += r->start;
            r->start = 0;
        }
        if (r->end == TM_READER_BUF) { /* longer than the buffer: skip it */
            r->oversized += !r->skipping;
            r->skipping = 1;
            r->base += r->end;
            r->end = 0;
        }
        if (r->fd < 0)
            return 0;
        got = read(r->fd, r->buf + r->end, TM_READER_BUF - r->end);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return TM_EREAD;
        if (got > 0) {
            r->end += (size_t)got;
            continue;
        }
        if (r->borrowed) { /* one descriptor, still written to or not */
            r->fd = -1;
            if (r->partial_last && !r->skipping && r->start < r->end) {
                *line = r->buf + r->start;
                *len = r->end - r->start;
                r->start = r->end;
                return 1;
            }
            return 0;
        }
        /* End of this part; a last line without '\n' ends here too. */
        close(r->fd);
        r->fd = -1;
        if (r->which < TM_PART_SPOOL)
            r->which = (enum tm__reader_part)(r->which + 1);
        if ((rc = open_part(r)) != 0)
            return rc;
        if (r->skipping) {
            r->skipping = 0;
            r->start = r->end = 0;
            continue;
        }
        if (r->start < r->end) {
            *line = r->buf + r->start;
            *len = r->end - r->start;
            r->start = r->end;
            return 1;
        }
    }
}

void tm__reader_close(struct tm__reader *r)
{
    if (r->fd >= 0 && !r->borrowed)
        close(r->fd);
    r->fd = -1;
    if (r->spool != NULL) {
        closedir(r->spool);
        close(r->spool_fd);
        r->spool = NULL;
    }
    free(r->buf);
    r->buf = NULL;
}
