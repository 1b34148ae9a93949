#!/bin/sh
# Installs the Debian packages the build and tests need, when any is missing
# (with --with-clickhouse, the fleet tests' server too).
# As root it runs apt-get; otherwise it names what to install and fails.
set -eu

PKGS="gcc make pkg-config libunwind-dev libcjson-dev libtre-dev libcmocka-dev libsodium-dev git python3 g++ binutils valgrind strace time libcurl4-openssl-dev curl"
# --with-clickhouse: also what only the tests run (make test-deps): the
# ClickHouse server and client of the fleet tests, and CPython's own test
# package, which tests/peer/cpython.sh runs under the shim in `make check`;
# man-db, groff-base and bash-completion, with which tests/cli/ux.sh and
# tests/install/run.sh render the manual page and load the completion;
# the browser that renders `telemetry report --html` in its test
if [ "${1:-}" = --with-clickhouse ]; then
    PKGS="$PKGS clickhouse-server clickhouse-client libpython3.11-testsuite"
    PKGS="$PKGS man-db groff-base bash-completion chromium"
fi

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run as root, or: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The tests start their own ClickHouse server; the package must not start
# the system service (on a machine without systemd its init script would
# run it as a daemon on ports 8123/9000).  policy-rc.d's 101 says "do not
# start services" to invoke-rc.d for the time of the install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
