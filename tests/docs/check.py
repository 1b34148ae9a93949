#!/usr/bin/env python3
"""The repository carries its own contract: every comment that cites the
README names a section the README has, and nothing cites the project's
external SPEC.  Usage: check.py REPO_ROOT.  Prints one line per problem
and a closing count; exits 1 when anything is wrong."""
import re
import subprocess
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
headings = set()
for line in open(f"{root}/README.md", encoding="utf-8"):
    m = re.match(r"#+\s+(.*\S)\s*$", line)
    if m:
        headings.add(m.group(1))

files = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True,
                       text=True, check=True).stdout.split()
cite = re.compile(r'README[ ,]*((?:"[^"\n]+"(?:,\s*|\s+and\s+)?)+)')
resolved = bad = 0
for f in files:
    if f == "README.md" or f.startswith("tests/docs/") or not re.search(
            r"(\.(c|h|sh|py|in|supp|tsv)|Makefile|/run|telemetry-[a-z]+)$", f):
        continue
    try:
        text = open(f"{root}/{f}", encoding="utf-8").read()
    except (UnicodeDecodeError, IsADirectoryError):
        continue
    for n, line in enumerate(text.splitlines(), 1):
        if re.search(r"SPEC\s*(§|\d|\.md)", line):
            print(f"{f}:{n}: cites SPEC, which is not in the repository")
            bad += 1
        for m in cite.finditer(line):
            for name in re.findall(r'"([^"\n]+)"', m.group(1)):
                if name in headings:
                    resolved += 1
                else:
                    print(f'{f}:{n}: README has no section "{name}"')
                    bad += 1
print(f"docs: {resolved} passed, {bad} failed")
sys.exit(1 if bad else 0)
