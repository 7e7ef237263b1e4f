"""The worker's side of the framework's reference process (reference_process.py): a `Link` that the hidden checks'
`TRUSTED` adapter functions and `here` go through (checks/remote.py), so that the worker never imports torch or
TensorFlow itself.

One process per worker and framework, forked by the worker's kernel parent of that framework on the checks' first
request and kept for the worker's life. If it stops answering, the submission being graded fails with an error (the
worker's retry then starts a new one): a broken grader never turns into a student's lost points.
"""
from __future__ import annotations

import socket
import struct

import psutil

from instructor_only.checks import remote
from instructor_only.grading.classgrade.warm_kernels import KernelParent

ANSWER_SECONDS = 300.0  # the longest the reference process may take for one answer (its answers take milliseconds)


class ReferenceProcessError(RuntimeError):
    """The reference process stopped answering: the grader's failure, not the student's."""


class ReferenceLink(remote.Link):
    """Requests to the reference process of `framework`, over a socket pair (started on the first request)."""

    def __init__(self, framework: str, sandboxed: bool):
        self.framework, self.sandboxed = framework, sandboxed
        self.failure: Exception | None = None
        self.pid: int | None = None
        self._cpu = 0.0
        self._socket: socket.socket | None = None

    @property
    def started(self) -> bool:
        return self._socket is not None

    def request(self, op: str, **fields):
        if op == "release" and not self.started:
            return None  # nothing to forget: no process yet
        try:
            return super().request(op, **fields)
        except ReferenceProcessError:
            raise
        except Exception as error:
            if getattr(error, "from_kernel", False):  # raised by the course's code there: the check's fault
                raise RuntimeError(f"the {self.framework} reference computation raised {error}") from None
            raise

    def exchange(self, request_text: str) -> str:
        if self.failure is not None:
            raise self.failure
        try:
            if self._socket is None:
                self._start()
            data = request_text.encode()
            self._socket.sendall(struct.pack(">I", len(data)) + data)
            size = struct.unpack(">I", self._read(4))[0]
            return self._read(size).decode()
        except (OSError, ValueError, RuntimeError) as error:
            self.failure = ReferenceProcessError(f"the {self.framework} reference process of this worker stopped "
                                                  f"answering ({type(error).__name__}: {error})")
            self.close()
            raise self.failure from error

    def _start(self) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.pid = KernelParent.get(self.framework, self.sandboxed).fork_reference(theirs, self.sandboxed)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        mine.settimeout(ANSWER_SECONDS)
        self._socket = mine

    def _read(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self._socket.recv(min(size - len(data), 1 << 20))
            if not chunk:
                raise ConnectionError("it closed the connection")
            data += chunk
        return bytes(data)

    def cpu_seconds(self) -> float:
        """CPU-seconds the process has used (0 before it started; its last reading once it is gone)."""
        if self.pid is not None:
            try:
                self._cpu = sum(psutil.Process(self.pid).cpu_times()[:2])  # as limited_execute measures kernels
            except psutil.Error:
                pass
        return self._cpu

    def close(self) -> None:
        """End the process (it exits when its socket closes)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None


_LINKS: dict[tuple[str, bool], ReferenceLink] = {}
_RETIRED_CPU = [0.0]  # CPU-seconds of this worker's reference processes that failed and were replaced


def link_for(framework: str, sandboxed: bool) -> ReferenceLink:
    """This worker's reference link for `framework` (a new one if the last one failed)."""
    link = _LINKS.get((framework, sandboxed))
    if link is None or link.failure is not None:
        if link is not None:
            _RETIRED_CPU[0] += link.cpu_seconds()
        link = _LINKS[(framework, sandboxed)] = ReferenceLink(framework, sandboxed)
    return link


def cpu_seconds() -> float:
    """CPU-seconds of all of this worker's reference processes so far: part of the worker's (trusted side's) costs."""
    return _RETIRED_CPU[0] + sum(link.cpu_seconds() for link in _LINKS.values())
