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

import asyncio
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
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import Type

# What a kernel parent imports: IPython's kernel, the test runner of the hidden checks, numpy, and the framework.
# Not matplotlib.pyplot: the kernel must choose its plotting backend itself, as a fresh kernel does.
COMMON_MODULES = ("numpy", "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "pytest", "matplotlib",
                  # ... and what IPKernelApp.initialize imports (its debugger, history, completer, ...): measured
                  # with ipykernel 7, a forked kernel's initialize then takes 0.04 s of CPU instead of 0.24 s.
                  # Importing them starts no thread (a thread would not survive the fork).
                  "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib", "IPython.core.oinspect",
                  "IPython.extensions.storemagic", "sqlite3", "psutil", "tornado.platform.asyncio", "tornado.queues",
                  "pdb", "pydoc", "http.server", "xmlrpc.server", "faulthandler")
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
            time.sleep(0.01)
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
        await wait_until_bound(self.connection_info, self.process)
        return self.connection_info


async def wait_until_bound(info: dict, process: ForkedKernelProcess, timeout: float = 30.0) -> None:
    """Return once the kernel listens on its ports. A client that connects earlier waits for ZeroMQ's reconnect
    interval and usually loses the first kernel_info round (measured: 0.34 s to ready instead of 0.1 s); a forked
    kernel binds within milliseconds, so waiting for it is cheaper. Gives up quietly (jupyter_client then waits as
    usual) if the kernel dies or takes longer than `timeout`."""
    if info.get("transport", "tcp") != "tcp":
        return
    deadline = time.monotonic() + timeout
    for port in (info["iopub_port"], info["shell_port"], info["hb_port"]):
        while process.poll() is None and time.monotonic() < deadline:
            try:
                with socket.create_connection((info["ip"], port), timeout=1.0):
                    break
            except OSError:
                await asyncio.sleep(0.005)


class QuickReadyClient(AsyncKernelClient):
    """jupyter_client's client, with a readiness wait that does not sleep.

    Stock `wait_for_ready` (jupyter_client 8) checks IOPub for 0.2 s after each kernel_info reply and then drains
    IOPub until it has been quiet for 0.2 s: at least 0.2 s per kernel, a tenth of a short submission. This is the
    same protocol (kernel_info until a reply arrives with IOPub connected, then drain) with 20 ms waits. Messages
    that arrive after the drain belong to the kernel_info requests, and nbclient ignores messages of other requests.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.02)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0.02)
            except Empty:
                break


@functools.lru_cache(maxsize=None)
def warm_kernel_manager(framework: str) -> type:
    """An AsyncKernelManager class whose kernels are forked from the warm parent of `framework`."""

    class WarmKernelManager(AsyncKernelManager):
        client_factory = Type(QuickReadyClient, klass=AsyncKernelClient)

        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                self.provisioner.framework = framework
            return await super()._async_pre_start_kernel(**kw)

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
            # jupyter_client checks every 0.1 s whether the kernel has exited; a forked kernel exits within
            # milliseconds of its shutdown reply, so look more often (0.1 s of a ~2 s submission otherwise).
            await super()._async_finish_shutdown(waittime, min(pollinterval, 0.01), restart)

    return WarmKernelManager


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
