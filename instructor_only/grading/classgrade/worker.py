"""Grade one submission with stock nbgrader autograde, in a private scratch course, inside a worker process.

The scratch course holds the course's nbgrader_config.py, the assignment's source folder, a SQLite gradebook that
knows only this assignment's definition, and the one submission. `nbgrader autograde` runs in-process (nbgrader is
imported once per worker, not once per submission) with the course's own preprocessors, except that Execute is
`LimitedExecute` (the same execution plus limits). The worker never touches the course gradebook: it returns the
autograded files, and the coordinator records them (gradebook_writer.py).
"""
from __future__ import annotations

import atexit
import functools
import logging
import os
import re
import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import nbformat
from distributed.diagnostics.plugin import WorkerPlugin

from instructor_only.grading.classgrade import costs, limited_execute, trusted_checks
from instructor_only.grading.classgrade.course_api import CONFIG_FILE, nbgrader_api
from instructor_only.grading.classgrade.gradebook_writer import recorded_scores
from instructor_only.grading.classgrade.jobs import GradingJob, GradingResult
from instructor_only.grading.classgrade.sandbox import probe
from instructor_only.grading.classgrade.sandbox.scratch import WorkerScratch
from instructor_only.grading.classgrade.warm_kernels import KernelParent

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
INCIDENT_ERRORS = (limited_execute.LIMIT_ERROR, limited_execute.KERNEL_DIED_ERROR)
LOG_CHARS, LINE_CHARS = 100_000, 1_000  # of nbgrader's log read for a failed autograde's reason

WORKER_CONFIG = '''
# --- added by classgrade's worker: a private scratch course, stock preprocessors with a limited Execute ---
from nbgrader.preprocessors import Execute
from instructor_only.grading.classgrade.limited_execute import LimitedExecute
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db_url!r}
from nbgrader.preprocessors import SaveAutoGrades
from instructor_only.grading.classgrade.prose_caps import ProseCaps
from instructor_only.grading.classgrade.trusted_scores import TrustedScores
# The course's own autograde steps (nbgrader_config.py sets them), with Execute replaced by the limited one, the
# students' markdown capped, and the trusted scores written into the graded test cells right before SaveAutoGrades
# reads them.
c.Autograde.autograde_preprocessors = [new for step in c.Autograde.autograde_preprocessors
                                       for new in ([LimitedExecute] if step is Execute else
                                                   [ProseCaps, TrustedScores, step] if step is SaveAutoGrades
                                                   else [step])]
c.LimitedExecute.hidden_checks = {hidden_checks!r}
c.LimitedExecute.memory_cap_mb = {memory_mb!r}
c.LimitedExecute.deadline = {deadline!r}
c.LimitedExecute.output_cap_chars = {output_chars!r}
c.LimitedExecute.warm_framework = {warm_framework!r}
c.LimitedExecute.sandbox = {sandbox!r}
c.LimitedExecute.cpu_seconds = {cpu_seconds!r}
c.LimitedExecute.max_processes = {processes!r}
'''


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def read_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def incidents_in(autograded: dict[str, bytes]) -> list[str]:
    """The limit/kernel-death messages LimitedExecute wrote into the executed notebooks."""
    found = []
    for name, content in autograded.items():
        if not name.endswith(".ipynb"):
            continue
        for cell in nbformat.reads(content.decode(), as_version=4).cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("ename") in INCIDENT_ERRORS:
                    found.append(f"{name}: {output['evalue']}")
    return found


class thread_environment:
    """Set the compute-thread variables for the kernels this job starts (they inherit the worker's environment)."""

    def __init__(self, threads: int):
        self.values = {v: str(threads) for v in THREAD_VARIABLES} if threads else {}

    def __enter__(self):
        self.saved = {v: os.environ.get(v) for v in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc):
        for variable, value in self.saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value


class ExitWithCoordinator(WorkerPlugin):
    """For the embedded cluster: a worker ends when the coordinator that started it is gone (killed), with its kernel
    parents, kernels and scratch folder; a worker frozen in its own code is killed outright (PR_SET_PDEATHSIG) and
    leaves its scratch folder to the next run. Nothing else would end it: it would keep waiting for a scheduler that
    lived in the coordinator. At the end of a run, the worker cleans up the same way and then skips the interpreter's
    own teardown, which with torch and TensorFlow loaded made closing the cluster take 2.7 s of a one-minute run."""

    def __init__(self, coordinator_pid: int):
        self.coordinator_pid = coordinator_pid

    def setup(self, worker=None) -> None:
        # The worker's parent: the coordinator, or the fork server it was forked from (which exits with the
        # coordinator). Either one gone means the coordinator is.
        parent = os.getppid()
        # The OS kills this process when that parent dies, even while grading code holds the GIL (a regular expression
        # backtracking in C), when the watch thread below cannot run. Its kernel parents then die with it (bwrap
        # --die-with-parent), and their kernels with them (namespaces.die_with_parent). Set from the event loop's
        # thread, the main one: the setting belongs to the thread that makes it, and ends with it.
        from instructor_only.grading.classgrade.sandbox.namespaces import die_with_parent
        die_with_parent()
        if os.getppid() != parent or not process_exists(self.coordinator_pid):  # gone before the line above
            self._exit()
        threading.Thread(target=self._watch, args=(parent,), daemon=True, name="exit-with-coordinator").start()

    def teardown(self, worker=None) -> None:
        end_kernels_and_scratch()
        atexit.register(exit_now)  # registered last, so it runs first when the process exits

    def _watch(self, parent: int) -> None:
        while os.getppid() == parent and process_exists(self.coordinator_pid):
            time.sleep(0.5)
        self._exit()

    @staticmethod
    def _exit() -> None:
        end_kernels_and_scratch()
        os._exit(1)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, as another user
        return True
    return True


