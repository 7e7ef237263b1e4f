"""What an instructor sees when running the commands of docs/INSTRUCTORS.md on a small class: no warnings or
third-party noise, and feedback held back until the written answers are graded.

One warm-up (PyTorch) course with the committed release/ already in place, as in a fresh clone. The guide's
`nbgrader generate_assignment warmup_torch --force`; `blank` submits the release untouched and stock
`nbgrader autograde` grades it; `writer` submits the release with the written answers filled in; classgrade grades
both (with port 8787 taken, as it is when another Dask cluster or a JupyterLab with Dask's dashboard runs) and holds
`writer`'s feedback back (an earlier feedback file of `writer` stays, untouched). `writer`'s written answers are then
graded by hand (through nbgrader's gradebook API, as the formgrader does) and `classgrade --feedback-only` writes the
feedback it held back.
"""
from __future__ import annotations

import errno
import logging
import re
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from instructor_only.grading import course, nbgrader_cli, notebooks
from instructor_only.grading.released_cells import OverwriteReleasedCells
from tests.graded_once import graded_once

ASSIGNMENT = "warmup_torch"
NOTEBOOK = "warmup.ipynb"
# Lines an instructor should never have to read on a normal run: warnings of any kind (nbgrader's "Attribute
# 'checksum' ... has changed!", SQLAlchemy's SAWarning, Dask's "Port 8787 is already in use", ipykernel's), tracebacks.
NOISE = re.compile(r"warn|checksum|already in use|traceback", re.IGNORECASE)


def noisy_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if NOISE.search(line)]


@contextmanager
def port_taken(port: int):
    """Hold 127.0.0.1:port for the duration (if someone else already holds it, it is taken all the same)."""
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", port))
            holder.listen()
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
        yield


def with_written_answers(release: str) -> str:
    nb = nbformat.reads(release, as_version=4)
    for cell in nb.cells:
        meta = notebooks.grade_meta(cell)
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            cell.source = "Max pooling keeps the strongest response, so a small shift changes it less."
    return nbformat.writes(nb)


def grade_written_answers(course_dir: Path, student: str) -> None:
    """Full marks for every answer still to grade by hand, as the formgrader records a manual grade."""
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks:
            for grade in notebook.grades:
                if grade.needs_manual_grade:
                    grade.manual_score, grade.needs_manual_grade = grade.max_score, False
        gradebook.db.commit()


EARLIER_FEEDBACK = "feedback written by an earlier run"


def feedback_written(course_dir: Path) -> list[str]:
    pages = (course_dir / "feedback").glob(f"*/{ASSIGNMENT}/*.html")
    return sorted(page.parent.parent.name for page in pages if page.read_text() != EARLIER_FEEDBACK)


def run_the_readme(course_dir: Path) -> dict:
    """The instructors' guide's commands on a class of two; what each printed and which feedback files exist
    (JSON-able)."""
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(course_dir, [assignment])
    shutil.copytree(course.COURSE_ROOT / "release" / ASSIGNMENT, course_dir / "release" / ASSIGNMENT)
    both = lambda result: {"code": result.returncode, "output": result.stdout + result.stderr}
    out = {"generate": both(nbgrader_cli.run(["generate_assignment", ASSIGNMENT, "--force"], course_dir,
                                             check=False))}
    release = (course_dir / "release" / ASSIGNMENT / NOTEBOOK).read_text()
    nbgrader_cli.submit(course_dir, "blank", assignment, {NOTEBOOK: release})
    out["autograde"] = both(nbgrader_cli.run(["autograde", ASSIGNMENT], course_dir, check=False))
    nbgrader_cli.submit(course_dir, "writer", assignment, {NOTEBOOK: with_written_answers(release)})
    earlier = course_dir / "feedback" / "writer" / ASSIGNMENT / "warmup.html"
    earlier.parent.mkdir(parents=True)
    earlier.write_text(EARLIER_FEEDBACK)
    with port_taken(8787):
        out["classgrade"] = both(nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--workers", "1"))
    out["feedback_after_grading"] = feedback_written(course_dir)
    grade_written_answers(course_dir, "writer")
    out["feedback_only"] = both(nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--feedback-only"))
    out["feedback_after_manual_grading"] = feedback_written(course_dir)
    out["scores"] = nbgrader_cli.scores(course_dir, ASSIGNMENT)  # (graded_once reads them)
    return out


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory, request) -> tuple[Path, dict]:
    """(the course, what the commands printed): run once per test run, shared by the xdist workers."""
    return graded_once("instructor_output", tmp_path_factory, request, run_the_readme)


@pytest.mark.nbgrader
@pytest.mark.timeout(150)  # the class of two (stock autograde, classgrade on a Dask cluster): about 30 s alone
@pytest.mark.parametrize("command", ["autograde", "classgrade", "feedback_only"])
def test_a_normal_run_is_quiet(readme_run, command):
    """(`generate_assignment --force` is left out: nbgrader says, as a warning, that it rewrites release/.)"""
    ran = readme_run[1][command]
    assert ran["code"] == 0, ran["output"][-3000:]
    assert not noisy_lines(ran["output"]), "\n".join(noisy_lines(ran["output"]))


@pytest.mark.nbgrader
@pytest.mark.timeout(150)
def test_a_changed_test_cell_is_still_reported(readme_run, caplog):
    """Stock OverwriteCells' warning keeps its meaning: a test cell the student changed is named and restored."""
    course_dir, _ = readme_run
    nb = nbformat.read(course_dir / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    tests = [c for c in nb.cells if notebooks.grade_meta(c).get("grade_id", "").startswith("check_")]
    tests[-1].source = "pass  # nothing to check here\n"
    resources = {"nbgrader": {"notebook": Path(NOTEBOOK).stem, "assignment": ASSIGNMENT,
                              "db_url": f"sqlite:///{course_dir / 'gradebook.db'}"}}
    log = logging.getLogger("released_cells_test")
    with caplog.at_level(logging.WARNING, logger=log.name):
        OverwriteReleasedCells(log=log).preprocess(nb, resources)
    changed = notebooks.grade_meta(tests[-1])["grade_id"]
    assert [r.getMessage().split(" has changed")[0] for r in caplog.records] == \
        [f"Attribute 'checksum' for cell {changed}"], caplog.text
    assert all("### BEGIN HIDDEN TESTS" in cell.source for cell in tests), "hidden tests not restored"


@pytest.mark.nbgrader
@pytest.mark.timeout(150)
def test_feedback_waits_for_the_written_answers_to_be_graded(readme_run):
    ran = readme_run[1]
    output = ran["classgrade"]["output"]
    assert ran["feedback_after_grading"] == ["blank"], output
    assert "feedback held back for 1 of 2 submissions" in output, output
    assert "still holds earlier feedback of 1 of them, not replaced" in output, output
    assert f"{ASSIGNMENT} --feedback-only" in output, output  # the next step, as a command
    assert ran["feedback_after_manual_grading"] == ["blank", "writer"], ran["feedback_only"]["output"]
    assert "held back" not in ran["feedback_only"]["output"], ran["feedback_only"]["output"]
