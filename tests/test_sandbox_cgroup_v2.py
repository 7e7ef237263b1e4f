"""The grading sandbox on a cgroup v2 kernel, as root and as a non-root grader with a delegated subtree.

This machine is cgroup v1, so the test boots Debian's kernel in a QEMU VM (virtme-ng, TCG emulation: KVM is not
available here) whose userland is this machine's own root filesystem. tests/cgroup_v2_guest.py grades two copies
of the hostile class (tests/hostile_class.py) there at the same time: one with classgrade as root, one as the user
nobody, put in a cgroup delegated to it as systemd's Delegate=yes does. Each test asserts one guarantee in both modes.

Emulation runs code 10-30x slower than this machine (torch imports in about 60 s), so the class is the attacks that
the caps and namespaces must stop, without the ones that wait for a timeout, and the limits are scaled to match.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.graded_once import graded_once
from tests.hostile_class import (ASSIGNMENT, ESCAPE, FORK, FULL, HIDDEN_HOG, KILL, MEMORY_MB, NETWORK, PROCESSES,
                                 READ, SHM, WRITE, assert_attack_ran_and_failed, assert_normal_students_exact,
                                 assert_stopped_by_a_limit, autograded, read_outcome, submit_class)

GUEST = Path(__file__).with_name("cgroup_v2_guest.py")
VM_REPO = "/run/cgv2/repo"  # where the guest binds the repository (cgroup_v2_guest.REPO)
MODES = {"root": "cgroup v2, as root", "rootless": "cgroup v2, delegated subtree, without root"}
# Three attackers, each a full submission, run the host's attacks one after another (each says "blocked: ..."
# per attempt): the intruder reads, writes, connects, kills and tries the escape hatches; the hog forks and fills
# /dev/shm; the hidden hog hides memory in a double-forked child.
ATTACKERS = {"intruder": ("solution", READ + WRITE + NETWORK + ESCAPE + KILL), "hog": ("solution", FORK + SHM),
             "hidden_hog": ("solution", HIDDEN_HOG)}
NORMAL = ("solution", "victim")  # graded exactly; the victim is the intruder's target
BLOCKED = {"read": 10, "write": 5, "network": 4, "escape": 7, "kill": 1}  # as many as the host test asks of each
# Emulated: a normal submission takes about a minute, so the per-cell and per-submission clocks are loosened; the
# memory and process caps stay the host test's (memory is not slower to fill than to use).
CELL_TIMEOUT, WALL_SECONDS, CPU_SECONDS = 300, 900, 900
VM_SECONDS = 25 * 60
pytestmark = [pytest.mark.timeout(VM_SECONDS + 300), pytest.mark.nbgrader, pytest.mark.vm]


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
            "--processes", str(PROCESSES), "--cpu-seconds", str(CPU_SECONDS), "--no-feedback"]}
        config = shared / mode / "course" / "nbgrader_config.py"
        config.write_text(config.read_text() + f"\nc.Execute.timeout = {CELL_TIMEOUT}\n")
    (shared / "job.json").write_text(json.dumps(job))
    started = time.monotonic()
    # One virtual CPU: emulation keeps a host core busy per virtual CPU, and the rest of the suite needs the other.
    boot = subprocess.run([vng, "--force-9p", "--disable-kvm", "-r", kernel, "--cpus", "1", "--memory", "4G",
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


@pytest.fixture(scope="module")
def graded():
    """The two hostile classes graded in one VM, once per test run (shared by the xdist workers)."""
    if vm_tools() is None:
        pytest.skip("no VM here: scripts/ensure_vm.sh installs QEMU, Debian's kernel and virtme-ng")
    return None


def grade_in_vm_once(shared: Path) -> dict:
    """grade_in_vm, its failure kept as the outcome: the other test worker reads it instead of booting again."""
    try:
        return grade_in_vm(shared)
    except Exception as error:  # noqa: BLE001 -- reported by every test of the module
        return {"error": f"{type(error).__name__}: {error}"}


@pytest.fixture(scope="module")
def vm(graded, tmp_path_factory, request):
    outcome = graded_once("cgroup_v2_vm", tmp_path_factory, request, lambda c: grade_in_vm_once(c.parent))[1]
    if "error" in outcome:
        pytest.fail(outcome["error"][-6000:])
    print(f"cgroup v2 VM: {outcome['vm']}")
    return outcome


@pytest.fixture(params=list(MODES))
def mode(vm, request):
    """One mode's outcome, shaped as tests/hostile_class.py's assertions expect."""
    outcome = dict(vm[request.param])
    outcome["scores"] = {s: {g: tuple(v) for g, v in cells.items()} for s, cells in outcome["scores"].items()}
    return SimpleNamespace(name=request.param, vm=vm["vm"], **outcome)


def test_classgrade_grades_in_its_sandbox_by_default(mode):
    assert f"can be built here: {MODES[mode.name]}" in mode.probe, mode.probe
    assert "WITHOUT the sandbox" not in mode.stdout
    assert_normal_students_exact(mode)


def test_reading_writing_connecting_killing_and_escaping_all_fail(mode):
    """The course (through /proc, __file__, walking up, the environment), outside writes (the hidden-check runner, a
    classmate's submission, the gradebook, another scratch folder), loopback, every process in sight, user namespaces
    (without root the kernel is in one already: it may not make another), the keyring, io_uring, vsock, the grader's
    environment, and its own host folder once sealed."""
    assert_attack_ran_and_failed(mode, "intruder", sum(BLOCKED.values()))
    assert "still alive" in mode.outputs["intruder"]
    assert mode.unchanged == {"runner": True, "victim": True}
    assert mode.connections == 0
    assert autograded(mode, "intruder") == FULL


def test_a_fork_flood_is_capped_and_leaves_nothing_behind(mode):
    assert_attack_ran_and_failed(mode, "hog", 2)
    started = int(mode.outputs["hog"].split("started ")[1].split()[0])
    assert 0 < started < PROCESSES, started
    assert mode.survivors == []
    assert mode.vm["leftover_cgroups"] == []


def test_memory_in_dev_shm_is_capped(mode):
    assert int(mode.outputs["hog"].split("/dev/shm after ")[1].split()[0]) <= 256
    assert autograded(mode, "hog") == FULL


def test_memory_in_a_double_forked_child_counts(mode):
    assert_stopped_by_a_limit(mode, "hidden_hog", f"exceeded the memory cap of {MEMORY_MB} MB")
