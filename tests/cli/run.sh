#!/bin/sh
# CLI tests: drive the real `telemetry` binary in temporary directories.
# Usage: tests/cli/run.sh BUILD_DIR
set -u

BUILD=${1:?usage: run.sh BUILD_DIR}
T="$BUILD/telemetry"
WORK=$(mktemp -d /tmp/tm-cli-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
. "$(dirname "$0")/../lib.sh"
clean_env
# every line of FILE is a JSON object, at most 8 KiB
valid_jsonl() {
    python3 - "$1" <<'PY'
import json, sys
n = 0
for raw in open(sys.argv[1], 'rb'):
    assert len(raw) <= 8192, len(raw)
    o = json.loads(raw.decode('utf-8'))
    assert isinstance(o, dict)
    n += 1
assert n > 0
PY
}
nlines() { wc -l <"$1" | tr -d ' '; }
D="$WORK/d"
rec() { "$T" record --dir "$D" "$@"; }

# --- help, version, usage errors ---------------------------------------
expect_rc 0 "--version" "$T" --version
expect_rc 0 "--help" "$T" --help
expect_rc 0 "record --help" "$T" record --help
check "record --help names --context" grep -q -- "--context" "$WORK/out"
expect_rc 2 "no command" "$T"
expect_rc 2 "unknown command" "$T" frobnicate
check "usage error prefix" grep -q "^telemetry: " "$WORK/err"

# --- record --------------------------------------------------------------
expect_rc 0 "record" rec --repo 12-factor-agents --agent IntelligentIssueAgent \
    --type RuntimeError --message "it broke"
check "record prints a 16-hex id" grep -Eq '^[0-9a-f]{16}$' "$WORK/out"
id=$(cat "$WORK/out")
check "id is stored" grep -q "\"telemetry_id\":\"$id\"" "$D/all_errors.jsonl"
check "source cli" grep -q '"source":"cli"' "$D/all_errors.jsonl"
check "per-repo file" test -f "$D/12-factor-agents_errors.jsonl"
check "dir is 0700" test "$(stat -c %a "$D")" = 700
check "log is 0600" test "$(stat -c %a "$D/all_errors.jsonl")" = 600

# A repo name longer than the stored room whose scrubbed form fits it is
# stored scrubbed (the room is sized for the input, not fixed).
long="$(printf 'r%.0s' $(seq 476))-ghp_$(printf 'A1%.0s' $(seq 20))"
expect_rc 0 "record: a 521-byte repo name holding a token" rec --repo "$long" \
    --agent a --type T --message m
check "record: its token is not stored" sh -c "! grep -q 'A1A1A1A1' '$D/all_errors.jsonl'"
before=$(nlines "$D/all_errors.jsonl")
expect_rc 2 "missing --repo" rec --agent a --type T --message m
check "missing --repo names it" grep -q -- "--repo is required" "$WORK/err"
expect_rc 2 "empty --message" rec --repo r --agent a --type T --message ""
expect_rc 2 "--context without =" rec --repo r --agent a --type T --message m --context novalue
check "--context error is clear" grep -q "KEY=VALUE" "$WORK/err"
expect_rc 2 "--context with empty key" rec --repo r --agent a --type T --message m --context =v
expect_rc 2 "unknown option" rec --repo r --agent a --type T --message m --bogus
expect_rc 2 "option without value" rec --repo r --agent a --type T --message
expect_rc 2 "stray argument" rec --repo r --agent a --type T --message m extra
check "usage errors wrote nothing" test "$(nlines "$D/all_errors.jsonl")" = "$before"

# The original privacy criterion, through the CLI.
expect_rc 0 "privacy record" rec --repo r --agent a --type RuntimeError \
    --message "Token sk-1234567890abcdef user@example.com at /Users/john/secret" \
    --context secret=hide_me --context operation=test
check "token redacted" grep -q '"error_message":"Token \*\*\*TOKEN\*\*\* \*\*\*EMAIL\*\*\* at /Users/\*\*\*/secret"' "$D/all_errors.jsonl"
check "no secret stored" sh -c "! grep -rqE 'sk-1234567890abcdef|user@example.com|hide_me|john' '$D'"

# Context value types.
expect_rc 0 "typed context" rec --repo r --agent a --type T --message m \
    --context retry_count=3 --context flags=true --context operation=hello \
    --context duration_ms=1e3 --context file_type=007 --context errno=null
check "typed context stored" grep -q '"context":{"operation":"hello","file_type":"007","retry_count":3,"duration_ms":1000,"errno":null,"flags":true}' "$D/all_errors.jsonl"

# Hostile input: 1 MiB message, invalid UTF-8, binary garbage, path repo.
python3 -c 'print("x" * (1 << 20))' >"$WORK/big"
expect_rc 0 "1 MiB message on stdin" sh -c "'$T' record --dir '$D' --repo r --agent a --type T --message - <'$WORK/big'"
check "long message truncated with marker" grep -q 'truncated\]"' "$D/all_errors.jsonl"
expect_rc 0 "120 KiB message argument" rec --repo r --agent a --type T --message "$(head -c 120000 "$WORK/big")"
expect_rc 2 "empty message on stdin" sh -c "'$T' record --dir '$D' --repo r --agent a --type T --message - </dev/null"
expect_rc 0 "invalid UTF-8" rec --repo r --agent "$(printf 'ag\377\376')" --type T \
    --message "$(printf 'bad \303\050 bytes \355\240\200 sk-1234567890abcdef')"
garbage=$(head -c 4000 /dev/urandom | tr -d '\000')
expect_rc 0 "binary garbage" rec --repo r --agent a --type T --message "$garbage"
expect_rc 0 "path-like repo" rec --repo ../../etc/passwd --agent a --type T --message m
check "repo file stays inside" test -f "$D/_._.._etc_passwd_errors.jsonl"
check "nothing written outside" test -z "$(find "$WORK" -name '*_errors.jsonl' ! -path "$D/*")"
check "every line valid JSON <= 8 KiB" valid_jsonl "$D/all_errors.jsonl"
check "no secret after garbage" sh -c "! grep -q 'sk-1234567890abcdef' '$D/all_errors.jsonl'"

# Unusable directories: clear message, exit 1, nothing written.
mkdir "$WORK/real" && ln -s "$WORK/real" "$WORK/link"
expect_rc 1 "symlinked dir" rec --dir "$WORK/link" --repo r --agent a --type T --message m
check "symlink message" grep -q "symbolic link" "$WORK/err"
check "symlink target untouched" test -z "$(ls -A "$WORK/real")"
mkdir "$WORK/shared" && chmod 0777 "$WORK/shared"
expect_rc 1 "world-writable dir" rec --dir "$WORK/shared" --repo r --agent a --type T --message m
check "world-writable message" grep -q "chmod go-w" "$WORK/err"
: >"$WORK/plainfile"
expect_rc 1 "dir is a file" rec --dir "$WORK/plainfile" --repo r --agent a --type T --message m
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    mkdir "$WORK/theirs" && chown nobody "$WORK/theirs" && chmod 0700 "$WORK/theirs"
    expect_rc 1 "dir owned by another user" rec --dir "$WORK/theirs" --repo r --agent a --type T --message m
    check "owner message" grep -q "owned by another user" "$WORK/err"
    # As an unprivileged user, a directory it cannot write.
    mkdir -p "$WORK/ro" && chmod 0755 "$WORK/ro" "$WORK"
    expect_rc 1 "unwritable parent" runuser -u nobody -- "$T" record --dir "$WORK/ro/x" \
        --repo r --agent a --type T --message m
fi

# --- summary and patterns ------------------------------------------------
S="$WORK/s"
for i in 1 2 3 4 5; do
    "$T" record --dir "$S" --repo "repo$((i % 3))" --agent a --type FileNotFoundError \
        --message "[Errno 2] No such file or directory: '/home/bob/p/f$i.txt'" >/dev/null
done
expect_rc 0 "summary --json" "$T" summary --dir "$S" --json
check "summary shape" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
keys = list(s)
want = ["total_errors","by_type","by_agent","by_repo","patterns","top_errors","groups","window","skipped_lines"]
assert keys == want, keys
assert s["total_errors"] == 5
names = [p["pattern"] for p in s["patterns"]]
assert "File not found errors" in names, names
assert "Cross-repo framework bug" in names, names
assert all(isinstance(p["detail"], str) and p["detail"] for p in s["patterns"]), s["patterns"]
' "$WORK/out"
expect_rc 0 "summary human" "$T" summary --dir "$S"
check "human shows pattern and suggestion" grep -q "Add file existence checks before operations" "$WORK/out"
check "human shows the detail under the suggestion" sh -c \
    "grep -A1 'Add file existence checks' '$WORK/out' | grep -q \"ENOENT, culprit unknown\""
check "human fits 80 columns" sh -c "! awk 'length > 80' '$WORK/out' | grep -q ."
expect_rc 0 "patterns" "$T" patterns --dir "$S" --json
check "patterns json" grep -q '"pattern":"File not found errors","count":5' "$WORK/out"
expect_rc 2 "bad --since" "$T" summary --dir "$S" --since yesterday
expect_rc 2 "bad --limit" "$T" summary --dir "$S" --limit 0
expect_rc 0 "--since in range" "$T" summary --dir "$S" --json --since 1h
check "--since counts" grep -q '"total_errors":5' "$WORK/out"
expect_rc 0 "--repo filter" "$T" summary --dir "$S" --json --repo repo1
check "--repo counts" grep -q '"total_errors":2' "$WORK/out"

# Garbage in the log: skipped and counted, nothing stored is lost.
printf 'garbage\n{"x":1}\n\377\376\n' >>"$S/all_errors.jsonl"
"$T" record --dir "$S" --repo r --agent a --type T --message after >/dev/null
sum_before=$(md5sum <"$S/all_errors.jsonl")
expect_rc 0 "summary over garbage" "$T" summary --dir "$S" --json
check "garbage skipped" grep -q '"skipped_lines":3' "$WORK/out"
check "events kept" grep -q '"total_errors":6' "$WORK/out"
check "summary leaves the log alone" test "$(md5sum <"$S/all_errors.jsonl")" = "$sum_before"
expect_rc 0 "summary of empty dir" "$T" summary --dir "$WORK/empty" --json
check "empty summary shape" grep -q '"total_errors":0' "$WORK/out"
check "a run that records nothing creates no files" test -z "$(ls -A "$WORK/empty")"

# --- sanitize ---------------------------------------------------------------
expect_rc 0 "sanitize arg" "$T" sanitize "mail bob@example.com from /home/bob/x"
check "sanitize arg output" test "$(cat "$WORK/out")" = "mail ***EMAIL*** from /home/***/x"
printf 'Bearer abc.def-ghi123\nplain line\n' >"$WORK/in"
expect_rc 0 "sanitize stdin" sh -c "'$T' sanitize <'$WORK/in'"
check "sanitize stdin output" test "$(cat "$WORK/out")" = "$(printf 'Bearer ***TOKEN***\nplain line')"
expect_rc 2 "sanitize two args" "$T" sanitize a b
# The CLI never prints a secret it was given (README, "Privacy").
for u in 'HTTPS://bob:S3cretPw@h' 'ftp://bob:S3cretPw@h/x' 'https://h?token=S3cretPw'; do
    expect_rc 2 "ship refuses $u" "$T" ship --dir "$WORK/shipd" --clickhouse "$u"
    check "ship's error hides the password" sh -c "! grep -q S3cretPw '$WORK/err'"
done

# --- group, groups, tail -------------------------------------------------------
printf '%s\n' "bash: jq: command not found" "[Errno 2] No such file or directory: 'a/b.txt'" \
    "bash: rg: command not found" "[Errno 13] Permission denied: 'a/b.txt'" >"$WORK/msgs"
expect_rc 0 "group" sh -c "'$T' group <'$WORK/msgs'"
check "group: one line out per line in" test "$(wc -l <"$WORK/out" | tr -d ' ')" = 4
check "group: fingerprint<TAB>template, the group's final template on every line" \
    grep -Eq "^[0-9a-f]{16}	bash: <\*> command not found$" "$WORK/out"
check "group: same template, same fingerprint, in order" python3 -c '
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
assert rows[0][0] == rows[2][0], rows
assert rows[2][1] == "bash: <*> command not found", rows
assert len({r[0] for r in rows}) == 3, rows
' "$WORK/out"
python3 -c '
for i in range(200000):
    print("worker %d failed after %d retries on /tmp/job-%d/out.txt" % (i % 64, i % 5, i))
' >"$WORK/big-msgs"
expect_rc 0 "group reads a large input" sh -c "'$T' group <'$WORK/big-msgs'"
check "group: 200000 lines, one group" test "$(cut -f1 "$WORK/out" | sort -u | wc -l | tr -d ' ')$(wc -l <"$WORK/out" | tr -d ' ')" = "1200000"
expect_rc 2 "group takes no argument" "$T" group extra
python3 -c '
import sys
sys.stdout.buffer.write(b"".join(b"disk full on node\r\n" if i % 2 else b"disk full on node\n" for i in range(100)))
' >"$WORK/crlf"
printf 'job 12 failed at 10.0.0.1\n' >"$WORK/one"
expect_rc 0 "group --ablate tree" sh -c "'$T' group --ablate tree <'$WORK/one'"
check "group --ablate tree: the masked text is the template" grep -q '	job <NUM> failed at <IP>$' "$WORK/out"
# Fingerprints are stable across builds: settling a cluster names the part
# that stays and the part split off after messages met in the table's slot
# order, so the table's hash is part of the output (a faster hash renamed
# 847 loghub lines).  The two ids are those of every earlier build.
awk 'BEGIN { for (i = 0; i < 50; i++) { print "Failed password for root alpha"; print "Failed password for root beta"; print "Failed password for root gamma"; print "Failed password for root delta" }; print "Failed password for carol epsilon"; print "Failed password for carol alpha" }' >"$WORK/settle"
expect_rc 0 "group: settled clusters" sh -c "'$T' group <'$WORK/settle'"
check "group: settled fingerprints are stable" test "$(sort -u "$WORK/out" | cut -f1 | tr '\n' ' ')" = "1133eeb903225013 b84d253b845e4734 "
expect_rc 0 "group: CRLF lines" sh -c "'$T' group <'$WORK/crlf'"
check "group: a CRLF line is the LF one (one group, no CR in the template)" \
    sh -c "[ \$(sort -u '$WORK/out' | wc -l) -eq 1 ] && grep -q 'on node\$' '$WORK/out'"
# Settled over the whole input, not by arrival: an odd message among many
# of one constant is apart, values that vary are <*>, and the lines give the
# same groups in any order (README "Grouping").
python3 -c '
import random
lines = ["Session: %d_%d initialized by client WindowsUpdateAgent." % (30546173 + i, 42617 - i)
         for i in range(300)]
lines += ["Session: 11152_142416105 initialized by client SPP."]
lines += ["Accepted password for %s from host" % u for u in ["root"] * 40 + ["alice", "bob", "carol"]]
random.Random(1).shuffle(lines)
open("'"$WORK"'/order-a", "w").write("".join(l + "\n" for l in lines))
open("'"$WORK"'/order-b", "w").write("".join(l + "\n" for l in reversed(lines)))
'
"$T" group <"$WORK/order-a" >"$WORK/group-a"
"$T" group <"$WORK/order-b" >"$WORK/group-b"
check "group: the same groups in two orders" python3 -c '
import sys
def parts(msgs, out):
    fp = [l.split("\t")[0] for l in open(out)]
    by = {}
    for m, f in zip(open(msgs), fp):
        by.setdefault(f, set()).add(m)
    return {frozenset(v) for v in by.values()}
a, b = parts(sys.argv[1], sys.argv[2]), parts(sys.argv[3], sys.argv[4])
assert a == b, (len(a), len(b))
assert len(a) == 3, [sorted(x)[:2] for x in a]
' "$WORK/order-a" "$WORK/group-a" "$WORK/order-b" "$WORK/group-b"
check "group: the odd constant apart, the varying user <*>" sh -c "grep -q 'client SPP.\$' '$WORK/group-b' && grep -q 'Accepted password for <\*> from host' '$WORK/group-b'"
# Short messages of one error type that differ in one word, from agents in
# three repos: one group, the cross-repo pattern.
X="$WORK/short"
for r in repoA:deploy repoB:lint repoC:test; do
    rec --dir "$X" --repo "${r%%:*}" --agent claude --type CLIError \
        --message "Unknown command: ${r#*:}" >/dev/null
done
expect_rc 0 "short messages: patterns" "$T" patterns --dir "$X" --json
check "short messages: one cross-repo group" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
p = s["patterns"] if isinstance(s, dict) else s
cross = [x for x in p if x["pattern"] == "Cross-repo framework bug"]
assert len(cross) == 1 and cross[0]["count"] == 3, p
' "$WORK/out"

expect_rc 0 "groups --json" "$T" groups --dir "$S" --json
check "groups json fields" python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))
assert isinstance(g, list) and g, g
keys = ["fingerprint","template","error_type","category","count","repos","agents","first_seen","last_seen","fatal","example","id"]
assert all(list(x)[:len(keys)] == keys for x in g), list(g[0])
assert g[0]["count"] >= g[-1]["count"]
' "$WORK/out"
expect_rc 0 "groups human" "$T" groups --dir "$S"
check "groups human shows relative times" grep -Eq "just now|[0-9]+[smhd] ago" "$WORK/out"
check "groups human fits 80 columns" sh -c "! awk 'length > 80' '$WORK/out' | grep -q ."
expect_rc 0 "tail -n 2" "$T" tail --dir "$S" -n 2
check "tail prints 2 events" test "$(wc -l <"$WORK/out" | tr -d ' ')" = 2
check "tail fits 80 columns" sh -c "! awk 'length > 80' '$WORK/out' | grep -q ."
expect_rc 2 "tail -n 0" "$T" tail --dir "$S" -n 0
# what tail shows as events is what the summary counts: lines that are JSON
# but not events (a key in other case, a field missing or not a string,
# too deep) and garbage are passed over
G="$WORK/g"
"$T" record --dir "$G" --repo r --agent a --type T --message "the one event" >/dev/null
cat >>"$G/all_errors.jsonl" <<'EOF2'
{"Timestamp":"2026-11-25T10:00:00Z","repo":"r","agent":"a","error_type":"T","error_message":"case"}
{"timestamp":"2026-11-25T10:00:00Z","repo":"r","agent":"a","error_type":"T"}
{"timestamp":"2026-11-25T10:00:00Z","repo":"r","agent":"a","error_type":"T","error_message":5}
{"timestamp":"2026-11-25T10:00:00Z","repo":"r","agent":"a","error_type":"T","error_message":"deep","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
not json at all
EOF2
expect_rc 0 "tail over events and non-events" "$T" tail --dir "$G" -n 10
check "tail shows only the event" sh -c "[ \$(wc -l <'$WORK/out') -eq 1 ] && grep -q 'the one event' '$WORK/out'"
"$T" summary --json --dir "$G" >"$WORK/g.json"
check "and the summary counts the same one" python3 -c "import json,sys; s=json.load(open('$WORK/g.json')); sys.exit(0 if s['total_errors']==1 and s['skipped_lines']==5 else 1)"
F="$WORK/f"
"$T" record --dir "$F" --repo r --agent a --type T --message "before follow" >/dev/null
"$T" tail --dir "$F" -f >"$WORK/follow" 2>&1 &
tpid=$!
wait_grep "$WORK/follow" "before follow"
"$T" record --dir "$F" --repo r --agent a --type T --message "appended while following" >/dev/null
wait_grep "$WORK/follow" "appended while following"
mv "$F/all_errors.jsonl" "$F/all_errors.jsonl.1"
"$T" record --dir "$F" --repo r --agent a --type T --message "after rotation" >/dev/null
wait_grep "$WORK/follow" "after rotation"
kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null
check "tail -f shows the last event first" grep -q "before follow" "$WORK/follow"
check "tail -f follows appends" grep -q "appended while following" "$WORK/follow"
check "tail -f follows across rotation" grep -q "after rotation" "$WORK/follow"

# --- clean (retention) ----------------------------------------------------------
K="$WORK/k"
"$T" record --dir "$K" --repo r --agent a --type T --message seed >/dev/null
python3 - "$K" <<'PY'
import json, sys
d = sys.argv[1]
old = []
for day in range(1, 6):
    old.append(json.dumps({"timestamp": "2020-01-0%dT00:00:00.000000Z" % day, "repo": "r",
        "agent": "a", "error_type": "T", "error_message": "old %d" % day, "context": {},
        "telemetry_id": "%016x" % day}, separators=(",", ":")))
# an old event another writer wrote (other key order, blanks), and an old
# line that is no event (kept: clean removes only what it understands)
old.append('{ "repo": "r", "agent": "a", "timestamp": "2020-01-06T00:00:00Z", '
           '"error_type": "T", "error_message": "old 6" }')
old.append('{"timestamp":"2020-01-07T00:00:00.000000Z","note":"not an event"}')
for name in ("all_errors.jsonl", "r_errors.jsonl"):
    body = open("%s/%s" % (d, name)).read()
    open("%s/%s" % (d, name), "w").write("\n".join(old) + "\n" + body + "not json\n")
PY
expect_rc 0 "clean --older-than 30d" "$T" clean --dir "$K" --older-than 30d
check "clean reports the events removed from the central log" grep -q "removed 6 events older than .* from the central log, 3 lines kept (per-repo logs: 6 old copies removed;" "$WORK/out"
check "old events gone, in any key order" sh -c "! grep -q '\"old ' '$K/all_errors.jsonl'"
check "recent events and unknown lines kept" sh -c "grep -q seed '$K/all_errors.jsonl' && grep -q 'not json' '$K/all_errors.jsonl' && grep -q 'not an event' '$K/all_errors.jsonl'"
check "clean keeps 0600" test "$(stat -c %a "$K/all_errors.jsonl")" = 600
check "no temporary file left" test -z "$(ls -A "$K" | grep clean)"
expect_rc 2 "clean needs --older-than" "$T" clean --dir "$K"
expect_rc 2 "clean with a bad duration" "$T" clean --dir "$K" --older-than soon
# Writers and cleans at once: no recent event is lost.
C2="$WORK/c2"
"$T" record --dir "$C2" --repo r --agent a --type T --message first >/dev/null
for p in 1 2 3; do
    ( i=0; while [ $i -lt 60 ]; do
        "$T" record --dir "$C2" --repo r --agent a --type T --message "w$p-$i" >/dev/null
        i=$((i + 1)); done ) &
done
( j=0; while [ $j -lt 15 ]; do "$T" clean --dir "$C2" --older-than 1h >/dev/null; j=$((j + 1)); done ) &
wait
check "cleans during writes lose nothing" test "$(grep -c '' "$C2/all_errors.jsonl")" = 181
check "lines intact after concurrent cleans" valid_jsonl "$C2/all_errors.jsonl"

# --- rotation ---------------------------------------------------------------------
R="$WORK/rot"
for i in $(seq 1 40); do
    TELEMETRY_MAX_BYTES=4096 "$T" record --dir "$R" --repo r --agent a --type T \
        --message "rotation test message number $i with some padding to make it longer" >/dev/null
done
check "rotation made .1" test -f "$R/all_errors.jsonl.1"
check "no file passes the limit" sh -c "[ \$(stat -c %s '$R/all_errors.jsonl') -le 4096 ] && [ \$(stat -c %s '$R/all_errors.jsonl.1') -le 4096 ]"
expect_rc 0 "summary reads .1 then the live file" "$T" summary --dir "$R" --json
check "summary counts both parts" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
n = sum(1 for f in ("all_errors.jsonl.1", "all_errors.jsonl") for _ in open(sys.argv[2] + "/" + f))
assert s["total_errors"] == n and n > 5, (s["total_errors"], n)
' "$WORK/out" "$R"

# --- doctor -----------------------------------------------------------------------
expect_rc 0 "doctor on a good directory" "$T" doctor --dir "$S"
check "doctor prints each check" test "$(grep -c '^OK ' "$WORK/out")" -ge 5
expect_rc 1 "doctor on a world-writable directory" "$T" doctor --dir "$WORK/shared"
check "doctor says FAIL and the fix" sh -c "grep -q '^FAIL directory' '$WORK/out' && grep -q 'fix: chmod go-w' '$WORK/out'"
mkdir -p "$WORK/planted" && chmod 0700 "$WORK/planted" && : >"$WORK/victimfile"
ln -s "$WORK/victimfile" "$WORK/planted/all_errors.jsonl"
expect_rc 1 "doctor finds a planted link" "$T" doctor --dir "$WORK/planted"
check "doctor names the link" grep -q "all_errors.jsonl is a link" "$WORK/out"
expect_rc 1 "record refuses the planted link" "$T" record --dir "$WORK/planted" --repo r --agent a --type T --message m
check "the planted link's target is never written" test ! -s "$WORK/victimfile"
TELEMETRY_SHIM=/nonexistent.so "$T" doctor --dir "$S" >"$WORK/out" 2>&1; rc=$?
check "doctor without a shim fails" test "$rc" = 1 && grep -q "^FAIL shim" "$WORK/out"
# The spool directory and the temporary names directories are made under
# (README "Storage"): a spool file waiting is counted; spool/ as a link, and
# leftover temporary directories (in the directory, and for the directory
# in its parent) are failed checks; names of another shape are not counted.
SPD="$WORK/spoolcheck" && mkdir -m 0700 "$SPD" "$SPD/spool" && printf '{}\n' >"$SPD/spool/4242.jsonl"
expect_rc 0 "doctor: a spool directory with a file waiting" "$T" doctor --dir "$SPD"
check "doctor: the spool file waiting is counted" grep -q "^OK   spool directory: 1 file waiting" "$WORK/out"
rm -r "$SPD/spool" && ln -s "$WORK" "$SPD/spool"
expect_rc 1 "doctor: spool/ a link" "$T" doctor --dir "$SPD"
check "doctor: spool/ a link is a failed check" grep -q "^FAIL spool directory: spool directory (spool/" "$WORK/out"
rm "$SPD/spool"
mkdir "$SPD/.spool.new-0123456789abcdef" "$WORK/.spoolcheck.new-00000000000000ff" \
    "$SPD/.spool.new-0123456789abcdeg" "$WORK/.other.new-0123456789abcdef" "$SPD/.spool.new-01234"
expect_rc 1 "doctor: leftover temporary directories" "$T" doctor --dir "$SPD"
check "doctor: both leftovers counted, the first named" \
    grep -q "^FAIL leftover directories: 2 of yours, the first $SPD/.spool.new-0123456789abcdef" "$WORK/out"
# relative: the directory's first component is looked for in "."
T_ABS=$(cd "$(dirname "$T")" && pwd -P)/$(basename "$T")
(cd "$WORK" && "$T_ABS" doctor --dir spoolcheck/ >"$WORK/out" 2>&1)
check "doctor: a relative directory's leftover beside it is named from ." \
    grep -q "^FAIL leftover directories: 2 of yours, the first spoolcheck/.spool.new-0123456789abcdef" "$WORK/out"
rmdir "$SPD/.spool.new-0123456789abcdef" "$WORK/.spoolcheck.new-00000000000000ff"
expect_rc 0 "doctor: names of another shape are no leftovers" "$T" doctor --dir "$SPD"
# Another user's leftover (in a sticky /tmp, anyone may make one beside
# the default directory) is shown, never a failed check: only its owner
# could remove it.  A spool directory or directory its owner may not
# write to is a failed check (root's access checks pass without the bits).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    mkdir "$WORK/.spoolcheck.new-0123456789abcdef" && chown nobody "$WORK/.spoolcheck.new-0123456789abcdef"
    expect_rc 0 "doctor: another user's leftover is no failed check" "$T" doctor --dir "$SPD"
    check "doctor: another user's leftover is shown" \
        grep -q "^INFO leftover directories of another user's: 1, the first $WORK/.spoolcheck.new-[0-9a-f]* (uid $(id -u nobody);" "$WORK/out"
    rmdir "$WORK/.spoolcheck.new-0123456789abcdef"
fi
mkdir -m 0500 "$SPD/spool"
expect_rc 1 "doctor: a spool directory not u+rwx" "$T" doctor --dir "$SPD"
check "doctor: says the spool directory cannot be written to" grep -q "^FAIL spool directory: spool/ cannot be written to" "$WORK/out"
rmdir "$SPD/spool" && chmod 0500 "$SPD"
expect_rc 1 "doctor: a directory not u+rwx" "$T" doctor --dir "$SPD"
check "doctor: says no event can be written there" grep -q "^FAIL directory: .*not u+rwx: no event can be written" "$WORK/out"
chmod 0700 "$SPD"

# --- issue 11: what a log holds never drives the terminal ------------------
# A repo, agent, type and message with ESC/OSC/CSI, BEL, a C1 CSI (U+009B),
# a bidi override (U+202E) and a raw 0x9b byte: human output shows them as
# \xHH / \uXXXX escapes; --json stays exact JSON.
E="$WORK/esc"
mkdir -p "$E" && chmod 0700 "$E"
python3 - "$E/all_errors.jsonl" <<'PY'
import json, sys
ev = {"timestamp": "2026-11-25T10:00:00.000000Z", "repo": "evil\x1b]0;pwned\x07\x1b[2J",
      "agent": "ag\u009b31m", "error_type": "Type\u202eX", "error_message": "msg\x1b[31mred"}
raw = json.dumps(ev).encode() + b"\n"
# the same event with a raw 0x9b byte (not UTF-8) in its message
raw += raw.replace(b"msg", b"m\x9bsg")
open(sys.argv[1], "wb").write(raw)
PY
no_controls() { # no C0 control but '\n', no DEL, no C1 (raw or UTF-8), no bidi
    python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", b), b
t = b.decode("utf-8")  # a raw 0x9b byte fails here
assert not re.search("[\u0080-\u009f\u202a-\u202e\u2066-\u2069]", t), t
PY
}
for cmd in summary groups patterns tail; do
    expect_rc 0 "escape: $cmd" "$T" $cmd --dir "$E"
    check "escape: $cmd prints no control character" no_controls "$WORK/out"
done
# doctor names what it finds in the directory: a link named with escapes
ln -s /etc/passwd "$E/$(printf 'evil\033]0;pwned\007')_errors.jsonl"
"$T" doctor --dir "$E" >"$WORK/out" 2>&1
check "escape: doctor prints no control character" no_controls "$WORK/out"
check "escape: doctor names the link escaped" grep -qF 'evil\x1b]0;pwned\x07_errors.jsonl' "$WORK/out"
rm -f "$E/$(printf 'evil\033]0;pwned\007')_errors.jsonl"
"$T" summary --dir "$E" >"$WORK/esc.txt"
check "escape: the repo shown escaped" grep -qF 'evil\x1b]0;pwned\x07\x1b[2J' "$WORK/esc.txt"
check "escape: C1 and bidi shown as \\u" sh -c "grep -qF 'ag\\u009b31m' '$WORK/esc.txt' && grep -qF 'Type\\u202eX' '$WORK/esc.txt'"
"$T" tail --dir "$E" >"$WORK/esc.txt"
check "escape: tail shows the raw byte as \\x9b" grep -qF 'm\x9bsg' "$WORK/esc.txt"
check "escape: tail fits 80 columns" sh -c "! awk 'length > 80' '$WORK/esc.txt' | grep -q ."
"$T" summary --dir "$E" --json >"$WORK/esc.json"
check "escape: --json stays exact" python3 -c '
import json, sys
s = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "surrogateescape"))
assert "evil\x1b]0;pwned\x07\x1b[2J" in s["by_repo"], s["by_repo"]
assert s["by_agent"] == {"ag\u009b31m": 2}, s["by_agent"]
' "$WORK/esc.json"
printf 'a\033[2Jb\tc\n' >"$WORK/esc.in"
expect_rc 0 "escape: group" sh -c "'$T' group <'$WORK/esc.in'"
check "escape: group's template escaped" sh -c "grep -qF 'a\\x1b[' '$WORK/out' && [ \$(tr -cd '\\033' <'$WORK/out' | wc -c) -eq 0 ]"

