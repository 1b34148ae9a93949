/*
 * cli.h - shared pieces of the `telemetry` command.
 *
 * Error convention of the CLI (core/cli and core/cli/clickhouse):
 *   - Whoever prints a failure's message picks the exit code and returns
 *     it: a command (cmd_*) and every function that prints a failure
 *     returns EXIT_OK, EXIT_RUNTIME or EXIT_USAGE (enum cli_exit).  Its
 *     caller passes a code other than EXIT_OK on unchanged and prints
 *     nothing more.
 *   - A function that prints nothing returns 0 on success, or a negative
 *     value on failure, and its caller prints: the core's TM_* code
 *     (telemetry.h) when it passes one on, for cli_write_error() or
 *     tm_strerror() to name; else -1, the reason where the function's
 *     comment says (errno, or a `why` / `err` text it fills).  Callers
 *     test "!= 0" or "< 0", or compare with a named value (a TM_* code),
 *     never with a bare negative number.
 *   - What a function opens or makes (a collector, a descriptor, an
 *     object) is returned, or NULL / -1 when it could not be, after a
 *     message or with the reason as above.  A length or count is >= 0
 *     (cli_read_line: -1 at the end of input, as getline).
 *   - A result with a third outcome has a named type or named values,
 *     never a bare -1 / -2: enum cli_opt (parsing goes on, or the command
 *     ends now with an exit code), SHIP_LOCK_BUSY (ship_state.h).
 *   - Predicates (is_*, *_ok) return 1 or 0.
 *   - A function holding several resources has one exit that releases
 *     them: failures `goto out`.
 */
#ifndef TM_CLI_H
#define TM_CLI_H

#include <stdio.h>

#include "config.h"

/* Exit codes (README, "Using the CLI").  `telemetry run` exits with its
 * command's status, or with a shell's codes when the command cannot be
 * run. */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1,
    EXIT_USAGE = 2,
    EXIT_CANNOT_RUN = 126, /* found, not runnable */
    EXIT_NOT_FOUND = 127,
};

/* What an option parser says: the command goes on parsing (and running),
 * or it ends now with the exit code the parser stored (help printed:
 * EXIT_OK; a usage error: EXIT_USAGE). */
enum cli_opt {
    CLI_OPT_NEXT,
    CLI_OPT_END,
};

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* full help text */
    int filters;       /* takes the event filters (filter.h): help lists them */
};

/* "telemetry: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage error: the message and a pointer to --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints a command's help to stdout; returns EXIT_OK. */
int cli_help(const struct cli_command *cmd);

/* The command table entry by name, or NULL. */
const struct cli_command *cli_find(const char *name);

/* Sets cfg->dir from a --dir value; returns EXIT_OK, or EXIT_USAGE after
 * a message. */
int cli_set_dir(struct tm__config *cfg, const char *cmd, const char *dir);

/* Opens the collector for cfg or prints why not (with the fix) and returns
 * NULL. */
struct tm_collector *cli_open(const struct tm__config *cfg);

/* The options every command shares and getopt's errors: --dir ('d'),
 * --help ('h'), a missing value (':'), an unknown option.  Returns
 * CLI_OPT_NEXT when it set cfg and parsing goes on, or CLI_OPT_END with
 * the exit code the command returns now in *exit_code (help printed:
 * EXIT_OK; a message printed: EXIT_USAGE). */
enum cli_opt cli_common_option(const char *cmd, int opt,
                               struct tm__config *cfg, char **argv,
                               int *exit_code);

/* The directory, created and checked as cli_open() does, opened for *at()
 * calls; returns the descriptor (caller closes), or -1 after a message. */
int cli_open_dir(const struct tm__config *cfg);

/* Parses a whole number from 1 to max for an option; returns 0, or -1
 * when s is not one. */
int cli_parse_count(const char *s, long max, long *out);

/* Reads one line of at most `cap` bytes (no '\n', not NUL-terminated);
 * the rest of a longer line is read and dropped.  Returns the length, or
 * -1 at the end of input. */
long cli_read_line(FILE *f, char *buf, size_t cap);

#define CLI_SHIM_NAME "libtelemetry_shim.so"

