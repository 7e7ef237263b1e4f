"""A grading worker frozen in its own code (a regular expression holding the GIL: the watchdog thread inside the
worker cannot run) is handled from outside: the coordinator reports its submission after the wall-clock cap and a
grace, grades the classmates on the other worker or on the worker's replacement, and nothing the frozen worker had
started survives it; a coordinator killed while a worker is frozen takes every process of its run with it.

The jobs are light stand-ins (tests/stuck_worker_jobs.py): no nbgrader, no notebook, a few seconds per test.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from instructor_only.grading.classgrade import executors
from instructor_only.grading.course import COURSE_ROOT
from tests import stuck_worker_jobs
from tests.stuck_worker_jobs import job, survivors

WALL_SECONDS, GRACE_SECONDS = 3.0, 2.0


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return value


def test_the_clock_times_the_job_each_worker_runs_first_from_when_it_does():
    """A single-threaded worker holding two jobs runs the one handed out first; the other's time starts after it."""
    now = [100.0]
    clock = executors.RunningClock(now=lambda: now[0])
    clock.update({"w1": ["late", "early"], "w2": ["other"]}, {"w1": 1, "w2": 1}, ["early", "other", "late"])
    now[0] = 110.0
    assert clock.stuck({"early": 5, "late": 5, "other": 0}) == {"w1": {"early": 10.0}}  # "other": no cap
    clock.update({"w1": ["late"], "w2": ["other"]}, {"w1": 1, "w2": 1}, ["other", "late"])  # "early" finished
    now[0] = 114.0
    assert clock.stuck({"late": 5}) == {} and clock.stuck({"late": 3}) == {"w1": {"late": 4.0}}


@pytest.mark.timeout(120)  # 8-11 s alone, the cluster's start and stop included
def test_a_frozen_worker_is_replaced_and_its_classmates_graded(tmp_path, monkeypatch):
    monkeypatch.setattr(executors, "GRACE_SECONDS", GRACE_SECONDS)
    record = tmp_path / "stuck.json"
    jobs = [job("stuck", WALL_SECONDS, record), *(job(f"classmate_{i}", WALL_SECONDS) for i in range(3))]
    results, arrived = {}, {}
    with executors.dask_client(None, 2) as client:
        started = time.monotonic()
        executors.run_jobs(client, jobs, lambda r: (results.setdefault(r.student, r),
                                                    arrived.setdefault(r.student, time.monotonic() - started)),
                           grade=stuck_worker_jobs.grade)
        workers_after = len(client.scheduler_info()["workers"])
    stuck = results.pop("stuck")
    assert not stuck.ok and "still busy" in stuck.error and f"{WALL_SECONDS:g} s wall-clock cap" in stuck.error \
        and "--student stuck" in stuck.error, stuck.error
    # Stuck from its first second: reported at the cap plus the grace, within the coordinator's polling and the
    # seconds it took the worker to start its kernel parent.
    assert WALL_SECONDS + GRACE_SECONDS < arrived["stuck"] < WALL_SECONDS + GRACE_SECONDS + 8, arrived
    assert sorted(results) == ["classmate_0", "classmate_1", "classmate_2"] and all(r.ok for r in results.values())
    assert workers_after == 2, "the frozen worker was not replaced"
    recorded = json.loads(record.read_text())
    assert any("bwrap" in c or "warm_kernels" in c for _, _, c in recorded), f"no kernel parent started: {recorded}"
    assert any("multiprocessing.forkserver" in c for _, _, c in recorded[:1]), recorded  # the worker itself
    wait_for(lambda: not survivors(recorded), 5, f"left running: {survivors(recorded)}")


@pytest.mark.timeout(120)  # 7-10 s alone (SIGKILL), 13-19 s (SIGTERM)
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_coordinator_stopped_while_a_worker_is_frozen_leaves_no_process(tmp_path, stop):
    record, out, err = tmp_path / "stuck.json", tmp_path / "stdout", tmp_path / "stderr"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        coordinator = subprocess.Popen([sys.executable, "-m", "tests.stuck_worker_jobs", str(record)],
                                       cwd=COURSE_ROOT, stdout=stdout, stderr=stderr)
    run = []
    try:
        wait_for(lambda: record.exists() and record.read_text() or coordinator.poll() is not None, 60,
                 "the stuck job did not start")
        assert coordinator.poll() is None, err.read_text()[-3000:]
        time.sleep(stuck_worker_jobs.OTHERS_SECONDS + 1)  # the classmate graded on the other worker
        run = [[p.pid, p.create_time(), " ".join(p.cmdline())[:200]]
               for p in psutil.Process(coordinator.pid).children(recursive=True)]
        recorded = json.loads(record.read_text())
        assert {pid for pid, _, _ in recorded} <= {pid for pid, _, _ in run}, (recorded, run)
        stopped = time.monotonic()
        coordinator.send_signal(stop)
        coordinator.wait(timeout=30)
        wait_for(lambda: not survivors(run), 10, f"left running: {survivors(run)}")
        seconds = time.monotonic() - stopped
    finally:
        if coordinator.poll() is None:
            coordinator.kill()
        for pid, _ in survivors(run):  # (a failed test's)
            os.kill(pid, signal.SIGKILL)
    assert "graded classmate" in out.read_text(), err.read_text()[-3000:]
    if stop == signal.SIGTERM:
        assert coordinator.returncode == 128 + signal.SIGTERM and "stopped by SIGTERM" in err.read_text(), \
            (coordinator.returncode, err.read_text()[-3000:])
    # SIGKILL: at once; SIGTERM: the run stops, and Dask's nanny gives the frozen worker 4 s to close, then kills it.
    assert seconds < (3 if stop == signal.SIGKILL else 8), seconds
