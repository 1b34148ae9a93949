/*
 * oserr.c - why a write to the telemetry directory failed, and what to do
 * about it (see cli.h): one table, errno -> advice, used by every command
 * that writes.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "store.h"
#include "telemetry.h"

/* X(errno, what to do).  The reason itself is strerror()'s sentence. */
#define CLI_OS_ERRORS(X)                                                       \
    X(ENOSPC, "free space on that file system, or point --dir / TELEMETRY_DIR " \
              "at another one")                                                \
    X(EDQUOT, "remove files you own on that file system, or ask for a larger " \
              "quota")                                                         \
    X(EROFS, "the file system is mounted read-only: point --dir / "            \
             "TELEMETRY_DIR at a writable one")                                \
    X(EACCES, "the directory or a log in it is not writable by you: check its " \
              "owner and mode ('telemetry doctor')")                           \
    X(EPERM, "the operation is refused (an immutable or append-only log? "     \
             "check with lsattr), or use another directory")                   \
    X(EFBIG, "the log passed the file size limit (ulimit -f) or the file "     \
             "system's: raise the limit, or lower TELEMETRY_MAX_BYTES so "     \
             "logs rotate sooner")                                             \
    X(EMFILE, "this process has too many open files: raise 'ulimit -n' or "    \
              "close descriptors")                                             \
    X(ENFILE, "the system's open-file table is full: close programs, or "      \
              "raise fs.file-max")                                             \
    X(EIO, "the device or network file system failed: check it (dmesg), "      \
           "then retry")                                                       \
    X(ENOENT, "the directory or a log was removed while in use: run the "      \
              "command again")                                                 \
    X(ELOOP, "a log in the directory is a symbolic link: remove it "           \
             "('telemetry doctor' lists it)")                                  \
    X(ENOTDIR, "a part of the directory's path is not a directory: fix "       \
               "--dir / TELEMETRY_DIR")                                        \
    X(EISDIR, "a log's name is taken by a directory: rename that directory")   \
    X(ENXIO, "a log is a FIFO or device: remove it, the next event creates "   \
             "a regular file")                                                 \
    X(ENAMETOOLONG, "use a shorter --dir / TELEMETRY_DIR path")                \
    X(ENOMEM, "the system is out of memory: retry later")                      \
    X(ETXTBSY, "a log is in use as a program: remove it")                      \
    X(EAGAIN, "the file is busy: retry")                                       \
    X(EINTR, "interrupted: retry")

struct os_error {
    int err;
    const char *name, *fix;
};

static const struct os_error os_errors[] = {
#define CLI__ROW(e, fix) {e, #e, fix},
    CLI_OS_ERRORS(CLI__ROW)
#undef CLI__ROW
};

/* The codes whose failure is a system call's (errno then says why). */
static int from_syscall(int code)
{
    return code == TM_EDIR || code == TM_EFILE || code == TM_EWRITE ||
           code == TM_EREAD || code == TM_EKEY;
}

int cli_os_reason(int code, int err, char *out, size_t cap)
{
    const struct os_error *row = NULL;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!from_syscall(code) || err == 0)
        return 0;
    for (size_t i = 0; i < sizeof(os_errors) / sizeof(os_errors[0]); i++)
        if (os_errors[i].err == err)
            row = &os_errors[i];
    if (row == NULL)
        snprintf(out, cap, "%s (errno %d)", strerror(err), err);
    else
        snprintf(out, cap, "%s (%s); fix: %s", strerror(err), row->name,
                 row->fix);
    return 1;
}

void cli_write_error(const char *what, int code, int err)
{
    char why[512];

    if (cli_os_reason(code, err, why, sizeof(why)))
        cli_error("%s: %s: %s", what, tm_strerror(code), why);
    else
        cli_error("%s: %s", what, tm_strerror(code));
}

void cli_read_error(const char *what, const char *dir, int code, int err)
{
    static const char *const parts[] = {TM_CENTRAL_LOG TM_ROTATED_SUFFIX, TM_CENTRAL_LOG};
    char path[4200];
    struct stat st;

    if (code == TM_ENOTREG) {
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            if (cli_join_path(path, sizeof(path), dir, parts[i]) == 0 &&
                lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
                cli_error("%s: '%s': %s; nothing was read or changed: remove "
                          "or rename it (events go to a regular file)",
                          what, path, tm_strerror(code));
                return;
            }
        }
    }
    cli_write_error(what, code, err);
}
