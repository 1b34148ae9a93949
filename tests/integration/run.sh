#!/bin/sh
# Integration tests of the shim: real processes (the victim program, git,
# python3) under LD_PRELOAD, in throwaway git work trees.
# Usage: tests/integration/run.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup run "${1:-}"
trap 'cd /; rm -rf "$WORK"' EXIT INT TERM
export GIT_CONFIG_NOSYSTEM=1 HOME="$WORK/home"
mkdir -p "$HOME"
git config --global user.email agent@example.com
git config --global user.name agent
git config --global init.defaultBranch main


# ev DIR EXPR: EXPR (Python) over E, the list of events in DIR's central log.
ev() {
    python3 - "$1" "$2" <<'PY'
import json, os, sys
d, expr = sys.argv[1], sys.argv[2]
p = os.path.join(d, "all_errors.jsonl")
E = [json.loads(l) for l in open(p)] if os.path.exists(p) else []
ok = eval(expr, {"E": E, "len": len, "all": all, "any": any, "set": set})
if not ok:
    print("  events:", file=sys.stderr)
    for e in E:
        print("   ", e.get("error_type"), e.get("error_message"),
              e.get("context"), e.get("repeat"), e.get("fatal"), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# A fresh workspace (a git work tree) and telemetry directory.
n=0
fresh() {
    n=$((n + 1))
    WS="$WORK/ws$n"
    TD="$WORK/td$n"
    mkdir -p "$WS" && git -C "$WS" init -q && cd "$WS" || exit 1
}
under() { TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$@"; }

# Victims: plain, and fortified with 64-bit offsets.
build_victim "$WORK/victim" -O0 || exit 1
build_victim "$WORK/victim64" -O2 -D_FORTIFY_SOURCE=2 -D_FILE_OFFSET_BITS=64 || exit 1
check "fortified victim calls __open64_2" sh -c "nm -D '$WORK/victim64' | grep -q __open64_2"
check "fortified victim calls open64" sh -c "nm -D '$WORK/victim64' | grep -qw 'open64\|openat64'"

# same_as_plain VICTIM ARGS...: the victim's output with the shim equals its
# output without: same result, same errno.
same() {
    "$@" >"$WORK/plain.out" 2>&1
    under "$@" >"$WORK/shim.out" 2>&1
    if cmp -s "$WORK/plain.out" "$WORK/shim.out"; then ok; else
        bad "result/errno/output changed under the shim: $*
  plain: $(cat "$WORK/plain.out")
  shim:  $(cat "$WORK/shim.out")"
    fi
}

# --- one verb per call and errno ----------------------------------------------
for V in victim victim64; do
    VIC="$WORK/$V"
    fresh
    mkdir -p sub && echo data >file.txt && ln -s loop loop
    same "$VIC" open-ro "$WS/data/missing.txt"
    same "$VIC" open "$WS/data/flags.txt" 0
    same "$VIC" open2 "$WS/data/two-args.txt" 0
    same "$VIC" open-excl "$WS/file.txt"
    same "$VIC" open-wr "$WS/sub"
    same "$VIC" open-ro "$WS/file.txt/x"
    same "$VIC" open-nofollow "$WS/loop"
    same "$VIC" open-ro "$WS/$(python3 -c 'print("n" * 300)')"
    same "$VIC" openat "$WS/sub" "rel-missing.txt"
    same "$VIC" creat "$WS/nodir/new.txt"
    same "$VIC" fopen "$WS/data/in.csv" r
    same "$VIC" freopen "$WS/data/re.txt" r
    same "$VIC" mkstemp "$WS/nodir/tmpXXXXXX"
    same "$VIC" mkostemp "$WS/nodir/tmpXXXXXX"
    same "$VIC" rename "$WS/gone.txt" "$WS/new.txt"
    same "$VIC" renameat "$WS/file.txt" "$WS/sub"
    echo b >other.txt
    same "$VIC" renameat2-noreplace "$WS/file.txt" "$WS/other.txt"
    same "$VIC" write-fd 99
    same "$VIC" writev-fd 99
    same "$VIC" pwrite-fd 99
    same "$VIC" pwritev-fd 99
    same "$VIC" write-epipe
    same "$VIC" ok
    D=$TD
    check "$V: ENOENT event" ev "$D" "any(e['error_type']=='FileNotFoundError' and e['error_message']==\"[Errno 2] No such file or directory: '$WS/data/missing.txt'\".replace('/root/','/root/') for e in E)"
    check "$V: EEXIST O_EXCL" ev "$D" "any(e['error_type']=='FileExistsError' and e['context']['flags']=='O_WRONLY|O_CREAT|O_EXCL' and e['context']['category']=='already_exists' for e in E)"
    check "$V: EISDIR" ev "$D" "any(e['error_type']=='IsADirectoryError' and e['context']['category']=='is_a_directory' for e in E)"
    check "$V: ENOTDIR on own file is significant" ev "$D" "any(e['error_type']=='NotADirectoryError' for e in E)"
    check "$V: ELOOP" ev "$D" "any(e['context']['errno']=='ELOOP' and e['context']['category']=='symlink_loop' for e in E)"
    check "$V: ENAMETOOLONG" ev "$D" "any(e['context']['errno']=='ENAMETOOLONG' and e['context']['category']=='name_too_long' for e in E)"
    check "$V: openat resolved through the dirfd" ev "$D" "any(e['context']['syscall'].startswith('openat') and e['error_message'].endswith(\"/sub/rel-missing.txt'\") for e in E)"
    check "$V: creat" ev "$D" "any(e['context']['syscall'].startswith('creat') for e in E)"
    check "$V: fopen" ev "$D" "any(e['context']['syscall'].startswith('fopen') and e['context']['file_type']=='csv' for e in E)"
    check "$V: freopen" ev "$D" "any(e['context']['syscall'].startswith('freopen') for e in E)"
    check "$V: mkstemp" ev "$D" "any(e['context']['syscall'].startswith('mkstemp') for e in E)"
    check "$V: mkostemp" ev "$D" "any(e['context']['syscall'].startswith('mkostemp') for e in E)"
    check "$V: rename ENOENT message" ev "$D" "any(e['context']['operation']=='rename' and \"' -> '\" in e['error_message'] and e['error_type']=='FileNotFoundError' for e in E)"
    check "$V: rename EISDIR" ev "$D" "any(e['context']['syscall']=='renameat' and e['error_type']=='IsADirectoryError' for e in E)"
    check "$V: renameat2 EEXIST" ev "$D" "any(e['context']['syscall']=='renameat2' and e['error_type']=='FileExistsError' for e in E)"
    for s in write writev; do
        check "$V: $s EBADF" ev "$D" "any(e['context']['syscall']=='$s' and e['context']['errno']=='EBADF' and e['context']['category']=='bad_fd' for e in E)"
    done
    check "$V: pwrite EBADF" ev "$D" "any(e['context']['syscall'].startswith('pwrite') and not e['context']['syscall'].startswith('pwritev') for e in E)"
    check "$V: pwritev EBADF" ev "$D" "any(e['context']['syscall'].startswith('pwritev') for e in E)"
    check "$V: EPIPE is a probe, not recorded" ev "$D" "not any(e['context']['errno']=='EPIPE' for e in E)"
    check "$V: success paths record nothing" ev "$D" "not any('victim-ok' in e['error_message'] for e in E)"
    check "$V: events carry shim fields" ev "$D" "all(e['source']=='shim' and e['program']=='$V' and isinstance(e['pid'], int) and e['repo']=='ws$n' for e in E)"
    check "$V: backtraces are module+offset, no paths" ev "$D" "all(len(e.get('backtrace', []))>0 and all('/' not in f and '+0x' in f for f in e['backtrace']) for e in E)"
done
check "fortified build hits __open64_2" ev "$D" "any(e['context']['syscall']=='__open64_2' for e in E)"
check "fortified build hits fopen64/openat64" ev "$D" "any(e['context']['syscall'] in ('fopen64','openat64','__openat64_2') for e in E)"

# --- EACCES as an unprivileged user ------------------------------------------
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    fresh
    chmod 0755 "$WORK"
    mkdir -p "$WS/ro" && chmod 0555 "$WS/ro"
    echo secret >"$WS/private.txt" && chmod 0600 "$WS/private.txt"
    ND="$WORK/nobody-td"
    mkdir -p "$ND" && chown nobody "$ND" && chmod 0700 "$ND"
    chmod 0755 "$WS"
    runuser -u nobody -- env TELEMETRY_DIR="$ND" LD_PRELOAD="$SHIM" \
        "$WORK/victim" creat "$WS/ro/out.txt" >"$WORK/o1" 2>&1
    runuser -u nobody -- env TELEMETRY_DIR="$ND" LD_PRELOAD="$SHIM" \
        "$WORK/victim" open-ro "$WS/private.txt" >>"$WORK/o1" 2>&1
    check "EACCES seen by the victim" grep -q "errno=EACCES" "$WORK/o1"
    check "EACCES recorded" ev "$ND" "sum(1 for e in E if e['error_type']=='PermissionError' and e['context']['category']=='permission_denied')==2"
else
    skip "EACCES needs root (to run the victim as nobody)"
fi

# --- ENOSPC: /dev/full always, a small tmpfs when it can be mounted ----------
fresh
same "$WORK/victim" write-file /dev/full 8192
check "ENOSPC on /dev/full" ev "$TD" "any(e['context']['errno']=='ENOSPC' and e['context']['category']=='disk_full' and e['error_message']=='[Errno 28] No space left on device' for e in E)"
fresh
mkdir -p "$WS/small"
if mount -t tmpfs -o size=64k tmpfs "$WS/small" 2>/dev/null; then
    under "$WORK/victim" write-file "$WS/small/out.log" 1000000 >/dev/null 2>&1
    under "$WORK/victim" fprintf-full "$WS/small/more.log" >"$WORK/o2" 2>&1
    umount "$WS/small"
    check "ENOSPC names the regular file" ev "$TD" "any(e['context']['errno']=='ENOSPC' and e['error_message'].endswith(\"/small/out.log'\") for e in E)"
    check "stdio full disk seen at fflush/fclose" ev "$TD" "any(e['context']['syscall'] in ('fflush','fclose','write') and 'more.log' in e['error_message'] for e in E)"
else
    skip "ENOSPC on a regular file: cannot mount a tmpfs here"
fi

# --- EXDEV: /dev/shm is often another filesystem -------------------------------
fresh
echo x >"$WS/a.txt"
if [ -d /dev/shm ] && [ "$(stat -f -c %i /dev/shm)" != "$(stat -f -c %i "$WS")" ]; then
    same "$WORK/victim" rename "$WS/a.txt" /dev/shm/tm-int-$$
    rm -f /dev/shm/tm-int-$$
    check "EXDEV recorded" ev "$TD" "any(e['context']['category']=='cross_device_rename' and e['error_message'].startswith('[Errno 18] Invalid cross-device link:') for e in E)"
else
    skip "EXDEV: /dev/shm is on the same filesystem"
fi

# --- guest manners -----------------------------------------------------------
fresh
TELEMETRY_BACKTRACE=0 under "$WORK/victim" fds "$WS/data/missing.txt" >"$WORK/o3" 2>&1
check "no descriptor left open by a recorded failure" grep -Eq "^fds before=([0-9]+) after=\1$" "$WORK/o3"
check "that failure was recorded" ev "$TD" "len(E)==1 and 'backtrace' not in E[0]"
# With backtraces (the default) too: the unwinder keeps no descriptor
# (libunwind 1.6 kept a pipe from its first use; guest.sh has the hosts it
# corrupted).
fresh
under "$WORK/victim" fds "$WS/data/missing.txt" >"$WORK/o3" 2>&1
check "with backtraces: no descriptor left open either" grep -Eq "^fds before=([0-9]+) after=\1$" "$WORK/o3"
check "and that failure has its backtrace" ev "$TD" "len(E)==1 and len(E[0].get('backtrace', [])) > 0"
cat >"$WORK/fdcheck.py" <<'PY'
import os, subprocess, sys
try:
    open("data/first-failure.txt")
except OSError:
    pass
mine = set(os.listdir("/proc/self/fd"))
child = subprocess.run(["ls", "/proc/self/fd"], capture_output=True, text=True, close_fds=False).stdout.split()
print("inherited-extra", len(set(child) - mine - {"3"}))
PY
under python3 "$WORK/fdcheck.py" >"$WORK/o7" 2>&1
check "nothing inherited across exec" grep -q "inherited-extra 0" "$WORK/o7"
under "$WORK/victim" open-ro "$WS/data/quiet.txt" >"$WORK/o4" 2>"$WORK/e4"
check "nothing on the host's stderr" test ! -s "$WORK/e4"
check "stdout is the host's own" test "$(cat "$WORK/o4")" = "open-ro ret=-1 errno=ENOENT"
nm -D --defined-only "$SHIM" | awk '{print $3}' | sort >"$WORK/syms"
# the version script's names (made from shim/calls.h) are exactly what is
# exported; the calls every host makes are among them
tr -s ' ;:{}\n' '\n' <"$BUILD/shim.map" | grep -E '^[A-Za-z_][A-Za-z0-9_]*$' |
    grep -v -x -e global -e local | sort >"$WORK/mapsyms"
check "exported symbols are the version script's, no more, no less" cmp -s "$WORK/syms" "$WORK/mapsyms"
check "the version script names the interposed calls" sh -c "for s in open openat open64 __open_2 __openat64_2 creat fopen freopen64 mkostemp rename renameat2 write writev pwritev64v2 fflush fclose chdir fchdir; do grep -qx \"\$s\" '$WORK/mapsyms' || exit 1; done"
check "nothing of the shim's own is exported" sh -c "! grep -q '^tm_' '$WORK/syms'"
check "no tre_ symbol leaks" sh -c "! grep -q '^tre_' '$WORK/syms'"
check "no load-time dependency but libc" sh -c "! readelf -d '$SHIM' | grep NEEDED | grep -v 'libc.so'"
# A glibc that is not the newest still loads it (an inherited LD_PRELOAD in
# an older container): no symbol version newer than GLIBC_2.35, and no
# GLIBC_ABI_DT_RELR (packed relocations need glibc 2.36).
check "no glibc version newer than 2.35 needed" sh -c "readelf -V '$SHIM' | grep -o 'GLIBC_[A-Z_0-9.]*' | sort -u | python3 -c \"
import sys
bad = [v for v in sys.stdin.read().split() if not v[6:].replace('.', '').isdigit() or tuple(map(int, v[6:].split('.'))) > (2, 35)]
sys.exit(1 if bad else 0)\""
# A start touches no page of the shim the empty preload library does not
# (README "Performance"): the layout that keeps it so.
check "a process start writes and reads only the pages the loader touches anyway" \
    python3 "$HERE/start_pages.py" "$SHIM" "$HERE/../../shim/shim_state.h"

# libunwind is loaded RTLD_LOCAL on first need: a C++ host's exception
# unwinding still binds to libgcc_s.
if command -v g++ >/dev/null 2>&1; then
    cat >"$WORK/thrower.cc" <<'CC'
#include <cstdio>
#include <stdexcept>
int main() {
    std::FILE *f = std::fopen("missing/config.ini", "r");  // a recorded failure first
    if (f) std::fclose(f);
    try { throw std::runtime_error("boom"); } catch (const std::exception &e) { std::puts(e.what()); }
    return 0;
}
CC
    g++ -O0 -o "$WORK/thrower" "$WORK/thrower.cc"
    fresh
    LD_DEBUG=bindings under "$WORK/thrower" >"$WORK/o5" 2>"$WORK/bind"
    check "C++ exception still works under the shim" grep -q boom "$WORK/o5"
    check "_Unwind_RaiseException binds to libgcc_s" grep -q "to [^ ]*libgcc_s[^ ]* .*_Unwind_RaiseException'" "$WORK/bind"
    check "never to libunwind" sh -c "! grep \"_Unwind_RaiseException'\" '$WORK/bind' | grep -q 'libunwind'"
    check "the failure before it was recorded with a backtrace" ev "$TD" "len(E)==1 and len(E[0]['backtrace'])>0"
else
    skip "no g++: C++ unwinding binding check"
fi

# TELEMETRY_DISABLE=1: pure pass-through.
fresh
same "$WORK/victim" open-ro "$WS/data/missing.txt"
TELEMETRY_DISABLE=1 TELEMETRY_DIR="$TD.off" LD_PRELOAD="$SHIM" "$WORK/victim" open-ro "$WS/data/missing.txt" >/dev/null
check "TELEMETRY_DISABLE records nothing" test ! -e "$TD.off"

# Unusable telemetry directory: the host behaves exactly as without the shim.
fresh
mkdir "$WORK/real-td" && ln -s "$WORK/real-td" "$WORK/link-td"
TD="$WORK/link-td" same "$WORK/victim" open-ro "$WS/data/missing.txt"
check "symlinked directory never written" test -z "$(ls -A "$WORK/real-td")"
mkdir -p "$WORK/open-td" && chmod 0777 "$WORK/open-td"
TD="$WORK/open-td" same "$WORK/victim" open-ro "$WS/data/missing.txt"
check "world-writable directory never written" test -z "$(ls -A "$WORK/open-td")"
if id nobody >/dev/null 2>&1; then
    mkdir -p "$WORK/their-td" && chown nobody "$WORK/their-td" && chmod 0700 "$WORK/their-td"
    TD="$WORK/their-td" same "$WORK/victim" open-ro "$WS/data/missing.txt"
    check "another user's directory never written" test -z "$(ls -A "$WORK/their-td")"
fi

# --- threads, fork, exec, signals --------------------------------------------
fresh
under "$WORK/victim" threads 16 >/dev/null 2>&1
check "16 threads failing at once: one event per thread and path" ev "$TD" "len(E)==16*3 and len(set(e['telemetry_id'] for e in E))==48"
fresh
under "$WORK/victim" fork >/dev/null 2>&1
check "fork: parent and child each record" ev "$TD" "len(E)==2 and len(set(e['pid'] for e in E))==2"
fresh
under "$WORK/victim" exec "$WORK/victim64" open-ro "$WS/data/after-exec.txt" >/dev/null 2>&1
check "exec inherits the shim" ev "$TD" "len(E)==1 and E[0]['program']=='victim64'"
fresh
under "$WORK/victim" signal >"$WORK/o6" 2>&1
check "signal handler failing writes during failures: no deadlock" grep -q "signal ret=0" "$WORK/o6"
enoent=$(sed -n 's/^enoent=//p' "$WORK/o6")
check "signal run: repeats limited to 3, then one repeat event" ev "$TD" "len(E)==4 and E[3].get('repeat')==$enoent-3"

# --- capture modes, ring, repeats ----------------------------------------------
fresh
under "$WORK/victim" probe-then-exit 0
check "probes are not recorded on a clean exit" ev "$TD" "len(E)==0"
check "and no file is created" test ! -e "$TD"
under "$WORK/victim" probe-then-exit 3
check "the ring is written on a non-zero exit" ev "$TD" "len(E)==2 and all(e['fatal'] is True and e['exit_status']==3 for e in E)"
fresh
under "$WORK/victim" probe-then-exit 256
check "exit(256) is a clean exit (status 0 to the parent): nothing written" test ! -e "$TD"
fresh
under "$WORK/victim" probe-then-exit 258
check "exit(258): the ring is written with exit_status 2" ev "$TD" "len(E)==2 and all(e['exit_status']==2 for e in E)"
fresh
TELEMETRY_CAPTURE=all under "$WORK/victim" probe-then-exit 0
check "capture=all records probes at once" ev "$TD" "len(E)==2 and not any(e.get('fatal') for e in E)"
fresh
TELEMETRY_CAPTURE=fatal under "$WORK/victim" open-ro "$WS/data/missing.txt" >/dev/null
check "capture=fatal records nothing on success" ev "$TD" "len(E)==0"
fresh
under "$WORK/victim" repeat 10 "$WS/data/again.txt" >/dev/null
check "repeats: 3 events, then one with repeat=7" ev "$TD" "len(E)==4 and E[3]['repeat']==7 and all('repeat' not in e for e in E[:3])"
fresh
TELEMETRY_MAX_EVENTS=5 under "$WORK/victim" threads 8 >/dev/null
check "TELEMETRY_MAX_EVENTS caps a process" ev "$TD" "len(E)==5"
fresh
TELEMETRY_MAX_EVENTS=0 under "$WORK/victim" open-ro "$WS/data/missing.txt" >/dev/null
check "past the cap nothing is opened: no directory made" test ! -e "$TD"

# --- real git: index.lock conflicts ---------------------------------------------
fresh
echo hello >a.txt && git add a.txt && git commit -qm init
echo change >>a.txt
: >.git/index.lock
for cmd in "add a.txt" "commit -am msg" "checkout -- a.txt"; do
    git $cmd >"$WORK/plain.out" 2>&1; plain_rc=$?
    under git $cmd >"$WORK/shim.out" 2>&1; shim_rc=$?
    check "git $cmd: same exit status ($plain_rc)" test "$plain_rc" = "$shim_rc" -a "$shim_rc" = 128
    check "git $cmd: same output" cmp -s "$WORK/plain.out" "$WORK/shim.out"
done
check "git lock conflicts recorded, once per command" ev "$TD" "len(E)==3 and all(e['error_type']=='FileExistsError' and e['context']['category']=='git_lock_conflict' and e['error_message'].endswith(\"/.git/index.lock'\") for e in E)"
git status >"$WORK/plain.out" 2>&1; plain_rc=$?
under git status >"$WORK/shim.out" 2>&1; shim_rc=$?
check "git status with a held lock: same status and output" test "$plain_rc" = "$shim_rc" -a "$plain_rc" = 0
check "git status output unchanged" cmp -s "$WORK/plain.out" "$WORK/shim.out"
check "git status's optional index.lock is recorded too" ev "$TD" "len(E)==4 and E[3]['context']['category']=='git_lock_conflict'"
TELEMETRY_DIR="$TD" "$T" summary >"$WORK/sum"
check "summary shows the Git lock conflicts pattern" grep -q "Git lock conflicts" "$WORK/sum"
check "with its suggestion" grep -q "Add git index.lock handling" "$WORK/sum"
rm -f .git/index.lock

# --- python open() of a missing file inside a script ----------------------------
fresh
cat >agent.py <<'PY'
try:
    open("data/citations.bib").read()
except FileNotFoundError:
    pass
PY
under python3 agent.py
check "python: the missing file is recorded" ev "$TD" "len(E)==1 and E[0]['agent']=='agent.py' and E[0]['error_message']==\"[Errno 2] No such file or directory: 'data/citations.bib'\""

# --- telemetry run and the launch scripts --------------------------------------
fresh
"$T" run --dir "$TD" -- sh -c 'exit 7'; rc=$?
check "telemetry run exits with the command's status" test "$rc" = 7
"$T" run --dir "$TD" -- /nonexistent/cmd 2>/dev/null; rc=$?
check "telemetry run: a missing command exits 127" test "$rc" = 127
"$T" run --capture sometimes -- true 2>/dev/null; rc=$?
check "telemetry run: a bad --capture is a usage error" test "$rc" = 2
"$T" run -- 2>/dev/null; rc=$?
check "telemetry run: no command is a usage error" test "$rc" = 2
out=$(LD_PRELOAD=/lib/x86_64-linux-gnu/libc.so.6 "$T" run --dir "$TD" -- sh -c 'echo "$LD_PRELOAD"')
check "telemetry run appends to LD_PRELOAD, absolute path" test "$out" = "/lib/x86_64-linux-gnu/libc.so.6 $SHIM"
"$T" run --dir "$TD" --repo fleet-a --agent MyAgent -- "$WORK/victim" open-ro data/x.txt >/dev/null
check "telemetry run sets repo and agent" ev "$TD" "len(E)==1 and E[0]['repo']=='fleet-a' and E[0]['agent']=='MyAgent'"
TELEMETRY_SHIM="$SHIM" TELEMETRY_DIR="$TD.s" "$HERE/../../scripts/telemetry-run" "$WORK/victim" open-ro data/y.txt >/dev/null
check "scripts/telemetry-run records" ev "$TD.s" "len(E)==1"
( TELEMETRY_SHIM="$SHIM" TELEMETRY_DIR="$TD.e"; export TELEMETRY_SHIM TELEMETRY_DIR
  eval "$("$HERE/../../scripts/telemetry-env")" && "$WORK/victim" open-ro data/z.txt >/dev/null )
check "eval telemetry-env opts a shell in" ev "$TD.e" "len(E)==1"

# --- signal, not noise (README "Signal, not noise"): a realistic agent run ---------------------
cat >"$WORK/agent.js" <<'JS'
const fs = require('fs'), path = require('path'), os = require('os');
fs.writeFileSync('node-notes.txt', 'from node\n');
fs.readFileSync('node-notes.txt', 'utf8');
fs.mkdirSync('out', { recursive: true });
fs.writeFileSync(path.join('out', 'result.json'), '{}');
fs.renameSync(path.join('out', 'result.json'), path.join('out', 'final.json'));
if (!fs.existsSync('missing-config.json')) fs.appendFileSync('node.log', 'no config\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-'));
fs.writeFileSync(path.join(tmp, 'x'), 'y');
fs.rmSync(tmp, { recursive: true });
JS
agent_run() { # agent_run MODE [FULLDIR]: python agent, then node if present
    under python3 "$HERE/agent.py" "$WS" "$@" || return 1
    if command -v node >/dev/null 2>&1; then (cd "$WS" && under node "$WORK/agent.js") || return 1; fi
}
fresh
cd "$WORK" && rm -rf "$WS" && mkdir "$WS"
check "clean agent run succeeds under the shim" agent_run clean
check "a clean agent run records nothing" test ! -e "$TD"
rm -rf "$WS" && mkdir "$WS"
TELEMETRY_CAPTURE=all agent_run clean
check "capture=all records the probes of the same run" ev "$TD" "len(E)>20 and any('packed-refs' in e['error_message'] for e in E) and any('pyvenv.cfg' in e['error_message'] for e in E)"

fresh
cd "$WORK" && rm -rf "$WS" && mkdir "$WS" "$WS.full"
full=""
if mount -t tmpfs -o size=256k tmpfs "$WS.full" 2>/dev/null; then full="$WS.full"; else
    skip "planted ENOSPC: cannot mount a tmpfs here"; fi
agent_run planted $full
[ -n "$full" ] && umount "$WS.full"
cats="'file_not_found','git_lock_conflict'"
xdev=0
if [ "$(stat -f -c %i /dev/shm 2>/dev/null)" != "$(stat -f -c %i "$WS")" ]; then
    cats="$cats,'cross_device_rename'"; xdev=1
else skip "planted EXDEV: /dev/shm is on the same filesystem"; fi
[ -n "$full" ] && cats="$cats,'disk_full'"
check "planted run: each planted failure once and nothing else" ev "$TD" "sorted(e['context']['category'] for e in E)==sorted([$cats])"
check "planted: the missing file" ev "$TD" "sum(1 for e in E if e['error_message']==\"[Errno 2] No such file or directory: 'data/citations.bib'\" and e['agent']=='agent.py')==1"
check "planted: the held index.lock" ev "$TD" "sum(1 for e in E if e['context']['category']=='git_lock_conflict' and e['program']=='git')==1"
[ "$xdev" = 1 ] && check "planted: the cross-device rename" ev "$TD" "sum(1 for e in E if e['context']['category']=='cross_device_rename')==1"
[ -n "$full" ] && check "planted: the full filesystem" ev "$TD" "sum(1 for e in E if e['context']['category']=='disk_full' and e['error_message'].endswith(\"/out.bin'\"))==1"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    ND="$WORK/nobody-td2"
    mkdir -p "$ND" "$WS/readonly" && chown nobody "$ND" && chmod 0700 "$ND" && chmod 0555 "$WS/readonly"
    chmod 0755 "$WS"
    (cd "$WS" && runuser -u nobody -- env TELEMETRY_DIR="$ND" LD_PRELOAD="$SHIM" python3 -c "
try:
    open('readonly/out.txt', 'w')
except PermissionError:
    pass")
    check "planted as nobody: the write into a read-only directory, once" ev "$ND" "len(E)==1 and E[0]['error_type']=='PermissionError' and E[0]['error_message']==\"[Errno 13] Permission denied: 'readonly/out.txt'\""
fi

fresh
under python3 -c 'import sys
try:
    open("/nonexistent/settings.ini")
except OSError:
    pass
sys.exit(2)'
check "the ring is written when python exits non-zero" ev "$TD" "any(e['fatal'] is True and e['exit_status']==2 and 'settings.ini' in e['error_message'] for e in E)"
check "but never its start-up probes (pyvenv.cfg, *._pth, pybuilddir.txt)" ev "$TD" "len(E)==1"

# Routine probes (a tool's configuration under a .config directory, as
# git's ~/.config/git/attributes) never explain an exit: they are counted,
# not kept in the ring of the last 32, where 40 of them evicted the probe
# that does (and touched the ring's pages in every git command).
fresh
mkdir -p "$WORK/nohome/.config"
under python3 - "$WORK/nohome/.config/tool" <<'PY'
import sys
for p in ["/nonexistent/settings.ini"] + ["%s/c%d" % (sys.argv[1], i) for i in range(40)]:
    try:
        open(p)
    except OSError:
        pass
sys.exit(2)
PY
check "40 routine probes after it: the probe that explains the exit is still written" \
    ev "$TD" "len(E)==1 and 'settings.ini' in E[0]['error_message'] and E[0]['exit_status']==2"

# A failed rename is routine only when both its paths are: a dotfile moved
# into node_modules/ explains an exit as the reverse move does.
for mv in ".tmp-a node_modules/pkg/file" "node_modules/pkg/file .tmp-a"; do
    fresh
    MV_FROM=${mv% *} MV_TO=${mv#* }
    under python3 -c 'import os, sys
try:
    os.rename(sys.argv[1], sys.argv[2])
except OSError:
    pass
sys.exit(3)' "$MV_FROM" "$MV_TO"
    check "a failed rename $MV_FROM -> $MV_TO explains exit 3" \
        ev "$TD" "len(E)==1 and E[0]['exit_status']==3 and '$MV_FROM' in E[0]['error_message']"
done
fresh
under python3 -c 'import os, sys
try:
    os.rename(".tmp-a", ".tmp-b")
except OSError:
    pass
sys.exit(3)'
check "a failed rename between two dotfiles explains nothing" test ! -e "$TD"
# ... also when the other path cannot be resolved (longer than PATH_MAX
# joined to the current directory): it is still a rename.
fresh
under python3 -c 'import os, sys
try:
    os.rename(".tmp-a", "build/" + "d/" * 2036 + "out.o")
except OSError:
    pass
sys.exit(3)'
check "a failed rename of a dotfile to an unresolvable path explains exit 3" \
    ev "$TD" "len(E)==1 and E[0]['exit_status']==3 and '.tmp-a' in E[0]['error_message']"

finish integration
