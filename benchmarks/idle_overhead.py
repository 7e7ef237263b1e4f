"""Benchmark: the CPU that classgrade's own processes spend while a kernel works, with the embedded cluster's quiet
clocks (executors.QUIET_CLOCKS) and with Dask's defaults, side by side in one run.

    .venv/bin/python benchmarks/idle_overhead.py                 # 3 rounds, 10 s windows
    .venv/bin/python benchmarks/idle_overhead.py --rounds 5 --window 20

The class is one warm-up solution whose first answer cell sleeps. classgrade (one worker, sandboxed) grades it; once
the kernel exists, the benchmark reads the CPU time (/proc/<pid>/stat) of the coordinator and of every process forked
from its fork server (the worker) at the start and the end of a window inside the sleep. Kernels and kernel parents
are not counted: what is measured is what grading costs while nothing is graded. Rounds alternate the settings'
order; the report gives each setting's CPU-s per 10 s (median) and their ratio.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat  # noqa: E402

from instructor_only.grading import course, nbgrader_cli, notebooks  # noqa: E402

ASSIGNMENT, NOTEBOOK, CELL = "warmup_torch", "warmup.ipynb", "conv_output_size"
SETTINGS = {"quiet clocks": "", "Dask's defaults": "executors.QUIET_CLOCKS.clear()"}
LAUNCH = ("import runpy, sys\nfrom instructor_only.grading.classgrade import executors\n{change}\n"
          "sys.argv[0] = 'classgrade'\nrunpy.run_module('instructor_only.grading.classgrade', run_name='__main__')")


def build(course_dir: Path, sleep: float) -> None:
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(course_dir, [assignment], ["c.ClassReport.enabled = False", "c.Execute.timeout = 600"])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
    solution = notebooks.read(assignment.source_path(NOTEBOOK))
    own = next(c.source for c in solution.cells if notebooks.grade_meta(c).get("grade_id") == CELL)
    code = f"import time\ntime.sleep({sleep})\n" + "\n".join(l for l in own.splitlines() if "### " not in l)
    nb = notebooks.with_answer_replaced(solution, CELL, code)
    nbgrader_cli.submit(course_dir, "sleeper", assignment, {NOTEBOOK: nbformat.writes(nb).encode()})


def processes() -> dict[int, tuple[str, int, int]]:
    """pid -> (command line, parent pid, CPU ticks) of every process."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                command = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(name)] = (command, int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def grading_ticks(coordinator: int) -> tuple[int, bool]:
    """CPU ticks of the coordinator and its fork server's processes; whether a kernel is running."""
    table = processes()
    children = {pid for pid, (_, parent, _) in table.items() if parent == coordinator}
    ours = {coordinator} | {pid for pid in children if "forkserver" in table[pid][0]}
    ours |= {pid for pid, (_, parent, _) in table.items() if parent in ours and "forkserver" in table[pid][0]}
    kernel = any("warm_kernels" in command and os.stat(f"/proc/{pid}").st_uid >= 2_000_000_000
                 for pid, (command, _, _) in table.items() if Path(f"/proc/{pid}").exists())
    return sum(table[pid][2] for pid in ours if pid in table), kernel


def measure(course_dir: Path, change: str, window: float) -> float:
    """CPU-s per 10 s of classgrade's own processes during `window` s of the kernel's sleep."""
    run = subprocess.Popen([sys.executable, "-c", LAUNCH.format(change=change), ASSIGNMENT, "--workers", "1",
                            "--force", "--no-feedback", "--grades-csv", "", "--quiet", "--wall-seconds", "900",
                            "--course-dir", str(course_dir)], cwd=course.COURSE_ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        while not grading_ticks(run.pid)[1]:
            if run.poll() is not None:
                raise RuntimeError("classgrade ended before its kernel started")
            time.sleep(0.2)
        time.sleep(3)  # the kernel's start, then its sleep
        before, _ = grading_ticks(run.pid)
        time.sleep(window)
        after, running = grading_ticks(run.pid)
        if not running:
            raise RuntimeError("the kernel's sleep ended inside the window: raise the sleep")
        return (after - before) / os.sysconf("SC_CLK_TCK") * 10 / window
    finally:
        run.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=float, default=10.0, help="seconds measured inside the kernel's sleep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        course_dir = Path(scratch) / "course"
        build(course_dir, sleep=args.window + 15)
        results = {name: [] for name in SETTINGS}
        for round_number in range(args.rounds):
            order = list(SETTINGS) if round_number % 2 == 0 else list(reversed(SETTINGS))
            for name in order:
                results[name].append(measure(course_dir, SETTINGS[name], args.window))
                print(f"round {round_number + 1}: {name:16s} {results[name][-1]:.3f} CPU-s per 10 s", flush=True)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print()
    for name, value in medians.items():
        print(f"{name:16s} median {value:.3f} CPU-s per 10 s ({value * 10:.1f}% of a core)")
    ratio = medians["Dask's defaults"] / medians["quiet clocks"]
    print(f"Dask's defaults / quiet clocks: {ratio:.2f}x")


if __name__ == "__main__":
    main()
