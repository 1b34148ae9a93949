#!/usr/bin/env python3
"""Baseline for the sanitizer benchmark: the original message rules
(README "Privacy") with Python's `re`, applied the straightforward way
(each rule over the text, spans merged, output built once).  Reads lines on stdin, writes them sanitized.  Not used by
the product; it exists to be measured against."""
import re
import sys

TOKEN = "***TOKEN***"
RULES = [
    (r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[^-]|-[^-])*(?:-----END [A-Z0-9 ]*PRIVATE KEY-----)?", 0, "***PRIVATE KEY***", 0),
    (r"(?i)(proxy-)?authorization[\"']?\s*[:=]\s*(\"[^\"]*\"|'[^']*'|[^\r\n\"',}]+)", 2, TOKEN, 0),
    (r"://[^/\s:@]*:([^/\s@]+)@", 1, "***", 0),
    (r"(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/=-]{6,})", 2, TOKEN, 0),
    (r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})", 0, TOKEN, 0),
    (r"\bgl[a-z]{1,8}-[A-Za-z0-9_-]{20,}", 0, TOKEN, 0),
    (r"\b(AKIA|ASIA)[A-Z0-9]{16}\b", 0, TOKEN, 0),
    (r"\bxox[abposre]-[A-Za-z0-9-]{10,}", 0, TOKEN, 0),
    (r"hooks\.slack\.com/services/[A-Za-z0-9/_-]+", 0, TOKEN, 0),
    (r"\b((sk|rk)_live_|(sk|pk|rk)_test_|whsec_)[A-Za-z0-9]{10,}", 0, TOKEN, 0),
    (r"\bAIza[A-Za-z0-9_-]{30,}", 0, TOKEN, 0),
    (r"\bnpm_[A-Za-z0-9]{30,}", 0, TOKEN, 0),
    (r"\bpypi-[A-Za-z0-9_-]{16,}", 0, TOKEN, 0),
    (r"\bhf_[A-Za-z0-9]{20,}", 0, TOKEN, 0),
    (r"\bdckr_pat_[A-Za-z0-9_-]{20,}", 0, TOKEN, 0),
    (r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", 0, TOKEN, 0),
    (r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", 0, TOKEN, 0),
    (r"(?<![A-Za-z0-9_-])sk-(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{6,}", 0, TOKEN, 0),
    (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", 0, "***EMAIL***", 0),
    (r"(?i)(password|passwd|pwd|passphrase|secret|token|api_key|apikey|access_key|private_key|credential|session_id|signature|_auth)[A-Za-z0-9_.-]*[\"']?\s*(=>|=|:)\s*(\"[^\"]*\"|'[^']*'|\$\{[^}]*\}|[^\s,;&\"'<>(){}]+)", 3, "***", 1),
    (r"(?<!\S)(-u|--user)(\s+|=)[^\s:]+:(\S+)", 3, "***", 0),
    (r"/(home|Users)/([^/\s\"':;,)\\]+)", 2, "***", 0),
    (r"\\/(home|Users)\\/([^/\s\"':;,)\\]+)", 2, "***", 0),
    (r"%2[Ff](home|Users)%2[Ff]([^%&?#/\s\"':;,)\\]+)", 2, "***", 0),
    (r"(?<![\w.-])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w])", 0, "***IP***", 2),
    (r"(?<![\w.-])[2-6](?:[ -]?\d){12,18}(?![\w-])", 0, "***CARD***", 3),
    (r"(?<![\w+.-])\+[1-9][\d ().-]{6,20}\d(?![\w-])", 0, "***PHONE***", 0),
    (r"(?<![\w+.-])(\([2-9]\d{2}\)|[2-9]\d{2})[ .-]?[2-9]\d{2}[ .-]\d{4}(?![\w-])", 0, "***PHONE***", 0),
    (r"(?<![A-Za-z0-9])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{32,}", 0, TOKEN, 0),
]
PLAIN = ("max_", "_count", "count", "num_", "_len", "length", "_url", "url_",
         "_uri", "_path", "path_", "_file", "_dir", "_type", "tokens", "limit")
COMPILED = [(re.compile(p), g, m, v) for p, g, m, v in RULES]


def luhn(s):
    digits = [int(c) for c in s if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def valid(kind, m):
    if kind == 1:
        start = m.start(0)
        while start > 0 and (m.string[start - 1].isalnum() or m.string[start - 1] in "_.-"):
            start -= 1
        key = m.string[start:m.start(2)].lower()
        val = m.group(3).strip("\"'").lower()
        return not any(p in key for p in PLAIN) and val not in ("none", "null", "true", "false", "***", "") and not val.startswith("${")
    if kind == 2:
        octets = [int(x) for x in m.groups()]
        return max(octets) <= 255 and octets[0] not in (0, 127)
    if kind == 3:
        return luhn(m.group(0))
    return True


def scrub(text):
    spans = []
    for i, (rx, g, marker, kind) in enumerate(COMPILED):
        for m in rx.finditer(text):
            if valid(kind, m):
                spans.append((m.start(g), m.end(g), i, marker))
    if not spans:
        return text
    spans.sort()
    out, at, merged = [], 0, []
    for s, e, i, mk in spans:
        if merged and s < merged[-1][1]:
            ps, pe, pi, pm = merged[-1]
            merged[-1] = (ps, max(pe, e), min(pi, i), pm if pi <= i else mk)
        else:
            merged.append((s, e, i, mk))
    for s, e, _, mk in merged:
        out.append(text[at:s])
        out.append(mk)
        at = e
    out.append(text[at:])
    return "".join(out)


def main():
    out = sys.stdout
    for line in sys.stdin:
        out.write(scrub(line.rstrip("\n")) + "\n")


if __name__ == "__main__":
    main()
