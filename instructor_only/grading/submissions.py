"""The submissions that prove an assignment's grader: the solution, the blank release, one per catalogue entry."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from instructor_only import catalogue
from instructor_only.catalogue import Entry
from instructor_only.grading import notebooks
from instructor_only.grading.course import COURSE_ROOT, RELEASE, Assignment
from instructor_only.grading.expectations import Expectation


@dataclass(frozen=True)
class PlannedSubmission:
    assignment: Assignment
    student_id: str
    kind: str                      # solution / blank / bug / alt
    entry: Entry | None
    expectation: Expectation
    notebooks: dict                # notebook file name -> NotebookNode
    combines: tuple[Entry, ...] = ()  # alternatives applied together (end_to_end_sample), entry then None

    @property
    def label(self) -> str:
        return f"{self.assignment.name}/{self.student_id}"

    def as_json(self) -> dict[str, str]:
        return {name: nbformat.writes(nb) for name, nb in self.notebooks.items()}


def plan(assignment: Assignment, release_root: Path = COURSE_ROOT, source_root: Path = COURSE_ROOT,
         include: tuple[str, ...] = ("solution", "blank", "bug", "alt")) -> list[PlannedSubmission]:
    """Every proving submission of `assignment`. The blank one is read from <release_root>/release/."""
    sources = {name: notebooks.read(assignment.source_path(name, source_root)) for name in assignment.notebooks}
    planned = []
    if "solution" in include:
        planned.append(PlannedSubmission(assignment, "solution", "solution", None, Expectation("full"), sources))
    if "blank" in include:
        release = {name: notebooks.read(release_root / RELEASE / assignment.name / name) for name in assignment.notebooks}
        planned.append(PlannedSubmission(assignment, "blank", "blank", None, Expectation("zero"), release))
    for entry in catalogue.load(assignment.name):
        if entry.kind not in include:
            continue
        holder = next((n for n, nb in sources.items() if entry.answer_cell in notebooks.answer_cells(nb)), None)
        if holder is None:
            raise KeyError(f"catalogue {assignment.name}: no answer cell {entry.answer_cell!r} in {assignment.notebooks}")
        targets = entry.targets or notebooks.tests_of_answers(sources[holder])[entry.answer_cell]
        expectation = Expectation("bug", tuple(targets)) if entry.kind == "bug" else Expectation("full")
        changed = dict(sources)
        changed[holder] = notebooks.with_answer_replaced(sources[holder], entry.answer_cell, entry.source)
        planned.append(PlannedSubmission(assignment, entry.student_id, entry.kind, entry, expectation, changed))
    return planned


def autograded_tests(submission: PlannedSubmission, source_root: Path = COURSE_ROOT) -> list[str]:
    """Grade ids of the assignment's autograded test cells (from the instructor's source)."""
    return [t.grade_id for name in submission.assignment.notebooks
            for t in notebooks.autograded_tests(notebooks.read(submission.assignment.source_path(name, source_root)))]


def end_to_end_sample(planned: list[PlannedSubmission]) -> list[PlannedSubmission]:
    """The submissions the test suite sends through real nbgrader when it does not send them all.

    The in-process proof covers every submission; what the end-to-end run adds is the kernel, nbgrader's
    preprocessors and the gradebook. So it keeps the solution, the blank release, ONE submission that combines the
    first bug of every answer cell (every targeted test cell is seen losing its points through nbgrader, and every
    other cell keeping them), and ONE that combines the first alternative of every answer cell (full marks
    expected: every part is seen passing with code other than the solution's). Four submissions per assignment.
    (The stderr case, a correct answer whose framework warns, has its own end-to-end test in
    tests/test_nbgrader_config.py.)
    """
    solution = next((s for s in planned if s.kind == "solution"), None)
    sample = [s for s in planned if s.kind in ("solution", "blank")]
    if solution is None:
        return sample
    for kind in ("bug", "alt"):
        firsts: dict[str, Entry] = {}
        for submission in planned:
            if submission.kind == kind:
                firsts.setdefault(submission.entry.answer_cell, submission.entry)
        if firsts:
            sample.append(combined(solution, list(firsts.values()), kind))
    return sample


def combined(solution: PlannedSubmission, entries: list[Entry], kind: str) -> PlannedSubmission:
    """The solution with each entry's answer cell replaced by the entry's code, as one submission: full marks
    expected for alternatives; for bugs, exactly the union of the entries' target cells lose their points."""
    changed = dict(solution.notebooks)
    targets: list[str] = []
    for entry in entries:
        holder = next(n for n, nb in changed.items() if entry.answer_cell in notebooks.answer_cells(nb))
        changed[holder] = notebooks.with_answer_replaced(changed[holder], entry.answer_cell, entry.source)
        for target in entry.targets or notebooks.tests_of_answers(solution.notebooks[holder])[entry.answer_cell]:
            if target not in targets:
                targets.append(target)
    expectation = Expectation("bug", tuple(targets)) if kind == "bug" else Expectation("full")
    student = "bugs_combined" if kind == "bug" else "alternatives_combined"
    return PlannedSubmission(solution.assignment, student, kind, None, expectation, changed, combines=tuple(entries))
