#!/usr/bin/env python3
"""Baseline for the analysis benchmark: the same summary computed the
straightforward Python way: json per line, Counters, and groups keyed by
error type and the message with its variable parts masked by regular
expressions (quoted strings, paths, hex, numbers).  Prints the summary."""
import collections
import json
import re
import sys

MASKS = [(re.compile(r"'[^']*'|\"[^\"]*\""), "<STR>"),
         (re.compile(r"(?<![\w.])/[^\s,;:)]+"), "<PATH>"),
         (re.compile(r"\b[0-9a-f]{7,}\b"), "<HEX>"),
         (re.compile(r"\d+"), "<NUM>")]


def mask(msg):
    for rx, ph in MASKS:
        msg = rx.sub(ph, msg)
    return msg


def main():
    by_type, by_agent, by_repo = collections.Counter(), collections.Counter(), collections.Counter()
    groups, repos_of = collections.Counter(), collections.defaultdict(set)
    total = skipped = 0
    for line in open(sys.argv[1], encoding="utf-8"):
        try:
            e = json.loads(line)
            t, a, r = e["error_type"], e["agent"], e["repo"]
        except (ValueError, KeyError, TypeError):
            skipped += 1
            continue
        total += 1
        by_type[t] += 1
        by_agent[a] += 1
        by_repo[r] += 1
        key = (t, mask(e["error_message"]))
        groups[key] += 1
        repos_of[key].add(r)
    print(json.dumps({"total_errors": total, "by_type": dict(by_type.most_common()),
                      "by_agent": dict(by_agent.most_common()),
                      "by_repo": dict(by_repo.most_common()),
                      "top_errors": by_type.most_common(5),
                      "groups": [{"error_type": k[0], "template": k[1], "count": n,
                                  "repos": len(repos_of[k])} for k, n in groups.most_common(20)],
                      "skipped_lines": skipped}))


if __name__ == "__main__":
    main()
