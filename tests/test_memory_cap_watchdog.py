"""classgrade's memory cap in the sandbox (limited_execute.CgroupMeter): the cap is reported as the memory cap as
soon as the kernel is pinned at it, not only once the OS's out-of-memory killer acts (near its cap the OS first evicts
what file pages the kernel has and the kernel may read them back before the killer acts)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest

from instructor_only.grading.classgrade.limited_execute import CgroupMeter, KernelWatchdog, memory_note
from instructor_only.grading.classgrade.sandbox import cgroups

CAP_MB = 300


class FakeCgroups:
    def __init__(self, unreclaimable: list[float], oom_kills: int = 0):
        self.values, self.kills = list(unreclaimable), oom_kills

    def unreclaimable_mb(self) -> float:
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]

    def oom_kills(self) -> int:
        return self.kills

    def peak_memory_mb(self) -> float:
        return CAP_MB

    def cpu_seconds(self) -> float:
        return 1.0


class FakeInit:
    pid, killed = 12345, False

    def poll(self):
        return None

    def kill(self):
        self.killed = True


def watchdog(fake: FakeCgroups) -> tuple[KernelWatchdog, FakeInit]:
    init = FakeInit()
    dog = KernelWatchdog(CgroupMeter(fake, init), CAP_MB, deadline=0.0)
    dog.current_cell = "hog"
    return dog, init


def test_pinned_at_the_cap_for_three_samples_is_the_memory_cap():
    near = CAP_MB - CgroupMeter.PINNED_MB + 1
    dog, init = watchdog(FakeCgroups([near, near, near]))
    assert dog.check() is None and dog.check() is None and not init.killed
    assert "cell `hog` exceeded the memory cap of 300 MB" in dog.check()
    assert init.killed


def test_a_kernel_that_only_passes_near_the_cap_is_left_alone():
    near, below = CAP_MB - 10, CAP_MB - CgroupMeter.PINNED_MB - 1
    dog, init = watchdog(FakeCgroups([near, near, below, near, near, below]))
    assert all(dog.check() is None for _ in range(6)) and not init.killed


def test_an_out_of_memory_kill_is_the_memory_cap_at_once():
    dog, init = watchdog(FakeCgroups([10.0], oom_kills=1))
    assert "exceeded the memory cap" in dog.check() and init.killed


@pytest.mark.skipif(bool(cgroups.missing()), reason="needs cgroups this grader may manage")
def test_a_real_process_over_its_cap_is_reported_within_seconds():
    """A real cgroup with a 300 MB cap and a process that allocates 1 GB: whichever sign comes first, the watchdog
    names the memory cap within a few seconds (its memory.stat is read as the kernel's is)."""
    tag = f"test-{uuid.uuid4().hex[:8]}"
    kernel = cgroups.KernelCgroups(tag, "hog", CAP_MB, 0)
    hog = subprocess.Popen([sys.executable, "-c", "import sys, time; sys.stdin.readline(); "
                            "import numpy as np; hog = np.ones(125_000_000); time.sleep(60)"],
                           stdin=subprocess.PIPE, text=True)
    try:
        kernel.join(hog.pid)
        hog.stdin.write("go\n")
        hog.stdin.flush()

        class Init:
            pid = hog.pid
            poll, kill = hog.poll, hog.kill

        dog = KernelWatchdog(CgroupMeter(kernel, Init()), CAP_MB, deadline=0.0)
        started, reason = time.monotonic(), None
        while reason is None and time.monotonic() - started < 30:
            reason = dog.check()
            time.sleep(0.1)
        assert reason and "exceeded the memory cap of 300 MB" in reason, reason
        # Well before a cell's timeout: 300 MB of memory the VM gave back to its host is faulted in again at about
        # 70 MB/s here (4.3 s); on memory still held it takes a fraction of a second.
        assert time.monotonic() - started < 20
    finally:
        hog.kill()
        hog.wait()
        kernel.remove()
        cgroups.remove_worker(tag)


def test_a_timeout_says_how_full_memory_was_when_it_was_at_least_half_the_cap():
    """A cell still filling slow memory when its time ran out is told how close it came to the cap; a plain endless
    loop is not told about memory."""
    assert memory_note(1077.4, 1200) == ", its memory having reached 1,077 MB of the 1,200 MB cap"
    assert memory_note(600.0, 1200) == ", its memory having reached 600 MB of the 1,200 MB cap"
    assert memory_note(599.0, 1200) == ""
    assert memory_note(5000.0, 0) == ""  # no cap: nothing to compare with
