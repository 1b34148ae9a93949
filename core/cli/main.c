/*
 * main.c - the `telemetry` command: command table and dispatch.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "filter.h"
#include "api.h"
#include "dir.h"
#include "store.h"
#include "telemetry.h"

static const struct cli_command commands[] = {
    {"record", cmd_record, "record one error by hand",
     "usage: telemetry record --repo R --agent A --type T --message M\n"
     "                        [--context K=V]... [--dir D]\n"
     "\n"
     "Records one event (source \"cli\") and prints its telemetry_id.\n"
     "--message - reads the message from standard input (up to 1 MiB).\n"
     "The message, agent and context values are sanitized first; a private\n"
     "repository name is stored as a keyed hash.  V is stored as a JSON\n"
     "number, true/false or null when it reads as one, else as a string.\n"
     "Only allow-listed context keys are kept (see README).\n", 0},
    {"summary", cmd_summary, "what failed, where, how often, what to do",
     "usage: telemetry summary [--json] [--wide] [--limit N] [FILTER]... [--dir D]\n"
     "\n"
     "Summarises the central log: totals by type, agent and repo, the\n"
     "patterns found with their suggestions, and the most frequent groups.\n"
     "  --limit N   at most N groups (default 20)\n"
     "  --json      the machine-readable summary object\n"
     "  --wide      lines not cut to the terminal's width\n"
     "  --clickhouse URL [--table DB.T]\n"
     "              the same summary over every event shipped to that table\n"
     "              (telemetry ship), computed by the server\n", 1},
    {"patterns", cmd_patterns, "only the patterns and their suggestions",
     "usage: telemetry patterns [--json] [--wide] [FILTER]... [--dir D]\n"
     "\n"
     "Prints the patterns found in the central log, each with its count and\n"
     "suggestion.  --json prints them as a JSON array; --wide does not wrap\n"
     "them to the terminal's width.\n", 1},
    {"sanitize", cmd_sanitize, "print text as storage would keep it",
     "usage: telemetry sanitize [TEXT]\n"
     "\n"
     "Prints TEXT, or each line of standard input, after the privacy rules:\n"
     "the same function storage applies before writing (storage then also\n"
     "cuts a message to 2,048 bytes).  Input is cut at the last whitespace\n"
     "before 64 KiB per line.\n", 0},
    {"groups", cmd_groups, "the distinct failures, most frequent first",
     "usage: telemetry groups [--json] [--wide] [--limit N] [FILTER]... [--dir D]\n"
     "\n"
     "Lists the groups of the central log: one line per distinct failure with\n"
     "its count, repositories, last time seen, id (its fingerprint shortened,\n"
     "unambiguous), type and template, cut to the terminal's width.\n"
     "  --wide      lines not cut\n", 1},
    {"group", cmd_group, "group messages read from standard input",
     "usage: telemetry group < messages\n"
     "\n"
     "Reads one message per line and prints, in order, one line\n"
     "'fingerprint<TAB>template' per message: the summary's grouping\n"
     "(variable tokens masked, templates clustered), then settled over the\n"
     "input, which the summary does not do (README \"Grouping\").  Reads up\n"
     "to 1,000,000 lines before it writes their groups.\n", 0},
    {"tail", cmd_tail, "the last events, readable; -f follows",
     "usage: telemetry tail [-n N] [-f] [--json] [--wide] [FILTER]... [--dir D]\n"
     "\n"
     "Prints the last N (default 10) events of the central log that the\n"
     "filters keep, one line each, times in the local zone with their UTC\n"
     "offset; -f keeps following it, across rotation, until interrupted.\n"
     "  --json   the events' lines exactly as stored (JSON Lines)\n"
     "  --wide   nothing cut (not to the terminal's width either: whole\n"
     "           names, types and messages); --full is the same\n", 1},
    {"show", cmd_show, "one group or one event, whole",
     "usage: telemetry show ID [--json] [-n N] [--dir D]\n"
     "\n"
     "ID is a group's fingerprint or a unique prefix of it (4 hex digits\n"
     "or more; 'telemetry groups' prints the shortest), or an event's\n"
     "telemetry_id ('telemetry tail --json').  A group: its count and fatal\n"
     "count, repositories, agents, runs, first and last time seen, culprit,\n"
     "template, an example and its last N events (default 5) with every\n"
     "field, stacks included.  An event: every field.  A prefix that fits\n"
     "several is an error that lists them.\n"
     "  --json   the group object of 'summary --json' with \"runs\" and\n"
     "           \"events\" (the stored events), or the stored event\n", 0},
    {"clean", cmd_clean, "remove events older than a duration",
     "usage: telemetry clean --older-than D [--dir D]\n"
     "\n"
     "Rewrites every log of the directory (live and rotated) without the\n"
     "events older than D (30d, 12h, 2w or an ISO-8601 UTC time): into a\n"
     "temporary file, then renamed over the original.  Writers wait for it\n"
     "(the directory lock), so no event is lost.  Lines that are not events\n"
     "are kept.\n", 0},
    {"doctor", cmd_doctor, "check the directory and the shim, say what to fix",
     "usage: telemetry doctor [--dir D]\n"
     "\n"
     "Says which telemetry directory is used and why (the configured one,\n"
     "the shared default, or your per-user default when the shared one is\n"
     "another user's), checks it (a real directory, yours, not writable\n"
     "by others), its free space, log files and spool directory, leftover\n"
     "temporary directories (.NAME.new-HEX) in it and beside it and its\n"
     "parents, the shim (found, loads into /bin/true, records a provoked\n"
     "failure).  Prints each check with OK or FAIL and the fix; exits 0\n"
     "only when all pass.\n", 0},
    {"run", cmd_run, "run a command with the shim preloaded",
     "usage: telemetry run [--repo R] [--agent A] [--capture MODE] [--report]\n"
     "                     [--dir D] -- CMD [ARG]...\n"
     "\n"
     "Runs CMD with libtelemetry_shim.so in LD_PRELOAD (an absolute path,\n"
     "appended to an existing LD_PRELOAD so that libasan stays first) and\n"
     "exits with CMD's status (or is ended by its signal).  The shim is\n"
     "$TELEMETRY_SHIM, else the one next to this program, else ../lib/ from\n"
     "it.  Children inherit it.  The run gets an id, TELEMETRY_RUN_ID (kept\n"
     "when already set to 16 lowercase hex digits; any other value is an\n"
     "error), which every event of its processes carries, and a start and\n"
     "an end record in runs.jsonl (see 'telemetry runs').  When it recorded\n"
     "failures, one line on stderr says so, on a terminal or with --report.\n"
     "  --repo R        TELEMETRY_REPO (default: the git work tree's name)\n"
     "  --agent A       TELEMETRY_AGENT (default: the script or program)\n"
     "  --capture MODE  significant (default), all or fatal\n"
     "  --report        the failures line on stderr even when not a terminal\n", 0},
    {"runs", cmd_runs, "one line per run, newest first",
     "usage: telemetry runs [--json] [--wide] [--since D] [--limit N] [--dir D]\n"
     "\n"
     "Lists the runs of `telemetry run` (and of TELEMETRY_RUN_ID set by a CI\n"
     "step), newest first: id, start, duration, command, how it ended (exit\n"
     "status, signal, or 'did not finish' when it has no end record), its\n"
     "events and fatal events, the failures its processes suppressed\n"
     "(probes + expected errors) and its repositories.\n"
     "  --since D   only runs since D (30m, 24h, 7d, 2w or ISO-8601 UTC)\n"
     "  --limit N   at most N runs (default 20)\n"
     "  --json      a JSON array, one object per run\n"
     "  --wide      lines not cut to the terminal's width\n"
     "  --clickhouse URL [--table DB.T] [--runs-table DB.T]\n"
     "              the runs shipped to those tables (telemetry ship)\n", 0},
    {"report", cmd_report, "an HTML page or Markdown tables for people",
     "usage: telemetry report (--html FILE | --markdown) [FILTER]... [--dir D]\n"
     "\n"
     "The summary's facts for people: totals, failures over time by\n"
     "category, by repository and by agent, the top groups with their\n"
     "culprit and an example, the patterns with their advice, the runs.\n"
     "  --html FILE  one self-contained page (inline CSS and SVG charts, no\n"
     "               script, nothing fetched) into FILE ('-': stdout)\n"
     "  --markdown   GitHub-flavoured Markdown tables on standard output\n"
     "               (e.g. >> \"$GITHUB_STEP_SUMMARY\")\n"
     "Text from the log is escaped: it cannot add markup, links or HTML.\n", 1},
    {"ship", cmd_ship, "send new events to a ClickHouse table",
     "usage: telemetry ship --clickhouse URL [--table DB.T] [--runs-table DB.T]\n"
     "                      [--batch N] [--dir D]\n"
     "\n"
     "Sends the events of the central log not sent before to a ClickHouse\n"
     "server over its HTTP interface (URL like http://127.0.0.1:8123), as\n"
     "JSONEachRow in batches of N (default 1000).  Creates the database and\n"
     "the table (default telemetry.events) when missing.  How far it got is\n"
     "kept in ship-<hash>.state in the directory, saved only after the server\n"
     "acknowledged a batch: a failed or interrupted run is simply run again;\n"
     "the table keeps one copy of an event sent twice.  Credentials come from\n"
     "TELEMETRY_CLICKHOUSE_USER and TELEMETRY_CLICKHOUSE_PASSWORD, never\n"
     "from the URL.  Prints progress on stderr when it is a terminal.\n"
     "Then sends the run file's records (telemetry runs) the same way to\n"
     "--runs-table (default telemetry.runs).\n", 0},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("telemetry: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "telemetry: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'telemetry %s --help'.\n", cmd);
    return EXIT_USAGE;
}

int cli_help(const struct cli_command *cmd)
{
    fputs(cmd->usage, stdout);
    if (cmd->filters)
        cli_filter_help(stdout);
    fputs("\nEvery command takes --dir D (default: $TELEMETRY_DIR, else "
          TM_DEFAULT_DIR ",\nor " TM_DEFAULT_DIR "-UID when that one is "
          "another user's; 'telemetry doctor' says which).\n", stdout);
    return EXIT_OK;
}

const struct cli_command *cli_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int cli_set_dir(struct tm__config *cfg, const char *cmd, const char *dir)
{
    if (*dir == '\0')
        return cli_usage(cmd, "--dir needs a directory");
    if (tm__strlcpy(cfg->dir, dir, sizeof(cfg->dir)) != 0)
        return cli_usage(cmd, "--dir is too long");
    cfg->dir_is_default = 0;
    return EXIT_OK;
}

enum cli_opt cli_common_option(const char *cmd, int opt,
                               struct tm__config *cfg, char **argv,
                               int *exit_code)
{
    switch (opt) {
    case 'd':
        *exit_code = cli_set_dir(cfg, cmd, optarg);
        return *exit_code == EXIT_OK ? CLI_OPT_NEXT : CLI_OPT_END;
    case 'h':
        *exit_code = cli_help(cli_find(cmd));
        return CLI_OPT_END;
    case ':':
        *exit_code = cli_usage(cmd, "%s needs a value", argv[optind - 1]);
        return CLI_OPT_END;
    default:
        *exit_code = cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
        return CLI_OPT_END;
    }
}

static const char *fix_for(int err)
{
    switch (err) {
    case TM_EDIRLINK:
        return "use a real directory (not a symlink) with --dir or TELEMETRY_DIR";
    case TM_EDIROWNER:
        return "use a directory you own, with --dir or TELEMETRY_DIR "
               "('telemetry doctor' explains the default)";
    case TM_EDIRPERM:
        return "run 'chmod go-w' on it, or use another directory";
    case TM_ENOTDIR:
        return "remove that file or choose another path";
    case TM_EINVAL:
        return "the path is empty or too long";
    default:
        return "check that the path exists and is writable by you";
    }
}

/* The message for a directory tm__dir_use() refused; `used` is the one it
 * tried last (the per-user default, say), else the configured one. */
