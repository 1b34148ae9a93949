#!/usr/bin/env python3
"""Grouping accuracy (GA, see grouping_metrics.py) of a generated set.

    grouping_accuracy.py LABELLED PREDICTED
LABELLED: "label<TAB>message" lines; PREDICTED: "fingerprint<TAB>template"
lines in the same order (the output of `telemetry group`).  Prints GA,
lines, true groups, predicted groups.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grouping_metrics import scores  # noqa: E402


def main():
    labels = [l.split("\t", 1)[0] for l in open(sys.argv[1], encoding="utf-8")]
    preds = [l.split("\t", 1)[0] for l in open(sys.argv[2], encoding="utf-8")]
    ga, _, t, p = scores(labels, preds)
    print("%.4f %d %d %d" % (ga, len(labels), t, p))


if __name__ == "__main__":
    main()
