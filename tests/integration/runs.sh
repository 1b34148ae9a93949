#!/bin/sh
# Runs (README "Runs"): the run id inherited by every process of a
# `telemetry run` (sh -c, python3 subprocess, git hooks), the start and end
# records, `telemetry runs`, --run filters, the failures line, a run killed
# with SIGKILL, suppressed counts, and the run file under the storage rules.
# Usage: tests/integration/runs.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup runs "${1:-}"
SCRIPTS="$HERE/../../scripts"
trap 'cd /; umount "$WORK"/full 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM

mkdir -p "$WORK/ws" && git -C "$WORK/ws" init -q && cd "$WORK/ws" || exit 1
TD="$WORK/td"
export TELEMETRY_SHIM="$SHIM"

# runs_json DIR: `telemetry runs --json` into $WORK/runs.json
runs_json() { "$T" runs --dir "$1" --json >"$WORK/runs.json"; }
# field N KEY: the KEY of the N-th run (newest first) of $WORK/runs.json
field() {
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[int(sys.argv[2])][sys.argv[3]]; print(json.dumps(v) if not isinstance(v, str) else v)' \
        "$WORK/runs.json" "$1" "$2"
}
# run_is N EXPR: the N-th run of $WORK/runs.json, as r, makes the Python
# expression EXPR true
run_is() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[int(sys.argv[2])]; assert eval(sys.argv[3]), r' \
        "$WORK/runs.json" "$1" "$2"
}

# --- the run id reaches every process: sh -c, python3 subprocess, a git hook ---
printf '#!/bin/sh\ncat missing-hook 2>/dev/null\nexit 0\n' >.git/hooks/pre-commit
chmod +x .git/hooks/pre-commit
"$T" run --dir "$TD" -- sh -c '
    cat missing-sh 2>/dev/null
    python3 -c "
