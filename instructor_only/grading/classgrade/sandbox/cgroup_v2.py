"""Each kernel's cgroup on a cgroup v2 (unified) hierarchy: as root, or in a subtree delegated to a non-root grader.

Layout: <base>/classgrade/<worker tag>/<kernel id>/, one folder per kernel holding every controller's files. <base>
is the first of these that works:
- as root: the hierarchy's root, /sys/fs/cgroup (as the cgroup v1 layout);
- the grader's own cgroup, when it may manage it: root in a container with a cgroup namespace of its own, or a
  non-root grader given a delegated subtree (`systemd-run --user --scope -p Delegate=yes ...`, or a folder whose
  cgroup.procs and cgroup.subtree_control root made the grader's). cgroup v2 lets a cgroup hold processes or
  controlled children, not both, so the grader's processes move into <base>/classgrade-grader first.

The memory cap is memory.max (and memory.swap.max 0 where swap is accounted), the process cap pids.max; CPU time is
cpu.stat's usage_usec (there without the cpu controller), out-of-memory kills memory.events' oom_kill. tmpfs pages are
charged to the cgroup that wrote them, as on v1. cgroup.kill (Linux 5.14) ends whatever is left in one write.
"""
from __future__ import annotations

import errno
import functools
import os
import signal
from pathlib import Path

from instructor_only.grading.classgrade.sandbox import cgroup_files

ROOT = Path("/sys/fs/cgroup")
NEEDED = ("memory", "pids")
GROUP = "classgrade"
GRADER_LEAF = "classgrade-grader"  # where the grader's own processes live in a delegated subtree


def present() -> bool:
    """Is /sys/fs/cgroup the unified (v2) hierarchy?"""
    return (ROOT / "cgroup.controllers").is_file() and not (ROOT / "memory").is_dir()


def own_cgroup() -> Path:
    """This process's cgroup (the one its grading processes share), above the grader leaf if it is in one."""
    for line in cgroup_files.read(Path("/proc/self/cgroup")).splitlines():
        if line.startswith("0::"):
            own = ROOT / line[3:].strip().lstrip("/")
            return own.parent if own.name == GRADER_LEAF else own
    return ROOT


def _enable(folder: Path) -> None:
    (folder / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in NEEDED))


def _may_manage(folder: Path) -> list[str]:
    """Why the grader may not make cgroups with memory and pids caps under `folder` ([] if it may)."""
    available = cgroup_files.read(folder / "cgroup.controllers").split()
    problems = [f"the {c} controller in {folder} (its cgroup.controllers lists: {' '.join(available) or 'none'})"
                for c in NEEDED if c not in available]
    if not all(os.access(folder / name, os.W_OK) for name in (".", "cgroup.procs", "cgroup.subtree_control")):
        problems.append(f"a cgroup v2 subtree you may manage: {folder} is not delegated to uid {os.geteuid()}")
    return problems


def _root_is_usable() -> bool:
    """As root: may the hierarchy's root hold the kernels' cgroups? (Not in a container whose cgroup namespace root
    holds its processes: controllers cannot be enabled there.)"""
    if os.geteuid() != 0 or _may_manage(ROOT):
        return False
    try:
        _enable(ROOT)
        return True
    except OSError:
        return False


def missing() -> list[str]:
    """What keeps this hierarchy from holding the kernels' caps (nothing: [])."""
    if _root_is_usable():
        return []
    own = own_cgroup()
    problems = _may_manage(own)
    if problems and own != ROOT:
        problems[-1] += (" (on a systemd machine, run classgrade under `systemd-run --user --scope -p Delegate=yes`;"
                         " see docs/GRADING.md, 'The grading sandbox')")
    return problems