# --- issue 11: counts weigh repeat; odd timestamps; \u0000 ------------------
W="$WORK/weigh"
mkdir -p "$W" && chmod 0700 "$W"
python3 - "$W/all_errors.jsonl" <<'PY'
import json, sys
ev = {"timestamp": "2026-11-25T10:00:0%dZ", "repo": "r", "agent": "a",
      "error_type": "FileNotFoundError", "error_message": "[Errno 2] No such file: 'x'"}
lines = []
for i in range(3):
    e = dict(ev, timestamp=ev["timestamp"] % i)
    lines.append(json.dumps(e))
lines.append(json.dumps(dict(ev, timestamp="2026-11-25T10:00:05Z", repeat=97, fatal=True)))
# a timestamp that is no time: skipped, never the window's end
lines.append(json.dumps(dict(ev, timestamp="zzzz-not-a-time")))
# a NUL in the message: the text after it is kept
lines.append(json.dumps({"timestamp": "2026-11-25T10:00:04Z", "repo": "z", "agent": "a",
                         "error_type": "T", "error_message": "before\u0000after"}))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
expect_rc 0 "weigh: summary --json" "$T" summary --dir "$W" --json
check "weigh: 100 failures counted everywhere, by repeat" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["total_errors"] == 101, s["total_errors"]
assert s["by_type"]["FileNotFoundError"] == 100 and s["by_repo"]["r"] == 100, s
assert s["by_agent"]["a"] == 101, s["by_agent"]
g = [x for x in s["groups"] if x["error_type"] == "FileNotFoundError"][0]
assert g["count"] == 100 and g["fatal"] == 97, g
p = [x for x in s["patterns"] if x["pattern"] == "File not found errors"][0]
assert p["count"] == 100, p
assert s["top_errors"][0] == ["FileNotFoundError", 100], s["top_errors"]
' "$WORK/out"
check "timestamp: a line whose time is no time is skipped" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["skipped_lines"] == 1, s["skipped_lines"]
assert s["window"]["until"] == "2026-11-25T10:00:05Z", s["window"]
assert all(g["last_seen"] < "3" for g in s["groups"]), s["groups"]
' "$WORK/out"
check "nul: the message is not cut at \\u0000" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
g = [x for x in s["groups"] if x["error_type"] == "T"][0]
assert g["example"] == "before\\u0000after", g["example"]
' "$WORK/out"
expect_rc 0 "nul: tail" "$T" tail --dir "$W"
check "nul: tail shows the text after \\u0000" grep -qF 'before\u0000after' "$WORK/out"
check "timestamp: tail passes over it" sh -c "! grep -q zzzz '$WORK/out'"

