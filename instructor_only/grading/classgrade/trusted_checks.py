"""Hidden checks decided in the grading worker, never in the student's kernel.

An autograder cell ends with `run_hidden_checks("warmup", "conv_output_size", "torch", globals())` (the cell's
source comes from the gradebook, not from the student). classgrade sends the cell to the kernel without that call
(and without its import), then runs the same checks here, in the worker process, with `check_report` over a
`KernelLink`: every request to the kernel is a silent execute request whose answer comes back as display data of a
private MIME type, read here as data (`instructor_only.frameworks.wire`). The kernel never holds a numpy reference,
an expected value or the checks' code (the sandbox does not mount `instructor_only/checks` or `references`); the
correct building blocks of `checks/parts/` reach it by source only when a check puts one in place of the student's.

The verdict is written into the cell: the report in words (stdout) and, if a check failed, an error output, which
is what nbgrader scores. The kernel can only lower a score: a cell that errors in the kernel fails before its
hidden checks run.
"""
from __future__ import annotations

import ast
import queue
import time
from dataclasses import dataclass

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync

from instructor_only.checks import check_report
from instructor_only.checks.remote import Link
from instructor_only.frameworks import wire
from instructor_only.frameworks.serve import REPLY_MIME

ENTRY = "run_hidden_checks"
DETAIL_CHARS = 20_000  # of the checks' full report kept in the autograded notebook's cell metadata (instructors)


class HiddenChecksTimeout(CellTimeoutError):
    """The student's code, called by a hidden check, did not return within the cell's timeout."""


@dataclass
class HiddenCall:
    concept: str
    grade_id: str
    framework: str
    kernel_source: str  # the cell without the call and its import


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
    """Requests to the kernel of an nbclient executor as silent execute requests; answers are read from IOPub.

    The checks of one cell share one deadline. A kernel that misses it, or dies, breaks the link: every later
    request fails at once and `failure` holds the exception for the executor (which stops the kernel)."""

    def __init__(self, client, deadline: float):
        self._client, self._deadline = client, deadline
        self.failure: Exception | None = None
        self.requests = 0

    def exchange(self, request_text: str) -> str:
        if self.failure is not None:
            raise self.failure
        self.requests += 1
        try:
            return run_sync(self._exchange)(request_text)
        except (CellTimeoutError, DeadKernelError) as error:
            self.failure = error
            raise

    async def _exchange(self, request_text: str) -> str:
        code = (f"__import__('instructor_only.frameworks.serve', fromlist=['reply']).reply(globals(), "
                f"{request_text!r})")
        msg_id = self._client.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                         stop_on_error=False)
        answer = None
        while True:
            message = await self._next(self._client.kc.get_iopub_msg, msg_id)
            kind, content = message["msg_type"], message.get("content", {})
            if kind == "display_data" and REPLY_MIME in content.get("data", {}):
                answer = str(content["data"][REPLY_MIME])
            elif kind == "error" and answer is None:
                answer = wire.dumps({"error": [str(content.get("ename", "Error")), str(content.get("evalue", ""))[:2000],
                                               False]})
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        # Read this request's execute reply off the shell channel: unread replies pile up to ZeroMQ's high-water
        # mark, past which the kernel drops replies, nbclient's own among them.
        await self._next(self._client.kc.get_shell_msg, msg_id)
        return answer or wire.dumps({"error": ["NoAnswer", "the kernel did not answer the hidden checks", False]})

    async def _next(self, get_message, msg_id: str) -> dict:
        """The next message of `get_message` (a channel's) whose parent is request `msg_id`, within the deadline."""
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise HiddenChecksTimeout("the hidden checks ran past the cell's timeout")
            try:
                message = await get_message(timeout=min(1.0, remaining))
            except queue.Empty:  # nothing yet: wait on while the kernel lives
                if not await self._client.km.is_alive():
                    raise DeadKernelError("the kernel died during the hidden checks") from None
                continue
            if message.get("parent_header", {}).get("msg_id") == msg_id:
                return message


def run(client, cell, hidden: HiddenCall, seconds: float) -> int:
    """Run the hidden checks of `cell` against the kernel of `client`; add the verdict to the cell's outputs; return
    how many requests the checks made of the kernel. Raises CellTimeoutError or DeadKernelError (after the checks) if
    the kernel broke the link."""
    from instructor_only.grading.classgrade.limited_execute import error_output
    from nbformat.notebooknode import NotebookNode
    link = KernelLink(client, time.monotonic() + seconds)
    report = check_report(hidden.concept, hidden.grade_id, hidden.framework, link)
    if link.failure is not None:
        raise link.failure
    cell.outputs = [*cell.get("outputs", []), NotebookNode(output_type="stream", name="stdout",
                                                            text=report.summary() + "\n")]
    if not report.ok:
        cell.outputs.append(error_output("HiddenChecksFailed", f"the hidden checks for `{hidden.grade_id}` did "
                                                               f"not all pass (see above)"))
    if report.details:
        cell.metadata.setdefault("classgrade", {})["hidden_checks"] = "\n\n".join(report.details)[:DETAIL_CHARS]
    return link.requests
