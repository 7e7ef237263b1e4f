"""The instructor demo: build the releases, grade a small demo class with stock nbgrader, write feedback and a
grades CSV, and print a per-student summary.

    bash scripts/demo.sh                      # on the course itself
    bash scripts/demo.sh --course-dir DIR     # on another course directory (must hold nbgrader_config.py, source/)

The demo class, for every assignment: alice submits the solution, bob the blank release, carol and dave each carry
one catalogued bug, erin an alternative correct solution, and frank a notebook that is not valid JSON. Each
submission is checked and autograded on its own, so a broken one gets a clear message and never stops the others.
Only the demo students' folders are replaced; other students' submissions and grades are left alone.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from instructor_only.grading import course, nbgrader_cli, notebooks
from instructor_only.grading.submissions import plan

DEMO_STUDENTS = ("alice", "bob", "carol", "dave", "erin", "frank")


@dataclass
class Outcome:
    student: str
    assignment: str
    submitted: str                   # what the demo made this student submit
    score: float | None = None
    max_score: float = 0.0
    needs_manual: bool = False
    problems: list[str] = field(default_factory=list)


def demo_class(assignment: course.Assignment, root: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """student -> (description, {notebook file name: file content}) for one assignment."""
    planned = {p.student_id: p for p in plan(assignment, release_root=root, source_root=root)}
    bugs = [p for p in planned.values() if p.kind == "bug"]
    alts = [p for p in planned.values() if p.kind == "alt"]
    chosen = {"alice": planned["solution"], "bob": planned["blank"]}
    if bugs:
        chosen["carol"] = bugs[0]
        chosen["dave"] = next((b for b in bugs if b.entry.answer_cell != bugs[0].entry.answer_cell), bugs[-1])
    if alts:
        chosen["erin"] = alts[0]
    out = {}
    for student, p in chosen.items():
        what = f"{p.kind}: {p.entry.answer_cell}/{p.entry.name}" if p.entry else p.kind
        out[student] = (what, p.as_json())
    blank = planned["blank"].as_json()
    out["frank"] = ("a notebook cut off mid-file (invalid JSON)", {n: text[: len(text) // 2] for n, text in blank.items()})
    return out


def unreadable(folder: Path, assignment: course.Assignment) -> list[str]:
    """Problems that stop a submission from being graded at all, in words a student understands."""
    problems = []
    for name in assignment.notebooks:
        path = folder / name
        if not path.exists():
            problems.append(f"{name} is missing from the submission")
            continue
        try:
            nbformat.validate(nbformat.read(str(path), as_version=4))
        except Exception as error:  # noqa: BLE001 -- any parse/validation failure means "cannot grade"
            problems.append(f"{name} is not a readable notebook ({type(error).__name__}: {str(error).splitlines()[0][:120]}); "
                            f"not graded: please re-download the notebook from JupyterLab and submit it again")
    return problems


def read_scores(course_dir: Path, outcomes: list[Outcome], assignments: list[course.Assignment]) -> None:
    tests = {a.name: {t.grade_id for n in a.notebooks for t in notebooks.autograded_tests(
        notebooks.read(a.source_path(n, course_dir)))} for a in assignments}
    all_scores = {a.name: nbgrader_cli.scores(course_dir, a.name) for a in assignments}
    for o in outcomes:
        cells = all_scores[o.assignment].get(o.student)
        if cells is None or o.problems:
            continue
        o.score = sum(score for gid, (score, _) in cells.items() if gid in tests[o.assignment])
        o.max_score = sum(mx for gid, (_, mx) in cells.items() if gid in tests[o.assignment])
        o.needs_manual = any(gid not in tests[o.assignment] for gid in cells)


def print_summary(outcomes: list[Outcome]) -> None:
    print(f"\n{'student':8s} {'assignment':18s} {'autograded':>10s}  {'submitted':48s} notes")
    for o in outcomes:
        score = "-" if o.score is None else f"{o.score:g}/{o.max_score:g}"
        notes = "; ".join(o.problems) or ("+ written answers, to grade by hand in formgrader" if o.needs_manual else "")
        print(f"{o.student:8s} {o.assignment:18s} {score:>10s}  {o.submitted[:48]:48s} {notes}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course-dir", type=Path, default=course.COURSE_ROOT, help="course directory (default: this repo)")
    parser.add_argument("-a", "--assignment", action="append", help="only this assignment (repeatable; default: all)")
    args = parser.parse_args(argv)
    root = args.course_dir.resolve()
    started = time.perf_counter()
    assignments = [a for a in course.discover(root) if not args.assignment or a.name in args.assignment]
    if not assignments:
        parser.error(f"no such assignment; known: {[a.name for a in course.discover(root)]}")

    print(f"[1/5] building releases for {[a.name for a in assignments]}")
    for a in assignments:
        nbgrader_cli.run(["generate_assignment", a.name, "--force"], root)

    print("[2/5] creating the demo class under submitted/")
    outcomes: list[Outcome] = []
    for a in assignments:
        for student, (what, files) in demo_class(a, root).items():
            for area in ("submitted", "autograded", "feedback"):
                shutil.rmtree(root / area / student / a.name, ignore_errors=True)
            nbgrader_cli.submit(root, student, a, files)
            outcomes.append(Outcome(student, a.name, what))

    print("[3/5] autograding each submission (stock `nbgrader autograde`, one student at a time)")
    for o in outcomes:
        assignment = course.get(o.assignment, root)
        o.problems = unreadable(root / "submitted" / o.student / o.assignment, assignment)
        if o.problems:
            print(f"  {o.student}/{o.assignment}: NOT GRADED: {'; '.join(o.problems)}")
            continue
        result = nbgrader_cli.run(["autograde", o.assignment, "--student", o.student, "--force"], root, check=False)
        if result.returncode != 0:
            errors = [l.strip() for l in result.stderr.splitlines() if "Error" in l and "AutogradeApp" not in l]
            o.problems.append("autograding failed: " + (errors or ["see nbgrader's log"])[-1][:200])
            print(f"  {o.student}/{o.assignment}: {o.problems[-1]}")
        else:
            print(f"  {o.student}/{o.assignment}: graded")

    print("[4/5] generating feedback")
    for a in assignments:
        result = nbgrader_cli.run(["generate_feedback", a.name, "--force"], root, check=False)
        if result.returncode != 0:
            print(f"  feedback for {a.name} reported a problem: {result.stderr.strip().splitlines()[-1:]}")
    print("[5/5] exporting grades.csv")
    nbgrader_cli.run(["export", "--to", "grades.csv", *[f"--assignment={a.name}" for a in assignments]], root)

    read_scores(root, outcomes, assignments)
    print_summary(outcomes)
    with open(root / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    print(f"\ngrades.csv: {len(rows)} rows; feedback under feedback/<student>/<assignment>/; "
          f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
