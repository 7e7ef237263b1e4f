"""ProseCaps: a student's markdown and raw cells are cut before anyone renders them; the course's own fit easily."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from instructor_only.grading import course
from instructor_only.grading.classgrade.prose_caps import ProseCaps


def capped(nb):
    return ProseCaps().preprocess(nb, {})[0]


def test_a_huge_cell_is_cut_with_a_note_and_code_is_untouched():
    code = "x = 1\n" * 10_000
    nb = capped(new_notebook(cells=[new_markdown_cell("\\begin{a}" * 100_000), new_code_cell(code)]))
    assert len(nb.cells[0].source) < 20_200 and "[cut by the grader: this cell had 900,000 characters" in nb.cells[0].source
    assert nb.cells[1].source == code


def test_all_cells_together_are_bounded():
    nb = capped(new_notebook(cells=[new_raw_cell("r" * 19_000) for _ in range(50)]))
    assert sum(len(c.source) for c in nb.cells) < 200_000 + 50 * 120


def test_big_attachments_are_dropped():
    cell = new_markdown_cell("![x](attachment:x.png)")
    cell["attachments"] = {"x.png": {"image/png": "A" * 3_000_000}}
    nb = capped(new_notebook(cells=[cell]))
    assert "attachments" not in nb.cells[0] and "attachments had more than" in nb.cells[0].source


def test_the_course_notebooks_are_untouched():
    for assignment in course.discover():
        for name in assignment.notebooks:
            nb = nbformat.read(assignment.source_path(name), as_version=4)
            before = [c.source for c in nb.cells]
            assert [c.source for c in capped(nb).cells] == before, (assignment.name, name)
