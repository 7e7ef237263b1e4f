"""The per-kernel part of the sandbox, run by the kernel parent (inside bwrap, root with a few capabilities) for each
kernel it forks. What is visible, writable and the limits come from policy.py; this module only carries them out.

    launcher (host pid namespace)          joins the kernel's cgroups, unshares mount/pid/net/ipc/uts/cgroup
                                           namespaces; on SIGUSR1, seals the kernel's folder (read-only)
     └─ init (pid 1 of the new namespace)  mounts /proc, /tmp, /dev/shm, WORK_DIR; hides every other kernel's folder
         │                                 and the cgroups; drops to the kernel's uid; forwards SIGINT/SIGTERM
         └─ kernel                         rlimits, environment, then becomes the IPython kernel

Without root (cgroup v2 with a delegated subtree), bwrap started the kernel parent in a user namespace where only
the grader's uid is mapped (as 0): the namespaces above belong to it, and the drop to the kernel's uid enters one
more user namespace, the kernel's own, where that uid is mapped to the grader's (drop_privileges). The kernel then
has no capability in any namespace and cannot change its mounts.

The worker signals and kills the *init* (its host pid is what the kernel parent returns): when it dies, the OS kills
everything else in the namespace. Each process dies with its parent (PR_SET_PDEATHSIG), so a dead worker leaves no
kernel behind. Python 3.11 has no os.unshare or os.mount, hence the few libc calls below.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
from pathlib import Path

from instructor_only.grading.classgrade.sandbox import policy, seccomp

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER = 0x20000000, 0x40000000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 8192, 16384, 1 << 18)
MS_KEPT_ON_REMOUNT = 2 | 4 | 8 | 1024 | 2048 | 4096  # nosuid nodev noexec noatime nodiratime relatime (= ST_* bits)
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 1, 4, 24, 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def die_with_parent() -> None:
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def tmpfs(target: str, megabytes: int, mode: str = "1777", owner: int | None = None) -> None:
    options = f"size={megabytes}m,mode={mode}" + (f",uid={owner},gid={owner}" if owner is not None else "")
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)


def rootless() -> bool:
    """Is this process in a user namespace (the sandbox without root), rather than the machine's own?"""
    with open("/proc/self/uid_map") as uid_map:
        return uid_map.read().split() != ["0", "0", "4294967295"]


def owner_of_kernel_files(uid: int) -> int:
    """Who the files a kernel may write must belong to, as this process sees it: the kernel's uid; without root, the
    grader (0 here), which the kernel's own user namespace maps the kernel's uid to."""
    return 0 if rootless() else uid


