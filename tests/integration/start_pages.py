#!/usr/bin/env python3
"""The pages a process start touches in the shim (README "Performance"):
every page first touched costs a fault in every process an agent starts,
so what the loader and the constructor write or read must share the pages
the loader writes anyway.  Checked on the built library:

- the RELRO segment (relocated pointers) is one page;
- .data (tm__real, tm__proc, the TM_START_CONST constants) and the first
  TM_SHIM_HOT bytes of tm__shim (the first object of .bss) lie on the page
  that holds the end of the PLT's table (.got.plt);
- DT_FINI is not the far end of .text: it lies in the same 64 KiB as
  the constructor (tm__shim_init: the start's window of code);
- the code a start and an exit run (counted by callgrind, /bin/true with
  the shim recording) lies on at most START_TEXT_PAGES pages: the
  TM_START_TEXT functions, kept together after the PLT (start.h).  Spread
  over .text it was 8 pages.

Usage: start_pages.py LIBRARY SHIM_STATE_H; prints what is wrong, exit 1.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PAGE = 4096
START_TEXT_PAGES = 2


def readelf(*args):
    return subprocess.run(["readelf", "-W"] + list(args), capture_output=True, text=True,
                          check=True).stdout


def start_text(lib):
    """The pages of the library's code that /bin/true runs, start to exit,
    as a sorted list; None (and a message) when they cannot be counted."""
    vg = shutil.which("valgrind")
    if vg is None:
        print("start_pages: valgrind is needed to count the code a start runs")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        env = dict(os.environ, LD_PRELOAD=os.path.abspath(lib), TELEMETRY_DIR=os.path.join(tmp, "tel"))
        env.pop("TELEMETRY_DISABLE", None)
        subprocess.run([vg, "--tool=callgrind", "--dump-instr=yes", "--compress-pos=no",
                        "--compress-strings=no", "--callgrind-out-file=" + out, "/bin/true"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        pages, inside = set(), False
        name = os.path.basename(lib)
        with open(out) as f:
            for line in f:
                if line.startswith("ob="):
                    inside = os.path.basename(line[3:].strip()) == name
                elif inside and line.startswith("0x"):
                    pages.add(int(line.split()[0], 16) // PAGE)
    if not pages:
        print("start_pages: callgrind saw no code of %s run (not preloaded?)" % lib)
        return None
    return sorted(pages)


def main():
    lib, header = sys.argv[1], sys.argv[2]
    hot = int(re.search(r"#define TM_SHIM_HOT (\d+)", open(header).read()).group(1))
    sections = {}
    for m in re.finditer(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", readelf("-S", lib)):
        sections[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
    symbols = {}
    for line in readelf("-s", lib).splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] in ("OBJECT", "FUNC") and \
                f[7] in ("tm__shim", "tm__proc", "tm__real", "tm__shim_init"):
            symbols[f[7]] = (int(f[1], 16), int(f[2], 0))
    relro = re.search(r"GNU_RELRO\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x([0-9a-f]+)",
                      readelf("-l", lib))
    dyn = dict((m.group(1), int(m.group(2), 16)) for m in
               re.finditer(r"\((INIT|FINI)\)\s+0x([0-9a-f]+)", readelf("-d", lib)))
    bad = []
    missing = [s for s in ("tm__shim", "tm__proc", "tm__real", "tm__shim_init") if s not in symbols]
    if missing or ".got.plt" not in sections or ".data" not in sections or relro is None:
        print("start_pages: cannot read %s (missing %s)" % (lib, missing or "sections"))
        return 1

    lo, size = int(relro.group(1), 16), int(relro.group(2), 16)
    if lo // PAGE != (lo + size - 1) // PAGE:
        bad.append("RELRO spans %d pages (0x%x-0x%x): a table of pointers grew; "
                   "use arrays or offsets" % ((lo + size - 1) // PAGE - lo // PAGE + 1, lo, lo + size))

    got, got_size = sections[".got.plt"]
    page = (got + got_size - 1) // PAGE
    spans = {".data": sections[".data"],
             "tm__real": symbols["tm__real"], "tm__proc": symbols["tm__proc"],
             "tm__shim's first TM_SHIM_HOT bytes": (symbols["tm__shim"][0], hot)}
    for name, (addr, n) in spans.items():
        if addr // PAGE != page or (addr + n - 1) // PAGE != page:
            bad.append("%s (0x%x-0x%x) is not on the page of the PLT's table (0x%x)"
                       % (name, addr, addr + n, page * PAGE))

    ctor = symbols["tm__shim_init"][0]
    if "FINI" not in dyn or ctor // 65536 != dyn["FINI"] // 65536:
        bad.append("DT_FINI 0x%x is not within the constructor's 64 KiB (0x%x)" % (dyn.get("FINI", 0), ctor))
    # DT_INIT is crti.o's _init, left out with the start files (Makefile)
    if "INIT" in dyn and dyn["INIT"] // 65536 != ctor // 65536:
        bad.append("DT_INIT 0x%x is not within the constructor's 64 KiB (0x%x)" % (dyn["INIT"], ctor))
    pages = start_text(lib)
    if pages is None:
        return 1
    if len(pages) > START_TEXT_PAGES:
        bad.append("a start and an exit run %d pages of code (%s), more than %d: a function the "
                   "constructor or the exit hook calls lacks TM_START_TEXT (start.h)"
                   % (len(pages), " ".join("0x%x" % (p * PAGE) for p in pages), START_TEXT_PAGES))
    for b in bad:
        print("start_pages: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
