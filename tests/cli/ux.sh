#!/bin/sh
# CLI habits (README "Terminal width", "Manual page and completion"): tables
# fit the width, --wide, group ids, -h, did-you-mean, the context-drop
# warning, the generated manual page and the bash completion.
# Usage: tests/cli/ux.sh BUILD_DIR (absolute)
set -u

BUILD=${1:?usage: ux.sh BUILD_DIR}
T="$BUILD/telemetry"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/tm-ux-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
. "$(dirname "$0")/../lib.sh"
clean_env
unset COLUMNS
D="$WORK/d"
rec() { "$T" record --dir "$D" "$@" >/dev/null; }

# The widest line of FILE in display columns (a character one column; what
# the CLI escapes is shown as plain ASCII, \x1b four columns).
widest() {
    python3 -c 'import sys; print(max([len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")] or [0]))' "$1"
}

tail_words="while loading the configuration of the application named agent-telemetry-demo"
for i in 1 2 3; do
    rec --repo "repo-$i" --agent agent --type FileNotFoundError \
        --message "[Errno 2] No such file or directory: '/srv/data/config_$i.yaml' $tail_words"
done
esc=$(printf 'x\033]0;title\007 \342\200\256rtl \303\251t\303\251')
rec --repo "$(printf 'h\033[2Jostile-\303\251')" --agent "agent-$esc" --type PermissionError \
    --message "$esc permission denied on a long line of words that goes on and on and on to the end"
# a run, for `runs` (the shim records the failing open)
"$T" run --dir "$D" --repo run-repo -- sh -c 'cat /nonexistent/file-of-the-run' 2>/dev/null

# --- width ----------------------------------------------------------------
for c in summary groups patterns tail runs; do
    COLUMNS=60 "$T" "$c" --dir "$D" >"$WORK/w60" 2>"$WORK/err"
    check "$c: COLUMNS=60 exits 0" test $? -eq 0
    check "$c: COLUMNS=60 prints something" test -s "$WORK/w60"
    w=$(widest "$WORK/w60")
    check "$c: no line over 60 columns (widest $w)" test "$w" -le 60
    COLUMNS=5 "$T" "$c" --dir "$D" >"$WORK/w5" 2>"$WORK/err"
    w=$(widest "$WORK/w5")
    check "$c: COLUMNS=5 still prints, within 50 columns (widest $w)" \
        sh -c "test -s '$WORK/w5' && test '$w' -le 50"
    COLUMNS=60 "$T" "$c" --wide --dir "$D" >"$WORK/wide" 2>"$WORK/err"
    check "$c --wide exits 0" test $? -eq 0
done
COLUMNS=60 "$T" groups --dir "$D" >"$WORK/out"
check "groups at 60 columns cut the template" sh -c "! grep -q 'agent-telemetry-demo' '$WORK/out'"
COLUMNS=200 "$T" groups --dir "$D" >"$WORK/out"
check "groups at 200 columns show the whole template" grep -q "$tail_words" "$WORK/out"
COLUMNS=60 "$T" groups --wide --dir "$D" >"$WORK/out"
check "groups --wide never cuts" grep -q "$tail_words" "$WORK/out"
COLUMNS=60 "$T" tail --wide --dir "$D" >"$WORK/out"
check "tail --wide never cuts" grep -q "$tail_words" "$WORK/out"
COLUMNS=60 "$T" summary --wide --dir "$D" >"$WORK/out"
check "summary --wide never cuts" grep -q "$tail_words" "$WORK/out"
COLUMNS=junk "$T" groups --dir "$D" >"$WORK/out"
w=$(widest "$WORK/out")
check "COLUMNS not a number: 80 columns (widest $w)" test "$w" -le 80
check "an escape is shown, never raw" sh -c "grep -q 'x\\\\x1b' '$WORK/out' && ! grep -q \"\$(printf '\\033')\" '$WORK/out'"

# --- group ids ---------------------------------------------------------------
"$T" groups --json --dir "$D" >"$WORK/g.json"
check "every group has an id: a prefix of its fingerprint, 7+ hex, unique" python3 - "$WORK/g.json" <<'PY'
import json, sys
gs = json.load(open(sys.argv[1]))
ids = [g["id"] for g in gs]
assert gs and all(len(i) >= 7 and g["fingerprint"].startswith(i) for i, g in zip(ids, gs)), gs
assert len(set(ids)) == len(ids)
PY
"$T" groups --dir "$D" >"$WORK/out"
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$WORK/g.json")
check "groups shows the id" grep -q " $first " "$WORK/out"
"$T" summary --json --dir "$D" >"$WORK/s.json"
check "summary JSON groups carry the id" python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["groups"]; assert all("id" in x for x in g)' "$WORK/s.json"

