"""Where grading jobs run: Dask distributed, on an embedded local cluster (default) or on a cluster's scheduler.

The embedded cluster talks TLS (tls://127.0.0.1) with a throwaway certificate made for this run and held by this
process (`Security.temporary()`): only this process's client and the workers it starts can connect, not other users
or processes of the machine. On a cluster, the scheduler's security is the caller's: `security` is the client's
certificate, key and CA (`--tls-ca-file`, `--tls-cert`, `--tls-key`); without it the client uses Dask's own
configuration, by default none (plain tcp:// is unauthenticated: anyone who can reach that scheduler can run code on
its workers and in this process).

Each job is one submission. A Dask worker that dies mid-job (killed, out of memory outside the kernel) has its job
rescheduled on another worker; after `ALLOWED_FAILURES` deaths the job is reported as not graded. A worker on
another machine needs the course's Python environment (requirements.txt and this repository on its Python path)
and nothing else: the job carries the assignment's files and the submission.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import dask
from distributed import Client, KilledWorker, LocalCluster, as_completed
from distributed.security import Security

from instructor_only.grading.classgrade.jobs import GradingJob, GradingResult
from instructor_only.grading.classgrade.worker import ExitWithCoordinator, grade_job

ALLOWED_FAILURES = 1  # worker deaths tolerated per job: one retry elsewhere, then the job is reported


# What the embedded cluster's worker processes start with (imported once, by the fork server they are forked from):
# Dask's worker, and the grading code with nbgrader, nbclient, jupyter_client and pytest. Not torch or TensorFlow:
# a worker imports a framework only if a check computes with it on the trusted side (checks/outline.py).
WORKER_PRELOAD = ["distributed", "distributed.nanny", "instructor_only.grading.classgrade.worker",
                  "instructor_only.checks.runner", "nbgrader.apps.api"]


def start_worker_forkserver() -> None:
    """Start the fork server that the embedded cluster's workers are forked from, importing WORKER_PRELOAD, in the
    background: call it before planning, which then runs on the other core meanwhile.

    Measured (2 workers, 2 cores, twice each): from starting the cluster until both workers have imported the grading
    code, 4.2-4.4 CPU-s of the machine with workers spawned afresh (Dask's default), 2.4-2.5 with forked ones. The
    fork server is this process's child and exits when this process does (its pipe from here closes); it never
    runs a submission's code (workers start kernels, sandboxed, from kernel parents of their own)."""
    import distributed.utils
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_PRELOAD)
    # Dask would otherwise set its own list (every optional package it knows, imported here first to check it).
    distributed.utils._forkserver_preload_set = True
    from multiprocessing import forkserver
    forkserver.ensure_running()


# The environment a `dask worker` started by hand should have (README, "Where it runs"): Dask's statistical profiler
# off, as dask_client turns it off in the embedded cluster (why: there).
WORKER_ENVIRONMENT = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@contextmanager
def dask_client(scheduler: str | None, workers: int, security: Security | None = None) -> Iterator[Client]:
    """A client of the given scheduler (with `security`, the client's TLS credentials, if given), or of a local
    TLS-secured cluster of `workers` single-threaded worker processes (`security` is then not used)."""
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        if scheduler:
            with Client(scheduler, timeout="30s", security=security) as client:
                yield client
            return
        start_worker_forkserver()  # (already running if the caller started it before planning)
        # TLS with a throwaway self-signed certificate (in memory, one per run) that the scheduler, the nannies, the
        # workers and this client all require of each other; protocol="tls" so that every listener is tls://.
        # No dashboard; the scheduler still serves its HTTP routes (health, metrics), by default on port 8787 with a
        # "Port 8787 is already in use" warning whenever another cluster or Jupyter's Dask dashboard has it: give them
        # any free port on loopback instead.
        # No statistical profiler in the workers: its thread calls sys._current_frames() every 10 ms, which on Python
        # 3.11 before 3.11.9 can deadlock with the garbage collector (cpython#106883, dask/distributed#8616). Seen
        # here: a worker's every thread waiting, mid-submission, for 9 minutes.
        with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver",
                              "distributed.worker.profile.enabled": False}), \
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                          memory_limit=0, silence_logs=logging.ERROR, protocol="tls", security=Security.temporary(),
                          host="127.0.0.1") as cluster, Client(cluster) as client:
            client.register_plugin(ExitWithCoordinator(os.getpid()))  # workers: children of this one's fork server
            yield client


def run_jobs(client: Client, jobs: Iterable[GradingJob],
             on_result: Callable[[GradingResult], None]) -> None:
    """Grade every job; call on_result (in this process, one at a time) as each finishes, in completion order.

    Longest first: only a few more jobs than the cluster has threads are handed to Dask at a time, and the next one
    comes from the assignment whose submissions have taken longest so far (one of each is tried first). Handing out
    all jobs in command-line order left a worker idle at the end while another graded the slowest lab's last
    submissions (measured: 8% of a 16-submission class on 2 workers)."""
    pending = OrderedJobs(jobs)
    futures: dict = {}
    finished = as_completed()

    def submit_more() -> None:
        threads = max(1, sum(client.nthreads().values()))
        while pending and len(futures) < threads + 1:
            job = pending.pop()
            future = client.submit(grade_job, job, pure=False,
                                   key=f"grade-{job.assignment}-{job.student}-{os.urandom(4).hex()}")
            futures[future] = job
            finished.add(future)

    submit_more()
    for future in finished:
        job = futures.pop(future)
        try:
            result = future.result()
        except KilledWorker:
            result = GradingResult(job.assignment, job.student, False, {}, {}, [],
                                   f"the grading worker died {ALLOWED_FAILURES + 1} times on this submission "
                                   f"(outside the kernel's limits); not graded")
        except Exception as error:  # noqa: BLE001 -- one failed job never stops the others
            result = GradingResult(job.assignment, job.student, False, {}, {}, [], f"{type(error).__name__}: {error}")
        pending.observe(job.assignment, result.timings.get("total"))
        submit_more()
        on_result(result)


class OrderedJobs:
    """Jobs waiting to be handed out, per assignment in their order. `pop` takes the next job of the assignment with
    the longest mean grading time observed so far; an assignment none of whose jobs was handed out yet comes first,
    and one whose first jobs are still running (nothing observed yet) comes last."""

    def __init__(self, jobs: Iterable[GradingJob]):
        self.waiting: dict[str, list[GradingJob]] = {}
        for job in jobs:
            self.waiting.setdefault(job.assignment, []).append(job)
        self.seconds: dict[str, list[float]] = {}
        self.handed_out: set[str] = set()

    def __bool__(self) -> bool:
        return any(self.waiting.values())

    def observe(self, assignment: str, seconds: float | None) -> None:
        if seconds:
            self.seconds.setdefault(assignment, []).append(seconds)

    def expected_seconds(self, assignment: str) -> float:
        seen = self.seconds.get(assignment)
        if seen:
            return sum(seen) / len(seen)
        return -1.0 if assignment in self.handed_out else float("inf")

    def pop(self) -> GradingJob:
        assignment = max((a for a, queue in self.waiting.items() if queue), key=self.expected_seconds)  # ties: first
        self.handed_out.add(assignment)
        return self.waiting[assignment].pop(0)
