"""Benchmark: run each solution notebook top to bottom, in full and in the reduced mode the autograder uses.

    .venv/bin/python benchmarks/notebook_runtime.py                    # every assignment
    .venv/bin/python benchmarks/notebook_runtime.py -a batchnorm_torch
    .venv/bin/python benchmarks/notebook_runtime.py --seeds 5 --full-only   # the lessons, seeds 0-4 (full runs)

With --seeds N each notebook's full run is repeated with its seeds set to 0..N-1 (every `manual_seed(0)` /
`set_random_seed(0)` of the notebook becomes the seed), and the lessons the text promises are read from its own
printed output and shown next to the run time: the MLP with BN's test accuracy (>= 90% promised), the largest stable
learning rate per depth with and without BN, the ranking of the activation experiment, plain vs residual training
loss, and the ResNet's test accuracy. A lesson that does not hold is flagged and fails the run.

For each notebook it runs `jupyter nbconvert --execute` under GNU time, in one process tree, and reports wall time
and the peak resident memory of the largest process (the kernel), against the course budgets: 60 s (PyTorch) /
90 s (TensorFlow) and 2 GB. Reduced mode sets NBGRADER_EXECUTION=autograde, as nbgrader does. Exit status 1 if a
budget is exceeded or a notebook fails.
"""
from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from instructor_only.grading import course  # noqa: E402

BUDGET_SECONDS = {"torch": 60.0, "tensorflow": 90.0}
BUDGET_MB = 2048.0


def run_once(path: Path, reduced: bool, seed: int | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak MB, everything the notebook printed); seed: the notebook's seeds replaced by it."""
    env = dict(os.environ, MPLBACKEND="Agg", PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("NBGRADER_EXECUTION", None)
    if reduced:
        env["NBGRADER_EXECUTION"] = "autograde"
    with tempfile.TemporaryDirectory() as tmp:
        source = path
        if seed is not None:
            nb = nbformat.read(str(path), as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.source = re.sub(r"(manual_seed|set_random_seed)\(0\)", rf"\g<1>({seed})", cell.source)
            source = Path(tmp) / f"seed{seed}-{path.name}"
            nbformat.write(nb, str(source))
        result = subprocess.run(
            ["/usr/bin/time", "-f", "BENCH %e %M", sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
             "--execute", "--ExecutePreprocessor.timeout=600", "--output-dir", str(Path(tmp) / "out"), str(source)],
            capture_output=True, text=True, env=env, cwd=path.parent)
        match = re.search(r"BENCH ([\d.]+) (\d+)", result.stderr)
        if result.returncode != 0 or not match:
            raise RuntimeError(f"{path} failed:\n{result.stderr[-3000:]}")
        executed = nbformat.read(str(Path(tmp) / "out" / source.name), as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      if o.get("output_type") == "stream" and o.get("name") == "stdout")
    return float(match.group(1)), int(match.group(2)) / 1024, printed


def _rates(printed: str, label: str) -> dict:
    match = re.search(rf"{label}: largest stable learning rate per depth (\{{.*?\}})", printed)
    return ast.literal_eval(match.group(1)) if match else {}


def lessons(concept: str, printed: str) -> tuple[str, bool]:
    """(the lessons read from a full run's printed output, whether they all hold)."""
    if concept == "batchnorm":
        accuracy = float(re.search(r"test accuracy ([\d.]+)%", printed).group(1))
        without, with_bn = _rates(printed, "without BN"), _rates(printed, "with BN")
        deepest = max(without)
        ranking = re.search(r"final training loss: (.*)", printed).group(1)
        order = [part.rsplit(" ", 1)[0] for part in ranking.split(", ")]
        holds = (accuracy >= 90.0 and with_bn[deepest] is not None
                 and (without[deepest] is None or with_bn[deepest] > without[deepest])
                 and order[-1] == "sigmoid" and order.index("sigmoid + BN") < order.index("sigmoid"))
        return (f"MLP+BN test accuracy {accuracy:.1f}%; largest stable lr at depth {deepest}: {without[deepest]} "
                f"without BN, {with_bn[deepest]} with; losses ranked {order}"), holds
    if concept == "resnet":
        accuracy = float(re.search(r"test accuracy ([\d.]+)%", printed).group(1))
        plain, residual = (float(v) for v in re.search(
            r"training loss is ([\d.]+) without shortcuts and ([\d.]+) with", printed).groups())
        return (f"ResNet test accuracy {accuracy:.1f}%; 20 layers: plain {plain:.3f} vs residual {residual:.3f}",
                accuracy >= 90.0 and residual < plain)
    return "", True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-a", "--assignment", action="append")
    parser.add_argument("--seeds", type=int, default=1, help="full runs with seeds 0..N-1, lessons read from each")
    parser.add_argument("--full-only", action="store_true", help="skip the reduced (autograder) runs")
    args = parser.parse_args(argv)
    over = False
    for assignment in course.discover():
        if args.assignment and assignment.name not in args.assignment:
            continue
        for name in assignment.notebooks:
            runs = [(False, seed) for seed in range(args.seeds)] + ([] if args.full_only else [(True, None)])
            for reduced, seed in runs:
                seconds, mb, printed = run_once(assignment.source_path(name), reduced,
                                                seed if args.seeds > 1 else None)
                budget = BUDGET_SECONDS[assignment.framework]
                lesson, holds = ("", True) if reduced else lessons(assignment.concept, printed)
                ok = (reduced or (seconds <= budget and mb <= BUDGET_MB)) and holds
                over |= not ok
                mode = "reduced (autograde)" if reduced else ("full" if args.seeds == 1 else f"full, seed {seed}")
                print(f"{assignment.name:22s} {mode:20s} {seconds:6.1f} s (budget {budget:.0f} s)  peak {mb:7.0f} MB  "
                      f"{'ok' if ok else 'OVER BUDGET OR LESSON NOT SHOWN'}  {lesson}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
