/*
 * argv.c - the agent's name from argv: which argument is the script of an
 * interpreter (see argv.h).
 *
 * Each interpreter family has one grammar: a table of its options that do
 * more than switch something on (take a value, take code, name a module,
 * end the options), the letters that are plain switches, how short
 * options combine, and what an unknown option means.  Taken from the
 * interpreters' own usage texts (bash --help, python3 --help, node --help,
 * perl -h, ruby -h) and checked against the real programs where installed.
 * When the grammar cannot tell, there is no script: the program names the
 * agent.  A wrong guess must never make code or a value the agent.
 */
#include "argv.h"

#include <string.h>

enum kind {
    ARG_FLAG,     /* takes nothing */
    ARG_VALUE,    /* takes a value: attached (cluster rest, "=v") or next */
    ARG_ATTACHED, /* optional value, attached only: the rest of the cluster */
    ARG_DIGITS,   /* optional attached characters from `chars`; the cluster
                     goes on after them (perl -0777, -l0) */
    ARG_CODE,     /* the program is code (its value or the first operand) */
    ARG_STDIN,    /* the program is read from standard input */
    ARG_MODULE,   /* its value names a module, run as the program */
    ARG_END,      /* end of options: the next argument is the script */
    ARG_UNKNOWN,  /* (a grammar's policy) not understood: no script */
};

/* Names are arrays, not pointers: nothing of these tables is relocated at
 * start (README "Performance"); a longer name does not compile. */
struct opt {
    char name[48]; /* "-c", "--rcfile", "-", "--", "-pe" */
    enum kind kind;
    const char *chars; /* ARG_DIGITS only */
};

enum cluster {
    CL_NONE, /* no combined short options: "-ec" is one unknown option */
    CL_REST, /* "-Bc code", "-Xdev": a value is the rest, else the next */
    CL_NEXT, /* "-eo pipefail": a value is always the next argument, the
                cluster goes on (sh, bash, dash) */
};

struct grammar {
    const struct opt *opts;
    size_t nopts;
    const char *flags; /* short option letters that take nothing */
    enum cluster cluster;
    int plus;                /* "+o name", "+e" are options too */
    enum kind unknown_short; /* ARG_FLAG or ARG_UNKNOWN */
    enum kind unknown_long;
};

#define GRAMMAR(opts, flags, cluster, plus, ushort, ulong) \
    {opts, sizeof(opts) / sizeof(opts[0]), flags, cluster, plus, ushort, ulong}

/* sh, dash, bash, ash, ksh, mksh: `-c` makes the first operand code,
 * `-s` reads standard input, `-o`/`-O` take the next argument even when
 * combined (-eo pipefail) or followed by letters (bash reads -opipefail as
 * -o with the next argument, then the letters p, i, p ...).  A lone "-"
 * ends the options like "--". */
static const struct opt shell_opts[] = {
    {"-", ARG_END, NULL},
    {"--", ARG_END, NULL},
    {"-c", ARG_CODE, NULL},
    {"-s", ARG_STDIN, NULL},
    {"-o", ARG_VALUE, NULL},
    {"-O", ARG_VALUE, NULL},
    {"--rcfile", ARG_VALUE, NULL},
    {"--init-file", ARG_VALUE, NULL},
    {"--debug", ARG_FLAG, NULL},
    {"--debugger", ARG_FLAG, NULL},
    {"--dump-po-strings", ARG_FLAG, NULL},
    {"--dump-strings", ARG_FLAG, NULL},
    {"--help", ARG_FLAG, NULL},
    {"--login", ARG_FLAG, NULL},
    {"--noediting", ARG_FLAG, NULL},
    {"--noprofile", ARG_FLAG, NULL},
    {"--norc", ARG_FLAG, NULL},
    {"--posix", ARG_FLAG, NULL},
    {"--pretty-print", ARG_FLAG, NULL},
    {"--restricted", ARG_FLAG, NULL},
    {"--verbose", ARG_FLAG, NULL},
    {"--version", ARG_FLAG, NULL},
};

/* zsh: nearly every letter is some option and every option name is a
 * long option (--shwordsplit); -o takes an attached or the next value;
 * -b ends the options. */
