#!/bin/sh
# The shim's real functions (shim/next.c, README "Performance"): the walk of
# the loaded objects' hash tables answers what dlsym(RTLD_NEXT) answers, for
# every interposed name, in a plain process, with libasan preloaded first,
# and with an interposing library before or after; and the real shim calls
# an interposer loaded after it.
# Usage: tests/integration/next.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup next "${1:-}"
trap 'cd /; rm -rf "$WORK"' EXIT INT TERM
export TELEMETRY_DIR="$WORK/td"
SRC="$HERE/next"
ROOT=$(cd "$HERE/../.." && pwd -P)

cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -shared -fPIC -fvisibility=hidden -I"$ROOT/shim" -I"$ROOT/core/record" \
    -o "$WORK/libcheck.so" "$SRC/check.c" "$ROOT/shim/next.c" -ldl &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -shared -fPIC -o "$WORK/libinterp.so" "$SRC/interp.c" -ldl &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -shared -fPIC -o "$WORK/libdlopener.so" "$SRC/dlopener.c" -ldl &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -shared -fPIC -o "$WORK/libifunc.so" "$SRC/ifunc.c" &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -shared -fPIC -o "$WORK/libctorthread.so" "$SRC/ctorthread.c" -lpthread &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -o "$WORK/dlo" "$SRC/dlo.c" -ldl &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -shared -fPIC -o "$WORK/libaudit.so" "$SRC/audit.c" &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -shared -fPIC -Wl,--depaudit="$WORK/libaudit.so" \
        -o "$WORK/libdepaudit.so" "$SRC/audit.c" &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -Wl,--audit="$WORK/libaudit.so" \
        -o "$WORK/prog-audited" "$SRC/prog.c" &&
    cc -std=c11 -D_GNU_SOURCE -Wall -Werror -O2 -o "$WORK/prog" "$SRC/prog.c" || {
    bad "building the test libraries"
    finish next
    exit 1
}
NCALLS=$(grep -c '^ *X(' "$ROOT/shim/calls.h")

# walks PRELOAD DESCRIPTION OPEN_FROM PREPARED: /bin/true under PRELOAD;
# the walk must agree with dlsym everywhere, answer every interposed name
# and the versioned ones itself, leave the IFUNC to dlsym, and find open
# and rename in OPEN_FROM; the lookups on first use must be prepared or
# refused as PREPARED says (1/0), and where prepared agree with dlsym for
# every name, the IFUNC (memcpy) answered by its resolver as dlsym does.
walks() {
    LD_PRELOAD="$1" /bin/true 2>"$WORK/err"
    line=$(grep '^next: names' "$WORK/err")
    check "$2: one summary line ($(head -c 300 "$WORK/err"))" test -n "$line"
    check "$2: the walk and dlsym agree everywhere ($(grep -v '^next: names' "$WORK/err" | head -c 600))" \
        sh -c "echo '$line' | grep -q ' differ 0 hashes-wrong 0 '"
    # every interposed name + realpath, pthread_cond_wait, regexec
    check "$2: every interposed name walked ($line)" \
        sh -c "echo '$line' | grep -q ' walked $((NCALLS + 3)) '"
    check "$2: answers confirmed by one dlsym per object ($line)" \
        sh -c "echo '$line' | grep -q ' resolve-walked $((NCALLS + 3)) '"
    check "$2: the IFUNC left to dlsym ($line)" \
        sh -c "echo '$line' | grep -q ' memcpy-walked 0 '"
    check "$2: open and rename from $3 ($line)" \
        sh -c "echo '$line' | grep -q ' open $3 rename $3 '"
    check "$2: realpath from libc ($line)" \
        sh -c "echo '$line' | grep -q ' realpath libc.so.6'"
    line=$(grep '^next: prepared' "$WORK/err")
    check "$2: first-use lookups prepared: $4 ($line)" \
        sh -c "echo '$line' | grep -q '^next: prepared $4 '"
    if [ "$4" = 1 ]; then
        check "$2: first-use lookups agree with dlsym for every name, IFUNC included ($line)" \
            sh -c "echo '$line' | grep -q ' find-differ 0 find-left 0\$'"
    else
        check "$2: unprepared, every name left to dlsym ($line)" \
            sh -c "echo '$line' | grep -q ' find-differ 0 find-left $((NCALLS + 5))\$'"
    fi
}

walks "$WORK/libcheck.so" "plain process" libc.so.6 1
walks "$WORK/libcheck.so $WORK/libinterp.so" "an interposer after" libinterp.so 1
walks "$WORK/libinterp.so $WORK/libcheck.so" "an interposer before" libc.so.6 1
# an interposer dlopen'ed locally by a constructor that runs before ours:
# after the loader, outside the scope; its open is nobody's answer
export NEXT_DLOPEN="$WORK/libinterp.so"
walks "$WORK/libcheck.so $WORK/libdlopener.so" \
    "an interposer dlopen'ed locally before the constructor" libc.so.6 0
