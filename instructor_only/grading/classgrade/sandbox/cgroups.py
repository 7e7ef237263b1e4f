"""The worker's side of each kernel's cgroups, on whichever hierarchy this machine has: cgroup_v1.py (root) or
cgroup_v2.py (root, or a subtree delegated to a non-root grader). Both give the same interface:

    worker_dirs(tag)          this worker's folder(s), bound into the kernel parent's view at policy.CGROUP_DIR
    KernelCgroups(...)        one kernel's caps and counters: procs_files, join, oom_kills, unreclaimable_mb,
                              memory_mb, peak_memory_mb, cpu_seconds, processes, kill_all, remove
    remove_worker(tag)        the folders of a worker that is gone
"""
from __future__ import annotations

from pathlib import Path

from instructor_only.grading.classgrade.sandbox import cgroup_v1, cgroup_v2


def version():
    """The module for this machine's hierarchy, or None if it has neither a v1 nor a v2 one mounted."""
    if cgroup_v2.present():
        return cgroup_v2
    if cgroup_v1.present():
        return cgroup_v1
    return None


def missing() -> list[str]:
    found = version()
    if found is None:
        return ["cgroups: neither cgroup v2 (unified) nor the v1 memory, pids and cpuacct controllers are mounted "
                "under /sys/fs/cgroup"]
    return found.missing()


def worker_dirs(worker_tag: str) -> dict[str, Path]:
    return version().worker_dirs(worker_tag)


def KernelCgroups(worker_tag: str, kernel_id: str, memory_mb: int, processes: int):  # noqa: N802 -- a class of either
    return version().KernelCgroups(worker_tag, kernel_id, memory_mb, processes)


def remove_worker(worker_tag: str) -> None:
    found = version()
    if found is not None:
        found.remove_worker(worker_tag)
