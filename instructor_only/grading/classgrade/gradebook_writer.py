"""The coordinator's side of grading: the assignment's definition for workers, and the ONE writer of the course
gradebook and of autograded/.

Workers grade in private scratch courses and return the autograded notebooks. `record` then does what
`nbgrader autograde` does to the course gradebook: create or update the student and the submission (with the
submitted timestamp), run stock SaveAutoGrades and AssignLatePenalties on each autograded notebook, and give zero
to notebooks that were not submitted. The scores are therefore nbgrader's own, computed from the same executed
notebooks. Only this process writes, one submission after the other, and only complete results reach it: a worker
that dies mid-submission writes nothing. Works with any `db_url` nbgrader supports (SQLite, PostgreSQL).
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

from instructor_only.grading import nbgrader_cli
from instructor_only.grading.classgrade.course_api import CONFIG_FILE, nbgrader_api, read_config
from instructor_only.grading.classgrade.intake import AssignmentDefinition
from instructor_only.grading.classgrade.jobs import GradingResult

class CourseSetupError(RuntimeError):
    """The course is not ready to grade this assignment (said in words an instructor can act on)."""


def load_config(course_dir: Path):
    if not (course_dir / CONFIG_FILE).exists():
        raise CourseSetupError(f"{course_dir} has no {CONFIG_FILE}: run the command from the course directory "
                               f"or pass --course-dir")
    config = read_config(course_dir)
    config.CourseDirectory.root = str(course_dir)
    return config


def definition_signature(db_url: str, assignment: str) -> dict:
    """notebook -> sorted graded and source cells (name, points, type / checksum): what grading depends on."""
    with Gradebook(db_url) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            return {}
        return {nb.name: {"grade": sorted((c.name, float(c.max_score), c.cell_type) for c in nb.grade_cells),
                          "source": sorted((c.name, c.checksum or "") for c in nb.source_cells)}
                for nb in found.notebooks}


def assignment_template(course_dir: Path, assignment: str, course_db_url: str) -> tuple[bytes, AssignmentDefinition]:
    """A SQLite gradebook holding only `assignment`'s definition, built by stock `nbgrader generate_assignment` from
    source/, and checked against the course gradebook so workers grade exactly what the course gradebook expects."""
    if not (course_dir / "source" / assignment).is_dir():
        raise CourseSetupError(f"no source/{assignment} in {course_dir}")
    course_signature = definition_signature(course_db_url, assignment)
    if not course_signature:
        raise CourseSetupError(f"the gradebook has no assignment {assignment!r}: run "
                               f"`{generate(course_dir, assignment)}` first")
    with tempfile.TemporaryDirectory(prefix="classgrade-template-") as scratch:
        root = Path(scratch)
        template_url = f"sqlite:///{root / 'gradebook.db'}"
        config = (course_dir / CONFIG_FILE).read_text()
        (root / CONFIG_FILE).write_text(config + f"\nc.CourseDirectory.root = {str(root)!r}\n"
                                                 f"c.CourseDirectory.db_url = {template_url!r}\n")
        shutil.copytree(course_dir / "source" / assignment, root / "source" / assignment)
        stamped_gradebook(root / "gradebook.db")
        generate_in_process(root, assignment)
        if definition_signature(template_url, assignment) != course_signature:
            raise CourseSetupError(f"source/{assignment} changed since the gradebook's copy was made: run "
                                   f"`{generate(course_dir, assignment)}` (and release again) first")
        with Gradebook(template_url) as gradebook:
            notebooks = gradebook.find_assignment(assignment).notebooks
            definition = AssignmentDefinition(
                assignment, {nb.name: tuple(dict.fromkeys([c.name for c in nb.grade_cells]
                                                          + [c.name for c in nb.solution_cells])) for nb in notebooks},
                frozenset(c.name for nb in notebooks for c in nb.grade_cells if c.cell_type == "markdown"),
                frozenset(c.checksum for nb in notebooks for c in nb.source_cells if c.checksum))
        return (root / "gradebook.db").read_bytes(), definition


def generate(course_dir: Path, assignment: str) -> str:
    """The command that records `assignment` in the course gradebook: stock generate_assignment, with --force because
    release/ is committed (without it nbgrader sees release/<assignment>/, skips it and records nothing)."""
    return nbgrader_cli.command_line(course_dir, "nbgrader", "generate_assignment", assignment, "--force")


def stamped_gradebook(path: Path) -> None:
    """An empty SQLite file stamped with nbgrader's schema version, as nbgrader stamps a new gradebook.

    nbgrader finds the version by running `alembic heads` in a subprocess (3.3 s here, most of the time it takes
    to build the template); alembic's Python API reads the same head from nbgrader's migration scripts in-process.
    nbgrader then creates its tables in this file as usual.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR
    alembic_config = Config()
    alembic_config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(alembic_config).get_current_head()
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))
    connection.close()


