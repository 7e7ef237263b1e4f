"""What the solution and each catalogue entry of an assignment compute under the hidden checks: their fingerprints.

    python -m instructor_only.grading.diagnosis.fingerprints warmup_torch [--out FILE]

Each entry's notebook (the solution with one answer cell replaced) runs in this process as a kernel would run it
(`inprocess`); at each graded test cell after the entry's answer cell, the cell's own code runs and then its hidden
checks, with a `behaviour.Recording` on the link, whether the cell's public asserts passed or not (a student whose
public checks fail is diagnosed too). The run stops after the entry's last target cell.

The fingerprints depend on the course's code and on the framework's version (its numbers): `cached` keeps them in a
file keyed by both (`cache_key.code_digest`) and computes them again when either changed; the file also says which
test cells it holds every entry of (`complete_cells`), so a later run can take them without this module.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

from instructor_only.checks import behaviour, remote
from instructor_only.checks.runner import check_report
from instructor_only.grading import course, inprocess, notebooks
from instructor_only.grading.classgrade.trusted_checks import hidden_call
from instructor_only.grading.diagnosis import cache_key
from instructor_only.grading.submissions import plan


def record(nb, test_cells: set[str]) -> dict[str, dict]:
    """{test cell grade id: recording} of `nb`'s hidden checks at `test_cells`, its cells run in this process up to
    the last of them (NBGRADER_EXECUTION set, as the autograder sets it: the notebooks shrink their experiments)."""
    with inprocess.as_autograder():
        return _record(nb, set(test_cells))


def _record(nb, wanted: set[str]) -> dict[str, dict]:
    namespace, history = inprocess.fresh_namespace()
    recordings: dict[str, dict] = {}
    for cell in nb.cells:
        if not wanted - set(recordings):
            break
        if cell.cell_type != "code":
            continue
        grade_id = notebooks.grade_meta(cell).get("grade_id")
        call = hidden_call(cell.source) if grade_id in wanted else None
        source = call.kernel_source if call else cell.source
        history.append(source)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(compile(source, f"<cell {grade_id or '?'}>", "exec"), namespace)
            except Exception:  # noqa: BLE001 -- a mistake's cell may raise: its checks are recorded all the same
                pass
            if call is not None:
                link = remote.InProcessLink(namespace)
                link.recording = behaviour.Recording()
                report = check_report(call.concept, call.grade_id, call.framework, link)
                recordings[grade_id] = {"passed": report.ok, "checks": link.recording.as_dict()}
    return recordings


def compute(assignment: course.Assignment, cells: set[str] | None = None, seconds: float | None = None,
            known: dict | None = None) -> dict:
    """{"solution": {cell: recording}, "entries": [{name, kind, answer_cell, description, targets, cells}],
    "complete": bool, "complete_cells": [test cells whose every entry is here]}: only the entries that target one of
    `cells` (test cell grade ids), if given; those in `known` (fingerprints computed before, of the same course code)
    are reused; after `seconds`, no more are computed ("complete" false: a later run goes on where this one
    stopped)."""
    deadline = time.monotonic() + seconds if seconds is not None else None
    planned = plan(assignment, include=("solution", "bug", "alt"))
    solution = next(s for s in planned if s.kind == "solution")
    tests_after = {}
    for nb in solution.notebooks.values():
        tests_after.update(notebooks.tests_of_answers(nb))
    every_test = {t for tests in tests_after.values() for t in tests}
    cells_wanted = set(cells) if cells is not None else None
    known = known or {}
    result = {"solution": dict(known.get("solution", {})), "entries": [], "complete": True}
    if not every_test <= set(result["solution"]):
        for nb in solution.notebooks.values():
            result["solution"].update(record(nb, every_test))
    reusable = {(e["kind"], e["answer_cell"], e["name"]): e for e in known.get("entries", [])}
    for submission in planned:
        if submission.entry is None:
            continue
        entry = submission.entry
        targets = set(submission.expectation.targets) or set(tests_after.get(entry.answer_cell, ()))
        if cells_wanted is not None and not targets & cells_wanted:
            continue
        if (entry.kind, entry.answer_cell, entry.name) in reusable:
            result["entries"].append(reusable[(entry.kind, entry.answer_cell, entry.name)])
            continue
        if deadline is not None and time.monotonic() > deadline:
            result["complete"] = False
            continue
        cells = {}
        for nb in submission.notebooks.values():
            if entry.answer_cell in notebooks.answer_cells(nb):
                cells = record(nb, targets)
        result["entries"].append({"name": entry.name, "kind": entry.kind, "answer_cell": entry.answer_cell,
                                  "description": entry.description, "targets": sorted(targets), "cells": cells})
    # entries of other cells computed before stay in the cache
    wanted = {(e["kind"], e["answer_cell"], e["name"]) for e in result["entries"]}
    result["entries"] += [e for key, e in reusable.items() if key not in wanted]
    complete_cells = set(known.get("complete_cells", ()))
    if result["complete"]:
        complete_cells |= cells_wanted if cells_wanted is not None else every_test
    result["complete_cells"] = sorted(complete_cells)
    return result


def cached(assignment: course.Assignment, folder: Path, cells: set[str] | None = None,
           seconds: float | None = None) -> dict:
    """The fingerprints of `assignment` (those of `cells`, if given), from `folder`/fingerprints.json where it has
    them (computed for the same course code and framework version), the rest computed within `seconds` and kept
    there too."""
    path, key = folder / cache_key.FILE, cache_key.code_digest(assignment)
    fingerprints = compute(assignment, cells, seconds, cache_key.kept(folder, assignment))
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"key": key, "fingerprints": fingerprints}))
    partial.replace(path)
    return fingerprints


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--cache-dir", type=Path, help="keep them in DIR/fingerprints.json (reused while current)")
    parser.add_argument("--cells", help="only the entries targeting these test cells (comma-separated grade ids)")
    parser.add_argument("--out", type=Path, help="also write them to this file")
    parser.add_argument("--seconds", type=float, help="compute new fingerprints for this long at most")
    args = parser.parse_args(argv)
    assignment = course.get(args.assignment)
    cells = set(args.cells.split(",")) if args.cells else None
    result = cached(assignment, args.cache_dir, cells, args.seconds) if args.cache_dir else \
        compute(assignment, cells, args.seconds)
    if args.out:
        args.out.write_text(json.dumps(result))
    where = f" (kept in {args.cache_dir})" if args.cache_dir else ""
    print(f"{assignment.name}: fingerprints of {len(result['entries'])} catalogue entries, every entry of "
          f"{len(result['complete_cells'])} test cells{where}" + ("" if result["complete"] else
                                                                  "; stopped by --seconds, run again for the rest"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
