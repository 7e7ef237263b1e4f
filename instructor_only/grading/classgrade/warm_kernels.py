"""Kernels forked from a warm parent: each grading kernel starts with the framework already imported.

A fresh kernel spends most of a short submission importing torch or TensorFlow, pytest and IPython (measured in
benchmarks/class_grading.py). A *kernel parent* process imports them once per worker, without running any
framework operation and without starting a kernel; every kernel is then `fork()`ed from it and becomes an ordinary
IPython kernel (`IPKernelApp`, the course's kernel) in a new session, with the environment and working directory the
kernel manager asked for. Copy-on-write makes the fork cheap, and the student's code still gets a process of its
own: nothing of one submission can reach the next.

On request the parent also forks the worker's *reference process* for its framework (reference_process.py): the
framework's own answers for the hidden checks, computed out of the worker and out of every kernel's reach.

`WarmKernelManager` is a jupyter_client kernel manager whose provisioner asks the parent for a fork instead of
starting `python -m ipykernel_launcher`; everything else (connection files, interrupts, shutdown, kill) is
jupyter_client's. The parent is a child of the worker and exits with it.

Sandboxed (the default of classgrade): the parent is started by bubblewrap in the sandbox's filesystem view, and
each kernel gets namespaces, cgroups and a uid of its own (sandbox/policy.py says what it may see and do;
sandbox/namespaces.py builds it). The client then talks to the kernel through ZeroMQ `ipc` sockets in the kernel's
own folder, since the kernel has no network. A sandboxed *cold* kernel is built the same way and then executes a
fresh `python -m ipykernel_launcher`.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
import zmq
import zmq.asyncio
from traitlets import Type, default

from instructor_only.grading.classgrade.sandbox import cgroups, namespaces, policy
from instructor_only.grading.classgrade.sandbox.scratch import WorkerScratch

COURSE_ROOT = Path(__file__).resolve().parents[3]

# What a kernel parent imports: IPython's kernel, the test runner of the hidden checks, numpy, and the framework.
# Not matplotlib.pyplot: the kernel must choose its plotting backend itself, as a fresh kernel does.
COMMON_MODULES = ("numpy", "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "pytest", "matplotlib",
                  # ... and what IPKernelApp.initialize imports (its debugger, history, completer, ...): measured
                  # with ipykernel 7, a forked kernel's initialize then takes 0.04 s of CPU instead of 0.24 s.
                  # Importing them starts no thread (a thread would not survive the fork).
                  "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib", "IPython.core.oinspect",
                  "IPython.extensions.storemagic", "sqlite3", "psutil", "tornado.platform.asyncio", "tornado.queues",
                  "pdb", "pydoc", "http.server", "xmlrpc.server", "faulthandler",
                  # ... and what the labs' data loading imports (student_helpers.load_images: scikit-learn's digits
                  # and its stratified split): measured, 0.75 CPU-s of every PyTorch lab submission otherwise.
                  "sklearn.datasets", "sklearn.model_selection")
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
            text, fds = receive_with_fds(connection)
            request = json.loads(text)
            if request.get("reference"):  # a process for the trusted side's framework answers (reference_process.py)
                try:
                    reply = {"pid": fork_reference(fds, [server.fileno(), connection.fileno()],
                                                   bool(request.get("drop_to_uid")))}
                except (ValueError, OSError) as error:
                    reply = {"error": f"the reference process could not be started: {error}"}
                connection.sendall(json.dumps(reply).encode() + b"\n")
                continue
            for fd in fds:  # (only a reference request carries one)
                os.close(fd)
            if request.get("sandbox"):
                try:
                    init, launcher = namespaces.spawn(request, become_kernel, [server.fileno(), connection.fileno()])
                    reply = {"pid": init, "launcher": launcher}
                except RuntimeError as error:
                    reply = {"error": str(error)}
                connection.sendall(json.dumps(reply).encode() + b"\n")
                continue
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


def receive_with_fds(connection: socket.socket) -> tuple[str, list[int]]:
    """A request line, and the file descriptors sent with its first bytes (SCM_RIGHTS)."""
    first, fds, _, _ = socket.recv_fds(connection, 65536, 1)
    if not first or first.endswith(b"\n"):
        return first.decode(), list(fds)
    return first.decode() + receive(connection), list(fds)


def fork_reference(fds: list[int], close_fds: list[int], drop_to_uid: bool) -> int:
    """Fork the trusted side's reference process (reference_process.py) on the socket `fds[0]`; its pid."""
    if len(fds) != 1:
        for fd in fds:
            os.close(fd)
        raise ValueError("a reference request carries exactly one socket")
    pid = os.fork()
    if pid == 0:
        try:
            for fd in close_fds:
                os.close(fd)
            from instructor_only.grading.classgrade import reference_process
            reference_process.become_reference(fds[0], drop_to_uid)
        finally:
            os._exit(1)
    os.close(fds[0])
    return pid


def reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def become_kernel(request: dict) -> None:
    """In the forked child: the environment, directory and argv of the kernel the manager asked for, then IPython."""
    try:
        if os.getsid(0) != os.getpid():
            os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # Not the parent's working folder; the kernel's own comes first from its first cell on (working_folder_first)
        del sys.path[0]
        # ... and its argv, not the parent's (which names the parent's control socket)
        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *request["argv"]]
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        from ipykernel.kernelapp import IPKernelApp
        app = IPKernelApp.instance()
        # ipykernel read JPY_PARENT_PID when the parent imported it; watch the real parent instead: a kernel whose
        # parent is gone exits (and the parent exits with its worker).
        app.initialize([*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"])
        working_folder_first(app.shell)
        app.start()
    finally:
        os._exit(0)


def working_folder_first(shell) -> None:
    """The working folder first on sys.path, as `python -m ipykernel_launcher` has it, but only from the first cell
    on: a submission's file named like a module the kernel imports while it starts (argcomplete.py) would otherwise
    run before the kernel is ready, and before its folder is sealed."""
    def insert(*_):
        sys.path.insert(0, "")
        shell.events.unregister("pre_run_cell", insert)
    shell.events.register("pre_run_cell", insert)


# ------------------------------------------------------------------------------------------ the worker's side
class KernelParent:
    """One warm parent per (worker process, framework, sandboxed or not), started on first use."""
    _parents: dict[tuple, "KernelParent"] = {}
    _lock = threading.Lock()

    def __init__(self, framework: str, sandboxed: bool):
        modules = [*COMMON_MODULES, *FRAMEWORK_MODULES.get(framework, ())] if framework else []
        if sandboxed:
            self.scratch = WorkerScratch.get()
            self.socket_path = str(self.scratch.sandbox_dir / f"parent-{framework or 'cold'}.sock")
            # The parent loads (the first one on a machine builds) matplotlib's font cache; each kernel gets a copy.
            modules.append("matplotlib.font_manager")
            program = [sys.executable, "-m", __name__, self.socket_path, *modules]
            command = policy.parent_command(COURSE_ROOT, self.scratch.sandbox_dir, self.scratch.font_cache,
                                            cgroups.worker_dirs(self.scratch.tag), program)
        else:
            self.socket_path = os.path.join(tempfile.mkdtemp(prefix="warmk-"), "parent.sock")
            command = [sys.executable, "-m", __name__, self.socket_path, *modules]
        with contextlib.suppress(FileNotFoundError):  # the socket of a parent of this worker that died
            os.unlink(self.socket_path)
        self.log = tempfile.TemporaryFile()  # its stderr: only read if it fails to start (a pipe could fill up)
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        if self.process.stdout.readline().strip() != "ready":
            self.process.kill()
            self.log.seek(0)
            raise RuntimeError(f"the kernel parent for {framework or 'cold kernels'} did not start: "
                               f"{self.log.read().decode(errors='replace')[-2000:]}")

    @classmethod
    def get(cls, framework: str, sandboxed: bool = False) -> "KernelParent":
        with cls._lock:
            parent = cls._parents.get((framework, sandboxed))
            if parent is None or parent.process.poll() is not None:
                parent = cls._parents[(framework, sandboxed)] = KernelParent(framework, sandboxed)
            return parent

    def fork_kernel(self, request: dict) -> dict:
        """The kernel's pid (sandboxed: its init's, and its launcher's)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.socket_path)
            connection.sendall(json.dumps(request).encode() + b"\n")
            reply = json.loads(receive(connection))
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def fork_reference(self, answering_end: socket.socket, drop_to_uid: bool) -> int:
        """Fork the reference process of this framework (reference_process.py), answering on `answering_end` (one end
        of a socket pair, passed over the control socket); its pid."""
        request = json.dumps({"reference": True, "drop_to_uid": drop_to_uid}).encode() + b"\n"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.socket_path)
            socket.send_fds(connection, [request], [answering_end.fileno()])
            reply = json.loads(receive(connection))
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["pid"]


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
    sandbox: "SandboxSettings | None" = None
    kernel_dir: Path | None = None
    cgroups: "cgroups.KernelCgroups | None" = None
    launcher: int | None = None
    SEAL_SECONDS = 5.0

    async def launch_kernel(self, cmd, **kwargs):
        argv = cmd[cmd.index("-f"):] if "-f" in cmd else cmd[3:]  # [python, -m, ipykernel_launcher, -f, file, ...]
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it: the process that asked
        cwd = str(kwargs.get("cwd") or os.getcwd())
        if self.sandbox is None:
            request = {"argv": argv, "env": env, "cwd": cwd}
        else:  # only what the kernel may know: the kernel parent's memory is the kernel's (it is forked from it)
            request = {"argv": argv, "env": policy.kernel_environment(env), "sandbox": True, **self._prepare_sandbox(cwd)}
        forked = KernelParent.get(self.framework, self.sandbox is not None).fork_kernel(request)
        pid, self.launcher = forked["pid"], forked.get("launcher")
        self.process = ForkedKernelProcess(pid)
        self.pid, self.pgid, self.cwd = pid, pid, cwd
        await wait_until_bound(self.connection_info, self.process)
        return self.connection_info

    def seal(self) -> None:
        """Once the kernel is ready (its sockets bound, its connection file rewritten) and before any student code
        runs: the kernel can no longer write to its folder, which lives on the worker's disk. Its launcher makes the
        folder read-only in the kernel's view (namespaces.py); without that, the kernel is not started."""
        if self.launcher is None:
            return
        os.kill(self.launcher, signal.SIGUSR1)
        deadline = time.monotonic() + self.SEAL_SECONDS
        while not namespaces.sealed(self.launcher, str(self.kernel_dir)):
            if time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"the grading sandbox did not seal the kernel's folder within {self.SEAL_SECONDS} s")
            time.sleep(0.002)

    def _prepare_sandbox(self, cwd: str) -> dict:
        """The kernel's cgroups (with their limits) and the files its working folder starts with: what nbgrader put
        in the notebook's folder (the submission's and the release's data files; never notebooks)."""
        self.cgroups = cgroups.KernelCgroups(WorkerScratch.get().tag, self.kernel_dir.name, self.sandbox.memory_mb,
                                             self.sandbox.processes)
        for path in Path(cwd).rglob("*"):
            if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
                target = self.kernel_dir / "files" / path.relative_to(cwd)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        return {"kernel_dir": str(self.kernel_dir), "cgroup_procs": self.cgroups.procs_files(policy.CGROUP_DIR),
                "cold": not self.framework, "cpu_seconds": self.sandbox.cpu_seconds}

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if self.sandbox is not None and not restart:
            if self.process is not None:
                self.process.kill()  # the sandbox's init: the OS then ends everything in its namespaces
                self.process.wait(5)
            if self.cgroups is not None:
                self.cgroups.kill_all()  # and whatever is left in its cgroup: no survivors, whatever happened
                self.cgroups.remove()
            if self.kernel_dir is not None:
                shutil.rmtree(self.kernel_dir, ignore_errors=True)


async def wait_until_bound(info: dict, process: ForkedKernelProcess, timeout: float = 30.0) -> bool:
    """Return True once the kernel listens on its ports. A client that connects earlier waits for ZeroMQ's
    reconnect interval and usually loses the first kernel_info round (measured: 0.34 s to ready instead of 0.1 s); a
    forked kernel binds within milliseconds, so waiting for it is cheaper. Gives up quietly (False; jupyter_client
    then waits as usual) if the kernel dies or takes longer than `timeout`."""
    deadline = time.monotonic() + timeout
    ipc = info.get("transport", "tcp") == "ipc"
    for port in (info["iopub_port"], info["shell_port"], info["hb_port"]):
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                return False
            try:
                if ipc:
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                        probe.connect(f"{info['ip']}-{port}")
                else:
                    with socket.create_connection((info["ip"], port), timeout=1.0):
                        pass
                break
            except OSError:
                await asyncio.sleep(0.005)
    return True


class QuickReadyClient(AsyncKernelClient):
    """jupyter_client's client, with a readiness wait that does not sleep.

    Stock `wait_for_ready` (jupyter_client 8) checks IOPub for 0.2 s after each kernel_info reply and then drains
    IOPub until it has been quiet for 0.2 s: at least 0.2 s per kernel, a tenth of a short submission. This is the
    same protocol (kernel_info until a reply arrives with IOPub connected, then drain) with 20 ms waits. Messages
    that arrive after the drain belong to the kernel_info requests, and nbclient ignores messages of other requests.
    """

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        """A ZeroMQ context whose sockets drop any message over policy.KERNEL_MESSAGE_MB: a kernel cannot make the
        worker hold a message of any size (the output cap applies only once a message has arrived)."""
        self._created_context = True
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, policy.KERNEL_MESSAGE_MB * 2**20)
        return context

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