def drop_privileges(uid: int) -> None:
    """Become `uid` with no capabilities in any namespace, for good (a kernel, the reference process)."""
    if rootless():  # the grader's uid, mapped to `uid` in a user namespace of this process's own
        unshare(CLONE_NEWUSER)
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} 0 1"), ("gid_map", f"{uid} 0 1")):
            with open(f"/proc/self/{name}", "w") as file:
                file.write(text)
    else:
        os.setgroups([])
    for capability in range(int(open("/proc/sys/kernel/cap_last_cap").read()) + 1):  # (a new user namespace
        _check(_libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0), "prctl(PR_CAPBSET_DROP)")  # fills it again)
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    # Root's capabilities went with the change of uid; a new user namespace's stay with a process whose uid did not
    # change: clear them all (and the ambient ones bwrap gave the kernel parent).
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT)")
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    _check(_libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")


def seal(folder: str) -> None:
    """Make `folder` (a mount point in this mount namespace) read-only, keeping the flags it has."""
    kept = os.statvfs(folder).f_flag & MS_KEPT_ON_REMOUNT
    mount(None, folder, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def sealed(launcher: int, folder: str) -> bool:
    """Has the kernel's launcher sealed `folder` (the worker asks, reading the launcher's mount table)?"""
    try:
        return folder in read_only_mount_points(launcher)
    except OSError:
        return False


def read_only_mount_points(pid: int | str = "self") -> list[str]:
    """The read-only mount points in the mount namespace of process `pid`."""
    with open(f"/proc/{pid}/mountinfo") as mountinfo:
        fields = [line.split() for line in mountinfo]
    # (mountinfo escapes spaces etc. as \040)
    return [f[4].encode().decode("unicode_escape") for f in fields if "ro" in f[5].split(",")]


# ------------------------------------------------------------------------------------------------ in the parent
def spawn(request: dict, run_kernel, close_fds: list[int]) -> tuple[int, int]:
    """Fork a sandboxed kernel for `request`; return the host pids of its init (what the worker signals and kills)
    and of its launcher (what the worker asks to seal the kernel's folder once the kernel is ready).

    request: argv, env, kernel_dir (its connection file and sockets), cgroup_procs (cgroup.procs files to join),
    cold (exec a fresh interpreter instead of becoming the kernel in the forked process), cpu_seconds.
    Raises RuntimeError with the reason if the sandbox could not be built.
    """
    read_end, write_end = os.pipe()
    launcher = os.fork()
    if launcher == 0:
        try:
            os.close(read_end)
            for fd in close_fds:
                os.close(fd)
            _launcher(request, run_kernel, write_end)
        except BaseException as error:  # noqa: BLE001 -- reported to the parent, then this process ends
            with contextlib.suppress(OSError):  # (the pipe is closed once the kernel is ready)
                os.write(write_end, f"error {type(error).__name__}: {error}\n".encode())
        finally:  # never back into the kernel parent's code: this is a fork of it
            os._exit(1)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        lines = pipe.read().decode().splitlines()  # the launcher's "pid N", then init's "ready" (or an error)
    errors = [line[6:] for line in lines if line.startswith("error ")]
    if errors or "ready" not in lines:
        raise RuntimeError("the grading sandbox could not be built: "
                           + (errors[0] if errors else "its init process ended before it was ready"))
    return int(next(line.split()[1] for line in lines if line.startswith("pid "))), launcher


def _launcher(request: dict, run_kernel, report: int) -> None:
    die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # not the kernel parent's reaper: this process waits for its own
    uid = policy.KERNEL_UID_BASE + os.getpid()
    for procs in request["cgroup_procs"]:
        Path(procs).write_text(str(os.getpid()))
    unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)
    # The worker's SIGUSR1 once the kernel is ready, before any student code runs: its folder, which lives on the
    # worker's disk, becomes read-only in the kernel's mount namespace (which this process shares; the kernel cannot
    # undo it, having no capability over that namespace).
    signal.signal(signal.SIGUSR1, lambda _number, _frame: _seal_or_end(request["kernel_dir"], init))
    init = os.fork()
    if init == 0:
        try:
            # Not the launcher's sealing: a kernel may signal its pid 1, which must not act on it
            signal.signal(signal.SIGUSR1, signal.SIG_DFL)
            _init(request, run_kernel, uid, report)
        except BaseException as error:  # noqa: BLE001
            os.write(report, f"error {type(error).__name__}: {error}\n".encode())
        os._exit(1)
    os.write(report, f"pid {init}\n".encode())
    os.close(report)
    os.waitpid(init, 0)
    os._exit(0)


def _seal_or_end(kernel_dir: str, init: int) -> None:
    """The launcher's SIGUSR1: seal the kernel's folder, or end the kernel if that fails (the worker then sees it
    die instead of a folder it cannot trust)."""
    try:
        seal(kernel_dir)
    except OSError:
        os.kill(init, signal.SIGKILL)


def cover(folder: str) -> None:
    """Hide what is at `folder` under an empty read-only tmpfs."""
    tmpfs(folder, 1, mode="755")
    seal(folder)


def _init(request: dict, run_kernel, uid: int, report: int) -> None:
    """pid 1 of the kernel's namespaces: build its view, drop privileges, start the kernel, wait for it."""
    kernel_dir = request["kernel_dir"]
    null = os.open(os.devnull, os.O_RDWR)  # nothing of the kernel parent's (its stdout is the worker's pipe,
    for fd in (0, 1, 2):                   # its stderr a file on the worker's disk)
        os.dup2(null, fd)
    font_dir = os.environ.get("MPLCONFIGDIR", "/nonexistent")
    font_cache = _read_folder(Path(font_dir))  # read before /tmp is replaced
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    # Its own /tmp and /dev/shm replace the parent's. What must survive that is moved aside first and put back:
    # its own folder, and the read-only parts of the view that live there (a course checked out under /tmp).
    tmpfs(policy.HOLD_DIR, 1, mode="700")
    os.mkdir(f"{policy.HOLD_DIR}/own")
    mount(kernel_dir, f"{policy.HOLD_DIR}/own", None, MS_BIND | MS_REC)
    kept = {path: os.path.isdir(path) for path in _read_only_mounts_under(("/tmp", "/dev/shm"))}
    for index, (path, is_dir) in enumerate(kept.items()):
        _mount_point(f"{policy.HOLD_DIR}/{index}", is_dir)
        mount(path, f"{policy.HOLD_DIR}/{index}", None, MS_MOVE)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)     # this namespace's processes only
    mount("/proc/sys", "/proc/sys", None, MS_BIND)                       # and no settings to change there
    seal("/proc/sys")
    tmpfs("/tmp", policy.TMP_MB)
    tmpfs("/dev/shm", policy.SHM_MB)
    for index, (path, is_dir) in enumerate(kept.items()):
        _mount_point(path, is_dir)
        mount(f"{policy.HOLD_DIR}/{index}", path, None, MS_MOVE)
    sandbox_dir = str(Path(kernel_dir).parent.parent)
    visible = os.path.isdir(sandbox_dir)  # (not if it was under /tmp)
    if visible:                                                          # hide the parent's socket and the
        tmpfs(sandbox_dir, 1, mode="755")                                # other kernels' folders ...
    os.makedirs(kernel_dir, exist_ok=True)
    mount(f"{policy.HOLD_DIR}/own", kernel_dir, None, MS_MOVE)           # ... and put its own folder back
    if visible:
        seal(sandbox_dir)
    cover(policy.CGROUP_DIR)                                             # the cgroups: the parent's business
    if os.path.isdir(font_dir):                                          # the machine's font cache (a copy is in
        cover(font_dir)                                                  # its /tmp)
    owner = owner_of_kernel_files(uid)
    tmpfs(policy.WORK_DIR, policy.WORK_MB, mode="700", owner=owner)
    _write_owned(_read_folder(Path(kernel_dir) / "files"), Path(policy.WORK_DIR), owner)
    _write_owned(font_cache, Path("/tmp/matplotlib"), owner)
    for path in [kernel_dir, *(str(p) for p in Path(kernel_dir).iterdir() if p.name != "files")]:
        os.chown(path, owner, owner)
    seal(policy.HOLD_DIR)
    drop_privileges(uid)  # from here on: no capabilities, and bwrap set no_new_privs for good
    die_with_parent()  # (after the uid change, which clears it)
    seccomp.install()
    os.write(report, b"ready\n")
    os.close(report)
    kernel = os.fork()
    if kernel == 0:
        _kernel(request, run_kernel)
    # Without root the kernel's uid is this process's: it could open /proc/1/mem, /proc/1/fd/* unless this process
    # is not dumpable (then only a ptrace-capable process may; the kernel has no capability).
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")
    for signum in (signal.SIGINT, signal.SIGTERM):  # pid 1 gets only the signals it handles: pass them on
        signal.signal(signum, lambda number, _frame: _forward(kernel, number))
    while True:
        try:
            pid, status = os.waitpid(-1, 0)  # reap orphans too: pid 1's job
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _mount_point(path: str, is_dir: bool) -> None:
    """An empty folder or file to mount a folder or a file on (with its parent folders, 0755)."""
    os.makedirs(path if is_dir else os.path.dirname(path), mode=0o755, exist_ok=True)
    if not is_dir:
        open(path, "a").close()