# --- issue 11: clean keeps what it does not understand, byte for byte ------
K2="$WORK/k2"
"$T" record --dir "$K2" --repo r --agent a --type T --message recent >/dev/null
python3 - "$K2" <<'PY'
import json, sys
d = sys.argv[1]
old = json.dumps({"timestamp": "2020-01-01T00:00:00Z", "repo": "r", "agent": "a",
                  "error_type": "T", "error_message": "old"})
huge = '{"note":"' + "y" * (300 * 1024) + '"}'          # over the reader's 256 KiB
odd = json.dumps({"timestamp": "0000-bad", "repo": "r", "agent": "a",
                  "error_type": "T", "error_message": "odd time"})
body = open(d + "/all_errors.jsonl").read()
open(d + "/all_errors.jsonl", "w").write(
    old + "\n" + huge + "\n" + odd + "\n" + body + old + "\n" + huge)  # last: no '\n'
PY
python3 -c '
import sys
for l in open(sys.argv[1], "rb").read().split(b"\n"):
    if b"old" not in l: sys.stdout.buffer.write(l + b"\n")
' "$K2/all_errors.jsonl" | head -c -1 >"$WORK/k2.want"
expect_rc 0 "clean over lines longer than 256 KiB" "$T" clean --dir "$K2" --older-than 30d
check "clean keeps long and odd lines byte for byte" cmp -s "$K2/all_errors.jsonl" "$WORK/k2.want"
check "clean counts central events only" grep -q "removed 2 events .* from the central log, 4 lines kept" "$WORK/out"

