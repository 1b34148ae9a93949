/*
 * ship_state.c - the ship state file (see ship_state.h).
 */
#include "ship_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "jsonw.h"

#define STATE_MAX 4096

/* The fields of the state file, in the order they are written, each on a
 * line "<name> <value>": X(name).  A file must have every one, once. */
#define STATE_FIELDS(X) X(dev) X(ino) X(offset) X(seq) X(tail) X(last)

enum state_field {
#define STATE__ENUM(name) FIELD_##name,
    STATE_FIELDS(STATE__ENUM)
#undef STATE__ENUM
    FIELD_COUNT
};

static const char *const field_names[FIELD_COUNT] = {
#define STATE__NAME(name) #name,
    STATE_FIELDS(STATE__NAME)
#undef STATE__NAME
};

/* The `seen` bits of a file with every field. */
#define FIELDS_ALL ((1u << FIELD_COUNT) - 1)

void ship_state_name(const char *url, const char *table, char out[32])
{
    char key[2048];
    int n = snprintf(key, sizeof(key), "%s\x1f%s", url, table);
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof(key) ? sizeof(key) - 1 : (size_t)n;

    memcpy(out, "ship-", 5);
    tm__fmt_hex(out + 5, tm__hash64(key, len), 16);
    out[21] = '\0';
}

static void file_name(char *out, size_t cap, const char *name, const char *ext)
{
    snprintf(out, cap, "%s%s", name, ext);
}

int ship_id_ok(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n <= SHIP_ID_MAX &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-") == n;
}

/* A whole decimal or hex (base) number up to the end of the line. */
static int number(const char *s, int base, unsigned long long *out)
{
    char *end;

    if (*s < '0' || (*s > '9' && base == 10) || *s == '\0')
        return -1;
    errno = 0;
    *out = strtoull(s, &end, base);
    return errno == 0 && *end == '\0' ? 0 : -1;
}

/* One line of the file into s; the field's bit (1 << its enum state_field)
 * into *seen.  Returns 0, or -1 when the line is damaged. */
static int parse_line(char *line, struct ship_state *s, unsigned *seen)
{
    char *val = strchr(line, ' ');
    unsigned long long v = 0;
    int k;

    if (line[0] == '#' || line[0] == '\0')
        return 0;
    if (val == NULL)
        return -1;
    *val++ = '\0';
    if (strcmp(line, "url") == 0 || strcmp(line, "table") == 0)
        return 0; /* for people; the file name already says which */
    for (k = 0; k < FIELD_COUNT; k++)
        if (strcmp(line, field_names[k]) == 0)
            break;
    if (k == FIELD_COUNT || (*seen & (1u << k)))
        return -1; /* unknown, or twice */
    *seen |= 1u << k;
    if (k == FIELD_last) { /* an event id, "-" for none */
        if (!ship_id_ok(val)) /* "-" is one */
            return -1;
        memcpy(s->last, val, strlen(val) + 1);
        if (strcmp(val, "-") == 0)
            s->last[0] = '\0';
        return 0;
    }
    if (number(val, k == FIELD_tail ? 16 : 10, &v) != 0)
        return -1;
    switch ((enum state_field)k) {
    case FIELD_dev: s->dev = v; break;
    case FIELD_ino: s->ino = v; break;
    case FIELD_offset: s->offset = v; break;
    case FIELD_seq: s->seq = v; break;
    case FIELD_tail: s->tail = v; break;
    case FIELD_last:
    case FIELD_COUNT: break; /* handled above */
    }
    return 0;
}

/* Field f of s as the file writes it into out (cap bytes). */
static void field_text(const struct ship_state *s, enum state_field f,
                       char *out, size_t cap)
{
    switch (f) {
    case FIELD_dev: snprintf(out, cap, "%llu", s->dev); break;
    case FIELD_ino: snprintf(out, cap, "%llu", s->ino); break;
    case FIELD_offset: snprintf(out, cap, "%llu", s->offset); break;
    case FIELD_seq: snprintf(out, cap, "%llu", s->seq); break;
    case FIELD_tail:
        snprintf(out, cap, "%016llx", (unsigned long long)s->tail);
        break;
    case FIELD_last: snprintf(out, cap, "%s", s->last[0] ? s->last : "-"); break;
    case FIELD_COUNT: out[0] = '\0'; break;
    }
}

int ship_state_load(int dfd, const char *name, struct ship_state *s,
                    char *why, size_t cap)
{
    char path[64], buf[STATE_MAX + 1], *line, *next;
    unsigned seen = 0;
    struct stat st;
    ssize_t got;
    size_t len = 0;
    int fd;

    memset(s, 0, sizeof(*s));
    file_name(path, sizeof(path), name, ".state");
    fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, cap, "cannot read the ship state %s: %s", path,
                 fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while (len < sizeof(buf) - 1 &&
           (got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)got;
    close(fd);
    buf[len] = '\0';
    for (line = buf; len < STATE_MAX && line != NULL && *line; line = next) {
        next = strchr(line, '\n');
        if (next == NULL)
            break; /* every line ends with '\n': a cut file */
        *next++ = '\0';
        if (parse_line(line, s, &seen) != 0)
            break;
        if (*next == '\0' && seen == FIELDS_ALL) {
            s->present = 1;
            return 0;
        }
    }
    snprintf(why, cap, "the ship state %s is damaged; remove it to send every "
                       "event again (the table keeps one copy of each)", path);
    return -1;
}

int ship_state_save(int dfd, const char *name, const struct ship_state *s,
                    const char *url, const char *table)
{
    char path[64], tmp[80], text[STATE_MAX], value[SHIP_ID_MAX + 1];
    int n, fd, rc = -1, saved;

    file_name(path, sizeof(path), name, ".state");
    file_name(tmp, sizeof(tmp), name, ".state.tmp");
    n = snprintf(text, sizeof(text),
                 "# telemetry ship: where sending this directory's events "
                 "stopped\nurl %s\ntable %s\n", url, table);
    for (int f = 0; f < FIELD_COUNT && n >= 0 && (size_t)n < sizeof(text); f++) {
        int more;
        field_text(s, (enum state_field)f, value, sizeof(value));
        more = snprintf(text + n, sizeof(text) - (size_t)n, "%s %s\n",
                        field_names[f], value);
        n = more < 0 ? -1 : n + more;
    }
    if (n < 0 || (size_t)n >= sizeof(text)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    unlinkat(dfd, tmp, 0);
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0)
        return -1;
    if (write(fd, text, (size_t)n) == n && fsync(fd) == 0)
        rc = 0;
    saved = errno;
    close(fd);
    if (rc == 0 && renameat(dfd, tmp, dfd, path) != 0) {
        saved = errno;
        rc = -1;
    }
    if (rc != 0)
        unlinkat(dfd, tmp, 0);
    errno = saved;
    return rc;
}

int ship_lock(int dfd, const char *name)
{
    char path[64];
    int fd;

    file_name(path, sizeof(path), name, ".lock");
    fd = openat(dfd, path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return SHIP_LOCK_ERROR;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        close(fd);
        return busy ? SHIP_LOCK_BUSY : SHIP_LOCK_ERROR;
    }
    return fd;
}

int ship_tail_hash(int fd, unsigned long long offset, uint64_t *out)
{
    char buf[SHIP_TAIL_BYTES];
    size_t n = offset < sizeof(buf) ? (size_t)offset : sizeof(buf);
    ssize_t got = n ? pread(fd, buf, n, (off_t)(offset - n)) : 0;

    if (got < 0 || (size_t)got != n)
        return -1;
    *out = tm__hash64(buf, n);
    return 0;
}
