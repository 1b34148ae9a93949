#!/bin/sh
# Where in the agent: the Python stack (README "Where in the agent: the
# Python stack", shim/pystack.c).  For each CPython 3.11-3.13 on the
# machine (Debian's /usr/bin/python3 always; pyenv's when present, else
# skipped and counted), the package in tests/integration/pystack/ fails at
# known lines under the real shim: nested calls and a class method, a
# worker thread, eight threads failing at once, a fork child, a Python
# signal handler, failures at two depths of C calls in turn, one 16-frame
# stack failing again and again (in one process_vm_readv each, counted
# with strace), one stack in a public then a private repository (the
# private name hashed in the second), a stack and then its innermost
# entry alone (an area's last entries are reused only for the same
# stack); every event carries the exact stack
# "<file>:<line> in <qualname>", the descriptors are the same before and
# after a recorded failure, TELEMETRY_STACK=0 leaves the stack out.  The
# offset table is recomputed from each version's installed headers.  Then
# grouping: two functions are two groups, one function in three
# repositories is one group that fires "Cross-repo framework bug".
# Usage: tests/integration/pystack.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup pystack "${1:-}"
trap 'cd /; rm -rf "$WORK"' EXIT INT TERM
PKG="$HERE/pystack"
CHECK=/usr/bin/python3 # reads the logs, never runs under the shim

