"""Light stand-ins for grading jobs, for tests/test_classgrade_stuck_worker.py: no nbgrader, no notebook.

`grade` is what the workers run instead of worker.grade_job (executors.run_jobs takes it as `grade`). A student named
"stuck..." freezes its worker the way the attack did: it starts what a real job starts (a kernel parent, in the grading
sandbox where this machine can build it, and a process the parent forks as it forks kernels), writes the pids of the
worker and of everything under it to the file its submission names, then holds the GIL for hours in a regular
expression that backtracks (C code: no other thread of the worker runs meanwhile). Every other student takes a second.

    .venv/bin/python -m tests.stuck_worker_jobs RECORD    # a coordinator: 2 workers, one stuck with no wall cap
    .venv/bin/python -m tests.stuck_worker_jobs --measure # a run with a stuck job against the same run without
"""
from __future__ import annotations

import json
import os
import re
import socket
import sys
import time
from pathlib import Path

import psutil

from instructor_only.grading.classgrade.jobs import GradingJob, GradingResult, Limits

OTHERS_SECONDS = 1.0


def job(student: str, wall_seconds: float, record: Path | None = None) -> GradingJob:
    files = {"record": str(record).encode()} if record else {}
    return GradingJob("fake", student, "", b"", {}, files, Limits(wall_seconds=wall_seconds))


def grade(job: GradingJob) -> GradingResult:
    started = time.perf_counter()
    if job.student.startswith("stuck"):
        freeze(Path(job.submission_files["record"].decode()))
    time.sleep(OTHERS_SECONDS)
    return GradingResult(job.assignment, job.student, True, {}, {"answer": (1.0, 1.0)}, [], "",
                         f"{socket.gethostname()}:{os.getpid()}", {"total": time.perf_counter() - started})


def freeze(record: Path) -> None:
    from instructor_only.grading.classgrade.sandbox import probe
    from instructor_only.grading.classgrade.warm_kernels import KernelParent
    sandboxed = not probe.missing()
    ours, theirs = socket.socketpair()
    KernelParent.get("", sandboxed).fork_reference(theirs, drop_to_uid=sandboxed)
    theirs.close()
    here = psutil.Process()
    processes = [here, *here.children(recursive=True)]
    record.write_text(json.dumps([[p.pid, p.create_time(), " ".join(p.cmdline())[:200]] for p in processes]))
    re.match(r"(a+)+$", "a" * 40 + "b")  # 2**40 steps: hours
    ours.close()


def survivors(recorded: list) -> list:
    """Those of the recorded [pid, create time, command] that still run."""
    alive = []
    for pid, created, command in recorded:
        try:
            if psutil.Process(pid).create_time() == created:
                alive.append([pid, command])
        except psutil.NoSuchProcess:
            pass
    return alive


def coordinate(record: Path) -> None:
    """A coordinator with two workers: one frozen (no wall cap: it stays frozen), one grading a classmate; it prints
    "graded <student>" for each result."""
    from instructor_only.grading.classgrade import executors
    with executors.dask_client(None, 2) as client:
        executors.run_jobs(client, [job("stuck", 0, record), job("classmate", 0)],
                           lambda result: print("graded", result.student, flush=True), grade=grade)


def measure(wall_seconds: float = 3.0, grace_seconds: float = 2.0, classmates: int = 3) -> None:
    """Print the wall time of a run of one stuck job and `classmates` others on 2 workers, against the same run with
    a light job in the stuck one's place, and when the stuck one was reported, from the run's start."""
    import tempfile
    from instructor_only.grading.classgrade import executors
    executors.GRACE_SECONDS = grace_seconds
    with executors.dask_client(None, 2) as client, tempfile.TemporaryDirectory() as folder:
        for first in ("unstuck", "stuck"):
            jobs = [job(first, wall_seconds, Path(folder) / "record.json"),
                    *(job(f"classmate_{i}", wall_seconds) for i in range(classmates))]
            started, arrived = time.monotonic(), {}
            executors.run_jobs(client, jobs, lambda r: arrived.setdefault(r.student, time.monotonic() - started),
                               grade=grade)
            print(f"{first:7s} first: run {time.monotonic() - started:.1f} s; {first} reported at "
                  f"{arrived[first]:.1f} s (cap {wall_seconds:g} s + grace {grace_seconds:g} s = "
                  f"{wall_seconds + grace_seconds:g} s); the others at "
                  f"{', '.join(f'{arrived[s]:.1f}' for s in sorted(arrived) if s != first)} s")


if __name__ == "__main__":
    measure() if sys.argv[1:] == ["--measure"] else coordinate(Path(sys.argv[1]))
