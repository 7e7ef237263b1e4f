"""Regenerate the committed student-facing files from source/: release/ (stock nbgrader) and solutions/.

    python -m instructor_only.grading.build            # rewrite release/ and solutions/
    python -m instructor_only.grading.build --check    # exit 1 if either is out of date (what CI checks)

release/ is made by `nbgrader generate_assignment` in a temporary course, so the course's gradebook is untouched.
solutions/ is made here: stock `nbgrader generate_solution` keeps the hidden tests and the BEGIN/END markers and
executes the notebook, while students should get the model solutions only, without outputs.
"""
from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from instructor_only.grading import course, nbgrader_cli, rubrics

_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[^\n]*\n?", re.DOTALL)


def student_solution(nb):
    """The student-facing solution of an instructor notebook: solutions kept; hidden tests, rubrics, markers removed."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        source = rubrics.RUBRIC.sub("", _HIDDEN.sub("", cell.source))
        source = "\n".join(line for line in source.split("\n") if not _MARKER.match(line))
        cell.source = source.rstrip("\n")
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def generate_release(assignments: list[course.Assignment], out_root: Path) -> None:
    """`nbgrader generate_assignment` for each assignment; results copied to <out_root>/release/<name>/."""
    with tempfile.TemporaryDirectory(prefix="release-") as tmp:
        course_dir = nbgrader_cli.new_course(Path(tmp), assignments)
        for assignment in assignments:
            nbgrader_cli.run(["generate_assignment", assignment.name, "--force"], course_dir)
            target = out_root / course.RELEASE / assignment.name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(course_dir / course.RELEASE / assignment.name, target)


def generate_solutions(assignments: list[course.Assignment], out_root: Path) -> None:
    for assignment in assignments:
        target = out_root / course.SOLUTIONS / assignment.name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in assignment.notebooks:
            nb = nbformat.read(str(assignment.source_path(name)), as_version=4)
            nbformat.write(student_solution(nb), str(target / name))


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths whose notebooks differ (compared as parsed JSON) or exist on one side only."""
    files = lambda root: {p.relative_to(root) for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    out = []
    for rel in sorted(files(left) | files(right)):
        a, b = left / rel, right / rel
        if not (a.exists() and b.exists()):
            out.append(f"{rel} exists only in {'the generated copy' if a.exists() else 'the committed copy'}")
        elif rel.suffix == ".ipynb":
            if nbformat.reads(a.read_text(), 4) != nbformat.reads(b.read_text(), 4):
                out.append(f"{rel} differs")
        elif a.read_bytes() != b.read_bytes():
            out.append(f"{rel} differs")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if release/ or solutions/ is stale")
    args = parser.parse_args(argv)
    assignments = course.discover()
    if not args.check:
        generate_release(assignments, course.COURSE_ROOT)
        generate_solutions(assignments, course.COURSE_ROOT)
        print(f"release/ and solutions/ regenerated for {[a.name for a in assignments]}")
        return 0
    with tempfile.TemporaryDirectory(prefix="build-check-") as tmp:
        generate_release(assignments, Path(tmp))
        generate_solutions(assignments, Path(tmp))
        stale = [f"{kind}/{d}" for kind in (course.RELEASE, course.SOLUTIONS)
                 for d in differences(Path(tmp) / kind, course.COURSE_ROOT / kind)]
    for line in stale:
        print("stale:", line)
    print("release/ and solutions/ are in sync with source/" if not stale else
          f"run `{nbgrader_cli.command_line(course.COURSE_ROOT, 'python', '-m', 'instructor_only.grading.build')}` and "
          f"commit the result")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
