"""Fast path: run a submission's cells in this Python process, as the kernel would, without nbgrader.

Used by the quick CI tests and by `catalogue_verdict --fast`. Each code cell runs in one shared namespace; a failing
cell is recorded and the next one runs (like nbgrader's allow_errors). A test cell "passes" when it raised nothing,
which is what the autograder scores; its public checks and its hidden checks both run. The namespace keeps the cells
run so far as IPython does (`In`, `_ih`), where the hidden checks read the sources the rules of method need.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback

from instructor_only.grading import notebooks


def run_cells(nb) -> dict[str, tuple[bool, str]]:
    """Execute `nb`'s code cells in order; return {test cell grade id: (passed, output or error text)}.

    NBGRADER_EXECUTION is set while they run, as nbgrader's autograder sets it (notebooks shrink their experiments).
    """
    with as_autograder():
        return _run_cells(nb)


@contextlib.contextmanager
def as_autograder():
    """NBGRADER_EXECUTION set as nbgrader's autograder sets it; the notebook's figures freed after (a kernel would
    exit)."""
    saved = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = saved
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")


def fresh_namespace() -> tuple[dict, list[str]]:
    """A notebook's namespace as IPython starts it, and its input history ('' first, then every cell as it ran)."""
    history = [""]
    return {"__name__": "__main__", "In": history, "_ih": history}, history


def _run_cells(nb) -> dict[str, tuple[bool, str]]:
    namespace, history = fresh_namespace()
    results: dict[str, tuple[bool, str]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        history.append(cell.source)
        meta = notebooks.grade_meta(cell)
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                exec(compile(cell.source, f"<cell {meta.get('grade_id', cell.get('id', '?'))}>", "exec"), namespace)
            passed, text = True, buffer.getvalue()
        except BaseException as error:  # noqa: BLE001 -- a student's cell may raise anything, even SystemExit
            if isinstance(error, KeyboardInterrupt):
                raise
            passed, text = False, buffer.getvalue() + "".join(traceback.format_exception_only(type(error), error))
        if is_test:
            results[meta["grade_id"]] = (passed, text)
    return results
