"""release/ and solutions/ are what the generators make from source/, and reveal nothing instructor-only."""
import json

import pytest

from instructor_only.grading import build, course
from instructor_only.grading.course import COURSE_ROOT

ASSIGNMENTS = course.discover()


@pytest.mark.nbgrader
def test_committed_release_and_solutions_are_in_sync(tmp_path):
    """One test for both folders: they come from one build (a shared fixture would be built once per xdist
    worker)."""
    build.generate_release(ASSIGNMENTS, tmp_path)
    build.generate_solutions(ASSIGNMENTS, tmp_path)
    for kind in (course.RELEASE, course.SOLUTIONS):
        stale = build.differences(tmp_path / kind, COURSE_ROOT / kind)
        assert not stale, f"{kind}/ is stale ({stale}); run `python -m instructor_only.grading.build` and commit"


FORBIDDEN = {
    course.RELEASE: ["instructor_only", "HIDDEN TESTS", "BEGIN SOLUTION", "RUBRIC", "Rubric", "Model answer"],
    course.SOLUTIONS: ["instructor_only", "HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION", "RUBRIC", "Rubric"],
}


@pytest.mark.parametrize("kind", sorted(FORBIDDEN))
def test_student_files_reveal_nothing_instructor_only(kind):
    notebooks = sorted((COURSE_ROOT / kind).rglob("*.ipynb"))
    assert notebooks, f"no notebooks under {kind}/"
    for path in notebooks:
        text = path.read_text()
        for word in FORBIDDEN[kind]:
            assert word not in text, f"{path.relative_to(COURSE_ROOT)} contains {word!r}"


def test_source_notebooks_have_no_outputs():
    for path in sorted((COURSE_ROOT / course.SOURCE).rglob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, f"{path} has outputs"
