#!/bin/sh
# Fleet tests: `telemetry ship` and `telemetry summary --clickhouse` against
# a real ClickHouse server (Debian's package) started here on 127.0.0.1.
# Usage: tests/fleet/run.sh BUILD_DIR [SHIM]
# SHIM: the shim `telemetry run` preloads (default: the one in BUILD_DIR);
# `make check` runs a sanitized telemetry with the plain shim.
# KEEP=1 leaves the server running and /tmp/tm-fleet-* in place, to look.
set -u

BUILD=${1:?usage: run.sh BUILD_DIR [SHIM]}
SHIM=${2:-}
BUILD=$(cd "$BUILD" && pwd -P)
T="$BUILD/telemetry"
WORK=$(mktemp -d /tmp/tm-fleet-XXXXXX)
HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
. "$HERE/server.sh"
cleanup() { [ -n "${KEEP:-}" ] && return; ch_stop; [ -n "${HTTPD:-}" ] && kill "$HTTPD" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
clean_env
[ -n "$SHIM" ] && export TELEMETRY_SHIM="$SHIM"

if ! command -v clickhouse-server >/dev/null; then
    echo "fleet: clickhouse-server is missing (make deps installs it)" >&2
    exit 1
fi
ch_init "$WORK/ch"
ch_start || exit 1
U="$CH_URL"

one_line_error() { # stderr is exactly one line starting with "telemetry: "
    [ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q '^telemetry: ' "$WORK/err"
}
count() { ch_sql "SELECT count() FROM $1 FINAL${2:+ WHERE $2}"; }
distinct_ids() { ch_sql "SELECT uniqExact(telemetry_id) FROM $1"; }
local_total() { "$T" summary --json --dir "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_errors"])'; }
shipped() { sed -n 's/^shipped \([0-9]*\) events.*/\1/p' "$WORK/out"; }
same() { python3 "$HERE/same_summary.py" "$@"; }
build_victim "$WORK/victim" -O0 || exit 1

# --- three machines, three repositories, one failure -----------------------
# Each directory stands for one CI runner: its own repos, some failures of
# its own, and the same framework bug (an AttributeError from BaseAgent,
# and a missing config file hit through the shim by the same program).
for m in a b c; do
    D="$WORK/machine-$m"
    "$T" record --dir "$D" --repo "svc-$m" --agent planner --type AttributeError \
        --message "'CodeAgent' object has no attribute 'plan_steps'" >/dev/null
    "$T" record --dir "$D" --repo "svc-$m" --agent planner --type ValueError \
        --message "bad value $m in step 3 of /work/svc-$m/plan.yaml" >/dev/null
    mkdir -p "$WORK/ws-$m"
    (cd "$WORK/ws-$m" && "$T" run --dir "$D" --repo "svc-$m" --agent builder -- \
        "$WORK/victim" open-ro "config/missing-$m.toml" >/dev/null)
done
"$T" record --dir "$WORK/machine-c" --repo "lib-c" --agent planner --type PermissionError \
    --message "[Errno 13] Permission denied: '/srv/cache/c.db'" >/dev/null
for m in a b c; do
    "$T" summary --json --dir "$WORK/machine-$m" >"$WORK/local-$m.json"
    check "machine $m alone shows no cross-repo pattern" \
        sh -c "! grep -q 'Cross-repo framework bug' '$WORK/local-$m.json'"
    expect_rc 0 "ship machine $m" "$T" ship --dir "$WORK/machine-$m" --clickhouse "$U" --table fleet.events
    check "machine $m: every event shipped" [ "$(shipped)" = "$(local_total "$WORK/machine-$m")" ]
done
total=$(( $(local_total "$WORK/machine-a") + $(local_total "$WORK/machine-b") + $(local_total "$WORK/machine-c") ))
check "table holds the sum of the local counts ($total)" [ "$(count fleet.events)" = "$total" ]
check "no event twice in the table" [ "$(distinct_ids fleet.events)" = "$total" ]
expect_rc 0 "fleet summary" "$T" summary --json --clickhouse "$U" --table fleet.events
cp "$WORK/out" "$WORK/fleet.json"
python3 - "$WORK/fleet.json" "$total" <<'PY' && ok || bad "fleet summary: cross-repo patterns over the three machines"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["total_errors"] == int(sys.argv[2]), s["total_errors"]
cross = [p for p in s["patterns"] if p["pattern"] == "Cross-repo framework bug"]
byname = {p["suggestion"]: p for p in cross}
attr = byname["Framework bug - method missing from BaseAgent"]
assert attr["count"] == 3 and sorted(attr["repos"]) == ["svc-a", "svc-b", "svc-c"], attr
shim = [p for p in cross if p["category"] == "file_not_found"]
assert len(shim) == 1 and shim[0]["count"] == 3, cross
assert sorted(shim[0]["repos"]) == ["svc-a", "svc-b", "svc-c"], shim
assert len(cross) == 2, cross   # the ValueErrors differ: not one group
assert s["by_repo"] == {"svc-a": 3, "svc-b": 3, "svc-c": 3, "lib-c": 1}, s["by_repo"]
PY
expect_rc 0 "fleet summary, human" "$T" summary --clickhouse "$U" --table fleet.events
check "human summary names the table, not a directory" grep -q "summary  fleet.events ($U)" "$WORK/out"
expect_rc 0 "fleet patterns, human" "$T" patterns --wide --clickhouse "$U" --table fleet.events
check "human patterns name the framework bug" grep -q "method missing from BaseAgent" "$WORK/out"
expect_rc 0 "fleet groups --json" "$T" groups --json --clickhouse "$U" --table fleet.events --limit 2
check "groups --limit 2 lists two" python3 -c "import json,sys; assert len(json.load(open('$WORK/out'))) == 2"

# --- re-ship sends nothing; new events only ------------------------------
expect_rc 0 "re-ship machine a" "$T" ship --dir "$WORK/machine-a" --clickhouse "$U" --table fleet.events
check "re-ship sends 0" [ "$(shipped)" = 0 ]
"$T" record --dir "$WORK/machine-a" --repo svc-a --agent planner --type KeyError \
    --message "KeyError: 'retries'" >/dev/null
expect_rc 0 "ship one new event" "$T" ship --dir "$WORK/machine-a" --clickhouse "$U" --table fleet.events
check "only the new event is sent" [ "$(shipped)" = 1 ]
check "table count follows" [ "$(count fleet.events)" = $((total + 1)) ]

# --- local and fleet summaries are equal on the same events ---------------
D="$WORK/eq"
i=0
while [ $i -lt 12 ]; do
    "$T" record --dir "$D" --repo "repo-$((i % 4))" --agent "agent-$((i % 3))" \
        --type FileNotFoundError --message "[Errno 2] No such file or directory: '/data/run-$i/out.json'" >/dev/null
    "$T" record --dir "$D" --repo "repo-$((i % 5))" --agent worker --type ModuleNotFoundError \
        --message "No module named 'pkg_$((i % 2))'" >/dev/null
    i=$((i + 1))
done
for kind in "TimeoutError:read timed out after 30s on 10.0.0.$i" \
            "OSError:[Errno 28] No space left on device" \
            "RuntimeError:fatal: Unable to create '/w/.git/index.lock': File exists." \
            "RuntimeError:task 7 failed with code 3" "RuntimeError:task 9 failed with code 4" \
            "AttributeError:'Agent' object has no attribute 'act'"; do
    "$T" record --dir "$D" --repo repo-x --agent solo --type "${kind%%:*}" \
        --message "${kind#*:}" --context exit_code=3 >/dev/null
done
# one cluster whose template grows with an event a --repo filter leaves out
"$T" record --dir "$D" --repo repo-1 --agent solo --type RuntimeError --message "the task failed in step alpha" >/dev/null
"$T" record --dir "$D" --repo repo-2 --agent solo --type RuntimeError --message "the task failed in step beta" >/dev/null
# a late writer: an event whose timestamp is older than the lines before it
echo '{"timestamp":"2026-01-01T00:00:00.000000Z","repo":"repo-old","agent":"late","error_type":"FileNotFoundError","error_message":"[Errno 2] No such file or directory: '"'/data/old/out.json'"'","context":{},"telemetry_id":"0000000000000bad"}' >>"$D/all_errors.jsonl"
mkdir -p "$WORK/ws"
for n in 1 2 3; do
    (cd "$WORK/ws" && "$T" run --dir "$D" --repo "repo-$n" --agent builder -- \
        "$WORK/victim" open-ro "data/none-$n.json" >/dev/null)
done
# repeated failures (README "Event format": an event stands for `repeat` failures): both
# summaries weigh every count by it
echo '{"timestamp":"2026-01-02T00:00:00.000000Z","repo":"repo-rep","agent":"looper","error_type":"FileNotFoundError","error_message":"[Errno 2] No such file or directory: '"'/data/rep/out.json'"'","context":{},"telemetry_id":"0000000000000a97","repeat":97,"fatal":true}' >>"$D/all_errors.jsonl"
echo '{"timestamp":"2026-01-02T00:00:01.000000Z","repo":"repo-rep","agent":"worker","error_type":"ModuleNotFoundError","error_message":"No module named '"'pkg_0'"'","context":{},"telemetry_id":"0000000000000a05","repeat":5}' >>"$D/all_errors.jsonl"
printf 'not an event\n{"half": \n' >>"$D/all_errors.jsonl" # skipped lines
expect_rc 0 "ship the equality set" "$T" ship --dir "$D" --clickhouse "$U" --table eq.events --batch 7
for args in "" "--limit 3" "--repo repo-1" "--repo repo-2" "--agent worker" "--since 1h" "--since 2000-01-01"; do
    # shellcheck disable=SC2086
    "$T" summary --json --dir "$D" $args >"$WORK/l.json"
    # shellcheck disable=SC2086
    "$T" summary --json --clickhouse "$U" --table eq.events $args >"$WORK/f.json"
    check "local = fleet summary ($args)" same "$WORK/l.json" "$WORK/f.json"
done
check "the equality set has groups and patterns" python3 -c "
import json; s = json.load(open('$WORK/l.json'))
assert s['total_errors'] == 36 + 97 + 5 and len(s['groups']) >= 9 and len(s['patterns']) >= 5, s
assert s['by_agent']['looper'] == 97 and s['by_agent']['worker'] == 12 + 5, s['by_agent']
g = [g for g in s['groups'] if g['example'].startswith('[Errno 2]')][0]
assert g['repos']['names'][0] == 'repo-0' and g['first_seen'].startswith('2026-01-01'), g"
"$T" patterns --json --dir "$D" >"$WORK/l.json"
"$T" patterns --json --clickhouse "$U" --table eq.events >"$WORK/f.json"
check "local = fleet patterns" same "$WORK/l.json" "$WORK/f.json"
"$T" summary --json --clickhouse "$U" --table eq.events --since 2100-01-01 >"$WORK/f.json"
check "fleet summary of nothing has the empty shape" python3 -c "
import json; s = json.load(open('$WORK/f.json'))
assert s['total_errors'] == 0 and s['groups'] == [] and s['by_type'] == {} and s['window'] == {'since': '2100-01-01T00:00:00.000000Z', 'until': None}, s"

# --- the Python culprit: one function in three repos, local = fleet -------
D="$WORK/py"
mkdir -p "$WORK/pyws" && git -C "$WORK/pyws" init -q
printf 'def load():\n    open("missing-py.json")\n\n\ntry:\n    load()\nexcept OSError:\n    pass\n' \
    >"$WORK/pyws/agent.py"
for n in 1 2 3; do
    (cd "$WORK/pyws" && "$T" run --dir "$D" --repo "repo-py$n" -- /usr/bin/python3 agent.py \
        >/dev/null 2>&1)
done
expect_rc 0 "ship the Python set" "$T" ship --dir "$D" --clickhouse "$U" --table py.events
"$T" summary --json --dir "$D" >"$WORK/l.json"
"$T" summary --json --clickhouse "$U" --table py.events >"$WORK/f.json"
check "Python set: local = fleet summary" same "$WORK/l.json" "$WORK/f.json"
check "Python set: one group, its culprit, the cross-repo pattern" python3 -c "
import json; s = json.load(open('$WORK/f.json'))
g = [g for g in s['groups'] if g.get('culprit') == 'agent.py:2 in load']
p = [p for p in s['patterns'] if p['pattern'] == 'Cross-repo framework bug']
assert len(g) == 1 and g[0]['repos']['count'] == 3 and p and p[0]['culprit'] == 'agent.py:2 in load', s"
check "Python set: the stack column" [ "$(ch_sql "SELECT count() FROM py.events WHERE stack[1] = 'agent.py:2 in load'")" = 3 ]

# --- a table an older telemetry made gains the columns added since --------
ch_sql "CREATE DATABASE IF NOT EXISTS old" >/dev/null
ch_sql "CREATE TABLE old.events (timestamp String, repo String, agent String, \
error_type String, error_message String, context String, context_keys Array(String), \
context_values Array(String), telemetry_id String, source String, program String, \
pid UInt32, backtrace Array(String), repeat UInt32, fatal UInt8, \
exit_status Nullable(Int32), fingerprint String, category String, template String, \
order_ts String, seq UInt64, event_date Date, shipped_at DateTime DEFAULT now()) \
ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(event_date) ORDER BY telemetry_id" >/dev/null
expect_rc 0 "ship to a table of the older form" "$T" ship --dir "$D" --clickhouse "$U" --table old.events
check "the older table gained stack and culprit" \
    [ "$(ch_sql "SELECT count() FROM system.columns WHERE database = 'old' AND table = 'events' AND name IN ('stack', 'culprit')")" = 2 ]
check "... and holds every event, culprit included" \
    [ "$(ch_sql "SELECT count() FROM old.events WHERE culprit = 'agent.py:2 in load'")" = 3 ]

# --- rotation between two ships loses nothing -----------------------------
D="$WORK/rot"
export TELEMETRY_MAX_BYTES=8192
rec_n() { # rec_n FROM TO: events FROM..TO, one per call
    k=$1
    while [ "$k" -le "$2" ]; do
        "$T" record --dir "$D" --repo rot --agent a --type OSError --message "event number $k" >/dev/null
        k=$((k + 1))
    done
}
rec_n 1 20
expect_rc 0 "ship before rotation" "$T" ship --dir "$D" --clickhouse "$U" --table rot.events --batch 3
rec_n 21 50
unset TELEMETRY_MAX_BYTES
check "the log was rotated once" [ -f "$D/all_errors.jsonl.1" ]
check "rotated once: .1 and the live log hold the 50 events" \
    sh -c "[ \$(cat '$D/all_errors.jsonl.1' '$D/all_errors.jsonl' | wc -l) -eq 50 ]"
expect_rc 0 "ship after rotation" "$T" ship --dir "$D" --clickhouse "$U" --table rot.events --batch 3
check "after rotation: 50 events, each once" [ "$(count rot.events)" = 50 ]
check "after rotation: the second ship sent only the new 30" [ "$(shipped)" = 30 ]
check "after rotation: every number there" [ "$(ch_sql "SELECT uniqExact(error_message) FROM rot.events WHERE error_message LIKE 'event number %'")" = 50 ]
# clean rewrites a file (a new inode): the place is found again by the id
# of the last event sent
echo '{"timestamp":"2001-01-01T00:00:00.000000Z","repo":"rot","agent":"a","error_type":"OSError","error_message":"ancient","context":{},"telemetry_id":"00000000000000aa"}' >>"$D/all_errors.jsonl"
"$T" record --dir "$D" --repo rot --agent a --type OSError --message "event number 51" >/dev/null
expect_rc 0 "ship the old and the new event" "$T" ship --dir "$D" --clickhouse "$U" --table rot.events
check "two sent" [ "$(shipped)" = 2 ]
ino=$(stat -c %i "$D/all_errors.jsonl")
"$T" clean --dir "$D" --older-than 30d >/dev/null
check "clean rewrote the live log" sh -c "[ \$(stat -c %i '$D/all_errors.jsonl') != $ino ] && ! grep -q ancient '$D/all_errors.jsonl'"
"$T" record --dir "$D" --repo rot --agent a --type OSError --message "event number 52" >/dev/null
expect_rc 0 "ship after clean" "$T" ship --dir "$D" --clickhouse "$U" --table rot.events
check "after clean: only the new event is sent" [ "$(shipped)" = 1 ]
check "after clean: 53 events in the table" [ "$(count rot.events)" = 53 ]

# --- ships while four writers record and the log rotates under them ------
D="$WORK/busy"
"$T" record --dir "$D" --repo busy --agent w0 --type OSError --message "first of the busy log" >/dev/null
for w in 1 2 3 4; do
    (k=1; while [ $k -le 50 ]; do
        TELEMETRY_MAX_BYTES=32768 "$T" record --dir "$D" --repo busy --agent "w$w" \
            --type OSError --message "writer $w event $k" >/dev/null || exit 1
        k=$((k + 1))
    done) &
    writers="${writers:-} $!"
done
ships=0 ship_fail=0
running() { for p in $writers; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
    "$T" ship --dir "$D" --clickhouse "$U" --table busy.events --batch 5 >/dev/null 2>"$WORK/err" || ship_fail=1
    ships=$((ships + 1))
done
for p in $writers; do wait "$p"; done
expect_rc 0 "busy: the last ship" "$T" ship --dir "$D" --clickhouse "$U" --table busy.events
echo "fleet: $ships ships ran while the writers wrote"
check "busy: every ship during the writes succeeded" [ "$ship_fail" -eq 0 ]
check "busy: the log rotated during the writes" [ -f "$D/all_errors.jsonl.1" ]
check "busy: 201 events in the table, each once" [ "$(count busy.events)" = 201 ]
check "busy: no event sent twice (no FINAL needed)" [ "$(ch_sql "SELECT count() FROM busy.events")" = 201 ]
"$T" summary --json --dir "$D" >"$WORK/l.json"
"$T" summary --json --clickhouse "$U" --table busy.events >"$WORK/f.json"
check "busy: local = fleet summary" same "$WORK/l.json" "$WORK/f.json"

# --- failures: clear one line, exit 1, state unchanged, next run delivers --
D="$WORK/fail"
"$T" record --dir "$D" --repo f --agent a --type OSError --message "first" >/dev/null
expect_rc 0 "ship first" "$T" ship --dir "$D" --clickhouse "$U" --table fail.events
state=$(ls "$D"/ship-*.state)
cp "$state" "$WORK/state.before"
"$T" record --dir "$D" --repo f --agent a --type OSError --message "second" >/dev/null
set -- $(ch_free_ports)
expect_rc 1 "server down: exit 1" "$T" ship --dir "$D" --clickhouse "http://127.0.0.1:$1" --table fail.events
check "server down: one line naming the connection" sh -c "grep -qi 'connect' '$WORK/err'"
check "server down: one-line error" one_line_error
python3 -m http.server --bind 127.0.0.1 "$2" >/dev/null 2>&1 &
HTTPD=$!
i=0; while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $2), 1)" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_rc 1 "not ClickHouse (plain web server): exit 1" "$T" ship --dir "$D" --clickhouse "http://127.0.0.1:$2" --table fail.events
check "not ClickHouse: the HTTP status is named" grep -q 'HTTP 50' "$WORK/err"
check "not ClickHouse: one-line error" one_line_error
expect_rc 1 "not ClickHouse: summary fails too" "$T" summary --clickhouse "http://127.0.0.1:$2"
kill "$HTTPD"; HTTPD=
expect_rc 1 "wrong password: exit 1" \
    env TELEMETRY_CLICKHOUSE_USER=shipper TELEMETRY_CLICKHOUSE_PASSWORD=wrong "$T" ship --dir "$D" --clickhouse "$U" --table fail.events
