"""classgrade on a real, TLS-secured Dask cluster: a `dask scheduler` and two `dask worker` processes on loopback,
started here with a CA and certificate made for the test, as an instructor runs them (docs/INSTRUCTORS.md, "Where it
runs").

The workers share nothing with the course but the Python environment: they get each submission and the
assignment's files through Dask, and never open the gradebook (the coordinator writes it). A client without the
cluster's certificates cannot connect.
"""
from __future__ import annotations

import asyncio
import csv
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from instructor_only.grading import course, nbgrader_cli
from instructor_only.grading.classgrade import executors
from instructor_only.grading.submissions import plan
from tests import tls_certificates

ASSIGNMENT = "warmup_torch"
DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def refused(address: str, security=None) -> bool:
    """Whether a connection with this security (None: no certificates) to address fails: Dask's own connect and
    handshake, as a Client starts, in a fresh event loop.

    Not a Client: one whose construction fails is closed later by the garbage collector, and distributed 2026.8's
    Client.__del__ then takes LoopRunner's lock; when the collector runs while the next Client is being built (that
    lock held, in the same thread), the thread waits for itself forever. This test once hung 27 minutes that way."""
    from distributed.comm import connect
    from distributed.security import Security

    async def attempt():
        comm = await connect(address, timeout="3s", **(security or Security()).get_connection_args("client"))
        await comm.close()

    try:
        asyncio.run(attempt())
        return False
    except Exception:  # noqa: BLE001 -- any failure to connect is a refusal
        return True


# (run on each worker) the names of its periodic timers: Dask's profiler adds "profile" and "profile-cycle". A lambda,
# so that it travels by value: the workers cannot import this test module.
periodic_callbacks = lambda dask_worker: sorted(dask_worker.periodic_callbacks)  # noqa: E731


def test_the_embedded_cluster_runs_no_profiler():
    with executors.dask_client(None, 1) as client:
        timers = client.run(periodic_callbacks)
    assert timers and not any("profile" in names for names in timers.values()), timers


@pytest.fixture
def loopback_cluster(tmp_path):
    """A TLS-secured scheduler and two workers on loopback: (tls:// address, the certificate files)."""
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    tls = tls_certificates.make(tmp_path / "tls")
    env = {**nbgrader_cli.environment(), **executors.WORKER_ENVIRONMENT}  # as docs/INSTRUCTORS.md starts workers
    logs = [open(tmp_path / f"dask-{name}.log", "w") for name in ("scheduler", "worker-1", "worker-2")]
    processes = [subprocess.Popen([DASK, "scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard", "--dashboard-address", "127.0.0.1:0", *tls.options()],
                                  stdout=logs[0], stderr=subprocess.STDOUT, env=env, cwd=tmp_path)]
    try:
        for log in logs[1:]:
            processes.append(subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--memory-limit", "0",
                                               "--no-dashboard", *tls.options()], stdout=log,
                                              stderr=subprocess.STDOUT, env=env, cwd=tmp_path))
        from distributed import Client
        with Client(address, timeout="60s", security=tls.security()) as client:
            client.wait_for_workers(2, timeout=120)
            workers = client.scheduler_info()["workers"]
            timers = client.run(periodic_callbacks)
        assert all(worker.startswith("tls://") for worker in workers), f"workers not on TLS: {list(workers)}"
        assert not any("profile" in names for names in timers.values()), timers
        yield address, tls
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


@pytest.mark.nbgrader
@pytest.mark.timeout(150)  # 28-35 s in CI, 37 s alone with the cluster's start and stop: a hang fails here
def test_grades_through_a_dask_scheduler_and_two_workers(tmp_path, loopback_cluster):
    address, tls = loopback_cluster
    assert not refused(address, tls.security()), "the cluster's own certificate was refused"
    started = time.perf_counter()
    # No certificates (no TLS connection can even start), plain TCP (the scheduler resets it), and a certificate the
    # cluster's CA did not sign while trusting that CA (the scheduler's handshake refuses it: unknown CA).
    stranger = tls_certificates.make(tmp_path / "stranger", "stranger")
    assert refused(address), "a client without certificates connected to the TLS scheduler"
    assert refused(address.replace("tls://", "tcp://")), "the TLS scheduler accepted a plain TCP client"
    from distributed.security import Security
    assert refused(address, Security(tls_ca_file=str(tls.ca_file), tls_client_cert=str(stranger.cert),
                                     tls_client_key=str(stranger.key), require_encryption=True)), \
        "the TLS scheduler accepted a client certificate its CA did not sign"
    assert time.perf_counter() - started < 15, "refusing a client should take seconds"

    assignment = course.get(ASSIGNMENT)
    course_dir = nbgrader_cli.new_course(tmp_path / "course", [assignment])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
    planned = {p.student_id: p for p in plan(assignment)}
    bug = next(p for p in planned.values() if p.kind == "bug")
    students = {"solution": planned["solution"], "blank": planned["blank"], "bug": bug,
                "solution_again": planned["solution"]}
    for student, submission in students.items():
        nbgrader_cli.submit(course_dir, student, assignment, submission.as_json())
    result = nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--scheduler", address, *tls.options(), "--no-feedback")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "not secured" not in result.stderr
    scores = nbgrader_cli.scores(course_dir, ASSIGNMENT)
    tests = {gid for gid in scores["solution"] if gid.startswith("check_")}
    for student in ("solution", "solution_again"):
        assert all(scores[student][t][0] == scores[student][t][1] for t in tests), scores[student]
    assert all(scores["blank"][t][0] == 0 for t in tests), scores["blank"]
    lost = {t for t in tests if scores["bug"][t][0] < scores["bug"][t][1]}
    assert lost == set(bug.expectation.targets), f"{bug.entry.name}: lost {lost}"
    with open(course_dir / "classgrade" / ASSIGNMENT / "summary.csv") as handle:
        workers = {row["worker"] for row in csv.DictReader(handle)}
    assert len(workers) == 2, f"expected both Dask workers to grade, got {workers}"
    assert (course_dir / "grades.csv").exists()
