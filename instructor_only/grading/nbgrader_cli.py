"""Drive the real `nbgrader` commands on a course directory and read its gradebook."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from instructor_only.grading.course import COURSE_ROOT, SOURCE, Assignment


def environment() -> dict:
    """The environment for nbgrader: this interpreter's bin/ first on PATH (nbgrader runs `alembic` from PATH)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def command_line(course_dir: Path, program: str, *args: str) -> str:
    """How an instructor types `program` (nbgrader, python, jupyter: from this interpreter's environment, which need
    not be activated) with `args` in course_dir, from the current directory: hints must work when pasted."""
    executable, here = Path(sys.executable).parent / program, Path.cwd()
    if Path(course_dir).resolve() != here.resolve():
        return f"cd {shlex.quote(str(course_dir))} && {shlex.join([str(executable), *args])}"
    shown = os.path.relpath(executable) if executable.is_relative_to(here) else str(executable)
    return shlex.join([shown, *args])


def run(args: list[str], course_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    """`nbgrader <args>` in course_dir; raises with nbgrader's log if check and it fails."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=environment(),
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed with exit code {result.returncode}:\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def classgrade(course_dir: Path, assignments: list[str], *options: str) -> subprocess.CompletedProcess:
    """`python -m instructor_only.grading.classgrade ASSIGNMENTS --course-dir course_dir --quiet OPTIONS`, as an
    instructor runs it (its own process); the caller checks the exit code and reads stdout/stderr."""
    return subprocess.run([sys.executable, "-m", "instructor_only.grading.classgrade", *assignments,
                           "--course-dir", str(course_dir), "--quiet", *options],
                          capture_output=True, text=True, env=environment())


def new_course(course_dir: Path, assignments: list[Assignment], config_lines: list[str] = ()) -> Path:
    """A fresh course directory holding the course's nbgrader_config.py and the sources of `assignments`.

    config_lines are appended to the copied configuration (for tests that change one setting).
    """
    course_dir.mkdir(parents=True, exist_ok=True)
    config = (COURSE_ROOT / "nbgrader_config.py").read_text()
    (course_dir / "nbgrader_config.py").write_text(config + "".join(f"\n{line}" for line in config_lines) + "\n")
    for assignment in assignments:
        shutil.copytree(COURSE_ROOT / SOURCE / assignment.name, course_dir / SOURCE / assignment.name)
    return course_dir


def submit(course_dir: Path, student_id: str, assignment: Assignment, notebooks: dict[str, str | bytes]) -> None:
    """Place a student's notebooks (file name -> JSON text) where `nbgrader autograde` looks for them."""
    folder = course_dir / "submitted" / student_id / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in notebooks.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def scores(course_dir: Path, assignment: str, db_url: str | None = None) -> dict[str, dict[str, tuple[float, float]]]:
    """student id -> {grade id -> (score, max score)} for every graded cell of every autograded submission."""
    db_url = db_url or f"sqlite:///{course_dir / 'gradebook.db'}"
    out: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(db_url) as gradebook:
        for student in gradebook.students:
            try:
                submission = gradebook.find_submission(assignment, student.id)
            except MissingEntry:
                continue
            cells = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells[grade.name] = (float(grade.score or 0.0), float(grade.max_score))
            out[student.id] = cells
    return out
