#!/bin/sh
# Hardening tests: the shim under load with rotation, and under faults (full
# disk, no descriptors, read-only or vanished directory, a cut log).
# Usage: tests/integration/hardening.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup hardening "${1:-}"
trap 'cd /; umount "$WORK"/full 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM

build_victim "$WORK/victim" -O0 || exit 1
mkdir -p "$WORK/ws" && git -C "$WORK/ws" init -q && cd "$WORK/ws" || exit 1

# --- load: 8 processes x 4 threads x 2,000 failures, with rotation ----------
# 64,000 events of about 470 bytes (30 MB) pass the 20 MiB limit once: the live
# file and .1 together hold every event, so nothing may be missing.
TD="$WORK/load"
start=$(date +%s)
for p in 1 2 3 4 5 6 7 8; do
    TELEMETRY_DIR="$TD" TELEMETRY_MAX_EVENTS=100000 TELEMETRY_MAX_BYTES=$((20 << 20)) \
        LD_PRELOAD="$SHIM" "$WORK/victim" stress 4 2000 "p$p" >/dev/null &
done
wait
echo "load: 64,000 recorded failures in $(( $(date +%s) - start )) s" >&2
check "load: rotation happened" test -f "$TD/all_errors.jsonl.1"
check "load: every line parses, none torn, none lost, none twice" python3 - "$TD" <<'PY'
import json, os, sys
d = sys.argv[1]
ids, msgs = set(), set()
# An event that found the lock held past its wait (rotation under this
# contention) is in its process's spool (README, "Storage").
sp = os.path.join(d, "spool")
spooled = [os.path.join("spool", n) for n in os.listdir(sp)] if os.path.isdir(sp) else []
n_spooled = sum(1 for p in spooled for _ in open(os.path.join(d, p), "rb"))
print("load: %d events went to spool files" % n_spooled, file=sys.stderr)
for name in ["all_errors.jsonl.1", "all_errors.jsonl"] + spooled:
    for raw in open(os.path.join(d, name), "rb"):
        e = json.loads(raw)
        ids.add(e["telemetry_id"])
        msgs.add(e["error_message"])
assert len(ids) == 64000, len(ids)
assert len(msgs) == 64000, len(msgs)
for name in os.listdir(d):
    if name.endswith(".jsonl") or name.endswith(".jsonl.1"):
        assert os.path.getsize(os.path.join(d, name)) <= 20 << 20, name
PY

# --- a full disk under the telemetry directory ---------------------------------
mkdir -p "$WORK/full"
if mount -t tmpfs -o size=48k tmpfs "$WORK/full" 2>/dev/null; then
    FD="$WORK/full/td"
    "$T" record --dir "$FD" --repo r --agent a --type T --message "stored before the disk filled" >/dev/null
    dd if=/dev/zero of="$WORK/full/filler" bs=1k count=64 2>/dev/null
    "$WORK/victim" open-ro "$WORK/ws/data/x.txt" >"$WORK/plain.out" 2>&1; prc=$?
    TELEMETRY_DIR="$FD" LD_PRELOAD="$SHIM" "$WORK/victim" open-ro "$WORK/ws/data/x.txt" >"$WORK/shim.out" 2>&1; src=$?
    check "full disk: the host's result and exit status unchanged" sh -c "[ $prc = $src ] && cmp -s '$WORK/plain.out' '$WORK/shim.out'"
    big=$(python3 -c 'print("no room " * 250)')
    rc=0
    for i in 1 2 3 4; do
        "$T" record --dir "$FD" --repo r --agent a --type T --message "$big" >/dev/null 2>"$WORK/err" || { rc=$?; break; }
    done
    check "full disk: record fails with a message" sh -c "[ $rc = 1 ] && grep -q '^telemetry: .*write failed' '$WORK/err'"
    rm -f "$WORK/full/filler"
    "$T" summary --dir "$FD" --json >"$WORK/out"
    check "full disk: what was stored is still there" grep -q '"total_errors":[1-9]' "$WORK/out"
    umount "$WORK/full"
else
    skip "full disk: cannot mount a tmpfs here"
fi