check "wrong password: the server's reason" grep -q 'HTTP 401.*password' "$WORK/err"
check "wrong password: one-line error" one_line_error
check "wrong password: password not printed" sh -c "! grep -q wrong '$WORK/err'"
ch_sql "CREATE TABLE fail.other (x UInt8) ENGINE = Memory" >/dev/null
expect_rc 1 "table of another shape: exit 1" "$T" ship --dir "$D" --clickhouse "$U" --table fail.other
check "table of another shape: ClickHouse's error" grep -q 'HTTP [45]0[0-9]: Code: ' "$WORK/err"
check "table of another shape: one-line error" one_line_error
check "after four failures the state is unchanged" cmp -s "$state" "$WORK/state.before"
check "and the table has the first event only" [ "$(count fail.events)" = 1 ]
expect_rc 0 "right password: the next run delivers" \
    env TELEMETRY_CLICKHOUSE_USER=shipper TELEMETRY_CLICKHOUSE_PASSWORD="$CH_PASSWORD" "$T" ship --dir "$D" --clickhouse "$U" --table fail.events
check "next run: the second event arrives" [ "$(count fail.events)" = 2 ]
expect_rc 1 "summary of a table that does not exist: exit 1" "$T" summary --clickhouse "$U" --table nope.none
check "no such table: ClickHouse says so, in one line" sh -c "grep -q \"doesn't exist\" '$WORK/err' && [ \$(wc -l <'$WORK/err') -eq 1 ]"
# usage errors
expect_rc 2 "credentials in the URL refused" "$T" ship --dir "$D" --clickhouse "http://u:p@127.0.0.1:$CH_HTTP"
check "credentials: says where they go" grep -q TELEMETRY_CLICKHOUSE_PASSWORD "$WORK/err"
expect_rc 2 "not an http URL" "$T" ship --dir "$D" --clickhouse "ftp://127.0.0.1/"
expect_rc 2 "no --clickhouse" "$T" ship --dir "$D"
expect_rc 2 "table name with SQL in it" "$T" ship --dir "$D" --clickhouse "$U" --table "x; DROP TABLE y"
expect_rc 2 "--batch 0" "$T" ship --dir "$D" --clickhouse "$U" --batch 0
expect_rc 2 "summary: table name with SQL in it" "$T" summary --clickhouse "$U" --table "a.b.c"
# a filter value is data, never SQL
expect_rc 0 "quotes in --repo are data" "$T" summary --json --clickhouse "$U" --table fail.events --repo "f' OR '1'='1"
check "quotes in --repo match nothing" python3 -c "import json; assert json.load(open('$WORK/out'))['total_errors'] == 0"
# a damaged state file: a clear error, nothing changed, nothing sent
printf 'dev 1\nino 2\noffset x\n' >"$state"
cp "$state" "$WORK/state.bad"
expect_rc 1 "damaged state: exit 1" "$T" ship --dir "$D" --clickhouse "$U" --table fail.events
check "damaged state: says how to recover" grep -q 'damaged; remove it' "$WORK/err"
check "damaged state: left as it was" cmp -s "$state" "$WORK/state.bad"
rm -f "$state"
expect_rc 0 "without a state everything is sent again" "$T" ship --dir "$D" --clickhouse "$U" --table fail.events
check "sent again, kept once" [ "$(count fail.events)" = 2 ]
# two ships to one table from one directory at once: the second refuses
(exec 9>"${state%.state}.lock"; flock 9; echo held >"$WORK/held"; sleep 3) &
holder=$!
wait_grep "$WORK/held" held
expect_rc 1 "a concurrent ship refuses" "$T" ship --dir "$D" --clickhouse "$U" --table fail.events
check "a concurrent ship says why" grep -q 'another .telemetry ship' "$WORK/err"
wait "$holder"

