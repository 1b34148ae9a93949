/*
 * argv.h - the program's and the agent's names from a process's argv
 * (README "How the agent is named").
 *
 * Nothing else of argv is ever kept: the agent is the basename of the
 * script an interpreter runs (or of the module `python -m` runs), else the
 * program's basename.  Each interpreter's option grammar is a table in
 * argv.c (which options take a value, which take code, which end the
 * options), so that a value or a line of code is never taken for the
 * script.
 *
 * Pure functions: no allocation, no system call, string functions only;
 * safe in the shim's constructor and in a signal handler.
 */
#ifndef TM_ARGV_H
#define TM_ARGV_H

#include <stddef.h>

/* The longest script or module name used as the agent; a longer one is
 * not used (the program names the agent). */
#define TM_ARGV_NAME_MAX 128

/* Writes the basename of argv[0] into out (cap bytes, NUL-terminated,
 * truncated to fit), "unknown" when there is none (argc < 1, argv or
 * argv[0] NULL, an empty name) or when it is not a file-name-like name
 * (tm__argv_name_ok: argv[0] may be a whole command line).  Returns the
 * length written (0 when cap is 0). */
size_t tm__argv_program(int argc, char *const *argv, char *out, size_t cap);

/* Writes the agent's name into out (cap bytes, NUL-terminated): when the
 * program is a known interpreter (sh, bash, dash, ash, ksh, mksh, zsh,
 * python*, pypy*, node, nodejs, perl*, ruby*) and its script can be
 * identified, the script's basename (trailing slashes ignored) or the
 * module's name; else the program's name as tm__argv_program() gives it.
 * A script or module name is used only when tm__argv_name_ok() accepts
 * it.  Reads argv[1..argc-1] up to the first NULL.  Returns the length
 * written. */
size_t tm__argv_agent(int argc, char *const *argv, char *out, size_t cap);

/* Whether the n bytes at name may be stored as an agent name taken from
 * a script or module: 1 to TM_ARGV_NAME_MAX bytes, each an ASCII letter,
 * digit or one of "._-+@,~", not starting with '-', not "." or "..".
 * Anything else (blanks, quotes, ';', '=', '$', '(', control characters,
 * non-ASCII bytes) may be code or a secret: not stored. */
int tm__argv_name_ok(const char *name, size_t n);

#endif
