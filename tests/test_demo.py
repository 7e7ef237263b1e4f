"""The README's first command, on a scratch copy of the course: a class is graded, a broken notebook is reported
clearly and does not stop the others, feedback and a grades CSV are written."""
import csv
import subprocess
import sys

import pytest

from instructor_only.grading import course, nbgrader_cli


@pytest.mark.nbgrader
@pytest.mark.timeout(200)  # classgrade starts a Dask cluster: 27-42 s in CI
def test_demo_grades_the_class(tmp_path):
    # One assignment keeps this test short: the demo's logic does not depend on the track or the lab, and every
    # assignment is graded through nbgrader in tests/test_catalogue_nbgrader.py.
    warmups = [course.get("warmup_torch")]
    course_dir = nbgrader_cli.new_course(tmp_path / "course", warmups)
    result = subprocess.run([sys.executable, "-m", "instructor_only.grading.demo", "--course-dir", str(course_dir)],
                            capture_output=True, text=True, env=nbgrader_cli.environment())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "--feedback-now" in out and "show 0 until" in out, out  # the demo says why its feedback shows 0s
    frank = [line for line in out.splitlines() if "frank" in line and "not a readable notebook" in line]
    assert frank and any("NOT GRADED" in line for line in frank), out
    scores = {a.name: nbgrader_cli.scores(course_dir, a.name) for a in warmups}
    for assignment, by_student in scores.items():
        assert "frank" not in by_student, "a broken notebook must not reach the gradebook"
        auto = {s: sum(v for gid, (v, _) in cells.items() if gid.startswith("check_")) for s, cells in by_student.items()}
        full = sum(m for gid, (_, m) in by_student["alice"].items() if gid.startswith("check_"))
        assert auto["alice"] == full > 0 and auto["erin"] == full, auto
        assert auto["bob"] == 0, auto
        assert 0 < auto["carol"] < full and 0 < auto["dave"] < full, auto
        for student in ("alice", "bob", "carol", "dave", "erin"):
            assert list((course_dir / "feedback" / student / assignment).glob("*.html")), f"no feedback for {student}"
        for student in ("alice", "erin"):  # full marks: no traceback either, so no trace of the hidden tests at all
            for page in (course_dir / "feedback" / student / assignment).glob("*.html"):
                assert "HIDDEN TESTS" not in page.read_text() and "run_hidden_checks" not in page.read_text(), page
                autograded = course_dir / "autograded" / student / assignment / page.with_suffix(".ipynb").name
                assert "HIDDEN TESTS" in autograded.read_text()  # the instructor's copy keeps them
    with open(course_dir / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    graded = {(r["student_id"], r["assignment"]) for r in rows}
    assert {("alice", "warmup_torch"), ("bob", "warmup_torch")} <= graded
