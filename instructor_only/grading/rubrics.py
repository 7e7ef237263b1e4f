"""Grading rubrics of written answers: in view of the grader in the formgrader, never in a student's feedback.

A written answer's rubric sits in the instructor's source cell between `<!-- BEGIN RUBRIC -->` and
`<!-- END RUBRIC -->`; the release and the published solution drop it (build.py). The formgrader shows the
autograded notebook, so at autograde time `RubricsForGraders` (last of the autograde preprocessors, in
nbgrader_config.py and in classgrade's worker) puts each answer's rubric in a markdown cell right after the
answer; at feedback time `WithoutRubrics` (first of the feedback preprocessors) removes those cells again.
"""
from __future__ import annotations

import os
import re

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

RUBRIC = re.compile(r"<!-- BEGIN RUBRIC -->.*?<!-- END RUBRIC -->\n*", re.DOTALL)
RUBRIC_TEXT = re.compile(r"<!-- BEGIN RUBRIC -->\n?(.*?)<!-- END RUBRIC -->", re.DOTALL)
MARK = "course_rubric_for_graders"   # cell metadata key of an inserted rubric cell


def rubrics_of(source_nb) -> dict[str, str]:
    """grade id -> rubric text, for every source cell that holds one."""
    found = {}
    for cell in source_nb.cells:
        match = RUBRIC_TEXT.search(cell.source)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if match and grade_id:
            found[grade_id] = match.group(1).strip()
    return found


class RubricsForGraders(NbGraderPreprocessor):
    """After each written answer of the autograded notebook, a markdown cell with its rubric from source/."""

    def preprocess(self, nb, resources):
        meta = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        path = os.path.join(coursedir.format_path(coursedir.source_directory, ".", meta["assignment"]),
                            meta["notebook"] + ".ipynb")
        if not os.path.exists(path):
            return nb, resources
        rubrics = rubrics_of(nbformat.read(path, as_version=4))
        cells = []
        for cell in nb.cells:
            if cell.metadata.get(MARK):
                continue                                   # graded again: the rubric is put back once
            cells.append(cell)
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in rubrics:
                rubric = nbformat.v4.new_markdown_cell(rubrics[grade_id])
                rubric.metadata[MARK] = True
                cells.append(rubric)
        nb.cells = cells
        return nb, resources


class WithoutRubrics(NbGraderPreprocessor):
    """Feedback never shows a rubric: drop the cells RubricsForGraders added."""

    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if not cell.metadata.get(MARK)]
        return nb, resources