def generate_in_process(root: Path, assignment: str) -> None:
    """Stock `nbgrader generate_assignment` through its Python API (no new interpreter to start)."""
    outcome = nbgrader_api(root).generate_assignment(assignment, force=True, create=True)
    if not outcome.get("success"):
        raise CourseSetupError(f"nbgrader generate_assignment {assignment} failed in a scratch copy of the course: "
                               + " ".join((outcome.get("error") or outcome.get("log") or "").strip().splitlines()[-3:]))


def other_assignments(db_url: str, but: str) -> dict[str, set[str]]:
    """Cell checksums of the gradebook's other assignments (to recognise a notebook submitted to the wrong one)."""
    with Gradebook(db_url) as gradebook:
        return {a.name: {c.checksum for nb in a.notebooks for c in nb.source_cells if c.checksum}
                for a in gradebook.assignments if a.name != but}


def replace_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write files to a sibling folder, then swap it in: autograded/ never holds half a submission."""
    incoming = target.with_name(f".{target.name}.incoming")
    old = target.with_name(f".{target.name}.old")
    for stale in (incoming, old):
        shutil.rmtree(stale, ignore_errors=True)
    for relative, content in files.items():
        path = incoming / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    if target.exists():
        target.rename(old)
    incoming.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def record(result: GradingResult, config, definition: AssignmentDefinition) -> None:
    """Write a worker's result to the course gradebook and autograded/, as `nbgrader autograde` would."""
    coursedir = CourseDirectory(config=config)
    assignment, student = result.assignment, result.student
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    timestamp = coursedir.get_existing_timestamp(str(submitted))
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        gradebook.update_or_create_student(student)
        if timestamp:
            gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gradebook.update_or_create_submission(assignment, student)
    replace_folder(Path(coursedir.format_path(coursedir.autograded_directory, student, assignment)),
                   result.autograded_files)
    resources = {"nbgrader": {"db_url": coursedir.db_url, "assignment": assignment, "student": student}}
    for notebook_id in definition.grade_ids:
        content = result.autograded_files.get(f"{notebook_id}.ipynb")
        if content is None:
            zero_missing_notebook(coursedir, notebook_id, assignment, student)
            continue
        notebook = nbformat.reads(content.decode(), as_version=nbformat.NO_CONVERT)
        resources["nbgrader"]["notebook"] = notebook_id
        for preprocessor in (SaveAutoGrades(config=config), AssignLatePenalties(config=config)):
            notebook, _ = preprocessor.preprocess(notebook, resources)


def recorded_scores(db_url: str, assignment: str, student: str) -> dict[str, tuple[float, float]]:
    """grade id -> (autograded score, max score) as a gradebook holds them ({} if not graded): the course's, or a
    worker's private one."""
    with Gradebook(db_url) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return {}
        return {g.name: (float(g.auto_score or 0.0), float(g.max_score))
                for nb in submission.notebooks for g in nb.grades}


def zero_missing_notebook(coursedir: CourseDirectory, notebook_id: str, assignment: str, student: str) -> None:
    """What stock autograde does for a notebook that was not submitted."""
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        submission = gradebook.find_submission_notebook(notebook_id, assignment, student)
        for grade in submission.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gradebook.db.commit()
