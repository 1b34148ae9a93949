#!/bin/sh
# The guest's manners (README, "Manners"): hosts that close and reuse
# descriptors, run under a file-size limit, fork while the shim initializes,
# fail calls on small alternate signal stacks, or meet a held directory lock.
# Each check here failed on the shim before these were fixed.
# Usage: tests/integration/guest.sh BUILD_DIR
set -u

BUILD=$(cd "${1:?usage: guest.sh BUILD_DIR}" && pwd -P)
SHIM="$BUILD/libtelemetry_shim.so"
T="$BUILD/telemetry"
HERE=$(cd "$(dirname "$0")" && pwd -P)
WORK=$(mktemp -d /tmp/tm-guest-XXXXXX)
chmod 0755 "$WORK"
trap 'cd /; [ -n "${HOLDER:-}" ] && kill "$HOLDER" 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
. "$HERE/../lib.sh"
clean_env
export GIT_CONFIG_NOSYSTEM=1 HOME="$WORK/home"
mkdir -p "$HOME"

cc -std=c11 -Wall -O1 -o "$WORK/guest" "$HERE/guest.c" -lpthread || exit 1
mkdir -p "$WORK/ws" && git -C "$WORK/ws" init -q && cd "$WORK/ws" || exit 1

# events DIR EXPR: EXPR (Python) over E, the events of DIR's central log and
# spool files.
events() {
    python3 - "$1" "$2" <<'PY'
import glob, json, os, sys
d, expr = sys.argv[1], sys.argv[2]
E = []
for p in [os.path.join(d, "all_errors.jsonl")] + sorted(glob.glob(os.path.join(d, "spool", "*.jsonl"))):
    if os.path.exists(p):
        E += [json.loads(l) for l in open(p)]
ok = eval(expr, {"E": E, "len": len, "all": all, "any": any, "sum": sum})
if not ok:
    for e in E:
        print("   ", e.get("error_message"), e.get("context"), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# --- 1. descriptors: none survives the call that made it -----------------
# A host that recorded a failure, closed every descriptor above 2 and
# opened two files (they get 3 and 4) must read and write them untouched.
cat >"$WORK/reuse.py" <<'PY'
import os
try:
    open("missing-config.toml")
except OSError:
    pass
os.closerange(3, 1024)
with open("input.txt", "wb") as f:
    f.write(b"HELLO")
fd_in = os.open("input.txt", os.O_RDONLY)
fd_out = os.open("out.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
try:
    open("missing-again.toml")
except OSError:
    pass
data = os.read(fd_in, 100)
os.write(fd_out, b"DATA")
os.close(fd_out)
print(fd_in, fd_out, data, open("out.bin", "rb").read())
PY
for mode in significant all; do
    TD="$WORK/td-reuse-$mode"
    TELEMETRY_DIR="$TD" TELEMETRY_CAPTURE=$mode LD_PRELOAD="$SHIM" python3 "$WORK/reuse.py" >"$WORK/out" 2>&1
    check "fds ($mode): reused descriptors 3 and 4 read and written untouched" \
        grep -qx "3 4 b'HELLO' b'DATA'" "$WORK/out"
    check "fds ($mode): both failures recorded, with backtraces" \
        events "$TD" "len([e for e in E if 'toml' in e['error_message'] and e.get('backtrace')]) == 2"
done

# A child spawned with its stdin closed finds it closed after its first
# recorded failure (the unwinder's pipe used to take descriptor 0).
cat >"$WORK/spawn.py" <<'PY'
import os, sys
code = r'''
import os
try:
    open("missing-in-child.txt")
except OSError:
    pass
try:
    os.fstat(0)
    print("fd0 open")
except OSError:
    print("fd0 closed")
'''
pid = os.posix_spawn(sys.executable, [sys.executable, "-c", code], dict(os.environ),
                     file_actions=[(os.POSIX_SPAWN_CLOSE, 0)])
os.waitpid(pid, 0)
PY
TD="$WORK/td-spawn"
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 "$WORK/spawn.py" >"$WORK/out" 2>&1
check "fds: a child spawned without stdin still has none after a failure" grep -qx "fd0 closed" "$WORK/out"
check "fds: and its failure was recorded" events "$TD" "any('missing-in-child' in e['error_message'] for e in E)"

# Every descriptor the process has after failures in every capture mode and
# with a private repository (libsodium, the hash key) was there before.
cat >"$WORK/fdset.py" <<'PY'
import os
def fds():
    return sorted(int(f) for f in os.listdir("/proc/self/fd"))
before = fds()
for p in ("missing-a.txt", "/nonexistent/probe.txt", ".git/probe", "missing-b.txt"):
    try:
        open(p)
    except OSError:
        pass
try:
    os.rename("missing-src", "dst")
except OSError:
    pass
try:
    os.write(999, b"x")
except OSError:
    pass
print("same" if fds() == before else "changed %s -> %s" % (before, fds()))
PY
for mode in significant all fatal; do
    TELEMETRY_DIR="$WORK/td-set-$mode" TELEMETRY_CAPTURE=$mode TELEMETRY_HASH_REPOS=all \
        LD_PRELOAD="$SHIM" python3 "$WORK/fdset.py" >"$WORK/out" 2>&1
    check "fds ($mode, hashed repo): the descriptor set is unchanged" grep -qx same "$WORK/out"
done

# --- 2. RLIMIT_FSIZE: the shim's append never raises SIGXFSZ --------------
TD="$WORK/td-fsize"
big=$(python3 -c 'print("filler " * 300)')
for i in 1 2 3; do
    "$T" record --dir "$TD" --repo r --agent a --type T --message "$big $i" >/dev/null
done
# 4 blocks of 1 KiB: the central log is past it already
sh -c 'ulimit -f 4; cat missing-under-limit.txt' >/dev/null 2>&1; plain=$?
sh -c "ulimit -f 4; TELEMETRY_DIR='$TD' LD_PRELOAD='$SHIM' cat missing-under-limit.txt" >/dev/null 2>&1; got=$?
check "fsize: cat under ulimit -f exits $plain as without the shim (got $got)" test "$plain" = "$got"
sh -c 'ulimit -f 4; git add missing-under-limit.txt' >/dev/null 2>&1; plain=$?
sh -c "ulimit -f 4; TELEMETRY_DIR='$TD' LD_PRELOAD='$SHIM' git add missing-under-limit.txt" >/dev/null 2>&1; got=$?
check "fsize: git add under ulimit -f exits $plain as without the shim (got $got)" test "$plain" = "$got"
check "fsize: the logs were not cut or grown" sh -c "[ \$(wc -l <'$TD/all_errors.jsonl') -eq 3 ]"
# The event that did not fit is counted; the process's next stored event says so.
cat >"$WORK/fsize.py" <<'PY'
import resource
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
for p in ("missing-dropped-1.txt", "missing-dropped-2.txt"):
    try:
        open(p)
    except OSError:
        pass
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
try:
    open("missing-stored.txt")
except OSError:
    pass
PY
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 "$WORK/fsize.py"; rc=$?
check "fsize: a Python host that hit the limit exits 0 (got $rc)" test "$rc" = 0
check "fsize: the next stored event counts the two dropped ones" \
    events "$TD" "[e['context'].get('events_lost') for e in E if 'missing-stored' in e['error_message']] == [2] and not any('dropped' in e['error_message'] for e in E)"

# --- 3. fork while another thread runs the one-time initialization --------
hung=0 lost=0
TD="$WORK/td-fork"
for d in 0 100 200 300 400 600 800 1000 1200 1500 2000 3000; do
    TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/guest" forkinit $d >"$WORK/out" 2>&1
    grep -qx "child exit 0" "$WORK/out" || { hung=$((hung + 1)); echo "  fork at $d us: $(cat "$WORK/out")" >&2; }
done
check "fork: no child hangs in the shim's initialization ($hung of 12 did)" test "$hung" = 0
check "fork: every child recorded its own failure" \
    events "$TD" "sum('missing-child' in e['error_message'] for e in E) == 12"

# --- 4. small alternate signal stacks ---------------------------------------
for mode in significant all; do
    for callname in write open; do
        TD="$WORK/td-alt-$mode"
        "$WORK/guest" altstack 8192 $callname >"$WORK/plain.out" 2>&1
        TELEMETRY_DIR="$TD" TELEMETRY_CAPTURE=$mode LD_PRELOAD="$SHIM" \
            "$WORK/guest" altstack 8192 $callname >"$WORK/shim.out" 2>&1; rc=$?
        check "altstack 8 KiB ($mode, $callname): exit 0 and the same result as without the shim (exit $rc)" \
            sh -c "[ $rc = 0 ] && cmp -s '$WORK/plain.out' '$WORK/shim.out'"
    done
    check "altstack ($mode): both failures recorded, with backtraces" \
        events "$TD" "len([e for e in E if e.get('backtrace') and ('EBADF' in str(e['context']) or 'missing-in-handler' in e['error_message'])]) == 2"
done
# The figure the README states: what the shim adds to the host's stack.
"$WORK/guest" stackuse open >"$WORK/plain.out"
TELEMETRY_DIR="$WORK/td-use" LD_PRELOAD="$SHIM" "$WORK/guest" stackuse open >"$WORK/shim.out"
extra=$(( $(sed 's/[^0-9]//g' "$WORK/shim.out") - $(sed 's/[^0-9]//g' "$WORK/plain.out") ))
echo "guest: the failure path adds $extra bytes to the host's stack" >&2
check "altstack: the failure path adds under 1 KiB to the host's stack ($extra bytes)" test "$extra" -lt 1024

# --- 5. a held directory lock ------------------------------------------------
# A long `clean` holds .lock exclusively: the host must not wait for it
# (counted in nanosleep calls under strace: deterministic, unlike a
# clock), and what it failed must be kept in its spool.
TD="$WORK/td-lock"
"$T" record --dir "$TD" --repo r --agent a --type T --message "before the lock" >/dev/null
flock -x "$TD/.lock" sleep 300 &
HOLDER=$!
wait_grep /proc/locks "FLOCK" || true
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" strace -f -qq -e trace=nanosleep -o "$WORK/trace" \
    cat m1 m2 m3 m4 m5 m6 >/dev/null 2>&1
sleeps=$(grep -c nanosleep "$WORK/trace")
# 2 ms for the first event, 0.2 ms for each later one, in 50 us steps.
check "lock: the host slept at most 3 ms in all for the lock ($sleeps x 50 us)" test "$sleeps" -le 60
check "lock: the six failures are in the process's spool" \
    events "$TD" "sorted(e['error_message'].split(\"'\")[1] for e in E if e.get('program') == 'cat') == ['m1','m2','m3','m4','m5','m6']"
# One failure of the agent's own while the lock is held, then 40 probes:
# the deferred event is not evicted by them (it used to share their ring).
cat >"$WORK/evict.py" <<'PY'
for p in ["missing-own.txt"] + ["/nonexistent/probe-%d" % i for i in range(40)]:
    try:
        open(p)
    except OSError:
        pass
PY
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 "$WORK/evict.py"
check "lock: a deferred event survives 40 later probes" \
    events "$TD" "sum('missing-own' in e['error_message'] for e in E) == 1"
"$T" summary --dir "$TD" --json >"$WORK/out"
check "lock: the summary counts spooled events while the lock is held" \
    grep -q '"total_errors":8,' "$WORK/out"
"$T" tail --dir "$TD" -n 20 >"$WORK/out"
check "lock: tail shows them too" sh -c "[ \$(grep -c FileNotFoundError '$WORK/out') -eq 7 ]"
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; HOLDER=
"$T" clean --dir "$TD" --older-than 30d >"$WORK/out"
check "lock: clean moves the exited processes' spools into the logs" \
    sh -c "grep -q 'moved 7 spooled events' '$WORK/out' && [ -z \"\$(ls '$TD/spool')\" ] && [ \$(wc -l <'$TD/all_errors.jsonl') -eq 8 ]"
"$T" summary --dir "$TD" --json >"$WORK/out"
check "lock: after the move, the same 8 events, none twice" grep -q '"total_errors":8,' "$WORK/out"

finish guest
