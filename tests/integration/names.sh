#!/bin/sh
# How the agent is named (README "How the agent is named", core/record/argv.c): real interpreters
# under the real shim, each failing to open a missing file of its own in a
# fresh git work tree.  The stored agent is the script's basename or the
# program's, and no code, option value or secret from argv is stored
# anywhere in the telemetry directory.
# Usage: tests/integration/names.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup names "${1:-}"
trap 'cd /; rm -rf "$WORK"' EXIT INT TERM

# Words of the command lines below that must never be stored: a password,
# a host, code, option values.
SECRETS="Hunter2pass deploy@prod readFileSync pipefail open( \
rcfile-value extglob xoptval"

n=0
# name WANT LAUNCH CMD...: in a fresh work tree and telemetry directory,
# runs CMD under the shim (LAUNCH: "run" through `telemetry run`, "preload"
# with LD_PRELOAD).  CMD fails to open the file "missing" (or
# "missing-file").  Checks that the event of that failure names WANT as
# the agent, and that no word of $SECRETS is anywhere in the directory.
name() {
    _want=$1 _how=$2
    shift 2
    n=$((n + 1))
    WS="$WORK/ws$n" TD="$WORK/td$n"
    mkdir -p "$WS" && git -C "$WS" init -q && cd "$WS" || exit 1
    cp "$WORK/agent.py" "$WORK/tool.pl" "$WORK/run.sh" "$WS/"
    if [ "$_how" = run ]; then
        "$T" run --dir "$TD" -- "$@" >"$WORK/out" 2>&1
    else
        TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$@" >"$WORK/out" 2>&1
    fi
    cd "$WORK" || exit 1
    check "$_how $*: the failure is recorded with agent '$_want'" python3 - "$TD" "$_want" <<'PY'
import json, os, sys
d, want = sys.argv[1], sys.argv[2]
p = os.path.join(d, "all_errors.jsonl")
E = [json.loads(l) for l in open(p)] if os.path.exists(p) else []
hits = [e for e in E if "'missing" in e.get("error_message", "")]
ok = hits and all(e["agent"] == want for e in hits)
if not ok:
    for e in E:
        print("   ", e.get("agent"), e.get("program"), e.get("error_message"),
              file=sys.stderr)
sys.exit(0 if ok else 1)
PY
    for _s in $SECRETS; do
        if grep -rqF -- "$_s" "$TD" 2>/dev/null; then
            bad "$_how $*: '$_s' from argv is stored: $(grep -rhoF -- "$_s" "$TD" | head -n 1)"
        else
            ok
        fi
    done
}

have() { command -v "$1" >/dev/null 2>&1; }

# The scripts: each opens a missing file of the work tree.
cat >"$WORK/agent.py" <<'EOF'
try:
    open("missing")
except FileNotFoundError:
    pass
EOF
cat >"$WORK/tool.pl" <<'EOF'
open(my $f, "<", "missing");
EOF
cat >"$WORK/run.sh" <<'EOF'
cat <missing-file 2>/dev/null
exit 0
EOF

for how in run preload; do
    # Code after combined short options: the program names the agent.
    name sh $how sh -ec 'sshpass -p Hunter2pass ssh deploy@prod <missing-file'
    name dash $how dash -ec 'sshpass -p Hunter2pass ssh deploy@prod <missing-file'
    name bash $how bash -o pipefail -c 'cat <missing | wc -l'
    name bash $how bash -eo pipefail -c 'cat <missing-file'
    name python3 $how python3 -Bc 'open("missing")'
    name python3 $how python3 -BX xoptval -c 'open("missing") # Hunter2pass'
    name perl $how perl -we 'open(my $f, "<", "missing") or die'
    name perl $how perl -lne 'print' missing
    if have node; then
        name node $how node -p 'require("fs").readFileSync("missing")'
        name node $how node -e 'require("fs").readFileSync("missing")'
    else
        skip "$how: node is not installed"
    fi
    if have zsh; then
        name zsh $how zsh -o pipefail -c 'cat <missing-file'
    else
        skip "$how: zsh is not installed"
    fi
    if have ruby; then
        name ruby $how ruby -we 'File.open("missing") rescue nil; x = "Hunter2pass"'
        name agent.py $how ruby -r json -e 'system("python3", "agent.py")'
    else
        skip "$how: ruby is not installed"
    fi

    # Scripts behind options that take values: the script's basename.
    name agent.py $how python3 -X dev agent.py
    name agent.py $how python3 -W ignore -X dev "$WORK/ws$((n + 1))/agent.py"
    name tool.pl $how perl -I rcfile-value tool.pl
    name run.sh $how bash -o pipefail run.sh
    name run.sh $how bash --norc -O extglob run.sh
    name run.sh $how sh -e -- run.sh
done

# A module names the agent; TELEMETRY_AGENT still overrides everything.
mkdir -p "$WORK/mods"
cp "$WORK/agent.py" "$WORK/mods/probe_mod.py"
name probe_mod run env PYTHONPATH="$WORK/mods" python3 -m probe_mod
name custom run env TELEMETRY_AGENT=custom python3 -Bc 'open("missing")'

# A script name that looks like code is not stored: the program instead.
cp "$WORK/agent.py" "$WORK/x=1;pipefail.py"
name python3 run python3 "$WORK/x=1;pipefail.py"

finish names
