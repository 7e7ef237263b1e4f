"""What a student sees when they run a notebook: no warning, log line or stderr output from the code the course gave
them. Each solution and each blank release runs in a fresh kernel, in the autograder's reduced mode (the same cells,
smaller experiments; `python -m instructor_only.grading.output_noise NOTEBOOK` runs one in full). The blank release
raises in the student's cells and whatever depends on them: those are errors, not noise."""
import pytest

from instructor_only.grading import course, output_noise
from instructor_only.grading.course import COURSE_ROOT

NOTEBOOKS = [(kind, assignment, name) for assignment in course.discover() for name in assignment.notebooks
             for kind in (course.SOLUTIONS, course.RELEASE)]


@pytest.mark.parametrize("kind, assignment, name", NOTEBOOKS,
                         ids=[f"{kind}/{assignment.name}" for kind, assignment, name in NOTEBOOKS])
def test_given_code_writes_no_warning_or_log_line(kind, assignment, name):
    nb = output_noise.execute(COURSE_ROOT / kind / assignment.name / name, reduced=True)
    ran = [cell for cell in nb.cells if cell.cell_type == "code" and cell.get("execution_count")]
    assert ran, f"{kind}/{assignment.name}/{name}: no cell ran"
    found = output_noise.noise(nb)
    assert not found, f"{kind}/{assignment.name}/{name}:\n" + "\n".join(found)


def test_noise_finds_a_warning_and_a_log_line():
    """The detector itself: a stderr stream, a warning printed to stdout and an absl line are found; plain prints,
    errors and progress-bar widgets are not."""
    import nbformat
    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_code_cell(src) for src in ("a", "b", "c", "d", "e")]
    cells[0].outputs = [nbformat.v4.new_output("stream", name="stderr", text="something\n")]
    cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x.py:3: UserWarning: careful\n")]
    cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout",
                                               text="I0000 00:00:17.1 123 port.cc:153] oneDNN custom operations\n")]
    cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="test accuracy 97.1%\n"),
                        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])]
    cells[4].outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "1"}, "text/plain": "  0%|   | 0/3"})]
    nb.cells = cells
    found = output_noise.noise(nb)
    assert [line.split(" ")[1] for line in found] == ["0", "1", "2"], found
