"""Hidden checks decided in the grading worker, never in the student's kernel.

An autograder cell ends with `run_hidden_checks("warmup", "check_conv_output_size", "torch", globals())` (the cell's
source comes from the gradebook, not from the student). classgrade sends the cell to the kernel without that call
(and without its import), then runs the same checks here, in the worker process, with `check_report` over a
`KernelLink`: requests and answers travel as data (`instructor_only.frameworks.wire`) over a unix socket that the
kernel's side (`instructor_only.frameworks.serve.answer_over`) connects to. The kernel never holds a numpy reference,
an expected value or the checks' code (the sandbox does not mount `instructor_only/checks` or `references`); the
correct building blocks of `checks/parts/` reach it by source only when a check puts one in place of the student's.

Hidden checks run only where the course put them: in a graded test cell whose source (restored from the gradebook)
ends with the call the instructor's source notebook has for that grade id (`expected_calls`); a call anywhere else is
sent to the kernel like any code, where it finds no checks. The verdict is recorded for `trusted_scores.TrustedScores`,
which alone writes what nbgrader scores.
"""
from __future__ import annotations

import ast
import contextlib
import os
import queue
import re
import shutil
import socket
import struct
import tempfile
import time
from dataclasses import dataclass

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync

import nbformat

from instructor_only.checks import behaviour, check_report
from instructor_only.checks.remote import Link
from instructor_only.frameworks import wire
from instructor_only.grading.classgrade import reference_link
from instructor_only.grading.classgrade.sandbox import policy
from instructor_only.grading.classgrade.trusted_scores import Verdict

ENTRY = "run_hidden_checks"
DETAIL_CHARS = 20_000  # of the checks' full report kept in the autograded notebook's cell metadata (instructors)
# What the student's code writes to stderr while the checks call it: stock nbgrader, running the checks in the kernel,
# scores such a cell zero unless the course's IgnorePattern drops the message (nbclient keeps one output per message).
# So each message the pattern would drop is dropped here, and the others are kept as the cell's stderr outputs: one is
# enough to score it zero. Past these bounds, one more stderr output says how many more there were. At most
# SEARCHED_CHARS of one cell's stderr are searched (the pattern is linear: about 0.1 s per million characters); a
# message past them is left out unsearched. (A warning on each call the checks make, merged by the kernel into one
# message per flush, is tens of thousands of characters.)
STDERR_MESSAGES, STDERR_CHARS, SEARCHED_CHARS = 100, 20_000, 2_000_000


class HiddenChecksTimeout(CellTimeoutError):
    """The student's code, called by a hidden check, did not return within the cell's timeout."""


@dataclass
class HiddenCall:
    concept: str
    grade_id: str
    framework: str
    kernel_source: str  # the cell without the call and its import


def expected_calls(assignment: str, source_files: dict[str, bytes]) -> dict[str, dict[str, list[str]]]:
    """What the course's source notebooks ask for: notebook name -> grade id -> [concept, grade id, framework], for
    every graded test cell whose hidden-check call names its own grade id and the assignment's concept and framework
    (`<concept>_<framework>`). Read from the instructor's source, never from a submission."""
    expected: dict[str, dict[str, list[str]]] = {}
    for name, content in source_files.items():
        if not name.endswith(".ipynb") or "/" in name:
            continue
        calls = expected.setdefault(name[:-len(".ipynb")], {})
        for cell in nbformat.reads(content.decode(), as_version=4).cells:
            grading = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or not grading.get("grade") or grading.get("solution"):
                continue
            call = hidden_call(cell.source)
            if call and call.grade_id == grading.get("grade_id") and f"{call.concept}_{call.framework}" == assignment:
                calls[call.grade_id] = [call.concept, call.grade_id, call.framework]
    return expected


