"""Catalogue of known student bugs and alternative correct solutions, per assignment.

An entry names an answer cell (a TODO, by its nbgrader grade id) and gives the complete code a student might put in
that cell. The harness builds a submission from the solution notebook with only that cell replaced, autogrades it,
and expects:
- a Bug to lose points on its target test cells (by default: the test cells that follow the answer cell) and keep
  every other cell's points;
- an Alternative to keep full marks everywhere.

Module `instructor_only.catalogue.<assignment>` holds ENTRIES for assignment `<assignment>` (e.g. warmup_torch).
"""
from __future__ import annotations

import importlib
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    answer_cell: str
    name: str
    description: str
    code: str
    targets: tuple[str, ...] = ()  # test cells that must lose points; empty = those following the answer cell
    hint: str = ""  # what to try next, shown with a diagnosis; empty = its answer cell's (hints.py)

    kind = "entry"

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).strip("\n") + "\n"

    @property
    def student_id(self) -> str:
        return f"{self.kind}-{self.answer_cell}-{self.name}"


@dataclass(frozen=True)
class Bug(Entry):
    kind = "bug"


@dataclass(frozen=True)
class Alternative(Entry):
    kind = "alt"


def load(assignment: str) -> list[Entry]:
    """The catalogue of `assignment` (empty if it has none yet)."""
    try:
        module = importlib.import_module(f"instructor_only.catalogue.{assignment}")
    except ModuleNotFoundError as error:
        if error.name == f"instructor_only.catalogue.{assignment}":
            return []
        raise
    entries = list(module.ENTRIES)
    ids = [e.student_id for e in entries]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"catalogue {assignment}: duplicate entries {sorted(duplicates)}")
    return entries
