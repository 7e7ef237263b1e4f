"""Tiny authoring helper (not committed): build nbgrader notebooks from cell lists."""
import nbformat
from nbformat.v4 import new_notebook, new_markdown_cell, new_code_cell
import textwrap

def _meta(**nb):
    d = {"schema_version": 3}
    d.update(nb)
    return {"nbgrader": d}

class NB:
    def __init__(self):
        self.cells = []
    def _add(self, cell, cid):
        cell["id"] = cid or f"cell-{len(self.cells):02d}"
        self.cells.append(cell)
    def md(self, text, cid=None):
        self._add(new_markdown_cell(textwrap.dedent(text).strip("\n")), cid)
    def code(self, text, cid=None):
        self._add(new_code_cell(textwrap.dedent(text).strip("\n")), cid)
    def answer(self, grade_id, text):
        c = new_code_cell(textwrap.dedent(text).strip("\n"))
        c.metadata = _meta(grade=False, solution=True, locked=False, grade_id=grade_id)
        self._add(c, grade_id)
    def test(self, grade_id, points, text):
        c = new_code_cell(textwrap.dedent(text).strip("\n"))
        c.metadata = _meta(grade=True, solution=False, locked=True, grade_id=grade_id, points=points)
        self._add(c, grade_id)
    def written(self, grade_id, points, text):
        c = new_markdown_cell(textwrap.dedent(text).strip("\n"))
        c.metadata = _meta(grade=True, solution=True, locked=False, grade_id=grade_id, points=points)
        self._add(c, grade_id)
    def readonly_md(self, text, cid):
        c = new_markdown_cell(textwrap.dedent(text).strip("\n"))
        c.metadata = _meta(grade=False, solution=False, locked=True, grade_id=cid)
        self._add(c, cid)
    def write(self, path):
        nb = new_notebook(cells=self.cells)
        nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                       "language_info": {"name": "python"}}
        nbformat.validate(nb)
        import pathlib
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
