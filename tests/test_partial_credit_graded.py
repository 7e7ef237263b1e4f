"""Partial credit turned on in a course: stock `nbgrader autograde` (the checks in the kernel, which returns the
cell's score as its result) and classgrade (the trusted side writes it) give the same scores, cell by cell, and the
catalogued bugs that fail some of their cell's checks get a share of its points.

(The default, all or nothing, is what every other test grades with: tests/test_catalogue_nbgrader.py proves stock
and classgrade identical there.)
"""
from __future__ import annotations

import shutil

import pytest

from instructor_only.grading import course, nbgrader_cli
from instructor_only.grading.submissions import plan

ASSIGNMENT = "warmup_torch"
# catalogued bugs that fail some, not all, of their cell's hidden checks (and so get partial credit)
PARTLY_WRONG = ("bug-build_conv_layer-habitual_padding_1", "bug-build_conv_layer-square_kernel_only",
                "bug-shift_sensitivity-always_max_pool", "bug-conv_parameter_formula-builds_layer_instead_of_formula")


@pytest.mark.nbgrader
@pytest.mark.timeout(900)  # stock autograde of six submissions, then classgrade: 8 minutes beside a CI run
def test_stock_nbgrader_and_classgrade_give_the_same_partial_scores(tmp_path):
    assignment = course.get(ASSIGNMENT)
    on = ["partial_credit_setting.configure(True)"]
    stock_course = nbgrader_cli.new_course(tmp_path / "stock", [assignment], on)
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], stock_course)
    planned = {p.student_id: p for p in plan(assignment)}
    for student in ("solution", "blank", *PARTLY_WRONG):
        nbgrader_cli.submit(stock_course, student, assignment, planned[student].as_json())
    nbgrader_cli.run(["autograde", ASSIGNMENT], stock_course)
    stock = nbgrader_cli.scores(stock_course, ASSIGNMENT)

    # (no class report: its fingerprints of the catalogue are tested elsewhere and take minutes on a fresh course)
    classgrade_course = nbgrader_cli.new_course(tmp_path / "classgrade", [assignment],
                                                [*on, "c.ClassReport.enabled = False"])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], classgrade_course)
    shutil.copytree(stock_course / "submitted", classgrade_course / "submitted")
    result = nbgrader_cli.classgrade(classgrade_course, [ASSIGNMENT], "--workers", "1", "--no-feedback")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    trusted = nbgrader_cli.scores(classgrade_course, ASSIGNMENT)

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
