#!/usr/bin/env python3
"""Grouping accuracy (Zhu et al., ICSE-SEIP 2019): the fraction of lines
whose predicted group contains exactly the lines of their true group.

    grouping_accuracy.py LABELLED PREDICTED
LABELLED: "label<TAB>message" lines; PREDICTED: "fingerprint<TAB>template"
lines in the same order (the output of `telemetry group`).
"""
import collections
import sys


def main():
    labels = [l.split("\t", 1)[0] for l in open(sys.argv[1], encoding="utf-8")]
    preds = [l.split("\t", 1)[0] for l in open(sys.argv[2], encoding="utf-8")]
    assert len(labels) == len(preds), (len(labels), len(preds))
    by_pred = collections.defaultdict(list)
    true_size = collections.Counter(labels)
    for i, p in enumerate(preds):
        by_pred[p].append(i)
    correct = 0
    for members in by_pred.values():
        ls = {labels[i] for i in members}
        if len(ls) == 1 and true_size[labels[members[0]]] == len(members):
            correct += len(members)
    print("%.4f %d %d %d" % (correct / len(labels), len(labels),
                             len(true_size), len(by_pred)))


if __name__ == "__main__":
    main()
