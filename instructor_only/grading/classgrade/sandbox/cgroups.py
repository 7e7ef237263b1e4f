"""The worker's side of each kernel's cgroups (cgroup v1: memory, pids, cpuacct).

The OS kernel enforces the memory cap on everything a kernel's sandbox holds -- every process, its /tmp, /dev/shm and
working folder (tmpfs pages are charged to the cgroup that wrote them) -- and the process cap; the worker reads the
counters to say which limit was hit. Layout: /sys/fs/cgroup/<controller>/classgrade/<worker tag>/<kernel id>/.
"""
from __future__ import annotations

import errno
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpuacct")
GROUP = "classgrade"


def controller_dir(controller: str) -> Path:
    return (ROOT / controller).resolve()  # cpuacct is often a link to cpu,cpuacct


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

    def _read(self, controller: str, name: str) -> str:
        try:
            return (self.dirs[controller] / name).read_text()
        except OSError:
            return ""

    def oom_kills(self) -> int:
        """How many processes the OS killed for going over the memory cap."""
        for line in self._read("memory", "memory.oom_control").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def unreclaimable_mb(self) -> float:
        """Memory the OS cannot take back from the kernel without swap: its anonymous memory and its tmpfs pages."""
        stat = dict(line.split() for line in self._read("memory", "memory.stat").splitlines() if line.count(" ") == 1)
        return (int(stat.get("rss", 0)) + int(stat.get("shmem", 0))) / 2**20

    def memory_mb(self) -> float:
        return int(self._read("memory", "memory.usage_in_bytes") or 0) / 2**20

    def peak_memory_mb(self) -> float:
        return int(self._read("memory", "memory.max_usage_in_bytes") or 0) / 2**20

    def cpu_seconds(self) -> float:
        return int(self._read("cpuacct", "cpuacct.usage") or 0) / 1e9

    def processes(self) -> int:
        return int(self._read("pids", "pids.current") or 0)

    def remove(self, timeout: float = 5.0) -> None:
        """Remove the cgroups once their processes are gone (the caller killed the sandbox's init)."""
        deadline = time.monotonic() + timeout
        for folder in self.dirs.values():
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as error:
                    if error.errno != errno.EBUSY or time.monotonic() > deadline:
                        break
                    time.sleep(0.005)


def remove_worker(worker_tag: str) -> None:
    """Remove the cgroup folders of a worker that is gone (empty folders only: a busy one is left alone)."""
    for controller in CONTROLLERS:
        worker = controller_dir(controller) / GROUP / worker_tag
        try:  # (another grading process may be removing the same stale worker: the folder can vanish meanwhile)
            folders = [*(p for p in worker.iterdir() if p.is_dir()), worker] if worker.is_dir() else []
        except FileNotFoundError:
            folders = []
        for folder in folders:
            try:
                folder.rmdir()
            except OSError:
                pass
