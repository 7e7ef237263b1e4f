"""Each kernel's cgroups on a cgroup v1 hierarchy (as root): one folder per controller, memory, pids and cpuacct.

Layout: /sys/fs/cgroup/<controller>/classgrade/<worker tag>/<kernel id>/. The OS enforces the memory cap on everything
a kernel's sandbox holds -- every process, its /tmp, /dev/shm and working folder (tmpfs pages are charged to the
cgroup that wrote them) -- and the process cap; the worker reads the counters to say which limit was hit.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

from instructor_only.grading.classgrade.sandbox import cgroup_files

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpuacct")
GROUP = "classgrade"
MODE = "cgroup v1, as root"


def controller_dir(controller: str) -> Path:
    return (ROOT / controller).resolve()  # cpuacct is often a link to cpu,cpuacct


def present() -> bool:
    """Is this a cgroup v1 machine (hybrid included: v1 controllers, an empty v2 tree beside them)?"""
    return all((ROOT / controller).is_dir() for controller in CONTROLLERS)


def missing() -> list[str]:
    """What keeps this hierarchy from holding the kernels' caps (nothing: [])."""
    if os.geteuid() != 0:
        return [f"root: cgroup v1 cannot be delegated safely to a non-root user (running as uid {os.geteuid()}); run "
                f"classgrade as root, or on a cgroup v2 machine with a delegated subtree"]
    return [f"write access to {ROOT / c} (mounted read-only?)" for c in CONTROLLERS if not os.access(ROOT / c, os.W_OK)]


def worker_dirs(worker_tag: str) -> dict[str, Path]:
    """This worker's cgroup folder per controller (created)."""
    dirs = {}
    for controller in CONTROLLERS:
        folder = controller_dir(controller) / GROUP / worker_tag
        folder.mkdir(parents=True, exist_ok=True)
        dirs[controller] = folder
    return dirs


class KernelCgroups:
    """One kernel's cgroups: created with its limits before the kernel starts, read while it runs, removed after."""

    def __init__(self, worker_tag: str, kernel_id: str, memory_mb: int, processes: int):
        self.dirs = {c: folder / kernel_id for c, folder in worker_dirs(worker_tag).items()}
        for folder in self.dirs.values():
            folder.mkdir(exist_ok=True)
        if memory_mb:
            limit = str(memory_mb * 2**20)
            (self.dirs["memory"] / "memory.limit_in_bytes").write_text(limit)
            swap = self.dirs["memory"] / "memory.memsw.limit_in_bytes"  # only with swap accounting
            if swap.exists():
                swap.write_text(limit)
        if processes:
            (self.dirs["pids"] / "pids.max").write_text(str(processes))

    def procs_files(self, inside: str) -> list[str]:
        """The cgroup.procs files as the kernel parent sees them (its view binds the worker's folders at `inside`)."""
        return [f"{inside}/{c}/{folder.name}/cgroup.procs" for c, folder in self.dirs.items()]

    def join(self, pid: int) -> None:
        for folder in self.dirs.values():
            (folder / "cgroup.procs").write_text(str(pid))

    def oom_kills(self) -> int:
        """How many processes the OS killed for going over the memory cap."""
        return cgroup_files.keyed(self.dirs["memory"] / "memory.oom_control").get("oom_kill", 0)

    def unreclaimable_mb(self) -> float:
        """Memory the OS cannot take back from the kernel without swap: its anonymous memory and its tmpfs pages."""
        stat = cgroup_files.keyed(self.dirs["memory"] / "memory.stat")
        return (stat.get("rss", 0) + stat.get("shmem", 0)) / 2**20

    def memory_mb(self) -> float:
        return cgroup_files.number(self.dirs["memory"] / "memory.usage_in_bytes") / 2**20

    def peak_memory_mb(self) -> float:
        return cgroup_files.number(self.dirs["memory"] / "memory.max_usage_in_bytes") / 2**20

    def cpu_seconds(self) -> float:
        return cgroup_files.number(self.dirs["cpuacct"] / "cpuacct.usage") / 1e9

    def processes(self) -> int:
        return cgroup_files.number(self.dirs["pids"] / "pids.current")

    def kill_all(self) -> None:
        """Kill whatever is still in the kernel's cgroups (v1 has no cgroup.kill: each process in turn)."""
        for pid in cgroup_files.pids(self.dirs["pids"] / "cgroup.procs"):
            cgroup_files.kill(pid, signal.SIGKILL)

    def remove(self, timeout: float = 5.0) -> None:
        """Remove the cgroups once their processes are gone (the caller killed the sandbox's init)."""
        for folder in self.dirs.values():
            cgroup_files.remove_when_empty(folder, timeout)


def remove_worker(worker_tag: str) -> None:
    """Remove the cgroup folders of a worker that is gone (empty folders only: a busy one is left alone)."""
    for controller in CONTROLLERS:
        cgroup_files.remove_tree_if_empty(controller_dir(controller) / GROUP / worker_tag)
