"""The grader proof through real nbgrader: for every assignment under source/, the solution gets full marks, the
blank release gets zero, every catalogued bug loses exactly its target cells' points, every alternative keeps full
marks. Submissions are graded in batches (one `nbgrader autograde` run per chunk of ten), two runs at a time."""
import pytest

from instructor_only.grading import course
from instructor_only.grading.catalogue_verdict import format_table, grade_all_end_to_end
from instructor_only.grading.submissions import plan

ASSIGNMENTS = course.discover()
LABELS = [s.label for a in ASSIGNMENTS for s in plan(a)]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("catalogue")
    rows = grade_all_end_to_end(ASSIGNMENTS, workdir, workers=2)
    print("\n" + format_table(rows))
    return {row.submission.label: row.verdict for row in rows}


@pytest.mark.nbgrader
@pytest.mark.parametrize("label", LABELS)
def test_autograded_as_expected(verdicts, label):
    verdict = verdicts[label]
    assert verdict.ok, f"{label}: {verdict.status}: {verdict.detail}"
