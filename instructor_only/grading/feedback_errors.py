"""Feedback shows an error as its one-line message, never as a traceback.

A traceback in a test cell quotes the lines around the failing one, and those include the cell's hidden tests
(stock ClearHiddenTests clears the cell's source, not its outputs); library frames show the course's file paths.
The student's notebook gives them the full traceback whenever they run it; the feedback keeps what the grader
decided and why: `NameError: name 'x' is not defined`, `AssertionError: <the check's words>`. Used at feedback time
only (nbgrader_config.py); the autograded notebooks keep the full tracebacks for the instructor.
"""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


class ShortErrors(NbGraderPreprocessor):
    """Replace every error output's traceback by `ename: evalue`."""

    def preprocess_cell(self, cell, resources, cell_index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
                output["traceback"] = [f"\x1b[0;31m{message}\x1b[0m"]
        return cell, resources
