"""Score entries written blind against the hidden checks, before they join the catalogue.

    python -m instructor_only.grading.blind_round warmup_torch=/tmp/round/warmup_torch.py [ASSIGNMENT=FILE ...]

Each FILE is written like a catalogue module (`ENTRIES = [Bug(...), Alternative(...)]`, `instructor_only.catalogue`)
by a tester who saw only the release notebook. Every entry is graded in-process, as `catalogue_verdict --fast` grades
the catalogue: a bug is *caught* when its own cell's hidden checks alone fail (public asserts removed) and *caught
by the cell* when the cell as released (public asserts and hidden checks) loses its points; an alternative is *kept*
when the notebook keeps full marks. Prints one line per entry that got through, then a table per assignment.

To measure the checks of another commit on the same entries, run this file with that commit's tree first on the path:
`PYTHONPATH=/path/to/old/tree python /path/to/this/blind_round.py ...` (its source notebooks and checks are used).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from instructor_only import catalogue
from instructor_only.grading import course
from instructor_only.grading.catalogue_verdict import run_both
from instructor_only.grading.submissions import plan


@dataclass(frozen=True)
class Scored:
    assignment: str
    kind: str            # "bug" or "alt"
    cell: str
    name: str
    ok_hidden: bool      # bug: caught by its cell's hidden checks alone; alternative: full marks
    ok_cell: bool        # bug: its cell lost its points (public asserts and hidden checks); alternative: as ok_hidden
    detail: str


def load_entries(path: Path) -> list[catalogue.Entry]:
    spec = importlib.util.spec_from_file_location(f"blind_entries_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.ENTRIES)


def score(assignment: course.Assignment, entries: list[catalogue.Entry]) -> list[Scored]:
    """Every entry graded as if it were the assignment's catalogue."""
    original = catalogue.load
    catalogue.load = lambda name: entries if name == assignment.name else original(name)
    try:
        planned = plan(assignment, include=("bug", "alt"))
    finally:
        catalogue.load = original
    rows = []
    for submission in planned:
        normal, hidden, outcome = run_both(submission)
        entry = submission.entry
        if submission.kind == "bug":
            targets = submission.expectation.targets
            cell_caught = any(t in outcome and not outcome[t][0] for t in targets)
            rows.append(Scored(assignment.name, "bug", entry.answer_cell, entry.name, hidden.ok, cell_caught,
                               hidden.detail.splitlines()[0] if hidden.detail else ""))
        else:
            rows.append(Scored(assignment.name, "alt", entry.answer_cell, entry.name, normal.ok, normal.ok,
                               normal.detail.splitlines()[0] if normal.detail else ""))
    return rows


def table(rows: list[Scored]) -> str:
    lines = ["assignment            bugs  caught (hidden alone)  caught (cell)  alternatives  kept"]
    for name in dict.fromkeys(r.assignment for r in rows):
        bugs = [r for r in rows if r.assignment == name and r.kind == "bug"]
        alts = [r for r in rows if r.assignment == name and r.kind == "alt"]
        lines.append(f"{name:20s}  {len(bugs):4d}  {sum(r.ok_hidden for r in bugs):21d}  "
                     f"{sum(r.ok_cell for r in bugs):13d}  {len(alts):12d}  {sum(r.ok_hidden for r in alts):4d}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", metavar="ASSIGNMENT=FILE", help="entries written for an assignment")
    parser.add_argument("--json", metavar="OUT", help="write every entry's outcome to OUT")
    args = parser.parse_args(argv)
    known = {a.name: a for a in course.discover()}
    pairs = [spec.split("=", 1) for spec in args.files]
    for pair in pairs:
        if len(pair) != 2 or pair[0] not in known:
            parser.error(f"expected ASSIGNMENT=FILE with ASSIGNMENT one of {sorted(known)}, got {'='.join(pair)!r}")
    started, rows = time.perf_counter(), []
    for name, path in pairs:
        rows += score(known[name], load_entries(Path(path)))
    for r in rows:
        if not r.ok_hidden:
            what = "bug not caught by the hidden checks alone" if r.kind == "bug" else "alternative lost points"
            print(f"{r.assignment} {r.cell} {r.name}: {what}" + ("" if r.ok_cell or r.kind == "alt" else
                                                                 " (nor by the cell)") + f": {r.detail}")
    print(table(rows))
    print(f"({len(rows)} entries in {time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