static void dir_error(const struct tm__config *cfg, const char *used, int err)
{
    cli_error("cannot use directory '%s': %s (%s)", used[0] ? used : cfg->dir,
              tm_strerror(err), fix_for(err));
}

struct tm_collector *cli_open(const struct tm__config *cfg)
{
    char used[PATH_MAX];
    int err = 0, fd;
    struct tm_collector *c;

    /* The directory is resolved here first only for the message: the
     * collector resolves it again, by the same rule. */
    if ((fd = tm__dir_use(cfg, 1, used, sizeof(used), NULL)) < 0) {
        dir_error(cfg, used, fd);
        return NULL;
    }
    close(fd);
    if ((c = tm__collector_open(cfg, &err)) == NULL)
        dir_error(cfg, "", err);
    return c;
}

int cli_open_dir(const struct tm__config *cfg)
{
    char used[PATH_MAX];
    int dfd = tm__dir_use(cfg, 1, used, sizeof(used), NULL);

    if (dfd < 0) {
        dir_error(cfg, used, dfd);
        return -1;
    }
    return dfd;
}

/* Configuration too long for its buffer is refused, never cut (README "Storage"):
 * returns EXIT_OK, or EXIT_USAGE after a message naming the variable. */
static int check_config(void)
{
    struct tm__config cfg = {0};

    tm__config_from_env(&cfg);
    if (cfg.too_long == NULL)
        return EXIT_OK;
    cli_error("%s is too long: %zu bytes at most (refused, never cut); "
              "shorten it or unset it", cfg.too_long->name, cfg.too_long->max);
    return EXIT_USAGE;
}

