#!/usr/bin/env python3
"""Labelled messages for the grouping benchmark (not a test).

    grouping_data.py agent|system N SEED  ->  "label<TAB>message" lines

`agent`: messages coding agents meet (git, Python, Node, shell, HTTP
clients, the shim's OSError forms), 60+ true templates.  `system`: ordinary
system logs in the styles of sshd, the kernel and HDFS.  Every variable part
is drawn at random (paths, users, hosts, numbers, hashes, ids, times), so a
grouper must find the templates, not memorise lines.
"""
import random
import sys

R = random.Random()
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
WORDS = ["api", "core", "utils", "models", "views", "auth", "billing", "search",
         "client", "server", "worker", "cache", "db", "queue", "index", "docs"]
EXTS = ["py", "js", "ts", "json", "yaml", "txt", "md", "csv", "toml", "go"]
MODULES = ["requests", "numpy", "pandas", "yaml", "torch", "boto3", "httpx",
           "pydantic", "fastapi", "openai", "tiktoken", "rich", "click"]
ATTRS = ["plan_steps", "run_tool", "memory", "llm", "execute", "parse_output",
         "max_retries", "tools", "config", "history"]
CLASSES = ["IssueAgent", "ReviewAgent", "PlannerAgent", "CoderAgent", "BaseAgent"]
BRANCHES = ["main", "develop", "feature/login", "fix/timeout", "release-1.2"]
HOSTS = ["api.github.com", "api.openai.com", "registry.npmjs.org", "pypi.org",
         "gitlab.example.com", "hooks.slack.com"]


def num(a=1, b=99999): return str(R.randint(a, b))
def hexs(n): return "".join(R.choice("0123456789abcdef") for _ in range(n))
def uid(): return "-".join(hexs(k) for k in (8, 4, 4, 4, 12))
def ip(): return "%d.%d.%d.%d" % (R.randint(1, 223), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))
def user(): return R.choice(USERS)
def word(): return R.choice(WORDS)
def relpath(): return "/".join(R.choice(WORDS) for _ in range(R.randint(1, 3))) + "." + R.choice(EXTS)
def abspath(): return R.choice(["/home/***/", "/tmp/", "/workspace/", "/srv/app/"]) + relpath()
def ts(): return "2026-%02d-%02dT%02d:%02d:%02d.%03dZ" % (R.randint(1, 12), R.randint(1, 28), R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))
def dur(): return R.choice([num(1, 900) + "ms", "%.1fs" % R.uniform(0.1, 60)])
def repo(): return R.choice(["billing-api", "docs-site", "web-frontend", "ml-pipeline", "infra"])


