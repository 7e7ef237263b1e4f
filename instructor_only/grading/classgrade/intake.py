"""Find the submissions of an assignment and say, in words a student understands, what is wrong with each.

Refused, with a reason: a submission with no readable notebook, and a notebook of another assignment (recognised
by the checksums nbgrader stores in its cells; the torch and TensorFlow tracks share grade ids), which would
otherwise be recorded as zeros under the wrong assignment. Everything else is graded as `nbgrader autograde` grades
it, with a note: a missing notebook or missing graded cells score zero (nbgrader restores deleted cells from the
release). Two repairs make gradable what stock nbgrader fails on: a renamed or repeated grade id loses its nbgrader
marks and runs as an ordinary cell (the first copy of a repeated cell is graded; missing test cells are restored), and a single notebook saved under another name
is graded under its released name. The files in submitted/ are never changed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass
class Submission:
    student: str
    folder: Path
    files: dict[str, bytes]
    notes: list[str] = field(default_factory=list)     # graded, but the student should know
    refusal: str = ""                                   # why it cannot be graded ("" = gradable)

    def fingerprint(self, *context: bytes | str) -> str:
        digest = hashlib.sha256()
        for part in context:
            digest.update(part.encode() if isinstance(part, str) else part)
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()


@dataclass(frozen=True)
class AssignmentDefinition:
    """What the gradebook knows of an assignment: notebook name -> grade ids of its graded and answer cells."""
    name: str
    grade_ids: dict[str, tuple[str, ...]]
    manual_ids: frozenset[str] = frozenset()   # graded by hand (written answers)
    checksums: frozenset[str] = frozenset()    # nbgrader checksums of its released cells: which release a notebook is

    def all_ids(self) -> set[str]:
        return {gid for ids in self.grade_ids.values() for gid in ids}


def find(course_dir: Path, assignment: str, students: list[str] | None = None) -> list[Path]:
    """submitted/<student>/<assignment>/ folders, sorted by student id."""
    folders = sorted(p for p in (course_dir / "submitted").glob(f"*/{assignment}") if p.is_dir())
    if students:
        folders = [p for p in folders if p.parent.name in students]
    return folders


def read_folder(folder: Path) -> dict[str, bytes]:
    skip = {".ipynb_checkpoints", "__pycache__"}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not skip & set(p.relative_to(folder).parts)}


def grade_ids_of(notebook) -> list[str]:
    return [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            and (cell.metadata["nbgrader"].get("grade") or cell.metadata["nbgrader"].get("solution")
                 or cell.metadata["nbgrader"].get("task"))]


def checksums_of(notebook) -> set[str]:
    """The nbgrader checksums carried in cell metadata: they name the release a notebook came from."""
    return {cell.metadata["nbgrader"]["checksum"] for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("checksum")}


def parse(content: bytes):
    """The notebook, or the reason it is not one."""
    if not content.strip():
        return None, "is an empty file"
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 -- any parse/validation failure means "not a notebook"
        first_line = (str(error).splitlines() or [""])[0].split(": '", 1)[0][:120]  # no excerpt of the file
        return None, f"is not a readable notebook ({type(error).__name__}: {first_line})"
    return notebook, ""


def inspect(folder: Path, definition: AssignmentDefinition, other_assignments: dict[str, set[str]]) -> Submission:
    """Read one submission folder and diagnose it against the assignment's cells (other_assignments: name ->
    checksums of that assignment's cells, to name the assignment a wrongly submitted notebook belongs to)."""
    submission = Submission(folder.parent.name, folder, read_folder(folder))
    expected = [f"{name}.ipynb" for name in definition.grade_ids]
    if not expected:
        submission.refusal = "the assignment has no notebooks in the gradebook"
        return submission
    adopt_renamed_notebook(submission, expected)
    unreadable, readable = [], 0
    for file_name in expected:
        if file_name not in submission.files:
            submission.notes.append(f"{file_name} was not submitted; its cells score zero")
            continue
        notebook, problem = parse(submission.files[file_name])
        if notebook is None:
            unreadable.append(file_name)
            submission.notes.append(f"{file_name} {problem}")
            continue
        sums = checksums_of(notebook)
        mine = len(sums & definition.checksums)
        owner = max(other_assignments, key=lambda a: len(sums & other_assignments[a]), default=None)
        if sums and owner and len(sums & other_assignments[owner]) > mine:
            submission.refusal = (f"{file_name} is a notebook of {owner}, not of {definition.name}; not graded: "
                                  f"please submit the {definition.name} notebook")
            return submission
        readable += 1
        repaired = repair_graded_cells(notebook, definition.grade_ids[file_name[: -len(".ipynb")]], file_name,
                                       submission.notes)
        if repaired:
            submission.files[file_name] = nbformat.writes(notebook).encode()
    if not readable:
        reasons = "; ".join(submission.notes) or f"no notebook submitted (expected {', '.join(expected)})"
        submission.refusal = f"{reasons}: not graded: please re-download the notebook from JupyterLab and submit it again"
        submission.notes = []
        return submission
    for file_name in unreadable:  # stock nbgrader would fail on it: grade the others, as if it were missing
        submission.files.pop(file_name)
        submission.notes.append(f"{file_name}'s cells score zero")
    return submission


def adopt_renamed_notebook(submission: Submission, expected: list[str]) -> None:
    """A single missing notebook and a single unexpected one (JupyterLab's "warmup (1).ipynb"): grade it as the
    expected one. Stock nbgrader skips unknown names, which for a one-notebook assignment means no grade at all."""
    missing = [name for name in expected if name not in submission.files]
    extra = [name for name in submission.files if name.endswith(".ipynb") and "/" not in name and name not in expected]
    if len(missing) == 1 and len(extra) == 1:
        submission.files[missing[0]] = submission.files.pop(extra[0])
        submission.notes.append(f"{extra[0]} was graded as {missing[0]} (notebooks must keep their released names)")


def repair_graded_cells(notebook, wanted: tuple[str, ...], file_name: str, notes: list[str]) -> bool:
    """Cells with an unknown grade id (renamed) or a repeated one lose their nbgrader marks, so they are graded as
    ordinary cells; nbgrader then restores missing graded cells from the release, as it does for deleted cells.
    (Stock nbgrader 0.9.6 fails on such notebooks with a KeyError in OverwriteCells when add_missing_cells is on.)"""
    seen, renamed, repeated = set(), [], []
    for cell in notebook.cells:
        marks = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = marks.get("grade_id")
        if not (marks.get("grade") or marks.get("solution") or marks.get("task") or marks.get("locked")):
            continue
        if grade_id in wanted and grade_id not in seen:
            seen.add(grade_id)
            continue
        (repeated if grade_id in seen else renamed).append(grade_id or "(no id)")
        del cell.metadata["nbgrader"]
    missing = [gid for gid in wanted if gid not in seen]
    if missing:
        notes.append(f"{file_name}: graded cells missing or renamed: {', '.join(missing)} "
                     f"(a missing test cell is restored from the release; a renamed answer runs as an ordinary cell)")
    if repeated:
        notes.append(f"{file_name}: cells appear more than once: {', '.join(dict.fromkeys(repeated))} "
                     f"(the first copy of each is graded)")
    return bool(renamed or repeated)
