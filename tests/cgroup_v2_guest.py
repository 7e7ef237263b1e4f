"""Runs inside the cgroup v2 VM (tests/test_sandbox_cgroup_v2.py boots it), as root: grades the hostile classes the
host prepared in SHARED, one with classgrade as root and one as an unprivileged user given a delegated cgroup
subtree, at the same time, and writes what happened back to SHARED.

    python tests/cgroup_v2_guest.py SHARED

SHARED/job.json says, per mode, the classgrade arguments, the loopback port its network attacker tries and the marker
of its fork attacker's sleepers. SHARED/<mode>/course is the course as the host built it; the grading happens on a
copy in the VM's memory (sqlite and sockets on the host's 9p share are neither fast nor safe), under WORK, with the
repository bound at WORK/repo (a path every user can reach: the repository's own may sit in a folder only root may
enter). The course, its results and SHARED/<mode>/result.json are copied back.

The delegated subtree is what `systemd-run --user --scope -p Delegate=yes` gives a user on a systemd machine (the VM
has no systemd): a cgroup whose folder, cgroup.procs, cgroup.subtree_control and cgroup.threads belong to the user,
with the memory, pids and cpu controllers available, and the grader's process put in it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from loopback_listener import Listener  # (this folder: the guest runs as a script)

WORK = Path("/run/cgv2")  # short: the sandbox's unix socket paths, under WORK/<mode>/tmp, hold 107 bytes
REPO = WORK / "repo"
CGROUP_ROOT = Path("/sys/fs/cgroup")
DELEGATED = CGROUP_ROOT / "delegated-grader"
USER = 65534  # nobody: a real Unix user with no home, no groups and no files


def mount_work() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2g,mode=755", "tmpfs", str(WORK)], check=True)
    REPO.mkdir()
    source = Path(__file__).resolve().parents[1]
    subprocess.run(["mount", "--bind", str(source), str(REPO)], check=True)


def expose_interpreter() -> None:
    """This machine's Python may sit under a folder only root may enter (pyenv under /root): in the VM, that folder is
    covered by one anyone may enter, holding only the way to the interpreter (what a grader's own Python is)."""
    real = Path(os.path.realpath(sys.executable))
    closed = next((f for f in reversed(real.parents) if not os.stat(f).st_mode & 0o001), None)
    if closed is None:
        return
    held, child = WORK / "closed-folder", real.relative_to(closed).parts[0]
    held.mkdir()
    subprocess.run(["mount", "--bind", str(closed), str(held)], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "tmpfs", str(closed)], check=True)
    (closed / child).mkdir()
    subprocess.run(["mount", "--bind", str(held / child), str(closed / child)], check=True)


def delegate(uid: int) -> None:
    """A cgroup for `uid` to manage: as systemd's Delegate=yes makes one."""
    (CGROUP_ROOT / "cgroup.subtree_control").write_text("+memory +pids +cpu")
    DELEGATED.mkdir(exist_ok=True)
    for path in (DELEGATED, *(DELEGATED / name for name in ("cgroup.procs", "cgroup.subtree_control",
                                                            "cgroup.threads"))):
        os.chown(path, uid, uid)


def environment(home: Path) -> dict:
    return {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
            "TMPDIR": str(home / "tmp"), "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg", "LANG": "C.UTF-8",
            "HOSTILE_CANARY": "canary-" + "1729"}  # a secret of the grader's environment (split: not in memory)


def grade(shared: Path, mode: str, job: dict) -> dict:
    """Grade SHARED/<mode>/course in the VM's memory, as root or as USER; its result."""
    home = WORK / mode
    course_dir = home / "course"
    (home / "tmp").mkdir(parents=True)
    shutil.copytree(shared / mode / "course", course_dir)
    rootless = mode == "rootless"
    # the font cache the host built, where this grader's classgrade keeps it (sandbox/scratch.py's BASE)
    fonts = home / "tmp" / (f"classgrade-{USER}" if rootless else "classgrade") / "matplotlib"
    shutil.copytree(shared / "fonts", fonts)
    os.chmod(fonts.parent, 0o700)
    if rootless:
        for path in [home, *home.rglob("*")]:
            os.chown(path, USER, USER, follow_symlinks=False)

    def as_user():  # into the delegated cgroup, then the user: what `systemd-run --user --scope` leaves a user in
        (DELEGATED / "cgroup.procs").write_text(str(os.getpid()))
        os.setgroups([])
        os.setresgid(USER, USER, USER)
        os.setresuid(USER, USER, USER)

    listener = Listener(job["port"])
    listener.start()
    python = [sys.executable, "-m"]
    probe = subprocess.run([*python, "instructor_only.grading.classgrade.sandbox.probe"], cwd=REPO,
                           env=environment(home), capture_output=True, text=True,
                           preexec_fn=as_user if rootless else None)
    started = time.monotonic()
    with open(shared / mode / "classgrade.log", "w") as log:  # as it goes: a slow or stuck run can be watched
        graded = subprocess.run([*python, "instructor_only.grading.classgrade", *job["classgrade"], "--course-dir",
                                 str(course_dir)], cwd=REPO, env=environment(home), stdout=log,
                                stderr=subprocess.STDOUT, text=True, preexec_fn=as_user if rootless else None)
    seconds = time.monotonic() - started
    listener.server.close()
    time.sleep(1)
    survivors = subprocess.run(["pgrep", "-af", f"sleep {job['marker']}"], capture_output=True, text=True).stdout
    shutil.copytree(course_dir, shared / mode / "course", dirs_exist_ok=True)
    return {"probe": probe.stdout + probe.stderr, "returncode": graded.returncode, "seconds": round(seconds, 1),
            "stdout": (shared / mode / "classgrade.log").read_text()[-6000:], "connections": listener.connections,
            "survivors": [line for line in survivors.splitlines() if "pgrep" not in line]}


def watch(shared: Path, every: float = 60.0) -> None:
    """The busiest processes (CPU time so far) every minute, in SHARED/ps.log: where an emulated run spends its time."""
    while True:
        listing = subprocess.run(["ps", "-eo", "pid,ppid,user,etimes,times,rss,args", "--sort=-times"],
                                 capture_output=True, text=True).stdout.splitlines()
        with open(shared / "ps.log", "a") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')}\n" + "\n".join(line[:220] for line in listing[:16]) + "\n")
        time.sleep(every)


def main(shared: Path) -> None:
    job = json.loads((shared / "job.json").read_text())
    threading.Thread(target=watch, args=(shared,), daemon=True).start()
    mount_work()
    expose_interpreter()
    delegate(USER)
    results = {}

    def run(mode: str) -> None:
        try:
            results[mode] = grade(shared, mode, job[mode])
        except Exception as error:  # noqa: BLE001 -- the host test reports it
            results[mode] = {"error": f"{type(error).__name__}: {error}"}
        (shared / mode / "result.json").write_text(json.dumps(results[mode]))

    threads = [threading.Thread(target=run, args=(mode,)) for mode in job]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    leftovers = sorted(str(p.relative_to(CGROUP_ROOT)) for p in CGROUP_ROOT.rglob("classgrade/*") if p.is_dir())
    (shared / "vm.json").write_text(json.dumps({"leftover_cgroups": leftovers, "kernel": os.uname().release}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
