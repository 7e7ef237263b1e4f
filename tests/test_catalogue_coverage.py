"""The catalogue is complete and well-formed: every autograded TODO has enough bugs and alternatives."""
import pytest

from instructor_only import catalogue
from instructor_only.grading import course, notebooks

MINIMUM = {"warmup": (3, 2)}  # concept -> (bugs, alternatives) per autograded answer cell, per framework
ASSIGNMENTS = course.discover()


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.name for a in ASSIGNMENTS])
def test_every_answer_cell_has_enough_entries(assignment):
    entries = catalogue.load(assignment.name)
    answers = [a for name in assignment.notebooks for a in notebooks.answer_cells(notebooks.read(assignment.source_path(name)))]
    unknown = {e.answer_cell for e in entries} - set(answers)
    assert not unknown, f"catalogue entries for answer cells that do not exist: {unknown}"
    min_bugs, min_alts = MINIMUM.get(assignment.concept, (3, 2))
    for answer in answers:
        bugs = [e for e in entries if e.answer_cell == answer and e.kind == "bug"]
        alts = [e for e in entries if e.answer_cell == answer and e.kind == "alt"]
        assert len(bugs) >= min_bugs and len(alts) >= min_alts, (
            f"{assignment.name}/{answer}: {len(bugs)} bugs and {len(alts)} alternatives; need {min_bugs} and {min_alts}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=[a.name for a in ASSIGNMENTS])
def test_every_answer_cell_is_followed_by_a_test(assignment):
    for name in assignment.notebooks:
        for answer, tests in notebooks.tests_of_answers(notebooks.read(assignment.source_path(name))).items():
            assert tests, f"{assignment.name}/{name}: answer cell {answer} has no autograded test cell after it"


def test_tracks_share_parts_grade_ids_and_points():
    """Each concept's torch and tensorflow variants have the same graded cells with the same points."""
    by_concept = {}
    for assignment in ASSIGNMENTS:
        cells = []
        for name in assignment.notebooks:
            for cell in notebooks.read(assignment.source_path(name)).cells:
                meta = notebooks.grade_meta(cell)
                if meta.get("grade") or meta.get("solution"):
                    cells.append((name, cell.cell_type, meta["grade_id"], meta.get("points")))
        by_concept.setdefault(assignment.concept, {})[assignment.framework] = cells
    for concept, tracks in by_concept.items():
        assert set(tracks) == {"torch", "tensorflow"}, f"{concept}: tracks {sorted(tracks)}"
        assert tracks["torch"] == tracks["tensorflow"], f"{concept}: graded cells differ between the tracks"
