/* Unit tests: the agent's name from argv (README "How the agent is named", core/record/argv.c).
 * Each case is an argv vector and the agent expected; code, values and
 * secrets must never come out. */
#include "unit.h"

#include "argv.h"

#define MAXARGS 12

struct agent_case {
    const char *argv[MAXARGS]; /* NULL-terminated */
    const char *agent;
};

static const struct agent_case cases[] = {
    /* issue 11, finding 6: the examples */
    {{"sh", "-ec", "sshpass -p Hunter2pass ssh deploy@prod"}, "sh"},
    {{"/bin/sh", "-ec", "cat missing-file"}, "sh"},
    {{"python3", "-Bc", "open('missing')"}, "python3"},
    {{"node", "-p", "require('fs').readFileSync('missing')"}, "node"},
    {{"perl", "-we", "open(my $f, '<', 'missing') or die"}, "perl"},
    {{"bash", "-o", "pipefail", "-c", "cat missing"}, "bash"},
    {{"bash", "-o", "pipefail", "script.sh"}, "script.sh"},
    {{"bash", "--rcfile", "f", "run.sh"}, "run.sh"},
    {{"/usr/bin/python3", "-X", "dev", "/w/agent.py", "--flag"}, "agent.py"},
    {{"python3", "-W", "ignore", "agent.py"}, "agent.py"},
    {{"python3", "-m", "mod"}, "mod"},
    {{"python3", "-m", "http.server", "8000"}, "http.server"},
    {{"node", "-r", "X", "script.js"}, "script.js"},
    {{"node", "--require=X", "script.js"}, "script.js"},
    {{"node", "--require", "X", "script.js"}, "script.js"},
    {{"perl", "-I", "dir", "tool.pl"}, "tool.pl"},
    {{"perl", "-Idir", "tool.pl"}, "tool.pl"},

    /* plain scripts, versions, paths */
    {{"python3.11", "agent.py"}, "agent.py"},
    {{"python", "./a/b/c.py", "x y"}, "c.py"},
    {{"pypy3", "run.py"}, "run.py"},
    {{"perl5.36.0", "x.pl"}, "x.pl"},
    {{"ruby3.1", "app.rb"}, "app.rb"},
    {{"nodejs", "server.js"}, "server.js"},
    {{"dash", "-e", "./build.sh"}, "build.sh"},
    {{"zsh", "-f", "deploy.zsh"}, "deploy.zsh"},
    {{"python3", "pkgdir/"}, "pkgdir"},
    {{"python3", "-u", "-B", "-OO", "-bb", "agent.py"}, "agent.py"},
    {{"python3", "-Xdev", "agent.py"}, "agent.py"},
    {{"python3", "-BX", "dev", "agent.py"}, "agent.py"},
    {{"python3", "-Wignore", "-Xfrozen_modules=off", "agent.py"}, "agent.py"},
    {{"python3", "--check-hash-based-pycs", "always", "agent.py"}, "agent.py"},
    {{"python3", "--", "agent.py"}, "agent.py"},
    {{"python3", "-Bm", "pytest", "-q"}, "pytest"},
    {{"python3", "-mpytest"}, "pytest"},

    /* code, stdin, nothing: the program */
    {{"python3", "-c", "import os; os.system('x')"}, "python3"},
    {{"python3", "-cprint(1)"}, "python3"},
    {{"python3", "-"}, "python3"},
    {{"python3", "-", "agent.py"}, "python3"},
    {{"python3"}, "python3"},
    {{"python3", "-W"}, "python3"},
    {{"python3", "-m"}, "python3"},
    {{"python3", "-Z", "agent.py"}, "python3"},        /* unknown: no guess */
    {{"python3", "--bogus", "agent.py"}, "python3"},
    {{"sh", "-c", "echo secret", "name"}, "sh"},
    {{"sh", "-s", "arg"}, "sh"},
    {{"bash", "-ce", "rm -rf x"}, "bash"},
    {{"bash", "-eo", "pipefail", "-c", "cat missing"}, "bash"},
    {{"bash", "-co", "pipefail", "cat missing"}, "bash"},
    {{"bash", "-oe", "pipefail", "s.sh"}, "s.sh"},
    {{"bash", "+o", "pipefail", "s.sh"}, "s.sh"},
    {{"bash", "+e", "s.sh"}, "s.sh"},
    {{"bash", "-O", "extglob", "s.sh"}, "s.sh"},
    {{"bash", "-", "s.sh"}, "s.sh"},
    {{"bash", "--", "s.sh"}, "s.sh"},
    {{"bash", "-x", "--", "s.sh"}, "s.sh"},
    {{"bash", "--norc", "--noprofile", "s.sh"}, "s.sh"},
    {{"bash", "--init-file", "rc", "-c", "code here"}, "bash"},
    {{"bash", "-l"}, "bash"},
    {{"zsh", "-c", "print secret"}, "zsh"},
    {{"zsh", "-opipefail", "z.sh"}, "z.sh"},
    {{"zsh", "-o", "pipefail", "z.sh"}, "z.sh"},
    {{"zsh", "-b", "z.sh"}, "z.sh"},
    {{"zsh", "--emacs", "z.sh"}, "z.sh"},
    {{"node", "-e", "console.log(process.env.TOKEN)"}, "node"},
    {{"node", "--eval", "code()"}, "node"},
    {{"node", "--eval=code()", "x.js"}, "node"},
    {{"node", "-pe", "1+1"}, "node"},
    {{"node", "--print", "1+1"}, "node"},
    {{"node", "--run", "build"}, "node"},
    {{"node", "-"}, "node"},
    {{"node", "--inspect", "app.js"}, "app.js"},
    {{"node", "--inspect=9229", "app.js"}, "app.js"},
    {{"node", "--max-old-space-size=4096", "app.js"}, "app.js"},
    {{"node", "--import", "tsx", "--loader", "l.mjs", "app.mjs"}, "app.mjs"},
    {{"node", "-C", "development", "app.js"}, "app.js"},
    {{"node", "-c", "app.js"}, "app.js"},
    {{"node", "--", "app.js"}, "app.js"},
    {{"node", "-r=X", "app.js"}, "node"},              /* node: bad option */
    {{"node", "-ep", "code()"}, "node"},
    {{"perl", "-e", "print 1"}, "perl"},
    {{"perl", "-E", "say 1"}, "perl"},
    {{"perl", "-lne", "print if /x/", "file"}, "perl"},
    {{"perl", "-l0e", "print 1"}, "perl"},
    {{"perl", "-0777e", "print 1"}, "perl"},
    {{"perl", "-i.bak", "-pe", "s/a/b/", "f"}, "perl"},
    {{"perl", "-Mstrict", "-w", "t.pl"}, "t.pl"},
    {{"perl", "-MList::Util=sum", "t.pl"}, "t.pl"},
    {{"perl", "-d:NYTProf", "t.pl"}, "t.pl"},
    {{"perl", "-x", "t.pl"}, "t.pl"},
    {{"perl", "--", "t.pl"}, "t.pl"},
    {{"perl", "-"}, "perl"},
    {{"perl", "--foo", "t.pl"}, "perl"},
    {{"ruby", "-e", "puts ENV['X']"}, "ruby"},
    {{"ruby", "-we", "puts 1"}, "ruby"},
    {{"ruby", "-We", "puts 1"}, "ruby"},
    {{"ruby", "-W0", "a.rb"}, "a.rb"},
    {{"ruby", "-W:no-deprecated", "a.rb"}, "a.rb"},
    {{"ruby", "-r", "json", "a.rb"}, "a.rb"},
    {{"ruby", "-rjson", "-I", "lib", "a.rb"}, "a.rb"},
    {{"ruby", "-C", "dir", "a.rb"}, "a.rb"},
    {{"ruby", "-E", "UTF-8", "a.rb"}, "a.rb"},
    {{"ruby", "--disable-gems", "a.rb"}, "a.rb"},
    {{"ruby", "--enable", "frozen-string-literal", "a.rb"}, "a.rb"},
    {{"ruby", "--encoding=UTF-8", "a.rb"}, "a.rb"},
    {{"ruby", "-n0e", "print", "f"}, "ruby"},
    {{"ruby", "-"}, "ruby"},

    /* adversarial: values attached, code after combined flags */
    {{"bash", "-oPIPEFAIL", "-c", "code"}, "bash"},
    {{"bash", "-oPIPEFAIL", "s.sh"}, "bash"}, /* o takes s.sh; I unknown */
    {{"bash", "-eo"}, "bash"},
    {{"bash", "-o"}, "bash"},
    {{"sh", "-xvec", "secret stuff"}, "sh"},
    {{"python3", "-BsEc", "import x"}, "python3"},
    {{"python3", "-Bm", "os;print(1)"}, "python3"},    /* not a module name */
    {{"python3", "-X", "dev", "-c", "code"}, "python3"},
    {{"node", "--require=x", "-e", "code()"}, "node"},
    {{"node", "--require"}, "node"},
    {{"perl", "-wle", "code"}, "perl"},
    {{"perl", "-I"}, "perl"},

    /* a script name that looks like code: the program */
    {{"python3", "x = 1; print(x)"}, "python3"},
    {{"python3", "/tmp/evil dir/a b.py"}, "python3"},
    {{"python3", "/tmp/evil dir/ab.py"}, "ab.py"}, /* only the basename */
    {{"bash", "a;b"}, "bash"},
    {{"bash", "x=1"}, "bash"},
    {{"bash", "'q'"}, "bash"},
    {{"bash", "tab\there"}, "bash"},
    {{"bash", "nl\n"}, "bash"},
    {{"bash", "$(id)"}, "bash"},
    {{"python3", "caf\xc3\xa9.py"}, "python3"},
    {{"python3", ""}, "python3"},
    {{"python3", "."}, "python3"},
    {{"python3", ".."}, "python3"},
    {{"python3", "/"}, "python3"},
    {{"python3", "--", "-x.py"}, "python3"},

    /* not interpreters: the program, whatever follows */
    {{"/usr/bin/git", "commit", "-m", "secret message"}, "git"},
    {{"shell", "script.sh"}, "shell"},
    {{"pythonic", "a.py"}, "pythonic"},
    {{"python3-config", "a.py"}, "python3-config"},
    {{"nodex", "a.js"}, "nodex"},
    {{"sshpass", "-p", "Hunter2pass", "ssh"}, "sshpass"},
};

