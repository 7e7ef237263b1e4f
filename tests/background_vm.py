"""The cgroup v2 VM (tests/cgroup_v2_host.py) booted in the background, once per test run, as soon as its tests are
collected; its tests are sorted last (tests/conftest.py) and read its outcome.

A test that boots the VM itself would hold its test worker for the whole emulation, and with xdist the other worker
too (it waits for the same outcome): the suite's two workers idle for ten minutes or more. In the background the VM
takes about one core while both workers go on with the rest.

The first process that collects a VM test starts it (a file lock in the run's shared temporary folder makes it the
only one) and, at its session's end, waits for it to finish (the other worker may still be reading its outcome) or
kills it if the run was interrupted.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from instructor_only.grading import course

NAME = "cgroup_v2_vm"
_started: subprocess.Popen | None = None  # the job, in the process that started it


def shared_folder(config) -> Path:
    """The run's temporary folder, the same for every xdist worker (as tests/graded_once.py finds it)."""
    base = config._tmp_path_factory.getbasetemp()  # noqa: SLF001 -- the tmp_path_factory fixture's own object
    return (base.parent if hasattr(config, "workerinput") else base) / NAME


def wanted(items) -> bool:
    from tests.cgroup_v2_host import vm_tools  # (here: every run loads this module, few boot the VM)
    return any(item.get_closest_marker("vm") is not None for item in items) and vm_tools() is not None


def start(session) -> None:
    """Start the VM's job unless a process of this run has already."""
    global _started
    if session.config.option.collectonly or not wanted(session.items):
        return
    folder = shared_folder(session.config)
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder.parent / f"{NAME}.lock")):
        if (folder / "job.pid").exists():
            return
        log = open(folder / "job.log", "w")
        _started = subprocess.Popen([sys.executable, "-m", "tests.cgroup_v2_host", str(folder)], cwd=course.COURSE_ROOT,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                    preexec_fn=die_with_parent)
        (folder / "job.pid").write_text(str(_started.pid))


def die_with_parent() -> None:
    """The job gets SIGTERM if the test process that started it dies (it then kills its own process group)."""
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def outcome(config) -> dict:
    """The VM's outcome, waiting for it if need be; {"error": ...} if the job failed or vanished."""
    from tests.cgroup_v2_host import PREPARE_SECONDS, VM_SECONDS
    folder = shared_folder(config)
    result, deadline = folder / "outcome.json", time.monotonic() + PREPARE_SECONDS + VM_SECONDS + 60
    while not result.exists():
        pid = int((folder / "job.pid").read_text()) if (folder / "job.pid").exists() else None
        if pid is None or not Path(f"/proc/{pid}").exists() or time.monotonic() > deadline:
            if result.exists():  # (it finished between the two looks)
                break
            log = (folder / "job.log").read_text()[-4000:] if (folder / "job.log").exists() else ""
            return {"error": f"the VM's job {'never started' if pid is None else 'ended without an outcome'}:\n{log}"}
        time.sleep(2)
    return json.loads(result.read_text())


def finish(exitstatus) -> None:
    """In the process that started the job: wait for it, or kill it if the run was interrupted."""
    if _started is None:
        return
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        os.killpg(_started.pid, signal.SIGKILL)
    _started.wait()
