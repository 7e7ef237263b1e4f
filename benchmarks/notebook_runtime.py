"""Benchmark: run each solution notebook top to bottom, in full and in the reduced mode the autograder uses.

    .venv/bin/python benchmarks/notebook_runtime.py                    # every assignment
    .venv/bin/python benchmarks/notebook_runtime.py -a batchnorm_torch

For each notebook it runs `jupyter nbconvert --execute` under GNU time, in one process tree, and reports wall time
and the peak resident memory of the largest process (the kernel), against the course budgets: 60 s (PyTorch) /
90 s (TensorFlow) and 2 GB. Reduced mode sets NBGRADER_EXECUTION=autograde, as nbgrader does. Exit status 1 if a
budget is exceeded or a notebook fails.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from instructor_only.grading import course  # noqa: E402

BUDGET_SECONDS = {"torch": 60.0, "tensorflow": 90.0}
BUDGET_MB = 2048.0


def run_once(path: Path, reduced: bool) -> tuple[float, float]:
    env = dict(os.environ, MPLBACKEND="Agg", PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("NBGRADER_EXECUTION", None)
    if reduced:
        env["NBGRADER_EXECUTION"] = "autograde"
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            ["/usr/bin/time", "-f", "BENCH %e %M", sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
             "--execute", "--ExecutePreprocessor.timeout=600", "--output-dir", tmp, str(path)],
            capture_output=True, text=True, env=env, cwd=path.parent)
    match = re.search(r"BENCH ([\d.]+) (\d+)", result.stderr)
    if result.returncode != 0 or not match:
        raise RuntimeError(f"{path} failed:\n{result.stderr[-3000:]}")
    return float(match.group(1)), int(match.group(2)) / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-a", "--assignment", action="append")
    args = parser.parse_args(argv)
    rows, over = [], False
    for assignment in course.discover():
        if args.assignment and assignment.name not in args.assignment:
            continue
        for name in assignment.notebooks:
            for reduced in (False, True):
                seconds, mb = run_once(assignment.source_path(name), reduced)
                budget = BUDGET_SECONDS[assignment.framework]
                ok = reduced or (seconds <= budget and mb <= BUDGET_MB)
                over |= not ok
                rows.append((assignment.name, "reduced (autograde)" if reduced else "full", seconds, budget, mb, ok))
                print(f"{assignment.name:22s} {rows[-1][1]:20s} {seconds:6.1f} s (budget {budget:.0f} s)  "
                      f"peak {mb:7.0f} MB  {'ok' if ok else 'OVER BUDGET'}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
