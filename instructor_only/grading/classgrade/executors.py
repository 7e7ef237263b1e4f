"""Where grading jobs run: Dask distributed, on an embedded local cluster (default) or on a cluster's scheduler.

The embedded cluster talks TLS (tls://127.0.0.1) with a throwaway certificate made for this run and held by this
process (`Security.temporary()`): only this process's client and the workers it starts can connect, not other users
or processes of the machine. On a cluster, the scheduler's security is the caller's: `security` is the client's
certificate, key and CA (`--tls-ca-file`, `--tls-cert`, `--tls-key`); without it the client uses Dask's own
configuration, by default none (plain tcp:// is unauthenticated: anyone who can reach that scheduler can run code on
its workers and in this process).

Each job is one submission. A Dask worker that dies mid-job (killed, out of memory outside the kernel) has its job
rescheduled on another worker; after `ALLOWED_FAILURES` deaths the job is reported as not graded. A worker still busy
with a job well past the job's wall-clock cap is stuck (its own code holds the GIL, so the watchdog inside it cannot
act): the coordinator replaces it from outside (`run_jobs`). A worker on another machine needs the course's Python
environment (requirements.txt and this repository on its Python path) and nothing else: the job carries the
assignment's files and the submission.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import dask
from distributed import Client, Future, KilledWorker, LocalCluster
from distributed.security import Security

from instructor_only.grading.classgrade.jobs import GradingJob, GradingResult, Limits
from instructor_only.grading.classgrade.worker import ExitWithCoordinator, grade_job

ALLOWED_FAILURES = 1  # worker deaths tolerated per job: one retry elsewhere, then the job is reported
# A job running this long past its wall-clock cap means its worker is stuck. The watchdog inside the worker stops the
# kernel at the cap; nbgrader's own steps after it (saving the notebook, the gradebook) still take a few seconds.
GRACE_SECONDS, GRACE_FRACTION = 30.0, 0.1  # the larger of the two
POLL_SECONDS = 0.5  # how often the coordinator asks the scheduler what each worker holds (only while jobs have a cap)


# What the embedded cluster's worker processes start with (imported once, by the fork server they are forked from):
# Dask's worker, and the grading code with nbgrader, nbclient, jupyter_client and pytest. Not torch or TensorFlow:
# a worker imports a framework only if a check computes with it on the trusted side (checks/outline.py). First, the
# module that makes the fork server die with the coordinator.
WORKER_PRELOAD = ["instructor_only.grading.classgrade.dies_with_coordinator",
                  "distributed", "distributed.nanny", "instructor_only.grading.classgrade.worker",
                  "instructor_only.checks.runner", "nbgrader.apps.api"]


def start_worker_forkserver() -> None:
    """Start the fork server that the embedded cluster's workers are forked from, importing WORKER_PRELOAD, in the
    background: call it before planning, which then runs on the other core meanwhile.

    Measured (2 workers, 2 cores, twice each): from starting the cluster until both workers have imported the grading
    code, 4.2-4.4 CPU-s of the machine with workers spawned afresh (Dask's default), 2.4-2.5 with forked ones. The
    fork server is this process's child and gets SIGKILL when this process ends, however it ends
    (dies_with_coordinator.py: the chain down to the kernels); it never runs a submission's code (workers start
    kernels, sandboxed, from kernel parents of their own). Call it from the main thread: the fork server dies with
    the thread that started it."""
    import distributed.utils
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_PRELOAD)
    # Dask would otherwise set its own list (every optional package it knows, imported here first to check it).
    distributed.utils._forkserver_preload_set = True
    from multiprocessing import forkserver
    forkserver.ensure_running()


# The environment a `dask worker` started by hand should have (docs/INSTRUCTORS.md, "Where it runs"): Dask's
# statistical profiler off, as dask_client turns it off in the embedded cluster (why: there).
WORKER_ENVIRONMENT = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}


# Dask's own clocks in the embedded cluster, slowed where nothing here reads them: the event loops' tick (only for
# "event loop was unresponsive" warnings) and the system monitor (the dashboard's host metrics; no memory limit here).
# The workers get them from their nanny. Measured (benchmarks/idle_overhead.py): while a kernel sleeps, the
# coordinator and its worker take 6-7% of a core with Dask's defaults, 2.4% with these; emulated, in the cgroup v2 VM
# test, they took most of a virtual CPU per mode.
QUIET_CLOCKS = {"distributed.admin.tick.interval": "1s", "distributed.admin.system-monitor.interval": "10s"}


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
                              "distributed.worker.profile.enabled": False, **QUIET_CLOCKS}), \
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                          memory_limit=0, silence_logs=logging.ERROR, protocol="tls", security=Security.temporary(),
                          host="127.0.0.1") as cluster, Client(cluster) as client:
            client.register_plugin(ExitWithCoordinator(os.getpid()))  # workers: children of this one's fork server
            yield client


def run_jobs(client: Client, jobs: Iterable[GradingJob], on_result: Callable[[GradingResult], None],
             grade: Callable[[GradingJob], GradingResult] = grade_job) -> None:
    """Grade every job; call on_result (in this process, one at a time) as each finishes, in completion order.

    Longest first: only a few more jobs than the cluster has threads are handed to Dask at a time, and the next one
    comes from the assignment whose submissions have taken longest so far (one of each is tried first). Handing out
    all jobs in command-line order left a worker idle at the end while another graded the slowest lab's last
    submissions (measured: 8% of a 16-submission class on 2 workers).

    Stuck workers: a job still running `stuck_after(job.limits)` seconds after it started on its worker (its
    wall-clock cap and a grace) is reported as not graded, the other jobs that worker holds are handed out again,
    and the worker is replaced (`replace_worker`). The watchdog inside a worker stops the kernel at the cap, but it
    cannot run while the worker's own code holds the GIL (found: a regular expression backtracking for 9 minutes).

    SIGTERM stops the run between two results (exit status 143); what was recorded stays recorded.

    `grade` is the function the workers run on each job: grade_job, or in tests a light stand-in."""
    pending = OrderedJobs(jobs)
    running: dict[Future, GradingJob] = {}  # handed to Dask and not yet reported, in the order handed out
    finished: queue.Queue[Future] = queue.Queue()  # filled by Dask's callback thread
    clock = RunningClock()

    def submit_more() -> None:
        threads = max(1, sum(client.nthreads().values()))
        while pending and len(running) < threads + 1:
            job = pending.pop()
            future = client.submit(grade, job, pure=False,
                                   key=f"grade-{job.assignment}-{job.student}-{os.urandom(4).hex()}")
            running[future] = job
            future.add_done_callback(finished.put)

    def replace_stuck_workers() -> list[GradingResult]:
        """Replace each worker running a job past its cap; those jobs' results."""
        if not any(stuck_after(job.limits) for job in running.values()):
            return []
        holding = client.processing()
        by_key = {future.key: future for future in running}
        clock.update(holding, client.nthreads(), list(by_key))
        results = []
        for worker, stuck in clock.stuck({key: stuck_after(running[future].limits)
                                          for key, future in by_key.items()}).items():
            held = [by_key[key] for key in holding[worker] if key in by_key]
            cancel_and_confirm(client, worker, held)
            for future in held:
                job = running.pop(future)
                if future.key in stuck:
                    results.append(GradingResult(job.assignment, job.student, False, {}, {}, [],
                                                 stuck_note(job, stuck[future.key]), worker,
                                                 {"total": stuck[future.key]}))
                else:  # queued behind it: to another worker, or to the replacement
                    pending.put_back(job)
            replace_worker(client, worker)
        return results

    with stop_on_sigterm() as stop:
        submit_more()
        next_check = time.monotonic() + POLL_SECONDS
        while running:
            try:
                future = finished.get(timeout=POLL_SECONDS)
            except queue.Empty:
                future = None
            stop.check()
            # (a future that is not running any more is one cancelled above)
            results = [result_of(future, running.pop(future))] if future in running else []
            if time.monotonic() >= next_check:
                results += replace_stuck_workers()
                next_check = time.monotonic() + POLL_SECONDS
            for result in results:
                pending.observe(result.assignment, result.timings.get("total"))
            if results:
                submit_more()
            for result in results:
                on_result(result)


