"""Benchmark: what grading one submission costs in CPU, for this tree and another one side by side.

    .venv/bin/python benchmarks/hidden_checks_cost.py --base /path/to/older/tree [-a ASSIGNMENT] [--rounds 3]

For each assignment the solution notebook is graded in-process (every cell, and the hidden checks of every test cell,
as `catalogue_verdict --fast` grades it) in a fresh process per tree and round, the two trees alternating within a
round (the machine drifts over minutes). Each process grades it twice and measures the second run (the first pays for
imports and the framework's start-up). The notebook's own cells are the same in both trees, so the difference between
the two figures is what the trees' hidden checks cost. Reports the median CPU seconds (all threads of the process) and
the ratio this tree / base.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["warmup_torch", "warmup_tensorflow", "batchnorm_torch", "batchnorm_tensorflow", "resnet_torch",
               "resnet_tensorflow"]
CHILD = """
import json, sys, time
from instructor_only.grading import course
from instructor_only.grading.catalogue_verdict import run_both
from instructor_only.grading.submissions import plan
solution = plan(course.get(sys.argv[1]), include=("solution",))[0]
run_both(solution)
cpu, wall = time.process_time(), time.perf_counter()
verdict, _, _ = run_both(solution)
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "ok": verdict.ok}))
"""


def measure(tree: Path, assignment: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", CHILD, assignment], cwd=tree, env=env, capture_output=True,
                          text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"{assignment} in {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other tree (e.g. a git worktree of an older commit)")
    parser.add_argument("-a", "--assignment", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    trees = {"base": args.base.resolve(), "this": HERE}
    print(f"{'assignment':22s} {'base CPU s':>10s} {'this CPU s':>10s} {'ratio':>6s}  (median of {args.rounds})")
    for assignment in args.assignment or ASSIGNMENTS:
        runs = {name: [] for name in trees}
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for name in order:
                result = measure(trees[name], assignment)
                if not result["ok"]:
                    raise RuntimeError(f"{assignment}: the solution did not get full marks in the {name} tree")
                runs[name].append(result["cpu"])
        base, this = statistics.median(runs["base"]), statistics.median(runs["this"])
        print(f"{assignment:22s} {base:10.2f} {this:10.2f} {this / base:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
