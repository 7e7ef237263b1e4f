"""Benchmark: what the coordinator spends recording one graded submission in the course gradebook.

    .venv/bin/python benchmarks/gradebook_recording.py COURSE_DIR ASSIGNMENT [ASSIGNMENT ...]

COURSE_DIR is a course that classgrade graded already (e.g. a mode's folder of `class_grading.py --workdir`): its
autograded/ notebooks are the workers' results. A copy of the course records each of them again, as classgrade's
coordinator does for every result (`gradebook_writer.record`, then the scores it reads back), one after the other,
and prints the CPU-seconds and wall seconds per submission. That is the *r* of the cost model (docs/GRADING.md): one
coordinator records every result of a run, so N submissions take at least N·r, however many machines grade them.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from instructor_only.grading.classgrade import gradebook_writer  # noqa: E402
from instructor_only.grading.classgrade.jobs import GradingResult  # noqa: E402


def results(course_dir: Path, assignment: str) -> list[GradingResult]:
    """What the workers returned for `assignment`: each student's autograded files."""
    found = []
    for student_dir in sorted((course_dir / "autograded").iterdir()):
        folder = student_dir / assignment
        if folder.is_dir():
            files = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
            found.append(GradingResult(assignment, student_dir.name, True, files, {}, [], "", "benchmark"))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course_dir", type=Path, help="a course classgrade has graded")
    parser.add_argument("assignments", nargs="+")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gradebook-recording-") as scratch:
        course_dir = Path(scratch) / "course"
        shutil.copytree(args.course_dir, course_dir)
        config = gradebook_writer.load_config(course_dir)
        db_url = gradebook_writer.CourseDirectory(config=config).db_url
        total_cpu = total_wall = 0.0
        count = 0
        for assignment in args.assignments:
            _, definition = gradebook_writer.assignment_template(course_dir, assignment, db_url)
            graded = results(course_dir, assignment)
            if not graded:
                print(f"{assignment}: nothing autograded in {args.course_dir}", file=sys.stderr)
                return 2
            wall, cpu = time.perf_counter(), time.process_time()
            for result in graded:
                gradebook_writer.record(result, config, definition)
                gradebook_writer.recorded_scores(db_url, assignment, result.student)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"{assignment}: {len(graded)} submissions, {cpu / len(graded):.3f} CPU-s and "
                  f"{wall / len(graded):.3f} s each")
            total_cpu, total_wall, count = total_cpu + cpu, total_wall + wall, count + len(graded)
        print(f"all: {count} submissions, r = {total_cpu / count:.3f} CPU-s ({total_wall / count:.3f} s) each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
