"""tests/peer/outcomes.py - reads what `python3 -m test -v --junit-xml` left
behind for tests/peer/cpython.sh.  Runs without the shim.

  outcomes.py cases XML LOG       test id <TAB> ok|fail|error|skip, sorted; the
                                  first line is "#result <TAB> regrtest's verdict"
                                  exit 2 when the XML is missing (the run died)
  outcomes.py diff BASE SHIM      the ids whose outcome differs: id, base, shim
  outcomes.py why XML LOG ID      the end of the traceback of ID (for the report)
  outcomes.py events DIR          the number of events in DIR's all_errors.jsonl*;
                                  exit 1 (naming file and line) when a line of
                                  any *.jsonl* file there is not a JSON object

Python 3.11's junit writer has a gap: a test whose subTest failed never gets
its result written (the <testcase> stays without a name), so the FAIL:/ERROR:
headers unittest prints at the end of a verbose run are read too.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

# unittest's closing report: "FAIL: test_x (test.test_os.Cls.test_x) [sub]"
# or, for a fixture, "ERROR: setUpClass (test.test_os.Cls)".
HEADER = re.compile(r"^(FAIL|ERROR): (\S+) \(([^)\s]+)\)")
VERDICT = re.compile(r"^Tests result: (.*)$")
# the more serious outcome wins when one id has several
RANK = {"ok": 0, "skip": 1, "fail": 2, "error": 3}


def read_log(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


def log_failures(lines):
    """{id: (outcome, traceback lines)} from the FAIL:/ERROR: blocks."""
    found = {}
    i = 0
    while i < len(lines):
        m = HEADER.match(lines[i])
        if not m:
            i += 1
            continue
        kind, name, where = m.groups()
        tid = where if where.endswith("." + name) else where + "." + name
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith("=" * 20) \
                and not lines[i].startswith("Ran "):
            body.append(lines[i])
            i += 1
        outcome = "fail" if kind == "FAIL" else "error"
        old = found.get(tid)
        if old is None or RANK[outcome] > RANK[old[0]]:
            found[tid] = (outcome, body)
    return found


def xml_cases(path):
    """{id: (outcome, traceback text)}; None when the file is unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    cases = {}
    for tc in root.iter("testcase"):
        tid = tc.get("name")
        if not tid:
            continue  # the subTest gap: the log says what happened
        outcome, text = "ok", ""
        for child in tc:
            if child.tag in ("error", "failure"):
                outcome = "error" if child.tag == "error" else "fail"
                text = child.text or child.get("message") or ""
            elif child.tag == "skipped" and outcome == "ok":
                outcome = "skip"
        cases[tid] = (outcome, text)
    return cases


def merged(xml_path, log_path):
    cases = xml_cases(xml_path)
    if cases is None:
        return None, None
    lines = read_log(log_path)
    for tid, (outcome, body) in log_failures(lines).items():
        old = cases.get(tid, ("ok", ""))
        if RANK[outcome] > RANK[old[0]]:
            cases[tid] = (outcome, "\n".join(body))
    verdict = "none"
    for line in lines:
        m = VERDICT.match(line)
        if m:
            verdict = m.group(1).strip()
    return cases, verdict


def cmd_cases(xml_path, log_path):
    cases, verdict = merged(xml_path, log_path)
    if cases is None:
        print("#result\tdied (no junit file)")
        return 2
    print("#result\t" + verdict)
    for tid in sorted(cases):
        print(tid + "\t" + cases[tid][0])
    return 0


def read_tsv(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            tid, outcome = line.rstrip("\n").split("\t")
            out[tid] = outcome
    return out


def cmd_diff(base_path, shim_path):
    base, shim = read_tsv(base_path), read_tsv(shim_path)
    for tid in sorted(set(base) | set(shim)):
        b, s = base.get(tid, "absent"), shim.get(tid, "absent")
        if b != s:
            print(f"{tid}\t{b}\t{s}")
    return 0


def cmd_why(xml_path, log_path, tid):
    cases, _ = merged(xml_path, log_path)
    text = (cases or {}).get(tid, ("", ""))[1]
    lines, skip_code = [], False
    for line in text.splitlines():
        if skip_code and line.startswith("    "):
            skip_code = False
            continue
        skip_code = False
        if not line.strip() or set(line.strip()) <= set("^~"):
            continue  # blank, or 3.11's carets under the failing expression
        if "/unittest/" in line and line.lstrip().startswith("File "):
            skip_code = True  # unittest's own frame and its code line
            continue
        lines.append(line)
    # the failing line of the test and the exception: the last few lines
    for line in lines[-5:]:
        print("        " + line[:300])
    return 0


def cmd_events(directory):
    count, bad = 0, 0
    for name in sorted(os.listdir(directory)):
        if ".jsonl" not in name:
            continue
        path = os.path.join(directory, name)
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    ok = isinstance(json.loads(raw), dict)
                except ValueError:
                    ok = False
                if not ok:
                    bad += 1
                    if bad <= 5:
                        print(f"events: {path}:{n} is not a JSON object: "
                              f"{raw[:120]!r}", file=sys.stderr)
                elif name.startswith("all_errors.jsonl"):
                    count += 1
    print(count)
    return 1 if bad else 0


def main(argv):
    cmds = {"cases": (cmd_cases, 2), "diff": (cmd_diff, 2),
            "why": (cmd_why, 3), "events": (cmd_events, 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 64
    func, _ = cmds[argv[1]]
    return func(*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