static const struct opt zsh_opts[] = {
    {"-", ARG_END, NULL},
    {"--", ARG_END, NULL},
    {"-b", ARG_END, NULL},
    {"-c", ARG_CODE, NULL},
    {"-s", ARG_STDIN, NULL},
    {"-o", ARG_VALUE, NULL},
};

/* python, python3, python3.11, pypy3 (-Q, -3, -R, -t, -U: Python 2). */
static const struct opt python_opts[] = {
    {"-", ARG_STDIN, NULL},
    {"--", ARG_END, NULL},
    {"-c", ARG_CODE, NULL},
    {"-m", ARG_MODULE, NULL},
    {"-W", ARG_VALUE, NULL},
    {"-X", ARG_VALUE, NULL},
    {"-Q", ARG_VALUE, NULL},
    {"--check-hash-based-pycs", ARG_VALUE, NULL},
    {"--help", ARG_FLAG, NULL},
    {"--help-env", ARG_FLAG, NULL},
    {"--help-xoptions", ARG_FLAG, NULL},
    {"--help-all", ARG_FLAG, NULL},
    {"--version", ARG_FLAG, NULL},
};

/* node, nodejs: no combined options ("-pe" is an alias of its own); a
 * long option's value is "=v" or the next argument.  V8's own options
 * (--stack-size=N) only take "=v", so an unknown long option is a
 * switch. */
static const struct opt node_opts[] = {
    {"-", ARG_STDIN, NULL},
    {"--", ARG_END, NULL},
    {"-e", ARG_CODE, NULL},
    {"--eval", ARG_CODE, NULL},
    {"-p", ARG_CODE, NULL},
    {"--print", ARG_CODE, NULL},
    {"-pe", ARG_CODE, NULL},
    {"--run", ARG_CODE, NULL}, /* a package.json script, not a file */
    {"-r", ARG_VALUE, NULL},
    {"--require", ARG_VALUE, NULL},
    {"-C", ARG_VALUE, NULL},
    {"--conditions", ARG_VALUE, NULL},
    {"--import", ARG_VALUE, NULL},
    {"--loader", ARG_VALUE, NULL},
    {"--experimental-loader", ARG_VALUE, NULL},
    {"--input-type", ARG_VALUE, NULL},
    {"--title", ARG_VALUE, NULL},
    {"--env-file", ARG_VALUE, NULL},
    {"--env-file-if-exists", ARG_VALUE, NULL},
    {"--allow-fs-read", ARG_VALUE, NULL},
    {"--allow-fs-write", ARG_VALUE, NULL},
    {"--build-snapshot-config", ARG_VALUE, NULL},
    {"--cpu-prof-dir", ARG_VALUE, NULL},
    {"--cpu-prof-interval", ARG_VALUE, NULL},
    {"--cpu-prof-name", ARG_VALUE, NULL},
    {"--debug-port", ARG_VALUE, NULL},
    {"--inspect-port", ARG_VALUE, NULL},
    {"--inspect-publish-uid", ARG_VALUE, NULL},
    {"--diagnostic-dir", ARG_VALUE, NULL},
    {"--disable-proto", ARG_VALUE, NULL},
    {"--disable-warning", ARG_VALUE, NULL},
    {"--dns-result-order", ARG_VALUE, NULL},
    {"--experimental-default-type", ARG_VALUE, NULL},
    {"--experimental-policy", ARG_VALUE, NULL},
    {"--experimental-sea-config", ARG_VALUE, NULL},
    {"--heap-prof-dir", ARG_VALUE, NULL},
    {"--heap-prof-interval", ARG_VALUE, NULL},
    {"--heap-prof-name", ARG_VALUE, NULL},
    {"--heapsnapshot-near-heap-limit", ARG_VALUE, NULL},
    {"--heapsnapshot-signal", ARG_VALUE, NULL},
    {"--icu-data-dir", ARG_VALUE, NULL},
    {"--max-http-header-size", ARG_VALUE, NULL},
    {"--network-family-autoselection-attempt-timeout", ARG_VALUE, NULL},
    {"--openssl-config", ARG_VALUE, NULL},
    {"--policy-integrity", ARG_VALUE, NULL},
    {"--redirect-warnings", ARG_VALUE, NULL},
    {"--report-dir", ARG_VALUE, NULL},
    {"--report-directory", ARG_VALUE, NULL},
    {"--report-filename", ARG_VALUE, NULL},
    {"--report-signal", ARG_VALUE, NULL},
    {"--secure-heap", ARG_VALUE, NULL},
    {"--secure-heap-min", ARG_VALUE, NULL},
    {"--snapshot-blob", ARG_VALUE, NULL},
    {"--test-concurrency", ARG_VALUE, NULL},
    {"--test-name-pattern", ARG_VALUE, NULL},
    {"--test-reporter", ARG_VALUE, NULL},
    {"--test-reporter-destination", ARG_VALUE, NULL},
    {"--test-shard", ARG_VALUE, NULL},
    {"--test-timeout", ARG_VALUE, NULL},
    {"--tls-cipher-list", ARG_VALUE, NULL},
    {"--tls-keylog", ARG_VALUE, NULL},
    {"--trace-event-categories", ARG_VALUE, NULL},
    {"--trace-event-file-pattern", ARG_VALUE, NULL},
    {"--trace-require-module", ARG_VALUE, NULL},
    {"--unhandled-rejections", ARG_VALUE, NULL},
    {"--use-largepages", ARG_VALUE, NULL},
    {"--v8-pool-size", ARG_VALUE, NULL},
    {"--watch-path", ARG_VALUE, NULL},
};