AGENT = [
    lambda: "[Errno 2] No such file or directory: '%s'" % R.choice([relpath(), abspath()]),
    lambda: "[Errno 13] Permission denied: '%s'" % abspath(),
    lambda: "[Errno 17] File exists: '/workspace/%s/.git/index.lock'" % repo(),
    lambda: "[Errno 21] Is a directory: '%s'" % abspath().rsplit(".", 1)[0],
    lambda: "[Errno 20] Not a directory: '%s/%s'" % (abspath(), word()),
    lambda: "[Errno 28] No space left on device: '%s'" % abspath(),
    lambda: "[Errno 18] Invalid cross-device link: '%s' -> '/dev/shm/%s'" % (relpath(), relpath()),
    lambda: "[Errno 24] Too many open files: '%s'" % abspath(),
    lambda: "[Errno 30] Read-only file system: '%s'" % abspath(),
    lambda: "[Errno 32] Broken pipe",
    lambda: "[Errno 111] Connection refused",
    lambda: "[Errno 110] Connection timed out",
    lambda: "fatal: Unable to create '/workspace/%s/.git/index.lock': File exists." % repo(),
    lambda: "fatal: not a git repository (or any of the parent directories): .git",
    lambda: "fatal: pathspec '%s' did not match any files" % relpath(),
    lambda: "error: pathspec '%s' did not match any file(s) known to git" % R.choice(BRANCHES),
    lambda: "fatal: could not read Username for 'https://%s': terminal prompts disabled" % R.choice(HOSTS),
    lambda: "fatal: unable to access 'https://%s/%s/%s.git/': Could not resolve host: %s" % (R.choice(HOSTS), user(), word(), R.choice(HOSTS)),
    lambda: "error: failed to push some refs to 'git@github.com:%s/%s.git'" % (user(), word()),
    lambda: "CONFLICT (content): Merge conflict in %s" % relpath(),
    lambda: "error: Your local changes to the following files would be overwritten by checkout: %s" % relpath(),
    lambda: "fatal: A branch named '%s' already exists." % R.choice(BRANCHES),
    lambda: "error: cannot lock ref 'refs/heads/%s': Unable to create '/workspace/%s/.git/refs/heads/%s.lock': File exists." % ((R.choice(BRANCHES),) + (repo(),) + (R.choice(BRANCHES),)),
    lambda: "fatal: bad object %s" % hexs(40),
    lambda: "fatal: reference is not a tree: %s" % hexs(40),
    lambda: "No module named '%s'" % R.choice(MODULES),
    lambda: "ModuleNotFoundError: No module named '%s.%s'" % (R.choice(MODULES), word()),
    lambda: "'%s' object has no attribute '%s'" % (R.choice(CLASSES), R.choice(ATTRS)),
    lambda: "%s() got an unexpected keyword argument '%s'" % (R.choice(ATTRS), R.choice(ATTRS)),
    lambda: "%s() missing 1 required positional argument: '%s'" % (R.choice(ATTRS), R.choice(ATTRS)),
    lambda: "list index out of range",
    lambda: "KeyError: '%s'" % R.choice(ATTRS),
    lambda: "invalid literal for int() with base 10: '%s'" % R.choice(["abc", "", "1.5", "n/a", "none"]),
    lambda: "Expecting value: line %s column %s (char %s)" % (num(1, 400), num(1, 80), num(0, 20000)),
    lambda: "Unterminated string starting at: line %s column %s (char %s)" % (num(1, 400), num(1, 80), num(0, 20000)),
    lambda: "429 Client Error: Too Many Requests for url: https://%s/v1/%s/%s" % (R.choice(HOSTS), word(), num()),
    lambda: "500 Server Error: Internal Server Error for url: https://%s/v1/%s" % (R.choice(HOSTS), word()),
    lambda: "401 Client Error: Unauthorized for url: https://%s/user" % R.choice(HOSTS),
    lambda: "Rate limit reached for requests in organization org-%s on tokens per min. Limit: %s, Used: %s, Requested: %s." % (hexs(12), num(), num(), num()),
    lambda: "Request timed out after %s" % dur(),
    lambda: "HTTPSConnectionPool(host='%s', port=443): Max retries exceeded with url: /v1/%s" % (R.choice(HOSTS), word()),
    lambda: "This model's maximum context length is %s tokens. However, your messages resulted in %s tokens." % (R.choice(["8192", "16385", "128000"]), num(8000, 200000)),
    lambda: "Error: Cannot find module '%s'" % R.choice(["./" + relpath(), "lodash", "express", "@types/node"]),
    lambda: "ENOENT: no such file or directory, open '%s'" % abspath(),
    lambda: "EACCES: permission denied, mkdir '%s'" % abspath().rsplit(".", 1)[0],
    lambda: "npm ERR! code ERESOLVE unable to resolve dependency tree for %s@%s.%s.%s" % (word(), num(0, 9), num(0, 20), num(0, 9)),
    lambda: "SyntaxError: Unexpected token '%s' in JSON at position %s" % (R.choice(["<", "}", "u"]), num(0, 5000)),
    lambda: "TypeError: Cannot read properties of undefined (reading '%s')" % R.choice(ATTRS),
    lambda: "bash: %s: command not found" % R.choice(["jq", "rg", "poetry", "yarn", "cargo"]),
    lambda: "make: *** [Makefile:%s: %s] Error %s" % (num(1, 300), word(), num(1, 2)),
    lambda: "subprocess.CalledProcessError: Command '['git', '%s']' returned non-zero exit status %s." % (R.choice(["push", "pull", "fetch"]), R.choice(["1", "128"])),
    lambda: "Timeout waiting for lock on %s after %s" % (abspath(), dur()),
    lambda: "pytest: %s failed, %s passed in %s" % (num(1, 40), num(1, 900), dur()),
    lambda: "AssertionError: expected %s but got %s" % (num(), num()),
    lambda: "sqlite3.OperationalError: database is locked",
    lambda: "sqlite3.OperationalError: no such table: %s" % word(),
    lambda: "docker: Error response from daemon: pull access denied for %s/%s" % (user(), word()),
    lambda: "Task %s failed on worker %s after %s retries" % (uid(), num(1, 64), num(1, 5)),
    lambda: "agent step %s exceeded budget of %s tokens at %s" % (num(1, 50), num(1000, 90000), ts()),
    lambda: "Tool call %s returned invalid JSON: Expecting ',' delimiter" % uid(),
    lambda: "Tool call %s returned invalid JSON: Extra data" % uid(),
    lambda: "Tool call %s returned invalid JSON: Invalid control character at %s" % (uid(), num(0, 900)),
    lambda: "Killed process %s (%s) total-vm:%skB, anon-rss:%skB" % (num(100, 99999), R.choice(["python3", "node", "git"]), num(), num()),
]

