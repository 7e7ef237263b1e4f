"""Prove the hidden checks: grade the solution, the blank release and every catalogue entry, and print the verdict.

    python -m instructor_only.grading.catalogue_verdict               # all assignments, through real nbgrader
    python -m instructor_only.grading.catalogue_verdict --fast        # in-process, no nbgrader (seconds)
    python -m instructor_only.grading.catalogue_verdict --fast --hidden-only   # public asserts removed
    python -m instructor_only.grading.catalogue_verdict -a warmup_torch

End to end, each assignment gets a fresh temporary course: `nbgrader generate_assignment`, every submission placed
under submitted/, ONE `nbgrader autograde` run for all of them, scores read from the gradebook. Assignments are graded
in chunks, --workers chunks at a time. Exit status 1 if any row is not as expected.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from instructor_only.grading import course, inprocess, nbgrader_cli, notebooks
from instructor_only.grading.expectations import Verdict, judge
from instructor_only.grading.submissions import PlannedSubmission, autograded_tests, end_to_end_sample, plan


@dataclass(frozen=True)
class Row:
    submission: PlannedSubmission
    verdict: Verdict


def grade_end_to_end(assignment: course.Assignment, workdir: Path, config_lines: list[str] = (),
                     include=("solution", "blank", "bug", "alt"), only: set[str] | None = None,
                     extra: tuple[PlannedSubmission, ...] = ()) -> list[Row]:
    """Proving submissions of one assignment through real nbgrader, in a fresh course directory `workdir`.

    config_lines are appended to the course configuration; `only` restricts to these student ids; `extra`
    submissions (not in the plan, e.g. combined alternatives) are graded as they are.
    """
    course_dir = nbgrader_cli.new_course(workdir, [assignment], config_lines)
    nbgrader_cli.run(["generate_assignment", assignment.name], course_dir)
    planned = [s for s in plan(assignment, release_root=course_dir, include=include)
               if only is None or s.student_id in only] + list(extra)
    for submission in planned:
        nbgrader_cli.submit(course_dir, submission.student_id, assignment, submission.as_json())
    result = nbgrader_cli.run(["autograde", assignment.name], course_dir, check=False)
    scores = nbgrader_cli.scores(course_dir, assignment.name)
    rows = []
    for submission in planned:
        tests = autograded_tests(submission)
        earned = scores.get(submission.student_id, {})
        if submission.expectation.kind == "zero":
            passed = {t: earned[t][0] > 0 for t in tests if t in earned}
        else:
            passed = {t: earned[t][0] >= earned[t][1] for t in tests if t in earned}
        verdict = judge(submission.expectation, tests, passed)
        if verdict.status == "not graded":
            verdict = Verdict(False, "not graded", verdict.detail + f"; nbgrader said:\n{result.stderr[-2000:]}")
        rows.append(Row(submission, verdict))
    return rows


@dataclass(frozen=True)
class Chunk:
    """Up to chunk_size proving submissions of one assignment, graded together by one `nbgrader autograde` run."""
    assignment: course.Assignment
    index: int
    submissions: tuple[PlannedSubmission, ...]

    @property
    def name(self) -> str:
        return f"{self.assignment.name}-{self.index}"

    def grade(self, workdir: Path) -> list[Row]:
        combined = tuple(s for s in self.submissions if s.combines)
        return grade_end_to_end(self.assignment, workdir / self.name, extra=combined,
                                only={s.student_id for s in self.submissions if not s.combines})


def end_to_end_chunks(assignments: list[course.Assignment], chunk_size: int = 10, sample: bool = False) -> list[Chunk]:
    """Every assignment's proving submissions (or only `end_to_end_sample`'s), in plan order, cut into chunks; the
    slower framework's first."""
    chunks = []
    for assignment in assignments:
        planned = plan(assignment)
        chosen = end_to_end_sample(planned) if sample else planned
        chunks += [Chunk(assignment, k // chunk_size, tuple(chosen[k:k + chunk_size]))
                   for k in range(0, len(chosen), chunk_size)]
    return sorted(chunks, key=lambda chunk: chunk.assignment.framework != "tensorflow")


def grade_all_end_to_end(assignments: list[course.Assignment], workdir: Path, workers: int = 2,
                         chunk_size: int = 10) -> list[Row]:
    """Every proving submission of every assignment through real nbgrader, `workers` chunks at a time.

    Chunks keep the cores busy to the end, whereas one job per assignment would leave a core idle while the slowest
    assignment finishes.
    """
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        groups = pool.map(lambda chunk: chunk.grade(workdir), end_to_end_chunks(assignments, chunk_size))
        rows = [row for group in groups for row in group]
    return sorted(rows, key=lambda r: (r.submission.assignment.name, _plan_index(r.submission)))


def _plan_index(submission: PlannedSubmission) -> int:
    return [s.student_id for s in plan(submission.assignment)].index(submission.student_id)


def run_in_process(submission: PlannedSubmission, hidden_only: bool = False) -> tuple[Verdict, dict]:
    """(verdict, {test cell: (passed, output)}) of one proving submission, its cells run in this process (the test
    cells before a catalogue entry's answer cell are skipped: they run the solution's code, proven by its own row).

    hidden_only (for bugs): the verdict is whether the hidden checks of the bug's own target cells, alone, fail (each
    target cell gets a twin holding only its hidden tests, run right after it), so a bug must be caught by the
    hidden checks, not only by a public assert. Both verdicts come from one run: see `run_both`."""
    normal, hidden, outcome = run_both(submission)
    return (hidden if hidden_only else normal), outcome


def run_both(submission: PlannedSubmission) -> tuple[Verdict, Verdict | None, dict]:
    """(verdict, hidden-only verdict or None if not a bug, outcome) from one in-process run of the submission."""
    tests = autograded_tests(submission)
    targets = set(submission.expectation.targets)
    outcome = {}
    for nb in submission.notebooks.values():
        if submission.entry is not None and submission.entry.answer_cell in notebooks.answer_cells(nb):
            nb = notebooks.tests_before_skipped(nb, submission.entry.answer_cell)  # they run the solution's code
        if submission.kind == "bug":
            nb = notebooks.with_hidden_only_twins(nb, targets)
        outcome.update(inprocess.run_cells(nb))
    # For the blank release "passing" a cell means scoring on it, which is the same thing for all-or-nothing cells.
    normal = judge(submission.expectation, tests, {t: outcome[t][0] for t in tests if t in outcome})
    hidden = None
    if submission.kind == "bug":
        twins = {t: outcome[t + notebooks.HIDDEN_ONLY_SUFFIX][0] for t in targets
                 if t + notebooks.HIDDEN_ONLY_SUFFIX in outcome}
        hidden = judge(submission.expectation, sorted(targets), twins)
    return normal, hidden, outcome


def grade_in_process(assignment: course.Assignment, include=("solution", "blank", "bug", "alt"),
                     hidden_only: bool = False) -> list[Row]:
    """Every proving submission run in this process; hidden_only: the bugs only, each judged by the hidden checks
    of its own target cells (see run_in_process). The other cells' outcomes, the solution, the blank release and the
    alternatives are what the normal mode proves."""
    kinds = tuple(k for k in include if k == "bug" or not hidden_only)
    return [Row(submission, run_in_process(submission, hidden_only)[0])
            for submission in plan(assignment, include=kinds)]


def format_table(rows: list[Row]) -> str:
    header = ["assignment", "framework", "grade id", "kind", "entry", "verdict", "detail"]
    body = [[s.submission.assignment.name, s.submission.assignment.framework,
             s.submission.entry.answer_cell if s.submission.entry else ("all" if s.submission.combines else "-"),
             s.submission.kind,
             s.submission.entry.name if s.submission.entry else s.submission.student_id,
             s.verdict.status if s.verdict.ok else f"{s.verdict.status} (!)", s.verdict.detail.splitlines()[0] if s.verdict.detail else ""]
            for s in rows]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-a", "--assignment", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--fast", action="store_true", help="run the cells in-process instead of through nbgrader")
    parser.add_argument("--hidden-only", action="store_true",
                        help="with --fast: each bug judged by its target cells' hidden tests alone (public asserts removed)")
    parser.add_argument("--workers", type=int, default=2, help="nbgrader runs at a time (end to end)")
    parser.add_argument("--keep", metavar="DIR", help="grade under DIR and keep the temporary courses")
    args = parser.parse_args(argv)

    assignments = [a for a in course.discover() if not args.assignment or a.name in args.assignment]
    if args.assignment and len(assignments) != len(args.assignment):
        parser.error(f"unknown assignment; known: {[a.name for a in course.discover()]}")
    started = time.perf_counter()
    if args.hidden_only and not args.fast:
        parser.error("--hidden-only runs in-process: add --fast")
    if args.fast:
        rows = [row for a in assignments for row in grade_in_process(a, hidden_only=args.hidden_only)]
    else:
        with tempfile.TemporaryDirectory(prefix="catalogue-") as tmp:
            workdir = Path(args.keep) if args.keep else Path(tmp)
            rows = grade_all_end_to_end(assignments, workdir, workers=args.workers)
    print(format_table(rows))
    bad = [r for r in rows if not r.verdict.ok]
    print(f"\n{len(rows) - len(bad)} as expected, {len(bad)} not, in {time.perf_counter() - started:.0f} s "
          f"({'in-process' if args.fast else 'through nbgrader'}{', hidden checks only' if args.hidden_only else ''}).")
    for row in bad:
        print(f"\n{row.submission.label}: {row.verdict.status}: {row.verdict.detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
