"""LimitedExecute counts what a kernel message writes against the per-cell and per-notebook output caps: a display
update by its size times the outputs it rewrites, clear_output and widget messages too (no kernel: messages as
nbclient would receive them)."""
from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook

from instructor_only.grading.classgrade.limited_execute import LimitedExecute


def executor(cell_cap: int, notebook_cap: int, cells: int = 2) -> LimitedExecute:
    executor = LimitedExecute(sandbox=False, output_cap_chars=cell_cap, notebook_output_chars=notebook_cap,
                              record_timing=False)
    executor.nb = new_notebook(cells=[new_code_cell("") for _ in range(cells)])
    executor.reset_execution_trackers()  # nbclient's per-run state (display ids, widgets)
    executor.clear_before_next_output = False  # (set per cell by nbclient)
    executor.reset_output_counts()
    return executor


def message(kind: str, content: dict) -> dict:
    return {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": "run"}, "content": content,
            "metadata": {}}


def display(text: str, display_id: str | None = None, kind: str = "display_data") -> dict:
    content = {"data": {"text/plain": text}, "metadata": {}}
    if display_id:
        content["transient"] = {"display_id": display_id}
    return message(kind, content)


def send(executor: LimitedExecute, index: int, msg: dict) -> None:
    executor.process_message(msg, executor.nb.cells[index], index)


def written(executor: LimitedExecute) -> int:
    return sum(len(str(o)) for cell in executor.nb.cells for o in cell.outputs)


def test_a_display_update_counts_once_per_output_it_rewrites():
    ex = executor(cell_cap=100_000, notebook_cap=10_000_000)
    for _ in range(400):
        send(ex, 0, display("x", "same"))
    send(ex, 1, display("y" * 200_000, "same", kind="update_display_data"))  # would write 80 MB
    assert written(ex) < 300_000
    assert all(o.data["text/plain"] == "x" for o in ex.nb.cells[0].outputs if "data" in o)
    assert "[output cap: more than 100,000 characters in this cell" in ex.nb.cells[1].outputs[-1].text


def test_the_notebook_cap_bounds_all_cells_together():
    ex = executor(cell_cap=100_000, notebook_cap=150_000, cells=5)
    for index in range(5):
        for _ in range(10):
            send(ex, index, message("stream", {"name": "stdout", "text": "z" * 9_000}))
    assert written(ex) < 150_000 + 5 * 300
    assert "characters in the notebook" in ex.nb.cells[-1].outputs[-1].text


def test_over_the_cap_one_shortened_error_is_kept_and_no_more():
    ex = executor(cell_cap=1_000, notebook_cap=10_000_000)
    send(ex, 0, message("stream", {"name": "stdout", "text": "a" * 2_000}))
    for _ in range(3):
        send(ex, 0, message("error", {"ename": "ValueError", "evalue": "v" * 50_000, "traceback": ["t" * 50_000]}))
    errors = [o for o in ex.nb.cells[0].outputs if o.output_type == "error"]
    assert len(errors) == 1 and len(errors[0].evalue) == 2_000 and len(str(errors[0].traceback)) < 2_200


def test_clear_output_and_widget_messages_count_too():
    ex = executor(cell_cap=5_000, notebook_cap=10_000_000)
    for _ in range(1_000):
        send(ex, 0, message("clear_output", {"wait": False}))
    send(ex, 0, message("stream", {"name": "stdout", "text": "after"}))
    assert "[output cap:" in ex.nb.cells[0].outputs[-1].text
    ex = executor(cell_cap=5_000, notebook_cap=10_000_000)
    send(ex, 0, message("comm_open", {"comm_id": "c", "target_name": "jupyter.widget",
                                      "data": {"state": {"value": "w" * 10_000}}}))
    assert not getattr(ex, "widget_state", {}).get("c")


def test_a_kernels_execution_count_that_is_not_a_number_is_dropped():
    """A raw message can carry any execution_count; nbclient copies it into the cell, where an HTML string made the
    notebook invalid and the submission 'not graded' (a blind attack round)."""
    ex = executor(cell_cap=100_000, notebook_cap=10_000_000)
    send(ex, 0, message("execute_input", {"code": "", "execution_count": "<img src=x onerror=alert(1)>"}))
    assert ex.nb.cells[0].execution_count is None
    send(ex, 0, message("execute_input", {"code": "", "execution_count": 7}))
    assert ex.nb.cells[0].execution_count == 7


def test_characters_html_escapes_count_as_what_the_feedback_shows():
    """8 MB of '&' within the notebook cap made a 40 MB feedback page (a blind attack round): each counts 6."""
    ex = executor(cell_cap=100_000, notebook_cap=10_000_000)
    send(ex, 0, message("stream", {"name": "stdout", "text": "&" * 20_000}))
    assert "[output cap:" in ex.nb.cells[0].outputs[-1].text
    ex = executor(cell_cap=100_000, notebook_cap=10_000_000)
    send(ex, 0, message("stream", {"name": "stdout", "text": "a" * 20_000}))
    assert ex.nb.cells[0].outputs[-1].text == "a" * 20_000
