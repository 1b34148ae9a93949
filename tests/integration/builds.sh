#!/bin/sh
# Signal on real builds and across repositories (README "Signal, not
# noise", "Which repository"): real make, gcc, npm and python3 under the
# real shim.  A clean build, install or test run records nothing; a
# missing header is one fatal event naming it; an agent working on three
# repositories files every failure under the repository of its path.
# Usage: tests/integration/builds.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup builds "${1:-}"
trap 'cd /; rm -rf "$WORK"' EXIT INT TERM
# rustup finds its toolchains under the real home (cargo, below).
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export GIT_CONFIG_NOSYSTEM=1 HOME="$WORK/home"
mkdir -p "$HOME"

# ev DIR EXPR: EXPR (Python) over E, the events in DIR's central log.
ev() {
    python3 - "$1" "$2" <<'PY'
import json, os, sys
d, expr = sys.argv[1], sys.argv[2]
p = os.path.join(d, "all_errors.jsonl")
E = [json.loads(l) for l in open(p)] if os.path.exists(p) else []
ok = eval(expr, {"E": E, "len": len, "all": all, "any": any, "set": set, "sorted": sorted})
if not ok:
    print("  %d events:" % len(E), file=sys.stderr)
    for e in E[:20]:
        print("   ", e.get("repo"), e.get("program"), e.get("error_message"),
              e.get("context", {}).get("searched"), e.get("fatal"), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

n=0
fresh() { # a new telemetry directory
    n=$((n + 1))
    TD="$WORK/td$n"
}

# --- a C project: make + gcc, several -I and -L directories ------------------
P="$WORK/cproj"
mkdir -p "$P/include/app" "$P/src" "$P/lib/util/include" "$P/lib/net/include" "$P/build"
git -C "$P" init -q
for m in util net; do
    cat >"$P/lib/$m/include/$m.h" <<EOF
#ifndef ${m}_H
#define ${m}_H
#include <stddef.h>
#include <stdint.h>
size_t ${m}_len(const char *s);
#endif
EOF
    cat >"$P/lib/$m/$m.c" <<EOF
#include <string.h>
#include "$m.h"
size_t ${m}_len(const char *s) { return strlen(s); }
EOF
done
cat >"$P/include/app/config.h" <<'EOF'
#ifndef APP_CONFIG_H
#define APP_CONFIG_H
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#define APP_NAME "app"
#endif
EOF
cat >"$P/src/main.c" <<'EOF'
#include <app/config.h>
#include <util.h>
#include <net.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <unistd.h>
#include "local.h"
int main(void) { printf("%s %zu\n", APP_NAME, util_len("x") + net_len("y") + LOCAL); return 0; }
EOF
echo '#define LOCAL 1' >"$P/src/local.h"
cat >"$P/Makefile" <<'EOF'
CFLAGS = -O1 -Iinclude -Ilib/util/include -Ilib/net/include -Isrc -MMD -MP
OBJ = build/main.o build/util.o build/net.o
all: build/app
build/app: build/main.o build/libparts.a
	$(CC) -o $@ build/main.o -Lbuild -Llib -lparts
build/libparts.a: build/util.o build/net.o
	$(AR) rcs $@ $^
build/main.o: src/main.c
	$(CC) $(CFLAGS) -c -o $@ $<
build/%.o: lib/%/%.c
	$(CC) $(CFLAGS) -c -o $@ $<
build/util.o: lib/util/util.c
	$(CC) $(CFLAGS) -c -o $@ $<
build/net.o: lib/net/net.c
	$(CC) $(CFLAGS) -c -o $@ $<
clean:
	rm -f build/*
-include $(OBJ:.o=.d)
EOF
cd "$P" || exit 1
fresh
"$T" run --dir "$TD" -- make -j2 all >"$WORK/make.out" 2>&1
check "C project: a clean build succeeds under the shim" test -x "$P/build/app"
check "C project: a clean build records nothing" ev "$TD" "len(E)==0"
# The same build with capture=all: the searches are there to be seen.
make clean >/dev/null
fresh
TELEMETRY_CAPTURE=all "$T" run --dir "$TD" -- make -j2 all >/dev/null 2>&1
check "C project: the compilers searched the -I directories (capture=all)" ev "$TD" "sum(1 for e in E if e['program']=='cc1' and \"'lib/util/include/stdio.h'\" in e['error_message'])==1 and len(E)>50"

# A missing header: one fatal event that names it.
sed -i 's|#include <util.h>|#include <util.h>\n#include <proto/wire.h>|' "$P/src/main.c"
make clean >/dev/null
fresh
"$T" run --dir "$TD" -- make -j2 all >"$WORK/make.out" 2>&1; rc=$?
check "missing header: the build fails (exit $rc)" test "$rc" -ne 0
check "missing header: gcc says so" grep -q "proto/wire.h: No such file" "$WORK/make.out"
check "missing header: it is recorded, fatal, from cc1, as what was searched for" ev "$TD" "sum(1 for e in E if e['program']=='cc1' and e['error_message']==\"[Errno 2] No such file or directory: 'proto/wire.h'\" and e['fatal'] is True and e['exit_status']==1 and e['context']['searched']>=5)==1"
check "missing header: at most a handful of events" ev "$TD" "len(E)<=3"
TELEMETRY_DIR="$TD" "$T" summary --json >"$WORK/sum" 2>&1
check "missing header: the summary shows one failure, one group" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(0 if s['total_errors'] == len(s['groups']) == 1 else 1)" "$WORK/sum"
# A compile error that is no missing file is explained by no search.
sed -i 's|#include <proto/wire.h>||; s|return 0;|return undefined_name;|' "$P/src/main.c"
fresh
"$T" run --dir "$TD" -- make -j2 all >/dev/null 2>&1; rc=$?
check "syntax error: the build fails" test "$rc" -ne 0
check "syntax error: no found header is blamed" ev "$TD" "len(E)==0"
# A missing library: the linker's search, one event.
sed -i 's|return undefined_name;|return 0;|' "$P/src/main.c"
sed -i 's|-lparts|-lparts -lnosuchlib|' "$P/Makefile"
fresh
"$T" run --dir "$TD" -- make -j2 all >/dev/null 2>&1; rc=$?
check "missing library: the link fails" test "$rc" -ne 0
check "missing library: one fatal event from the linker naming it" ev "$TD" "len(E)==1 and E[0]['program']=='ld' and 'libnosuchlib' in E[0]['error_message'] and E[0]['fatal'] is True and E[0]['context']['searched']>2"
# The name of a failed search is the same whatever the -I layout (nested
# or dotted directories), so one missing header groups across builds; a
# single try is named as given.
sed -i 's|-lparts -lnosuchlib|-lparts|' "$P/Makefile"
mkdir -p "$P/include/sub"
printf '#include <proto/wire.h>\n' >"$P/src/bad3.c"
for inc in "-Iinclude -Iinclude/sub" "-Isrc -Isrc/../include"; do
    fresh
    "$T" run --dir "$TD" -- gcc $inc -c -o build/bad3.o src/bad3.c >/dev/null 2>&1
    check "missing header with $inc: named 'proto/wire.h'" ev "$TD" "len(E)==1 and E[0]['error_message'].endswith(\"'proto/wire.h'\") and E[0]['fatal'] is True"
done
fresh
"$T" run --dir "$TD" -- gcc -c -o build/nosuch.o src/nosuch.c >/dev/null 2>&1
check "gcc -c src/nosuch.c: named as given" ev "$TD" "len(E)==1 and E[0]['error_message'].endswith(\"'src/nosuch.c'\") and E[0]['fatal'] is True"
rm -f "$P/src/bad3.c"
# clang compiles in its own process: the same.  (A missing header in a
# subdirectory that does not exist is not seen there: clang finds out with
# stat, which the shim does not interpose.)
if command -v clang >/dev/null 2>&1; then
    printf '#include <util.h>\n#include <wire.h>\n' >"$P/src/bad.c"
    printf '#include <util.h>\nint main(void) { return x; }\n' >"$P/src/syn.c"
    for f in main bad syn; do
        fresh
        "$T" run --dir "$TD" -- clang -Iinclude -Ilib/util/include -Ilib/net/include -Isrc \
            -c -o build/$f.o src/$f.c >/dev/null 2>&1
        case $f in
        main) check "clang: a clean compile records nothing" ev "$TD" "len(E)==0" ;;
        bad) check "clang: a missing header, one fatal event naming it" ev "$TD" "len(E)==1 and E[0]['error_message'].endswith(\"'wire.h'\") and E[0]['fatal'] is True and E[0]['context']['searched']>=4" ;;
        syn) check "clang: a syntax error blames no header" ev "$TD" "len(E)==0" ;;
        esac
    done
else
    skip "clang: not installed"
fi
# make's exit is its failed child's, but a make that ran no child failed
# on its own missing input: that is recorded (README "Signal, not noise").
fresh
"$T" run --dir "$TD" -- make -f build/rules.mk >/dev/null 2>&1; rc=$?
check "make -f build/rules.mk (missing): fails" test "$rc" -ne 0
check "make -f build/rules.mk (missing): one fatal event naming it" ev "$TD" "len(E)==1 and E[0]['program']=='make' and E[0]['error_message'].endswith(\"'build/rules.mk'\") and E[0]['fatal'] is True"
mkdir -p "$WORK/mkinc" && printf 'include config.mk\nall:\n\ttrue\n' >"$WORK/mkinc/Makefile"
fresh
(cd "$WORK/mkinc" && "$T" run --dir "$TD" -- make >/dev/null 2>&1)
check "make with a missing 'include config.mk': one fatal event naming it" ev "$TD" "len(E)==1 and E[0]['error_message'].endswith(\"'config.mk'\") and E[0]['fatal'] is True"
# A program merely named like a searcher is none: a copy of cat.
mkdir -p "$WORK/bin" && cp "$(command -v cat)" "$WORK/bin/agent-make"
fresh
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" "$WORK/bin/agent-make" missing.txt >/dev/null 2>&1
check "agent-make (no make) reading a missing file: recorded" ev "$TD" "len(E)==1 and E[0]['program']=='agent-make'"
# A compiler's output it cannot create is no search: recorded at once.
fresh
"$T" run --dir "$TD" -- cc -c -o "$P/no-such-dir/net.o" "$P/lib/net/net.c" -I"$P/lib/net/include" >/dev/null 2>&1
check "missing output directory: the write-open is recorded, not taken for a search" ev "$TD" "len(E)==1 and E[0]['program']=='as' and 'no-such-dir/net.o' in E[0]['error_message'] and 'searched' not in E[0]['context']"
# The agent's own missing file in the same tree is still recorded once.
fresh
TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" cat missing.txt >/dev/null 2>&1
check "cat missing.txt in the work tree: recorded once" ev "$TD" "len(E)==1 and E[0]['error_message']==\"[Errno 2] No such file or directory: 'missing.txt'\" and E[0]['repo']=='cproj'"

# --- cmake and cargo: clean builds record nothing ------------------------------
if command -v cmake >/dev/null 2>&1; then
    M="$WORK/cmproj"
    mkdir -p "$M" && git -C "$M" init -q && cd "$M" || exit 1
    printf 'cmake_minimum_required(VERSION 3.10)\nproject(x C)\nadd_executable(x main.c)\n' >CMakeLists.txt
    echo 'int main(void) { return 0; }' >main.c
    fresh
    "$T" run --dir "$TD" -- cmake -S . -B build >"$WORK/cmake.out" 2>&1; rc=$?
    check "cmake: a clean configure succeeds ($rc)" test "$rc" = 0
    check "cmake: a clean configure records nothing" ev "$TD" "len(E)==0"
    fresh
    "$T" run --dir "$TD" -- cmake --build build >"$WORK/cmake.out" 2>&1; rc=$?
    check "cmake --build: succeeds ($rc)" test "$rc" = 0
    check "cmake --build: records nothing" ev "$TD" "len(E)==0"
else
    skip "cmake: not installed"
fi
if command -v cargo >/dev/null 2>&1 && cargo --version >/dev/null 2>&1; then
    C="$WORK/cgproj"
    mkdir -p "$C/src" && git -C "$C" init -q && cd "$C" || exit 1
    printf '[package]\nname = "cg"\nversion = "0.1.0"\nedition = "2021"\n' >Cargo.toml
    echo 'fn main() { println!("hi"); }' >src/main.rs
    fresh
    "$T" run --dir "$TD" -- cargo build --offline -q >"$WORK/cargo.out" 2>&1; rc=$?
    check "cargo build: a fresh project builds ($rc)" test "$rc" = 0
    check "cargo build: a clean build records nothing" ev "$TD" "len(E)==0"
    fresh
    "$T" run --dir "$TD" -- cargo --version >/dev/null 2>&1
    check "cargo --version in a work tree records nothing" ev "$TD" "len(E)==0"
else
    skip "cargo: not installed"
fi
cd "$WORK" || exit 1

# --- npm install of one small package into a fresh project ------------------
if command -v npm >/dev/null 2>&1; then
    N="$WORK/nproj"
    mkdir -p "$N" && git -C "$N" init -q && cd "$N" || exit 1
    echo '{"name":"nproj","version":"1.0.0","private":true}' >package.json
    fresh
    if "$T" run --dir "$TD" -- npm install --no-audit --no-fund --cache "$WORK/npm-cache" \
        is-number >"$WORK/npm.out" 2>&1; then
        check "npm install: the package is installed" test -f "$N/node_modules/is-number/package.json"
        check "npm install: a clean install records nothing" ev "$TD" "len(E)==0"
    else
        skip "npm install: the npm registry is not reachable ($(tail -n 1 "$WORK/npm.out"))"
    fi
else
    skip "npm install: npm is not installed"
fi

# --- python3 -m unittest --------------------------------------------------------
Y="$WORK/pyproj"
mkdir -p "$Y/pkg" "$Y/tests/fixtures" && git -C "$Y" init -q && cd "$Y" || exit 1
: >pkg/__init__.py
: >tests/__init__.py
echo 'def add(a, b): return a + b' >pkg/calc.py
echo '{"a": 1}' >tests/fixtures/data.json
cat >tests/test_calc.py <<'EOF'
import json, os, unittest
from pkg.calc import add
HERE = os.path.dirname(__file__)
class T(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(1, 2), 3)
    def test_fixture(self):
        with open(os.path.join(HERE, "fixtures", "data.json")) as f:
            self.assertEqual(json.load(f)["a"], 1)
EOF
fresh
"$T" run --dir "$TD" -- python3 -m unittest >"$WORK/py.out" 2>&1; rc=$?
check "unittest: passes under the shim" test "$rc" = 0
check "unittest: a clean run records nothing" ev "$TD" "len(E)==0"
rm tests/fixtures/data.json
fresh
"$T" run --dir "$TD" -- python3 -m unittest >"$WORK/py.out" 2>&1; rc=$?
check "unittest: fails without its fixture" test "$rc" = 1
check "unittest: the missing fixture is recorded, exactly" ev "$TD" "len(E)==1 and E[0]['error_message'].endswith(\"tests/fixtures/data.json'\") and E[0]['repo']=='pyproj'"
fresh
"$T" run --dir "$TD" -- python3 -m no_such_module >/dev/null 2>&1; rc=$?
check "python3 -m no_such_module fails" test "$rc" = 1
check "python3 -m no_such_module blames no start-up probe" ev "$TD" "not any(s in e['error_message'] for e in E for s in ('pyvenv.cfg', '._pth', 'pybuilddir.txt'))"
check "and nothing explains it falsely" ev "$TD" "len(E)==0"
TELEMETRY_DIR="$TD" "$T" patterns >"$WORK/pat" 2>&1
check "no 'File not found errors' pattern from it" sh -c "! grep -q 'File not found' '$WORK/pat'"

# --- one agent, three repositories (README "Which repository") ---------------
R="$WORK/repos"
for r in widget-service billing-api docs-site; do
    mkdir -p "$R/$r/src" && git -C "$R/$r" init -q
    echo built >"$R/$r/build.txt"
done
ro=""
mkdir -p "$R/billing-api/ro"
if mount -t tmpfs -o ro,size=64k tmpfs "$R/billing-api/ro" 2>/dev/null; then ro=1; else
    skip "read-only failure: cannot mount a read-only tmpfs here"; fi
xdev=""
if [ -d /dev/shm ] && [ "$(stat -f -c %i /dev/shm)" != "$(stat -f -c %i "$R")" ]; then xdev=1; else
    skip "cross-device rename: /dev/shm is on the same filesystem"; fi
cat >"$WORK/multi.py" <<'PY'
import os, sys
top, ro, xdev = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1"
for r in ("widget-service", "billing-api", "docs-site"):
    try:
        open(os.path.join(top, r, "agent.toml")).read()
    except OSError:
        pass
try:
    open(os.path.join(top, "billing-api", "config", "agent.yaml")).read()
except OSError:
    pass
if xdev:
    try:
        os.rename(os.path.join(top, "docs-site", "build.txt"), "/dev/shm/tm-builds-%d" % os.getpid())
    except OSError:
        pass
if ro:
    try:
        open(os.path.join(top, "billing-api", "ro", "out.txt"), "w")
    except OSError:
        pass
PY
nwant=$((4 + ${ro:-0} + ${xdev:-0}))
for start in inside parent; do
    fresh
    if [ $start = inside ]; then cd "$R/widget-service" && top=..; else cd "$R" && top=.; fi
    "$T" run --dir "$TD" -- python3 "$WORK/multi.py" "$top" "${ro:-0}" "${xdev:-0}"
    check "multi-repo ($start): every failure recorded ($nwant)" ev "$TD" "len(E)==$nwant"
    check "multi-repo ($start): each filed under the repository its path names" ev "$TD" "all([r for r in ('widget-service','billing-api','docs-site') if r in e['error_message']]==[e['repo']] for e in E)"
    check "multi-repo ($start): agent.toml missing in each of the three" ev "$TD" "sorted(e['repo'] for e in E if 'agent.toml' in e['error_message'])==['billing-api','docs-site','widget-service']"
    check "multi-repo ($start): config/agent.yaml under billing-api" ev "$TD" "sum(1 for e in E if 'config/agent.yaml' in e['error_message'] and e['repo']=='billing-api')==1"
    [ -n "$xdev" ] && check "multi-repo ($start): the cross-device rename filed under its source's repository" ev "$TD" "sum(1 for e in E if e['context']['category']=='cross_device_rename' and e['repo']=='docs-site')==1"
    [ -n "$ro" ] && check "multi-repo ($start): the read-only failure filed under its repository" ev "$TD" "sum(1 for e in E if e['context']['errno']=='EROFS' and e['repo']=='billing-api')==1"
    check "multi-repo ($start): nothing under 'unknown'" ev "$TD" "not any(e['repo']=='unknown' for e in E)"
    TELEMETRY_DIR="$TD" "$T" patterns >"$WORK/pat" 2>&1
    check "multi-repo ($start): the cross-repo pattern fires" grep -q "Cross-repo framework bug" "$WORK/pat"
done
cd "$WORK" || exit 1
[ -n "$ro" ] && umount "$R/billing-api/ro"
rm -f /dev/shm/tm-builds-*

# --- healthy git commands that exit non-zero ---------------------------------
# git looks up its configuration in every run (/etc/gitattributes,
# ~/.config/git/attributes, .gitattributes, .git/packed-refs): those probes
# never explain a failed exit (README "Signal, not noise").
G="$WORK/gitrepo"
mkdir -p "$G/sub" && cd "$G/sub" && git init -q && echo s >s.txt && git add s.txt &&
    git -c user.email=t@t -c user.name=t commit -qm s
cd "$G" && git init -q && echo a >f.txt && git add f.txt &&
    git -c protocol.file.allow=always submodule add -q ./sub sub >/dev/null 2>&1 &&
    git -c user.email=t@t -c user.name=t commit -qm one && echo b >>f.txt || exit 1
for c in "diff --quiet" "grep -q nomatch" "rev-parse -q --verify refs/heads/nosuch" "describe"; do
    fresh
    "$T" run --dir "$TD" -- git $c >/dev/null 2>&1; rc=$?
    check "git $c: exits non-zero ($rc)" test "$rc" -ne 0
    check "git $c: blames none of git's configuration probes" ev "$TD" "len(E)==0"
done
fresh
"$T" run --dir "$TD" -- git submodule status >/dev/null 2>&1; rc=$?
check "git submodule status: succeeds" test "$rc" = 0
check "git submodule status: its inner git describe's failure blames nothing" ev "$TD" "len(E)==0"
# A local bare repository is git's store, like .git/: pushing to it,
# fetching from it, cloning it, reading its log record nothing (a missing
# lock file is looked for; only EEXIST on one is a conflict).
git init -q --bare "$WORK/bare.git" || exit 1
for c in "push -q ../bare.git HEAD:refs/heads/main" "fetch -q ../bare.git main" "ls-remote ../bare.git"; do
    fresh
    "$T" run --dir "$TD" -- git $c >/dev/null 2>&1; rc=$?
    check "bare repository: git ${c%% *} succeeds ($rc)" test "$rc" = 0
    check "bare repository: git ${c%% *} records nothing" ev "$TD" "len(E)==0"
done
fresh
(cd "$WORK/bare.git" && "$T" run --dir "$TD" -- git log --oneline >/dev/null 2>&1)
check "bare repository: git log inside it records nothing" ev "$TD" "len(E)==0"
fresh
(cd "$WORK" && "$T" run --dir "$TD" -- git clone -q "$WORK/bare.git" clone2 >/dev/null 2>&1)
check "git clone of a bare repository records nothing" ev "$TD" "len(E)==0"
# Linked work trees are their main repository: one repository, so a file
# missing in all three is no cross-repository bug.
git worktree add -q "$WORK/gitrepo-wt1" >/dev/null 2>&1 && git worktree add -q "$WORK/gitrepo-wt2" >/dev/null 2>&1 || exit 1
fresh
(cd "$WORK" && "$T" run --dir "$TD" -- python3 -c "
for r in ('gitrepo', 'gitrepo-wt1', 'gitrepo-wt2'):
    try:
        open(r + '/agent.toml')
    except OSError:
        pass")
check "linked work trees: each failure recorded, filed under the main repository" ev "$TD" "len(E)==3 and all(e['repo']=='gitrepo' for e in E)"
TELEMETRY_DIR="$TD" "$T" patterns >"$WORK/pat" 2>&1
check "linked work trees: no cross-repo pattern" sh -c "! grep -q 'Cross-repo framework bug' '$WORK/pat'"
cd "$WORK" || exit 1

# A rename into a missing directory of a work tree, and a create there:
# the agent's own failures, filed under the destination's repository.
fresh
(cd "$R/widget-service" && TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 -c "
import os
open('$WORK/x.json', 'w').close()
for f in (lambda: os.rename('$WORK/x.json', '../billing-api/results/out.json'),
          lambda: open('../docs-site/results/out.json', 'w')):
    try:
        f()
    except OSError:
        pass")
check "rename to a missing directory in a work tree: recorded under the destination's repository" ev "$TD" "sum(1 for e in E if e['context']['operation']=='rename' and e['repo']=='billing-api')==1"
check "create in a missing directory of a work tree: recorded" ev "$TD" "len(E)==2 and any(e['repo']=='docs-site' and 'results/out.json' in e['error_message'] for e in E)"
# Symbolic links: a link into a work tree, or to its root, is that work
# tree (looked up by the physical path).
ln -s "$R/billing-api/src" "$R/srcB" && ln -s "$R/billing-api" "$R/linkB" || exit 1
fresh
(cd "$R/widget-service" && TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 -c "
for p in ('../srcB/agent.toml', '../linkB/agent.toml'):
    try:
        open(p)
    except OSError:
        pass")
check "symbolic links into a work tree: recorded under its repository" ev "$TD" "len(E)==2 and all(e['repo']=='billing-api' for e in E)"
# A failure in no work tree: the current directory's repository.
fresh
mkdir -p "$WORK/plain"
(cd "$R/docs-site/src" && TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 -c "
try:
    open('$WORK/plain/notes.txt')
except OSError:
    pass
import sys; sys.exit(3)")
check "a path in no work tree: filed under the current directory's repository" ev "$TD" "len(E)==1 and E[0]['repo']=='docs-site' and E[0]['fatal'] is True"
# Repeats: the count event is filed where its failures were.
fresh
(cd "$R/widget-service" && TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 -c "
for i in range(6):
    try:
        open('../docs-site/again.txt')
    except OSError:
        pass")
check "repeats: the repeat event is filed under the path's repository too" ev "$TD" "len(E)==4 and all(e['repo']=='docs-site' for e in E) and E[3].get('repeat')==3"
# A private repository's name is hashed whichever repository it is.
fresh
mkdir -p "$R/my-private-repo" && git -C "$R/my-private-repo" init -q
(cd "$R/widget-service" && TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" python3 -c "
try:
    open('../my-private-repo/notes.txt')
except OSError:
    pass")
check "a private repository of the path: its name hashed, nowhere in clear" ev "$TD" "len(E)==1 and len(E[0]['repo'])==12 and all(c in '0123456789abcdef' for c in E[0]['repo']) and 'my-private-repo' not in str(E[0])"
check "nor in any file name" sh -c "! ls '$TD' | grep -q private"
# TELEMETRY_REPO still wins.
fresh
(cd "$R" && TELEMETRY_REPO=fixed TELEMETRY_DIR="$TD" LD_PRELOAD="$SHIM" cat billing-api/nope.txt 2>/dev/null)
check "TELEMETRY_REPO names every event" ev "$TD" "len(E)==1 and E[0]['repo']=='fixed'"

finish builds
