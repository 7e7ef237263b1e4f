"""The instructor demo: build the releases, grade a small demo class with stock nbgrader, write feedback and a
grades CSV, and print a per-student summary.

    bash scripts/demo.sh                      # on the course itself
    bash scripts/demo.sh --course-dir DIR     # on another course directory (must hold nbgrader_config.py, source/)

The demo class, for every assignment: alice submits the solution, bob the blank release, carol and dave each carry
one catalogued bug, erin an alternative correct solution, and frank a notebook that is not valid JSON. Each
submission is graded by the class-grading command (classgrade: stock nbgrader autograde per submission, in
parallel), so a broken one gets a clear message and never stops the others.
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

from instructor_only.grading import course, nbgrader_cli, notebooks
from instructor_only.grading.classgrade import cli as classgrade_cli, state
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


def classgrade_summary(root: Path, assignment: str) -> dict[str, dict]:
    with open(root / state.STATE_DIR / assignment / "summary.csv") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


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

    print(f"[1/3] building releases for {[a.name for a in assignments]}")
    for a in assignments:
        nbgrader_cli.run(["generate_assignment", a.name, "--force"], root)

    print("[2/3] creating the demo class under submitted/")
    outcomes: list[Outcome] = []
    for a in assignments:
        for student, (what, files) in demo_class(a, root).items():
            for area in ("submitted", "autograded", "feedback"):
                shutil.rmtree(root / area / student / a.name, ignore_errors=True)
            nbgrader_cli.submit(root, student, a, files)
            outcomes.append(Outcome(student, a.name, what))

    print("[3/3] grading the demo class in parallel with `python -m instructor_only.grading.classgrade`, which also "
          "writes feedback and grades.csv with stock nbgrader. With --feedback-now: nobody grades the demo's written "
          "answers by hand, so their feedback shows them as 0 (in a real class, classgrade holds such feedback back "
          "until they are graded in the formgrader)")
    demo_students = [arg for student in DEMO_STUDENTS for arg in ("--student", student)]
    code = classgrade_cli.main([*[a.name for a in assignments], "--course-dir", str(root), "--force", "--feedback-now",
                                "--fingerprint-seconds", "60", *demo_students])  # (a first run: name what it can)
    if code != 0:
        return code
    for o in outcomes:
        summary = classgrade_summary(root, o.assignment).get(o.student, {})
        if summary.get("status") == "NOT GRADED":
            o.problems.append(summary.get("notes", ""))

    read_scores(root, outcomes, assignments)
    print_summary(outcomes)
    with open(root / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    print(f"\ngrades.csv: {len(rows)} rows; feedback under feedback/<student>/<assignment>/; "
          f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