static int argc_of(const char *const *argv)
{
    int n = 0;
    while (n < MAXARGS && argv[n])
        n++;
    return n;
}

static void table(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[256];
        int argc = argc_of(cases[i].argv);
        size_t n = tm__argv_agent(argc, (char *const *)cases[i].argv, out,
                                  sizeof(out));
        if (strcmp(out, cases[i].agent) != 0)
            fail_msg("case %zu (%s %s): agent \"%s\", want \"%s\"", i,
                     cases[i].argv[0], argc > 1 ? cases[i].argv[1] : "", out,
                     cases[i].agent);
        assert_int_equal(n, strlen(out));
    }
}

static void no_argv(void **state)
{
    char out[32];
    char *none[] = {NULL};
    char *empty[] = {"", "agent.py", NULL};
    char *slash[] = {"/usr/bin/", NULL};

    assert_int_equal(tm__argv_agent(0, NULL, out, sizeof(out)), 7);
    assert_string_equal(out, "unknown");
    assert_int_equal(tm__argv_agent(0, none, out, sizeof(out)), 7);
    assert_string_equal(out, "unknown");
    tm__argv_agent(1, none, out, sizeof(out)); /* argv[0] NULL */
    assert_string_equal(out, "unknown");
    tm__argv_agent(2, empty, out, sizeof(out));
    assert_string_equal(out, "unknown");
    tm__argv_program(2, empty, out, sizeof(out));
    assert_string_equal(out, "unknown");
    tm__argv_program(1, slash, out, sizeof(out));
    assert_string_equal(out, "bin");
}

