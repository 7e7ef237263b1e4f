"""What a submission should score, and whether it did. One truth for the fast and the end-to-end harness."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expectation:
    kind: str                       # "full" (solution, alternatives), "zero" (blank release), "bug"
    targets: tuple[str, ...] = ()   # for bugs: test cells that must lose points


@dataclass(frozen=True)
class Verdict:
    ok: bool
    status: str   # caught / missed / collateral / full marks / lost points / zero / scored
    detail: str


def judge(expectation: Expectation, tests: list[str], passed: dict[str, bool]) -> Verdict:
    """Compare per-test outcomes (grade id -> earned full points?) with the expectation.

    A test cell "passes" when it earned its full points; for the blank release, "scored" means any points at all,
    which the caller encodes by passing passed[test] = (score > 0).
    """
    missing = [t for t in tests if t not in passed]
    if missing:
        return Verdict(False, "not graded", f"no score for {missing}")
    if expectation.kind == "full":
        lost = [t for t in tests if not passed[t]]
        return Verdict(not lost, "full marks" if not lost else "lost points", f"lost points on {lost}" if lost else "")
    if expectation.kind == "zero":
        scored = [t for t in tests if passed[t]]
        return Verdict(not scored, "zero" if not scored else "scored", f"scored on {scored}" if scored else "")
    kept = [t for t in expectation.targets if passed[t]]
    collateral = [t for t in tests if t not in expectation.targets and not passed[t]]
    if kept:
        return Verdict(False, "missed", f"kept full points on {kept}")
    if collateral:
        return Verdict(False, "collateral", f"also lost points on {collateral}")
    return Verdict(True, "caught", f"lost points on {list(expectation.targets)}")
