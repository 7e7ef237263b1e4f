"""classgrade with the gradebook in a real PostgreSQL server (nbgrader's db_url), started by the test."""
from __future__ import annotations


import pytest

from instructor_only.grading import course, nbgrader_cli
from instructor_only.grading.submissions import plan
from tests.postgres_server import running_postgres

ASSIGNMENT = "warmup_torch"


@pytest.mark.nbgrader
@pytest.mark.timeout(200)  # a PostgreSQL server and a Dask cluster: 32-41 s in CI
def test_grades_into_a_postgresql_gradebook(tmp_path):
    assignment = course.get(ASSIGNMENT)
    with running_postgres(tmp_path / "postgres") as db_url:
        course_dir = nbgrader_cli.new_course(tmp_path / "course", [assignment],
                                             [f"c.CourseDirectory.db_url = {db_url!r}"])
        nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
        assert not (course_dir / "gradebook.db").exists()  # the assignment went to PostgreSQL
        planned = {p.student_id: p for p in plan(assignment)}
        bug = next(p for p in planned.values() if p.kind == "bug")
        for student, submission in {"solution": planned["solution"], "blank": planned["blank"], "bug": bug}.items():
            nbgrader_cli.submit(course_dir, student, assignment, submission.as_json())
        result = nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--workers", "2")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        scores = nbgrader_cli.scores(course_dir, ASSIGNMENT, db_url=db_url)
        assert not (course_dir / "gradebook.db").exists()
    tests = {gid for gid in scores["solution"] if gid.startswith("check_")}
    assert all(scores["solution"][t][0] == scores["solution"][t][1] for t in tests), scores["solution"]
    assert all(scores["blank"][t][0] == 0 for t in tests), scores["blank"]
    assert {t for t in tests if scores["bug"][t][0] < scores["bug"][t][1]} == set(bug.expectation.targets)
    assert "solution" in (course_dir / "grades.csv").read_text()  # stock export read the PostgreSQL gradebook
