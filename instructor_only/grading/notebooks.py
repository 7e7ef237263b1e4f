"""Reading nbgrader notebooks: graded cells, which test cells check which answer, replacing an answer."""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import nbformat


def grade_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float


def autograded_tests(nb) -> list[TestCell]:
    """Autograded test cells: code cells marked grade=True and solution=False."""
    tests = []
    for cell in nb.cells:
        meta = grade_meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            tests.append(TestCell(meta["grade_id"], float(meta.get("points", 0))))
    return tests


def answer_cells(nb) -> list[str]:
    """Grade ids of autograded answer cells: code cells marked solution=True."""
    return [grade_meta(c)["grade_id"] for c in nb.cells if c.cell_type == "code" and grade_meta(c).get("solution")]


def tests_of_answers(nb) -> dict[str, tuple[str, ...]]:
    """Each answer cell -> the autograded test cells that follow it, up to the next run of answer cells.

    A run of consecutive answer cells (e.g. build_conv_layer, count_parameters) shares the test cells after it.
    """
    mapping: dict[str, tuple[str, ...]] = {}
    pending_answers: list[str] = []
    collected: list[str] = []
    for cell in nb.cells:
        meta = grade_meta(cell)
        is_answer = cell.cell_type == "code" and meta.get("solution")
        is_test = cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")
        if is_answer:
            if collected:
                for answer in pending_answers:
                    mapping[answer] = tuple(collected)
                pending_answers, collected = [], []
            pending_answers.append(meta["grade_id"])
        elif is_test and pending_answers:
            collected.append(meta["grade_id"])
    for answer in pending_answers:
        mapping[answer] = tuple(collected)
    return mapping


def with_answer_replaced(nb, answer_cell: str, source: str):
    """A copy of `nb` whose answer cell `answer_cell` holds `source` instead (outputs cleared)."""
    new = copy.deepcopy(nb)
    for cell in new.cells:
        if grade_meta(cell).get("grade_id") == answer_cell:
            if not grade_meta(cell).get("solution"):
                raise ValueError(f"cell {answer_cell!r} is not an answer cell")
            cell.source = source
            return new
    raise KeyError(f"the notebook has no cell with grade id {answer_cell!r}")


_HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)


def hidden_only(nb, keep: set[str] | None = None):
    """A copy of an instructor notebook whose autograded test cells keep only their hidden tests: what the hidden
    checks catch on their own, without the public asserts before them (a test cell without hidden tests becomes
    empty, so it catches nothing). keep: only these test cells keep even their hidden tests (the others become
    empty, which saves their time)."""
    new = copy.deepcopy(nb)
    for cell in new.cells:
        meta = grade_meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            kept = keep is None or meta["grade_id"] in keep
            cell.source = ("".join(_HIDDEN_BLOCK.findall(cell.source)) if kept else "") or "pass\n"
    return new


HIDDEN_ONLY_SUFFIX = "::hidden-only"


def with_hidden_only_twins(nb, targets: set[str]):
    """A copy of `nb` in which each test cell of `targets` is followed by a twin cell holding only its hidden tests,
    graded under "<grade id>::hidden-only": one run then tells both whether the cell passed and whether its hidden
    checks alone would have failed (the twin runs where the hidden tests would have run)."""
    new = copy.deepcopy(nb)
    cells = []
    for cell in new.cells:
        cells.append(cell)
        meta = grade_meta(cell)
        if cell.cell_type == "code" and meta.get("grade_id") in targets and not meta.get("solution"):
            twin = nbformat.v4.new_code_cell("".join(_HIDDEN_BLOCK.findall(cell.source)) or "pass\n")
            twin.metadata["nbgrader"] = {"grade": True, "solution": False,
                                         "grade_id": meta["grade_id"] + HIDDEN_ONLY_SUFFIX, "points": 0}
            cells.append(twin)
    new.cells = cells
    return new


def tests_before_skipped(nb, answer_cell: str):
    """A copy of `nb` whose autograded test cells before the answer cell `answer_cell` are emptied (they pass).

    A submission that differs from the solution only from that answer cell on runs the solution's code up to it, so
    those cells score as they do for the solution, which is proven on its own; skipping their checks saves time."""
    new = copy.deepcopy(nb)
    for cell in new.cells:
        meta = grade_meta(cell)
        if meta.get("grade_id") == answer_cell:
            break
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.source = "pass\n"
    return new


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