import subprocess
subprocess.run([\"cat\", \"missing-py-child\"], stderr=subprocess.DEVNULL)
try:
    open(\"missing-py\")
except OSError:
    pass
"
    git -c user.name=t -c user.email=t@t commit -q --allow-empty -m x
    exit 0' 2>"$WORK/err"
runs_json "$TD"
RID=$(field 0 run)
check "run id: 16 lowercase hex digits" sh -c "printf '%s' '$RID' | grep -qx '[0-9a-f]\{16\}'"
check "run id: every event of sh -c, python3 subprocess and the git hook carries it, with its ppid" \
    python3 - "$TD" "$RID" <<'PY'
import json, sys
d, rid = sys.argv[1], sys.argv[2]
E = [json.loads(l) for l in open(d + "/all_errors.jsonl")]
want = {"missing-sh", "missing-py-child", "missing-py", "missing-hook"}
seen = set()
for e in E:
    for w in want:
        if w + "'" in e["error_message"]:
            seen.add(w)
            assert e.get("run") == rid, e
            assert isinstance(e.get("ppid"), int) and e["ppid"] > 0, e
            assert e["ppid"] != e["pid"], e
# ppid is the parent's pid at the time: python3's child cat names python3
by = {w: e for e in E for w in want if w + "'" in e["error_message"]}
assert by["missing-py-child"]["ppid"] == by["missing-py"]["pid"], by
keys = list(E[0].keys())
assert keys.index("pid") < keys.index("ppid") < keys.index("run"), keys
assert seen == want, seen
PY
check "run: the end record says exit 0 and counts the events" \
    run_is 0 'r["exit_status"] == 0 and r["events"] == 4 and r["finished"]' 
check "run: no failures line on stderr without a terminal or --report" test ! -s "$WORK/err"

# --- telemetry-run and telemetry-env give the run an id --------------------------
TELEMETRY_DIR="$WORK/td-script" sh "$SCRIPTS/telemetry-run" sh -c 'cat missing-script 2>/dev/null; true'
check "telemetry-run: the events carry a run id" \
    grep -q '"run":"[0-9a-f]\{16\}"' "$WORK/td-script/all_errors.jsonl"
out=$(TELEMETRY_RUN_ID=00000000000000ab sh "$SCRIPTS/telemetry-env")
check "telemetry-env: keeps a run id set by a CI step" \
    sh -c "eval \"\$1\" && [ \"\$TELEMETRY_RUN_ID\" = 00000000000000ab ]" _ "$out"
out=$(sh "$SCRIPTS/telemetry-env")
check "telemetry-env: makes one when none is set" \
    sh -c "eval \"\$1\" && printf '%s' \"\$TELEMETRY_RUN_ID\" | grep -qx '[0-9a-f]\{16\}'" _ "$out"
TELEMETRY_RUN_ID=0123 sh "$SCRIPTS/telemetry-env" >"$WORK/out"; rc=$?
check "telemetry-env: a malformed TELEMETRY_RUN_ID: exit 2, nothing that applies printed" \
    sh -c "[ $rc = 2 ] && ! grep -q '^export' '$WORK/out' && grep -q 'must be 16 lowercase hex digits' '$WORK/out'"
expect_rc 2 "telemetry-run: a malformed TELEMETRY_RUN_ID is refused" \
    env TELEMETRY_RUN_ID=0123 sh "$SCRIPTS/telemetry-run" true
expect_rc 2 "telemetry run: a malformed TELEMETRY_RUN_ID is refused" \
    env TELEMETRY_RUN_ID=0123456789ABCDEF "$T" run --dir "$TD" -- true
check "telemetry run: the message says the rule" grep -q "TELEMETRY_RUN_ID must be 16 lowercase hex digits" "$WORK/err"
TELEMETRY_DIR="$WORK/td-bad" TELEMETRY_RUN_ID=nothex LD_PRELOAD="$SHIM" cat missing-badrun 2>/dev/null
check "shim: a malformed TELEMETRY_RUN_ID is ignored (no run key)" \
    sh -c "grep -q missing-badrun '$WORK/td-bad/all_errors.jsonl' && ! grep -q '\"run\"' '$WORK/td-bad/all_errors.jsonl'"

TELEMETRY_RUN_ID=00000000000000cc "$T" record --dir "$WORK/td-rec" --repo r --agent a --type T --message m >/dev/null
check "record: inside a run, the event carries it" grep -q '"source":"cli","run":"00000000000000cc"' "$WORK/td-rec/all_errors.jsonl"
TELEMETRY_RUN_ID=nothex "$T" doctor --dir "$WORK/td-bad" >"$WORK/out" 2>&1
check "doctor: a malformed TELEMETRY_RUN_ID is a failed check" \
    grep -q "^FAIL TELEMETRY_RUN_ID: set, but not 16 lowercase hex digits" "$WORK/out"

# --- two runs: exit statuses 3 and 0, their events --------------------------------
TD="$WORK/two"
"$T" run --dir "$TD" -- sh -c 'cat missing-a1 missing-a2 2>/dev/null; exit 3'; rc=$?
check "run exits with its command's status" test "$rc" = 3
TELEMETRY_RUN_ID=feedfacecafebeef "$T" run --dir "$TD" -- sh -c 'cat missing-b1 2>/dev/null; true'
runs_json "$TD"
check "runs --json: two runs, newest first, exit 0 and 3, with 1 and 2 events" python3 - "$WORK/runs.json" <<'PY'
import json, sys
R = json.load(open(sys.argv[1]))
assert len(R) == 2, R
assert R[0]["run"] == "feedfacecafebeef", R[0]   # taken from the environment
assert (R[0]["exit_status"], R[0]["events"]) == (0, 1), R[0]
assert (R[1]["exit_status"], R[1]["events"]) == (3, 2), R[1]
for r in R:
    assert r["finished"] and r["signal"] is None and r["duration_ms"] >= 0, r
    assert r["program"] == "sh" and r["repos"] == ["ws"] and r["repo"] == "ws", r
    assert r["host"], r
PY
"$T" runs --wide --dir "$TD" >"$WORK/out"
check "runs: one line per run, id, command, status, counts, repos" \
    sh -c "[ \$(wc -l <'$WORK/out') = 2 ] && grep -q '^feedfacecafebeef  .*  sh  exit 0  events 1  fatal 0.*repos ws\$' '$WORK/out'"
"$T" runs --dir "$TD" --limit 1 --json >"$WORK/out"
check "runs --limit 1: the newest run only" \
    python3 -c 'import json,sys; R=json.load(open(sys.argv[1])); assert [r["run"] for r in R] == ["feedfacecafebeef"], R' "$WORK/out"
"$T" runs --dir "$TD" --since 2000-01-01 --json >"$WORK/out"
check "runs --since: both runs are newer" \
    python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) == 2' "$WORK/out"
expect_rc 2 "runs --since: a bad bound is a usage error" "$T" runs --dir "$TD" --since yesterday
"$T" summary --dir "$TD" --json --run feedfacecafebeef >"$WORK/out"
check "summary --run: only that run's events" grep -q '"total_errors":1,' "$WORK/out"
"$T" tail --dir "$TD" --run feedfacecafebeef >"$WORK/out"
check "tail --run: only that run's event" sh -c "[ \$(wc -l <'$WORK/out') = 1 ]"
"$T" groups --dir "$TD" --json --run feedfacecafebeef >"$WORK/out"
check "groups --run: only that run's groups" sh -c "grep -q missing-b1 '$WORK/out' && ! grep -q missing-a '$WORK/out'"
"$T" patterns --dir "$TD" --json --run 0000000000000000 >"$WORK/out"
check "patterns --run: a run without events has none" grep -qx '\[\]' "$WORK/out"
expect_rc 2 "summary --run: a malformed id is a usage error" "$T" summary --dir "$TD" --run 12

# --- the failures line: with --report, and never without ---------------------
TD="$WORK/report"
"$T" run --report --dir "$TD" -- sh -c 'cat missing-r1 missing-r2 2>/dev/null; exit 0' 2>"$WORK/err"
runs_json "$TD"
check "--report: one line, the count and how to see them" \
    grep -qx "telemetry: 2 failures recorded (0 fatal) — telemetry summary --run $(field 0 run) --dir $TD" "$WORK/err"
"$T" run --report --dir "$TD" -- true 2>"$WORK/err"
check "--report: nothing when nothing was recorded" test ! -s "$WORK/err"

# --- a non-zero exit nothing explains; the exit of a signal ---------------------
TD="$WORK/unexplained"
"$T" run --dir "$TD" -- sh -c 'exit 4'
"$T" run --dir "$TD" -- sh -c 'kill -TERM $$'; rc=$?
check "signal: telemetry run ends as its command did" test "$rc" = 143
runs_json "$TD"
check "unexplained: exit 4 with no fatal event is said so" \
    run_is 1 'r["exit_status"] == 4 and r["unexplained"] is True'
check "signal: the run record names it" \
    run_is 0 'r["signal"] == 15 and r["exit_status"] is None and not r["unexplained"]' 
TD="$WORK/explained"
"$T" run --dir "$TD" -- cat missing-e1 2>/dev/null
runs_json "$TD"
check "explained: cat's own failure, written when it happened, explains its exit 1" \
    run_is 0 'r["exit_status"] == 1 and r["events"] == 1 and r["fatal"] == 0 and not r["unexplained"]'

# --- a run killed with SIGKILL did not finish ---------------------------------
TD="$WORK/killed"
"$T" run --dir "$TD" -- sh -c 'cat missing-k 2>/dev/null; kill -KILL $PPID; exit 0'
runs_json "$TD"
check "SIGKILL: the run did not finish, its event is still counted" \
    run_is 0 'not r["finished"] and r["end"] is None and r["events"] == 1' 
"$T" runs --wide --dir "$TD" >"$WORK/out"
check "SIGKILL: runs says 'did not finish'" grep -q "  did not finish  events 1" "$WORK/out"

# --- suppressed failures: counted by each process, carried by the run -----------
TD="$WORK/suppressed"
# Missing files outside every work tree are probes; the process exits 0.
PROBE='
for p in ("/nonexistent-dir/probe-1", "/nonexistent-dir/probe-2"):
    try:
        open(p)
    except OSError:
        pass
'
"$T" run --dir "$TD" -- python3 -c "$PROBE"
runs_json "$TD"
check "suppressed: the probes of the run's processes are counted, nothing recorded" \
    run_is 0 'r["probes"] >= 2 and r["events"] == 0'
check "suppressed: no event log" test ! -e "$TD/all_errors.jsonl"
check "suppressed: the end record carries the counts" \
    python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1] + "/runs.jsonl")]
