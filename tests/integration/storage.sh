#!/bin/sh
# Storage traps (README "Storage", "Configuration"): a symlinked directory however spelled, the
# default directory taken by another user, install paths and directories
# the shell or ld.so would split or run, configuration too long for its
# buffers.  Real processes: the shim, the CLI, the scripts.
# Usage: tests/integration/storage.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd -P)
. "$HERE/../lib.sh"
driver_setup storage "${1:-}"
SCRIPTS="$HERE/../../scripts"
SHARED=/tmp/12-factor-telemetry
MADE="" # the default directories this driver created (removed at exit)
trap 'cd /; rm -rf "$WORK"; for d in $MADE; do rm -rf "$d"; done' EXIT INT TERM

cd "$WORK" || exit 1
# no_events DIR: DIR holds no file at all (absent or empty)
no_events() { [ -z "$(ls -A "$1" 2>/dev/null)" ]; }
has_event() { grep -q -- "$2" "$1/all_errors.jsonl" 2>/dev/null; }

# --- a symlinked TELEMETRY_DIR, however it is spelled ------------------------
# O_NOFOLLOW refuses a link only as the last component: "lnk/" or "lnk/."
# made it an intermediate one, followed and written through.
mkdir -p "$WORK/target" && chmod 0700 "$WORK/target"
ln -s "$WORK/target" "$WORK/lnk"
for spelled in "$WORK/lnk/" "$WORK/lnk/." "$WORK/lnk//" "$WORK/lnk/./" "lnk/."; do
    TELEMETRY_DIR="$spelled" LD_PRELOAD="$SHIM" cat "$WORK/missing-shim" 2>/dev/null
    check "link '$spelled': the shim writes nothing through it" no_events "$WORK/target"
    expect_rc 1 "link '$spelled': record refuses it" \
        "$T" record --dir "$spelled" --repo r --agent a --type T --message m
    check "link '$spelled': record says it is a link" grep -q "symbolic link" "$WORK/err"
    check "link '$spelled': record wrote nothing" no_events "$WORK/target"
    expect_rc 1 "link '$spelled': doctor fails" "$T" doctor --dir "$spelled"
    check "link '$spelled': doctor calls it a link" \
        grep -q "^FAIL directory: .*symbolic link" "$WORK/out"