@functools.lru_cache(maxsize=None)
def base() -> Path:
    """The folder under which this grader's cgroups go (made ready on first use: see the module's docstring)."""
    if _root_is_usable():
        return ROOT
    own = own_cgroup()
    leaf = own / GRADER_LEAF
    leaf.mkdir(exist_ok=True)
    for _ in range(20):  # a process started meanwhile lands in `own`, and enabling controllers fails: move it too
        for pid in cgroup_files.pids(own / "cgroup.procs"):
            try:
                (leaf / "cgroup.procs").write_text(str(pid))
            except ProcessLookupError:
                pass
        try:
            _enable(own)
            return own
        except OSError as error:
            if error.errno != errno.EBUSY:
                raise
    raise OSError(errno.EBUSY, f"processes keep arriving in {own}: its controllers cannot be enabled")


def worker_dirs(worker_tag: str) -> dict[str, Path]:
    """This worker's cgroup folder (created, its children capped by the memory and pids controllers)."""
    folder = base() / GROUP
    for level in (folder, folder / worker_tag):
        level.mkdir(exist_ok=True)
        _enable(level)
    return {"unified": folder / worker_tag}


class KernelCgroups:
    """One kernel's cgroup: created with its limits before the kernel starts, read while it runs, removed after."""

    def __init__(self, worker_tag: str, kernel_id: str, memory_mb: int, processes: int):
        self.folder = worker_dirs(worker_tag)["unified"] / kernel_id
        self.folder.mkdir(exist_ok=True)
        self._peak_seen = 0.0
        if memory_mb:
            (self.folder / "memory.max").write_text(str(memory_mb * 2**20))
            swap = self.folder / "memory.swap.max"  # only with swap accounting
            if swap.exists():
                swap.write_text("0")
        if processes:
            (self.folder / "pids.max").write_text(str(processes))

    def procs_files(self, inside: str) -> list[str]:
        """The cgroup.procs file as the kernel parent sees it (its view binds the worker's folder at `inside`)."""
        return [f"{inside}/unified/{self.folder.name}/cgroup.procs"]

    def join(self, pid: int) -> None:
        (self.folder / "cgroup.procs").write_text(str(pid))

    def oom_kills(self) -> int:
        """How many processes the OS killed for going over the memory cap."""
        return cgroup_files.keyed(self.folder / "memory.events").get("oom_kill", 0)

    def unreclaimable_mb(self) -> float:
        """Memory the OS cannot take back from the kernel without swap: its anonymous memory and its tmpfs pages."""
        stat = cgroup_files.keyed(self.folder / "memory.stat")
        return (stat.get("anon", 0) + stat.get("shmem", 0)) / 2**20

    def memory_mb(self) -> float:
        return cgroup_files.number(self.folder / "memory.current") / 2**20

    def peak_memory_mb(self) -> float:
        """memory.peak (Linux 5.19); before it, the highest memory.current this worker has read."""
        peak = self.folder / "memory.peak"
        if peak.exists():
            return cgroup_files.number(peak) / 2**20
        self._peak_seen = max(self._peak_seen, self.memory_mb())
        return self._peak_seen

    def cpu_seconds(self) -> float:
        return cgroup_files.keyed(self.folder / "cpu.stat").get("usage_usec", 0) / 1e6

    def processes(self) -> int:
        return cgroup_files.number(self.folder / "pids.current")

    def kill_all(self) -> None:
        """Kill whatever is still in the kernel's cgroup: cgroup.kill, or each process in turn before Linux 5.14."""
        kill = self.folder / "cgroup.kill"
        if kill.exists():
            try:
                kill.write_text("1")
                return
            except OSError:
                pass
        for pid in cgroup_files.pids(self.folder / "cgroup.procs"):
            cgroup_files.kill(pid, signal.SIGKILL)

    def remove(self, timeout: float = 5.0) -> None:
        """Remove the cgroup once its processes are gone (the caller killed the sandbox's init)."""
        cgroup_files.remove_when_empty(self.folder, timeout)


def remove_worker(worker_tag: str) -> None:
    """Remove the cgroup folders of a worker that is gone (empty folders only: a busy one is left alone)."""
    if present() and not missing():
        cgroup_files.remove_tree_if_empty(base() / GROUP / worker_tag)