/* perl: -e/-E code (several allowed), -I dir attached or next; -0 and -l
 * take digits and the cluster goes on (-lne, -0777e); -i, -x, -d, -D, -V,
 * -C, -F, -m, -M take the rest of the cluster (perl -M needs it
 * attached). */
static const struct opt perl_opts[] = {
    {"-", ARG_STDIN, NULL},
    {"--", ARG_END, NULL},
    {"-e", ARG_CODE, NULL},
    {"-E", ARG_CODE, NULL},
    {"-I", ARG_VALUE, NULL},
    {"-0", ARG_DIGITS, "0123456789"},
    {"-l", ARG_DIGITS, "01234567"},
    {"-C", ARG_ATTACHED, NULL},
    {"-d", ARG_ATTACHED, NULL},
    {"-D", ARG_ATTACHED, NULL},
    {"-F", ARG_ATTACHED, NULL},
    {"-i", ARG_ATTACHED, NULL},
    {"-m", ARG_ATTACHED, NULL},
    {"-M", ARG_ATTACHED, NULL},
    {"-V", ARG_ATTACHED, NULL},
    {"-x", ARG_ATTACHED, NULL},
    {"--help", ARG_FLAG, NULL},
    {"--version", ARG_FLAG, NULL},
};

/* ruby: -e code; -C/-X dir, -I dir, -r lib, -E enc attached or next; -0
 * octal digits; -W level digits ("-W:category" whole); -x, -i, -F, -K
 * attached only.  An unknown long option is a switch: --enable-gems,
 * --disable-did_you_mean, --yjit-* are too many to list. */
static const struct opt ruby_opts[] = {
    {"-", ARG_STDIN, NULL},
    {"--", ARG_END, NULL},
    {"-e", ARG_CODE, NULL},
    {"-C", ARG_VALUE, NULL},
    {"-X", ARG_VALUE, NULL},
    {"-I", ARG_VALUE, NULL},
    {"-r", ARG_VALUE, NULL},
    {"-E", ARG_VALUE, NULL},
    {"-0", ARG_DIGITS, "01234567"},
    {"-T", ARG_DIGITS, "0123456789"},
    {"-W", ARG_DIGITS, "0123456789"},
    {"-W:deprecated", ARG_FLAG, NULL},
    {"-W:no-deprecated", ARG_FLAG, NULL},
    {"-W:experimental", ARG_FLAG, NULL},
    {"-W:no-experimental", ARG_FLAG, NULL},
    {"-W:performance", ARG_FLAG, NULL},
    {"-W:no-performance", ARG_FLAG, NULL},
    {"-x", ARG_ATTACHED, NULL},
    {"-i", ARG_ATTACHED, NULL},
    {"-F", ARG_ATTACHED, NULL},
    {"-K", ARG_ATTACHED, NULL},
    {"--encoding", ARG_VALUE, NULL},
    {"--external-encoding", ARG_VALUE, NULL},
    {"--internal-encoding", ARG_VALUE, NULL},
    {"--enable", ARG_VALUE, NULL},
    {"--disable", ARG_VALUE, NULL},
    {"--dump", ARG_VALUE, NULL},
    {"--backtrace-limit", ARG_VALUE, NULL},
    {"--crash-report", ARG_VALUE, NULL},
    {"--parser", ARG_VALUE, NULL},
};

