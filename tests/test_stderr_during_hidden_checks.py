"""What a student's code writes to stderr while the hidden checks call it scores the same through stock nbgrader and
classgrade.

Stock `nbgrader autograde` runs the hidden checks in the kernel: what the code writes to stderr then is an output of
the test cell, and the cell scores zero unless the course's IgnorePattern drops it (framework warnings, log lines).
classgrade runs the checks on the trusted side and the kernel only answers their calls; it keeps the stderr of those
calls that IgnorePattern would keep as the cell's outputs (trusted_checks.KernelLink.stderr_outputs), and Python
warnings are kept from stderr as stock's pytest keeps them (serve.answer_on), so the same rule gives the same score.
Each student below writes only when called from the course's code, never in the public checks.
"""
from __future__ import annotations

import re

import nbformat
import pytest

from instructor_only.grading import course, notebooks
from instructor_only.grading.classgrade import trusted_checks
from instructor_only.grading.course import COURSE_ROOT, RELEASE
from tests.stock_and_classgrade import grade_both

ASSIGNMENT, NOTEBOOK, CELL, TEST_CELL = "warmup_torch", "warmup.ipynb", "conv_output_size", "check_conv_output_size"

WHEN_THE_CHECKS_CALL = '''
import sys as _sys, warnings as _warnings
_own = conv_output_size
def conv_output_size(*args, **kwargs):
    if _sys._getframe(1).f_globals.get("__name__", "").startswith("instructor_only"):
        {action}
    return _own(*args, **kwargs)
'''
ACTIONS = {
    "debug_print": '_sys.stderr.write("n, kernel = checking\\n")',          # not a warning: zero, as stock scores it
    "warning_like": '_sys.stderr.write("UserWarning: as a framework says\\n")',  # the course's IgnorePattern drops it
    # a Python warning, then the student's own line, in one flush of the kernel's stderr: stock's pytest keeps the
    # warning (its warnings plugin), so the line alone zeroes the cell; printed, the warning would hide the line
    "warning_then_debug": '_warnings.warn("deprecated"); _sys.stderr.write("n, kernel = checking\\n")',
}


def solution_answer() -> str:
    solution = notebooks.read(course.get(ASSIGNMENT).source_path(NOTEBOOK))
    own = next(c.source for c in solution.cells if notebooks.grade_meta(c).get("grade_id") == CELL)
    return "\n".join(line for line in own.splitlines() if "### " not in line)


def submission(student: str) -> bytes:
    release = notebooks.read(COURSE_ROOT / RELEASE / ASSIGNMENT / NOTEBOOK)
    code = solution_answer()
    if student in ACTIONS:
        code += "\n" + WHEN_THE_CHECKS_CALL.format(action=ACTIONS[student])
    return nbformat.writes(notebooks.with_answer_replaced(release, CELL, code)).encode()


@pytest.mark.nbgrader
@pytest.mark.timeout(600)  # stock autograde of three submissions, then classgrade: about a minute alone
def test_stderr_written_during_the_hidden_checks_scores_the_same_in_stock_nbgrader_and_classgrade(tmp_path):
    stock, trusted = grade_both(tmp_path, ASSIGNMENT, {student: {NOTEBOOK: submission(student)}
                                                        for student in ("answer_only", *ACTIONS)})

    assert trusted == stock, f"stock {stock}\nclassgrade {trusted}"
    score, top = stock["answer_only"][TEST_CELL]
    assert score == top > 0, stock["answer_only"]
    assert stock["debug_print"][TEST_CELL] == (0, top), stock["debug_print"]
    assert stock["warning_like"][TEST_CELL] == (top, top), stock["warning_like"]
    assert stock["warning_then_debug"][TEST_CELL] == (0, top), stock["warning_then_debug"]
    autograded = tmp_path / "classgrade" / "autograded" / "debug_print" / ASSIGNMENT / NOTEBOOK
    executed = nbformat.read(autograded, as_version=4)
    test_cell = next(c for c in executed.cells if notebooks.grade_meta(c).get("grade_id") == TEST_CELL)
    # what zeroed it, in the cell: the student's lines, or (merged by the kernel past the kept size) the note of them
    assert any(o.get("name") == "stderr" and ("n, kernel = checking" in o.get("text", "") or "[classgrade:" in
                                              o.get("text", "")) for o in test_cell.outputs), test_cell.outputs


def test_the_kept_stderr_is_what_ignore_pattern_keeps_bounded_and_what_is_left_out_still_scores_zero():
    link = trusted_checks.KernelLink(client=None, deadline=0.0, ignore=re.compile("Warning: "))
    link._keep_stderr("x.py:1: UserWarning: dropped, as IgnorePattern drops it\n")  # noqa: SLF001 -- as _pump calls it
    link._keep_stderr("UserWarning: one per call, merged\n" * 2_000)  # noqa: SLF001 -- longer than the kept text
    assert not link.stderr and not link.stderr_left_out
    for _ in range(trusted_checks.STDERR_MESSAGES + 5):
        link._keep_stderr("x\n")  # noqa: SLF001
    link._keep_stderr("y" * trusted_checks.STDERR_CHARS)  # noqa: SLF001
    link._keep_stderr(["not", "text"])  # noqa: SLF001 -- a raw message may hold anything
    outputs = link.stderr_outputs()
    assert len(outputs) == trusted_checks.STDERR_MESSAGES + 1
    assert sum(len(o.text) for o in outputs) < trusted_checks.STDERR_CHARS + 1_000
    assert "UserWarning" not in "".join(o.text for o in outputs)
    assert "7 more messages written to stderr" in outputs[-1].text
    assert all(o.output_type == "stream" and o.name == "stderr" for o in outputs)  # each one scores zero
