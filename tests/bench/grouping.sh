#!/bin/sh
# Grouping benchmark (not a test).
# 1. Accuracy on the labelled loghub 2k samples (../shared/data/loghub-2k
#    relative to the repository, or GROUPING_DATA): GA and FGA per dataset,
#    the exact-string and mask-only baselines, Drain's published GA, and the
#    ablation (grouping_loghub.py).  One configuration for every input.
# 2. A regression check, not an accuracy figure: labelled messages generated
#    by grouping_data.py (written by the same people as the grouper), agent
#    style and ordinary system logs.
# 3. Throughput: `telemetry group` over the 16,000 loghub lines and the
#    summary of 1,000,000 events, beside GROUPING_BASELINE (another build's
#    `telemetry`, e.g. of the commit before a change) when it is set.
# Usage: tests/bench/grouping.sh BUILD_DIR
set -eu
BUILD=${1:?usage: grouping.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd -P)
DATA=${GROUPING_DATA:-$HERE/../../../shared/data/loghub-2k}
[ -d "$DATA" ] && DATA=$(cd "$DATA" && pwd -P)
W=$(mktemp -d /tmp/tm-bench-group-XXXXXX)
trap 'rm -rf "$W"' EXIT

echo "grouping accuracy on loghub 2k ($DATA):"
if [ -f "$DATA/HDFS/HDFS_2k.log_structured_corrected.csv" ]; then
    python3 "$HERE/grouping_loghub.py" "$BUILD" "$DATA" --ablation
    echo
    echo "grouping throughput (medians of 7 rounds, interleaved):"
    python3 "$HERE/grouping_speed.py" "$BUILD" "$DATA" "${GROUPING_BASELINE:-}" 7
else
    echo "  skipped: $DATA/<D>/<D>_2k.log_structured_corrected.csv not found" \
         "(set GROUPING_DATA to the loghub-2k directory)"
fi

echo
echo "regression check on generated sets (not an accuracy figure):"
printf '%-8s %6s %6s %9s %9s %8s\n' set lines true predicted accuracy seed
for set in agent system; do
    for seed in 1 2 3; do
        python3 "$HERE/grouping_data.py" "$set" 2000 "$seed" >"$W/l"
        cut -f2- "$W/l" | "$BUILD/telemetry" group >"$W/p"
        python3 "$HERE/grouping_accuracy.py" "$W/l" "$W/p" | {
            read -r acc n t p
            printf '%-8s %6s %6s %9s %9s %8s\n' "$set" "$n" "$t" "$p" "$acc" "$seed"
        }
    done
done