def end_kernels_and_scratch() -> None:
    for parent in list(KernelParent._parents.values()):
        parent.process.kill()
    if WorkerScratch._current is not None:
        WorkerScratch._current.remove()


def exit_now() -> None:
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@functools.lru_cache(maxsize=1)
def sandbox_missing() -> tuple[str, ...]:
    """What this worker's machine lacks to build the sandbox (checked once per worker process)."""
    return tuple(probe.missing())


def grade_job(job: GradingJob) -> GradingResult:
    """Autograde job's submission; never raises for a problem of the submission (the result says what happened).

    A stock autograde that fails (no notebook comes out: a kernel that did not start, a crash of nbgrader) is tried
    once more with a fresh kernel before the submission is reported as not graded."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if job.sandbox and sandbox_missing():
        return GradingResult(job.assignment, job.student, False, {}, {}, [],
                             f"not graded on {worker}: {probe.describe(sandbox_missing())}", worker)
    # One wall-clock cap for both attempts: the coordinator counts from the job's start (executors.stuck_after).
    deadline = time.time() + job.limits.wall_seconds if job.limits.wall_seconds else 0.0
    first = _grade_once(job, worker, deadline)
    if first.ok:
        return first
    second = _grade_once(job, worker, deadline)
    if second.ok:
        second.incidents.insert(0, f"graded on a second attempt (the first failed: {first.error})")
    else:
        second.error = f"{second.error} (twice; the first time: {first.error})" if second.error != first.error \
            else f"{second.error} (twice)"
    return second


def _grade_once(job: GradingJob, worker: str, deadline: float) -> GradingResult:
    started, started_cpu = time.perf_counter(), costs.worker_cpu()
    scratch = WorkerScratch.get().job_dir(job.student)
    try:
        db_url = f"sqlite:///{scratch / 'gradebook.db'}"
        (scratch / CONFIG_FILE).write_text(job.config_text + WORKER_CONFIG.format(
            root=str(scratch), db_url=db_url, memory_mb=job.limits.memory_mb, deadline=deadline,
            output_chars=job.limits.output_chars, warm_framework=job.warm_framework, sandbox=job.sandbox,
            cpu_seconds=job.limits.cpu_seconds, processes=job.limits.processes,
            hidden_checks=trusted_checks.expected_calls(job.assignment, job.source_files)))
        (scratch / "gradebook.db").write_bytes(job.template_gradebook)
        write_tree(scratch / "source" / job.assignment, job.source_files)
        write_tree(scratch / "submitted" / job.student / job.assignment, job.submission_files)

        api = nbgrader_api(scratch)
        limited_execute.TIMINGS.clear()
        with thread_environment(job.limits.threads):
            outcome = api.autograde(job.assignment, job.student, force=True, create=True)
        autograded_dir = scratch / "autograded" / job.student / job.assignment
        autograded = read_tree(autograded_dir) if autograded_dir.is_dir() else {}
        ok = bool(outcome.get("success")) and any(name.endswith(".ipynb") for name in autograded)
        error = "" if ok else last_error_line(outcome)
        wall = time.perf_counter() - started
        timings = {"total": wall, "notebooks": costs.with_nbgrader_part(dict(limited_execute.TIMINGS), wall,
                                                                         costs.worker_cpu() - started_cpu)}
        return GradingResult(job.assignment, job.student, ok, autograded if ok else {},
                             recorded_scores(db_url, job.assignment, job.student) if ok else {},
                             incidents_in(autograded), error, worker, timings)
    except Exception as exc:  # noqa: BLE001 -- a worker reports, it does not crash the run
        return GradingResult(job.assignment, job.student, False, {}, {}, [],
                             f"{type(exc).__name__}: {exc}", worker, {"total": time.perf_counter() - started})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def last_error_line(outcome: dict) -> str:
    """nbgrader's own words for a failed autograde: the exception from its log's traceback, else its last error."""
    # The log quotes the kernel's words (a student's exception): read its last LOG_CHARS, each line cut to LINE_CHARS,
    # with a pattern whose repeats cannot nest.
    text = "\n".join([outcome.get("log") or "", outcome.get("error") or ""])[-LOG_CHARS:]
    text = "\n".join(line[:LINE_CHARS] for line in text.splitlines())
    exceptions = re.findall(r"^[ \t]*([\w.]{0,200}(?:Error|Exception)\b.*)$", text, flags=re.M)
    errors = [line.split("]", 1)[-1].strip() for line in text.splitlines() if "ERROR" in line[:30]]
    exceptions = [line for line in exceptions if "see the the above traceback" not in line]
    useful = [line for line in errors if "see the the above traceback" not in line and "There was an error" not in line]
    return ((exceptions or useful or errors or ["autograde produced no notebook"])[-1]).strip()[:300]