static const struct grammar shell =
    GRAMMAR(shell_opts, "abefhiklmnprtuvxBCDEHPT", CL_NEXT, 1, ARG_UNKNOWN,
            ARG_UNKNOWN);
static const struct grammar zsh =
    GRAMMAR(zsh_opts, "", CL_REST, 1, ARG_FLAG, ARG_FLAG);
static const struct grammar python =
    GRAMMAR(python_opts, "bBdEhiIOPqsSuvVx?3RtU", CL_REST, 0, ARG_UNKNOWN,
            ARG_UNKNOWN);
static const struct grammar node =
    GRAMMAR(node_opts, "chiv", CL_NONE, 0, ARG_UNKNOWN, ARG_FLAG);
static const struct grammar perl =
    GRAMMAR(perl_opts, "acfgnpsStTuUvwWXh", CL_REST, 0, ARG_UNKNOWN,
            ARG_UNKNOWN);
static const struct grammar ruby =
    GRAMMAR(ruby_opts, "acdhlnpsSUvwy", CL_REST, 0, ARG_UNKNOWN, ARG_FLAG);

/* The interpreters by program name: the name, optionally followed by a
 * version made of digits and dots (python3.11, perl5.36.0, ruby3.1). */
static const struct interp {
    char name[8];
    const struct grammar *grammar;
} interps[] = {
    {"sh", &shell},      {"bash", &shell},     {"dash", &shell},
    {"ash", &shell},     {"ksh", &shell},      {"mksh", &shell},
    {"zsh", &zsh},       {"python", &python},  {"pypy", &python},
    {"node", &node},     {"nodejs", &node},    {"perl", &perl},
    {"ruby", &ruby},
};

static const struct grammar *grammar_of(const char *prog, size_t n)
{
    for (size_t i = 0; i < sizeof(interps) / sizeof(interps[0]); i++) {
        size_t k = strlen(interps[i].name);
        if (n < k || memcmp(prog, interps[i].name, k) != 0)
            continue;
        while (k < n && ((prog[k] >= '0' && prog[k] <= '9') || prog[k] == '.'))
            k++;
        if (k == n)
            return interps[i].grammar;
    }
    return NULL;
}

/* The last component of path[0..n): trailing slashes ignored. */
static const char *base_of(const char *path, size_t *n)
{
    size_t end = *n, start;

    while (end > 1 && path[end - 1] == '/')
        end--;
    start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (end - start == 1 && path[start] == '/')
        start = end; /* "/" has no name */
    *n = end - start;
    return path + start;
}

int tm__argv_name_ok(const char *name, size_t n)
{
    static const char extra[] = "._-+@,~";

    if (name == NULL || n == 0 || n > TM_ARGV_NAME_MAX || name[0] == '-')
        return 0;
    if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9');
        if (!alnum && (c == '\0' || memchr(extra, c, sizeof(extra) - 1) == NULL))
            return 0;
    }
    return 1;
}

/* The entry named exactly `tok`; a long option ("--name=value") matches
 * by its name, and *eq is set to its value. */
static const struct opt *find_token(const struct grammar *g, const char *tok,
                                    const char **eq)
{
    size_t n = strlen(tok);

    *eq = NULL;
    if (tok[0] == '-' && tok[1] == '-' && tok[2] != '\0') {
        const char *e = strchr(tok, '=');
        if (e) {
            n = (size_t)(e - tok);
            *eq = e + 1;
        }
    }
    for (size_t i = 0; i < g->nopts; i++)
        if (strncmp(g->opts[i].name, tok, n) == 0 && g->opts[i].name[n] == '\0')
            return &g->opts[i];
    return NULL;
}

/* The short option letter c: its entry, or *kind from the flag letters
 * and the grammar's policy. */
static const struct opt *find_letter(const struct grammar *g, char c,
                                     enum kind *kind)
{
    for (size_t i = 0; i < g->nopts; i++) {
        const char *s = g->opts[i].name;
        if (s[0] == '-' && s[1] == c && s[2] == '\0') {
            *kind = g->opts[i].kind;
            return &g->opts[i];
        }
    }
    *kind = c != '\0' && strchr(g->flags, c) ? ARG_FLAG : g->unknown_short;
    return NULL;
}

