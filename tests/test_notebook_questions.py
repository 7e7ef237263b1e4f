"""What a student reads before answering: every hand-graded cell is preceded by its question and its points, and no
part that carries points is called optional. Checked in source/, release/ and solutions/ (the three keep the same
cells in the same order; solutions/ has no nbgrader metadata, so the graded cells are located in source/)."""
import re

import nbformat
import pytest

from instructor_only.grading import course
from instructor_only.grading.course import COURSE_ROOT

ASSIGNMENTS = course.discover()
# "## 9. Optional: ..." or "### Extra (optional)", not "An MLP with optional batch norm".
OPTIONAL_PART = re.compile(r"^#+\s+(\d+\.\s*)?optional\b|\(optional\)", re.IGNORECASE)
QUESTION = re.compile(r"\*\*Question \((\d+) points?, answer in the cell below\)\.\*\*\s+\S")


def _read(kind, assignment, name):
    return nbformat.read(str(COURSE_ROOT / kind / assignment.name / name), as_version=4)


def _graded(cell):
    return cell.metadata.get("nbgrader", {})


def _points_text(points):
    return f"{points:g} point" + ("" if points == 1 else "s")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_every_hand_graded_cell_follows_its_question_and_points(assignment):
    for name in assignment.notebooks:
        source = _read(course.SOURCE, assignment, name)
        manual = [(i, _graded(c)) for i, c in enumerate(source.cells)
                  if _graded(c).get("grade") and c.cell_type == "markdown"]
        assert manual, f"{assignment.name}: no hand-graded cell found"
        for kind in (course.SOURCE, course.RELEASE, course.SOLUTIONS):
            cells = _read(kind, assignment, name).cells
            assert len(cells) == len(source.cells), f"{kind}/{assignment.name}/{name}: cells differ from source/"
            for i, meta in manual:
                before = cells[i - 1].source if i else ""
                match = QUESTION.search(before)
                assert match, (f"{kind}/{assignment.name}/{name}: the hand-graded cell `{meta['grade_id']}` is not "
                               f"preceded by a '**Question (N points, answer in the cell below).**' cell; the cell "
                               f"before it reads: {before[:200]!r}")
                assert float(match.group(1)) == meta["points"], (
                    f"{kind}/{assignment.name}/{name}: the question before `{meta['grade_id']}` announces "
                    f"{match.group(1)} points; the cell is worth {_points_text(meta['points'])}")
                assert match.group(0).startswith(f"**Question ({_points_text(meta['points'])},"), (
                    f"{kind}/{assignment.name}/{name}: write '{_points_text(meta['points'])}' before "
                    f"`{meta['grade_id']}`")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_parts_called_optional_carry_no_points(assignment):
    """A heading that says "optional" starts a part (up to the next heading of the same or a higher level) whose
    cells carry no points: a student who skips it must lose nothing."""
    for name in assignment.notebooks:
        cells = _read(course.SOURCE, assignment, name).cells
        for i, cell in enumerate(cells):
            heading = re.match(r"(#+) ", cell.source) if cell.cell_type == "markdown" else None
            if not heading or not OPTIONAL_PART.search(cell.source.splitlines()[0]):
                continue
            level = len(heading.group(1))
            points = 0
            for later in cells[i + 1:]:
                found = re.match(r"(#+) ", later.source) if later.cell_type == "markdown" else None
                if found and len(found.group(1)) <= level:
                    break
                points += _graded(later).get("points", 0) if _graded(later).get("grade") else 0
            assert points == 0, (f"{assignment.name}/{name}: the part {cell.source.splitlines()[0]!r} is called "
                                 f"optional but carries {points:g} points; drop 'optional' or make it ungraded")
