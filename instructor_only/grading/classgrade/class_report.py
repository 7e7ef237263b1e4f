"""What a graded class tells its instructor: classgrade/<assignment>/report/report.html, report.json and report.csv.

    .venv/bin/python -m instructor_only.grading.classgrade.class_report ASSIGNMENT [--course-dir DIR]

classgrade writes it after grading; this command writes it again for a class graded before. It holds the distribution
of total scores, each test cell's pass rate, for each failing cell the known mistakes the class made (by behaviour:
grading/diagnosis/) and how many students made each, the slowest submissions and the limits hit. Its numbers come
from classgrade's per-submission records (the gradebook's scores), so they match the gradebook. They count the
autograded cells only: the written answers wait for a person (the gradebook holds 0 for them until then), and the
page says so. Students appear by their gradebook id, in the instructor's report only; a student's feedback says
nothing of anyone else.

Student ids and notes come from students: the HTML escapes them, and every line of text is `inert_text.printable`.
"""
from __future__ import annotations

import argparse
import csv
import html
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from traitlets import Bool, Float
from traitlets.config import Configurable

from instructor_only.grading import notebooks
from instructor_only.grading.classgrade import state
from instructor_only.grading.diagnosis.matching import Diagnosis
from instructor_only.grading.inert_text import printable

SLOWEST = 5
NO_MATCH = "no known mistake matches"


@dataclass
class CellStats:
    grade_id: str
    points: float
    graded: int = 0
    passed: int = 0
    mistakes: dict[tuple[str, ...], dict] = field(default_factory=dict)  # entries -> {description, students}
    unmatched: list[str] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


def records(course_dir: Path, assignment: str) -> dict[str, dict]:
    """{student: classgrade's record} of every graded submission of `assignment`."""
    folder = course_dir / state.STATE_DIR / assignment
    found = {}
    for path in sorted(folder.glob("*.json")):
        record = state.load(course_dir, assignment, path.stem)
        if isinstance(record.get("scores"), dict):
            found[path.stem] = record
    return found


def hand_graded(course_dir: Path, assignment: str) -> list[str]:
    """The grade ids nbgrader leaves to a person (graded answer cells, the written answers, and task cells), from the
    course's source notebooks; a notebook that cannot be read adds none. Until graded by hand the gradebook holds 0
    for them: the report leaves them out."""
    from nbgrader.utils import is_grade, is_solution, is_task
    found = set()
    for path in sorted((course_dir / "source" / assignment).glob("*.ipynb")):
        try:
            cells = notebooks.read(path).cells
        except Exception:  # noqa: BLE001 -- the report goes on with what it can read
            continue
        found |= {notebooks.grade_meta(cell).get("grade_id") for cell in cells
                  if (is_grade(cell) and is_solution(cell)) or is_task(cell)}
    return sorted(gid for gid in found if isinstance(gid, str))


def failed_only(diagnoses: dict[str, dict], graded: dict[str, dict]) -> dict[str, dict]:
    """The diagnoses of the cells the gradebook says each student failed (a recording elsewhere says nothing)."""
    kept = {}
    for student, found in diagnoses.items():
        scores = graded.get(student, {}).get("scores", {})
        kept[student] = {gid: d for gid, d in found.items()
                         if gid in scores and float(scores[gid][0]) < float(scores[gid][1])}
    return kept


def build(assignment: str, graded: dict[str, dict], diagnoses: dict[str, dict[str, Diagnosis | None]],
          by_hand: list[str] = ()) -> dict:
    """The report's numbers, as JSON-able data: of the autograded cells, leaving out the grade ids `by_hand`."""
    cells: dict[str, CellStats] = {}
    totals, max_totals = {}, []
    by_hand_points = {}
    for student, record in graded.items():
        scores = {gid: (float(s), float(m)) for gid, (s, m) in record["scores"].items() if gid not in by_hand}
        by_hand_points.update({gid: float(m) for gid, (_, m) in record["scores"].items() if gid in by_hand})
        totals[student] = sum(s for s, _ in scores.values())
        max_totals.append(sum(m for _, m in scores.values()))
        for gid, (score, points) in scores.items():
            stats = cells.setdefault(gid, CellStats(gid, points))
            stats.graded += 1
            stats.passed += score >= points > 0
    for student, found in failed_only(diagnoses, graded).items():
        for gid, diagnosis in found.items():
            stats = cells.get(gid)
            if stats is None:
                continue
            if diagnosis is None:
                stats.unmatched.append(student)
            else:
                mistake = stats.mistakes.setdefault(diagnosis.entries, {"description": diagnosis.description,
                                                                        "students": []})
                mistake["students"].append(student)
    max_total = max(max_totals, default=0.0)
    timed = sorted(((r.get("timings", {}).get("total", 0.0), s) for s, r in graded.items()), reverse=True)
    return {
        "assignment": assignment,
        "students": len(graded),
        "max_total": max_total,
        "totals": totals,
        "hand_graded": {"cells": sorted(by_hand_points), "points": sum(by_hand_points.values())},
        "cells": [{"grade_id": c.grade_id, "points": c.points, "graded": c.graded, "passed": c.passed,
                   "pass_rate": round(c.pass_rate, 4),
                   "mistakes": sorted(({"entries": list(k), "description": v["description"],
                                        "students": sorted(v["students"])} for k, v in c.mistakes.items()),
                                      key=lambda m: (-len(m["students"]), m["entries"])),
                   "unmatched": sorted(c.unmatched)}
                  for c in sorted(cells.values(), key=lambda c: c.grade_id)],
        "slowest": [{"student": s, "seconds": round(t, 1)} for t, s in timed[:SLOWEST]],
        "limits": [{"student": s, "note": n} for s, r in sorted(graded.items()) for n in r.get("notes", [])],
    }


