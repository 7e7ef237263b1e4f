"""Feedback for a class with stock `nbgrader generate_feedback`, held back while written answers await grading.

nbgrader's feedback shows a written answer nobody has graded yet as "Score: 0.0 / 2.0", without saying that it is
not graded. So by default feedback is written only for the submissions the gradebook says need no more grading by
hand (nbgrader's `needs_manual_grade`); the others are counted, and the instructor is told where to grade them and
what to run next. The gradebook is the record: every run asks it again, so a held-back submission gets its feedback
from the first run (or `--feedback-only`) after its answers are graded in the formgrader. `now` (`--feedback-now`)
writes every submission's feedback at once, and counts those that show ungraded answers as 0.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory

from instructor_only.grading import nbgrader_cli
from instructor_only.grading.inert_text import printable

FORMGRADER_MENU = "Nbgrader -> Formgrader -> Manual Grading"


@dataclass
class Feedback:
    """What one assignment's feedback run did (student ids)."""
    assignment: str
    written: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)    # answers still to grade by hand: no feedback written
    held_back_with_older: list[str] = field(default_factory=list)  # held back, an earlier run's feedback still there
    shows_ungraded: list[str] = field(default_factory=list)  # written anyway (now=True): ungraded answers show 0
    problem: str = ""                                     # nbgrader's last line, printable (it may quote a student)


def manual_grading_pending(db_url: str, assignment: str) -> dict[str, bool]:
    """student -> whether their submission of `assignment` still has answers to grade by hand, for every submission
    the gradebook holds."""
    with Gradebook(db_url) as gradebook:
        try:
            submissions = gradebook.assignment_submissions(assignment)
        except MissingEntry:
            return {}
        return {submission.student_id: bool(submission.needs_manual_grade) for submission in submissions}


def write(coursedir: CourseDirectory, assignment: str, now: bool = False) -> Feedback:
    """Stock `nbgrader generate_feedback --force` for the assignment's graded submissions: all of them if `now`, else
    those with no answer left to grade by hand. Feedback an earlier run wrote is replaced, never removed."""
    pending = manual_grading_pending(coursedir.db_url, assignment)
    outcome = Feedback(assignment)
    outcome.held_back = [] if now else sorted(student for student, waits in pending.items() if waits)
    outcome.held_back_with_older = [student for student in outcome.held_back if Path(coursedir.format_path(
        coursedir.feedback_directory, student, assignment)).exists()]
    outcome.written = sorted(student for student in pending if student not in outcome.held_back)
    outcome.shows_ungraded = [student for student in outcome.written if pending[student]]
    if outcome.written:
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(outcome.held_back)}"] if outcome.held_back else []
        result = nbgrader_cli.run(["generate_feedback", assignment, "--force", *exclude], Path(coursedir.root),
                                  check=False)
        if result.returncode != 0:
            outcome.problem = printable((result.stderr.strip().splitlines() or ["(no message)"])[-1])
    return outcome


def describe(outcome: Feedback, course_dir: Path) -> list[str]:
    """What the instructor reads about one assignment's feedback, with the next step as commands to paste."""
    total = len(outcome.written) + len(outcome.held_back)
    if not total:
        return [f"{outcome.assignment}: no feedback to write (no graded submission in the gradebook)"]
    hub_command = os.environ.get("COURSE_GRADE_COMMAND")   # set by the course hub's `course-grade` (deploy/)
    if hub_command:
        # On the hub the instructor's own JupyterLab has the formgrader; classgrade runs through course-grade.
        grade_them = (f"grade them in the formgrader ({FORMGRADER_MENU}), then run `{hub_command} "
                      f"{outcome.assignment} --feedback-only`")
    else:
        again = nbgrader_cli.command_line(course_dir, "python", "-m", "instructor_only.grading.classgrade",
                                          outcome.assignment, "--feedback-only")
        lab = nbgrader_cli.command_line(course_dir, "jupyter", "lab",
                                        *(["--allow-root"] if os.geteuid() == 0 else []))
        grade_them = f"grade them in the formgrader (`{lab}`, then {FORMGRADER_MENU}), then run `{again}`"
    lines = []
    if outcome.shows_ungraded:
        lines.append(f"{outcome.assignment}: feedback written for all {total} submissions (--feedback-now); in "
                     f"{len(outcome.shows_ungraded)} of them the written answers are not graded yet and show 0 until "
                     f"they are: {grade_them}")
    elif outcome.written:
        lines.append(f"{outcome.assignment}: feedback written for {len(outcome.written)} of {total} submissions")
    if outcome.held_back:
        older = (f"; feedback/ still holds earlier feedback of {len(outcome.held_back_with_older)} of them, not "
                 f"replaced" if outcome.held_back_with_older else "")
        lines.append(f"{outcome.assignment}: feedback held back for {len(outcome.held_back)} of {total} submissions "
                     f"whose written answers are not graded yet: {grade_them} (or any later classgrade run){older}")
    if outcome.problem:
        lines.append(f"{outcome.assignment}: nbgrader generate_feedback reported a problem: {outcome.problem}")
    return lines
