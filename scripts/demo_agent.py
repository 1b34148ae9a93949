#!/usr/bin/env python3
"""The demo agent: a small coding agent that hits the failures agents hit.

    demo_agent.py WORKDIR [READONLY_DIR]

It creates three throwaway git repositories under WORKDIR and, in each,
does ordinary agent work (edit, git add/commit, its own notes), and along
the way:
  - reads a configuration file that is not there (in every repository),
    and a bibliography that is not there (in one);
  - runs `git add` while another git (a commit whose pre-commit hook, a
    slow linter, is still running) holds .git/index.lock;
  - renames a report across devices when /dev/shm is another filesystem;
  - writes into READONLY_DIR when one is given.
It catches every error and carries on, as agents do.  It never calls the
telemetry API: the preloaded shim sees the failures.
"""
import os
import pathlib
import subprocess
import sys
import time


def git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True)


def work_in(repo, readonly, lock=False, xdev=False, citations=False):
    repo.mkdir(parents=True)
    os.chdir(repo)
    git("init", "-q")
    pathlib.Path("README.md").write_text("# %s\n" % repo.name)
    git("add", "README.md")
    git("commit", "-qm", "initial commit")

    # The agent expects its configuration in every repository.
    try:
        pathlib.Path("config/agent.yaml").read_text()
    except FileNotFoundError:
        pass

    if citations:
        try:
            pathlib.Path("docs/citations.bib").read_text()
        except FileNotFoundError:
            pass

    if lock:
        hold_lock_and_add()
    if xdev:
        cross_device_report(repo)
    if readonly:
        try:
            (pathlib.Path(readonly) / ("%s.log" % repo.name)).write_text("log\n")
        except OSError:
            pass


def hold_lock_and_add():
    # Another git holds the index lock: `git commit -a` keeps it while a
    # slow pre-commit hook (a linter) runs.
    hook = pathlib.Path(".git/hooks/pre-commit")
    hook.write_text("#!/bin/sh\nsleep 1\n")
    hook.chmod(0o755)
    with open("README.md", "a") as readme:
        readme.write("\nMore.\n")
    holder = subprocess.Popen(["git", "commit", "-qam", "docs"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if pathlib.Path(".git/index.lock").exists():
            break
        time.sleep(0.01)
    pathlib.Path("notes.md").write_text("todo\n")
    git("add", "notes.md")  # fails: index.lock is held
    holder.wait()


def cross_device_report(repo):
    # Reports go to shared memory; a rename across devices fails.
    pathlib.Path("report.txt").write_text("done\n")
    try:
        os.rename("report.txt", "/dev/shm/report-%s-%d.txt" % (repo.name, os.getpid()))
    except OSError:
        pass


def main():
    work = pathlib.Path(sys.argv[1])
    readonly = sys.argv[2] if len(sys.argv) > 2 else None
    work_in(work / "billing-api", None, lock=True, xdev=True)
    work_in(work / "docs-site", readonly, citations=True)
    work_in(work / "web-frontend", None, lock=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
