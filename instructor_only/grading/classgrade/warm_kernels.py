"""Kernels forked from a warm parent: each grading kernel starts with the framework already imported.

A fresh kernel spends most of a short submission importing torch or TensorFlow, pytest and IPython (measured in
benchmarks/class_grading.py). A *kernel parent* process imports them once per worker, without running any
framework operation and without starting a kernel; every kernel is then `fork()`ed from it and becomes an ordinary
IPython kernel (`IPKernelApp`, the course's kernel) in a new session, with the environment and working directory the
kernel manager asked for. Copy-on-write makes the fork cheap, and the student's code still gets a process of its
own: nothing of one submission can reach the next.

`WarmKernelManager` is a jupyter_client kernel manager whose provisioner asks the parent for a fork instead of
starting `python -m ipykernel_launcher`; everything else (connection files, interrupts, shutdown, kill) is
jupyter_client's. The parent is a child of the worker and exits with it.
"""
from __future__ import annotations

import functools
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

# What a kernel parent imports: IPython's kernel, the test runner of the hidden checks, numpy, and the framework.
# Not matplotlib.pyplot: the kernel must choose its plotting backend itself, as a fresh kernel does.
COMMON_MODULES = ("numpy", "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "pytest", "matplotlib")
FRAMEWORK_MODULES = {"torch": ("torch",), "tensorflow": ("tensorflow",)}


# ---------------------------------------------------------------------------------------------- the kernel parent
def serve(socket_path: str, modules: list[str]) -> None:
    """Import `modules`, then fork one kernel per request on the unix socket until the worker goes away."""
    for name in modules:
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, lambda *_: reap())
    worker = os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(8)
    server.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == worker:
        try:
            connection, _ = server.accept()
        except socket.timeout:
            continue
        with connection:
            request = json.loads(receive(connection))
            pid = os.fork()
            if pid == 0:
                server.close()
                become_kernel(request)  # never returns
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def receive(connection: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode()


def reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def become_kernel(request: dict) -> None:
    """In the forked child: the environment, directory and argv of the kernel the manager asked for, then IPython."""
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.path[0] = ""  # as for `python -m ipykernel_launcher`: the working directory first
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        from ipykernel.kernelapp import IPKernelApp
        app = IPKernelApp.instance()
        # ipykernel read JPY_PARENT_PID when the parent imported it; watch the real parent instead: a kernel whose
        # parent is gone exits (and the parent exits with its worker).
        app.initialize([*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"])
        app.start()
    finally:
        os._exit(0)


# ------------------------------------------------------------------------------------------ the worker's side
class KernelParent:
    """One warm parent per (worker process, framework), started on first use."""
    _parents: dict[str, "KernelParent"] = {}
    _lock = threading.Lock()

    def __init__(self, framework: str):
        self.socket_path = os.path.join(tempfile.mkdtemp(prefix="warmk-"), "parent.sock")
        modules = [*COMMON_MODULES, *FRAMEWORK_MODULES.get(framework, ())]
        self.process = subprocess.Popen([sys.executable, "-m", __name__, self.socket_path, *modules],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the warm kernel parent for {framework} did not start")

    @classmethod
    def get(cls, framework: str) -> "KernelParent":
        with cls._lock:
            parent = cls._parents.get(framework)
            if parent is None or parent.process.poll() is not None:
                parent = cls._parents[framework] = KernelParent(framework)
            return parent

    def fork_kernel(self, argv: list[str], env: dict, cwd: str) -> int:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.socket_path)
            connection.sendall(json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode() + b"\n")
            return json.loads(receive(connection))["pid"]


class ForkedKernelProcess:
    """The Popen interface jupyter_client uses, for a kernel that is the kernel parent's child, not ours."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None
        self.stdin = self.stdout = self.stderr = None

    def poll(self):
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
                with open(f"/proc/{self.pid}/stat") as stat:
                    if stat.read().split(") ", 1)[1].startswith("Z"):
                        self.returncode = -1  # a zombie: exited, not yet reaped by the parent
            except (ProcessLookupError, FileNotFoundError):
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class WarmProvisioner(LocalProvisioner):
    framework = "torch"

    async def launch_kernel(self, cmd, **kwargs):
        argv = cmd[cmd.index("-f"):] if "-f" in cmd else cmd[3:]  # [python, -m, ipykernel_launcher, -f, file, ...]
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it: the process that asked
        cwd = str(kwargs.get("cwd") or os.getcwd())
        pid = KernelParent.get(self.framework).fork_kernel(argv, env, cwd)
        self.process = ForkedKernelProcess(pid)
        self.pid, self.pgid, self.cwd = pid, pid, cwd
        return self.connection_info


@functools.lru_cache(maxsize=None)
def warm_kernel_manager(framework: str) -> type:
    """An AsyncKernelManager class whose kernels are forked from the warm parent of `framework`."""

    class WarmKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                self.provisioner.framework = framework
            return await super()._async_pre_start_kernel(**kw)

    return WarmKernelManager


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
