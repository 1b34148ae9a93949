#!/usr/bin/env python3
"""Throughput of the grouping (benchmark, not a test): `telemetry group`
over the 16,000 loghub lines and `telemetry summary` over 1,000,000 events
(events.py), for this build and, when given, a baseline `telemetry` binary,
interleaved in one run (a warm-up round, then ROUNDS rounds; medians).

    grouping_speed.py BUILD_DIR DATA_DIR [BASELINE_TELEMETRY] [ROUNDS]

Then, for this build only, the growth with the input: N and 2N distinct
lines of one shape ("error" and seven random words: one leaf of the tree,
no line like another), where a scan of every cluster of the leaf would be
quadratic; the time ratio should stay near 2.
"""
import random
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grouping_loghub import DATASETS, load  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, stdin_path=None):
    with open(stdin_path or os.devnull, "rb") as fin:
        t0 = time.perf_counter()
        subprocess.run(cmd, stdin=fin, stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - t0


def main():
    build, data = sys.argv[1], sys.argv[2]
    base = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    bins = {"this": os.path.join(build, "telemetry")}
    if base:
        bins["baseline"] = base
    with tempfile.TemporaryDirectory(prefix="tm-bench-gspeed-") as w:
        lines = os.path.join(w, "loghub.txt")
        with open(lines, "w") as f:
            for n in DATASETS:
                for l in load(data, n)[0]:
                    f.write(l + "\n")
        d = os.path.join(w, "sum")
        os.makedirs(d, mode=0o700)
        with open(os.path.join(d, "all_errors.jsonl"), "w") as f:
            subprocess.run(["python3", os.path.join(HERE, "events.py"), "1000000", "1"],
                           stdout=f, check=True)
        work = {"group 16,000 loghub lines": lambda t: timed([t, "group"], lines),
                "summary of 1,000,000 events": lambda t: timed([t, "summary", "--json", "--dir", d])}
        for title, run in work.items():
            res = {k: [] for k in bins}
            for r in range(rounds + 1):
                for k, t in bins.items():
                    v = run(t)
                    if r > 0:
                        res[k].append(v)
            line = "  %-28s" % title
            for k, xs in res.items():
                line += "  %s %.3f s [%.3f .. %.3f]" % (k, statistics.median(xs), min(xs), max(xs))
            if base:
                line += "  this/baseline time %.3f" % (
                    statistics.median(res["this"]) / statistics.median(res["baseline"]))
            print(line)
            sys.stdout.flush()
        times = {}
        for n in (50000, 100000):
            path = os.path.join(w, "one-leaf-%d.txt" % n)
            rnd = random.Random(n)
            with open(path, "w") as f:
                for _ in range(n):
                    f.write("error " + " ".join(
                        "".join(rnd.choice("abcdefghijklmnop") for _ in range(6))
                        for _ in range(7)) + "\n")
            times[n] = statistics.median(timed([bins["this"], "group"], path)
                                         for _ in range(3))
        print("  %-28s  this 50,000 lines %.3f s, 100,000 lines %.3f s: ratio %.2f" % (
            "one leaf, distinct lines", times[50000], times[100000],
            times[100000] / times[50000]))


if __name__ == "__main__":
    main()
