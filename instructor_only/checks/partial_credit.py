"""Partial credit inside a test cell: the cell's points shared among its hidden checks by the weights they declare.

Off by default: a test cell then scores all or nothing, as it always has. A course turns it on in nbgrader_config.py:

    from instructor_only.grading import partial_credit_setting
    partial_credit_setting.configure(True)

(grading/partial_credit_setting.py: an environment variable the kernels of stock nbgrader inherit). classgrade's
workers load the same file and decide on the trusted side (trusted_scores.py). Both record the score
by nbgrader's own rule for partial credit (`nbgrader.utils.determine_grade`: the first `execute_result` of a test
cell that reads as a number is its score), so both give the same scores.

A check declares its weight with `@weight(2)` (1 if it declares none; 0 for a check a stub or a kernel's claim can
pass, see `weight`); a parametrised check's weight is shared equally among its cases. The cell's score is its
points times the passed share of the weight, rounded down to a hundredth, so that only a cell whose checks all passed
gets all its points. A cell whose checks could not run, or whose own public checks raised, scores zero as before.
"""
from __future__ import annotations

import math

from instructor_only.grading import course, notebooks
from instructor_only.grading.partial_credit_setting import VARIABLE, configure, enabled  # noqa: F401 -- its API


def weight(value: float):
    """Decorator of a check method: its share of the cell's points (default 1). Weight 0: required for all the
    points, worth nothing alone; for a check that a stub, a constant answer or a kernel's mere claim can pass (a rule
    read from the source, "returns an int", "raises ValueError", "leaves its input unchanged", a count the kernel
    reports): with partial credit such a check would pay a blank or lying notebook."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 and math.isfinite(value)):
        raise ValueError(f"a check's weight is a number >= 0, not {value!r}")

    def declare(check):
        check.weight = float(value)
        return check
    return declare


def declared_weight(function) -> float:
    return getattr(function, "weight", 1.0)


def score(points: float, share: float) -> float:
    """`points` times the passed `share` of the weight, rounded down to a hundredth; all of them only at share 1."""
    if not math.isfinite(share) or share <= 0.0 or points <= 0:
        return 0.0
    if share >= 1.0:
        return float(points)
    floored = math.floor(points * share * 100 + 1e-9) / 100  # (1e-9: 0.1 * 30 is 2.9999999999999996)
    return max(0.0, min(floored, round(points - 0.01, 2)))


class Score:
    """A partial score as the result of a stock autograder cell: shown as repr(float) whatever the student's
    `%precision` (IPython formats a float result with it; nbgrader reads the text, so 2.7 could read as 3)."""

    def __init__(self, value: float):
        self.value = float(value)

    def __float__(self) -> float:
        return self.value

    def __eq__(self, other) -> bool:
        return float(self) == float(other)

    def __repr__(self) -> str:
        return repr(self.value)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self.value))


def cell_points(concept: str, framework: str, grade_id: str) -> float:
    """The points of test cell `grade_id` in the course's source notebooks (stock nbgrader: the kernel knows only the
    name of its checks; the source is what generate_assignment put in the gradebook)."""
    assignment = course.get(f"{concept}_{framework}")
    for name in assignment.notebooks:
        for cell in notebooks.read(assignment.source_path(name)).cells:
            meta = notebooks.grade_meta(cell)
            if meta.get("grade_id") == grade_id and meta.get("grade"):
                return float(meta["points"])
    raise LookupError(f"no graded cell {grade_id!r} in source/{assignment.name}")
