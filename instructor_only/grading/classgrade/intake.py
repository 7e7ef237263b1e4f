"""Find the submissions of an assignment and say, in words a student understands, what is wrong with each.

Only what stock nbgrader cannot grade at all is refused (no readable notebook, or a notebook of another
assignment, which would otherwise be recorded as zeros under the wrong assignment). Everything else is graded
exactly as `nbgrader autograde` grades it, with a note: a missing notebook or missing graded cells score zero
(nbgrader restores deleted test cells from the release), a duplicated cell is graded once.
"""
from __future__ import annotations

import hashlib
from collections import Counter
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
    """What the gradebook knows of an assignment: notebook name -> grade ids of its graded cells."""
    name: str
    grade_ids: dict[str, tuple[str, ...]]
    manual_ids: frozenset[str] = frozenset()   # graded by hand (written answers)

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


def parse(content: bytes):
    """The notebook, or the reason it is not one."""
    if not content.strip():
        return None, "is an empty file"
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 -- any parse/validation failure means "not a notebook"
        first_line = (str(error).splitlines() or [""])[0][:120]
        return None, f"is not a readable notebook ({type(error).__name__}: {first_line})"
    return notebook, ""


def inspect(folder: Path, definition: AssignmentDefinition, other_assignments: dict[str, set[str]]) -> Submission:
    """Read one submission folder and diagnose it against the assignment's graded cells."""
    submission = Submission(folder.parent.name, folder, read_folder(folder))
    expected = [f"{name}.ipynb" for name in definition.grade_ids]
    submitted_notebooks = [name for name in submission.files if name.endswith(".ipynb") and "/" not in name]
    unreadable, readable = [], 0
    for file_name in expected:
        if file_name not in submission.files:
            extra = [n for n in submitted_notebooks if n not in expected]
            renamed = f" (found {', '.join(extra)}: notebooks must keep their released names)" if extra else ""
            submission.notes.append(f"{file_name} was not submitted{renamed}; its cells score zero")
            continue
        notebook, problem = parse(submission.files[file_name])
        if notebook is None:
            unreadable.append(f"{file_name} {problem}")
            continue
        readable += 1
        ids = grade_ids_of(notebook)
        wanted = definition.grade_ids[file_name[: -len(".ipynb")]]
        present = [gid for gid in ids if gid in wanted]
        if ids and not present:
            owner = next((a for a, other in other_assignments.items() if set(ids) & other), None)
            what = f"a notebook of {owner}" if owner else "a different notebook"
            submission.refusal = (f"{file_name} is {what}, not of {definition.name} (none of its graded cells "
                                  f"are this assignment's); not graded: please submit the {definition.name} notebook")
            return submission
        missing = [gid for gid in wanted if gid not in present]
        if missing:
            submission.notes.append(f"{file_name}: graded cells missing or renamed: {', '.join(missing)} "
                                    f"(tests are restored from the release; missing answers score zero)")
        repeated = [gid for gid, count in Counter(present).items() if count > 1]
        if repeated:
            submission.notes.append(f"{file_name}: cells appear more than once: {', '.join(repeated)} "
                                    f"(the first copy of each is graded)")
    if unreadable and not readable:
        submission.refusal = "; ".join(unreadable) + ": not graded: please re-download the notebook from JupyterLab and submit it again"
    elif unreadable:
        submission.notes.extend(f"{problem}; its cells score zero" for problem in unreadable)
        for problem in unreadable:  # stock nbgrader would fail on it: grade the others, as if it were missing
            submission.files.pop(problem.split(" ", 1)[0], None)
    elif not expected:
        submission.refusal = "the assignment has no notebooks in the gradebook"
    return submission
