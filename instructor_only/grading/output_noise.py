"""What a student should never see in the outputs of code the course gave them: warnings, log lines, stderr.

    python -m instructor_only.grading.output_noise release/resnet_tensorflow/resnet.ipynb [--reduced]

`execute(path)` runs a notebook in a fresh kernel, as a student's Restart & Run All would (errors do not stop it), and
`noise(nb)` lists every stderr output and every warning or log line in any cell's output. A blank release raises in
the student's cells, and whatever follows may fail for want of their code: those are "error" outputs, not noise.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from instructor_only.grading.course import COURSE_ROOT

# A line that reads like a warning or a log line, wherever it was written (Python warnings, absl/TensorFlow C++ logs,
# Python logging, Keras' notices).
NOISY_LINE = re.compile("|".join([
    r"\w*Warning\b",
    r"^[IWEF]\d{4} ",
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] ",
    r"^(WARNING|INFO|ERROR)\b",
    r"absl::InitializeLog",
    r"oneDNN custom operations",
]), re.MULTILINE)


def execute(path: Path, reduced: bool = True, timeout: int = 600) -> nbformat.NotebookNode:
    """The notebook at `path`, executed top to bottom in its folder; reduced: as the autograder runs it."""
    nb = nbformat.read(str(path), as_version=4)
    env = {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "NBGRADER_EXECUTION": "autograde" if reduced else None,
           "PYTHONPATH": os.pathsep.join(p for p in (str(COURSE_ROOT), os.environ.get("PYTHONPATH")) if p),
           # ipykernel does not forward what C code writes to file descriptors 1 and 2 when it sees pytest's variable
           "PYTEST_CURRENT_TEST": None}
    with _environment(env):  # the kernel inherits this process's environment
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@contextlib.contextmanager
def _environment(changes: dict):
    saved = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _texts(output) -> list[tuple[str, str]]:
    if output.output_type == "stream":
        return [(output.name, output.text)]
    if output.output_type in ("display_data", "execute_result"):
        return [("display", output.data.get("text/plain", ""))] if "text/plain" in output.data and not any(
            key.startswith("application/vnd.jupyter.widget") for key in output.data) else []
    return []


def noise(nb) -> list[str]:
    """One line per noisy output: the cell's position, its first line, and the offending text."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            for kind, text in _texts(output):
                if kind == "stderr" or NOISY_LINE.search(text):
                    first = cell.source.splitlines()[0] if cell.source else ""
                    found.append(f"cell {index} ({first[:60]!r}) wrote to {kind}: {text.strip()[:300]!r}")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--reduced", action="store_true", help="run as the autograder does (smaller experiments)")
    args = parser.parse_args(argv)
    found = noise(execute(args.notebook.resolve(), reduced=args.reduced))
    print("\n".join(found) if found else "no noise")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
