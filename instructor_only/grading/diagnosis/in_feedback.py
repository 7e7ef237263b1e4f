"""The diagnosis in the student's feedback: under a failed test cell of the autograded notebook (which stock
`nbgrader generate_feedback` renders), one sentence naming the known mistake the answer behaves like, and the hint
that goes with it (the catalogue entry's, else its answer cell's: catalogue/hints.py). It says what the mistake does
in words; nothing of the hidden checks' inputs or code. The scores are the gradebook's, untouched.

Written again on every run: an earlier diagnosis output is replaced, never repeated.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from instructor_only import catalogue
from instructor_only.catalogue import hints
from instructor_only.grading import course
from instructor_only.grading.diagnosis.matching import Diagnosis

MARK = "classgrade_diagnosis"  # in the output's metadata: ours to replace


def sentence(diagnosis: Diagnosis, hint: str = "") -> str:
    advice = f"Hint: {hint.rstrip('.')}." if hint else "Look there first."
    return (f"Diagnosis: your answer behaves like a known mistake: {diagnosis.description.rstrip('.')}. {advice} "
            f"(This note does not change your score.)")


def hint_finder(assignment: str):
    """diagnosis -> its hint: the matched catalogue entry's own, else its answer cell's."""
    try:
        concept = course.get(assignment).concept
        own = {(e.answer_cell, e.name): e.hint for e in catalogue.load(assignment) if e.kind == "bug"}
    except Exception:  # noqa: BLE001 -- an assignment this course's code does not know: the notes, without hints
        return lambda diagnosis: ""
    return lambda diagnosis: hints.hint(concept, diagnosis.answer_cell, own.get((diagnosis.answer_cell,
                                                                                 diagnosis.name), ""))


def add_to_autograded(course_dir: Path, assignment: str, diagnoses: dict[str, dict[str, Diagnosis | None]]) -> int:
    """Write each student's diagnoses under their failed test cells; how many notes were written. (Pass only the
    cells the gradebook says each student failed.) A notebook that cannot be read or written is left as it is."""
    written, hint_of = 0, hint_finder(assignment)
    for student, found in diagnoses.items():
        for path in sorted((course_dir / "autograded" / student / assignment).glob("*.ipynb")):
            try:
                written += _add(path, found, hint_of)
            except Exception:  # noqa: BLE001 -- one odd notebook must not cost the others their notes
                continue
    return written


def _add(path: Path, found: dict[str, Diagnosis | None], hint_of) -> int:
    nb = nbformat.read(path, as_version=4)
    written, changed = 0, False
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or not isinstance(cell.get("outputs"), list):
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        outputs = cell.outputs
        kept = [o for o in outputs if not (isinstance(o, dict) and isinstance(o.get("metadata"), dict)
                                           and o["metadata"].get(MARK))]
        diagnosis = found.get(grade_id) if isinstance(grade_id, str) else None
        if diagnosis is not None and diagnosis.evidence:  # (a known mistake, not "not answered")
            note = sentence(diagnosis, hint_of(diagnosis))
            kept.append(NotebookNode(output_type="display_data", data={"text/plain": note}, metadata={MARK: True}))
            written += 1
        if kept != outputs:
            cell.outputs, changed = kept, True
    if changed:
        partial = path.with_suffix(".ipynb.partial")
        nbformat.write(nb, partial)
        partial.replace(path)
    return written