done
TELEMETRY_DIR="$WORK/target/" LD_PRELOAD="$SHIM" cat "$WORK/missing-real" 2>/dev/null
check "a real directory spelled 'dir/' still records" has_event "$WORK/target" missing-real
rm -rf "$WORK/target"/* "$WORK/target"/.[!.]*

# --- the default directory taken by another user ------------------------------
FALLBACK="$SHARED-$(id -u)"
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 || ! command -v runuser >/dev/null; then
    skip "default takeover: needs root, a 'nobody' user and runuser"
elif [ -e "$SHARED" ] || [ -L "$SHARED" ] || [ -e "$FALLBACK" ] || [ -L "$FALLBACK" ]; then
    skip "default takeover: $SHARED or $FALLBACK exists already (a real user's; left alone)"
else
    MADE="$SHARED $FALLBACK"
    # A process that changed user fails first: its shim creates the shared
    # default, owned by nobody.  (Preloaded by hand: `telemetry run` would
    # make the directory itself, as root, for its run record.)
    LD_PRELOAD="$SHIM" runuser -u nobody -- cat "$WORK/missing-nobody" 2>/dev/null
    check "takeover: nobody's process created the shared default" \
        sh -c "[ \"\$(stat -c %U '$SHARED')\" = nobody ]"
    "$T" run -- cat "$WORK/missing-root" 2>/dev/null
    check "takeover: root's own failure is still recorded (per-user default)" \
        has_event "$FALLBACK" missing-root
    check "takeover: the per-user default is root's, 0700" \
        sh -c "[ \"\$(stat -c %u:%a '$FALLBACK')\" = 0:700 ]"
    check "takeover: nothing of root's in nobody's directory" \
        sh -c "! grep -rq missing-root '$SHARED'"
    expect_rc 0 "takeover: summary reads where the shim wrote" "$T" summary --json
    check "takeover: summary counts root's event" grep -q '"total_errors":1' "$WORK/out"
    "$T" record --repo r --agent a --type T --message "by hand" >/dev/null
    check "takeover: record writes there too" has_event "$FALLBACK" "by hand"
    "$T" doctor >"$WORK/out" 2>&1
    check "takeover: doctor names the per-user default and why" \
        grep -q "^OK   directory: $FALLBACK .*per-user default, because the shared default $SHARED belongs to uid $(id -u nobody)" "$WORK/out"
    # Both taken: refused (never written into), and doctor says so.
    rm -rf "$FALLBACK" && mkdir -m 0700 "$FALLBACK" && chown nobody "$FALLBACK"
    "$T" run -- cat "$WORK/missing-both" 2>"$WORK/err"
    check "both taken: the host's stderr is cat's alone" \
        sh -c "[ \"\$(wc -l <'$WORK/err')\" = 1 ]"
    check "both taken: nothing written into another user's directories" \
        sh -c "! grep -rq missing-both '$SHARED' '$FALLBACK'"
    expect_rc 1 "both taken: record refuses" "$T" record --repo r --agent a --type T --message m
    check "both taken: record names the per-user default" grep -q "$FALLBACK.*owned by another user" "$WORK/err"
    expect_rc 1 "both taken: doctor fails" "$T" doctor
    check "both taken: doctor says what to do" grep -q "another user holds both defaults" "$WORK/out"
    # The shared default gone, the per-user one of yours kept: its events
    # stay where they are.
    rm -rf "$SHARED" "$FALLBACK"
    mkdir -m 0700 "$FALLBACK"
    "$T" run -- cat "$WORK/missing-kept" 2>/dev/null
    check "kept: the per-user default from before stays in use" has_event "$FALLBACK" missing-kept
    check "kept: the shared default is not made again" test ! -e "$SHARED"
    rm -rf "$SHARED" "$FALLBACK"
fi

# --- install paths LD_PRELOAD cannot carry -------------------------------------
SP="$WORK/with space"
mkdir -p "$SP" && cp "$T" "$SHIM" "$SCRIPTS/telemetry-run" "$SCRIPTS/telemetry-env" "$SP/"
expect_rc 1 "shim path with a space: run refuses" "$SP/telemetry" run -- true
check "shim path with a space: run says why" grep -q "LD_PRELOAD cannot carry" "$WORK/err"
check "shim path with a space: no ld.so noise" sh -c "! grep -q 'ld.so' '$WORK/err'"
mkdir -p "$WORK/co:lon" && cp "$SHIM" "$WORK/co:lon/"
expect_rc 1 "shim path with a colon: run refuses" \
    env TELEMETRY_SHIM="$WORK/co:lon/libtelemetry_shim.so" "$T" run -- true
expect_rc 1 "shim path with a space: telemetry-run refuses" sh "$SP/telemetry-run" true
check "shim path with a space: telemetry-run says why" grep -q "LD_PRELOAD cannot carry" "$WORK/err"
expect_rc 1 "shim path with a space: telemetry-env refuses" sh "$SP/telemetry-env"
expect_rc 1 "shim path with a space: doctor fails" "$SP/telemetry" doctor --dir "$WORK/dd"
check "shim path with a space: doctor says why" grep -q "^FAIL shim: .*LD_PRELOAD cannot carry" "$WORK/out"

# --- eval "$(telemetry-env)" with hostile values runs no code -----------------
MARK="$WORK/ran"
nl='
'
HOSTILE="$WORK/q'\"\$(id>$MARK)\`id>$MARK\`"
mkdir -p "$HOSTILE" && cp "$SHIM" "$SCRIPTS/telemetry-run" "$SCRIPTS/telemetry-env" "$HOSTILE/"
i=0
for v in "it's" 'say "x"' "\$(id>$MARK)" "\`id>$MARK\`" "a b  c" "line1${nl}line2${nl}" \
         "'\$(id>$MARK)'" "\"; id>$MARK; \"" "x'\\''y"; do
    i=$((i + 1))
    out=$(TELEMETRY_DIR="$v" sh "$HOSTILE/telemetry-env" && echo x)
    got=$( (eval "${out%x}" && printf '%sx' "$TELEMETRY_DIR") 2>/dev/null)
    check "telemetry-env #$i: TELEMETRY_DIR comes back unchanged" test "$got" = "${v}x"
    check "telemetry-env #$i: no code ran" test ! -e "$MARK"
    got=$( (eval "${out%x}" && printf '%s' "$LD_PRELOAD") 2>/dev/null)
    check "telemetry-env #$i: LD_PRELOAD is the hostile shim path" test "$got" = "$HOSTILE/libtelemetry_shim.so"
    rm -f "$MARK"
done
# The same values with a plain shim path: each line is then parsed, and a
# value that closes the quote would run its code.
i=0
for v in "'\$(id>$MARK)'" "x'; id>$MARK; '" "'\`id>$MARK\`'"; do
    i=$((i + 1))
    out=$(TELEMETRY_SHIM="$SHIM" TELEMETRY_DIR="$v" sh "$SCRIPTS/telemetry-env")
    got=$( (eval "$out" && printf '%s' "$TELEMETRY_DIR") 2>/dev/null)
    check "telemetry-env plain shim #$i: no code ran" test ! -e "$MARK"
    check "telemetry-env plain shim #$i: TELEMETRY_DIR unchanged" test "$got" = "$v"
    rm -f "$MARK"
done
OTHER="$BUILD/libtelemetry.so"
[ -f "$OTHER" ] || OTHER="$SHIM" # any library that loads
out=$(LD_PRELOAD="$OTHER" sh "$HOSTILE/telemetry-env")
got=$(LD_PRELOAD="$OTHER"; eval "$out" && printf '%s' "$LD_PRELOAD")
check "telemetry-env: appended after an existing LD_PRELOAD, quoted" \
    test "$got" = "$OTHER $HOSTILE/libtelemetry_shim.so"
check "telemetry-env: no code ran (appended)" test ! -e "$MARK"
TELEMETRY_SHIM="$SHIM" sh "$SCRIPTS/telemetry-env" >"$WORK/env.out"
check "telemetry-env: no TELEMETRY_DIR, none exported (the default rule decides)" \
    sh -c "grep -q LD_PRELOAD '$WORK/env.out' && ! grep -q TELEMETRY_DIR '$WORK/env.out'"
TELEMETRY_DIR="$WORK/env td" sh "$HOSTILE/telemetry-run" cat "$WORK/missing-run" 2>/dev/null
check "telemetry-run from a hostile path records" has_event "$WORK/env td" missing-run
check "telemetry-run: no code ran" test ! -e "$MARK"

# --- configuration too long for its buffers ------------------------------------
# A 9 KB TELEMETRY_DIR whose first 4,095 bytes name another directory.
CUT="$WORK/cut"
long=$(python3 -c 'import sys; print(sys.argv[1] + "/" * 9000 + "intended")' "$CUT")
TELEMETRY_DIR="$long" LD_PRELOAD="$SHIM" cat "$WORK/missing-long" 2>/dev/null
check "9 KB TELEMETRY_DIR: the shim records nothing, not into a cut path" test ! -e "$CUT"
expect_rc 2 "9 KB TELEMETRY_DIR: record refuses" \
    env TELEMETRY_DIR="$long" "$T" record --repo r --agent a --type T --message m
check "9 KB TELEMETRY_DIR: the message names the variable and the limit" \
    grep -q "TELEMETRY_DIR is too long: 4095 bytes at most" "$WORK/err"
check "9 KB TELEMETRY_DIR: record created nothing" test ! -e "$CUT"
# 1,199 bytes of globs: the one that makes "secret-thing" private is past
# byte 1,024.
globs=$(python3 -c 'print(",".join("g%04d" % i for i in range(198)) + ",secret-*")')
PR="$WORK/private"
TELEMETRY_PRIVATE_REPOS="$globs" TELEMETRY_REPO=secret-thing TELEMETRY_DIR="$PR" \
    LD_PRELOAD="$SHIM" cat "$WORK/missing-private" 2>/dev/null
check "long TELEMETRY_PRIVATE_REPOS (${#globs} bytes): the shim stores no clear name" \
    sh -c "! grep -rqs secret-thing '$PR'"
check "long TELEMETRY_PRIVATE_REPOS: the shim records nothing" no_events "$PR"
expect_rc 2 "long TELEMETRY_PRIVATE_REPOS: record refuses" \
    env TELEMETRY_PRIVATE_REPOS="$globs" "$T" record --dir "$PR" --repo secret-thing \
    --agent a --type T --message m
check "long TELEMETRY_PRIVATE_REPOS: the message names it and its limit" \
    grep -q "TELEMETRY_PRIVATE_REPOS is too long: 1023 bytes at most" "$WORK/err"
check "long TELEMETRY_PRIVATE_REPOS: no clear name stored" sh -c "! grep -rqs secret-thing '$PR'"
# A private repo's name is replaced by its hash in the message too, and a
# path past the shim's 512 bytes is cut where no token straddles the cut
# (README, "Privacy").
PN="$WORK/privname"
TELEMETRY_REPO=acme-merger-private TELEMETRY_DIR="$PN" LD_PRELOAD="$SHIM" \
    cat "$WORK/acme-merger-private/data/q3.csv" 2>/dev/null
check "private repo: the event is written" grep -qs "data/q3.csv" "$PN/all_errors.jsonl"
check "private repo: its name is in no event" sh -c "! grep -rqs acme-merger-private '$PN'"
LP="$WORK/longpath"
long=$(python3 -c 'import sys; h = sys.argv[1] + "/"; h += "/".join(["a" * 99] * 6)
h = h[:511 - 16] + "/"; print(h + "ghp_" + "Ab1x" * 10 + "/x.txt")' "$WORK")
TELEMETRY_DIR="$LP" LD_PRELOAD="$SHIM" cat "$long" 2>/dev/null
check "path cut at 512 bytes: the event is written" grep -qs "aaaa" "$LP/all_errors.jsonl"
check "path cut at 512 bytes: no part of the token at the cut" sh -c "! grep -rqs 'ghp_Ab1' '$LP'"
# Every string variable: one byte past its limit is refused by the CLI and
# disables the shim; its limit itself is accepted.
for row in TELEMETRY_DIR:4095 TELEMETRY_REPO:255 TELEMETRY_AGENT:255 \
           TELEMETRY_CONTEXT_KEYS:1023 TELEMETRY_PRIVATE_REPOS:1023 \
           TELEMETRY_HASH_KEY:511 TELEMETRY_SHIM:4095; do
    name=${row%:*} max=${row#*:}
    val=$(python3 -c 'import sys; print("/" + "a" * (int(sys.argv[1]) - 1))' "$((max + 1))")
    expect_rc 2 "$name of $((max + 1)) bytes: the CLI refuses" env "$name=$val" "$T" summary --dir "$WORK/v"
    check "$name of $((max + 1)) bytes: named with its limit" grep -q "$name is too long: $max bytes at most" "$WORK/err"
    D="$WORK/v-$name"
    env "$name=$val" TELEMETRY_DIR="$D" LD_PRELOAD="$SHIM" cat "$WORK/missing-v" 2>/dev/null
    [ "$name" = TELEMETRY_DIR ] || check "$name of $((max + 1)) bytes: the shim records nothing" no_events "$D"
    val=${val%a}
    [ "$name" = TELEMETRY_DIR ] || [ "$name" = TELEMETRY_SHIM ] ||
        expect_rc 0 "$name of $max bytes: accepted" env "$name=$val" "$T" summary --dir "$WORK/v"
done

finish storage
