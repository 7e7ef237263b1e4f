"""How often the diagnosis names a failing answer's mistake, and how often the name is right.

    python benchmarks/diagnosis_accuracy.py [-a ASSIGNMENT ...] [--fingerprints-dir DIR]

Three rounds on each assignment's catalogue (fingerprints computed in-process, `diagnosis.fingerprints`):
- **self**: each catalogued mistake, as a student, against the whole catalogue: named as itself or as an entry that
  computes the same?
- **left out**: each mistake against the catalogue without it: a name, if any, must be an entry that computes the
  same on that cell (the honest precision: the student's mistake is not in the catalogue as written).
- **blind**: the mistakes testers wrote blind (entries named `blind*`), against the catalogue without any of them.

A name is right when every named entry is equivalent to the student's mistake on that cell (`matching.equivalent`).
A case is *nameable* when the catalogue it is matched against holds a mistake (itself, in the self round) that
computes the same on that cell: "no known mistake matches" is the right answer for the others.
Reports, per round: cells diagnosed, nameable, named, right among the named (precision), named among all
(coverage), and right among the nameable (coverage where the catalogue knows the mistake).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from instructor_only.grading import course  # noqa: E402
from instructor_only.grading.diagnosis import fingerprints as fp  # noqa: E402
from instructor_only.grading.diagnosis.matching import diagnose, equivalent, noise  # noqa: E402


def cases(prints: dict):
    """(entry, cell) for every catalogued mistake and every cell whose checks it fails."""
    for entry in prints["entries"]:
        if entry["kind"] == "bug":
            for cell, recording in entry["cells"].items():
                if not recording["passed"]:
                    yield entry, cell


def without(prints: dict, keep) -> dict:
    return {**prints, "entries": [e for e in prints["entries"] if keep(e)]}


def judged(entry: dict, cell: str, catalogue: dict, prints: dict) -> tuple[str, bool]:
    """('none', 'right' or 'wrong', nameable?) for `entry` as a student on `cell` against `catalogue`."""
    student = entry["cells"][cell]["checks"]
    solution = prints["solution"][cell]["checks"]
    ignored = noise(solution, [e["cells"][cell]["checks"] for e in prints["entries"]
                               if e["kind"] == "alt" and cell in e["cells"]])
    nameable = any(e["kind"] == "bug" and cell in e["cells"] and not e["cells"][cell]["passed"]
                   and (e is entry or equivalent(student, e["cells"][cell]["checks"], ignored))
                   for e in catalogue["entries"])
    diagnosis = diagnose(cell, student, catalogue)
    if diagnosis is None:
        return "none", nameable
    named = [e for e in prints["entries"] if e["name"] in diagnosis.entries and cell in e["cells"]]
    ok = all(e["name"] == entry["name"] or equivalent(student, e["cells"][cell]["checks"], ignored) for e in named)
    return ("right" if ok else "wrong"), nameable


def rounds(prints: dict) -> dict[str, list[tuple[str, str, str, bool]]]:
    blind = lambda e: e["name"].startswith("blind")  # noqa: E731
    out = {"self": [], "left out": [], "blind": []}
    for entry, cell in cases(prints):
        out["self"].append((entry["name"], cell, *judged(entry, cell, prints, prints)))
        out["left out"].append((entry["name"], cell, *judged(entry, cell, without(prints, lambda e: e is not entry),
                                                             prints)))
        if blind(entry):
            out["blind"].append((entry["name"], cell, *judged(entry, cell, without(prints, lambda e: not blind(e)),
                                                              prints)))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-a", "--assignment", action="append")
    parser.add_argument("--fingerprints-dir", type=Path, help="keep (and reuse) the fingerprints here")
    parser.add_argument("--wrong", action="store_true", help="list the wrong names")
    parser.add_argument("--missed", action="store_true", help="with --wrong: also the nameable cases left unnamed")
    args = parser.parse_args(argv)
    totals: dict[str, list] = {}
    for assignment in course.discover():
        if args.assignment and assignment.name not in args.assignment:
            continue
        started = time.perf_counter()
        if args.fingerprints_dir:
            prints = fp.cached(assignment, args.fingerprints_dir / assignment.name)
        else:
            prints = fp.compute(assignment)
        seconds = time.perf_counter() - started
        for name, rows in rounds(prints).items():
            totals.setdefault(name, []).extend(rows)
            print(f"{assignment.name:22s} {name:9s} {summary(rows)}   (fingerprints {seconds:.0f} s)")
            if args.wrong:
                for row in rows:
                    if row[2] == "wrong" or (args.missed and row[3] and row[2] == "none"):
                        print(f"    {'wrong' if row[2] == 'wrong' else 'missed'}: {row[0]} on {row[1]}")
    for name, rows in totals.items():
        print(f"{'all':22s} {name:9s} {summary(rows)}")
    return 0


def summary(rows) -> str:
    named = [r for r in rows if r[2] != "none"]
    right = [r for r in named if r[2] == "right"]
    nameable = [r for r in rows if r[3]]
    known = [r for r in nameable if r[2] == "right"]
    share = lambda part, whole: f"{100 * len(part) / len(whole):5.1f}%" if whole else "    -"  # noqa: E731
    return (f"cases {len(rows):4d}  nameable {len(nameable):4d}  named {len(named):4d}  right {len(right):4d}  "
            f"precision {share(right, named)}  coverage {share(named, rows)}  of nameable {share(known, nameable)}")


if __name__ == "__main__":
    sys.exit(main())
