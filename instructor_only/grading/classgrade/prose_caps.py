"""Caps on what a submission's markdown and raw cells hold, before anyone renders them (the formgrader, feedback).

The output caps (limited_execute.py) bound what the kernel writes; a student also writes cells that no kernel runs.
A blind attack round made a 40 MB markdown cell (a 40 MB autograded notebook and a 40 MB feedback page), and three
cells of 1.2 MB of `\\begin{a}` that nbconvert's math-aware markdown renderer took ten minutes over (its time grows
with the square of a cell's length), holding back every classmate's feedback. A written answer is a few thousand
characters, so each markdown or raw cell keeps its first CELL_CHARS characters, all of them together NOTEBOOK_CHARS,
and a cell's attachments at most ATTACHMENT_CHARS; what is cut says so in the cell. Rendering then costs at most
(NOTEBOOK_CHARS / CELL_CHARS) cells of CELL_CHARS (measured: 0.3 s each for the worst pattern known).
"""
from __future__ import annotations

import json

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer


class ProseCaps(NbGraderPreprocessor):
    """Cut markdown and raw cells to the caps above, with a note in each cut cell."""

    cell_chars = Integer(20_000, help="Characters kept of one markdown or raw cell.").tag(config=True)
    notebook_chars = Integer(200_000, help="Characters kept of all markdown and raw cells together.").tag(config=True)
    attachment_chars = Integer(2_000_000, help="Characters of attachments kept per cell (base64).").tag(config=True)

    def preprocess(self, nb, resources):
        left = self.notebook_chars
        for cell in nb.cells:
            if cell.cell_type not in ("markdown", "raw"):
                continue
            source = cell.source
            keep = max(0, min(self.cell_chars, left))
            if len(source) > keep:
                cell.source = source[:keep] + (f"\n\n[cut by the grader: this cell had {len(source):,} characters; "
                                               f"{keep:,} are kept]\n")
            left -= min(len(source), keep)
            attachments = cell.get("attachments")
            if attachments and len(json.dumps(attachments)) > self.attachment_chars:
                del cell["attachments"]
                cell.source += (f"\n\n[cut by the grader: this cell's attachments had more than "
                                f"{self.attachment_chars:,} characters]\n")
        return nb, resources
