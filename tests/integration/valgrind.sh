#!/bin/sh
# The shim inside real processes under valgrind's memcheck: every victim verb
# that fails an interposed call, threads and fork, zero errors expected.
# Usage: tests/integration/valgrind.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: valgrind.sh BUILD_DIR}" && pwd -P)
HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
if ! command -v valgrind >/dev/null 2>&1; then
    skip "valgrind is not installed"
    finish valgrind
    exit
fi
WORK=$(mktemp -d /tmp/tm-vg-XXXXXX)
trap 'cd /; rm -rf "$WORK"' EXIT INT TERM
build_victim "$WORK/victim" -g -O0 || exit 1
mkdir -p "$WORK/ws/sub" && cd "$WORK/ws" && git init -q . && echo x >file.txt
vg() { # vg VERB ARGS...: one victim run under memcheck with the shim
    TELEMETRY_DIR="$WORK/td" TELEMETRY_CAPTURE=all LD_PRELOAD="$BUILD/libtelemetry_shim.so" \
        valgrind -q --error-exitcode=99 --suppressions="$HERE/valgrind.supp" \
        --leak-check=no "$WORK/victim" "$@" >"$WORK/out" 2>"$WORK/err"
    if [ $? -ne 99 ] && ! grep -q "==[0-9]*==" "$WORK/err"; then
        ok
    else
        bad "memcheck errors in: victim $*"; head -n 30 "$WORK/err" >&2
    fi
}
vg open-ro data/missing.txt
vg open-excl file.txt
vg open-wr sub
vg openat sub rel-missing.txt
vg fopen data/in.csv r
vg mkstemp nodir/tmpXXXXXX
vg rename gone.txt new.txt
vg renameat2-noreplace file.txt file.txt
vg write-fd 99
vg writev-fd 99
vg write-file /dev/full 8192
vg repeat 6 data/again.txt
vg threads 4
vg fork
vg probe-then-exit 3
vg ok
finish valgrind
