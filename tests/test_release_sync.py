"""release/ and solutions/ are what the generators make from source/, and reveal nothing instructor-only."""
import json
from pathlib import Path

import pytest

from instructor_only.grading import build, course
from instructor_only.grading.course import COURSE_ROOT

ASSIGNMENTS = course.discover()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    build.generate_release(ASSIGNMENTS, out)
    build.generate_solutions(ASSIGNMENTS, out)
    return out


@pytest.mark.nbgrader
@pytest.mark.xdist_group("release-build")  # one worker builds once for both
@pytest.mark.parametrize("kind", [course.RELEASE, course.SOLUTIONS])
def test_committed_copy_is_in_sync(generated, kind):
    stale = build.differences(generated / kind, COURSE_ROOT / kind)
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
