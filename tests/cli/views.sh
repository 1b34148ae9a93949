#!/bin/sh
# The views' filters, tail --json / --full, times with their zone, and
# `telemetry show`, on a log written here line by line (known timestamps,
# programs, errnos, runs).  Usage: tests/cli/views.sh BUILD_DIR
set -u

BUILD=${1:?usage: views.sh BUILD_DIR}
T="$BUILD/telemetry"
WORK=$(mktemp -d /tmp/tm-views-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
. "$(dirname "$0")/../lib.sh"
clean_env
D="$WORK/d"
mkdir -m 700 "$D"

# 12 events: 3 repos, 2 agents, 2 programs, ENOENT / EACCES / a hand-recorded
# "[Errno 28]", 2 runs, one day apart from 2026-11-20 to 2026-12-01.
python3 - "$D/all_errors.jsonl" <<'PY'
import json, sys
RUN_A, RUN_B = "00000000000000aa", "00000000000000bb"
rows = []
for i in range(12):
    kind = i % 3
    ev = {"timestamp": "2026-11-%02dT10:00:00.000000Z" % (20 + i) if 20 + i <= 30
          else "2026-12-%02dT10:00:00.000000Z" % (20 + i - 30),
          "repo": ["alpha", "beta", "gamma"][i % 3 if i < 9 else 0],
          "agent": "agent-%d" % (i % 2)}
    if kind == 0:
        ev.update(error_type="FileNotFoundError",
                  error_message="[Errno 2] No such file or directory: 'cfg%d.yml'" % i,
                  context={"syscall": "open", "errno": "ENOENT", "category": "file_not_found"})
    elif kind == 1:
        ev.update(error_type="PermissionError",
                  error_message="[Errno 13] Permission denied: '/etc/shadow'",
                  context={"syscall": "open", "errno": "EACCES", "category": "permission_denied"})
    else:
        ev.update(error_type="OSError", error_message="[Errno 28] No space left on device " + "x" * 300,
                  context={})
    ev["telemetry_id"] = "%016x" % (0xe000 + i)
    ev["source"] = "shim" if kind < 2 else "cli"
    if kind < 2:
        ev["program"] = "python3" if i % 2 else "git"
        ev["run"] = RUN_A if i < 6 else RUN_B
    rows.append(ev)
with open(sys.argv[1], "w") as f:
    for ev in rows:
        f.write(json.dumps(ev, separators=(",", ":")) + "\n")
    f.write("not an event\n")
PY
chmod 600 "$D/all_errors.jsonl"

# total of `summary --json` under the given filters
total() { "$T" summary --json --dir "$D" "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_errors"])'; }
same() { # same DESCRIPTION WANT GOT
    if [ "$2" = "$3" ]; then ok; else bad "$1: want $2, got $3"; fi
}

# --- every filter narrows, on every view -----------------------------------
same "no filter" 12 "$(total)"
same "--repo alpha" 6 "$(total --repo alpha)"
same "--agent agent-1" 6 "$(total --agent agent-1)"
same "--run" 4 "$(total --run 00000000000000aa)"
same "--category permission_denied" 4 "$(total --category permission_denied)"
same "--category disk_full (classified from the text)" 4 "$(total --category disk_full)"
same "--program git" 4 "$(total --program git)"
same "--errno ENOENT" 4 "$(total --errno ENOENT)"
same "--errno 13 (by number)" 4 "$(total --errno 13)"
same "--errno ENOSPC (a hand-recorded [Errno 28])" 4 "$(total --errno ENOSPC)"
same "--since an ISO day" 3 "$(total --since 2026-11-29)"
# 2026-11-29T11:00+01:00 is 10:00Z: the event of the 29th is kept
same "--since with an offset" 3 "$(total --since 2026-11-29T11:00+01:00)"
same "--since with an offset, one minute later" 2 "$(total --since 2026-11-29T11:01+01:00)"
same "--since with a negative offset" 2 "$(total --since 2026-11-30T04:30-05:30)"
same "filters combine" 1 "$(total --repo alpha --errno EACCES)"
"$T" patterns --json --dir "$D" --category file_not_found >"$WORK/out"
check "patterns takes the filters" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/out"
"$T" groups --json --dir "$D" --program python3 >"$WORK/out"
check "groups --program python3: only its groups" python3 - "$WORK/out" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
assert sum(x["count"] for x in g) == 4, g
PY

# --- malformed filter values: a clear usage error --------------------------
for bad in "--since yesterday" "--since 2026-11-29T11:00+1" "--since 2026-11-29T11:00+25:00" \
    "--run nothex" "--category nope" "--errno EWHAT" "--errno 0" "--repo="; do
    # shellcheck disable=SC2086
    expect_rc 2 "summary $bad" "$T" summary --dir "$D" $bad
    check "summary $bad names the option" grep -q -- "${bad%%[ =]*}" "$WORK/err"
done
expect_rc 2 "tail --category nope" "$T" tail --dir "$D" --category nope
check "the category error lists the categories" grep -q "file_not_found" "$WORK/err"
expect_rc 0 "summary --help lists the filters" "$T" summary --help
for f in since repo agent run category program errno; do
    check "summary --help names --$f" grep -q -- "--$f " "$WORK/out"
done

# --- tail: filters, --json, --full, times with their zone ------------------
expect_rc 0 "tail --json -n 100" "$T" tail --json -n 100 --dir "$D"
check "tail --json: the stored lines, byte for byte" sh -c \
    "grep -v '^not an event' '$D/all_errors.jsonl' | cmp -s - '$WORK/out'"