# --- issue 11: a FIFO in a log's place: refused, nothing waits or is lost ---
P="$WORK/fifo"
"$T" record --dir "$P" --repo r --agent a --type T --message "kept through the fifo" >/dev/null
mkfifo "$P/all_errors.jsonl.1"
sum_before=$(cat "$P"/*_errors.jsonl | md5sum)
for cmd in summary tail "clean --older-than 1d"; do
    # in the background: a command that hung would never end
    "$T" $cmd --dir "$P" >"$WORK/out" 2>"$WORK/err" &
    fpid=$!
    # (stderr is unbuffered: the message may arrive in pieces; a command
    # that hangs is killed after 30 s and fails the exit check)
    wait_exit "$fpid"; wait "$fpid"; frc=$?
    check "fifo: $cmd refuses and names the file" grep -q "all_errors.jsonl.1.*\(not a regular file\|FIFO\)" "$WORK/err"
    check "fifo: $cmd exits 1 by itself" test "$frc" = 1
done
check "fifo: nothing removed or rewritten" sh -c "[ \"\$(cat '$P'/*_errors.jsonl | md5sum)\" = '$sum_before' ] && [ -p '$P/all_errors.jsonl.1' ]"
rm -f "$P/all_errors.jsonl.1"
expect_rc 0 "fifo: record still works" "$T" record --dir "$P" --repo r --agent a --type T --message after
expect_rc 0 "fifo: clean runs once it is gone" "$T" clean --dir "$P" --older-than 1d

# --- issue 11: a failed write says why and what to do ---------------------
if [ "$(id -u)" -eq 0 ] && mkdir -p "$WORK/full" && mount -t tmpfs -o size=64k tmpfs "$WORK/full" 2>/dev/null; then
    mkdir -m 0700 "$WORK/full/td"
    dd if=/dev/zero of="$WORK/full/filler" bs=1k count=128 2>/dev/null
    expect_rc 1 "full disk: record fails" rec --dir "$WORK/full/td" --repo r --agent a --type T --message m
    check "full disk: the reason and the fix" grep -q "write failed: No space left on device (ENOSPC); fix: free space" "$WORK/err"
    rm -f "$WORK/full/filler"
    mount -o remount,ro "$WORK/full"
    expect_rc 1 "read-only: record fails" rec --dir "$WORK/full/td" --repo r --agent a --type T --message m
    check "read-only: the reason and the fix" grep -q "Read-only file system (EROFS); fix: " "$WORK/err"
    umount "$WORK/full"
else
    skip "full disk / read-only: cannot mount a tmpfs here"
fi
U="$WORK/ulimit"
for i in 1 2 3 4 5 6 7 8; do rec --dir "$U" --repo r --agent a --type T --message "padding $i" >/dev/null; done
expect_rc 1 "ulimit -f: record fails" sh -c "ulimit -f 2; '$T' record --dir '$U' --repo r --agent a --type T --message m"
check "ulimit -f: the reason and the fix" grep -q "File too large (EFBIG); fix: .*ulimit -f" "$WORK/err"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    mkdir -p "$WORK/nob" && chmod 0755 "$WORK/nob" "$WORK" && chown nobody "$WORK/nob"
    runuser -u nobody -- "$T" record --dir "$WORK/nob/d" --repo r --agent a --type T --message m >/dev/null
    chmod 0500 "$WORK/nob/d" && chmod 0400 "$WORK/nob/d/all_errors.jsonl"
    runuser -u nobody -- "$T" record --dir "$WORK/nob/d" --repo r --agent a --type T --message m >"$WORK/out" 2>"$WORK/err"
    check "unwritable log: the reason and the fix" grep -q "Permission denied (EACCES); fix: " "$WORK/err"
fi

# --- report --markdown (README "Reports") ----------------------------------
R="$WORK/report"
hrepo='r|<script>alert(1)</script>'
hmsg='"><img src=x onerror=alert(1)> </svg> &amp; | `x` [x](javascript:alert(1))
# heading'
"$T" record --dir "$R" --repo "$hrepo" --agent 'a*b_' --type T --message "$hmsg" >/dev/null
"$T" record --dir "$R" --repo plain --agent b --type T --message ok >/dev/null
expect_rc 0 "report --markdown" "$T" report --markdown --dir "$R"
check "report --markdown: tables well formed, hostile text kept as text" \
    python3 "$(dirname "$0")/md_tables.py" "$WORK/out" "$hrepo" \
    '"><img src=x onerror=alert(1)> </svg> &amp; | `x` [x](javascript:alert(1)) # heading' 'a*b_' plain
check "report --markdown: the total" grep -q '^| 2 |' "$WORK/out"
expect_rc 0 "report --markdown --repo" "$T" report --markdown --repo plain --dir "$R"
check "report --repo: only that repository" sh -c "! grep -q script '$WORK/out'"
expect_rc 2 "report without a format" "$T" report --dir "$R"
check "report without a format says which" grep -q -- "--markdown" "$WORK/err"

# --- concurrency through the CLI ------------------------------------------
C="$WORK/c"
for p in 1 2 3 4; do
    ( i=0; while [ $i -lt 40 ]; do
        "$T" record --dir "$C" --repo conc --agent "p$p" --type OSError --message "n $i" >/dev/null
        i=$((i + 1)); done ) &
done
wait
check "160 concurrent records, none lost" test "$(nlines "$C/all_errors.jsonl")" = 160
check "concurrent lines intact" valid_jsonl "$C/all_errors.jsonl"

finish cli
