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

#include <stdint.h>
#include <string.h>

#include "start.h"

enum kind {
    ARG_FLAG,     /* takes nothing */
    ARG_VALUE,    /* takes a value: attached (cluster rest, "=v") or next */
    ARG_ATTACHED, /* optional value, attached only: the rest of the cluster */
    ARG_DIGITS,   /* optional attached digits '0'..`last_digit`; the cluster
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
    char last_digit; /* ARG_DIGITS only: '9' decimal, '7' octal (a bound,
                        not a string: nothing to terminate or relocate) */
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
    {"-", ARG_END, 0},
    {"--", ARG_END, 0},
    {"-c", ARG_CODE, 0},
    {"-s", ARG_STDIN, 0},
    {"-o", ARG_VALUE, 0},
    {"-O", ARG_VALUE, 0},
    {"--rcfile", ARG_VALUE, 0},
    {"--init-file", ARG_VALUE, 0},
    {"--debug", ARG_FLAG, 0},
    {"--debugger", ARG_FLAG, 0},
    {"--dump-po-strings", ARG_FLAG, 0},
    {"--dump-strings", ARG_FLAG, 0},
    {"--help", ARG_FLAG, 0},
    {"--login", ARG_FLAG, 0},
    {"--noediting", ARG_FLAG, 0},
    {"--noprofile", ARG_FLAG, 0},
    {"--norc", ARG_FLAG, 0},
    {"--posix", ARG_FLAG, 0},
    {"--pretty-print", ARG_FLAG, 0},
    {"--restricted", ARG_FLAG, 0},
    {"--verbose", ARG_FLAG, 0},
    {"--version", ARG_FLAG, 0},
};

/* zsh: nearly every letter is some option and every option name is a
 * long option (--shwordsplit); -o takes an attached or the next value;
 * -b ends the options. */
static const struct opt zsh_opts[] = {
    {"-", ARG_END, 0},
    {"--", ARG_END, 0},
    {"-b", ARG_END, 0},
    {"-c", ARG_CODE, 0},
    {"-s", ARG_STDIN, 0},
    {"-o", ARG_VALUE, 0},
};

/* python, python3, python3.11, pypy3 (-Q, -3, -R, -t, -U: Python 2). */
static const struct opt python_opts[] = {
    {"-", ARG_STDIN, 0},
    {"--", ARG_END, 0},
    {"-c", ARG_CODE, 0},
    {"-m", ARG_MODULE, 0},
    {"-W", ARG_VALUE, 0},
    {"-X", ARG_VALUE, 0},
    {"-Q", ARG_VALUE, 0},
    {"--check-hash-based-pycs", ARG_VALUE, 0},
    {"--help", ARG_FLAG, 0},
    {"--help-env", ARG_FLAG, 0},
    {"--help-xoptions", ARG_FLAG, 0},
    {"--help-all", ARG_FLAG, 0},
    {"--version", ARG_FLAG, 0},
};

/* node, nodejs: no combined options ("-pe" is an alias of its own); a
 * long option's value is "=v" or the next argument.  V8's own options
 * (--stack-size=N) only take "=v", so an unknown long option is a
 * switch. */