/* What the script (or module) argument is: its text, or NULL when there
 * is none or the grammar cannot tell. */
static const char *script_of(const struct grammar *g, int argc,
                             char *const *argv)
{
    int i = 1;

    /* The arguments end at argc or at the first NULL, whichever is first:
     * a value taken as "the next argument" never skips a NULL. */
    for (int n = 1; n < argc; n++)
        if (argv[n] == NULL) {
            argc = n;
            break;
        }
    while (i < argc) {
        const char *a = argv[i++], *eq, *p;
        const struct opt *o;
        enum kind k;
        int ended = 0;

        if (a[0] != '-' && !(g->plus && a[0] == '+'))
            return a; /* the first operand */
        if (a[0] == '+') {
            /* "+o name", "+ex": the same letters as "-" */
            if (a[1] == '\0' || a[1] == '+')
                return NULL;
            p = a + 1;
            goto cluster;
        }
        o = find_token(g, a, &eq);
        if (o) {
            switch (o->kind) {
            case ARG_FLAG:
            case ARG_ATTACHED:
            case ARG_DIGITS:
                continue;
            case ARG_VALUE:
                if (eq == NULL)
                    i++;
                continue;
            case ARG_MODULE:
                return eq ? eq : (i < argc ? argv[i] : NULL);
            case ARG_END:
                return i < argc ? argv[i] : NULL;
            case ARG_CODE:
            case ARG_STDIN:
            case ARG_UNKNOWN:
                return NULL;
            }
            return NULL;
        }
        if (a[1] == '-') {
            if (g->unknown_long == ARG_FLAG)
                continue;
            return NULL;
        }
        if (g->cluster == CL_NONE) {
            /* One option per argument: "-c" is a switch, "-ce" unknown. */
            if (a[1] != '\0' && a[2] == '\0' && strchr(g->flags, a[1]))
                continue;
            return NULL;
        }
        p = a + 1;
    cluster:
        while (*p) {
            o = find_letter(g, *p++, &k);
            switch (k) {
            case ARG_FLAG:
                continue;
            case ARG_DIGITS:
                while (*p && strchr(o->chars, *p))
                    p++;
                continue;
            case ARG_ATTACHED:
                p = "";
                continue;
            case ARG_VALUE:
                if (g->cluster == CL_NEXT || *p == '\0')
                    i++; /* the value is the next argument */
                if (g->cluster == CL_REST)
                    p = ""; /* or the rest of this one */
                continue;
            case ARG_MODULE:
                return *p ? p : (i < argc ? argv[i] : NULL);
            case ARG_END:
                ended = 1;
                continue;
            case ARG_CODE:
            case ARG_STDIN:
            case ARG_UNKNOWN:
                return NULL;
            }
            return NULL;
        }
        if (ended)
            return i < argc ? argv[i] : NULL;
    }
    return NULL;
}

static size_t put(char *out, size_t cap, const char *s, size_t n)
{
    if (cap == 0)
        return 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

size_t tm__argv_program(int argc, char *const *argv, char *out, size_t cap)
{
    const char *p;
    size_t n;

    if (argc < 1 || argv == NULL || argv[0] == NULL)
        return put(out, cap, "unknown", 7);
    n = strlen(argv[0]);
    p = base_of(argv[0], &n);
    /* argv[0] is whatever the parent passed: a name that does not look
     * like a file name may be a whole command line, secrets included. */
    if (!tm__argv_name_ok(p, n))
        return put(out, cap, "unknown", 7);
    return put(out, cap, p, n);
}

size_t tm__argv_agent(int argc, char *const *argv, char *out, size_t cap)
{
    char prog[TM_ARGV_NAME_MAX + 1];
    size_t pn = tm__argv_program(argc, argv, prog, sizeof(prog));
    const struct grammar *g = grammar_of(prog, pn);
    const char *script = g ? script_of(g, argc, argv) : NULL;

    if (script) {
        size_t n = strlen(script);
        const char *b = base_of(script, &n);
        if (tm__argv_name_ok(b, n) && n < cap)
            return put(out, cap, b, n);
    }
    /* The program's own name: stored anyway as `program`. */
    return tm__argv_program(argc, argv, out, cap);
}
