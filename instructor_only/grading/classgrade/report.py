"""The per-student outcome of a class grading run: the summary table on screen and its CSV copy."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

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


def print_table(outcomes: list[Outcome], manual_ids: set[str]) -> None:
    a_width = max([len("assignment"), *(len(o.assignment) for o in outcomes)])
    s_width = max([len("student"), *(len(o.student) for o in outcomes)])
    print(f"\n{'assignment':{a_width}s} {'student':{s_width}s} {'status':10s} {'autograded':>10s} {'time':>6s}  notes")
    for o in outcomes:
        seconds = f"{o.seconds:.0f}s" if o.seconds else ""
        print(f"{o.assignment:{a_width}s} {o.student:{s_width}s} {o.status:10s} {o.autograded(manual_ids):>10s} "
              f"{seconds:>6s}  {' | '.join(o.notes)}")
    counts = {s: sum(o.status == s for o in outcomes) for s in (GRADED, UNCHANGED, NOT_GRADED)}
    print(f"\n{counts[GRADED]} graded, {counts[UNCHANGED]} unchanged since the last run (use --force to regrade), "
          f"{counts[NOT_GRADED]} not graded")


def write_csv(target: Path, outcomes: list[Outcome], manual_ids: set[str]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "student", "status", "autograded", "seconds", "worker", "notes"])
        for o in outcomes:
            writer.writerow([o.assignment, o.student, o.status, o.autograded(manual_ids), f"{o.seconds:.1f}",
                             o.worker, " | ".join(o.notes)])
