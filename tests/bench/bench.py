#!/usr/bin/env python3
"""make bench: the cost of the shim and the speed of the analysis, measured
in one run with the configurations interleaved (A B C A B C ...), a warm-up
round first, medians and ratios against the baseline of the same run.

    bench.py BUILD_DIR [--rounds N] [--quick] [--against OTHER_BUILD_DIR]

--against measures a second build (an older commit's, say) in the same
rounds: its shim as configuration "against" beside "shim", its telemetry
as "against" beside "telemetry".

Nothing here passes or fails on a timing: it prints measurements.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd, env=None, cwd=None, check=True, stdin=None):
    return subprocess.run(cmd, env=env, cwd=cwd, check=check, stdin=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def timed(cmd, env=None, cwd=None, stdin_path=None):
    """Wall seconds and peak RSS (KiB) of one command."""
    fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=fin,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    if stdin_path:
        fin.close()
    if status != 0:
        raise SystemExit("bench: %s failed (%d)" % (cmd[0], status))
    return dt, ru.ru_maxrss


def stats(xs):
    xs = sorted(xs)
    return statistics.median(xs), xs[0], xs[-1]


def fmt(xs, unit, scale=1.0):
    m, lo, hi = stats(xs)
    return "%9.2f %s  [%.2f .. %.2f]" % (m * scale, unit, lo * scale, hi * scale)


class Bench:
    def __init__(self, build, rounds, quick, against=None):
        self.rows = []  # the performance table: (figure, result, target, met)
        self.build = os.path.abspath(build)
        self.shim = os.path.join(self.build, "libtelemetry_shim.so")
        self.tel = os.path.join(self.build, "telemetry")
        self.against = os.path.abspath(against) if against else None
        self.rounds = rounds
        self.quick = quick
        self.work = tempfile.mkdtemp(prefix="tm-bench-")
        os.chmod(self.work, 0o755)
        self.td = os.path.join(self.work, "td")
        base = dict(os.environ)
        for k in list(base):
            if k.startswith("TELEMETRY_") or k == "LD_PRELOAD":
                del base[k]
        base.update(HOME=os.path.join(self.work, "home"), GIT_CONFIG_NOSYSTEM="1",
                    TELEMETRY_DIR=self.td)
        os.makedirs(base["HOME"])
        self.base = base
        self.strace = shutil.which("strace")
        self.build_helpers()

    def env(self, config):
        e = dict(self.base)
        if config == "disabled":
            e.update(LD_PRELOAD=self.shim, TELEMETRY_DISABLE="1")
        elif config == "shim":
            e.update(LD_PRELOAD=self.shim)
        elif config == "nostack":
            e.update(LD_PRELOAD=self.shim, TELEMETRY_STACK="0")
        elif config == "against":
            e.update(LD_PRELOAD=os.path.join(self.against, "libtelemetry_shim.so"))
        elif config == "empty":
            e.update(LD_PRELOAD=os.path.join(self.work, "libempty.so"))
        return e

    def cmd(self, config, argv):
        if config == "strace":
            return [self.strace, "-f", "-Z", "-e",
                    "trace=open,openat,creat,rename,renameat,renameat2,write,pwrite64,writev",
                    "-o", "/dev/null"] + argv
        return argv

    def build_helpers(self):
        for name in ("loop", "spawn", "spawnmix", "fail", "probe1", "faults", "kentry"):
            sh(["cc", "-O2", "-o", os.path.join(self.work, name),
                os.path.join(HERE, name + ".c")])
        sh(["cc", "-shared", "-fPIC", "-o", os.path.join(self.work, "libempty.so"),
            os.path.join(HERE, "empty.c")])

    def machine(self):
        """What a kernel entry costs here (kentry.c), and the kernel's
        mitigation settings: the recorded failure, the process start and
        the Python stack are made largely of system calls and page
        faults, each a kernel entry."""
        out = sh([os.path.join(self.work, "kentry")]).stdout.split()
        ns = dict(kv.split("=") for kv in out)
        try:
            with open("/sys/devices/system/cpu/vulnerabilities/meltdown") as f:
                meltdown = f.read().strip()
        except OSError:
            meltdown = "unknown"
        try:
            with open("/proc/cmdline") as f:
                cmdline = f.read().split()
        except OSError:
            cmdline = []
        flags = [w for w in cmdline if w.startswith(("pti=", "mitigations="))]
        print("machine: a bare system call (getppid) %s ns, fstat %s ns, a failing "
              "open %s ns; a page touched after a kernel entry %s ns more than "
              "before it" % (ns["getppid"], ns["fstat"], ns["open_enoent"],
                             ns["page_after_entry"]))
        print("  meltdown: %s; kernel command line: %s" % (
            meltdown, " ".join(flags) or "(no pti= or mitigations= setting)"))

    def tel_of(self, config):
        """The telemetry binary of a configuration ("against": the other build's)."""
        return os.path.join(self.against, "telemetry") if config == "against" else self.tel

    def interleave(self, configs, run, rounds=None):
        """run(config) -> value; a warm-up round, then self.rounds rounds
        (or `rounds`).  With --against, "against" runs after "shim" /
        "telemetry".  Each round starts one configuration further on (A B
        C, B C A, C A B, ...): a run that leaves work behind (dirty pages of
        the logs it wrote) would otherwise slow the same neighbour every
        round (the recorded failure's "against" ran 40% slower than "shim"
        behind it in every round of one run, and as fast alone)."""
        if self.against:
            for anchor in ("shim", "telemetry"):
                if anchor in configs and "against" not in configs:
                    configs = list(configs)
                    configs.insert(configs.index(anchor) + 1, "against")
        res = {c: [] for c in configs}
        for r in range((rounds or self.rounds) + 1):
            for i in range(len(configs)):
                c = configs[(i + r) % len(configs)]
                v = run(c)
                if r > 0:
                    res[c].append(v)
        return res

    def row(self, figure, result, target, met):
        self.rows.append((figure, result, target, "met" if met else "missed"))

    def table(self):
        """The performance table of README "Performance", from this run."""
        if not self.rows:
            return
        print("\n| figure | this run | target | |\n|---|---|---|---|")
        for r in self.rows:
            print("| %s | %s | %s | %s |" % r)

    def report(self, title, res, unit, baseline="none", scale=1.0):
        print("\n" + title)
        base = statistics.median(res[baseline]) if baseline in res else None
        for c, xs in res.items():
            line = "  %-9s %s" % (c, fmt(xs, unit, scale))
            if base and c != baseline:
                line += "   ratio %.3f" % (statistics.median(xs) / base)
            print(line)
        for this in ("shim", "telemetry"):
            if this in res and "against" in res:
                print("  %s / against: %.3f" % (
                    this, statistics.median(res[this]) / statistics.median(res["against"])))
        sys.stdout.flush()

    # ---- workloads ----

    def git_repo(self):
        repo = os.path.join(self.work, "repo")
        os.makedirs(repo)
        sh(["git", "init", "-q", repo], env=self.base)
        n = 100 if self.quick else 500
        for i in range(n):
            d = os.path.join(repo, "src", "d%02d" % (i % 50))
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "f%04d.py" % i), "w") as f:
                f.write("x = %d\n" % i * 20)
        sh(["git", "-c", "user.email=b@e", "-c", "user.name=b", "add", "-A"], env=self.base, cwd=repo)
        sh(["git", "-c", "user.email=b@e", "-c", "user.name=b", "commit", "-qm", "init"], env=self.base, cwd=repo)
        return repo, n

    def bench_git(self):
        repo, n = self.git_repo()
        step = ("git status >/dev/null; git add -A; git diff --cached >/dev/null; "
                "git log -3 --stat >/dev/null")
        k = [0]

        def run(c):
            k[0] += 1
            for i in range(20):  # an agent edits a few files, then commits
                with open(os.path.join(repo, "src", "d%02d" % (i % 50), "f%04d.py" % i), "a") as f:
                    f.write("# edit %d\n" % k[0])
            dt, _ = timed(self.cmd(c, ["sh", "-c", step]), env=self.env(c), cwd=repo)
            return dt
        # "empty": the floor of any preload (an empty library loaded into
        # each of the workload's processes)
        configs = ["none", "empty", "disabled", "shim"] + (["strace"] if self.strace else [])
        res = self.interleave(configs, run)
        self.report("git: status, add -A, diff --cached, log -3 --stat in a %d-file repository (ms)" % n,
                    res, "ms", scale=1e3)
        r = statistics.median(res["shim"]) / statistics.median(res["none"])
        floor = statistics.median(res["empty"]) / statistics.median(res["none"])
        self.row("git workload (status, add -A, diff --cached, log -3 --stat; %d files), shim / none" % n,
                 "%.3f (an empty preload: %.3f)" % (r, floor), "<= 1.01", r <= 1.01)
        return res

    def bench_python(self):
        imp = ["python3", "-c", "import json, email.parser, http.client, sqlite3, argparse, logging"]
        res = self.interleave(["none", "disabled", "shim"],
                              lambda c: timed(imp, env=self.env(c))[0])
        self.report("python: import-heavy start (ms)", res, "ms", scale=1e3)
        # In memory (/dev/shm when there is one): on a disk, journal flushes
        # made this workload's spread larger than any difference measured.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else self.work
        out = os.path.join(shm, "tm-bench-pyfiles-%d" % os.getpid())
        nfiles = 1000 if self.quick else 10000
        script = ("import os,sys\nd=sys.argv[1]\nos.makedirs(d)\n"
                  "for i in range(%d):\n    open(os.path.join(d,'f%%d.txt'%%i),'w').write('x'*64)\n" % nfiles)

        def run(c):
            shutil.rmtree(out, ignore_errors=True)
            return timed(["python3", "-c", script, out], env=self.env(c))[0]
        res2 = self.interleave(["none", "disabled", "shim"], run)
        shutil.rmtree(out, ignore_errors=True)
        self.report("python: a script writing %d small files to %s (ms)" % (nfiles, shm), res2, "ms", scale=1e3)
        return res, res2

    def bench_loop(self):
        vals = {}

        def run(c):
            out = sh([os.path.join(self.work, "loop")], env=self.env(c)).stdout.split()
            vals.setdefault(c, []).append([float(x) for x in out])
            return float(out[0])
        self.interleave(["none", "disabled", "shim"], run)
        print("\nworst case: 1,000,000 open+close of /dev/null, 1,000,000 writes of 64 bytes (ns per call)")
        for c, rows in vals.items():
            rows = rows[1:]
            o = [r[0] for r in rows]
            w = [r[1] for r in rows]
            print("  %-9s open+close %s   write %s" % (c, fmt(o, "ns"), fmt(w, "ns")))
        base_o = statistics.median([r[0] for r in vals["none"][1:]])
        base_w = statistics.median([r[1] for r in vals["none"][1:]])
        for c in [c for c in ("disabled", "shim", "against") if c in vals]:
            print("  %-9s adds %.2f ns per open+close, %.2f ns per write" % (
                c, statistics.median([r[0] for r in vals[c][1:]]) - base_o,
                statistics.median([r[1] for r in vals[c][1:]]) - base_w))

    def bench_spawn(self):
        # Five times the rounds, a fifth of the spawns each: the VM's noise
        # comes in spells of seconds, and more, shorter rounds spread them
        # over every configuration (the medians of 7 rounds of 2,000 moved
        # by 0.7x to 2.3x the floor from one run to the next).
        n = 300 if self.quick else 400
        res = self.interleave(
            ["none", "empty", "disabled", "shim"],
            lambda c: float(sh([os.path.join(self.work, "spawn"), str(n)], env=self.env(c)).stdout),
            rounds=5 * self.rounds)
        self.report("process start: %d spawns of /bin/true per round, %d rounds (us per spawn)"
                    % (n, 5 * self.rounds), res, "us")
        base = statistics.median(res["none"])
        empty = statistics.median(res["empty"]) - base
        for c in [c for c in ("shim", "against") if c in res]:
            extra = statistics.median(res[c]) - base
            print("  the empty preload adds %.1f us, %s adds %.1f us: %s" % (
                empty, c, extra, "%.2fx the floor" % (extra / empty) if empty > 0
                else "no ratio (the floor is lost in this run's noise)"))
            if c == "shim":
                self.row("process start, %d x %d posix_spawn of /bin/true: shim's extra / empty preload's"
                         % (5 * self.rounds, n),
                         "%.1f us / %.1f us = %s" % (extra, empty, "%.2fx" % (extra / empty)
                                                     if empty > 0 else "no ratio"),
                         "<= 1.10x", empty > 0 and extra / empty <= 1.10)
        self.spawn_mixed()
        self.spawn_counts()

    def spawn_mixed(self):
        """The same start, configurations interleaved spawn by spawn
        (spawnmix.c): the medians of paired differences with no preload,
        for /bin/true and for a process whose one interposed call succeeds
        (cat /dev/null: the first use of a wrapper)."""
        configs = ["none", "empty", "shim"] + (["against"] if self.against else [])
        preloads = [self.env(c).get("LD_PRELOAD", "") if c != "none" else "" for c in configs]
        rounds = 500 if self.quick else 3000
        print("\nprocess start, spawn by spawn: %d rounds, each configuration once a round; "
              "median of (its spawn - no preload's) in us" % rounds)
        for prog, arg in (("/bin/true", ""), ("/bin/cat", "/dev/null")):
            out = sh([os.path.join(self.work, "spawnmix"), str(rounds), prog, arg] + preloads,
                     env=self.env("none")).stdout.split()
            extra = dict(zip(configs[1:], (float(x) for x in out)))
            print("  %-18s %s" % ((prog + " " + arg).strip() + ":", ", ".join(
                "%s +%.1f%s" % (c, extra[c], " (%.2fx the empty preload's)" % (extra[c] / extra["empty"])
                                 if c != "empty" and extra["empty"] > 0 else "")
                for c in configs[1:])))

    def spawn_counts(self):
        """The same start as load-independent counts: instructions of one
        /bin/true (callgrind, when valgrind is installed) and its page
        faults (the kernel's count, median of 21 runs)."""
        configs = ["none", "empty", "shim"] + (["against"] if self.against else [])
        faults = {}
        for c in configs:
            xs = []
            for _ in range(21):
                p = subprocess.Popen(["/bin/true"], env=self.env(c))
                _, _, ru = os.wait4(p.pid, 0)
                xs.append(ru.ru_minflt + ru.ru_majflt)
            faults[c] = statistics.median(xs)
        instr = {}
        vg = shutil.which("valgrind")
        for c in configs if vg else []:
            out = os.path.join(self.work, "cg.out")
            r = subprocess.run([vg, "--tool=callgrind", "--callgrind-out-file=" + out,
                                "/bin/true"], env=self.env(c), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            m = [l for l in r.stderr.splitlines() if "Collected :" in l]
            if m:
                instr[c] = int(m[-1].split()[-1])
        print("  one /bin/true, counted: %s" % ", ".join(
            "%s %s%d faults" % (c, ("%d instructions, " % instr[c]) if c in instr else "", faults[c])
            for c in configs))
        for c in [c for c in ("shim", "against") if c in instr and "empty" in instr]:
            de = instr["empty"] - instr["none"]
            print("  the empty preload adds %d instructions and %d faults, %s adds %d and %d: "
                  "%.2fx the floor's instructions" % (
                      de, faults["empty"] - faults["none"], c, instr[c] - instr["none"],
                      faults[c] - faults["none"], (instr[c] - instr["none"]) / de if de > 0 else float("nan")))
        self.first_faults(configs)

    def first_faults(self, configs):
        """The pages a process's first failures touch (a count, not a
        timing): 1 and 40 missing files in a directory of no work tree,
        the page faults taken around them, median of 9.  Two kinds: a
        tool's configuration under a .config directory, a routine probe
        only counted (git's ~/.config/git/attributes: git's commands fail
        30 to 80 opens each, nearly all routine), and files under a missing
        directory, probes kept in the ring of the last 32."""
        kinds = [("routine", os.path.join(self.work, "nohome", ".config", "tool")),
                 ("kept", "/nonexistent-tm-bench/dir")]
        for kind, base in kinds:
            res = {}
            for n in (1, 40):
                paths = [os.path.join(base, "c%d" % i) for i in range(n)]
                for c in configs:
                    xs = [int(sh([os.path.join(self.work, "faults")] + paths, env=self.env(c)).stdout)
                          for _ in range(9)]
                    res[(n, c)] = statistics.median(xs)
            print("  page faults around a process's first %s probes: %s" % (kind, "; ".join(
                "%d probe%s: %s" % (n, "" if n == 1 else "s",
                                    ", ".join("%s %d" % (c, res[(n, c)]) for c in configs))
                for n in (1, 40))))

    def bench_spawn_run(self):
        """A process's exit work under a run (README "Runs"): a child that
        fails one probe and exits 0 appends its suppressed count to the run
        file; outside a run it writes nothing."""
        n = 200 if self.quick else 1000
        os.makedirs(self.td, mode=0o700, exist_ok=True)
        child = [os.path.join(self.work, "probe1")]

        cpu = {}

        def run(c):
            e = self.env("shim" if c == "shim+run" else c)
            if c == "shim+run":
                e["TELEMETRY_RUN_ID"] = "00000000000000b1"
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = float(sh([os.path.join(self.work, "spawn"), str(n)] + child, env=e).stdout)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            # CPU time (user + system) of the children: steadier than the
            # wall clock on a shared machine.
            cpu.setdefault(c, []).append(
                ((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)) * 1e6 / n)
            return wall
        res = self.interleave(["none", "shim", "shim+run"], run)
        for c in cpu:
            cpu[c] = cpu[c][1:]  # the warm-up round
        self.report("process exit under a run: %d spawns of a program failing one probe (us per spawn)" % n,
                    res, "us")
        self.report("  the same, CPU time of the children (us per spawn)", cpu, "us")
        print("  the run file's line adds %.1f us wall, %.1f us CPU per process that suppressed a failure" % (
            statistics.median(res["shim+run"]) - statistics.median(res["shim"]),
            statistics.median(cpu["shim+run"]) - statistics.median(cpu["shim"])))
        shutil.rmtree(self.td, ignore_errors=True)

    def bench_fail(self):
        # On the 2-core VM a process runs at one of two speeds, run by run
        # (1.5 or 2.2 us a failing open with no preload): medians of a few
        # runs can swing by more than the shim's cost, so the minimums are
        # printed beside them.
        ws = os.path.join(self.work, "failws")
        os.makedirs(ws)
        sh(["git", "init", "-q", ws], env=self.base)
        # the searching program's workload runs as a compiler would (the
        # shim knows searching programs by name)
        shutil.copy(os.path.join(self.work, "fail"), os.path.join(self.work, "cc1"))
        for kind, n in (("probe", 100000), ("search", 100000), ("tree", 100000),
                        ("recorded", 10000), ("repeated", 100000)):
            if self.quick:
                n //= 10
            prog = os.path.join(self.work, "cc1" if kind == "search" else "fail")

            def run(c):
                shutil.rmtree(self.td, ignore_errors=True)
                e = self.env(c)
                e["TELEMETRY_MAX_EVENTS"] = str(n + 10)
                return float(sh([prog, kind, str(n)], env=e, cwd=ws).stdout)
            res = self.interleave(["none", "shim"], run)
            self.report("failures: %d %s failures in one process (ns per call)" % (n, kind), res, "ns")
            for c in [c for c in ("shim", "against") if c in res]:
                add = (statistics.median(res[c]) - statistics.median(res["none"])) / 1e3
                print("  %s adds %.2f us per %s failure (by the minimums: %.2f us)" % (
                    c, add, kind, (min(res[c]) - min(res["none"])) / 1e3))
                if c == "shim" and kind == "probe":
                    self.row("probe-class failure (ENOENT outside every work tree), extra per call",
                             "%.2f us" % add, "<= 0.5 us", add <= 0.5)
                if c == "shim" and kind == "recorded":
                    self.row("recorded failure (distinct workspace paths), extra per call",
                             "%.1f us" % add, "<= 20 us", add <= 20)

    def bench_pystack(self):
        """Recorded failures of a Python program 16 frames deep, each a
        distinct missing file: with the Python stack and without
        (TELEMETRY_STACK=0), per failure, timed inside the interpreter.
        Two shapes: one function recursing (one code object, read once)
        and 15 distinct functions (each frame's code, name and location
        table read)."""
        ws = os.path.join(self.work, "pyws")
        os.makedirs(ws)
        sh(["git", "init", "-q", ws], env=self.base)
        n = 300 if self.quick else 2000
        fail = ("        try:\n"
                "            open('data/missing-%d.csv' % i)\n"
                "        except OSError:\n"
                "            pass\n")
        one = ("def deep(k, i):\n"
               "    if k == 0:\n" + fail +
               "        return\n"
               "    deep(k - 1, i)\n"
               "def top(i):\n"
               "    deep(13, i)\n")
        many = "def f0(i):\n    if True:\n" + fail + "".join(
            "def f%d(i):\n    f%d(i)\n" % (k, k - 1) for k in range(1, 15)) + \
            "def top(i):\n    f13(i)\n"
        for shape, defs in (("one function recursing", one), ("15 distinct functions", many)):
            # frames: 14 (deep or f0..f13), top, <module>: 16
            script = ("import sys, time\n" + defs +
                      "n = int(sys.argv[1])\n"
                      "t0 = time.perf_counter()\n"
                      "for i in range(n):\n"
                      "    top(i)\n"
                      "print((time.perf_counter() - t0) / n * 1e9)\n")

            def run(c):
                shutil.rmtree(self.td, ignore_errors=True)
                e = self.env(c)
                e["TELEMETRY_MAX_EVENTS"] = str(n + 10)
                return float(sh(["/usr/bin/python3", "-c", script, str(n)],
                                env=e, cwd=ws).stdout)
            res = self.interleave(["none", "nostack", "shim"], run)
            self.report("python: %d recorded failures 16 frames deep (%s), each a "
                        "distinct missing file (ns per failure; nostack: "
                        "TELEMETRY_STACK=0)" % (n, shape), res, "ns", baseline="nostack")
            print("  the stack adds %.2f us per recorded failure" % (
                (statistics.median(res["shim"]) - statistics.median(res["nostack"])) / 1e3))
            add = (statistics.median(res["shim"]) - statistics.median(res["none"])) / 1e3
            self.row("recorded failure with a Python stack (16 frames, %s), extra per call" % shape,
                     "%.1f us" % add, "<= 35 us", add <= 35)

    def bench_summary(self):
        d = os.path.join(self.work, "sum")
        os.makedirs(d, mode=0o700)
        log = os.path.join(d, "all_errors.jsonl")
        n = 100000 if self.quick else 1000000
        with open(log, "w") as f:
            sh(["python3", os.path.join(HERE, "events.py"), str(n), "1"])  # warm the cache
            subprocess.run(["python3", os.path.join(HERE, "events.py"), str(n), "1"], stdout=f, check=True)
        mb = os.path.getsize(log) / 1e6
        cpu = {}

        # "1-thread": TELEMETRY_THREADS=1 (README "Configuration"); "telemetry": the default
        # thread count; "cat": cat log > /dev/null, the speed of reading the file at all.
        def run(c):
            env = dict(self.base)
            if c == "cat":
                cmd = ["cat", log]
            elif c == "python":
                cmd = ["python3", os.path.join(HERE, "summary_py.py"), log]
            else:
                cmd = [self.tel_of(c), "summary", "--json", "--dir", d]
                if c == "1-thread":
                    env["TELEMETRY_THREADS"] = "1"
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            dt = time.perf_counter() - t0
            if status != 0:
                raise SystemExit("bench: %s failed (%d)" % (cmd[0], status))
            cpu.setdefault(c, []).append(ru.ru_utime + ru.ru_stime)
            return dt
        res = self.interleave(["cat", "python", "1-thread", "telemetry"], run)
        self.report("analysis: summary of %d events, %.0f MB (s)" % (n, mb), res, "s",
                    baseline="python")
        for c in res:
            wall = statistics.median(res[c])
            print("  %-9s %10.0f events/s %8.1f MB/s  CPU (user+sys) %.2f s  = %.2f cores" % (
                c, n / wall, mb / wall, statistics.median(cpu[c]),
                statistics.median(cpu[c]) / wall))
        print("  telemetry: %.0f events/s, %.1fx the python baseline, %.1f%% of cat's speed "
              "(%d threads by default here)" % (
                  n / statistics.median(res["telemetry"]),
                  statistics.median(res["python"]) / statistics.median(res["telemetry"]),
                  100.0 * statistics.median(res["cat"]) / statistics.median(res["telemetry"]),
                  min(4, len(os.sched_getaffinity(0)))))
        eps = n / statistics.median(res["telemetry"])
        x = statistics.median(res["python"]) / statistics.median(res["telemetry"])
        self.row("summary of %d events" % n, "%.2f M events/s, %.1fx the Python summary, %.0f MB/s"
                 % (eps / 1e6, x, mb / statistics.median(res["telemetry"])),
                 ">= 2 M events/s and >= 6x", eps >= 2e6 and x >= 6)
        print("  peak RSS of telemetry summary by log size:")
        for size in ([20000, 100000] if self.quick else [100000, 1000000, 5000000]):
            dd = os.path.join(self.work, "sum%d" % size)
            os.makedirs(dd, mode=0o700)
            with open(os.path.join(dd, "all_errors.jsonl"), "w") as f:
                subprocess.run(["python3", os.path.join(HERE, "events.py"), str(size), "2"], stdout=f, check=True)
            # /usr/bin/time measures the summary alone: a child forked from
            # this (large) Python process would report Python's pages too.
            r = subprocess.run(["/usr/bin/time", "-f", "%M %e", self.tel, "summary", "--json",
                                "--dir", dd], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, check=True)
            rss, dt = r.stderr.split()[-2:]
            print("    %9d events: %6.1f MiB peak RSS, %s s" % (size, int(rss) / 1024.0, dt))
            shutil.rmtree(dd)

    def bench_sanitize(self):
        size = 5 << 20 if self.quick else 50 << 20
        text = os.path.join(self.work, "messages.txt")
        with open(text, "w") as f:
            subprocess.run(["python3", os.path.join(HERE, "messages.py"), str(size), "1"], stdout=f, check=True)
        rounds = self.rounds
        self.rounds = min(rounds, 3) if not self.quick else rounds  # python takes minutes
        res = self.interleave(
            ["python-re", "telemetry"],
            lambda c: timed([self.tel_of(c), "sanitize"] if c != "python-re"
                            else ["python3", os.path.join(HERE, "sanitize_re.py")], stdin_path=text)[0])
        self.rounds = rounds
        self.report("sanitizer: %d MB of realistic messages (s)" % (size >> 20), res, "s", baseline="python-re")
        print("  telemetry: %.1f MB/s; python re: %.1f MB/s" % (
            size / 1e6 / statistics.median(res["telemetry"]), size / 1e6 / statistics.median(res["python-re"])))
        print("  adversarial input, 1 MiB lines (linear time: compare with ordinary text):")
        for name, unit in (("a@a.a.", "a@a.a."), ("sk-sk-", "sk-"), ("/home//home//", "/home/"),
                           ("1.1.1.1.", "1.1.1."), ("ordinary text", None)):
            p = os.path.join(self.work, "adv.txt")
            with open(p, "w") as f:
                if unit is None:
                    f.write(open(text).read(1 << 20).replace("\n", " "))
                else:
                    f.write((unit * ((1 << 20) // len(unit) + 1))[: 1 << 20])
                f.write("\n")
            ts = [timed([self.tel, "sanitize"], stdin_path=p)[0] for _ in range(3)]
            print("    %-14s %8.1f MB/s" % (name, (1 << 20) / 1e6 / statistics.median(ts)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--against", metavar="OTHER_BUILD_DIR",
                    help="a second build measured in the same rounds")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this benchmark (loop, spawn, spawn_run, fail, "
                         "python, pystack, git, summary, sanitize); repeatable")
    a = ap.parse_args()
    b = Bench(a.build, a.rounds, a.quick, a.against)
    print("agent-telemetry benchmarks: %s, %d cores, %s; %d rounds after a warm-up, "
          "medians [min .. max]" % (time.strftime("%Y-%m-%d"), os.cpu_count(),
                                    os.uname().release, a.rounds))
    b.machine()
    names = ["loop", "spawn", "spawn_run", "fail", "python", "pystack", "git",
             "summary", "sanitize"]
    for n in a.only or []:
        if n not in names:
            ap.error("--only: no benchmark %r (one of: %s)" % (n, ", ".join(names)))
    try:
        for n in names:
            if not a.only or n in a.only:
                getattr(b, "bench_" + n)()
        b.table()
    finally:
        shutil.rmtree(b.work, ignore_errors=True)


if __name__ == "__main__":
    main()