# --- descriptor exhaustion ----------------------------------------------------
TD="$WORK/fds"
(ulimit -n 64; "$WORK/victim" fd-exhaust "$WORK/ws/data/y.txt") >"$WORK/plain.out" 2>&1
(ulimit -n 64; TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/victim" fd-exhaust "$WORK/ws/data/y.txt") >"$WORK/shim.out" 2>&1
check "no descriptors: the host sees the same" cmp -s "$WORK/plain.out" "$WORK/shim.out"
check "no descriptors: EMFILE seen by the host" grep -q "open-at-limit ret=-1 errno=EMFILE" "$WORK/shim.out"
check "no descriptors: the EMFILE is written at exit" python3 -c '
import json, sys
E = [json.loads(l) for l in open(sys.argv[1] + "/all_errors.jsonl")]
assert any(e["context"]["errno"] == "EMFILE" and e["context"]["category"] == "fd_limit" for e in E), E
' "$TD"
# Each kept event counts once against TELEMETRY_MAX_EVENTS (it counted when
# kept and again when written at exit: with a cap of 2 nothing was written).
TD="$WORK/fds-cap"
(ulimit -n 64; TELEMETRY_MAX_EVENTS=2 TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/victim" fd-exhaust "$WORK/ws/data/y.txt") >/dev/null 2>&1
check "no descriptors, a cap of 2: both EMFILE failures are written at exit" python3 -c '
import json, sys
E = [json.loads(l) for l in open(sys.argv[1] + "/all_errors.jsonl")]
assert [e["context"]["errno"] for e in E] == ["EMFILE", "EMFILE"], E
' "$TD"

# --- a read-only directory, a directory removed while processes run -----------
if id nobody >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    RO="$WORK/ro-td" && mkdir -p "$RO" && chown nobody "$RO" && chmod 0500 "$RO"
    runuser -u nobody -- "$WORK/victim" open-ro "$WORK/ws/data/z.txt" >"$WORK/plain.out" 2>&1
    runuser -u nobody -- env TELEMETRY_DIR="$RO" LD_PRELOAD="$SHIM" "$WORK/victim" open-ro "$WORK/ws/data/z.txt" >"$WORK/shim.out" 2>&1
    check "read-only directory: the host sees the same" cmp -s "$WORK/plain.out" "$WORK/shim.out"
    check "read-only directory: nothing written" test -z "$(ls -A "$RO")"

    # A process that changes its effective uid without exec: each failure
    # is checked against the effective uid of the thread that fails, at
    # that moment (README "Storage").  The directory is nobody's: the
    # failures as nobody are written (log or spool), those as root (before
    # the change, right after the change back, or in another thread that
    # kept root, also failing at the same time) are refused.
    for how in setuid seteuid setreuid setresuid raw thread threads; do
        ND="$WORK/uid-$how" && mkdir -m 0700 "$ND" && chown nobody "$ND"
        n=1 && [ "$how" = threads ] && n=1000
        TELEMETRY_DIR="$ND" TELEMETRY_MAX_EVENTS=5000 LD_PRELOAD="$SHIM" "$WORK/victim" uid-swap "$how" \
            "$(id -u nobody)" "$WORK/ws/missing/$how" >/dev/null 2>&1; rc=$?
        check "uid change by $how: the host goes on" test "$rc" = 0
        check "uid change by $how: the failures as nobody are in nobody's directory ($n)" \
            test "$(cat "$ND/all_errors.jsonl" "$ND"/spool/*.jsonl 2>/dev/null | grep -c "missing/$how-user-")" = "$n"
        check "uid change by $how: nothing of root's in nobody's directory" \
            sh -c "! grep -rq -e '$how-root1' -e '$how-root2' '$ND'"
    done
    # A signal handler makes the thread root again in the middle of events
    # made as nobody.  What an event makes then would be root's: the hash
    # key, a log, the lock file (rotation, at 20,000 bytes), the spool
    # directory and file (the directory lock held, as a clean would).  Each
    # is removed again, not left in nobody's directory to refuse nobody's
    # later events (own.h; tests/unit/test_own.c makes each with another
    # file-system uid).
    ND="$WORK/uid-flip" && mkdir -m 0700 "$ND" && chown nobody "$ND"
    TELEMETRY_DIR="$ND" TELEMETRY_MAX_BYTES=20000 TELEMETRY_MAX_EVENTS=5000 LD_PRELOAD="$SHIM" \
        "$WORK/victim" uid-flip "$(id -u nobody)" 1500 "$WORK/ws/missing/flip" >/dev/null 2>&1; rc=$?
    check "uid flipped mid-event: the host goes on" test "$rc" = 0
    flock -x "$ND" sleep 3 & locker=$! && sleep 0.3
    TELEMETRY_DIR="$ND" LD_PRELOAD="$SHIM" \
        "$WORK/victim" uid-flip "$(id -u nobody)" 100 "$WORK/ws/missing/flip-spool" >/dev/null 2>&1
    wait $locker
    check "uid flipped mid-event: no file or directory of root's in nobody's directory" \
        sh -c "find '$ND' ! -user nobody -printf '%P ' | tee -a /dev/stderr | grep -q . && exit 1 || exit 0"
    check "uid flipped mid-event: nobody records and cleans there afterwards" \
        runuser -u nobody -- sh -c "'$T' record --dir '$ND' --repo r --agent a --type T --message after >/dev/null &&
            '$T' clean --older-than 30d --dir '$ND' >/dev/null"
    # The same, deterministically: flipcreate.so (before the shim) makes the
    # thread root around every file and directory the shim makes, and
    # nobody again right after.  Whatever was made as root is removed
    # again or never takes its name, and nobody's next event (no flips) is
    # stored.  Cases: fresh logs; .lock (a log near the limit, rotation);
    # spool/ (the lock held); the directory and its parents; the same in a
    # sticky directory (like /tmp: nobody may not remove root's entries,
    # so only a temporary name may stay); the hash key (private repos).
    cc -shared -fPIC -o "$WORK/flipcreate.so" "$HERE/flipcreate.c" -ldl || exit 1
    ND="$WORK/flipc" && mkdir -m 0700 "$ND" && chown nobody "$ND"
    SD="$WORK/flipc-sticky" && mkdir -m 1777 "$SD"
    for case in logs lock spool parents sticky private; do
        D="$ND/$case" && extra=
        case $case in
        parents) D="$ND/$case/x/y" ;;
        sticky) D="$SD/p/td" ;;
        private) extra=TELEMETRY_PRIVATE_REPOS='*' ;;
        lock) extra=TELEMETRY_MAX_BYTES=3000
              runuser -u nobody -- env TELEMETRY_DIR="$D" LD_PRELOAD="$SHIM" "$WORK/victim" stress 1 5 pre >/dev/null 2>&1 ;;
        esac
        [ "$case" = spool ] && { mkdir -m 0700 "$D" && chown nobody "$D"; flock -x "$D" sleep 2 & locker=$!; sleep 0.2; }
        env $extra FLIP_UID="$(id -u nobody)" TELEMETRY_DIR="$D" LD_PRELOAD="$WORK/flipcreate.so $SHIM" \
            "$WORK/victim" stress 1 5 flipped >/dev/null 2>&1; rc=$?
        [ "$case" = spool ] && wait $locker
        check "uid flipped around every creation ($case): the host goes on" test "$rc" = 0
        check "uid flipped around every creation ($case): nothing of root's under its name" \
            sh -c "[ -z \"\$(find '$ND' '$SD' ! -user nobody ! -path '$SD' ! -name '.*.new-*' -printf '%P ' | tee -a /dev/stderr)\" ]"
        runuser -u nobody -- env $extra TELEMETRY_DIR="$D" LD_PRELOAD="$SHIM" "$WORK/victim" stress 1 1 after >/dev/null 2>&1
        check "uid flipped around every creation ($case): nobody's next event is stored" \
            sh -c "cat '$D/all_errors.jsonl' '$D'/spool/*.jsonl 2>/dev/null | grep -q 'missing/after-'"
    done
    # What stays in the sticky directory under a temporary name, doctor
    # shows (to nobody, who may not remove it: no failed check).
    runuser -u nobody -- "$T" doctor --dir "$SD/p/td" >"$WORK/out" 2>&1
    check "uid flipped in a sticky directory: doctor shows root's leftover" \
        grep -q "^INFO leftover directories of another user's: [1-9][0-9]*, the first $SD/.p.new-[0-9a-f]* (uid 0;" "$WORK/out"
    # Where renameat2 is refused (EPERM: a sandbox's system call list),
    # directories are made in place, the old way.
    REFUSE_RENAMEAT2=1 TELEMETRY_DIR="$WORK/norename2/p/td" LD_PRELOAD="$WORK/flipcreate.so $SHIM" \
        "$WORK/victim" stress 1 1 norename2 >/dev/null 2>&1
    check "renameat2 refused: the directory is made in place, the event stored" \
        grep -q 'missing/norename2-' "$WORK/norename2/p/td/all_errors.jsonl"
    # A spool directory of root's (left by an earlier version) in nobody's
    # directory: clean and summary name the spool directory (clean said
    # "telemetry directory is a symbolic link", summary a read error).
    rm -rf "$ND/spool" && mkdir -m 0700 "$ND/spool"
    runuser -u nobody -- "$T" clean --older-than 30d --dir "$ND" >/dev/null 2>"$WORK/err"; rc=$?
    runuser -u nobody -- "$T" summary --dir "$ND" >/dev/null 2>>"$WORK/err"; rc2=$?
    check "a spool directory of root's: clean and summary fail and name the spool directory" \
        sh -c "[ $rc = 1 ] && [ $rc2 = 1 ] && [ \$(grep -c 'spool directory (spool/' '$WORK/err') = 2 ] && ! grep -q 'symbolic link' '$WORK/err'"
    # At the exit of a run's process, its counts go to the run file of the
    # uid it has then, not of the uid its last event had (nobody's run file
    # from before is left as it was, nothing of root's is made there).
    ND="$WORK/uid-exit" && mkdir -m 0700 "$ND" && chown nobody "$ND"
    : >"$ND/runs.jsonl" && chmod 0600 "$ND/runs.jsonl" && chown nobody "$ND/runs.jsonl"
    TELEMETRY_DIR="$ND" TELEMETRY_RUN_ID=0123456789abcdef LD_PRELOAD="$SHIM" \
        "$WORK/victim" uid-exit "$(id -u nobody)" "$WORK/ws/missing/exit" >/dev/null 2>&1
    check "uid change before the exit: the failure as nobody is in nobody's directory" \
        grep -q "missing/exit-user-0" "$ND/all_errors.jsonl"
    check "uid change before the exit: root's run record is not in nobody's directory" \
        sh -c "! grep -rq '\"record\":\"process\"' '$ND' && [ -z \"\$(find '$ND' ! -user nobody)\" ]"
