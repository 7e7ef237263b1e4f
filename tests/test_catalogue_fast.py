"""Fast proof of the hidden checks: every proving submission's cells run in-process against the same checks that
autograding runs, and every catalogued bug is caught again by its own test cells' hidden checks alone (public asserts
removed). (tests/test_catalogue_nbgrader.py proves the same through real nbgrader.)"""
import pytest

from instructor_only.grading import course
from instructor_only.grading.catalogue_verdict import grade_in_process, run_both
from instructor_only.grading.submissions import plan

PLANNED = [s for a in course.discover() for s in plan(a)]


def _report(outcome) -> str:
    return "\n".join(f"--- {t}: {'passed' if ok else 'FAILED'}\n{text[-1500:]}" for t, (ok, text) in outcome.items())


@pytest.mark.parametrize("submission", PLANNED, ids=[s.label for s in PLANNED])
def test_submission_scores_as_expected(submission):
    """And a bug is caught again by its own test cells' hidden checks alone (public asserts removed): a bug the
    hidden checks would miss, caught only because a public assert earlier in the same cell failed, shows here."""
    verdict, hidden, outcome = run_both(submission)
    assert verdict.ok, f"{submission.label}: {verdict.status}: {verdict.detail}\n{_report(outcome)}"
    if hidden is not None:
        assert hidden.ok, f"{submission.label} (hidden checks only): {hidden.status}: {hidden.detail}\n{_report(outcome)}"


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
