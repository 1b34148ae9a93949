"""Compares two summary JSON documents (local, fleet): equal apart from
`window` and `skipped_lines`.  Exit 0 when equal, else prints the first
difference and exits 1.  Usage: same_summary.py LOCAL.json FLEET.json"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if isinstance(doc, dict):
        doc.pop("window", None)
        doc.pop("skipped_lines", None)
    return doc


def first_difference(a, b, where="$"):
    if type(a) is not type(b):
        return "%s: %r vs %r" % (where, a, b)
    if isinstance(a, dict):
        if list(a) != list(b):
            return "%s: keys %r vs %r" % (where, list(a), list(b))
        for k in a:
            d = first_difference(a[k], b[k], "%s.%s" % (where, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items vs %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (where, a, b)


local, fleet = load(sys.argv[1]), load(sys.argv[2])
diff = first_difference(local, fleet)
if diff:
    print("local and fleet differ at " + diff, file=sys.stderr)
    sys.exit(1)
sys.exit(0)
