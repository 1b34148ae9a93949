#!/usr/bin/env python3
"""Realistic error messages for the sanitizer benchmark, some with secrets.

    messages.py BYTES SEED   -> lines on stdout until BYTES were written
"""
import random
import sys

R = random.Random()
USERS = ["alice", "bob", "carol", "dave", "erin"]
WORDS = ["api", "core", "utils", "models", "views", "auth", "billing", "search"]


def path():
    return "/home/%s/work/%s/%s.py" % (R.choice(USERS), R.choice(WORDS), R.choice(WORDS))


def tok(n):
    return "".join(R.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))


LINES = [
    lambda: "Traceback (most recent call last): File \"%s\", line %d, in %s" % (path(), R.randint(1, 900), R.choice(WORDS)),
    lambda: "  File \"%s\", line %d, in run_step    result = self.llm.complete(prompt, max_tokens=%d)" % (path(), R.randint(1, 900), R.randint(100, 4000)),
    lambda: "[Errno 2] No such file or directory: '%s'" % path(),
    lambda: "[Errno 13] Permission denied: '/var/lib/%s/%s.db'" % (R.choice(WORDS), R.choice(WORDS)),
    lambda: "fatal: Unable to create '/home/%s/src/%s/.git/index.lock': File exists." % (R.choice(USERS), R.choice(WORDS)),
    lambda: "error: failed to push some refs to 'https://github.com/%s/%s.git'" % (R.choice(USERS), R.choice(WORDS)),
    lambda: "fatal: unable to access 'https://%s:%s@gitlab.example.com/%s.git/': The requested URL returned error: 403" % (R.choice(USERS), tok(12), R.choice(WORDS)),
    lambda: "HTTPSConnectionPool(host='api.openai.com', port=443): Read timed out. (read timeout=%d)" % R.randint(10, 600),
    lambda: "openai.AuthenticationError: Incorrect API key provided: sk-proj-%s. You can find your API key at https://platform.openai.com" % tok(24),
    lambda: "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.github.com/repos/%s/%s (Authorization: Bearer ghp_%s)" % (R.choice(USERS), R.choice(WORDS), tok(36)),
    lambda: "429 Client Error: Too Many Requests for url: https://api.anthropic.com/v1/messages request_id=req_%s" % tok(24),
    lambda: "connect to %d.%d.%d.%d port 5432 failed: Connection refused" % (R.randint(10, 200), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254)),
    lambda: "notify %s@example.com failed: SMTP 550 mailbox unavailable" % R.choice(USERS),
    lambda: "psycopg2.OperationalError: FATAL: password authentication failed for user \"%s\" (password=%s)" % (R.choice(USERS), tok(10)),
    lambda: "ModuleNotFoundError: No module named '%s'" % R.choice(["requests", "yaml", "torch", "numpy"]),
    lambda: "AttributeError: 'IssueAgent' object has no attribute '%s'" % R.choice(WORDS),
    lambda: "json.decoder.JSONDecodeError: Expecting value: line %d column %d (char %d)" % (R.randint(1, 99), R.randint(1, 80), R.randint(0, 9999)),
    lambda: "subprocess.CalledProcessError: Command '['git', 'commit', '-m', 'fix %s']' returned non-zero exit status 1." % R.choice(WORDS),
    lambda: "TimeoutError: task %s-%s-%s exceeded %d s after commit %s" % (tok(8), tok(4), tok(4), R.randint(1, 900), "".join(R.choice("0123456789abcdef") for _ in range(40))),
    lambda: "RuntimeError: tool call failed in step %d of plan for repository %s (no output)" % (R.randint(1, 40), R.choice(WORDS)),
]


def main():
    limit, seed = int(sys.argv[1]), int(sys.argv[2])
    R.seed(seed)
    written = 0
    out = sys.stdout
    while written < limit:
        line = R.choice(LINES)() + "\n"
        out.write(line)
        written += len(line)


if __name__ == "__main__":
    main()