n=0
# run PY MODE [ENV=VALUE...]: in a fresh work tree $WS (a git repository
# named $REPO, default "agent-repo") and telemetry directory $TD, runs
# main.py MODE under the shim (and under $WRAP, a command, when set).
run() {
    _py=$1 _mode=$2
    shift 2
    n=$((n + 1))
    WS="$WORK/w$n/${REPO:-agent-repo}" TD="$WORK/td$n"
    mkdir -p "$WS" && cp -R "$PKG/agent" "$PKG/main.py" "$WS/" &&
        git -C "$WS" init -q || exit 1
    # shellcheck disable=SC2086 # $WRAP: a command and its words, or none
    (cd "$WS" && ${WRAP:-} env TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$@" \
        "$_py" main.py "$_mode" >"$WORK/out" 2>&1)
}

# expect DESCRIPTION SCRIPT: SCRIPT (Python) sees E, the events of $TD
# (its central log and its spool files: an event whose writer could not
# take the directory lock in time is stored in its process's spool, README
# "Storage"; eight threads appending at once can make one of them wait),
# and `stack(msg_part)`: the stacks of the events whose message has it.
expect() {
    check "$1" "$CHECK" - "$TD" "$2" <<'PY'
import glob, json, os, sys
d, body = sys.argv[1], sys.argv[2]
E = []
for p in [os.path.join(d, "all_errors.jsonl")] + sorted(glob.glob(os.path.join(d, "spool", "*.jsonl"))):
    if os.path.exists(p):
        E += [json.loads(l) for l in open(p)]
def stack(part):
    return [e.get("stack") for e in E if part in e["error_message"]]
ok = eval(body)
if not ok:
    for e in E:
        print("   ", e["error_message"][-40:], e.get("stack"), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# The offsets of shim/pystack.c against the headers of the interpreter.
offsets() {
    _py=$1
    _inc=$("$_py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
    if [ ! -f "$_inc/internal/pycore_frame.h" ] || ! command -v cc >/dev/null; then
        skip "$_py: no internal headers to check the offsets against"
        return
    fi
    if ! cc -I"$_inc" -I"$_inc/internal" -o "$WORK/offsets" "$PKG/offsets.c" \
        2>"$WORK/err"; then
        bad "$_py: offsets.c does not build: $(head -c 300 "$WORK/err")"
        return
    fi
    "$WORK/offsets" >"$WORK/offsets.txt"
    check "$_py: the offset row is the headers'" "$CHECK" - \
        "$HERE/../../shim/pystack.c" "$WORK/offsets.txt" <<'PY'
import re, sys
src, got = open(sys.argv[1]).read(), dict(
    l.split("=") for l in open(sys.argv[2]).read().split())
rows = re.findall(r"\{\s*\.version = (0x[0-9a-f]+),(.*?)\}", src, re.S)
row = {k: int(v) for k, v in re.findall(r"\.(\w+) = (-?\d+)", dict(
    (int(v, 16), body) for v, body in rows)[int(got.pop("version"), 16)])}
bad = {k: (row.get(k), int(v)) for k, v in got.items() if row.get(k) != int(v)}
if bad:
    print("   table vs headers:", bad, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

one_python() {
    py=$1
    offsets "$py"
    line=$(grep -n '^{"basic"' "$PKG/main.py" | cut -d: -f1)
    mod="main.py:$line in <module>"
    run "$py" basic
    expect "$py: nested calls and a method" \
        "stack('missing-config') == [['agent/config.py:7 in load_config', 'agent/config.py:17 in Runner.step', 'main.py:12 in basic', '$mod']]"
    expect "$py: another function" \
        "stack('missing-cache') == [['agent/config.py:12 in load_cache', 'main.py:16 in basic', '$mod']]"
    expect "$py: a worker thread" \
        "[s[0] for s in stack('missing-worker-0')] == ['agent/config.py:22 in worker'] and stack('missing-worker-0')[0][1].endswith(' in Thread.run')"
    expect "$py: the stack goes after the backtrace" \
        "all(list(e).index('stack') == list(e).index('backtrace') + 1 for e in E)"
    expect "$py: with a stack, the backtrace keeps the innermost 8 C frames (TM_PY_CFRAMES)" \
        "all(1 <= len(e['backtrace']) <= 8 for e in E if 'stack' in e) and any(len(e['backtrace']) == 8 for e in E)"
    run "$py" threads
    expect "$py: eight threads failing at once, every event has its stack" \
        "len(stack('missing-worker-')) == 40 and all(s[:2] == ['agent/config.py:22 in worker', 'main.py:30 in threads.<locals>.each'] for s in stack('missing-worker-'))"
    run "$py" fork
    expect "$py: a fork child" \
        "stack('missing-child') == [['agent/config.py:36 in in_child', 'main.py:41 in forked', '$mod']]"
    run "$py" recursive
    # the same code at two instructions, each several times: one line each
    expect "$py: recursion through two call sites" \
        "stack('missing-deep') == [['agent/config.py:12 in load_cache', 'agent/config.py:53 in descend'] + ['agent/config.py:%d in descend' % l for l in (55, 56, 55, 56, 55)] + ['main.py:61 in recursive', '$mod']]"
    run "$py" reborn
    expect "$py: code objects freed and made again at the same addresses, each named right" \
        "all(stack('missing-reborn-%d.txt' % i) == [['gen_%d.py:3 in fn_%d' % (i % 5, i % 7), 'main.py:75 in reborn', '$mod']] for i in range(12))"
    run "$py" depths
    expect "$py: failures at two depths of C calls in turn, each stack right" \
        "all(stack('missing-depth-%d.txt' % i) == [['agent/config.py:12 in load_cache', 'main.py:%d in depths' % (88 if i % 2 else 90), '$mod']] for i in range(6))"
    # 21 failures of one 16-frame stack: the first walks in rounds, each
    # one after it in a single process_vm_readv (frames, codes, names and
    # the chunk of g0's long location table at the addresses the thread's
    # last failure found, each confirmed in the same read; a count, not a
    # timing: 27 or 28 here, 42 or more with any of those read apart)
    if command -v strace >/dev/null 2>&1; then
        WRAP="strace -f -qq -e trace=process_vm_readv -o $WORK/reads" run "$py" fifteen
        expect "$py: the same 16-frame stack again and again, each stack right" \
            "all(stack('missing-fifteen-%d.txt' % i) == [['chain.py:%d in g%d' % (123 if k == 0 else 2 * k + 125, k) for k in range(15)] + ['main.py:107 in fifteen']] for i in range(21))"
        check "$py: the same stack again, one process_vm_readv a failure ($(grep -c process_vm_readv "$WORK/reads") for 21)" \
            test "$(grep -c process_vm_readv "$WORK/reads")" -le 32
    else
        skip "$py: counting process_vm_readv needs strace"
    fi
    run "$py" init
    expect "$py: __init__ from a specialized call site: no frame of the interpreter's own" \
        "all(stack('missing-init-%d.txt' % i) == [['main.py:113 in Made.__init__', 'main.py:123 in init', '$mod']] for i in range(40))"
    run "$py" inits
    expect "$py: twelve __init__ deep from specialized call sites: all 14 frames, the module's too" \
        "all(stack('missing-inits-%d.txt' % i) == [['inits.py:4 in A0.__init__'] + ['inits.py:%d in A%d.__init__' % (3 * k + 6, k) for k in range(1, 12)] + ['main.py:138 in inits', '$mod']] for i in range(8))"
    run "$py" signal
    expect "$py: a Python signal handler" \
        "stack('missing-signal') == [['agent/config.py:29 in on_signal', 'main.py:47 in signalled', '$mod']]"
    # The same stack in a public and then a private repository: the
    # private one's event makes its entries again, its name hashed (an
    # area's last entries are reused only where no name is replaced).
    lv=$(grep -n '^        open(path)' "$PKG/main.py" | cut -d: -f1)
    lp=$(grep -n '^        vault(path)' "$PKG/main.py" | cut -d: -f1)
    mkdir -p "$WORK/vault" && git -C "$WORK/vault" init -q
    run "$py" private TELEMETRY_PRIVATE_REPOS=vault VAULT="$WORK/vault"
    expect "$py: one stack in a public then a private repo: the private name hashed in the second" \
        "stack('missing-private-1') == [['main.py:$lv in vault', 'main.py:$lp in private', '$mod']] and [s[0].startswith('main.py:$lv in ') and s[1:] == ['main.py:$lp in private', '$mod'] and not __import__('re').search(r'(?i)\\bvault\\b', str(s)) for s in stack('missing-private-2')] == [True]"
    lo=$(grep -n '^        open("missing-prefix.txt")' "$PKG/main.py" | cut -d: -f1)
    lc=$(grep -n '^    once()' "$PKG/main.py" | cut -d: -f1)
    run "$py" prefix
    expect "$py: a stack, then its innermost entry alone (at exit): each its own" \
        "stack('missing-prefix') == [['main.py:$lo in once', 'main.py:$lc in prefix', '$mod'], ['main.py:$lo in once']]"
    run "$py" fds
    check "$py: descriptors the same before and after a recorded failure" \
        test "$(cat "$WORK/out")" = ""
    expect "$py: ... and that failure was recorded with its stack" \
        "stack('missing-fds') == [['agent/config.py:45 in fds_unchanged', 'main.py:56 in fds', '$mod']]"
    mkdir -p "$WORK/home/alice" &&
        printf 'def fail():\n    try:\n        open("missing-outside.txt")\n    except OSError:\n        pass\n' \
            >"$WORK/home/alice/helper.py"
    run "$py" outside PYTHONPATH="$WORK/home/alice"
    expect "$py: a file outside the work tree: absolute, scrubbed" \
        "[s[0].endswith('/home/***/helper.py:3 in fail') and s[1].startswith('main.py:') and 'alice' not in str(s) for s in stack('missing-outside')] == [True]"
    run "$py" basic TELEMETRY_STACK=0
    expect "$py: TELEMETRY_STACK=0: no stack" \
        "len(E) >= 3 and all('stack' not in e for e in E)"
}

# Debian's interpreter must be there and run; the others when present.
if [ -x /usr/bin/python3 ]; then
    one_python /usr/bin/python3
else
    bad "/usr/bin/python3 is missing"
fi
for v in 3.11 3.12 3.13; do
    found=
    for py in /root/.pyenv/versions/$v.*/bin/python3; do
        [ -x "$py" ] || continue
        found=1
        one_python "$py"
    done
    [ -n "$found" ] || skip "no pyenv CPython $v"
done

# Grouping by culprit: the same package in three repositories.
for r in repo-a repo-b repo-c; do
    REPO=$r run /usr/bin/python3 basic
    cat "$TD/all_errors.jsonl" "$TD"/spool/*.jsonl >>"$WORK/all.jsonl" 2>/dev/null
done
mkdir -p "$WORK/merged" && cp "$WORK/all.jsonl" "$WORK/merged/all_errors.jsonl"
"$T" summary --dir "$WORK/merged" --json >"$WORK/summary.json" 2>"$WORK/err"
check "grouping: two functions, two groups; one function in three repos, one group" \
    "$CHECK" - "$WORK/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
G = {g.get("culprit"): g for g in s["groups"]}
cfg, cache = G.get("agent/config.py:7 in load_config"), G.get("agent/config.py:12 in load_cache")
ok = (cfg and cache and cfg["fingerprint"] != cache["fingerprint"]
      and cfg["repos"]["count"] == 3 and cfg["count"] == 3 and cache["count"] == 3)
x = [p for p in s["patterns"] if p["pattern"] == "Cross-repo framework bug"
     and p.get("culprit") == "agent/config.py:7 in load_config"]
if not (ok and x):
    print(json.dumps(s["groups"], indent=1)[:3000], file=sys.stderr)
sys.exit(0 if ok and x else 1)
PY
"$T" summary --dir "$WORK/merged" >"$WORK/summary.txt" 2>&1
check "summary text shows the culprit" grep -q "at agent/config.py:7 in load_config" "$WORK/summary.txt"
"$T" tail --dir "$WORK/merged" >"$WORK/tail.txt" 2>&1
check "tail shows the culprit" grep -q "^    at agent/config.py:12 in load_cache" "$WORK/tail.txt"

finish pystack