/* argv[0] is the parent's choice: a command line in it (a command given
 * as one word) is never stored, as program nor as agent. */
static void program_not_a_name(void **state)
{
    char out[64];
    char *line[] = {"mysql --user=root --pw letmein123 -h db", NULL};
    char *path[] = {"/usr/bin/my sql", NULL};
    char *ok[] = {"/usr/bin/mysql", "--pw", "x", NULL};

    (void)state;
    tm__argv_program(1, line, out, sizeof(out));
    assert_string_equal(out, "unknown");
    tm__argv_agent(1, line, out, sizeof(out));
    assert_string_equal(out, "unknown");
    tm__argv_program(1, path, out, sizeof(out));
    assert_string_equal(out, "unknown");
    tm__argv_program(3, ok, out, sizeof(out));
    assert_string_equal(out, "mysql");
}

/* argc counts more arguments than there are: the first NULL ends them. */
static void argc_past_null(void **state)
{
    char out[32];
    char *v[] = {"python3", "-X", NULL, "agent.py", NULL};
    char *w[] = {"python3", NULL, "agent.py", NULL};

    tm__argv_agent(4, v, out, sizeof(out));
    assert_string_equal(out, "python3");
    tm__argv_agent(3, w, out, sizeof(out));
    assert_string_equal(out, "python3");
}