static const struct opt node_opts[] = {
    {"-", ARG_STDIN, 0},
    {"--", ARG_END, 0},
    {"-e", ARG_CODE, 0},
    {"--eval", ARG_CODE, 0},
    {"-p", ARG_CODE, 0},
    {"--print", ARG_CODE, 0},
    {"-pe", ARG_CODE, 0},
    {"--run", ARG_CODE, 0}, /* a package.json script, not a file */
    {"-r", ARG_VALUE, 0},
    {"--require", ARG_VALUE, 0},
    {"-C", ARG_VALUE, 0},
    {"--conditions", ARG_VALUE, 0},
    {"--import", ARG_VALUE, 0},
    {"--loader", ARG_VALUE, 0},
    {"--experimental-loader", ARG_VALUE, 0},
    {"--input-type", ARG_VALUE, 0},
    {"--title", ARG_VALUE, 0},
    {"--env-file", ARG_VALUE, 0},
    {"--env-file-if-exists", ARG_VALUE, 0},
    {"--allow-fs-read", ARG_VALUE, 0},
    {"--allow-fs-write", ARG_VALUE, 0},
    {"--build-snapshot-config", ARG_VALUE, 0},
    {"--cpu-prof-dir", ARG_VALUE, 0},
    {"--cpu-prof-interval", ARG_VALUE, 0},
    {"--cpu-prof-name", ARG_VALUE, 0},
    {"--debug-port", ARG_VALUE, 0},
    {"--inspect-port", ARG_VALUE, 0},
    {"--inspect-publish-uid", ARG_VALUE, 0},
    {"--diagnostic-dir", ARG_VALUE, 0},
    {"--disable-proto", ARG_VALUE, 0},
    {"--disable-warning", ARG_VALUE, 0},
    {"--dns-result-order", ARG_VALUE, 0},
    {"--experimental-default-type", ARG_VALUE, 0},
    {"--experimental-policy", ARG_VALUE, 0},
    {"--experimental-sea-config", ARG_VALUE, 0},
    {"--heap-prof-dir", ARG_VALUE, 0},
    {"--heap-prof-interval", ARG_VALUE, 0},
    {"--heap-prof-name", ARG_VALUE, 0},
    {"--heapsnapshot-near-heap-limit", ARG_VALUE, 0},
    {"--heapsnapshot-signal", ARG_VALUE, 0},
    {"--icu-data-dir", ARG_VALUE, 0},
    {"--max-http-header-size", ARG_VALUE, 0},
    {"--network-family-autoselection-attempt-timeout", ARG_VALUE, 0},
    {"--openssl-config", ARG_VALUE, 0},
    {"--policy-integrity", ARG_VALUE, 0},
    {"--redirect-warnings", ARG_VALUE, 0},
    {"--report-dir", ARG_VALUE, 0},
    {"--report-directory", ARG_VALUE, 0},
    {"--report-filename", ARG_VALUE, 0},
    {"--report-signal", ARG_VALUE, 0},
    {"--secure-heap", ARG_VALUE, 0},
    {"--secure-heap-min", ARG_VALUE, 0},
    {"--snapshot-blob", ARG_VALUE, 0},
    {"--test-concurrency", ARG_VALUE, 0},
    {"--test-name-pattern", ARG_VALUE, 0},
    {"--test-reporter", ARG_VALUE, 0},
    {"--test-reporter-destination", ARG_VALUE, 0},
    {"--test-shard", ARG_VALUE, 0},
    {"--test-timeout", ARG_VALUE, 0},
    {"--tls-cipher-list", ARG_VALUE, 0},
    {"--tls-keylog", ARG_VALUE, 0},
    {"--trace-event-categories", ARG_VALUE, 0},
    {"--trace-event-file-pattern", ARG_VALUE, 0},
    {"--trace-require-module", ARG_VALUE, 0},
    {"--unhandled-rejections", ARG_VALUE, 0},
    {"--use-largepages", ARG_VALUE, 0},
    {"--v8-pool-size", ARG_VALUE, 0},
    {"--watch-path", ARG_VALUE, 0},
};

/* perl: -e/-E code (several allowed), -I dir attached or next; -0 and -l
 * take digits and the cluster goes on (-lne, -0777e); -i, -x, -d, -D, -V,
 * -C, -F, -m, -M take the rest of the cluster (perl -M needs it
 * attached). */
static const struct opt perl_opts[] = {
    {"-", ARG_STDIN, 0},
    {"--", ARG_END, 0},
    {"-e", ARG_CODE, 0},
    {"-E", ARG_CODE, 0},
    {"-I", ARG_VALUE, 0},
    {"-0", ARG_DIGITS, '9'},
    {"-l", ARG_DIGITS, '7'},
    {"-C", ARG_ATTACHED, 0},
    {"-d", ARG_ATTACHED, 0},
    {"-D", ARG_ATTACHED, 0},
    {"-F", ARG_ATTACHED, 0},
    {"-i", ARG_ATTACHED, 0},
    {"-m", ARG_ATTACHED, 0},
    {"-M", ARG_ATTACHED, 0},
    {"-V", ARG_ATTACHED, 0},
    {"-x", ARG_ATTACHED, 0},
    {"--help", ARG_FLAG, 0},
    {"--version", ARG_FLAG, 0},
};

/* ruby: -e code; -C/-X dir, -I dir, -r lib, -E enc attached or next; -0
 * octal digits; -W level digits ("-W:category" whole); -x, -i, -F, -K
 * attached only.  An unknown long option is a switch: --enable-gems,
 * --disable-did_you_mean, --yjit-* are too many to list. */
