"""Diagnose a graded class: every failing test cell whose autograded notebook kept what the student's code answered
the hidden checks (`LimitedExecute.record_behaviour`), matched against the assignment's catalogue.

The fingerprints are computed in a process of their own (`fingerprints`, which imports the framework; this one does
not need to), only for the entries that target a cell someone failed, and kept in classgrade/<assignment>/report/
while the course's code and the framework's version stay the same; when the kept file holds every entry of the
failed cells, it is read here and no process is started.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from instructor_only.checks import behaviour
from instructor_only.grading import course
from instructor_only.grading.classgrade import state
from instructor_only.grading.diagnosis import cache_key
from instructor_only.grading.diagnosis.matching import Diagnosis, diagnose, not_answered

METADATA = ("classgrade", "behaviour")  # where TrustedScores keeps a failing cell's recording
MAX_NOTEBOOK_BYTES = 64 << 20           # an autograded notebook larger than this is not read for the diagnosis
MAX_RECORDING_CHARS = 2 * behaviour.MAX_CHARS  # (a recording is at most about MAX_CHARS)


def behaviours(course_dir: Path, assignment: str) -> dict[str, dict[str, dict]]:
    """{student: {test cell grade id: recording}} from the autograded notebooks of `assignment`; a recording that is
    not what TrustedScores writes (compact JSON text of the shape `well_formed` checks) is left out."""
    found: dict[str, dict[str, dict]] = {}
    for folder in sorted((course_dir / "autograded").glob(f"*/{assignment}")):
        student = folder.parent.name
        for path in sorted(folder.glob("*.ipynb")):
            try:
                if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                    continue
                nb = nbformat.read(path, as_version=4)
            except Exception:  # noqa: BLE001 -- an unreadable notebook has nothing to diagnose
                continue
            for cell in nb.cells:
                meta = cell.get("metadata", {})
                grading = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
                if cell.get("cell_type") != "code" or not isinstance(grading, dict) or not grading.get("grade") \
                        or grading.get("solution"):
                    continue  # graded test cells only: TrustedScores wrote theirs (and removed any other)
                kept = meta.get(METADATA[0])
                text = kept.get(METADATA[1]) if isinstance(kept, dict) else None
                grade_id = grading.get("grade_id")
                if not isinstance(text, str) or len(text) > MAX_RECORDING_CHARS or not isinstance(grade_id, str):
                    continue
                try:
                    recording = json.loads(text)
                except ValueError:
                    continue
                if well_formed(recording):
                    found.setdefault(student, {})[grade_id] = recording
    return found


def well_formed(recording) -> bool:
    """{check: [[request key, summary], ...]}, as behaviour.Recording makes it."""
    return isinstance(recording, dict) and all(
        isinstance(check, str) and isinstance(requests, list)
        and all(isinstance(r, list) and len(r) == 2 and isinstance(r[0], str) for r in requests)
        for check, requests in recording.items())


def kept_fingerprints(cache: Path, assignment: str, cells: set[str]) -> dict | None:
    """The fingerprints kept in `cache` if they are of this course's code and hold every entry of `cells`."""
    try:
        prints = cache_key.kept(cache, course.get(assignment))
        return prints if prints is not None and set(cells) <= set(prints["complete_cells"]) else None
    except (KeyError, TypeError):  # an assignment this course does not know; a file without complete_cells
        return None


def fingerprints_for(course_dir: Path, assignment: str, cells: set[str], seconds: float | None = None) -> dict:
    """The fingerprints of the entries targeting `cells`: those kept, or computed (and kept) by a process of their
    own, new ones for `seconds` at most."""
    cache = state.report_dir(course_dir, assignment)
    kept = kept_fingerprints(cache, assignment, cells)
    if kept is not None:
        return kept
    out = cache / "fingerprints.out.json"
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "instructor_only.grading.diagnosis.fingerprints", assignment,
                           "--cache-dir", str(cache), "--cells", ",".join(sorted(cells)), "--out", str(out),
                           *(["--seconds", str(seconds)] if seconds is not None else [])],
                          cwd=course.COURSE_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the catalogue's fingerprints could not be computed: {done.stderr[-2000:]}")
    try:
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


NOT_ANSWERED = Diagnosis("", ("(not answered)",), "still raises the release's NotImplementedError", 0)


def diagnose_class(course_dir: Path, assignment: str, fingerprints: dict | None = None, seconds: float | None = None
                   ) -> dict[str, dict[str, Diagnosis | None]]:
    """{student: {failing test cell: its diagnosis, NOT_ANSWERED, or None (no known mistake matches)}}."""
    recorded = behaviours(course_dir, assignment)
    cells = {cell for cells in recorded.values() for cell, recording in cells.items() if not not_answered(recording)}
    if not cells:
        return {}
    if fingerprints is None:
        fingerprints = fingerprints_for(course_dir, assignment, cells, seconds)
    diagnoses = {}
    for student, cells in recorded.items():
        diagnoses[student] = {}
        for cell, recording in sorted(cells.items()):
            try:
                diagnoses[student][cell] = NOT_ANSWERED if not_answered(recording) else \
                    diagnose(cell, recording, fingerprints)
            except Exception:  # noqa: BLE001 -- one student's odd recording must not cost the class its report
                diagnoses[student][cell] = None
    return diagnoses
