#!/bin/sh
# Fleet benchmark (not a test): `telemetry ship` and the fleet summary
# against a private ClickHouse server, each next to a baseline measured in
# the same run, rounds interleaved, medians printed.
#   ship      vs  one curl posting the very rows ship produced (the server's
#                 own insert cost; the difference is reading, grouping and
#                 encoding the log, and batching)
#   summary --clickhouse  vs  the local summary of the same events
# Usage: tests/bench/fleet.sh BUILD_DIR [EVENTS] [ROUNDS]
set -eu
BUILD=$(cd "${1:?usage: fleet.sh BUILD_DIR [EVENTS] [ROUNDS]}" && pwd -P)
N=${2:-200000}
ROUNDS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd -P)
T="$BUILD/telemetry"
W=$(mktemp -d /tmp/tm-bench-fleet-XXXXXX)
. "$HERE/../fleet/server.sh"
trap 'ch_stop; rm -rf "$W"' EXIT
. "$HERE/../lib.sh"
clean_env

ch_init "$W/ch"
ch_start
mkdir -m 700 "$W/d"
python3 "$HERE/events.py" "$N" 3 >"$W/d/all_errors.jsonl"

now() { python3 -c 'import time; print(time.perf_counter())'; }
elapsed() { python3 -c "print('%.3f' % ($2 - $1))"; }

# The rows ship sends, as the server stores them, for the curl baseline.
"$T" ship --dir "$W/d" --clickhouse "$CH_URL" --table bench.rows --batch 10000 >/dev/null
ch_sql "SELECT * FROM bench.rows" >/dev/null # warm
python3 - "$CH_HTTP" >"$W/rows.jsonl" <<'PY'
import sys, urllib.request
cols = ("timestamp, repo, agent, error_type, error_message, context, context_keys, "
        "context_values, telemetry_id, source, program, pid, backtrace, repeat, fatal, "
        "exit_status, fingerprint, category, template, seq, event_date")
q = "SELECT %s FROM bench.rows ORDER BY seq FORMAT JSONEachRow" % cols
req = urllib.request.Request("http://127.0.0.1:%s/" % sys.argv[1], data=q.encode())
sys.stdout.write(urllib.request.urlopen(req).read().decode())
PY
INSERT="$CH_URL/?query=INSERT%20INTO%20bench.raw_ROUND%20FORMAT%20JSONEachRow"

for r in $(seq 1 "$ROUNDS"); do
    rm -f "$W/d"/ship-*
    ch_sql "CREATE TABLE bench.raw_$r AS bench.rows" >/dev/null
    t0=$(now)
    curl -sS --fail -H 'Expect:' --data-binary "@$W/rows.jsonl" \
        "$(echo "$INSERT" | sed "s/ROUND/$r/")" >/dev/null
    t1=$(now)
    "$T" ship --dir "$W/d" --clickhouse "$CH_URL" --table "bench.ship_$r" --batch 10000 >/dev/null
    t2=$(now)
    "$T" summary --json --dir "$W/d" >/dev/null
    t3=$(now)
    "$T" summary --json --clickhouse "$CH_URL" --table bench.rows >/dev/null
    t4=$(now)
    elapsed "$t0" "$t1" >>"$W/raw"
    elapsed "$t1" "$t2" >>"$W/ship"
    elapsed "$t2" "$t3" >>"$W/local"
    elapsed "$t3" "$t4" >>"$W/fleet"
done
"$T" summary --json --dir "$W/d" >"$W/l.json"
"$T" summary --json --clickhouse "$CH_URL" --table bench.rows >"$W/f.json"
if python3 "$HERE/../fleet/same_summary.py" "$W/l.json" "$W/f.json"; then same=equal; else same=DIFFERENT; fi

python3 - "$N" "$W" "$same" "$ROUNDS" <<'PY'
import statistics, sys
n, w = int(sys.argv[1]), sys.argv[2]
def load(name):
    xs = sorted(float(x) for x in open("%s/%s" % (w, name)))
    return statistics.median(xs), xs[0], xs[-1]
raw, ship, loc, fleet = (load(k) for k in ("raw", "ship", "local", "fleet"))
def row(label, t, extra=""):
    print("  %-27s %6.2f s [%.2f .. %.2f] %s" % (label, t[0], t[1], t[2], extra))
print("fleet: %d events, ClickHouse 18.16 on 127.0.0.1, medians of %s rounds" % (n, sys.argv[4]))
row("ship (batches of 10000)", ship, "%6.0f events/s" % (n / ship[0]))
row("baseline: curl, same rows", raw, "%6.0f events/s  ship/baseline %.2fx" % (n / raw[0], ship[0] / raw[0]))
row("summary --clickhouse", fleet)
row("baseline: local summary", loc, "fleet/local %.2fx" % (fleet[0] / loc[0]))
print("  local and fleet summaries: %s" % sys.argv[3])
PY