expect_rc 0 "tail --json --errno EACCES" "$T" tail --json -n 100 --errno EACCES --dir "$D"
check "tail --json --errno: 4 stored lines" sh -c \
    "[ \$(wc -l <'$WORK/out') -eq 4 ] && [ \$(grep -c '\"errno\":\"EACCES\"' '$WORK/out') -eq 4 ]"
expect_rc 0 "tail --full" "$T" tail --full --category disk_full --dir "$D"
check "tail --full: the 300-byte message whole" grep -q "device $(printf 'x%.0s' $(seq 300))\$" "$WORK/out"
expect_rc 0 "tail (cut)" "$T" tail --category disk_full --dir "$D"
check "tail without --full cuts it" sh -c "! grep -q 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' '$WORK/out'"
TZ=UTC "$T" tail -n 1 --dir "$D" >"$WORK/out"
check "tail: UTC shown as +00:00" grep -q "^2026-12-01 10:00:00+00:00 " "$WORK/out"
TZ=Asia/Kolkata "$T" tail -n 1 --dir "$D" >"$WORK/out"
check "tail: the local zone with its offset" grep -q "^2026-12-01 15:30:00+05:30 " "$WORK/out"
TZ=America/New_York "$T" summary --dir "$D" >"$WORK/out"
check "summary window in the local zone" grep -q "2026-11-20 05:00:00-05:00 .. 2026-12-01 05:00:00-05:00" "$WORK/out"

# --- show: a group (id, prefix, ambiguous, unknown) and an event ------------
"$T" groups --json --dir "$D" --limit 100 >"$WORK/groups"
# the shim's PermissionErrors form one group per program (README "Grouping")
"$T" groups --json --dir "$D" --program python3 >"$WORK/out"
fp=$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); print([x for x in g if x["error_type"]=="PermissionError"][0]["fingerprint"])' "$WORK/out")
expect_rc 0 "show a group by fingerprint" "$T" show "$fp" --dir "$D"
check "show: the group's count, repos and runs" sh -c \
    "grep -q '^count  *2 ' '$WORK/out' && grep -q '^runs  *00000000000000aa, 00000000000000bb' '$WORK/out' && grep -q '^repos  *beta  (1)' '$WORK/out'"
check "show: first and last seen with their zone" grep -q "^last  *2026-11-27 10:00:00+00:00" "$WORK/out"
check "show: the group's events" test "$(grep -c '^  telemetry_id' "$WORK/out")" = 2
expect_rc 0 "show a group by a prefix" "$T" show "$(printf %.6s "$fp")" --dir "$D" --json
check "show --json: the group with its events and runs" python3 - "$WORK/out" "$fp" <<'PY'
import json, sys
g = json.loads(open(sys.argv[1]).read())
assert g["fingerprint"] == sys.argv[2] and g["count"] == 2, g
assert [e["telemetry_id"] for e in g["events"]] == ["000000000000e001", "000000000000e007"], g
assert all(e["program"] == "python3" for e in g["events"])
assert g["runs"] == ["00000000000000aa", "00000000000000bb"], g["runs"]
PY
expect_rc 0 "show -n 1" "$T" show "$fp" -n 1 --dir "$D" --json
check "show -n 1: the last event" python3 -c 'import json,sys; assert [e["telemetry_id"] for e in json.load(open(sys.argv[1]))["events"]] == ["000000000000e007"]' "$WORK/out"
# a prefix two groups share is refused, naming both
pre=$(python3 - "$WORK/groups" <<'PY'
import json, sys, itertools
fps = [g["fingerprint"] for g in json.load(open(sys.argv[1]))]
best = ""
for a, b in itertools.combinations(fps, 2):
    k = 0
    while a[k] == b[k]:
        k += 1
    if k > len(best):
        best = a[:k]
print(best)
PY
)
if [ "${#pre}" -ge 4 ]; then
    expect_rc 2 "show an ambiguous prefix" "$T" show "$pre" --dir "$D"
    check "show: ambiguous names the candidates" sh -c "[ \$(grep -c '^  group $pre' '$WORK/err') -ge 2 ]"
else # the groups' fingerprints differ within 4 digits: the rule, with a fake log
    A="$WORK/amb"; mkdir -m 700 "$A"
    for i in $(seq 1 400); do
        printf '{"timestamp":"2026-11-20T10:00:00.000000Z","repo":"r","agent":"a","error_type":"E%d","error_message":"m%d"}\n' "$i" "$i"
    done >"$A/all_errors.jsonl"
    pre=$("$T" groups --json --limit 1000 --dir "$A" | python3 -c '
import json, sys, collections
c = collections.Counter(g["fingerprint"][:4] for g in json.load(sys.stdin))
print(c.most_common(1)[0][0])')
    expect_rc 2 "show an ambiguous prefix" "$T" show "$pre" --dir "$A"
    check "show: ambiguous names the candidates" sh -c "[ \$(grep -c '^  group $pre' '$WORK/err') -ge 2 ]"
fi
expect_rc 1 "show an unknown id" "$T" show 0123456789abcdef --dir "$D"
check "show: unknown says so" grep -q "no group or event" "$WORK/err"
expect_rc 2 "show a non-id" "$T" show 'x y' --dir "$D"
expect_rc 2 "show with no id" "$T" show --dir "$D"
expect_rc 0 "show an event" "$T" show 000000000000e004 --dir "$D"
check "show: every field of the event" sh -c \
    "grep -q '^program  *git' '$WORK/out' && grep -q '^run  *00000000000000aa' '$WORK/out' && grep -q '^  errno: EACCES' '$WORK/out'"
expect_rc 0 "show an event --json" "$T" show 000000000000e004 --json --dir "$D"
check "show --json: the stored line" sh -c "grep -qxF \"\$(cat '$WORK/out')\" '$D/all_errors.jsonl'"

finish "views"
