"""The worker's private folders: one per worker process, under a root-only folder, removed when the worker exits,
and at the latest by the next worker on the machine if this one was killed.

    <tmp>/classgrade/worker-<pid>-<random>/   (0700; a lock file held while the worker lives; classgrade-<uid>/
                                               for a grader that is not root)
        jobs/<student>-<random>/               a scratch course per submission (hidden tests included: never
                                               visible to a kernel)
        sandbox/control.sock                   the kernel parent's socket
        sandbox/kernels/<kernel id>/           one kernel's connection file, sockets and submission files
    <tmp>/classgrade/matplotlib/               matplotlib's font cache, built by the first kernel parent on the machine
"""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

from instructor_only.grading.classgrade.sandbox import cgroups

UNIX_SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1 on Linux
# Root's graders share one folder; a non-root grader has its own (another user may not lend it one: checked below).
BASE = Path(tempfile.gettempdir()) / ("classgrade" if os.geteuid() == 0 else f"classgrade-{os.geteuid()}")


def make_base() -> None:
    """BASE, 0700 and this grader's own (not a link or a folder someone else made for it to use)."""
    BASE.mkdir(mode=0o700, exist_ok=True)
    found = os.lstat(BASE)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid():
        raise RuntimeError(f"{BASE} belongs to uid {found.st_uid}, not to this grader (uid {os.geteuid()}): remove it, "
                           f"or set TMPDIR to a folder of your own")
    os.chmod(BASE, 0o700)


class WorkerScratch:
    _current: "WorkerScratch | None" = None
    _lock = threading.Lock()

    def __init__(self):
        make_base()
        remove_stale()
        self.root, self._held = new_worker_folder()
        self.tag = self.root.name
        self.sandbox_dir = self.root / "sandbox"
        self.font_cache = BASE / "matplotlib"
        self.font_cache.mkdir(exist_ok=True)
        (self.sandbox_dir / "kernels").mkdir(parents=True)
        (self.root / "jobs").mkdir()
        atexit.register(self.remove)

    @classmethod
    def get(cls) -> "WorkerScratch":
        """This process's scratch (created on first use)."""
        with cls._lock:
            if cls._current is None or cls._current.pid_changed():
                cls._current = WorkerScratch()
            return cls._current

    def pid_changed(self) -> bool:
        return not self.root.name.startswith(f"worker-{os.getpid()}-")

    def job_dir(self, student: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{student}-", dir=self.root / "jobs"))

    def kernel_dir(self, kernel_id: str) -> Path:
        folder = self.sandbox_dir / "kernels" / kernel_id
        longest_socket = f"{folder}/kernel-ipc-99999"  # (warm_kernels: the kernel's ZeroMQ ipc sockets are here)
        if len(longest_socket.encode()) > UNIX_SOCKET_PATH_MAX:
            raise RuntimeError(f"the temporary folder {BASE.parent} is too deep for the sandbox's sockets (a unix "
                               f"socket path holds {UNIX_SOCKET_PATH_MAX} bytes): set TMPDIR to a shorter path")
        folder.mkdir(mode=0o700)
        return folder

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        cgroups.remove_worker(self.tag)


STARTING = "starting-worker-"  # a worker's folder until its lock is held


def new_worker_folder():
    """This worker's folder and its lock file, held for the worker's lifetime. The folder is made under another name
    and renamed once its lock is held: a worker-* folder whose lock is free is always a dead worker's (another
    grader's remove_stale, between the lock file's creation and its lock, once removed a starting worker's folder)."""
    starting = Path(tempfile.mkdtemp(prefix=f"{STARTING}{os.getpid()}-", dir=BASE))
    held = open(starting / ".lock", "w")  # noqa: SIM115 -- held for the worker's lifetime
    fcntl.flock(held, fcntl.LOCK_EX)
    root = BASE / ("worker-" + starting.name[len(STARTING):])
    os.rename(starting, root)
    return root, held


def remove_stale() -> None:
    """Remove the folders (and cgroups) of workers that are no longer running: their lock is free; and the folders
    of workers that died while making theirs (a minute old)."""
    for starting in BASE.glob(f"{STARTING}*"):
        with contextlib.suppress(OSError):
            if time.time() - starting.stat().st_mtime > 60:
                shutil.rmtree(starting, ignore_errors=True)
    for worker in BASE.glob("worker-*"):
        try:
            with open(worker / ".lock") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # alive
        except OSError:  # no lock file: a worker that died while creating its folder, or one creating it now
            if time.time() - worker.stat().st_mtime < 60:
                continue
        shutil.rmtree(worker, ignore_errors=True)
        cgroups.remove_worker(worker.name)