def result_of(future: Future, job: GradingJob) -> GradingResult:
    try:
        return future.result()
    except KilledWorker:
        return GradingResult(job.assignment, job.student, False, {}, {}, [],
                             f"the grading worker died {ALLOWED_FAILURES + 1} times on this submission "
                             f"(outside the kernel's limits); not graded")
    except Exception as error:  # noqa: BLE001 -- one failed job never stops the others
        return GradingResult(job.assignment, job.student, False, {}, {}, [], f"{type(error).__name__}: {error}")


def stuck_after(limits: Limits) -> float:
    """Seconds a job may run on its worker before the worker counts as stuck (0: never; no wall-clock cap)."""
    if not limits.wall_seconds:
        return 0.0
    return limits.wall_seconds + max(GRACE_SECONDS, GRACE_FRACTION * limits.wall_seconds)


def stuck_note(job: GradingJob, seconds: float) -> str:
    """Why a stuck job was not graded, for the summary (after "autograding failed: ") and the instructor."""
    return (f"its grading worker was still busy after {seconds:.0f} s, past the {job.limits.wall_seconds:g} s "
            f"wall-clock cap: the grading code itself was stuck, where the kernel's limits do not reach. The worker "
            f"was replaced; grade this submission again with --student {job.student} (if it sticks again, grade "
            f"it by hand)")


