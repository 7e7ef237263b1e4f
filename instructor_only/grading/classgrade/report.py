"""The per-student outcome of a class grading run: the summary table on screen and its CSV copy.

Student ids and notes come from students (folder and file names, a cell's first line, an error's message): both
outputs show them through `inert_text.printable`, one bounded line per field, no control characters.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from instructor_only.grading.inert_text import printable

GRADED, UNCHANGED, NOT_GRADED = "graded", "unchanged", "NOT GRADED"


@dataclass
class Outcome:
    assignment: str
    student: str
    status: str = ""
    scores: dict = field(default_factory=dict)   # grade id -> (score, max)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    worker: str = ""

    def autograded(self, manual_ids: set[str]) -> str:
        if self.status == NOT_GRADED or not self.scores:
            return "-"
        auto = {gid: s for gid, s in self.scores.items() if gid not in manual_ids}
        return f"{sum(s for s, _ in auto.values()):g}/{sum(m for _, m in auto.values()):g}"


def shown(outcome: Outcome, manual_ids: set[str]) -> dict[str, str]:
    """An outcome's fields as the table and the CSV show them."""
    return {"assignment": printable(outcome.assignment), "student": printable(outcome.student),
            "status": printable(outcome.status), "autograded": outcome.autograded(manual_ids),
            "worker": printable(outcome.worker), "notes": " | ".join(printable(note) for note in outcome.notes)}


def as_text_cell(value: str) -> str:
    """A field a spreadsheet shows as text, never as a formula (OWASP's CSV injection advice: a leading quote)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def print_table(outcomes: list[Outcome], manual_ids: set[str]) -> None:
    rows = [shown(o, manual_ids) for o in outcomes]
    a_width = max([len("assignment"), *(len(row["assignment"]) for row in rows)])
    s_width = max([len("student"), *(len(row["student"]) for row in rows)])
    print(f"\n{'assignment':{a_width}s} {'student':{s_width}s} {'status':10s} {'autograded':>10s} {'time':>6s}  notes")
    for o, row in zip(outcomes, rows):
        seconds = f"{o.seconds:.0f}s" if o.seconds else ""
        print(f"{row['assignment']:{a_width}s} {row['student']:{s_width}s} {row['status']:10s} "
              f"{row['autograded']:>10s} {seconds:>6s}  {row['notes']}")
    counts = {s: sum(o.status == s for o in outcomes) for s in (GRADED, UNCHANGED, NOT_GRADED)}
    print(f"\n{counts[GRADED]} graded, {counts[UNCHANGED]} unchanged since the last run (use --force to regrade), "
          f"{counts[NOT_GRADED]} not graded")


def write_csv(target: Path, outcomes: list[Outcome], manual_ids: set[str]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "student", "status", "autograded", "seconds", "worker", "notes"])
        for o in outcomes:
            row = shown(o, manual_ids)
            writer.writerow([row["assignment"], as_text_cell(row["student"]), row["status"], row["autograded"],
                             f"{o.seconds:.1f}", row["worker"], as_text_cell(row["notes"])])