def hidden_call(source: str) -> HiddenCall | None:
    """The `run_hidden_checks(...)` call a test cell ends with, or None (a cell that is not valid Python, or that
    calls it in another way, runs unchanged)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    drop, found = set(), None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "instructor_only.checks" \
                and [a.name for a in node.names] == [ENTRY]:
            drop.update(range(node.lineno, node.end_lineno + 1))
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Name) and node.value.func.id == ENTRY):
            args = node.value.args
            if len(args) != 4 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[:3]):
                return None
            found = [a.value for a in args[:3]]
            drop.update(range(node.lineno, node.end_lineno + 1))
    if found is None:
        return None
    lines = source.splitlines()
    kept = "\n".join(line for number, line in enumerate(lines, start=1) if number not in drop)
    return HiddenCall(*found, kernel_source=kept)


class KernelLink(Link):
    """Requests to the kernel of an nbclient executor, over a unix socket the kernel connects to.

    The link listens on a socket in a folder only this kernel and its worker reach (the sandboxed kernel's own folder,
    which the kernel cannot write to; without the sandbox, a private temporary folder), then starts the kernel's side
    with one silent execute request (`serve.answer_over`): one round trip per request costs ~0.1 ms this way, against
    ~4 ms for an execute request per check request. What the kernel prints meanwhile goes to IOPub: its stderr is
    kept (`stderr_outputs`), the rest ignored.

    The checks of one cell share one deadline. A kernel that misses it, or dies, breaks the link: every later request
    fails at once and `failure` holds the exception for the executor (which stops the kernel). If the kernel's side
    stops answering (the student's code raised past it, or closed its socket), the pending request's answer is the
    error its execute request ended with, and the next request starts the kernel's side again."""

    SOCKET_NAME = "checks.sock"

    def __init__(self, client, deadline: float, ignore: re.Pattern | None = None):
        self._client, self._deadline = client, deadline
        self.ignore = ignore  # the course's IgnorePattern (ignored_stderr)
        self.failure: Exception | None = None
        self.requests = 0
        self._connection: socket.socket | None = None
        self._msg_id: str | None = None      # the execute request running the kernel's side
        self._ended, self._error = False, None
        self._own_folder: str | None = None
        self.stderr: list[str] = []  # the texts of the stderr stream messages of the kernel's side, in order
        self.stderr_left_out = 0     # messages past STDERR_MESSAGES or STDERR_CHARS
        self._stderr_chars = self._searched = 0

    def exchange(self, request_text: str) -> str:
        if self.failure is not None:
            raise self.failure
        self.requests += 1
        try:
            if self._msg_id is None:
                run_sync(self._start)()
            answer = self._ask(request_text) if self._connection is not None else None
            if answer is not None:
                return answer
            error = run_sync(self._finish)()  # the kernel's side ended: its execute request says why
            return wire.dumps({"error": error or ["NoAnswer", "the kernel did not answer the hidden checks", False]})
        except (CellTimeoutError, DeadKernelError) as error:
            self.failure = error
            self._drop()
            raise

    def close(self) -> None:
        """Tell the kernel's side to return and wait, within the deadline, for its execute request to end."""
        try:
            if self._msg_id is not None and self.failure is None:
                if self._connection is not None:
                    try:
                        self._connection.sendall(struct.pack(">I", 0))
                    except OSError:
                        pass
                run_sync(self._finish)()
        except (CellTimeoutError, DeadKernelError) as error:
            self.failure = error
        finally:
            self._drop()

    # -- the kernel's side: started, asked, finished
    async def _start(self) -> None:
        kernel_dir = getattr(getattr(self._client.km, "provisioner", None), "kernel_dir", None)
        if kernel_dir is None:
            self._own_folder = self._own_folder or tempfile.mkdtemp(prefix="classgrade-checks-")
        path = os.path.join(str(kernel_dir or self._own_folder), self.SOCKET_NAME)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(path)
            os.chmod(path, 0o666)  # the sandboxed kernel runs as a uid of its own
            server.listen(1)
            server.setblocking(False)
            code = (f"__import__('instructor_only.frameworks.serve', fromlist=['answer_over']).answer_over(globals(), "
                    f"{path!r})")
            self._msg_id = self._client.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                                   stop_on_error=False)
            self._ended, self._error = False, None
            try:
                while not self._ended:
                    try:
                        self._connection, _ = server.accept()
                        break
                    except BlockingIOError:  # not connected yet: watch its execute request meanwhile
                        await self._pump(0.005)
            finally:
                os.unlink(path)
        if self._connection is not None:
            self._connection.setblocking(True)

    def _ask(self, request_text: str) -> str | None:
        """Send one request, return its answer; None if the kernel's side closed the connection instead."""
        data = request_text.encode()
        try:
            self._connection.settimeout(max(0.001, min(1.0, self._deadline - time.monotonic())))
            self._connection.sendall(struct.pack(">I", len(data)) + data)
            header = self._read(4)
            if header is None:
                return None
            size = struct.unpack(">I", header)[0]
            if size > policy.KERNEL_MESSAGE_MB * 2**20:
                self._drop_connection()
                return wire.dumps({"error": ["AnswerTooLarge", f"an answer of the kernel had {size} bytes (at most "
                                                               f"{policy.KERNEL_MESSAGE_MB} MB)", False]})
            payload = self._read(size)
            return None if payload is None else payload.decode(errors="replace")
        except OSError:
            return None

    def _read(self, size: int) -> bytes | None:
        data = bytearray()
        while len(data) < size:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise HiddenChecksTimeout("the hidden checks ran past the cell's timeout")
            self._connection.settimeout(min(1.0, remaining))
            try:
                chunk = self._connection.recv(min(size - len(data), 1 << 20))
            except socket.timeout:  # nothing yet: wait on while the kernel lives
                if not run_sync(self._client.km.is_alive)():
                    raise DeadKernelError("the kernel died during the hidden checks") from None
                continue
            if not chunk:
                return None
            data += chunk
        return bytes(data)

    async def _finish(self):
        """Wait for the kernel side's execute request to end; the error it ended with ([name, message, False]) or
        None. Reads its execute reply off the shell channel too: unread replies pile up to ZeroMQ's high-water mark,
        past which the kernel drops replies, nbclient's own among them."""
        self._drop_connection()
        while not self._ended:
            await self._pump(1.0)
        await self._next(self._client.kc.get_shell_msg, self._msg_id)
        self._msg_id = None
        return self._error

    async def _pump(self, timeout: float) -> None:
        """Read IOPub for up to `timeout` s; note an error or the end of the kernel side's execute request."""
        try:
            message = await self._next(self._client.kc.get_iopub_msg, self._msg_id, timeout)
        except queue.Empty:
            return
        kind, content = message["msg_type"], message.get("content")
        content = content if isinstance(content, dict) else {}  # (a raw message from the kernel may be anything)
        if kind == "error" and self._error is None:
            self._error = [text_of(content.get("ename"), 100) or "Error", text_of(content.get("evalue"), 2000), False]
        elif kind == "stream" and content.get("name") == "stderr":
            self._keep_stderr(content.get("text"))
        elif kind == "status" and content.get("execution_state") == "idle":
            self._ended = True

    def _keep_stderr(self, text) -> None:
        """One stderr message of the kernel's side: dropped if the course's IgnorePattern drops it, else kept."""
        if not isinstance(text, str):
            text = "[a stderr message that is not text]\n"
        elif self.ignore is not None and self._searched + len(text) <= SEARCHED_CHARS:
            self._searched += len(text)
            if self.ignore.search(text):
                return
        if len(self.stderr) >= STDERR_MESSAGES or self._stderr_chars + len(text) > STDERR_CHARS:
            self.stderr_left_out += 1
        else:
            self.stderr.append(text)
            self._stderr_chars += len(text)

    def stderr_outputs(self) -> list:
        """The kernel's stderr during the checks as the cell's outputs, and a note of what was left out, if any."""
        outputs = [nbformat.v4.new_output("stream", name="stderr", text=text) for text in self.stderr]
        if self.stderr_left_out:
            outputs.append(nbformat.v4.new_output("stream", name="stderr", text=(
                f"[classgrade: {self.stderr_left_out} more messages written to stderr while the hidden checks ran "
                f"were left out: past {STDERR_MESSAGES} messages or {STDERR_CHARS:,} characters kept]\n")))
        return outputs

    async def _next(self, get_message, msg_id: str, within: float | None = None) -> dict:
        """The next message of `get_message` (a channel's) whose parent is request `msg_id`, within the deadline
        (and within `within` seconds, else queue.Empty)."""
        until = time.monotonic() + within if within is not None else None
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise HiddenChecksTimeout("the hidden checks ran past the cell's timeout")
            wait = min(1.0, remaining) if until is None else min(remaining, max(0.0, until - time.monotonic()))
            try:
                message = await get_message(timeout=wait)
            except queue.Empty:  # nothing yet: wait on while the kernel lives
                if not await self._client.km.is_alive():
                    raise DeadKernelError("the kernel died during the hidden checks") from None
                if until is not None and time.monotonic() >= until:
                    raise
                continue
            if message.get("parent_header", {}).get("msg_id") == msg_id:
                return message

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _drop(self) -> None:
        self._drop_connection()
        if self._own_folder is not None:
            shutil.rmtree(self._own_folder, ignore_errors=True)
            self._own_folder = None


