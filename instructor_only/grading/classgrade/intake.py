"""Find the submissions of an assignment and say, in words a student understands, what is wrong with each.

Refused, with a reason: a submission with no readable notebook, and a notebook of another assignment (recognised
by the checksums nbgrader stores in its cells; the torch and TensorFlow tracks share grade ids), which would
otherwise be recorded as zeros under the wrong assignment. Everything else is graded as `nbgrader autograde` grades
it, with a note: a missing notebook or missing graded cells score zero (nbgrader restores deleted cells from the
release). Two repairs make gradable what stock nbgrader fails on: a renamed or repeated grade id loses its nbgrader
marks and runs as an ordinary cell (the first copy of a repeated cell is graded; missing test cells are restored), and a single notebook saved under another name
is graded under its released name. The files in submitted/ are never changed.

Only regular files are read: the grader runs as root, and a symbolic link in a submission (`notes.txt` -> the
instructor's source notebook) would otherwise copy its target into the student's kernel. Links, named pipes, sockets
and devices are skipped without being opened, and the summary says so.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
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


NOT_READ = {".ipynb_checkpoints", "__pycache__"}   # left out of a submission, silently
MAX_DEPTH = 32                                     # folders in folders: deeper ones are skipped (one open fd each)
# O_NOFOLLOW: a symbolic link swapped in after the check is refused (ELOOP), not followed; O_NONBLOCK: a named pipe
# swapped in does not block the open, and fails the check that follows it.
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
# A submission's files are read whole and travel to a worker, into the autograded notebook and the feedback: a 300 MB
# notebook (a blind attack round) held 1.8 GB in the coordinator and again in a worker. A course's notebook with its
# outputs is well under 1 MB.
FILE_MB, SUBMISSION_MB = 20, 50
KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket",
         stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}


def read_folder(folder: Path, skipped: list[str] | None = None) -> dict[str, bytes]:
    """Every regular file under `folder` (relative path -> content; checkpoints and caches left out), reached through
    real folders only. Anything else (a symbolic link to a file or a folder, a named pipe, a socket, a device) is
    neither followed nor opened; each one is added to `skipped`, if given, as "name (what it is)".

    Path.rglob and os.walk follow links to files, and os.fwalk opens folders without O_NOFOLLOW (a named pipe swapped
    in for a folder would block it): hence this walk, every open relative to an open folder."""
    skipped = [] if skipped is None else skipped
    files: dict[str, bytes] = {}
    try:
        top = os.open(folder, FOLDER_FLAGS)
    except OSError as error:
        skipped.append(f"{folder.name}/ ({refusal(error, folder)})")
        return files
    try:
        read_into(files, skipped, top, "", budget=[SUBMISSION_MB * 2**20])
    finally:
        os.close(top)
    return dict(sorted(files.items()))


def read_into(files: dict[str, bytes], skipped: list[str], folder_fd: int, prefix: str, depth: int = 0,
              budget: list[int] | None = None) -> None:
    """read_folder's walk of one open folder (`prefix`: its path in the submission, "" or ending in "/"; `budget`:
    the bytes the submission may still read, a file over FILE_MB or over the budget is skipped)."""
    budget = [SUBMISSION_MB * 2**20] if budget is None else budget
    with os.scandir(folder_fd) as entries:
        names = sorted(entry.name for entry in entries if entry.name not in NOT_READ)
    for name in names:
        try:
            status = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            kind = stat.S_IFMT(status.st_mode)
            if kind == stat.S_IFDIR and depth == MAX_DEPTH:
                skipped.append(f"{prefix}{name}/ (a folder nested more than {MAX_DEPTH} deep)")
            elif kind == stat.S_IFDIR:
                inner = os.open(name, FOLDER_FLAGS, dir_fd=folder_fd)
                try:
                    read_into(files, skipped, inner, f"{prefix}{name}/", depth + 1, budget)
                finally:
                    os.close(inner)
            elif kind == stat.S_IFREG and status.st_size > min(FILE_MB * 2**20, budget[0]):
                skipped.append(f"{prefix}{name} ({too_large(status.st_size, budget[0])})")
            elif kind == stat.S_IFREG:
                files[prefix + name] = read_regular_file(name, folder_fd, min(FILE_MB * 2**20, budget[0]))
                budget[0] -= len(files[prefix + name])
            else:
                skipped.append(f"{prefix}{name} ({KINDS.get(kind, 'not a regular file')})")
        except FileNotFoundError:
            continue                                       # gone since the folder was listed
        except OSError as error:
            skipped.append(f"{prefix}{name} ({refusal(error, name, folder_fd)})")


def read_regular_file(name: str, folder_fd: int, most: int | None = None) -> bytes:
    """The content of `name` in the open folder, if it is still a regular file once open and holds at most `most`
    bytes (FILE_MB by default; OSError otherwise)."""
    most = FILE_MB * 2**20 if most is None else most
    fd = os.open(name, FILE_FLAGS, dir_fd=folder_fd)
    try:
        kind = stat.S_IFMT(os.fstat(fd).st_mode)
        if kind != stat.S_IFREG:                           # swapped in since the check
            raise OSError(KINDS.get(kind, "not a regular file"))
        with open(fd, "rb", closefd=False) as handle:
            content = handle.read(most + 1)
        if len(content) > most:                            # grew since the check
            raise OSError(too_large(len(content), most))
        return content
    finally:
        os.close(fd)


def too_large(size: int, budget: int) -> str:
    if size > FILE_MB * 2**20:
        return f"{size / 2**20:,.0f} MB: larger than the {FILE_MB} MB a file may have"
    return f"{size / 2**20:,.1f} MB: past the {SUBMISSION_MB} MB a submission may have"


def refusal(error: OSError, name, folder_fd: int | None = None) -> str:
    """What a skipped entry is, from the error that refused it (ELOOP, ENOTDIR: O_NOFOLLOW or O_DIRECTORY met
    something else than what it opens: say what, without following it)."""
    if error.errno not in (errno.ELOOP, errno.ENOTDIR):
        return error.strerror or str(error)
    try:
        kind = stat.S_IFMT(os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode)
    except OSError:
        return "gone"
    return KINDS.get(kind, "not a regular file")


def skipped_note(skipped: list[str]) -> str:
    """The summary's note on what read_folder skipped: "skipped 1 file that is not a regular file: notes.txt (a
    symbolic link)", "skipped 1 file: big.csv (31 MB: larger than the 20 MB a file may have)"."""
    special = not any(" MB: " in entry for entry in skipped)  # (each entry says why)
    if len(skipped) == 1:
        return f"skipped 1 file{' that is not a regular file' if special else ''}: {skipped[0]}"
    return f"skipped {len(skipped)} files{' that are not regular files' if special else ''}: {', '.join(skipped)}"


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
    skipped: list[str] = []
    submission = Submission(folder.parent.name, folder, read_folder(folder, skipped))
    if skipped:
        submission.notes.append(skipped_note(skipped))
    expected = [f"{name}.ipynb" for name in definition.grade_ids]
    if not expected:
        submission.refusal = "the assignment has no notebooks in the gradebook"
        return submission
    adopt_renamed_notebook(submission, expected)
    unreadable, readable = [], 0
    for file_name in expected:
        oversized = next((entry for entry in skipped if entry.startswith(f"{file_name} (") and " MB: " in entry), "")
        if oversized:  # (not a zero: nothing of it was read)
            submission.refusal = (f"{oversized}: not graded: please clear large outputs (Edit -> Clear Outputs of "
                                  f"All Cells), save and submit again")
            return submission
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
