"""Partial credit inside a test cell: the cell's points shared among its hidden checks by the weights they declare.

Off by default: a test cell then scores all or nothing, as it always has. A course turns it on in nbgrader_config.py:

    from instructor_only.checks import partial_credit
    partial_credit.configure(True)

It is an environment variable of the nbgrader process that loads the file, because stock `nbgrader autograde` runs
the hidden checks in the kernel it starts, which inherits that environment and nothing else of the configuration;
classgrade's workers load the same file and decide on the trusted side (trusted_scores.py). Both record the score
by nbgrader's own rule for partial credit (`nbgrader.utils.determine_grade`: the first `execute_result` of a test
cell that reads as a number is its score), so both give the same scores.

A check declares its weight with `@weight(2)` (1 if it declares none); a parametrised check's weight is shared
equally among its cases. The cell's score is its points times the passed share of the weight, rounded down to a
hundredth, so that only a cell whose checks all passed gets all its points. A cell whose checks could not run, or
whose own public checks raised, scores zero as before.
"""
from __future__ import annotations

import json
import math
import os

from instructor_only.grading import course

VARIABLE = "COURSE_PARTIAL_CREDIT"


def configure(enabled: bool) -> None:
    """The course's setting (nbgrader_config.py): this process and the kernels it starts share it."""
    os.environ[VARIABLE] = "1" if enabled else "0"


def enabled() -> bool:
    return os.environ.get(VARIABLE, "0") == "1"


def weight(value: float):
    """Decorator of a check method: its share of the cell's points (default 1)."""
    if not (isinstance(value, (int, float)) and value > 0 and math.isfinite(value)):
        raise ValueError(f"a check's weight is a positive number, not {value!r}")

    def declare(check):
        check.weight = float(value)
        return check
    return declare


def declared_weight(function) -> float:
    return getattr(function, "weight", 1.0)


def score(points: float, share: float) -> float:
    """`points` times the passed `share` of the weight, rounded down to a hundredth; all of them only at share 1."""
    if share >= 1.0:
        return float(points)
    floored = math.floor(points * max(share, 0.0) * 100 + 1e-9) / 100  # (1e-9: 0.1 * 30 is 2.9999999999999996)
    return min(floored, round(points - 0.01, 2))


def cell_points(concept: str, framework: str, grade_id: str) -> float:
    """The points of test cell `grade_id` in the course's source notebooks (stock nbgrader: the kernel knows only the
    name of its checks; the source is what generate_assignment put in the gradebook)."""
    assignment = course.get(f"{concept}_{framework}")
    for name in assignment.notebooks:
        cells = json.loads(assignment.source_path(name).read_text())["cells"]
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade_id") == grade_id and meta.get("grade"):
                return float(meta["points"])
    raise LookupError(f"no graded cell {grade_id!r} in source/{assignment.name}")
