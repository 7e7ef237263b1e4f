"""A hostile class (tests/hostile_class.py), graded with classgrade's sandbox on this machine: every attack fails, and
nobody's grade moves.

The warm-up (PyTorch) class is graded once; each test asserts what one attacker got and that the normal students'
grades are exact. tests/test_sandbox_cgroup_v2.py grades the same class on a cgroup v2 kernel.
"""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from instructor_only.grading import course, nbgrader_cli
from tests.graded_once import graded_once
from tests.loopback_listener import Listener
from tests.hostile_class import (CELL_TIMEOUT, CPU_SECONDS, FULL, MARKER, MEMORY_MB, PROCESSES, WALL_SECONDS,
                                 assert_attack_ran_and_failed, assert_normal_students_exact,
                                 assert_stopped_by_a_limit, autograded, read_outcome, submit_class, survivors,
                                 ASSIGNMENT)

pytestmark = pytest.mark.timeout(350)  # the hostile class graded on a Dask cluster: 78-82 s in CI


def grade_hostile_class(course_dir: Path) -> dict:
    listener = Listener()
    listener.start()
    context = {"course": str(course_dir), "repo": str(course.COURSE_ROOT), "port": listener.port, "marker": MARKER}
    submitted = submit_class(course_dir, context)
    os.environ["HOSTILE_CANARY"] = "canary-" + "1729"  # a secret of the grader's environment (split: not in memory)
    try:
        result = nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--workers", "2", "--memory-mb", str(MEMORY_MB),
                                         "--wall-seconds", str(WALL_SECONDS), "--processes", str(PROCESSES),
                                         "--cpu-seconds", str(CPU_SECONDS),
                                         "--no-feedback")
    finally:
        del os.environ["HOSTILE_CANARY"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    listener.server.close()
    return {**read_outcome(course_dir, submitted), "connections": listener.connections, "survivors": survivors(),
            "stdout": result.stdout}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, request):
    """The hostile class, graded once per test run (shared by the xdist workers)."""
    return SimpleNamespace(**graded_once("hostile", tmp_path_factory, request, grade_hostile_class)[1])


@pytest.mark.nbgrader
def test_reading_the_course_finds_nothing(hostile):
    assert_attack_ran_and_failed(hostile, "reader", 10)
    assert autograded(hostile, "reader") == 0  # as blank: nothing read became points
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_writing_outside_the_sandbox_fails(hostile):
    assert_attack_ran_and_failed(hostile, "writer", 5)
    assert autograded(hostile, "writer") == 0
    assert hostile.unchanged == {"runner": True, "victim": True}
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_no_network_not_even_loopback(hostile):
    assert_attack_ran_and_failed(hostile, "network", 4)
    assert hostile.connections == 0
    assert autograded(hostile, "network") == 0
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_killing_the_grader_reaches_nothing(hostile):
    assert_attack_ran_and_failed(hostile, "killer", 1)
    assert "still alive" in hostile.outputs["killer"]
    assert autograded(hostile, "killer") == FULL and hostile.summary["killer"]["status"] == "graded"
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_fork_trees_are_capped_and_leave_nothing_behind(hostile):
    assert_attack_ran_and_failed(hostile, "forker", 1)
    started = int(hostile.outputs["forker"].split("started ")[1].split()[0])
    assert 0 < started < PROCESSES, started
    assert hostile.survivors == []
    assert autograded(hostile, "forker") == FULL
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_memory_in_dev_shm_is_capped(hostile):
    assert_attack_ran_and_failed(hostile, "shm_hog", 1)
    held = int(hostile.outputs["shm_hog"].split("after ")[1].split()[0])
    assert held <= 256, held  # /dev/shm's size cap (sandbox/policy.py), inside the memory cap
    assert autograded(hostile, "shm_hog") == FULL
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_memory_in_a_double_forked_child_counts(hostile):
    assert_stopped_by_a_limit(hostile, "hidden_hog", f"exceeded the memory cap of {MEMORY_MB} MB")


@pytest.mark.nbgrader
def test_ignoring_the_timeout_interrupt_is_stopped(hostile):
    note = hostile.summary["sleeper"]["notes"]
    assert (f"cell `conv_output_size` ran past the per-cell timeout of {CELL_TIMEOUT} s and ignored the interrupt, "
            f"its memory having reached " in note), note
    held = int(note.split("its memory having reached ")[1].split(" MB")[0].replace(",", ""))
    assert 350 <= held < MEMORY_MB, note  # the 350 MB it holds and the kernel's own, under the cap
    assert f"MB of the {MEMORY_MB} MB cap; the kernel was stopped" in note, note
    assert hostile.summary["sleeper"]["status"] == "graded"
    assert hostile.survivors == []
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_file_size_is_capped(hostile):
    assert_attack_ran_and_failed(hostile, "file_hog", 1)
    assert "one file in /tmp after 256 MB (OSError: File too large)" in hostile.outputs["file_hog"]
    assert autograded(hostile, "file_hog") == FULL
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_cpu_time_of_all_processes_is_capped(hostile):
    assert_stopped_by_a_limit(hostile, "cpu_burner", f"exceeded the CPU-time cap of {CPU_SECONDS} s")
    assert hostile.survivors == []


@pytest.mark.nbgrader
def test_no_escape_hatches_and_no_secrets_inherited(hostile):
    """User namespaces, the keyring, io_uring, vsock (seccomp), the grader's environment (never sent to the kernel
    parent, whose memory every kernel inherits), and the kernel's own host folder once its sockets exist."""
    assert_attack_ran_and_failed(hostile, "escape", 7)
    assert autograded(hostile, "escape") == 0
    assert_normal_students_exact(hostile)