/* argc smaller than the vector: what is past argc is never read. */
static void argc_limits(void **state)
{
    char out[32];
    char *v[] = {"python3", "-X", "dev", "agent.py", NULL};

    tm__argv_agent(3, v, out, sizeof(out));
    assert_string_equal(out, "python3");
    tm__argv_agent(4, v, out, sizeof(out));
    assert_string_equal(out, "agent.py");
}

static void buffer_sizes(void **state)
{
    char out[8], big[TM_ARGV_NAME_MAX + 40], name[TM_ARGV_NAME_MAX + 2];
    char *v[] = {"python3", "a_long_agent_name.py", NULL};
    char *p[] = {"/opt/a_very_long_program_name", NULL};
    char *l[] = {"python3", name, NULL};

    /* A script name that does not fit is not cut: the program instead. */
    assert_int_equal(tm__argv_agent(2, v, out, sizeof(out)), 7);
    assert_string_equal(out, "python3");
    /* The program is cut to fit (it is stored as `program` too). */
    assert_int_equal(tm__argv_agent(1, p, out, sizeof(out)), 7);
    assert_string_equal(out, "a_very_");
    assert_int_equal(tm__argv_agent(1, p, out, 1), 0);
    assert_string_equal(out, "");
    out[0] = 'x';
    assert_int_equal(tm__argv_agent(1, p, out, 0), 0);
    assert_int_equal(out[0], 'x');
    /* TM_ARGV_NAME_MAX bytes are a name, one more is not. */
    memset(name, 'a', TM_ARGV_NAME_MAX);
    name[TM_ARGV_NAME_MAX] = '\0';
    tm__argv_agent(2, l, big, sizeof(big));
    assert_string_equal(big, name);
    name[TM_ARGV_NAME_MAX] = 'a';
    name[TM_ARGV_NAME_MAX + 1] = '\0';
    tm__argv_agent(2, l, big, sizeof(big));
    assert_string_equal(big, "python3");
}

static void name_rule(void **state)
{
    assert_true(tm__argv_name_ok("agent.py", 8));
    assert_true(tm__argv_name_ok("my-tool_v2+x@host,1~", 20));
    assert_false(tm__argv_name_ok("a b", 3));
    assert_false(tm__argv_name_ok("a\"b", 3));
    assert_false(tm__argv_name_ok("a'b", 3));
    assert_false(tm__argv_name_ok("a;b", 3));
    assert_false(tm__argv_name_ok("a=b", 3));
    assert_false(tm__argv_name_ok("a\x01", 2));
    assert_false(tm__argv_name_ok("a\x7f", 2));
    assert_false(tm__argv_name_ok("a\0b", 3)); /* an embedded NUL */
    assert_false(tm__argv_name_ok("-rf", 3));
    assert_false(tm__argv_name_ok("", 0));
    assert_false(tm__argv_name_ok(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(no_argv),
        cmocka_unit_test(argc_past_null),
        cmocka_unit_test(program_not_a_name),
        cmocka_unit_test(argc_limits),
        cmocka_unit_test(buffer_sizes),
        cmocka_unit_test(name_rule),
    };
    return cmocka_run_group_tests_name("argv", tests, NULL, NULL);
}
