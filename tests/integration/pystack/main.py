# tests/integration/pystack.sh: python3 main.py MODE
import os
import signal
import sys
import threading

from agent import config


def basic():
    try:
        config.Runner().step()
    except OSError:
        pass
    try:
        config.load_cache("missing-cache.json")
    except OSError:
        pass
    t = threading.Thread(target=config.worker, args=(0,))
    t.start()
    t.join()


def threads():
    go = threading.Barrier(8)

    def each(i):
        go.wait()
        for k in range(5):
            config.worker(i * 10 + k + 1)
    ts = [threading.Thread(target=each, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def forked():
    pid = os.fork()
    if pid == 0:
        config.in_child()
    os.waitpid(pid, 0)


def signalled():
    signal.signal(signal.SIGUSR1, config.on_signal)
    os.kill(os.getpid(), signal.SIGUSR1)


def outside():
    import helper  # from PYTHONPATH, outside the work tree
    helper.fail()


def fds():
    sys.exit(0 if config.fds_unchanged() else 3)


def recursive():
    try:
        config.descend(5)
    except OSError:
        pass


def reborn():
    # functions made, called and freed one after another: their code
    # objects come back at the same addresses, naming other files
    import gc
    for i in range(12):
        src = ("def fn_%d(i):\n    try:\n        open('missing-reborn-%%d.txt' %% i)\n"
               "    except OSError:\n        pass\n" % (i % 7))
        ns = {}
        exec(compile(src, "gen_%d.py" % (i % 5), "exec"), ns)
        ns["fn_%d" % (i % 7)](i)
        del ns
        gc.collect()


def depths():
    # failures one after another at two depths of C calls (map() calls
    # the function from C): the interpreter's C frame (3.11's cframe)
    # differs from one failure to the next
    for i in range(6):
        name = "missing-depth-%d.txt" % i
        try:
            if i % 2:
                list(map(config.load_cache, [name]))
            else:
                config.load_cache(name)
        except OSError:
            pass


def fifteen():
    # one stack of 16 code objects (15 made here, and this function; the
    # module's frame is the 17th, not kept) failing 21 times, the first
    # with a location table longer than its first read (120 statements):
    # after the first failure, everything is one read each time
    src = ("def g0(i):\n" + "".join("    x%d = i + %d\n" % (k, k) for k in range(120)) +
           "    try:\n        open('missing-fifteen-%d.txt' % i)\n"
           "    except OSError:\n        pass\n" +
           "".join("def g%d(i):\n    g%d(i)\n" % (k, k - 1) for k in range(1, 15)))
    ns = {}
    exec(compile(src, "chain.py", "exec"), ns)
    for i in range(21):
        ns["g14"](i)


class Made:
    def __init__(self, i):
        try:
            open("missing-init-%d.txt" % i)
        except OSError:
            pass


def init():
    # one call site making a class 40 times: 3.13 specializes it and runs
    # __init__ above a frame of the interpreter's own, not started, which
    # tracebacks do not show
    for i in range(40):
        Made(i)


def inits():
    # twelve classes, each __init__ making the next, made 8 times: on 3.13
    # each specialized call adds a frame of the interpreter's own, which
    # must not take one of the stack's 16 places (14 frames here)
    src = ("class A0:\n    def __init__(self, i):\n"
           "        try:\n            open('missing-inits-%d.txt' % i)\n"
           "        except OSError:\n            pass\n" +
           "".join("class A%d:\n    def __init__(self, i):\n        A%d(i)\n" % (k, k - 1)
                   for k in range(1, 12)))
    ns = {}
    exec(compile(src, "inits.py", "exec"), ns)
    for i in range(8):
        ns["A11"](i)


def vault(path):
    try:
        open(path)
    except OSError:
        pass


def private():
    # One stack twice: a failure in this repository, then one in the
    # private repository "vault" ($VAULT), whose name is also the
    # function's: the second event's entries must not hold it.
    for path in ("missing-private-1.txt",
                 os.path.join(os.environ["VAULT"], "missing-private-2.txt")):
        vault(path)


def once():
    try:
        open("missing-prefix.txt")
    except OSError:
        pass


def prefix():
    # One function twice: from here, then from the interpreter at exit,
    # with no Python frame under it: the second stack is the first one's
    # innermost entry alone.
    import atexit
    atexit.register(once)
    once()


{"basic": basic, "threads": threads, "fork": forked, "signal": signalled,
 "fds": fds, "outside": outside, "recursive": recursive,
 "reborn": reborn, "depths": depths,
 "fifteen": fifteen, "init": init, "inits": inits,
 "private": private, "prefix": prefix}[sys.argv[1]]()
