"""Fast proof of the hidden checks: every proving submission's cells run in-process against the same checks that
autograding runs. (tests/test_catalogue_nbgrader.py proves the same through real nbgrader.)"""
import pytest

from instructor_only.grading import course
from instructor_only.grading.catalogue_verdict import grade_in_process
from instructor_only.grading.expectations import judge
from instructor_only.grading.inprocess import run_cells
from instructor_only.grading.submissions import autograded_tests, plan

PLANNED = [s for a in course.discover() for s in plan(a)]


@pytest.mark.parametrize("submission", PLANNED, ids=[s.label for s in PLANNED])
def test_submission_scores_as_expected(submission):
    outcome = {}
    for nb in submission.notebooks.values():
        outcome.update(run_cells(nb))
    tests = autograded_tests(submission)
    verdict = judge(submission.expectation, tests, {t: outcome[t][0] for t in tests if t in outcome})
    report = "\n".join(f"--- {t}: {'passed' if ok else 'FAILED'}\n{text[-1500:]}" for t, (ok, text) in outcome.items())
    assert verdict.ok, f"{submission.label}: {verdict.status}: {verdict.detail}\n{report}"


def test_grade_in_process_reports_a_missed_bug(monkeypatch):
    """The verdict must be able to say 'missed': a 'bug' whose code is in fact correct is not caught."""
    from instructor_only import catalogue
    from instructor_only.catalogue import Bug
    assignment = course.get("warmup_torch")
    solution_code = "def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):\n" \
                    "    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1\n"
    monkeypatch.setattr(catalogue, "load", lambda name: [Bug("conv_output_size", "not_a_bug", "correct code", solution_code)])
    rows = grade_in_process(assignment, include=("bug",))
    assert [(r.verdict.ok, r.verdict.status) for r in rows] == [(False, "missed")]
