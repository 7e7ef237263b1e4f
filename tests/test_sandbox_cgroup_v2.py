"""The grading sandbox on a cgroup v2 kernel, as root and as a non-root grader with a delegated subtree.

This machine is cgroup v1, so the test boots Debian's kernel in a QEMU VM (virtme-ng, TCG emulation: KVM is not
available here) whose userland is this machine's own root filesystem. tests/cgroup_v2_host.py builds two copies of
a hostile class (tests/hostile_class.py) and tests/cgroup_v2_guest.py grades them in the VM at the same time: one with
classgrade as root, one as the user nobody, put in a cgroup delegated to it as systemd's Delegate=yes does. The VM
boots in the background as soon as these tests are collected (tests/background_vm.py); they run last and each
asserts one guarantee in both modes.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import background_vm
from tests.cgroup_v2_host import BLOCKED, MODES, PREPARE_SECONDS, VM_SECONDS, vm_tools
from tests.hostile_class import (FULL, MEMORY_MB, PROCESSES, assert_attack_ran_and_failed,
                                 assert_normal_students_exact, assert_stopped_by_a_limit, autograded)

pytestmark = [pytest.mark.timeout(PREPARE_SECONDS + VM_SECONDS + 300), pytest.mark.nbgrader, pytest.mark.vm]


@pytest.fixture(scope="module")
def vm(request):
    """The two hostile classes graded in one VM, once per test run (tests/background_vm.py)."""
    if vm_tools() is None:
        pytest.skip("no VM here: scripts/ensure_vm.sh installs QEMU, Debian's kernel and virtme-ng")
    outcome = background_vm.outcome(request.config)
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
    started = int(mode.outputs["intruder"].split("started ")[1].split()[0])
    assert 0 < started < PROCESSES, started
    assert mode.survivors == []
    assert mode.vm["leftover_cgroups"] == []


def test_memory_in_dev_shm_is_capped(mode):
    assert int(mode.outputs["intruder"].split("/dev/shm after ")[1].split()[0]) <= 256
    assert autograded(mode, "intruder") == FULL


def test_memory_in_a_double_forked_child_counts(mode):
    assert_stopped_by_a_limit(mode, "hidden_hog", f"exceeded the memory cap of {MEMORY_MB} MB")