def text_of(value, limit: int) -> str:
    """A field of a kernel's message as text of at most `limit` characters ("" if it is not text)."""
    return value[:limit] if isinstance(value, str) else ""


def ignored_stderr(client) -> re.Pattern | None:
    """The course's IgnorePattern (nbgrader_config.py) from the executor's configuration; None where it is off."""
    from nbgrader.preprocessors import IgnorePattern
    settings = IgnorePattern(config=getattr(client, "config", None))
    return re.compile(settings.pattern) if settings.enabled and settings.pattern else None


def run(client, hidden: HiddenCall, seconds: float, sources: list[str],
        record: bool = False) -> tuple[Verdict, int, list]:
    """Run the hidden checks `hidden` against the kernel of `client`, given the sources of the code cells run so far
    (this one included, for the checks of method); return the verdict, how many requests the checks made of the
    kernel, and what the kernel wrote to stderr meanwhile, as the cell's outputs (KernelLink.stderr_outputs).
    record: a failed verdict keeps what the kernel answered (`behaviour`), for the diagnosis. Raises
    CellTimeoutError or DeadKernelError (after the checks) if the kernel broke the link."""
    link = KernelLink(client, time.monotonic() + seconds, ignore=ignored_stderr(client))
    link.sources = list(sources)
    link.recording = behaviour.Recording() if record else None
    if getattr(client, "warm_framework", "") == hidden.framework:  # its kernel parent can fork a reference process
        link.reference = reference_link.link_for(hidden.framework, bool(getattr(client, "sandbox", False)))
    try:
        report = check_report(hidden.concept, hidden.grade_id, hidden.framework, link)
    finally:
        link.close()
    if link.failure is not None:
        raise link.failure
    if link.reference is not None and link.reference.failure is not None:
        raise link.reference.failure  # the grader's failure: the submission is graded again, not scored
    verdict = Verdict(passed=report.ok, report=report.summary(), share=report.share(),
                      details="\n\n".join(report.details)[:DETAIL_CHARS] if report.details else "",
                      behaviour=link.recording.as_text() if link.recording is not None and not report.ok else None)
    return verdict, link.requests, link.stderr_outputs()
