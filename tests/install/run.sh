#!/bin/sh
# make install into a staging root, build a user program with pkg-config,
# run it against the installed shared library, then make uninstall.
set -u
BUILD=${1:?usage: run.sh BUILD_DIR}
ROOT=$(mktemp -d /tmp/tm-install-XXXXXX)
trap 'rm -rf "$ROOT"' EXIT INT TERM
. "$(dirname "$0")/../lib.sh"

make -s install BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr/local >/dev/null \
    && ok || bad "make install"
for f in lib/libtelemetry.so lib/libtelemetry.a include/telemetry.h bin/telemetry \
         lib/pkgconfig/telemetry.pc lib/libtelemetry_shim.so bin/telemetry-run bin/telemetry-env \
         share/man/man1/telemetry.1 share/bash-completion/completions/telemetry; do
    [ -e "$ROOT/usr/local/$f" ] && ok || bad "installed $f"
done
# A program may load the library with dlopen late, when other libraries
# have used up the spare static TLS: it needs none (no thread-local word of
# the initial-exec model; the shim's own stay in the shim).
readelf -d "$ROOT/usr/local/lib/libtelemetry.so" | grep -q STATIC_TLS \
    && bad "libtelemetry.so needs static TLS" || ok
export PKG_CONFIG_SYSROOT_DIR="$ROOT" PKG_CONFIG_PATH="$ROOT/usr/local/lib/pkgconfig"
if gcc -std=c11 -Wall -Werror tests/install/api_example.c \
       $(pkg-config --cflags --libs telemetry) -o "$ROOT/api_example"; then
    ok
    out=$(LD_LIBRARY_PATH="$ROOT/usr/local/lib" "$ROOT/api_example" "$ROOT/data")
    echo "$out" | head -n 1 | grep -Eq '^[0-9a-f]{16}$' && ok || bad "api id"
    echo "$out" | grep -q '"total_errors":1' && ok || bad "api summary"
    grep -q '\*\*\*EMAIL\*\*\*' "$ROOT/data/all_errors.jsonl" && ok || bad "api sanitized"
else
    bad "build against installed library"
fi
# The installed CLI finds the installed shim (../lib from the binary).
mkdir -p "$ROOT/ws" && git -C "$ROOT/ws" init -q
(cd "$ROOT/ws" && "$ROOT/usr/local/bin/telemetry" run --dir "$ROOT/td" -- sh -c 'cat missing.txt' 2>/dev/null)
grep -q "missing.txt" "$ROOT/td/all_errors.jsonl" 2>/dev/null && ok || bad "installed telemetry run finds the installed shim"
# The installed manual page renders without a warning and lists every command.
out=$(MANWIDTH=80 man -l "$ROOT/usr/local/share/man/man1/telemetry.1" 2>&1 >/dev/null)
[ -z "$out" ] && ok || bad "man -l telemetry.1 warns: $out"
for c in $("$ROOT/usr/local/bin/telemetry" --commands); do
    MANWIDTH=80 man -l "$ROOT/usr/local/share/man/man1/telemetry.1" 2>/dev/null \
        | grep -q "^   $c\$" && ok || bad "man page has no section for '$c'"
done
make -s uninstall BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr/local >/dev/null
[ -z "$(find "$ROOT/usr" -type f)" ] && ok || bad "uninstall left files"
finish install
