"""One class graded twice: by stock `nbgrader autograde` and by classgrade, each in a course of its own with the same
configuration and submissions, for tests that compare the two scores cell by cell."""
from __future__ import annotations

import shutil
from pathlib import Path

from instructor_only.grading import course, nbgrader_cli


def grade_both(folder: Path, name: str, submissions: dict[str, dict],
               config_lines: list[str] = ()) -> tuple[dict, dict]:
    """(stock scores, classgrade scores) of `submissions` (student -> {notebook file: JSON}) of assignment `name`, as
    nbgrader_cli.scores gives them. classgrade grades with one worker, no feedback and no class report (its
    fingerprints of the catalogue are tested elsewhere and take minutes on a fresh course)."""
    assignment = course.get(name)
    stock_course = nbgrader_cli.new_course(folder / "stock", [assignment], list(config_lines))
    nbgrader_cli.run(["generate_assignment", name], stock_course)
    for student, notebooks in submissions.items():
        nbgrader_cli.submit(stock_course, student, assignment, notebooks)
    nbgrader_cli.run(["autograde", name], stock_course)

    classgrade_course = nbgrader_cli.new_course(folder / "classgrade", [assignment],
                                                [*config_lines, "c.ClassReport.enabled = False"])
    nbgrader_cli.run(["generate_assignment", name], classgrade_course)
    shutil.copytree(stock_course / "submitted", classgrade_course / "submitted")
    result = nbgrader_cli.classgrade(classgrade_course, [name], "--workers", "1", "--no-feedback")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return nbgrader_cli.scores(stock_course, name), nbgrader_cli.scores(classgrade_course, name)