fi
TD="$WORK/vanish"
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/victim" open-ro "$WORK/ws/data/a.txt" >/dev/null
rm -rf "$TD"
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/victim" open-ro "$WORK/ws/data/b.txt" >"$WORK/o" 2>&1; rc=$?
check "directory removed: the host goes on" test "$rc" = 0
check "directory removed: made again and written" grep -q "b.txt" "$TD/all_errors.jsonl"

# --- a log cut mid-line by a crash ----------------------------------------------
TD="$WORK/cut"
"$T" record --dir "$TD" --repo r --agent a --type T --message "before the crash" >/dev/null
printf '{"timestamp":"2026-11-25T00:00:00.000000Z","repo":"r","agent":"a","error_ty' >>"$TD/all_errors.jsonl"
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/victim" open-ro "$WORK/ws/data/c.txt" >/dev/null
"$T" summary --dir "$TD" --json >"$WORK/out"
check "cut log: the cut line is skipped and counted" grep -q '"skipped_lines":1' "$WORK/out"
check "cut log: the events before and after it are whole" grep -q '"total_errors":2' "$WORK/out"
# A process that wrote an event knows where its line ended and does not
# read that last byte again; a line another process cut after it (the same
# file, grown) is still ended before this process's next event.
TD="$WORK/cut-own"
cat >"$WORK/cutown.py" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(3):
    try:
        open("data/cut-own-%d.txt" % i)
    except OSError:
        pass
    if i == 1:
        for name in ("all_errors.jsonl", "ws_errors.jsonl"):
            with open(os.path.join(d, name), "ab") as f:
                f.write(b'{"timestamp":"2026-11-25T00:00:00.000000Z","repo":"ws","error_ty')
