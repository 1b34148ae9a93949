/*
 * message.c - the text of a shim event: "[Errno N] text: 'path'", the
 * flags and the file type.  Hand-written formatting into fixed buffers: no
 * snprintf, no allocation (the failure path may run in a signal handler).
 */
#include "message.h"

#include <fcntl.h>
#include <string.h>

#include "classify.h"
#include "jsonw.h"

static void put_num(struct tm__buf *b, long v)
{
    char tmp[24];
    tmp[tm__fmt_i64(tmp, v)] = '\0';
    tm__buf_put(b, tmp);
}

void tm__flags_text(int flags, char *out, size_t cap)
{
    static const struct {
        int bit;
        const char *name;
    } bits[] = {
        {O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"}, {O_TRUNC, "O_TRUNC"},
        {O_APPEND, "O_APPEND"}, {O_NONBLOCK, "O_NONBLOCK"},
        {O_NOFOLLOW, "O_NOFOLLOW"}, {O_CLOEXEC, "O_CLOEXEC"},
        {O_NOCTTY, "O_NOCTTY"}, {O_SYNC, "O_SYNC"}, {O_PATH, "O_PATH"},
    };
    struct tm__buf b = {out, cap, 0};
    int acc = flags & O_ACCMODE;

    out[0] = '\0';
    tm__buf_put(&b, acc == O_WRONLY ? "O_WRONLY" : acc == O_RDWR ? "O_RDWR" : "O_RDONLY");
    if ((flags & O_TMPFILE) == O_TMPFILE)
        tm__buf_put(&b, "|O_TMPFILE");
    else if (flags & O_DIRECTORY)
        tm__buf_put(&b, "|O_DIRECTORY");
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if ((flags & bits[i].bit) == bits[i].bit) {
            tm__buf_put(&b, "|");
            tm__buf_put(&b, bits[i].name);
        }
}

/* Extension of the last component, or "lock"; "" when none. */
void tm__file_type(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/'), *dot;

    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    out[0] = '\0';
    if (dot == NULL || dot == base || dot[1] == '\0' || strlen(dot + 1) >= cap)
        return;
    memcpy(out, dot + 1, strlen(dot + 1) + 1);
}

/* "[Errno N] text: 'path'" (and " -> 'path2'" for renames): the message an
 * agent's Python OSError would carry. */
void tm__message(const struct tm__failure *f, char *out, size_t cap)
{
    struct tm__buf b = {out, cap, 0};

    out[0] = '\0';
    tm__buf_put(&b, "[Errno ");
    put_num(&b, f->err);
    tm__buf_put(&b, "] ");
    tm__buf_put(&b, tm__errno_info(f->err)->message);
    if (f->path[0]) {
        tm__buf_put(&b, ": '");
        tm__buf_put(&b, f->path);
        tm__buf_put(&b, "'");
        if (f->path2[0]) {
            tm__buf_put(&b, " -> '");
            tm__buf_put(&b, f->path2);
            tm__buf_put(&b, "'");
        }
    }
}