unset NEXT_DLOPEN
walks "$WORK/libcheck.so $WORK/libdlopener.so" "the same preloads, nothing dlopen'ed" libc.so.6 1
# LD_DYNAMIC_WEAK: dlsym passes libc's weak open over for a strong one
# further on; the first-use lookup would not, so it is not prepared
export LD_DYNAMIC_WEAK=1
walks "$WORK/libcheck.so" "LD_DYNAMIC_WEAK=1" libc.so.6 0
unset LD_DYNAMIC_WEAK
# The loader run as a command: its --audit auditors are seen by dlsym
# only (they may redirect any binding), so nothing is prepared, with or
# without --audit.
LD_PRELOAD="$WORK/libcheck.so" /lib64/ld-linux-x86-64.so.2 /bin/true 2>"$WORK/err"
check "the loader run as a command: not prepared ($(grep '^next: prepared' "$WORK/err"))" \
    grep -q "^next: prepared 0 find-differ 0 find-left $((NCALLS + 5))\$" "$WORK/err"
LD_PRELOAD="$WORK/libcheck.so" /lib64/ld-linux-x86-64.so.2 --audit "$WORK/libaudit.so" /bin/true 2>"$WORK/err"
check "the loader run as a command with --audit: not prepared ($(grep '^next: prepared' "$WORK/err"))" \
    grep -q "^next: prepared 0 find-differ 0 find-left $((NCALLS + 5))\$" "$WORK/err"
# Present with an empty value, LD_DYNAMIC_WEAK is set for the loader too.
LD_DYNAMIC_WEAK= LD_PRELOAD="$WORK/libcheck.so" /bin/true 2>"$WORK/err"
check "LD_DYNAMIC_WEAK empty: not prepared ($(grep '^next: prepared' "$WORK/err"))" \
    grep -q '^next: prepared 0 ' "$WORK/err"
# Auditors (LD_AUDIT, the program's DT_AUDIT) may redirect any binding:
# not prepared, every name left to dlsym.  A library's DT_DEPAUDIT is
# none (the loader reads the program's tags only): prepared.
LD_AUDIT="$WORK/libaudit.so" LD_PRELOAD="$WORK/libcheck.so" /bin/true 2>"$WORK/err"
check "LD_AUDIT: not prepared ($(grep '^next: prepared' "$WORK/err"))" \
    grep -q "^next: prepared 0 find-differ 0 find-left $((NCALLS + 5))\$" "$WORK/err"
LD_PRELOAD="$WORK/libcheck.so" "$WORK/prog-audited" 2>"$WORK/err"
check "the program's DT_AUDIT: not prepared ($(grep '^next: prepared' "$WORK/err"))" \
    grep -q '^next: prepared 0 ' "$WORK/err"
LD_PRELOAD="$WORK/libcheck.so $WORK/libdepaudit.so" /bin/true 2>"$WORK/err"
check "a library's DT_DEPAUDIT: prepared ($(grep '^next: prepared' "$WORK/err"))" \
    grep -q '^next: prepared 1 find-differ 0 find-left 0$' "$WORK/err"
ASAN=$(cc -print-file-name=libasan.so)
if [ -f "$ASAN" ]; then
    ASAN_OPTIONS=detect_leaks=0 walks "$ASAN $WORK/libcheck.so $WORK/libinterp.so" \
        "libasan first, an interposer after" libinterp.so 1
else
    skip "no libasan.so"
fi

# The real shim calls the interposer loaded after it (its wrappers'
# real functions are the interposer's), and records the failures.
LD_PRELOAD="$SHIM $WORK/libinterp.so" "$WORK/prog" 2>"$WORK/err"
check "the shim calls the interposer's open ($(head -c 300 "$WORK/err"))" grep -q '^interp: open$' "$WORK/err"
check "the shim calls the interposer's rename" grep -q '^interp: rename$' "$WORK/err"
check "the shim records the failures through it" \
    sh -c "cat '$TELEMETRY_DIR'/*.jsonl 2>/dev/null | grep -q missing-file"
rm -rf "$TELEMETRY_DIR"
LD_PRELOAD="$WORK/libinterp.so $SHIM" "$WORK/prog" 2>"$WORK/err"
check "an interposer before the shim is called first" grep -q '^interp: open$' "$WORK/err"

# An interposer after the shim whose open is an IFUNC, first called by a
# thread that a dlopen'ed library's constructor starts and waits for while
# dlopen holds the loader's lock: the wrapper must find the real open
# without dlsym (it waited for that lock for ever), and call the
# interposer's.
LD_PRELOAD="$SHIM $WORK/libifunc.so" timeout 20 "$WORK/dlo" "$WORK/libctorthread.so" >"$WORK/out" 2>"$WORK/err"
check "an IFUNC open after the shim, first used under dlopen's lock: no hang (exit $?, $(cat "$WORK/out"))" \
    grep -q '^dlopen ok$' "$WORK/out"
check "... and the interposer's open was called" grep -q '^ifunc: open$' "$WORK/err"

finish next
