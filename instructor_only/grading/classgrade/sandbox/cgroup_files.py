"""Reading and removing cgroup files, the same on cgroup v1 and v2: a file that cannot be read counts as empty (a
kernel's cgroup vanishes when it is removed), and folders are removed only once their processes are gone."""
from __future__ import annotations

import errno
import os
import time
from pathlib import Path


def read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def number(path: Path) -> int:
    text = read(path).strip()
    return int(text) if text.isdigit() else 0


def keyed(path: Path) -> dict[str, int]:
    """A `key value` per line file (memory.stat, memory.events, cpu.stat, memory.oom_control)."""
    pairs = (line.split() for line in read(path).splitlines())
    return {pair[0]: int(pair[1]) for pair in pairs if len(pair) == 2 and pair[1].isdigit()}


def pids(path: Path) -> list[int]:
    return [int(p) for p in read(path).split() if p.isdigit()]


def kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def remove_when_empty(folder: Path, timeout: float) -> None:
    """rmdir, retrying while the OS still counts exiting processes in it (EBUSY), for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.EBUSY or time.monotonic() > deadline:
                return
            time.sleep(0.005)


def remove_tree_if_empty(worker: Path) -> None:
    """Remove a worker's folder and its kernels' folders, empty ones only: a busy one is left alone. (Another grading
    process may be removing the same stale worker: the folder can vanish meanwhile.)"""
    try:
        folders = [*(p for p in worker.iterdir() if p.is_dir()), worker] if worker.is_dir() else []
    except FileNotFoundError:
        folders = []
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            pass
