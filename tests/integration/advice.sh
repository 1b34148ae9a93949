#!/bin/sh
# A pattern's detail (README "Patterns"): real failures of a python3 agent
# under the real shim, run as nobody, and the detail `telemetry patterns
# --json` gives each: a root-only system file (not transient), a file of
# the work tree another user owns (not transient while its mode stays), a
# missing file by a relative path with the agent's code as culprit, a
# read-only file system (not transient).
# Usage: tests/integration/advice.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup advice "${1:-}"
trap 'cd /; [ -n "${RO:-}" ] && umount "$RO" 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 ||
    ! runuser -u nobody -- true 2>/dev/null; then
    skip "the detail of real permission errors needs root (to run as nobody)"
    finish advice
    exit
fi

n=0
# agent PATH MODE [PREP]: in a fresh work tree owned by nobody (PREP then
# run in it, as root), agent.py (run as nobody under the shim, from the
# work tree) fails to open PATH with MODE four times; its telemetry
# directory is $TD.
agent() {
    n=$((n + 1))
    WS="$WORK/ws$n" TD="$WORK/td$n"
    mkdir -p "$WS" "$TD"
    git -C "$WS" init -q .
    cat >"$WS/agent.py" <<PY
def load(path):
    return open(path, "$2")

for _ in range(4):
    try:
        load("$1")
    except OSError:
        pass
PY
    chown -R nobody "$WS" "$TD"
    chmod 0700 "$TD"
    (cd "$WS" && eval "${3:-}")
    (cd "$WS" && runuser -u nobody -- env TELEMETRY_DIR="$TD" \
        LD_PRELOAD="$SHIM" python3 agent.py)
}

# detail PATTERN EXPR: EXPR (Python) over d, the detail of the pattern
# PATTERN that `telemetry patterns --json` reports for $TD.
detail() {
    runuser -u nobody -- "$T" patterns --json --dir "$TD" >"$WORK/out" 2>&1
    python3 - "$WORK/out" "$1" "$2" <<'PY'
import json, sys
out, name, expr = sys.argv[1:4]
P = [p for p in json.load(open(out)) if p["pattern"] == name]
d = P[0].get("detail", "") if P else ""
ok = eval(expr, {"d": d})
if not ok:
    print("  patterns:", open(out).read(), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

agent /etc/shadow w
check "EACCES on /etc/shadow: a system file, not transient" detail \
    "Permission denied errors" \
    "\"'/etc/shadow' (system)\" in d and 'EACCES' in d and 'not transient: a system file' in d and 'agent.py:2 in load' in d and 'may be transient' not in d"

agent notes.txt r "echo secret >notes.txt && chmod 0000 notes.txt"
check "EACCES in the work tree: check owner and mode, not a system file" detail \
    "Permission denied errors" \
    "\"'notes.txt'\" in d and 'not transient while the' in d and '(system)' not in d and 'agent.py:2 in load' in d"

agent data/input.json r
check "ENOENT by a relative path: the file, the code that opened it" detail \
    "File not found errors" \
    "\"'data/input.json'\" in d and 'ENOENT' in d and 'agent.py:2 in load' in d and 'a relative path' in d"

RO="$WORK/ro"
mkdir -p "$RO"
if mount -t tmpfs -o ro,size=64k tmpfs "$RO" 2>/dev/null; then
    agent "$RO/out.txt" w
    check "EROFS: not transient" detail "Read-only filesystem" \
        "'EROFS' in d and 'not transient: the file system is mounted read-only' in d and 'agent.py:2 in load' in d"
    umount "$RO"
else
    skip "EROFS: cannot mount a read-only tmpfs here"
fi
RO=

finish advice