end = [l for l in L if l["record"] == "end"][0]
assert end["probes"] >= 2 and end["expected"] == 0, end
assert any(l["record"] == "process" and l["probes"] >= 2 for l in L), L
' "$TD"
"$T" doctor --dir "$TD" >"$WORK/out" 2>&1
check "doctor: shows what recent runs suppressed" grep -q "suppressed [2-9][0-9]* probes + 0 expected" "$WORK/out"
# exec and _exit skip the exit hook: the counts are written before them,
# once (an exec that fails does not count them twice)
TD="$WORK/exec"
probes_of() { runs_json "$TD"; field 0 probes; }
"$T" run --dir "$TD" -- /usr/bin/python3 -c "$PROBE"
n=$(probes_of)
"$T" run --dir "$TD" -- /usr/bin/python3 -c "$PROBE
import os
os.execv('/bin/true', ['true'])"
check "exec: the probes before execv are counted" test "$(probes_of)" = "$n"
"$T" run --dir "$TD" -- /usr/bin/python3 -c "$PROBE
import os
os.execl('/bin/true', 'true')"
check "exec: the probes before execl are counted" test "$(probes_of)" = "$n"
"$T" run --dir "$TD" -- /usr/bin/python3 -c "$PROBE
import os
os._exit(0)"
check "_exit: the probes before it are counted" test "$(probes_of)" = "$n"
"$T" run --dir "$TD" -- /usr/bin/python3 -c "$PROBE
import os
try:
    os.execv('/nonexistent-dir/prog', ['prog'])