def _read_only_mounts_under(prefixes: tuple[str, ...]) -> list[str]:
    """Read-only mount points under these folders, outermost only (moving a mount moves what is mounted in it)."""
    found = [p for p in read_only_mount_points() if any(p.startswith(prefix + "/") for prefix in prefixes)]
    return [p for p in found if not any(p != o and p.startswith(o + "/") for o in found)]


def _forward(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _kernel(request: dict, run_kernel) -> None:
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        cpu = int(request.get("cpu_seconds") or 0)
        if cpu:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (policy.FILE_MB * 2**20,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        request = {**request, "env": policy.kernel_environment(request["env"]), "cwd": policy.WORK_DIR}
        null = os.open(os.devnull, os.O_RDWR)  # not the kernel parent's pipes to the worker
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        if request.get("cold"):
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(policy.WORK_DIR)
            # -P: not the working folder on sys.path while IPython starts (warm_kernels.working_folder_first); it
            # comes first once the kernel runs its startup lines, as `python -m ipykernel_launcher` has it
            os.execv(sys.executable, [sys.executable, "-P", "-m", "ipykernel_launcher", *request["argv"],
                                      "--IPKernelApp.exec_lines=import sys; sys.path.insert(0, '')"])
        run_kernel(request)
    finally:
        os._exit(1)


def _read_folder(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _write_owned(files: dict[str, bytes], target: Path, uid: int) -> None:
    """Write files under target (created), all owned by uid."""
    target.mkdir(parents=True, exist_ok=True)
    os.chown(target, uid, uid)
    for relative, content in files.items():
        path = target / relative
        for folder in reversed([p for p in path.relative_to(target).parents if str(p) != "."]):
            (target / folder).mkdir(exist_ok=True)
            os.chown(target / folder, uid, uid)
        path.write_bytes(content)
        os.chown(path, uid, uid)


def encode_request(request: dict) -> bytes:
    return json.dumps(request).encode() + b"\n"