int cli_parse_count(const char *s, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

long cli_read_line(FILE *f, char *buf, size_t cap)
{
    size_t n = 0;
    int ch;

    while ((ch = getc_unlocked(f)) != EOF && ch != '\n')
        if (n < cap)
            buf[n++] = (char)ch;
    if (ch == EOF && n == 0)
        return -1;
    return (long)n;
}

int cli_use_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && (nc == NULL || *nc == '\0');
}

static void usage_all(FILE *f)
{
    fputs("usage: telemetry <command> [options]\n"
          "       telemetry <command> --help | telemetry --version\n\n"
          "Commands:\n", f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nExit codes: 0 success, 1 runtime failure, 2 usage error.\n", f);
}

/* The long options a command's help text names (each "--word" once, in
 * order), then --help and --dir, one a line: what the bash completion
 * offers, so the help text is the one home of a command's options. */
static int list_options(const struct cli_command *cmd)
{
    const char *u = cmd->usage;

    for (const char *p = strstr(u, "--"); p != NULL; p = strstr(p + 2, "--")) {
        size_t n = 2;
        int seen = 0;

        while (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z'))
            n++;
        if (n == 2 || (p > u && p[-1] != ' ' && p[-1] != '[' && p[-1] != '\n'))
            continue;
        for (const char *q = strstr(u, "--"); q < p; q = strstr(q + 2, "--"))
            if (strncmp(q, p, n) == 0 && !(q[n] == '-' || (q[n] >= 'a' && q[n] <= 'z')) &&
                (q == u || q[-1] == ' ' || q[-1] == '[' || q[-1] == '\n'))
                seen = 1;
        if (!seen && strncmp(p, "--help", n) != 0 && strncmp(p, "--dir", n) != 0)
            printf("%.*s\n", (int)n, p);
    }
    if (cmd->filters) {
        struct option f[CLI_F_COUNT];
        size_t n = cli_filter_options(f);
        for (size_t i = 0; i < n; i++)
            printf("--%s\n", f[i].name);
    }
    fputs("--help\n--dir\n", stdout);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}

/* Hidden: "telemetry --commands" lists the command names, "telemetry
 * --commands CMD" that command's options (for the bash completion). */
static int list_commands(int argc, char **argv)
{
    const struct cli_command *cmd;

    if (argc > 2) {
        if ((cmd = cli_find(argv[2])) == NULL)
            return EXIT_USAGE;
        return list_options(cmd);
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        puts(commands[i].name);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}

/* Text into roff: a backslash as \e, a hyphen as \-, a leading dot or
 * quote guarded with \&. */
static void roff_text(const char *s)
{
    int bol = 1;

    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", stdout);
        bol = *s == '\n';
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

/* Hidden: "telemetry --man" writes the manual page telemetry.1 from the
 * command table and the help texts (the build runs it; README "Manual
 * page and completion"). */
static int print_man(void)
{
    fputs(".TH TELEMETRY 1 \"\" \"agent-telemetry " TM_VERSION "\" \"User Commands\"\n"
          ".SH NAME\ntelemetry \\- record and summarise the failures of "
          "agents' processes\n"
          ".SH SYNOPSIS\n.B telemetry\n.I command\n[\\fIoptions\\fR]\n.br\n"
          ".B telemetry\n.I command\n.B \\-h\n.br\n.B telemetry \\-\\-version\n"
          ".SH DESCRIPTION\n"
          "agent\\-telemetry records the failing system calls of agents' processes\n"
          "(through the preloaded shim, see \\fBtelemetry run\\fR) and of\n"
          "\\fBtelemetry record\\fR into a central log, and reads them back\n"
          "grouped, with patterns and suggestions.\n"
          "Each command prints its help with \\fB\\-h\\fR or \\fB\\-\\-help\\fR.\n"
          ".SH COMMANDS\n", stdout);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        printf(".SS %s\n", commands[i].name);
        roff_text(commands[i].summary);
        fputs(".\n.PP\n.nf\n", stdout);
        roff_text(commands[i].usage);
        if (commands[i].filters) {
            char *text = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&text, &len);
            if (m != NULL) {
                cli_filter_help(m);
                if (fclose(m) == 0)
                    roff_text(text);
            }
            free(text);
        }
        fputs(".fi\n", stdout);
    }
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B TELEMETRY_DIR\nthe telemetry directory (default " TM_DEFAULT_DIR
          ",\nor " TM_DEFAULT_DIR "\\-UID when that one is another user's).\n"
          ".TP\n.B TELEMETRY_REPO\nthe repository name of the events.\n"
          ".TP\n.B TELEMETRY_AGENT\nthe agent name of the events.\n"
          ".TP\n.B TELEMETRY_RUN_ID\nthe run the events belong to.\n"
          ".TP\n.B TELEMETRY_SHIM\nthe shim \\fBtelemetry run\\fR preloads.\n"
          ".TP\n.B COLUMNS\nthe width of human tables (else the terminal's, else 80).\n"
          ".TP\n.B NO_COLOR\nno colour when set and not empty.\n"
          ".PP\nThe README lists every variable.\n"
          ".SH FILES\n"
          ".TP\n.I " TM_DEFAULT_DIR "/\nthe central log (events.jsonl, rotated logs), "
          "runs.jsonl and the key.\n"
          ".SH EXIT STATUS\n"
          "0 success, 1 runtime failure, 2 usage error;\n"
          "\\fBtelemetry run\\fR exits with its command's status.\n"
          ".SH SEE ALSO\n"
          ".BR ld.so (8),\n"
          "the README of agent\\-telemetry.\n", stdout);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
}

/* Levenshtein distance of a and b, counted up to 31 bytes of each (a
 * command name is shorter; a longer word is no near miss anyway). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strnlen(a, 31), lb = strnlen(b, 31), row[32];

    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* An unknown command, git-style: the closest commands of the table when
 * they are close (at most 2 edits, and fewer than half the word's letters),
 * never the whole usage.  Returns EXIT_USAGE. */
static int not_a_command(const char *word)
{
    size_t best = (size_t)-1, len = strnlen(word, 31), shown = 0;

    for (size_t i = 0; i < NCOMMANDS; i++) {
        size_t d = edit_distance(word, commands[i].name);
        if (d < best)
            best = d;
    }
    fputs("telemetry: '", stderr);
    cli_put_text(stderr, word, 64);
    fputs("' is not a command.", stderr);
    if (best > 2 || best * 2 > len) {
        fputs(" See 'telemetry --help'.\n", stderr);
        return EXIT_USAGE;
    }
    fputs(" Did you mean", stderr);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (edit_distance(word, commands[i].name) == best)
            fprintf(stderr, "%s'%s'", shown++ ? " or " : " ", commands[i].name);
    fputs("?\n", stderr);
    return EXIT_USAGE;
}

void cli_getopt_reset(void)
{
    optind = 0;
    opterr = 0;
}

int cli_main(int argc, char **argv)
{
    const struct cli_command *cmd;
    int rc;

    if (argc < 2) {
        usage_all(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2 && (cmd = cli_find(argv[2])) != NULL)
            return cli_help(cmd);
        usage_all(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("telemetry %s\n", TM_VERSION);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--commands") == 0) /* for the bash completion */
        return list_commands(argc, argv);
    if (strcmp(argv[1], "--man") == 0) /* the build writes telemetry.1 */
        return print_man();
    cmd = cli_find(argv[1]);
    if (cmd == NULL)
        return not_a_command(argv[1]);
    if ((rc = check_config()) != EXIT_OK)
        return rc;
    return cmd->run(argc - 1, argv + 1);
}

#ifndef TM_NO_MAIN
int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
#endif