except OSError:
    pass"
check "exec that fails: the probes are counted once" test "$(probes_of)" = "$n"
"$T" run --dir "$TD" -- /usr/bin/python3 -c "$PROBE
import os
if os.fork() == 0:
    os.execv('/bin/true', ['true'])
os.wait()"
check "exec in a forked child: the parent's probes are not counted twice" test "$(probes_of)" = "$n"
mkdir -m 0700 "$WORK/norun"
LD_PRELOAD="$SHIM" TELEMETRY_DIR="$WORK/norun" python3 -c "$PROBE"
check "suppressed: outside a run no run file is made" test ! -e "$WORK/norun/runs.jsonl"

# --- a command that cannot be run: its name only, and said so --------------------
TD="$WORK/notrun"
"$T" run --dir "$TD" -- 'mysql --user=root --pw letmein123 -h db' 2>/dev/null; rc=$?
check "not run: exit 127" test "$rc" = 127
check "not run: no argument of the command in the run file" \
    sh -c "! grep -q 'letmein123\|--user' '$TD/runs.jsonl' && grep -q '\"program\":\"unknown\",\"agent\":\"unknown\"' '$TD/runs.jsonl'"
runs_json "$TD"
check "not run: the end record says the command was not run, not unexplained" \
    run_is 0 'r["exit_status"] == 127 and r["not_run"] is True and not r["unexplained"]'
"$T" run --dir "$TD" -- sh -c 'exit 127'
runs_json "$TD"
check "not run: a command that ran and exited 127 is not 'not run'" \
    run_is 0 'r["exit_status"] == 127 and r["not_run"] is False and r["unexplained"]'

# --- clean: old run records go, recent ones stay ------------------------------
TD="$WORK/two"
printf '{"run":"0000000000000001","record":"start","time":"2001-01-01T00:00:00.000000Z"}\n' >>"$TD/runs.jsonl"
"$T" clean --dir "$TD" --older-than 30d >"$WORK/out"
check "clean: the old run record is removed, the others kept" \
    sh -c "grep -q 'run file: 1 old records removed' '$WORK/out' && ! grep -q 0000000000000001 '$TD/runs.jsonl' && grep -q feedfacecafebeef '$TD/runs.jsonl'"