PY
(cd "$WORK/ws" && TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 "$WORK/cutown.py" "$TD")
"$T" summary --dir "$TD" --json >"$WORK/out"
check "cut after this process's own line: the cut line is skipped and counted" grep -q '"skipped_lines":1' "$WORK/out"
check "cut after this process's own line: its three events are whole" grep -q '"total_errors":3' "$WORK/out"
check "cut after this process's own line: the repo's log mended too" python3 -c "
import json, sys
lines = open(sys.argv[1], 'rb').read().split(b'\\n')
ok = [l for l in lines if l.startswith(b'{') and l.endswith(b'}')]
sys.exit(0 if len(ok) == 3 and lines[-1] == b'' else 1)" "$TD/ws_errors.jsonl"

# --- a secret in a module's name: frames keep its scrubbed name ------------
# The distinct module names of a backtrace are scrubbed once (a basename may
# hold anything a path does); each frame's offset is the shim's own number.
TD="$WORK/modname"
TOK=ghp_0123456789abcdefABCDEF0123456789abcd
cat >"$WORK/modlib.c" <<'C'
#include <fcntl.h>
int fail_in_lib(void) { return open("data/in-a-secret-module.txt", O_RDONLY); }
C
cat >"$WORK/modmain.c" <<'C'
int fail_in_lib(void);
int main(void) { return fail_in_lib() < 0 ? 0 : 1; }
C
if cc -shared -fPIC -o "$WORK/lib$TOK.so" "$WORK/modlib.c" &&
   cc -o "$WORK/modmain" "$WORK/modmain.c" "$WORK/lib$TOK.so" -Wl,-rpath,"$WORK"; then
    (cd "$WORK/ws" && TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/modmain")
    check "module name: the frame in the secret-named library is there, scrubbed, offset kept" python3 - "$TD" "$TOK" <<'PY'
import json, re, sys
lines = open(sys.argv[1] + "/all_errors.jsonl").read().splitlines()
e = json.loads(lines[-1])
bt = e.get("backtrace", [])
ok = (len(lines) == 1 and sys.argv[2] not in "".join(lines)
      and any("***" in f and re.search(r"\+0x[0-9a-f]+$", f) for f in bt)
      and all(re.search(r"\+0x[0-9a-f]+$", f) for f in bt))
if not ok:
    print(bt, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
else
    bad "module name: cannot build the secret-named library"
fi

finish hardening