@dataclass(frozen=True)
class SandboxSettings:
    """Per-kernel limits the OS enforces in the sandbox (0: none)."""
    memory_mb: int = 0
    processes: int = 0
    cpu_seconds: int = 0


@functools.lru_cache(maxsize=None)
def warm_kernel_manager(framework: str, sandbox: SandboxSettings | None = None) -> type:
    """An AsyncKernelManager class whose kernels are forked from the warm parent of `framework` ("" with a sandbox:
    cold kernels, a fresh interpreter in the sandbox), sandboxed if `sandbox` is given."""

    class WarmKernelManager(AsyncKernelManager):
        client_factory = Type(QuickReadyClient, klass=AsyncKernelClient)

        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                self.provisioner.framework = framework
                if sandbox is not None:  # ZeroMQ over unix sockets in the kernel's own folder: it has no network
                    self.provisioner.sandbox = sandbox
                    self.provisioner.kernel_dir = WorkerScratch.get().kernel_dir(self.kernel_id[:8])
                    self.transport = "ipc"
                    # (the course config asks for CurveZMQ keys against eavesdropping on TCP; these sockets are in a
                    # folder only this kernel and its worker see, and keys would cost ~5% of a submission's time)
                    self.transport_encryption = "disabled"
                    self.connection_file = str(self.provisioner.kernel_dir / "kernel.json")
                    self.ip = str(self.provisioner.kernel_dir / "kernel-ipc")
            return await super()._async_pre_start_kernel(**kw)

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
            # jupyter_client checks every 0.1 s whether the kernel has exited; a forked kernel exits within
            # milliseconds of its shutdown reply, so look more often (0.1 s of a ~2 s submission otherwise).
            await super()._async_finish_shutdown(waittime, min(pollinterval, 0.01), restart)

    return WarmKernelManager


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