# A run's records go together: a run as old as its end, a run still going
# (its telemetry run alive: this shell) never old, a dead unfinished one as
# old as its latest record.
{
    printf '{"run":"0000000000000002","record":"start","time":"2001-01-01T00:00:00.000000Z","pid":1}\n'
    printf '{"run":"0000000000000002","record":"process","time":"2001-01-01T00:00:01.000000Z","pid":7,"probes":1,"expected":0}\n'
    printf '{"run":"0000000000000002","record":"end","time":"%s","start":"2001-01-01T00:00:00.000000Z","pid":1,"exit_status":0}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)"
    printf '{"run":"0000000000000003","record":"start","time":"2001-01-01T00:00:00.000000Z","pid":%s}\n' "$$"
    printf '{"run":"0000000000000004","record":"start","time":"2001-01-01T00:00:00.000000Z","pid":2147483647}\n'
} >>"$TD/runs.jsonl"
"$T" clean --dir "$TD" --older-than 30d >"$WORK/out"
check "clean: a run's records go together (aged by its end); a run still going is kept; a dead unfinished one goes" \
    sh -c "[ \$(grep -c 0000000000000002 '$TD/runs.jsonl') = 3 ] && grep -q 0000000000000003 '$TD/runs.jsonl' && ! grep -q 0000000000000004 '$TD/runs.jsonl' && grep -q 'run file: 1 old records removed' '$WORK/out'"
printf 'not a record\n' >>"$TD/runs.jsonl"
"$T" runs --wide --dir "$TD" >"$WORK/out" 2>"$WORK/err"
check "runs: a malformed line is said, skipped and left in the file" \
    sh -c "grep -q '1 line of runs.jsonl is not a run record (the first: not one JSON object)' '$WORK/err' && grep -q 'not a record' '$TD/runs.jsonl' && [ \$(wc -l <'$WORK/out') = 4 ]"

# --- small things: duration, host name, a signal -------------------------------
TD="$WORK/small"
"$T" run --dir "$TD" -- true
check "duration: end - start is duration_ms (one pair of clock readings)" python3 - "$TD" <<'PY'
import json, sys
from datetime import datetime
e = [json.loads(l) for l in open(sys.argv[1] + "/runs.jsonl") if '"end"' in l][0]
f = "%Y-%m-%dT%H:%M:%S.%fZ"
d = datetime.strptime(e["time"], f) - datetime.strptime(e["start"], f)
assert abs(d.total_seconds() * 1000 - e["duration_ms"]) < 1, e
PY
"$T" runs --wide --dir "$TD" >"$WORK/out"
check "duration: under a second it is shown in ms" grep -q "^[0-9a-f]\{16\}  [-0-9]* [0-9:]*[-+][0-9:]*  *[0-9]*ms  true  exit 0" "$WORK/out"
if [ "$(id -u)" -eq 0 ] && unshare -u true 2>/dev/null; then
    unshare -u sh -c "hostname alice-laptop.10.1.2.3 && '$T' run --dir '$TD' -- true"
    check "host: an IPv4 address in the host name is scrubbed" \
        sh -c "grep -q '\"host\":\"alice-laptop.\*\*\*IP\*\*\*\"' '$TD/runs.jsonl' && ! grep -q '10\.1\.2\.3' '$TD/runs.jsonl'"
else
    skip "host: needs root and unshare -u"
fi

# --- the telemetry directory's own files are never recorded ------------------
TD="$WORK/ws/td-inside" # inside a work tree: a missing file there would be significant
"$T" run --dir "$TD" -- sh -c 'cat missing-own 2>/dev/null; true'
"$T" run --dir "$TD" -- "$T" summary --dir "$TD" >/dev/null
"$T" run --dir "$TD" -- "$T" runs --dir "$TD" >/dev/null
"$T" run --dir "$TD" --capture all -- cat "$TD/no-such-file" 2>/dev/null
check "own directory: no failure on its files is recorded (rotated logs not there, any reader)" \
    sh -c "grep -q missing-own '$TD/all_errors.jsonl' && ! grep -q 'td-inside/' '$TD/all_errors.jsonl'"