# --- -h, did-you-mean ------------------------------------------------------------
cmds=$("$T" --commands)
check "--commands lists the table" sh -c "echo '$cmds' | grep -qx summary"
for c in $cmds; do
    expect_rc 0 "$c -h" "$T" "$c" -h
    check "$c -h prints its usage" grep -q "^usage: telemetry $c" "$WORK/out"
    expect_rc 0 "$c --help" "$T" "$c" --help
done
expect_rc 0 "run -- CMD -h: the -h is CMD's" "$T" run --dir "$D" -- echo -h
check "run -- echo -h printed -h" grep -qx -- "-h" "$WORK/out"
expect_rc 2 "sumary" "$T" sumary
check "did you mean summary" grep -qx "telemetry: 'sumary' is not a command. Did you mean 'summary'?" "$WORK/err"
check "no usage dump" sh -c "! grep -q usage '$WORK/err'"
expect_rc 2 "grops" "$T" grops
check "grops: groups" grep -q "Did you mean 'groups'?" "$WORK/err"
expect_rc 2 "rn" "$T" rn
check "rn: run or runs? run (one edit)" grep -q "Did you mean 'run'?" "$WORK/err"
expect_rc 2 "frobnicate" "$T" frobnicate
check "frobnicate: no suggestion" sh -c "grep -q \"'frobnicate' is not a command\" '$WORK/err' && ! grep -q 'Did you mean' '$WORK/err'"

# --- context keys the allow-list drops --------------------------------------------
expect_rc 0 "record with dropped context keys" "$T" record --dir "$D" --repo r --agent a \
    --type T --message m --context foo=1 --context foo=2 --context api_token=s \
    --context retry_count=3
check "foo named once" test "$(grep -c "context key 'foo'" "$WORK/err")" = 1
check "api_token named as a secret's name" grep -q "'api_token' is a secret's name" "$WORK/err"
check "retry_count (allowed) not named" sh -c "! grep -q retry_count '$WORK/err'"
check "the event is recorded with the allowed key" grep -q '"retry_count":3' "$D/all_errors.jsonl"

# --- manual page ------------------------------------------------------------------
MAN="$BUILD/telemetry.1"
if command -v man >/dev/null 2>&1; then
    out=$(MANWIDTH=80 man -l "$MAN" 2>&1 >/dev/null)
    check "man -l renders without warnings: $out" test -z "$out"
    MANWIDTH=80 man -l "$MAN" >"$WORK/man.txt" 2>/dev/null
    for s in NAME SYNOPSIS DESCRIPTION COMMANDS ENVIRONMENT FILES "EXIT STATUS" "SEE ALSO"; do
        check "man page section $s" grep -qx "$s" "$WORK/man.txt"
    done
    for c in $cmds; do
        check "man page: command $c" grep -qx "   $c" "$WORK/man.txt"
    done
else
    skip "man not installed (scripts/deps.sh --with-clickhouse)"
fi
if command -v groff >/dev/null 2>&1; then
    out=$(groff -ww -man -z "$MAN" 2>&1)
    check "groff -ww: no warnings: $out" test -z "$out"
fi

# --- bash completion ---------------------------------------------------------------
BC=/usr/share/bash-completion/bash_completion
complete_words() { # complete_words WORD... : what <TAB> offers for the last one
    PATH="$BUILD:$PATH" bash -c '. "$1"; . "$2"; shift 2
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _telemetry
        printf "%s\n" "${COMPREPLY[@]}"' sh "$BC" "$SRC/scripts/telemetry.bash" "$@"
}
if [ -f "$BC" ]; then
    check "completion loads" bash -c ". '$BC'; . '$SRC/scripts/telemetry.bash'; complete -p telemetry >/dev/null"
    check "telemetry su<TAB> -> summary" test "$(complete_words telemetry su)" = summary
    check "telemetry groups --w<TAB> -> --wide" test "$(complete_words telemetry groups --w)" = --wide
    complete_words telemetry tail -- >"$WORK/out"
    check "telemetry tail --<TAB> offers --run and --dir" sh -c "grep -qx -- --run '$WORK/out' && grep -qx -- --dir '$WORK/out'"
else
    skip "bash-completion not installed (scripts/deps.sh --with-clickhouse)"
fi

finish ux
