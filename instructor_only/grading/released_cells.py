"""Autograde's cell check, against what students were given: no "checksum has changed" alarm for an untouched cell.

Stock `OverwriteCells` (autograde's sanitizing step) compares each locked cell of a submission with the checksum the
gradebook took when the assignment was generated, warns "Attribute 'checksum' for cell ... has changed!" if they
differ, and puts the instructor's version back. The gradebook takes that checksum *before* generate_assignment
removes the hidden tests (nbgrader 0.9.6, jupyter/nbgrader#1961), so every test cell with hidden tests differs in
every submission, untouched or not: five warnings per warm-up notebook that say nothing.

`OverwriteReleasedCells` first recognises a locked cell that is exactly as released (the instructor's version with
its hidden tests removed, by stock `ClearHiddenTests`) and gives it its hidden tests back silently; anything else goes
through stock OverwriteCells, so a cell a student did change is still reported and restored. Scores are unchanged:
either way the cell runs the instructor's version.
"""
from __future__ import annotations

import copy

from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells


class OverwriteReleasedCells(OverwriteCells):
    """Stock OverwriteCells, told what the release of each locked cell looks like."""

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            try:
                original = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                original = None  # stock OverwriteCells reports it
            if original is not None and original.locked and cell.source == self.released_source(cell, original):
                cell.source = original.source
        return super().preprocess_cell(cell, resources, cell_index)

    def released_source(self, cell, original) -> str:
        """The source students got for this cell: the instructor's, through the course's ClearHiddenTests."""
        if getattr(self, "_clear_hidden_tests", None) is None:
            self._clear_hidden_tests = ClearHiddenTests(parent=self)
        released = copy.deepcopy(cell)
        released.source = original.source
        released, _ = self._clear_hidden_tests.preprocess_cell(released, {}, 0)
        return released.source
