#!/usr/bin/env python3
"""A small, realistic coding agent for the shim's signal-versus-noise test.

It works in a throwaway git repository the way agents do: runs git
status/add/commit/log/diff/checkout/branch/stash, imports the standard
library, reads and writes its own files, uses sqlite, logging and temporary
files.  Nothing here calls the telemetry API.

    agent.py WORKDIR clean              a run with no real failure
    agent.py WORKDIR planted [FULLDIR]  the same run plus planted failures:
                                        a missing workspace file, git add with
                                        a held index.lock, a cross-device
                                        rename, a write to a full filesystem
                                        (FULLDIR, when one could be mounted)
"""
import argparse  # noqa: F401  (an import-heavy start, as agents have)
import email.parser  # noqa: F401
import http.client  # noqa: F401
import json
import logging
import os
import pathlib
import sqlite3
import subprocess
import sys
import tempfile


def git(*args, check=True):
    return subprocess.run(["git", *args], capture_output=True, text=True,
                          check=check)


def clean_run(ws):
    os.chdir(ws)
    git("init", "-q")
    pathlib.Path("README.md").write_text("# demo\n")
    pathlib.Path("src").mkdir(exist_ok=True)
    pathlib.Path("src/app.py").write_text("print('hello')\n")
    git("status", "--short")
    git("add", "-A")
    git("commit", "-qm", "initial commit")
    git("log", "--oneline", "-1")
    git("checkout", "-q", "-b", "feature")
    pathlib.Path("src/app.py").write_text("print('hello, world')\n")
    git("diff", "--stat")
    git("stash", "-q")
    git("stash", "pop", "-q")
    git("commit", "-qam", "greet the world")
    git("branch", "--list")
    git("checkout", "-q", "main")

    # The agent's own files: notes, a JSON state file, a log, a database.
    notes = pathlib.Path("notes.txt")
    notes.write_text("plan: greet the world\n")
    assert "greet" in notes.read_text()
    state = {"step": 3, "files": ["src/app.py"]}
    with tempfile.NamedTemporaryFile("w", dir=".", delete=False) as tmp:
        json.dump(state, tmp)
    os.replace(tmp.name, "state.json")
    assert json.loads(pathlib.Path("state.json").read_text())["step"] == 3
    logging.basicConfig(filename="agent.log", level=logging.INFO)
    logging.info("step done")
    db = sqlite3.connect("memory.db")
    db.execute("create table if not exists facts (k text, v text)")
    db.execute("insert into facts values ('lang', 'python')")
    db.commit()
    db.close()
    with tempfile.TemporaryDirectory() as scratch:
        pathlib.Path(scratch, "x").write_text("scratch")


def planted_run(ws, fulldir):
    clean_run(ws)
    # 1. A file of the agent's own that is not there.
    try:
        open("data/citations.bib").read()
    except FileNotFoundError:
        pass
    # 2. git add while another git holds the index lock.
    pathlib.Path(".git/index.lock").write_text("")
    pathlib.Path("new.txt").write_text("new\n")
    r = git("add", "new.txt", check=False)
    assert r.returncode == 128, r
    os.unlink(".git/index.lock")
    # 3. A rename across devices (/dev/shm is a tmpfs on most machines).
    if os.path.isdir("/dev/shm"):
        pathlib.Path("report.txt").write_text("report\n")
        try:
            os.rename("report.txt", "/dev/shm/agent-report-%d.txt" % os.getpid())
        except OSError:
            pass
    # 4. A write to a full filesystem: one failing write(2).
    if fulldir:
        fd = os.open(os.path.join(fulldir, "out.bin"), os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"z" * 65536)
        except OSError:
            pass
        os.close(fd)


def main():
    ws, mode = sys.argv[1], sys.argv[2]
    if mode == "clean":
        clean_run(ws)
    else:
        planted_run(ws, sys.argv[3] if len(sys.argv) > 3 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
