"""The grader proof through real nbgrader: the solution gets full marks, the blank release gets zero, catalogued
bugs lose exactly their target cells' points, alternatives keep full marks.

By default this sends `submissions.end_to_end_sample` of every assignment through nbgrader (the solution, the blank
release, the first bug of each answer cell, and one submission combining the first alternative of each);
tests/test_catalogue_fast.py proves every submission in-process. Set CATALOGUE_E2E=all to send every submission
through nbgrader here too (about three times as long; `python -m instructor_only.grading.catalogue_verdict` does the
same outside pytest).

Submissions are graded in chunks (one fresh course and one `nbgrader autograde` run per chunk of up to ten); each
chunk is one test, so the chunks spread over the test workers."""
import os

import pytest

from instructor_only.grading import course
from instructor_only.grading.catalogue_verdict import end_to_end_chunks, format_table
from instructor_only.grading.notebooks import grade_meta
from instructor_only.grading.submissions import plan

ALL = os.environ.get("CATALOGUE_E2E", "sample") == "all"
CHUNKS = end_to_end_chunks(course.discover(), sample=not ALL)


@pytest.mark.nbgrader
@pytest.mark.parametrize("chunk", CHUNKS, ids=[chunk.name for chunk in CHUNKS])
def test_autograded_as_expected(chunk, tmp_path):
    """One test per chunk: its submissions are graded by one `nbgrader autograde` run, so one test worker must do
    them all (a test per submission would need xdist groups, which pytest 9.2 with xdist 3.8 silently ignores:
    pytest-dev/pytest-xdist#1386)."""
    rows = chunk.grade(tmp_path)
    table = format_table(rows)
    print("\n" + table)
    wrong = [f"{row.submission.label}: {row.verdict.status}: {row.verdict.detail}" for row in rows if not row.verdict.ok]
    assert len(rows) == len(chunk.submissions), f"graded {len(rows)} of {len(chunk.submissions)} submissions\n{table}"
    assert not wrong, "\n".join(wrong) + "\n\n" + table


def test_sample_covers_every_part():
    """The sample may not shrink silently: the solution, the blank release, a bug of each answer cell, and one
    submission combining an alternative of each answer cell go through nbgrader."""
    for assignment in course.discover():
        sampled = [s for chunk in end_to_end_chunks([assignment], sample=True) for s in chunk.submissions]
        kinds = {(s.kind, s.entry.answer_cell if s.entry else None) for s in sampled}
        assert {("solution", None), ("blank", None)} <= kinds, f"{assignment.name}: solution or blank not sampled"
        combined = [s for s in sampled if s.combines]
        assert len(combined) == 1 and combined[0].expectation.kind == "full", f"{assignment.name}: no combined alternatives"
        alternatives = {e.answer_cell for e in combined[0].combines}
        for s in plan(assignment):
            if s.kind == "bug":
                assert ("bug", s.entry.answer_cell) in kinds, f"no bug of {s.entry.answer_cell} in the sample"
            elif s.kind == "alt":
                assert s.entry.answer_cell in alternatives, f"no alternative of {s.entry.answer_cell} in the sample"
        cells = {grade_meta(c).get("grade_id"): c.source for nb in combined[0].notebooks.values() for c in nb.cells}
        for entry in combined[0].combines:
            assert cells[entry.answer_cell] == entry.source, f"{entry.answer_cell}: the alternative is not in the notebook"