# --- the server dies mid-ship: the next run delivers each event once ------
D="$WORK/kill"
"$T" record --dir "$D" --repo k --agent a --type OSError --message "seed" >/dev/null
python3 - "$D/all_errors.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "a") as f:
    for i in range(20000):
        f.write(json.dumps({"timestamp": "2026-11-20T10:%02d:%02d.%06dZ" % (i // 3600 % 60, i // 60 % 60, i),
                            "repo": "k%d" % (i % 7), "agent": "a", "error_type": "OSError",
                            "error_message": "failure %d of the batch job" % i, "context": {},
                            "telemetry_id": "%016x" % (0xfeed0000 + i)}, separators=(",", ":")) + "\n")
PY
"$T" ship --dir "$D" --clickhouse "$U" --table kill.events --batch 20 >"$WORK/kill.out" 2>"$WORK/kill.err" &
shipper=$!
i=0
while [ $i -lt 600 ]; do # 30 s at most
    s=$(sed -n 's/^seq //p' "$D"/ship-*.state 2>/dev/null)
    [ -n "$s" ] && [ "$s" -ge 400 ] && break
    sleep 0.05
    i=$((i + 1))
done
ch_kill
wait "$shipper"
rc=$?
check "ship whose server died: exit 1" [ "$rc" -eq 1 ]
check "ship whose server died: one line" sh -c "[ \$(wc -l <'$WORK/kill.err') -eq 1 ]"
part=$(sed -n 's/^seq //p' "$D"/ship-*.state)
echo "fleet: the server was killed after $part of 20001 events were acknowledged"
check "part was acknowledged before the kill ($part)" sh -c "[ '$part' -ge 400 ] && [ '$part' -lt 20001 ]"
ch_start || exit 1
expect_rc 0 "re-run after restart" "$T" ship --dir "$D" --clickhouse "$U" --table kill.events --batch 500
n=$(shipped)
check "re-run sends the rest, at most one batch again ($n)" sh -c "[ $n -ge $((20001 - part)) ] && [ $n -le $((20001 - part + 20)) ]"
check "all 20001 events, each once (FINAL)" [ "$(count kill.events)" = 20001 ]
check "20001 distinct ids" [ "$(distinct_ids kill.events)" = 20001 ]
"$T" summary --json --dir "$D" >"$WORK/l.json"
"$T" summary --json --clickhouse "$U" --table kill.events >"$WORK/f.json"
check "local = fleet summary after the crash" same "$WORK/l.json" "$WORK/f.json"

# --- runs: shipped to their own table, listed and filtered by the fleet ------
RA="$WORK/runs-a" RB="$WORK/runs-b"
mkdir -p "$WORK/runws" && git -C "$WORK/runws" init -q
(cd "$WORK/runws" && "$T" run --dir "$RA" -- sh -c 'cat missing-ra1 missing-ra2 2>/dev/null; exit 3')
(cd "$WORK/runws" && TELEMETRY_RUN_ID=00000000000000b0 "$T" run --dir "$RB" -- sh -c 'cat missing-rb 2>/dev/null; true')
(cd "$WORK/runws" && "$T" run --dir "$RB" -- sh -c 'cat missing-rk 2>/dev/null; kill -KILL $PPID; exit 0')
for d in "$RA" "$RB"; do
    expect_rc 0 "runs: ship $(basename "$d")" "$T" ship --dir "$d" --clickhouse "$U" --table runsf.events --runs-table runsf.runs
done
check "runs: the run records are in their own table, each once" \
    [ "$(count runsf.runs)" = "$(cat "$RA/runs.jsonl" "$RB/runs.jsonl" | wc -l)" ]
expect_rc 0 "runs: ship again" "$T" ship --dir "$RB" --clickhouse "$U" --table runsf.events --runs-table runsf.runs
check "runs: a second ship sends no run record again" grep -q '^shipped 0 run records to runsf.runs' "$WORK/out"
rm -f "$RB"/ship-*.state
expect_rc 0 "runs: ship with the state lost" "$T" ship --dir "$RB" --clickhouse "$U" --table runsf.events --runs-table runsf.runs
check "runs: sent again, the table keeps one copy of each" \
    [ "$(count runsf.runs)" = "$(cat "$RA/runs.jsonl" "$RB/runs.jsonl" | wc -l)" ]
"$T" runs --json --dir "$RA" >"$WORK/ra.json"
"$T" runs --json --dir "$RB" >"$WORK/rb.json"
expect_rc 0 "runs --clickhouse" "$T" runs --json --clickhouse "$U" --table runsf.events --runs-table runsf.runs
check "runs --clickhouse: the fleet's runs are the machines' runs, newest first" \
    python3 - "$WORK/ra.json" "$WORK/rb.json" "$WORK/out" <<'PY'
import json, sys
local = json.load(open(sys.argv[1])) + json.load(open(sys.argv[2]))
fleet = json.load(open(sys.argv[3]))
assert len(fleet) == 3, fleet
assert [r["start"] for r in fleet] == sorted([r["start"] for r in fleet], reverse=True), fleet
by = {r["run"]: r for r in fleet}
keys = ("start", "end", "duration_ms", "finished", "program", "agent", "repo", "host",
        "exit_status", "signal", "unexplained", "events", "fatal", "probes", "expected",
        "repos", "repos_count", "ci")
for r in local:
    f = by[r["run"]]
    for k in keys:
        assert f[k] == r[k], (k, f[k], r[k])
assert by["00000000000000b0"]["exit_status"] == 0 and by["00000000000000b0"]["events"] == 1
assert sorted((r["exit_status"] if r["exit_status"] is not None else -1, r["finished"]) for r in fleet) == [(-1, False), (0, True), (3, True)], fleet
PY
"$T" runs --clickhouse "$U" --table runsf.events --runs-table runsf.runs --limit 1 >"$WORK/out"
check "runs --clickhouse --limit 1: one line" [ "$(wc -l <"$WORK/out")" = 1 ]
"$T" summary --json --dir "$RB" --run 00000000000000b0 >"$WORK/l.json"
"$T" summary --json --clickhouse "$U" --table runsf.events --run 00000000000000b0 >"$WORK/f.json"
check "fleet summary --run: as the local summary" same "$WORK/l.json" "$WORK/f.json"
check "fleet summary --run: the run's events only" grep -q '"total_errors":1,' "$WORK/f.json"
# A table made before runs gets its columns when shipped to.
ch_sql "CREATE TABLE runsf.old (timestamp String, repo String, agent String, error_type String, error_message String, context String, context_keys Array(String), context_values Array(String), telemetry_id String, source String, program String, pid UInt32, backtrace Array(String), repeat UInt32, fatal UInt8, exit_status Nullable(Int32), fingerprint String, category String, template String, order_ts String, seq UInt64, event_date Date, shipped_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(event_date) ORDER BY telemetry_id" >/dev/null
expect_rc 0 "runs: ship to a table made before runs" "$T" ship --dir "$RB" --clickhouse "$U" --table runsf.old --runs-table runsf.oldruns
check "runs: the old table got run and ppid" \
    [ "$(ch_sql "SELECT count() FROM runsf.old FINAL WHERE run = '00000000000000b0' AND ppid > 0")" = 1 ]

# --- progress on a terminal ----------------------------------------------
if command -v script >/dev/null; then
    "$T" record --dir "$D" --repo k --agent a --type OSError --message "late" >/dev/null
    script -qec "'$T' ship --dir '$D' --clickhouse '$U' --table kill.events" /dev/null >"$WORK/tty" 2>&1
    check "progress line on a terminal" grep -q 'shipped 1 events (100%)' "$WORK/tty"
    expect_rc 0 "no progress when stderr is not a terminal" "$T" ship --dir "$D" --clickhouse "$U" --table kill.events
    check "no progress in a pipe" [ ! -s "$WORK/err" ]
else
    skip "progress: no script(1)"
fi

finish fleet
