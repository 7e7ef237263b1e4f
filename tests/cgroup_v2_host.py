"""The host side of the cgroup v2 VM test: builds the two hostile classes, boots the VM (tests/cgroup_v2_guest.py
grades them there, as root and as a non-root grader with a delegated subtree) and reads what grading made of them.

    python -m tests.cgroup_v2_host SHARED      # writes SHARED/outcome.json, also when it fails

tests/background_vm.py runs it in the background as soon as the VM test is collected, so that the VM (about a core
for ten minutes or more) runs while the rest of the suite does; tests/test_sandbox_cgroup_v2.py reads the outcome.

Emulation runs code 10-30x slower than this machine (torch imports in about a minute), so the class is the attacks
that the caps and namespaces must stop, without the ones that wait for a timeout, in as few kernels as hold them all,
and the clocks are loosened to match.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.hostile_class import (ASSIGNMENT, ESCAPE, FORK, HIDDEN_HOG, KILL, MEMORY_MB, NETWORK, PROCESSES, READ,
                                 SHM, WRITE, read_outcome, submit_class)

GUEST = Path(__file__).with_name("cgroup_v2_guest.py")
VM_REPO = "/run/cgv2/repo"  # where the guest binds the repository (cgroup_v2_guest.REPO)
MODES = {"root": "cgroup v2, as root", "rootless": "cgroup v2, delegated subtree, without root"}
# Two attackers, each a full submission (each attack prints "blocked: ..." per attempt). The intruder reads, writes,
# connects, kills every process in sight and tries the escape hatches, then (its kill attacks done, so they cannot
# end them) leaves double-forked sleepers, floods forks and fills /dev/shm; the hidden hog hides memory in a
# double-forked child.
ATTACKERS = {"intruder": ("solution", READ + WRITE + NETWORK + ESCAPE + KILL + FORK + SHM),
             "hidden_hog": ("solution", HIDDEN_HOG)}
NORMAL = ("victim",)  # a solution, graded exactly: the intruder's target
# as many "blocked:" lines as the host test asks of each attack (the fork flood's and /dev/shm's: one each)
BLOCKED = {"read": 10, "write": 5, "network": 4, "escape": 7, "kill": 1, "fork": 1, "shm": 1}
# Emulated: a normal submission takes about a minute, so the per-cell and per-submission clocks are loosened; the
# memory and process caps stay the host test's (memory is not slower to fill than to use). The first submission of
# each mode carries its kernel parent's start (torch's import and more, emulated): 400-1000 s beside the suite in CI,
# inside the submission's wall-clock cap.
CELL_TIMEOUT, WALL_SECONDS, CPU_SECONDS = 300, 2700, 900
PREPARE_SECONDS = 10 * 60  # building the two classes on the host, before the VM boots: about a minute
VM_SECONDS = 55 * 60  # the VM's hard limit: it took 23 minutes alone, 33 beside the rest of the suite


def vm_tools() -> tuple[str, str] | None:
    """(vng, kernel image), or None if this machine cannot boot the VM (scripts/ensure_vm.sh installs them)."""
    vng = shutil.which("vng", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    kernels = sorted(glob.glob("/boot/vmlinuz-*"))
    if vng is None or not kernels or shutil.which("qemu-system-x86_64") is None:
        return None
    return vng, kernels[-1]


def grade_in_vm(shared: Path) -> dict:
    vng, kernel = vm_tools()
    job, submitted = {}, {}
    for index, mode in enumerate(MODES):
        context = {"course": f"/run/cgv2/{mode}/course", "repo": VM_REPO, "port": 47100 + index,
                   "marker": f"2718.28{index}"}
        submitted[mode] = submit_class(shared / mode / "course", context, ATTACKERS, NORMAL)
        job[mode] = {"port": context["port"], "marker": context["marker"], "classgrade": [
            ASSIGNMENT, "--workers", "1", "--memory-mb", str(MEMORY_MB), "--wall-seconds", str(WALL_SECONDS),
            "--processes", str(PROCESSES), "--cpu-seconds", str(CPU_SECONDS), "--no-feedback",
            "--grades-csv", ""]}  # (no `nbgrader export`: a process importing nbgrader, emulated minutes)
        config = shared / mode / "course" / "nbgrader_config.py"
        # (no class report: the catalogue's fingerprints would take emulated minutes, and the host tests it)
        config.write_text(config.read_text() + f"\nc.Execute.timeout = {CELL_TIMEOUT}\nc.ClassReport.enabled = False\n")
    (shared / "job.json").write_text(json.dumps(job))
    # matplotlib's font cache, built here in a second: a kernel parent in the VM would take minutes to build it (a
    # grading machine builds it once; the guest gives each mode's grader a copy, where classgrade keeps it)
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], check=True,
                   env={**os.environ, "MPLCONFIGDIR": str(shared / "fonts")})
    started = time.monotonic()
    # Two virtual CPUs, one per mode: emulation keeps a host core busy per virtual CPU. With one, the VM got about
    # two thirds of a host core beside the suite's two workers and, in CI, ran past its limit.
    boot = subprocess.run([vng, "--force-9p", "--disable-kvm", "-r", kernel, "--cpus", "2", "--memory", "4G",
                           "--rwdir", str(shared), "--exec", f"{sys.executable} {GUEST} {shared}"],
                          capture_output=True, text=True, timeout=VM_SECONDS,
                          env={**os.environ, "PATH": f"{Path(vng).parent}:{os.environ.get('PATH', '')}"})
    seconds = time.monotonic() - started
    vm_file = shared / "vm.json"
    assert vm_file.exists(), f"the VM did not finish (exit {boot.returncode}):\n{boot.stdout[-3000:]}{boot.stderr[-3000:]}"
    outcome = {"vm": {**json.loads(vm_file.read_text()), "seconds": round(seconds)}}
    for mode in MODES:
        result = json.loads((shared / mode / "result.json").read_text())
        assert "error" not in result and result["returncode"] == 0, (mode, result)
        outcome[mode] = {**result, **read_outcome(shared / mode / "course", submitted[mode], ATTACKERS)}
    return outcome


def main(shared: Path) -> None:
    """grade_in_vm's outcome, or its failure, in SHARED/outcome.json (written whole: a reader never sees half)."""
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))  # the VM goes with this process
    shared.mkdir(parents=True, exist_ok=True)
    try:
        outcome = grade_in_vm(shared)
    except Exception as error:  # noqa: BLE001 -- every test of the VM reports it
        outcome = {"error": f"{type(error).__name__}: {error}"}
    partial = shared / "outcome.json.partial"
    partial.write_text(json.dumps(outcome))
    partial.rename(shared / "outcome.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
