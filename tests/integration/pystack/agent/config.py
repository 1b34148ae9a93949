# The package of tests/integration/pystack.sh: each failure at a known
# line (the driver checks "agent/config.py:LINE in FUNCTION").
import os


def load_config(name):
    with open(name) as f:
        return f.read()


def load_cache(name):
    return open(name).read()


class Runner:
    def step(self):
        return load_config("missing-config.json")


def worker(i):
    try:
        open("missing-worker-%d.txt" % i)
    except OSError:
        pass


def on_signal(signum, frame):
    try:
        open("missing-signal.txt")
    except OSError:
        pass


def in_child():
    try:
        open("missing-child.txt")
    except OSError:
        pass
    os._exit(0)


def fds_unchanged():
    before = sorted(os.listdir("/proc/self/fd"))
    try:
        open("missing-fds.txt")
    except OSError:
        pass
    return before == sorted(os.listdir("/proc/self/fd"))


def descend(k):
    if k == 0:
        return load_cache("missing-deep.json")
    if k % 2:
        return descend(k - 1)
    return descend(k - 1)
