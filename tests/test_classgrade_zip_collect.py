"""classgrade --zip-collect: an LMS download (Canvas naming, the course's default) is collected by stock
`nbgrader zip_collect` and graded; a second download of the same files regrades nothing; a course without a file-name
pattern gets a clear error."""
from __future__ import annotations

import subprocess
import zipfile

import pytest

from instructor_only.grading import course, nbgrader_cli
from instructor_only.grading.submissions import plan

ASSIGNMENT = "warmup_torch"
NOTEBOOK = "warmup.ipynb"
pytestmark = pytest.mark.timeout(200)  # classgrade starts a Dask cluster: 30-49 s in CI


def classgrade(course_dir, *extra) -> subprocess.CompletedProcess:
    return nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--zip-collect", "--workers", "2", *extra)


def lms_download(course_dir, files: dict[str, str]) -> None:
    archive = course_dir / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as bundle:
        for name, content in files.items():
            bundle.writestr(name, content)


@pytest.mark.nbgrader
def test_grades_an_lms_download(tmp_path):
    assignment = course.get(ASSIGNMENT)
    course_dir = nbgrader_cli.new_course(tmp_path / "course", [assignment])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
    planned = {p.student_id: p for p in plan(assignment)}
    lms_download(course_dir, {
        f"ada_1001_5001_{NOTEBOOK}": planned["solution"].as_json()[NOTEBOOK],
        "bob_late_1002_5002_warmup-1.ipynb": planned["blank"].as_json()[NOTEBOOK],  # Canvas renames resubmissions
        "notes.ipynb": planned["solution"].as_json()[NOTEBOOK],  # not in the LMS's naming: skipped, and said so
    })
    first = classgrade(course_dir)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "zip_collect: Skipped submission with no match information provided" in first.stdout, first.stdout
    scores = nbgrader_cli.scores(course_dir, ASSIGNMENT)
    assert set(scores) == {"ada", "bob"}
    tests = [gid for gid in scores["ada"] if gid.startswith("check_")]
    assert tests and all(scores["ada"][t][0] == scores["ada"][t][1] for t in tests), scores["ada"]
    assert all(scores["bob"][t][0] == 0 for t in tests), scores["bob"]
    assert "warmup-1.ipynb was graded as warmup.ipynb" in first.stdout, first.stdout

    again = classgrade(course_dir, "--no-feedback", "--grades-csv", "")  # the same download once more
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert f"{ASSIGNMENT}: 0 to grade" in again.stdout, again.stdout


def test_without_a_file_name_pattern_says_what_to_configure(tmp_path):
    course_dir = nbgrader_cli.new_course(tmp_path / "course", [course.get(ASSIGNMENT)],
                                         ["c.FileNameCollectorPlugin.named_regexp = ''"])
    result = classgrade(course_dir, "--workers", "1")
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-2000:]
    assert "c.FileNameCollectorPlugin.named_regexp" in result.stderr
