#!/bin/sh
# `telemetry report --html`, rendered by a real browser (Debian's chromium,
# headless): a week of events in four repositories, two runs, and a hostile
# repository, agent, type and message.  The page must show the figures, at
# least two charts, and no markup from the log.  Also the Markdown of the
# same log through the table checker.  Usage: tests/cli/report.sh BUILD_DIR
set -u

BUILD=${1:?usage: report.sh BUILD_DIR}
T="$BUILD/telemetry"
WORK=$(mktemp -d /tmp/tm-report-XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
. "$(dirname "$0")/../lib.sh"
clean_env
D="$WORK/d"
mkdir -m 700 "$D"

BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ]; then
    if [ "${CI:-}" = true ]; then
        bad "chromium is missing (scripts/deps.sh --with-clickhouse installs it)"
        finish "report"
        exit 1
    fi
    skip "chromium is not installed: the HTML report is not rendered"
    finish "report"
    exit 0
fi

# 7 days x 4 repositories, known counts; the hostile strings in one event
python3 - "$D/all_errors.jsonl" "$WORK/want.json" <<'PY'
import json, sys
repos = {"alpha": 40, "beta": 30, "gamma": 20, "delta": 10}
rows, k = [], 0
for repo, n in repos.items():
    for i in range(n):
        k += 1
        day, hour = k % 7, (k * 5) % 24
        kind = k % 3
        ev = {"timestamp": "2026-11-%02dT%02d:%02d:00.000000Z" % (23 + day, hour, k % 60),
              "repo": repo, "agent": "claude" if k % 2 else "codex"}
        if kind == 0:
            ev.update(error_type="FileNotFoundError",
                      error_message="[Errno 2] No such file or directory: 'conf/app.yml'",
                      context={"errno": "ENOENT", "category": "file_not_found"})
        elif kind == 1:
            ev.update(error_type="PermissionError",
                      error_message="[Errno 13] Permission denied: '/etc/shadow'",
                      context={"errno": "EACCES", "category": "permission_denied"})
        else:
            ev.update(error_type="FileExistsError",
                      error_message="[Errno 17] File exists: '.git/index.lock'",
                      context={"errno": "EEXIST", "category": "git_lock_conflict"})
        rows.append(ev)
hostile = {"repo": "<script>alert(1)</script>", "agent": "\"><img src=x onerror=alert(2)>",
           "type": "</svg><svg onload=alert(3)>", "message": "&amp; <u>x</u> | `y` [z](javascript:alert(4))"}
rows.append({"timestamp": "2026-11-26T12:00:00.000000Z", "repo": hostile["repo"],
             "agent": hostile["agent"], "error_type": hostile["type"],
             "error_message": hostile["message"]})
rows.sort(key=lambda e: e["timestamp"])
with open(sys.argv[1], "w") as f:
    for e in rows:
        f.write(json.dumps(e) + "\n")
json.dump({"total": len(rows), "repos": repos, "hostile": hostile}, open(sys.argv[2], "w"))
PY
chmod 600 "$D/all_errors.jsonl"
"$T" run --dir "$D" -- true >/dev/null 2>&1
"$T" run --dir "$D" -- sh -c 'exit 3' >/dev/null 2>&1

expect_rc 0 "report --html" "$T" report --html "$WORK/r.html" --dir "$D"
expect_rc 2 "report without a format" "$T" report --dir "$D"
expect_rc 2 "report with both formats" "$T" report --markdown --html x --dir "$D"
expect_rc 1 "report --html into a missing directory" "$T" report --html "$WORK/no/r.html" --dir "$D"
check "report --html: a self-contained page (no script, nothing fetched)" python3 - "$WORK/r.html" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
assert t.startswith("<!DOCTYPE html>"), t[:40]
assert "<script" not in t.lower(), "a script element"
assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', t), "something fetched"
assert not re.search(r"<link|@import|url\(", t), "an outside resource"
PY

export HOME="$WORK/home"
mkdir -p "$HOME"
timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --dump-dom "file://$WORK/r.html" >"$WORK/dom.html" 2>"$WORK/chromium.err"
check "chromium renders the page (--dump-dom)" test -s "$WORK/dom.html"
timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --window-size=1280,2400 --screenshot="$WORK/r.png" "file://$WORK/r.html" \
    >/dev/null 2>>"$WORK/chromium.err"
check "chromium takes a screenshot" test -s "$WORK/r.png"

check "the rendered page: figures, charts, the log's text only as text" \
    python3 - "$WORK/dom.html" "$WORK/want.json" <<'PY'
import json, sys
from html.parser import HTMLParser
want = json.load(open(sys.argv[2]))

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text, self.svgs, self.rects = [], [], [], 0, 0
        self.in_style = False
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [a for a, _ in attrs]
        self.svgs += tag == "svg"
        self.rects += tag == "rect"
        self.in_style = tag == "style"
    def handle_endtag(self, tag):
        self.in_style = False
    def handle_data(self, data):
        if not self.in_style:
            self.text.append(data)

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
text = " ".join(p.text)
bad = [t for t in p.tags if t in ("script", "img", "iframe", "object", "embed", "u")]
assert not bad, "elements from the log: %s" % bad
assert not [a for a in p.attrs if a.startswith("on")], "event attributes"
assert p.svgs >= 3, "charts: %d" % p.svgs
assert p.rects >= 4 + 7, "bars: %d" % p.rects
assert str(want["total"]) in text, "the total"
for repo, n in want["repos"].items():
    assert repo in text and str(n) in text, repo
for s in want["hostile"].values():
    assert s in text, "shown as text: " + s
assert "Failures over time" in text and "Runs" in text and "Patterns" in text
assert "exit 3" in text and "exit 0" in text, "the runs' exit statuses"
PY
check "the screenshot is a PNG of the page's size, not blank" python3 - "$WORK/r.png" <<'PY'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1280, 2400), (w, h)
assert len(b) > 20000, "%d bytes: blank?" % len(b)
PY

# the same facts as Markdown tables, hostile text escaped
expect_rc 0 "report --markdown" "$T" report --markdown --dir "$D"
check "report --markdown: tables, no raw HTML, the hostile text as text" \
    python3 "$(dirname "$0")/md_tables.py" "$WORK/out" "<script>alert(1)</script>"
check "report --markdown: the runs" sh -c "grep -q '| exit 3' '$WORK/out' && grep -q '| exit 0 |' '$WORK/out'"
# the filters narrow the report too
expect_rc 0 "report --html --repo alpha" "$T" report --html "$WORK/a.html" --repo alpha --dir "$D"
check "report --repo alpha: only alpha's failures" python3 - "$WORK/a.html" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
assert re.search(r'<div class="fig"><b>40</b>failures', t), "the total"
assert "gamma" not in t
PY
finish "report"
