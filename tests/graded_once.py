"""An expensive outcome (a class graded by classgrade) computed once per test run and shared by the xdist workers.

A module fixture alone would grade the class again on every worker that runs one of its tests; a file lock in the
run's shared temporary folder makes the first worker grade it and the others read its JSON outcome.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from filelock import FileLock


def graded_once(name: str, tmp_path_factory, request, produce: Callable[[Path], dict]) -> tuple[Path, dict]:
    """(folder, outcome): produce(folder) is called by one worker of the run; its JSON-able outcome is shared."""
    in_xdist_worker = hasattr(request.config, "workerinput")  # (also works with xdist disabled: -p no:xdist)
    shared = tmp_path_factory.getbasetemp().parent if in_xdist_worker else tmp_path_factory.getbasetemp()
    outcome_file = shared / name / "outcome.json"
    with FileLock(str(shared / f"{name}.lock")):
        if not outcome_file.exists():
            outcome = produce(shared / name / "course")
            outcome_file.write_text(json.dumps(outcome))
    outcome = json.loads(outcome_file.read_text())
    if "scores" in outcome:  # JSON made the (score, max score) pairs lists
        outcome["scores"] = {student: {gid: tuple(score) for gid, score in cells.items()}
                             for student, cells in outcome["scores"].items()}
    return shared / name / "course", outcome