# --- events lost (the file-size limit): counted, and they explain -----------------
TD="$WORK/lost"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    "$T" record --dir "$TD" --repo r --agent a --type T --message "filler $i" >/dev/null
done
# The log is past the limit the command sets, the run file is not.
"$T" run --dir "$TD" -- sh -c 'ulimit -f 4; cat missing-lost 2>/dev/null; exit 3'
runs_json "$TD"
check "lost: the event not stored is counted on the run, which is not 'unexplained'" \
    run_is 0 'r["lost"] == 1 and r["exit_status"] == 3 and not r["unexplained"]'
check "lost: the process line and the end record carry it" \
    sh -c "grep -q '\"record\":\"process\".*\"lost\":1' '$TD/runs.jsonl' && grep -q '\"record\":\"end\".*\"lost\":1' '$TD/runs.jsonl'"
"$T" runs --wide --dir "$TD" >"$WORK/out"
check "lost: runs says so" grep -q "exit 3  events 0  fatal 0  lost 1" "$WORK/out"

# --- the directory lock held by someone else: the command is not held up -------
TD="$WORK/locked"
"$T" run --dir "$TD" -- true
flock -x "$TD" sleep 60 & holder=$! # as a clean holds it (with .lock)
sleep 0.5 # (the holder takes the lock; without it the test passes vacuously)
timeout 20 "$T" run --dir "$TD" -- sh -c 'exit 3' 2>"$WORK/err"; rc=$?
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "lock held: the command runs and its status is kept (no unbounded wait)" test "$rc" = 3
check "lock held: the records not written are said" \
    sh -c "[ \$(grep -c 'cannot write the run record' '$WORK/err') = 2 ]"

# --- the run file under the storage rules ----------------------------------
TD="$WORK/link"
mkdir -m 0700 "$TD" && echo keep >"$WORK/target" && ln -s "$WORK/target" "$TD/runs.jsonl"
"$T" run --dir "$TD" -- sh -c 'cat missing-l 2>/dev/null; exit 5' 2>"$WORK/err"; rc=$?
check "run file a symlink: the command runs, its status kept" test "$rc" = 5
check "run file a symlink: refused with a message, the target untouched" \
    sh -c "grep -q 'cannot write the run record' '$WORK/err' && [ \"\$(cat '$WORK/target')\" = keep ]"
check "run file a symlink: the events are still recorded" grep -q missing-l "$TD/all_errors.jsonl"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    TD="$WORK/foreign"
    mkdir -m 0700 "$TD" && : >"$TD/runs.jsonl" && chown nobody "$TD/runs.jsonl"
    "$T" run --dir "$TD" -- sh -c 'cat /nonexistent-dir/p 2>/dev/null; exit 0' 2>"$WORK/err"; rc=$?
    check "run file of another owner: refused, left empty, the command unaffected" \
        sh -c "[ $rc = 0 ] && grep -q 'cannot write the run record' '$WORK/err' && [ ! -s '$TD/runs.jsonl' ]"
else
    skip "run file of another owner: needs root and a 'nobody' user"
fi
mkdir -p "$WORK/full"
if mount -t tmpfs -o size=48k tmpfs "$WORK/full" 2>/dev/null; then
    TD="$WORK/full/td"
    "$T" record --dir "$TD" --repo r --agent a --type T --message "stored before the disk filled" >/dev/null
    dd if=/dev/zero of="$WORK/full/filler" bs=1k count=64 2>/dev/null
    "$T" run --dir "$TD" -- sh -c 'exit 6' 2>"$WORK/err"; rc=$?
    check "full disk: the command runs, its status kept" test "$rc" = 6
    check "full disk: the run record's failure is said" grep -q "cannot write the run record.*No space left" "$WORK/err"
    expect_rc 0 "full disk: clean with nothing to remove rewrites nothing (no room needed)" \
        "$T" clean --dir "$TD" --older-than 30d
    rm -f "$WORK/full/filler"
    "$T" summary --dir "$TD" --json >"$WORK/out"
    check "full disk: what was stored is still there" grep -q '"total_errors":1,' "$WORK/out"
    umount "$WORK/full"
else
    skip "full disk: cannot mount a tmpfs here"
fi

finish runs
