"""The diagnosis in the student's feedback: under a failed test cell of the autograded notebook (which stock
`nbgrader generate_feedback` renders), one sentence naming the known mistake the answer behaves like. It says what
the mistake does in words; nothing of the hidden checks' inputs or code. The scores are the gradebook's, untouched.

Written again on every run: an earlier diagnosis output is replaced, never repeated.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from instructor_only.grading.diagnosis.matching import Diagnosis

MARK = "classgrade_diagnosis"  # in the output's metadata: ours to replace


def sentence(diagnosis: Diagnosis) -> str:
    return (f"Diagnosis: your answer behaves like a known mistake: {diagnosis.description.rstrip('.')}. "
            f"Look there first (this note does not change your score).")


def add_to_autograded(course_dir: Path, assignment: str, diagnoses: dict[str, dict[str, Diagnosis | None]]) -> int:
    """Write each student's diagnoses under their failed test cells; how many notes were written. (Pass only the
    cells the gradebook says each student failed.) A notebook that cannot be read or written is left as it is."""
    written = 0
    for student, found in diagnoses.items():
        for path in sorted((course_dir / "autograded" / student / assignment).glob("*.ipynb")):
            try:
                written += _add(path, found)
            except Exception:  # noqa: BLE001 -- one odd notebook must not cost the others their notes
                continue
    return written


def _add(path: Path, found: dict[str, Diagnosis | None]) -> int:
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
            kept.append(NotebookNode(output_type="display_data", data={"text/plain": sentence(diagnosis)},
                                     metadata={MARK: True}))
            written += 1
        if kept != outputs:
            cell.outputs, changed = kept, True
    if changed:
        partial = path.with_suffix(".ipynb.partial")
        nbformat.write(nb, partial)
        partial.replace(path)
    return written
