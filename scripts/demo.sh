#!/bin/sh
# The main job on the embedded default: a small agent (scripts/demo_agent.py)
# runs under `telemetry run` in throwaway git repositories, then the summary
# of what the shim recorded is printed.
# Usage: scripts/demo.sh BUILD_DIR
set -eu

BUILD=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd -P)
HERE=$(cd "$(dirname "$0")" && pwd -P)
T="$BUILD/telemetry"
WORK=$(mktemp -d /tmp/telemetry-demo-XXXXXX)
export TELEMETRY_DIR="$WORK/telemetry"
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.email agent@example.com
git config --global user.name "Demo Agent"
git config --global init.defaultBranch main

# A read-only place to write into: a read-only tmpfs as root (root ignores
# file modes), a 0555 directory otherwise.
RO="$WORK/readonly"
mkdir -p "$RO"
mounted=0
if [ "$(id -u)" -eq 0 ]; then
    if mount -t tmpfs -o ro,size=16k tmpfs "$RO" 2>/dev/null; then mounted=1; else RO=""; fi
else
    chmod 0555 "$RO"
fi

echo "Running the demo agent under the shim (telemetry run) in $WORK ..."
"$T" run --agent DemoAgent -- python3 "$HERE/demo_agent.py" "$WORK/repos" $RO
[ "$mounted" = 1 ] && umount "$RO"
rm -f /dev/shm/report-*-*.txt 2>/dev/null || true

echo
echo "One of the recorded events (already sanitized):"
head -n 1 "$TELEMETRY_DIR/all_errors.jsonl"
echo
"$T" summary
