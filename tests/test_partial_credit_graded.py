"""Partial credit turned on in a course: stock `nbgrader autograde` (the checks in the kernel, which returns the
cell's score as its result) and classgrade (the trusted side writes it) give the same scores, cell by cell, and the
catalogued bugs that fail some of their cell's checks get a share of its points.

(The default, all or nothing, is what every other test grades with: tests/test_catalogue_nbgrader.py proves stock
and classgrade identical there.)
"""
from __future__ import annotations

import pytest

from instructor_only.grading import course
from instructor_only.grading.submissions import plan
from tests.stock_and_classgrade import grade_both

ASSIGNMENT = "warmup_torch"
# catalogued bugs that fail some, not all, of their cell's hidden checks (and so get partial credit)
PARTLY_WRONG = ("bug-build_conv_layer-habitual_padding_1", "bug-build_conv_layer-square_kernel_only",
                "bug-shift_sensitivity-always_max_pool", "bug-conv_parameter_formula-builds_layer_instead_of_formula")


@pytest.mark.nbgrader
@pytest.mark.timeout(900)  # stock autograde of six submissions, then classgrade: 8 minutes beside a CI run
def test_stock_nbgrader_and_classgrade_give_the_same_partial_scores(tmp_path):
    planned = {p.student_id: p for p in plan(course.get(ASSIGNMENT))}
    students = ("solution", "blank", *PARTLY_WRONG)
    stock, trusted = grade_both(tmp_path, ASSIGNMENT, {s: planned[s].as_json() for s in students},
                                ["partial_credit_setting.configure(True)"])

    assert trusted == stock, f"stock {stock}\nclassgrade {trusted}"
    autograded = {student: {gid: score for gid, score in cells.items() if gid.startswith("check_")}
                  for student, cells in stock.items()}
    assert all(score == top for score, top in autograded["solution"].values()), autograded["solution"]
    assert all(score == 0 for score, _ in autograded["blank"].values()), autograded["blank"]
    for student in PARTLY_WRONG:
        targets = set(planned[student].expectation.targets)
        for gid, (score, top) in autograded[student].items():
            if gid in targets:
                assert 0 < score < top, (student, gid, score, top)  # a share, not all, not nothing
            else:
                assert score == top, (student, gid, score, top)  # the other cells untouched