/* dir + "/" + rel into out; returns 0, or -1 when it does not fit. */
int cli_join_path(char *out, size_t cap, const char *dir, const char *rel);

/* The shim: TELEMETRY_SHIM, else next to this binary, else ../lib from it.
 * Writes an absolute path; returns 0, or -1 when not found. */
int cli_find_shim(const struct tm__config *cfg, char *out, size_t cap);

/* Prepares getopt_long() for a new argument vector (GNU: optind = 0 also
 * forgets a half-read option cluster), errors reported by the caller. */
void cli_getopt_reset(void);

/* The whole command line: what main() runs, exposed for the fuzzer. */
int cli_main(int argc, char **argv);

/* Text that came from a log, for human output (README, "Human output escapes what came from a log"): C0 controls, DEL
 * and bytes that are not UTF-8 as \xHH, C1 controls and the bidi and
 * line-breaking format characters as \uXXXX (lowercase hex); anything else
 * as it is.  At most `width` columns are shown (an escape takes one per
 * byte, a character one); longer text is cut on a
 * character boundary and ends in "...".  s may be NULL (nothing shown).
 * cli_text writes into out (cap bytes, NUL-terminated; width is lowered to
 * cap - 1) and returns the bytes written; cli_put_text writes to f and
 * returns the columns shown.  --json output
 * never goes through here: the JSON encoder escapes exactly. */
size_t cli_text(char *out, size_t cap, const char *s, size_t width);
size_t cli_put_text(FILE *f, const char *s, size_t width);
#define CLI_TEXT_ALL ((size_t)-1)

/* The width of human tables (README "Terminal width"): COLUMNS when it is
 * a positive number, else the terminal's (TIOCGWINSZ on stdout), else 80;
 * never under CLI_WIDTH_MIN (the groups' fixed columns and a few letters
 * of the type and template).  A table never exceeds it unless --wide. */
#define CLI_WIDTH_MIN 50
size_t cli_width(void);

/* The columns cli_put_text(f, s, CLI_TEXT_ALL) would show. */
size_t cli_text_cols(const char *s);

/* Each '\n'-separated line of s (up to 4 KiB of each) as cli_put_text(f,
 * line, width), then '\n': a line built of cli_text() parts (already
 * escaped, so shown as it is) cut to the table's width. */
void cli_put_lines(FILE *f, const char *s, size_t width);

/* Why a write to the directory failed: for a TM_* code that comes from a
 * failing system call (TM_EDIR, TM_EFILE, TM_EWRITE, TM_EREAD, TM_EKEY) and
 * its errno `err`, writes "<strerror> (<ENAME>); fix: <advice>" into out
 * (one table, errno -> advice) and returns 1; else writes "" and returns 0. */
int cli_os_reason(int code, int err, char *out, size_t cap);

/* "telemetry: <what>: <tm_strerror(code)>[: <cli_os_reason>]" on stderr. */
void cli_write_error(const char *what, int code, int err);

/* Like cli_write_error, for a failed read of the central log in `dir`:
 * TM_ENOTREG names the part that is not a regular file. */
void cli_read_error(const char *what, const char *dir, int code, int err);

/* A stored time ("2026-11-25T18:42:16.123456Z") in the local time of TZ
 * with its UTC offset, "2026-11-25 19:42:16+01:00" (README "Times"), into
 * out (at least CLI_WHEN_SIZE bytes).  Returns its length; 0 and "" when
 * `stored` is not a time. */
#define CLI_WHEN_SIZE 40
size_t cli_when(const char *stored, char *out, size_t cap);

/* A run's end as `telemetry runs` shows it ("exit 0", "signal 9", "did
 * not finish", ...) and its duration ("850ms", "3.2s", "4m05s"), into out
 * (cmd_runs.c). */
struct tm__run;
void cli_run_status(const struct tm__run *r, char *out, size_t cap);
void cli_run_duration(const struct tm__run *r, char *out, size_t cap);

/* Colour only on a terminal and without NO_COLOR. */
int cli_use_color(FILE *f);

int cmd_record(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_patterns(int argc, char **argv);
int cmd_sanitize(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_group(int argc, char **argv);
int cmd_groups(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_ship(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
