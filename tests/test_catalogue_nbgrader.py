"""The grader proof through real nbgrader: the solution gets full marks, the blank release gets zero, catalogued
bugs lose exactly their target cells' points, alternatives keep full marks.

By default this sends `submissions.end_to_end_sample` of every assignment through nbgrader (the solution, the blank
release, the first bug of each answer cell, and one submission combining the first alternative of each);
tests/test_catalogue_fast.py proves every submission in-process. Set CATALOGUE_E2E=all to send every submission
through nbgrader here too (about three times as long; `python -m instructor_only.grading.catalogue_verdict` does the
same outside pytest).

Each chunk is then graded again by the class-grading command (instructor_only/grading/classgrade), which must give
every cell exactly stock nbgrader's score. The feedback of both (stock `nbgrader generate_feedback` and classgrade's)
is searched: no hidden test, no path or name of the course's code, no traceback or pytest progress line, and every
test cell that lost points says why in words.

Submissions are graded in chunks (one fresh course and one `nbgrader autograde` run per chunk of up to ten); each
chunk is one test, so the chunks spread over the test workers."""
import os
import re
import shutil

import nbformat
import pytest

from instructor_only.grading import course, nbgrader_cli
from instructor_only.grading.catalogue_verdict import end_to_end_chunks, format_table
from instructor_only.grading.notebooks import grade_meta
from instructor_only.grading.submissions import autograded_tests, plan

ALL = os.environ.get("CATALOGUE_E2E", "sample") == "all"
CHUNKS = end_to_end_chunks(course.discover(), sample=not ALL)


@pytest.mark.nbgrader
@pytest.mark.timeout(1500 if ALL else 600)  # stock autograde, then classgrade on a Dask cluster: 52-137 s in CI
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

    # The same submissions graded by the class-grading command must get exactly stock nbgrader's scores, cell by cell.
    stock_course = tmp_path / chunk.name
    stock = nbgrader_cli.scores(stock_course, chunk.assignment.name)
    parallel = classgrade_scores(stock_course, chunk.assignment, tmp_path / "classgrade")
    assert set(parallel) == set(stock), f"graded students differ: stock {sorted(stock)}, classgrade {sorted(parallel)}"
    differences = [f"{student}/{gid}: stock {stock[student].get(gid)}, classgrade {parallel[student].get(gid)}"
                   for student in stock for gid in set(stock[student]) | set(parallel[student])
                   if stock[student].get(gid) != parallel[student].get(gid)]
    assert not differences, "classgrade's scores differ from stock nbgrader's:\n" + "\n".join(differences)

    nbgrader_cli.run(["generate_feedback", chunk.assignment.name], stock_course)
    for course_dir in (stock_course, tmp_path / "classgrade"):
        problems = [problem for page in sorted((course_dir / "feedback").rglob("*.html"))
                    for problem in feedback_problems(page)]
        problems += [problem for notebook in sorted((course_dir / "autograded").rglob("*.ipynb"))
                     for problem in wordless_failures(notebook)]
        assert not problems, "\n".join(problems[:20])


LEAKS = ("HIDDEN TESTS", "run_hidden_checks", "instructor_only", "Traceback (most recent", str(course.COURSE_ROOT))
PROGRESS = re.compile(r"^[.FEsx]+\s+\[\s*\d+%\]|\d+ (passed|failed) in [\d.]+s", re.M)


def feedback_problems(page) -> list[str]:
    text = page.read_text()
    found = [f"{page}: shows {leak!r}" for leak in LEAKS if leak in text]
    return found + ([f"{page}: shows a pytest progress line"] if PROGRESS.search(text) else [])


def wordless_failures(path) -> list[str]:
    """Test cells that failed (an error output) without a sentence saying why."""
    problems = []
    for cell in nbformat.read(path, as_version=4).cells:
        meta = grade_meta(cell)
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not (meta.get("grade") and not meta.get("solution") and errors):
            continue
        said = "".join(o.get("text", "") for o in cell.outputs) + " ".join(e.get("evalue", "") for e in errors)
        if len(re.findall(r"[A-Za-z]{3,}", said)) < 4:
            problems.append(f"{path}: cell {meta['grade_id']} failed without words: {said[:200]!r}")
    return problems


def classgrade_scores(stock_course, assignment, workdir):
    """Grade stock_course's submissions again with `python -m instructor_only.grading.classgrade` (one local worker:
    the test workers already use both cores) in a fresh course, and read its gradebook."""
    course_dir = nbgrader_cli.new_course(workdir, [assignment])
    nbgrader_cli.run(["generate_assignment", assignment.name], course_dir)
    shutil.copytree(stock_course / "submitted", course_dir / "submitted")
    result = nbgrader_cli.classgrade(course_dir, [assignment.name], "--workers", "1", "--grades-csv", "",
                                     "--feedback-now")  # every student's feedback is searched, graded by hand or not
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "NOT GRADED" not in result.stdout, result.stdout
    return nbgrader_cli.scores(course_dir, assignment.name)


def test_sample_covers_every_part():
    """The sample may not shrink silently: the solution, the blank release, one submission combining a bug of each
    answer cell (whose targets cover every autograded test cell) and one combining an alternative of each answer cell
    go through nbgrader."""
    for assignment in course.discover():
        sampled = [s for chunk in end_to_end_chunks([assignment], sample=True) for s in chunk.submissions]
        assert {s.kind for s in sampled if not s.combines} == {"solution", "blank"}, f"{assignment.name}: sample"
        by_kind = {s.kind: s for s in sampled if s.combines}
        assert set(by_kind) == {"bug", "alt"}, f"{assignment.name}: no combined bugs or alternatives"
        assert by_kind["alt"].expectation.kind == "full"
        for kind, combined in by_kind.items():
            planned_cells = {s.entry.answer_cell for s in plan(assignment) if s.kind == kind}
            assert {e.answer_cell for e in combined.combines} == planned_cells, f"{assignment.name}: {kind} cells"
            cells = {grade_meta(c).get("grade_id"): c.source for nb in combined.notebooks.values() for c in nb.cells}
            for entry in combined.combines:
                assert cells[entry.answer_cell] == entry.source, f"{entry.answer_cell}: {entry.name} not in the notebook"
        solution = next(s for s in sampled if s.kind == "solution")
        assert set(by_kind["bug"].expectation.targets) == set(autograded_tests(solution)), \
            f"{assignment.name}: some test cell is never seen losing points through nbgrader"