static const struct opt ruby_opts[] = {
    {"-", ARG_STDIN, 0},
    {"--", ARG_END, 0},
    {"-e", ARG_CODE, 0},
    {"-C", ARG_VALUE, 0},
    {"-X", ARG_VALUE, 0},
    {"-I", ARG_VALUE, 0},
    {"-r", ARG_VALUE, 0},
    {"-E", ARG_VALUE, 0},
    {"-0", ARG_DIGITS, '7'},
    {"-T", ARG_DIGITS, '9'},
    {"-W", ARG_DIGITS, '9'},
    {"-W:deprecated", ARG_FLAG, 0},
    {"-W:no-deprecated", ARG_FLAG, 0},
    {"-W:experimental", ARG_FLAG, 0},
    {"-W:no-experimental", ARG_FLAG, 0},
    {"-W:performance", ARG_FLAG, 0},
    {"-W:no-performance", ARG_FLAG, 0},
    {"-x", ARG_ATTACHED, 0},
    {"-i", ARG_ATTACHED, 0},
    {"-F", ARG_ATTACHED, 0},
    {"-K", ARG_ATTACHED, 0},
    {"--encoding", ARG_VALUE, 0},
    {"--external-encoding", ARG_VALUE, 0},
    {"--internal-encoding", ARG_VALUE, 0},
    {"--enable", ARG_VALUE, 0},
    {"--disable", ARG_VALUE, 0},
    {"--dump", ARG_VALUE, 0},
    {"--backtrace-limit", ARG_VALUE, 0},
    {"--crash-report", ARG_VALUE, 0},
    {"--parser", ARG_VALUE, 0},
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
        size_t k = tm__start_nlen(interps[i].name, SIZE_MAX);
        if (n < k || !tm__start_same(prog, interps[i].name, k))
            continue;
        while (k < n && ((prog[k] >= '0' && prog[k] <= '9') || prog[k] == '.'))
            k++;
        if (k == n)
            return interps[i].grammar;
    }
    return NULL;
}

/* The last component of path[0..n): trailing slashes ignored. */
TM_START_TEXT static const char *base_of(const char *path, size_t *n)
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

TM_START_TEXT int tm__argv_name_ok(const char *name, size_t n)
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
        if (!alnum && !tm__start_has(extra, (char)c))
            return 0;
    }
    return 1;
}

/* The entry named exactly `tok`; a long option ("--name=value") matches
 * by its name, and *eq is set to its value. */
static const struct opt *find_token(const struct grammar *g, const char *tok,
                                    const char **eq)
{
    size_t n = tm__start_nlen(tok, SIZE_MAX);

    *eq = NULL;
    if (tok[0] == '-' && tok[1] == '-' && tok[2] != '\0') {
        size_t e = 0;
        while (tok[e] != '\0' && tok[e] != '=')
            e++;
        if (tok[e] == '=') {
            n = e;
            *eq = tok + e + 1;
        }
    }
    for (size_t i = 0; i < g->nopts; i++)
        if (tm__start_nlen(g->opts[i].name, n + 1) == n &&
            tm__start_same(g->opts[i].name, tok, n))
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
    *kind = tm__start_has(g->flags, c) ? ARG_FLAG : g->unknown_short;
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
            if (a[1] != '\0' && a[2] == '\0' && tm__start_has(g->flags, a[1]))
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
                while (*p >= '0' && *p <= o->last_digit)
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
    tm__start_copy(out, s, n);
    out[n] = '\0';
    return n;
}

TM_START_TEXT size_t tm__argv_program(int argc, char *const *argv, char *out, size_t cap)
{
    const char *p;
    size_t n;

    if (argc < 1 || argv == NULL || argv[0] == NULL)
        return put(out, cap, "unknown", 7);
    n = tm__start_nlen(argv[0], SIZE_MAX);
    p = base_of(argv[0], &n);
    /* argv[0] is whatever the parent passed: a name that does not look
     * like a file name may be a whole command line, secrets included. */
    if (!tm__argv_name_ok(p, n))
        return put(out, cap, "unknown", 7);
    return put(out, cap, p, n);
}

TM_START_TEXT size_t tm__argv_agent(int argc, char *const *argv, char *out, size_t cap)
{
    char prog[TM_ARGV_NAME_MAX + 1];
    size_t pn = tm__argv_program(argc, argv, prog, sizeof(prog));
    const struct grammar *g = grammar_of(prog, pn);
    const char *script = g ? script_of(g, argc, argv) : NULL;

    if (script) {
        size_t n = tm__start_nlen(script, SIZE_MAX);
        const char *b = base_of(script, &n);
        if (tm__argv_name_ok(b, n) && n < cap)
            return put(out, cap, b, n);
    }
    /* The program's own name: stored anyway as `program`. */
    return put(out, cap, prog, pn);
}
