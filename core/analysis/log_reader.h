/*
 * log_reader.h - streaming reader of the JSONL logs.
 *
 * Reads a rotated file (<name>.1), then the live one, and for the central
 * log the spool files after them (spool.h), a line at a time,
 * through a fixed buffer: memory does not depend on the file's size.
 * Lines longer than the buffer are skipped whole and counted.
 */
#ifndef TM_READER_H
#define TM_READER_H

#include <stddef.h>

#define TM_READER_BUF (256 * 1024)

/* The parts of a log, in the order they are read (a reader steps from one
 * to the next). */
enum tm__reader_part {
    TM_PART_ROTATED, /* <name>.1 */
    TM_PART_LIVE,    /* <name> */
    TM_PART_SPOOL,   /* the spool files (the central log only) */
    TM_PART_DONE
};

struct tm__reader {
    int fd;
    enum tm__reader_part which; /* the part being read */
    int with_spool;   /* the central log: spool files follow it */
    int spool_fd;     /* the spool directory, while its files are read */
    void *spool;      /* its DIR stream (owned) */
    int dfd;
    char name[256];
    char path[300];   /* the part open or last tried (tm__reader_path) */
    char *buf;        /* owned: TM_READER_BUF bytes */
    size_t start, end;
    int skipping;     /* inside an over-long line */
    long long oversized; /* lines skipped for length */
    int borrowed;     /* tm__reader_open_fd: fd is the caller's */
    int partial_last; /* return a last line without '\n' */
    unsigned long long base; /* file offset of buf[0] (open_fd only) */
};

/* Opens the log `path` in `dfd` for reading without waiting (a FIFO never
 * blocks the open) and checks that it is a regular file.  Returns 0 with
 * *fd the descriptor (caller closes), 0 with *fd == -1 when there is no
 * such file, TM_ENOTREG when it is not a regular file (a FIFO, device,
 * socket or directory), or TM_EREAD with errno set (a symbolic link:
 * ELOOP). */
int tm__reader_open_log(int dfd, const char *path, int *fd);

/* Opens the logs `name` (and `name`.1) in the directory `dfd` (borrowed;
 * keep it open while reading), through tm__reader_open_log.  Missing files
 * read as empty.  Returns 0 or TM_ENOMEM / TM_EREAD / TM_ENOTREG; so can
 * tm__reader_next() when it goes on to the live file; tm__reader_path()
 * then names the file refused. */
int tm__reader_open(struct tm__reader *r, int dfd, const char *name);

/* Like tm__reader_open, for the one file `name` (no rotated part). */
int tm__reader_open_file(struct tm__reader *r, int dfd, const char *name);

/* A reader of the one descriptor `fd` (borrowed: not closed), from its
 * current offset, which must be 0.  A last line without '\n' is returned
 * only when `partial_last` (a file nobody appends to any more); otherwise
 * it is left for later.  Returns 0 or TM_ENOMEM. */
int tm__reader_open_fd(struct tm__reader *r, int fd, int partial_last);

/* With tm__reader_open_fd: the file offset just past the line last
 * returned (its '\n' included). */
unsigned long long tm__reader_offset(const struct tm__reader *r);

/* The file offset where `line`, the line tm__reader_next() just returned,
 * starts: with the end of the line before it, this shows the bytes of the
 * over-long lines skipped in between. */
unsigned long long tm__reader_line_offset(const struct tm__reader *r,
                                          const char *line);

/* The name (relative to the directory) of the part being read, or the one
 * whose open failed.  Borrowed from r; "" for tm__reader_open_fd. */
const char *tm__reader_path(const struct tm__reader *r);

/* Next line without its '\n' (not NUL-terminated; valid until the next
 * call).  Returns 1 with *line / *len set, 0 at the end, or TM_EREAD. */
int tm__reader_next(struct tm__reader *r, const char **line, size_t *len);

/* Releases the buffer and descriptors. */
void tm__reader_close(struct tm__reader *r);

#endif
