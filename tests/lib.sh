# tests/lib.sh - shared by the shell test drivers (sourced): pass/fail
# counters, `check`, a clean environment, the victim program.

TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd -P) # absolute: drivers cd around
passed=0 failed=0 skipped=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*" >&2; }
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
    d=$1; shift
    if "$@"; then ok; else bad "$d"; fi
}

# expect_rc WANT DESCRIPTION COMMAND...: ok when COMMAND exits with WANT;
# its output is left in $WORK/out and $WORK/err (the driver sets WORK).
# The locals carry a prefix: sh has no local variables, and a caller's
# `want` or `d` must survive the call.
expect_rc() {
    _er_want=$1 _er_d=$2
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err"
    _er_got=$?
    if [ "$_er_got" -eq "$_er_want" ]; then
        ok
    else
        bad "$_er_d (exit $_er_got, want $_er_want): $(head -c 300 "$WORK/err")"
    fi
}

# finish NAME: the closing line ("NAME: N passed, N failed, N skipped"),
# and the status the driver exits with.
finish() {
    echo "$1: $passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
}

# No configuration of the caller's leaks into the tests.
clean_env() {
    for v in $(env | sed -n 's/^\(TELEMETRY_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
    unset LD_PRELOAD
    export NO_COLOR=1
}

# driver_setup NAME BUILD_DIR: what every integration driver starts with -
# BUILD (absolute), SHIM, T (the telemetry binary), WORK (a fresh directory
# under /tmp, 0755; the driver's trap removes it) and a clean environment.
driver_setup() {
    BUILD=$(cd "${2:?usage: $1.sh BUILD_DIR}" && pwd -P) || exit 2
    SHIM="$BUILD/libtelemetry_shim.so"
    T="$BUILD/telemetry"
    WORK=$(mktemp -d "/tmp/tm-$1-XXXXXX")
    chmod 0755 "$WORK"
    clean_env
}

# build_victim OUT [CFLAGS...]: tests/integration/victim.c
build_victim() {
    out=$1; shift
    cc -std=c11 -Wall "$@" -o "$out" "$TESTS_DIR/integration/victim.c" -lpthread
}

# wait_exit PID: waits (30 s at most) for a background process to end by
# itself, then kills it if it has not; its exit status is then `wait`'s.
wait_exit() {
    _we_i=0
    while kill -0 "$1" 2>/dev/null && [ "$_we_i" -lt 300 ]; do
        sleep 0.1
        _we_i=$((_we_i + 1))
    done
    kill "$1" 2>/dev/null
}

# wait_grep FILE PATTERN: waits (0.1 s steps, 30 s at most) until FILE has
# a line matching PATTERN; fails when it never does.  For background
# processes: the checks that follow say what was expected, a fixed sleep
# would only guess how long a loaded machine needs.
wait_grep() {
    _wg_i=0
    while ! grep -q -- "$2" "$1" 2>/dev/null; do
        [ "$_wg_i" -ge 300 ] && return 1
        sleep 0.1
        _wg_i=$((_wg_i + 1))
    done
}
