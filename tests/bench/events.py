#!/usr/bin/env python3
"""A realistic event log for the analysis benchmark.

    events.py N SEED > all_errors.jsonl

Several repositories, agents and error types; about 40 distinct failures
with variable paths, numbers and ids, as the shim and the CLI write them."""
import json
import random
import sys

R = random.Random()
REPOS = ["billing-api", "docs-site", "web-frontend", "ml-pipeline", "infra", "mobile-app"]
AGENTS = ["IssueAgent", "ReviewAgent", "CoderAgent", "DocsAgent", "DeployAgent"]
KINDS = []
for errno, text, typ in [(2, "No such file or directory", "FileNotFoundError"),
                         (13, "Permission denied", "PermissionError"),
                         (17, "File exists", "FileExistsError"),
                         (28, "No space left on device", "OSError"),
                         (18, "Invalid cross-device link", "OSError")]:
    for where in ["data/input-%d.csv", "/home/***/.cache/pip/%d", "src/module_%d.py",
                  "/tmp/build-%d/out.o", ".git/index.lock", "config/settings-%d.yaml"]:
        KINDS.append((typ, "[Errno %d] %s: '%s'" % (errno, text, where)))
KINDS += [("AttributeError", "'IssueAgent' object has no attribute 'plan_%d'"),
          ("ModuleNotFoundError", "No module named 'pkg%d'"),
          ("TimeoutError", "request to https://api.example.com/v1/items/%d timed out"),
          ("RuntimeError", "tool call %d failed: invalid JSON"),
          ("GitError", "fatal: Unable to create '/workspace/r/.git/index.lock': File exists. pid %d"),
          ("KeyError", "KeyError: 'field_%d'"),
          ("ValueError", "invalid literal for int() with base 10: 'x%d'"),
          ("HTTPError", "429 Client Error: Too Many Requests for url: https://api.example.com/v1/%d"),
          ("ConnectionError", "Connection refused by 10.0.0.%d:5432"),
          ("JSONDecodeError", "Expecting value: line %d column 1 (char 0)")]


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    R.seed(seed)
    out = sys.stdout
    kinds = KINDS[:40]
    for i in range(n):
        typ, msg = kinds[R.randrange(len(kinds))]
        if "%d" in msg:
            msg = msg % R.randint(1, 100000)
        ev = {"timestamp": "2026-11-%02dT%02d:%02d:%02d.%06dZ" % (1 + i * 25 // n, R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999999)),
              "repo": R.choice(REPOS), "agent": R.choice(AGENTS), "error_type": typ,
              "error_message": msg, "context": {"operation": "open", "category": "other"} if i % 3 else {},
              "telemetry_id": "%016x" % R.getrandbits(64), "source": "shim" if i % 2 else "cli"}
        if i % 2:
            ev["program"] = "python3"
            ev["pid"] = R.randint(100, 99999)
        out.write(json.dumps(ev, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