class RunningClock:
    """Since when each job has been running on its worker, as the coordinator sees it (to within POLL_SECONDS).

    The scheduler tells which jobs each worker holds, not which of them it is running. A worker runs its jobs in the
    order they were handed to Dask (the priority Dask gives plain submissions), `nthreads` at a time: so it is running
    the first nthreads of them in that order, and each started when it became one of those."""

    def __init__(self, now: Callable[[], float] = time.monotonic):
        self.now = now
        self.since: dict[tuple[str, str], float] = {}  # (worker, key) -> when it was first seen running there

    def update(self, holding: dict[str, Iterable[str]], nthreads: dict[str, int], order: list[str]) -> None:
        """holding: the scheduler's processing() (worker -> keys); order: the keys to time, as handed out."""
        now, rank = self.now(), {key: i for i, key in enumerate(order)}
        self.since = {(worker, key): self.since.get((worker, key), now)
                      for worker, keys in holding.items()
                      for key in sorted((k for k in keys if k in rank), key=rank.get)[:nthreads.get(worker, 1)]}

    def stuck(self, allowed: dict[str, float]) -> dict[str, dict[str, float]]:
        """worker -> {key: seconds running} of the jobs running longer than allowed[key] (0 or missing: no limit)."""
        now, found = self.now(), {}
        for (worker, key), since in self.since.items():
            if allowed.get(key) and now - since > allowed[key]:
                found.setdefault(worker, {})[key] = now - since
        return found


def cancel_and_confirm(client: Client, worker: str, futures: list[Future], timeout: float = 30.0) -> None:
    """Cancel `futures` and wait until the scheduler has let go of them on `worker`. A job a worker still holds when
    it dies is retried on another (ALLOWED_FAILURES): a stuck one would then freeze that one too."""
    client.cancel(futures, reason="classgrade: stuck worker")  # (sent to the scheduler, not awaited)
    keys, deadline = {future.key for future in futures}, time.monotonic() + timeout
    while keys & set(client.processing([worker]).get(worker, ())) and time.monotonic() < deadline:
        time.sleep(0.05)


def replace_worker(client: Client, address: str, timeout: float = 60.0) -> None:
    """End the worker at `address` for good, and have a fresh one take its place.

    The embedded cluster's: SIGKILL to its process; its nanny (in this process) starts a new one, and its kernel
    parents and kernels die with it (dies_with_coordinator.py: the chain). A cluster's: its nanny kills it and starts
    a new one (Dask's restart_workers, which first gives it 4 s to close, in vain when it is stuck). A worker without
    a nanny cannot be restarted from here: the scheduler drops it, and whoever started it must stop it."""
    nannies = {nanny.worker_address: nanny for nanny in getattr(client.cluster, "workers", {}).values()}
    if address in nannies and nannies[address].pid:
        os.kill(nannies[address].pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout  # until the scheduler knows, no new job may go to the dead worker
        while address in client.nthreads() and time.monotonic() < deadline:
            time.sleep(0.05)
        return
    try:
        client.restart_workers([address], timeout=timeout, raise_for_error=False)
    except ValueError:  # it has no nanny
        logging.getLogger(__name__).error("the stuck grading worker %s has no nanny to restart it: it is dropped "
                                          "from the cluster; stop its process by hand", address)
        client.retire_workers([address], close_workers=True)


class stop_on_sigterm:
    """SIGTERM (`kill`, a batch system's or systemd's stop) ends the run at the next check() between two results,
    not in the middle of recording one. Only in the main thread: the only one Python delivers signals to."""

    def __enter__(self) -> "stop_on_sigterm":
        self.requested = threading.Event()
        self.installed = threading.current_thread() is threading.main_thread()
        if self.installed:
            self.previous = signal.signal(signal.SIGTERM, lambda *_: self.requested.set())
        return self

    def check(self) -> None:
        if self.requested.is_set():
            print("classgrade: stopped by SIGTERM; the submissions graded so far are recorded; run it again to grade "
                  "the others", file=sys.stderr)
            raise SystemExit(128 + signal.SIGTERM)

    def __exit__(self, *exc) -> None:
        if self.installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if self.previous is None else self.previous)


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

    def put_back(self, job: GradingJob) -> None:
        """A job handed out but never run (its worker was replaced): first of its assignment again."""
        self.waiting.setdefault(job.assignment, []).insert(0, job)

    def pop(self) -> GradingJob:
        assignment = max((a for a, queue in self.waiting.items() if queue), key=self.expected_seconds)  # ties: first
        self.handed_out.add(assignment)
        return self.waiting[assignment].pop(0)