def write(course_dir: Path, assignment: str, report: dict) -> Path:
    """report.json, report.csv and report.html in classgrade/<assignment>/report/; the HTML's path."""
    folder = state.report_dir(course_dir, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=1))
    with open(folder / "report.csv", "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["test cell", "points", "graded", "passed", "pass rate", "mistake", "description", "students"])
        for cell in report["cells"]:
            base = [cell["grade_id"], f"{cell['points']:g}", cell["graded"], cell["passed"], cell["pass_rate"]]
            out.writerow(base + ["", "", ""])
            for mistake in cell["mistakes"]:
                out.writerow(base + [" / ".join(mistake["entries"]), mistake["description"], len(mistake["students"])])
            if cell["unmatched"]:
                out.writerow(base + [NO_MATCH, "", len(cell["unmatched"])])
    (folder / "report.html").write_text(render_html(report))
    return folder / "report.html"


def _e(text) -> str:
    return html.escape(printable(str(text), limit=300))


def histogram_svg(totals: list[float], max_total: float, width: int = 560, height: int = 200) -> str:
    """The distribution of total scores: one bar per point of the total (at most 40 bins)."""
    bins = max(1, min(40, int(max_total) or 1))
    counts = [0] * bins
    for total in totals:
        counts[min(bins - 1, int(bins * total / max_total)) if max_total else 0] += 1
    top = max(counts, default=0) or 1
    bar = (width - 40) / bins
    bars = []
    for i, count in enumerate(counts):
        h = (height - 40) * count / top
        low, high = max_total * i / bins, max_total * (i + 1) / bins
        bars.append(f'<rect x="{30 + i * bar:.1f}" y="{height - 20 - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                    f'class="bar"><title>{low:g}-{high:g} points: {count} student{"s" * (count != 1)}</title>'
                    f'</rect>')
    axis = (f'<text x="30" y="{height - 4}">0</text><text x="{width - 10}" y="{height - 4}" text-anchor="end">'
            f'{max_total:g}</text><text x="4" y="14">{top}</text>')
    return (f'<svg role="img" aria-label="distribution of total scores" width="{width}" height="{height}" '
            f'class="chart" id="totals">{"".join(bars)}{axis}</svg>')


def pass_rate_svg(cells: list[dict], width: int = 560) -> str:
    """Each test cell's pass rate, one horizontal bar each."""
    row, label = 22, 220
    height = row * len(cells) + 10
    bars = []
    for i, cell in enumerate(cells):
        y = 5 + i * row
        w = (width - label - 50) * cell["pass_rate"]
        bars.append(f'<text x="{label - 6}" y="{y + 15}" text-anchor="end">{_e(cell["grade_id"])}</text>'
                    f'<rect x="{label}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" class="bar">'
                    f'<title>{cell["passed"]} of {cell["graded"]} passed</title></rect>'
                    f'<text x="{label + w + 4:.1f}" y="{y + 15}">{100 * cell["pass_rate"]:.0f}%</text>')
    return (f'<svg role="img" aria-label="pass rate per test cell" width="{width}" height="{height}" class="chart" '
            f'id="pass-rates">{"".join(bars)}</svg>')


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}.bar{fill:#4a7ab5}.chart text{font-size:12px}.none{color:#777}"""


def render_html(report: dict) -> str:
    cells = report["cells"]
    failing = [c for c in cells if c["mistakes"] or c["unmatched"]]
    mistakes = []
    for cell in failing:
        rows = "".join(f'<tr><td>{_e(" / ".join(m["entries"]))}</td><td>{_e(m["description"])}</td>'
                       f'<td>{len(m["students"])}</td><td>{_e(", ".join(m["students"]))}</td></tr>'
                       for m in cell["mistakes"])
        if cell["unmatched"]:
            rows += (f'<tr class="none"><td colspan="2">{NO_MATCH}</td><td>{len(cell["unmatched"])}</td>'
                     f'<td>{_e(", ".join(cell["unmatched"]))}</td></tr>')
        mistakes.append(f'<h3>{_e(cell["grade_id"])}: {cell["graded"] - cell["passed"]} of {cell["graded"]} '
                        f'failed</h3><table class="mistakes"><tr><th>known mistake</th><th>what it does</th>'
                        f'<th>students</th><th>who</th></tr>{rows}</table>')
    slowest = "".join(f'<tr><td>{_e(s["student"])}</td><td>{s["seconds"]:g} s</td></tr>' for s in report["slowest"])
    limits = "".join(f'<tr><td>{_e(l["student"])}</td><td>{_e(l["note"])}</td></tr>' for l in report["limits"])
    totals = sorted(report["totals"].values())
    mean = sum(totals) / len(totals) if totals else 0.0
    hand = report["hand_graded"]
    unit = "point" if hand["points"] == 1 else "points"
    by_hand = (f' Written answers graded by hand ({hand["points"]:g} {unit}: {_e(", ".join(hand["cells"]))}) are not '
               f'counted here: the gradebook has their scores once they are graded.' if hand["cells"] else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {_e(report["assignment"])}</title>
<style>{STYLE}</style></head><body>
<h1>Class report: {_e(report["assignment"])}</h1>
<p>{report["students"]} graded submissions; mean total {mean:.1f} of {report["max_total"]:g} autograded points.{by_hand}</p>
<h2>Total scores</h2>{histogram_svg(totals, report["max_total"])}
<h2>Pass rate per test cell</h2>{pass_rate_svg(cells)}
<h2>Known mistakes, by failing test cell</h2>
{"".join(mistakes) or "<p>No test cell failed.</p>"}
<h2>Slowest submissions</h2><table id="slowest"><tr><th>student</th><th>time</th></tr>{slowest}</table>
<h2>Limits hit and other notes</h2>
{f'<table id="limits"><tr><th>student</th><th>note</th></tr>{limits}</table>' if limits else "<p>None.</p>"}
</body></html>
"""


class ClassReport(Configurable):
    """Course settings (nbgrader_config.py: c.ClassReport.<name>) of what classgrade writes after grading."""

    enabled = Bool(True, help="Write classgrade/<assignment>/report/report.html, .json and .csv after grading, with the "
                              "failing answers diagnosed against the catalogue.").tag(config=True)
    diagnosis_in_feedback = Bool(True, help="Under a failed test cell of a student's feedback, name the known "
                                            "mistake the answer behaves like.").tag(config=True)
    fingerprint_seconds = Float(None, allow_none=True,
                                help="Seconds a run may spend computing the catalogue's fingerprints of an assignment "
                                     "(kept in classgrade/<assignment>/report/: a later run computes the rest, and "
                                     "`python -m instructor_only.grading.diagnosis.fingerprints ASSIGNMENT --cache-dir "
                                     "classgrade/ASSIGNMENT/report` computes them all ahead); a mistake not "
                                     "fingerprinted yet is not named. None: FINGERPRINT_SHARE of the time the run "
                                     "took to grade, at least FINGERPRINT_MIN_SECONDS.").tag(config=True)


FINGERPRINT_SHARE = 0.05        # of a run's grading time its fingerprints may take, by default (the report's budget)
FINGERPRINT_MIN_SECONDS = 3.0


def after_grading(course_dir: Path, assignment: str, config=None, grading_seconds: float = 0.0,
                  fingerprint_seconds: float | None = None) -> str:
    """classgrade's last step for an assignment (never fails the run): diagnose, report, notes for the feedback. The
    line to print. `grading_seconds`: how long the run took to grade (the default fingerprint budget's measure);
    `fingerprint_seconds`: the budget, if given (else the setting's, else FINGERPRINT_SHARE of `grading_seconds`)."""
    settings = ClassReport(config=config)
    budget = fingerprint_seconds if fingerprint_seconds is not None else settings.fingerprint_seconds
    if budget is None:
        budget = max(FINGERPRINT_MIN_SECONDS, FINGERPRINT_SHARE * grading_seconds)
    if not settings.enabled:
        return ""
    from instructor_only.grading.diagnosis.class_diagnosis import diagnose_class
    from instructor_only.grading.diagnosis.in_feedback import add_to_autograded
    try:
        graded = records(course_dir, assignment)
        if not graded:
            return ""
        diagnoses = failed_only(diagnose_class(course_dir, assignment, seconds=budget), graded)
        path = write(course_dir, assignment, build(assignment, graded, diagnoses, hand_graded(course_dir, assignment)))
        if settings.diagnosis_in_feedback:
            add_to_autograded(course_dir, assignment, diagnoses)
    except Exception as error:  # noqa: BLE001 -- the grades stand; the report says what went wrong
        return f"{assignment}: class report not written ({type(error).__name__}: {printable(error, limit=300)})"
    failing = sum(len(found) for found in diagnoses.values())
    named = sum(d is not None and d.evidence > 0 for found in diagnoses.values() for d in found.values())
    return (f"{assignment}: class report {path.relative_to(course_dir)} ({failing} failing answers, {named} "
            f"matched to a known mistake)")


def main(argv=None) -> int:
    from instructor_only.grading.diagnosis.class_diagnosis import diagnose_class
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    graded = records(args.course_dir, args.assignment)
    if not graded:
        print(f"error: no graded submission of {args.assignment} under {args.course_dir / state.STATE_DIR}",
              file=sys.stderr)
        return 2
    path = write(args.course_dir, args.assignment,
                 build(args.assignment, graded, failed_only(diagnose_class(args.course_dir, args.assignment), graded),
                       hand_graded(args.course_dir, args.assignment)))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