SYSTEM = [
    lambda: "Accepted password for %s from %s port %s ssh2" % (user(), ip(), num(1024, 65535)),
    lambda: "Accepted publickey for %s from %s port %s ssh2: RSA SHA256:%s" % (user(), ip(), num(1024, 65535), hexs(20)),
    lambda: "Failed password for %s from %s port %s ssh2" % (user(), ip(), num(1024, 65535)),
    lambda: "Failed password for invalid user %s from %s port %s ssh2" % (R.choice(["admin", "test", "oracle", "ubuntu", "pi"]), ip(), num(1024, 65535)),
    lambda: "Invalid user %s from %s port %s" % (R.choice(["admin", "test", "oracle", "ubuntu", "pi"]), ip(), num(1024, 65535)),
    lambda: "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s" % (ip(), user()),
    lambda: "pam_unix(sshd:session): session opened for user %s by (uid=0)" % user(),
    lambda: "pam_unix(sshd:session): session closed for user %s" % user(),
    lambda: "Received disconnect from %s port %s:11: Bye Bye [preauth]" % (ip(), num(1024, 65535)),
    lambda: "Connection closed by %s port %s [preauth]" % (ip(), num(1024, 65535)),
    lambda: "reverse mapping checking getaddrinfo for %s.example.net [%s] failed - POSSIBLE BREAK-IN ATTEMPT!" % (hexs(6), ip()),
    lambda: "usb %s-%s: new high-speed USB device number %s using ehci-pci" % (num(1, 4), num(1, 8), num(1, 30)),
    lambda: "EXT4-fs (sda%s): mounted filesystem with ordered data mode. Opts: (null)" % num(1, 9),
    lambda: "Out of memory: Killed process %s (%s) total-vm:%skB" % (num(100, 99999), R.choice(["java", "python3", "node"]), num()),
    lambda: "TCP: request_sock_TCP: Possible SYN flooding on port %s. Sending cookies." % num(1, 65535),
    lambda: "e1000e %s:00:%s.0 eth0: NIC Link is Up 1000 Mbps Full Duplex" % (hexs(4), num(10, 31)),
    lambda: "CPU%s: Core temperature above threshold, cpu clock throttled (total events = %s)" % (num(0, 63), num()),
    lambda: "audit: type=1400 audit(%s.%s:%s): apparmor=\"DENIED\" operation=\"open\" profile=\"%s\"" % (num(1600000000, 1800000000), num(100, 999), num(), word()),
    lambda: "Receiving block blk_%s src: /%s:%s dest: /%s:%s" % (R.choice(["", "-"]) + num(10**17, 10**18), ip(), num(1024, 65535), ip(), "50010"),
    lambda: "PacketResponder %s for block blk_%s terminating" % (num(0, 2), R.choice(["", "-"]) + num(10**17, 10**18)),
    lambda: "Received block blk_%s of size %s from /%s" % (R.choice(["", "-"]) + num(10**17, 10**18), num(1000, 67108864), ip()),
    lambda: "BLOCK* NameSystem.addStoredBlock: blockMap updated: %s:50010 is added to blk_%s size %s" % (ip(), R.choice(["", "-"]) + num(10**17, 10**18), num(1000, 67108864)),
    lambda: "BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_%s_%s_m_%s_0/part-%s. blk_%s" % (num(10**11, 10**12), num(1000, 9999), num(100000, 999999), num(10000, 99999), num(10**17, 10**18)),
    lambda: "Deleting block blk_%s file /mnt/hadoop/dfs/data/current/subdir%s/blk_%s" % (num(10**17, 10**18), num(0, 63), num(10**17, 10**18)),
    lambda: "Verification succeeded for blk_%s" % num(10**17, 10**18),
]


def main():
    kind, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    R.seed(seed)
    table = AGENT if kind == "agent" else SYSTEM
    for _ in range(n):
        label = R.randrange(len(table))
        print("%d\t%s" % (label, table[label]()))


if __name__ == "__main__":
    main()
