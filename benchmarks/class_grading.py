"""Benchmark: grading one class with stock sequential `nbgrader autograde` vs `classgrade`, in one run.

    .venv/bin/python benchmarks/class_grading.py                       # 20 submissions each of both warm-up tracks
    .venv/bin/python benchmarks/class_grading.py -a batchnorm_torch --per-assignment 10 --modes stock,classgrade

A scratch course gets a class per assignment: the solution, the blank release, catalogued bugs and alternatives,
cycled until --per-assignment students (so a mix of correct, buggy and blank). Each mode grades its own copy:

  stock            `nbgrader autograde ASSIGNMENT` once per assignment (stock nbgrader grades its students in turn)
  classgrade-1     classgrade, one local worker (its per-submission timings give the cost breakdown)
  classgrade       classgrade, one local worker per core (the default)
  classgrade-cold  the same with --cold-kernels (every kernel imports the framework itself)
  classgrade-no-report
                   classgrade without the class report and the diagnosis (c.ClassReport.enabled and
                   c.LimitedExecute.record_behaviour off): what they cost (classgrade computes the catalogue's
                   fingerprints in each mode's own course, within its default budget, as a course's first run does)
  classgrade-report-cached
                   classgrade whose course holds every fingerprint of the assignment (computed once before the
                   rounds, not timed, and copied in): a course's later runs, or one whose fingerprints were
                   computed ahead
  classgrade-no-sandbox, classgrade-1-no-sandbox
                   classgrade (one worker per core, or one worker) with --no-sandbox: what the sandbox costs
  classgrade-1-in-kernel
                   classgrade-1-no-sandbox with the hidden checks run in the kernel (stock nbgrader's way) instead of
                   decided in the worker: what the trusted split costs
  dask-1, dask-2   classgrade through a real `dask scheduler` with 1 or 2 `dask worker` processes on loopback,
                   started for the run (their start is timed)
  standing-1, standing-2
                   the same cluster, standing: it graded the class once before (not timed), so its workers have
                   their kernel parents and imports; the timed run regrades the class (--force), as a course's
                   standing cluster does after a deadline extension

With --rounds N the modes run N times, every other round in reverse order, and each ratio (vs stock, / limit,
N workers vs one) is taken within a round and reported as its median: this VM's speed drifts by 10-20% within an
hour, which a single pass would read as a difference between modes.

For every mode: wall time, busy CPU time of the machine, throughput, speed-up vs stock, and whether every
cell's score equals stock's. For classgrade's modes, the CPU-seconds per submission by part (classgrade/costs.py)
and the fixed costs of the run (the machine's CPU no submission accounts for). The machine limit is the CPU that
cannot be avoided (the kernel's CPU for the notebooks' cells and for the student's code the hidden checks call; see
UNAVOIDABLE) summed over the class, plus one import of each framework (a grading machine needs it at least once),
divided by the cores: no grader on this machine can be faster.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from instructor_only.grading import course, nbgrader_cli  # noqa: E402
from instructor_only.grading.classgrade import state  # noqa: E402
from instructor_only.grading.submissions import plan  # noqa: E402

# Per-submission CPU by part (classgrade/costs.py), then totals. The unavoidable part: the kernel's CPU for the
# notebook's own cells and for the student's code that the hidden checks call (what grading this notebook needs,
# whoever grades it); per run, one import of each framework. Everything else is work the grader adds: starting
# kernels, nbgrader's bookkeeping, the trusted side of the checks (pytest, references, the link), and per run,
# starting workers and their kernel parents (one framework import per worker and framework).
BREAKDOWN = ("kernel start", "imports", "student cells", "experiments", "public checks", "hidden checks: kernel",
             "hidden checks: trusted side", "nbgrader", "CPU total", "unavoidable", "wall", "requests")
UNAVOIDABLE = ("imports", "student cells", "experiments", "public checks", "hidden checks: kernel")
MODES = ("stock", "classgrade-1", "classgrade-1-no-sandbox", "classgrade-1-in-kernel", "classgrade",
         "classgrade-no-sandbox", "classgrade-cold", "classgrade-no-report", "classgrade-report-cached", "dask-1", "dask-2", "standing-1", "standing-2")
CORES = len(os.sched_getaffinity(0))


def build_class(base: Path, assignments: list[course.Assignment], per_assignment: int) -> dict[str, list[str]]:
    nbgrader_cli.new_course(base, assignments)
    mix = {}
    for assignment in assignments:
        nbgrader_cli.run(["generate_assignment", assignment.name], base)
        planned = plan(assignment)
        ordered = ([p for p in planned if p.kind == "solution"] + [p for p in planned if p.kind == "blank"]
                   + [p for p in planned if p.kind in ("bug", "alt")])
        kinds = []
        for i in range(per_assignment):
            submission = ordered[i % len(ordered)]
            nbgrader_cli.submit(base, f"s{i:02d}", assignment, submission.as_json())
            kinds.append(submission.kind)
        mix[assignment.name] = kinds
    return mix


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def classgrade(course_dir: Path, assignments: list[str], *extra: str) -> None:
    result = nbgrader_cli.classgrade(course_dir, assignments, "--force", "--no-feedback", "--grades-csv", "", *extra)
    if result.returncode != 0 or "NOT GRADED" in result.stdout:
        raise RuntimeError(f"classgrade failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


@contextlib.contextmanager
def dask_cluster(workers: int):
    """A real `dask scheduler` and `workers` single-threaded `dask worker` processes on loopback; yields its address."""
    port = free_port()
    from instructor_only.grading.classgrade.executors import WORKER_ENVIRONMENT
    env = {**nbgrader_cli.environment(), **WORKER_ENVIRONMENT}  # as docs/INSTRUCTORS.md starts workers
    dask = str(Path(sys.executable).with_name("dask"))
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  **quiet)]
    try:
        processes += [subprocess.Popen([dask, "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                        "--memory-limit", "0", "--no-dashboard"], **quiet) for _ in range(workers)]
        from distributed import Client
        with Client(f"tcp://127.0.0.1:{port}", timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


def run_mode(mode: str, course_dir: Path, assignments: list[str]) -> None:
    if mode == "stock":
        for assignment in assignments:
            nbgrader_cli.run(["autograde", assignment, "--force"], course_dir)
    elif mode == "classgrade-1-in-kernel":  # as classgrade-1-no-sandbox, with the hidden checks run in the kernel
        with open(course_dir / "nbgrader_config.py", "a") as config:
            config.write("\nc.LimitedExecute.trusted_checks = False\nc.TrustedScores.enabled = False\n")
        classgrade(course_dir, assignments, "--workers", "1", "--no-sandbox")
    elif mode == "classgrade-no-report":
        with open(course_dir / "nbgrader_config.py", "a") as config:
            config.write("\nc.ClassReport.enabled = False\nc.LimitedExecute.record_behaviour = False\n")
        classgrade(course_dir, assignments, "--workers", str(CORES))
    elif mode.startswith("classgrade-1"):
        classgrade(course_dir, assignments, "--workers", "1", *(["--no-sandbox"] if "no-sandbox" in mode else []))
    elif mode.startswith("classgrade") and mode != "classgrade-cold":  # (and classgrade-report-cached)
        classgrade(course_dir, assignments, "--workers", str(CORES), *(["--no-sandbox"] if "no-sandbox" in mode else []))
    elif mode == "classgrade-cold":
        classgrade(course_dir, assignments, "--workers", str(CORES), "--cold-kernels")
    elif mode.startswith("dask-"):  # dask-N: the cluster's start is timed too
        with dask_cluster(int(mode.split("-")[1])) as address:
            classgrade(course_dir, assignments, "--scheduler", address)
    else:
        raise ValueError(mode)


def machine_cpu() -> float:
    """Busy CPU seconds of the whole machine (all processes; run the benchmark on a quiet machine). Per-process
    accounting would miss forked kernels, which their parent, not this process, reaps."""
    times = psutil.cpu_times()
    return sum(getattr(times, field, 0.0) for field in ("user", "nice", "system", "irq", "softirq", "steal"))


def score_differences(stock: dict, scores: dict):
    """(assignment, student, {cell: (stock's score, this mode's)}) for every student whose scores differ."""
    for name in stock:
        for student in sorted(set(stock[name]) | set(scores.get(name, {}))):
            want, got = stock[name].get(student, {}), scores.get(name, {}).get(student, {})
            if want != got:
                yield name, student, {cell: (want.get(cell), got.get(cell)) for cell in sorted(set(want) | set(got))
                                      if want.get(cell) != got.get(cell)}


def breakdown(course_dir: Path, assignment: str) -> dict:
    """Average CPU-seconds per submission by part (costs.PARTS; hidden checks split into the kernel's side and the
    trusted side), from classgrade's per-submission records (state files); also wall seconds and requests."""
    rows = []
    for path in sorted((course_dir / state.STATE_DIR / assignment).glob("*.json")):
        timings = json.loads(path.read_text()).get("timings", {})
        row = dict.fromkeys(BREAKDOWN, 0.0)
        for notebook in timings.get("notebooks", {}).values():
            for part, spent in notebook["parts"].items():
                if part == "hidden checks":
                    row["hidden checks: kernel"] += spent["kernel_cpu"]
                    row["hidden checks: trusted side"] += spent["worker_cpu"]
                else:
                    row[part] += spent["kernel_cpu"] + spent["worker_cpu"]
            row["requests"] += notebook.get("requests", 0)
        row["CPU total"] = sum(row[part] for part in BREAKDOWN[:-4])
        row["unavoidable"] = sum(row[part] for part in UNAVOIDABLE)
        row["wall"] = timings.get("total", 0.0)
        rows.append(row)
    return {name: sum(row[name] for row in rows) / len(rows) for name in BREAKDOWN} if rows else {}


def import_cpu(framework: str) -> float:
    """CPU-seconds of importing `framework` in a fresh interpreter (a grading machine must do it at least once)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", f"import {framework}"], check=True, env=nbgrader_cli.environment(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)  # (with the interpreter's start)


def print_breakdown(mode: str, figures: dict, names: list[str]) -> None:
    print(f"\n{mode}: CPU-seconds per submission by part (kernel + worker)")
    print(f"  {'part':28s}" + "".join(f"{name:>22s}" for name in names))
    for part in BREAKDOWN:
        unit = " (s)" if part == "wall" else ""
        print(f"  {part + unit:28s}" + "".join(f"{figures['breakdown'][n].get(part, 0.0):22.2f}" for n in names))
    print(f"  fixed costs of the run (workers, kernel parents, coordinator): {figures['fixed_cpu']:.1f} CPU-s")


def run_round(modes: list[str], workdir: Path, names: list[str]) -> dict:
    """Grade the class once in each mode, in this order: {mode: wall, CPU, scores, breakdown}."""
    figures = {}
    for mode in modes:
        course_dir = workdir / mode
        shutil.rmtree(course_dir, ignore_errors=True)
        shutil.copytree(workdir / "base", course_dir)
        with contextlib.ExitStack() as standing:
            if mode == "classgrade-report-cached":  # every fingerprint, computed before the rounds (untimed)
                for kept in (workdir / "fingerprints").glob("*/fingerprints.json"):
                    target = state.report_dir(course_dir, kept.parent.name)
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy(kept, target)
            if mode.startswith("standing-"):  # start the cluster and grade the class once, untimed
                address = standing.enter_context(dask_cluster(int(mode.split("-")[1])))
                shutil.copytree(workdir / "base", workdir / f"{mode}-warm-up", dirs_exist_ok=True)
                classgrade(workdir / f"{mode}-warm-up", names, "--scheduler", address)
            cpu, began = machine_cpu(), time.perf_counter()
            if mode.startswith("standing-"):
                classgrade(course_dir, names, "--scheduler", address)
            else:
                run_mode(mode, course_dir, names)
            wall, cpu = time.perf_counter() - began, machine_cpu() - cpu
        figures[mode] = {"wall": wall, "cpu": cpu, "scores": {name: nbgrader_cli.scores(course_dir, name)
                                                              for name in names},
                         "breakdown": {name: breakdown(course_dir, name) for name in names} if mode != "stock" else {}}
        print(f"{mode:16s} {wall:7.1f} s wall {cpu:7.1f} s CPU", flush=True)
    return figures


def combined(runs: list[dict]) -> dict:
    """One mode's figures over the rounds: the median wall and CPU, the mean breakdown, identical in every round."""
    names = runs[0]["breakdown"].keys()
    return {"wall": median([r["wall"] for r in runs]), "cpu": median([r["cpu"] for r in runs]),
            "identical": all(r["identical"] for r in runs),
            "fixed_cpu": median([r.get("fixed_cpu", 0.0) for r in runs]),
            "breakdown": {name: {part: sum(r["breakdown"][name].get(part, 0.0) for r in runs) / len(runs)
                                 for part in BREAKDOWN} for name in names}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-a", "--assignment", action="append", help="default: warmup_torch and warmup_tensorflow")
    parser.add_argument("--per-assignment", type=int, default=20)
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, from {','.join(MODES)}")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one, removed at the end)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the modes this many times, every other round in reverse order, and report the "
                             "median of each ratio taken within a round (the VM's speed drifts: see docs/GRADING.md)")
    args = parser.parse_args(argv)
    names = args.assignment or ["warmup_torch", "warmup_tensorflow"]
    modes = args.modes.split(",")
    if "stock" not in modes:
        parser.error("the stock mode is the baseline: keep it in --modes")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="class-grading-bench-"))
    assignments = [course.get(name) for name in names]
    mix = build_class(workdir / "base", assignments, args.per_assignment)
    total = sum(len(kinds) for kinds in mix.values())
    for name, kinds in mix.items():
        print(f"{name}: {len(kinds)} submissions: " + ", ".join(f"{k} {kinds.count(k)}" for k in dict.fromkeys(kinds)))
    print(f"{CORES} cores\n")

    if "classgrade-report-cached" in modes:  # every fingerprint of each assignment, once (untimed)
        for name in names:
            subprocess.run([sys.executable, "-m", "instructor_only.grading.diagnosis.fingerprints", name, "--cache-dir",
                            str(workdir / "fingerprints" / name)], cwd=course.COURSE_ROOT, check=True,
                           stdout=subprocess.DEVNULL)
    rounds = []  # one {mode: figures} per round; every other round runs the modes in reverse order
    for number in range(args.rounds):
        order = modes if number % 2 == 0 else modes[::-1]
        if args.rounds > 1:
            print(f"round {number + 1} of {args.rounds}: " + ", ".join(order), flush=True)
        rounds.append(run_round(order, workdir, names))
    stock_scores = rounds[0]["stock"]["scores"]
    for figures in rounds:
        for mode, f in figures.items():
            f["identical"] = f["scores"] == stock_scores
            for name, student, cells in score_differences(stock_scores, f["scores"]):
                print(f"  {mode}: {name} {student}: " + ", ".join(
                    f"{cell} {want} in stock, {got} here" for cell, (want, got) in cells.items()), flush=True)

    imports = {framework: import_cpu(framework) for framework in sorted({a.framework for a in assignments})}
    for figures in rounds:
        for f in figures.values():
            if f["breakdown"]:
                f["fixed_cpu"] = f["cpu"] - sum(f["breakdown"][n].get("CPU total", 0.0) * len(mix[n]) for n in names)
        measured = next((m for m in ("classgrade-1", *figures) if figures.get(m, {}).get("breakdown")), None)
        if measured:  # the limit of this round, from its own single-worker run (the VM's speed drifts)
            per = figures[measured]["breakdown"]
            unavoidable = sum(per[n]["unavoidable"] * len(mix[n]) for n in names) + sum(imports.values())
            for f in figures.values():
                f["limit"], f["limit_from"] = unavoidable / CORES, measured
    summary = {mode: combined([figures[mode] for figures in rounds]) for mode in modes}
    stock_wall = summary["stock"]["wall"]
    print(f"\nstock: {stock_wall / total:.2f} s per submission, {summary['stock']['cpu'] / total:.2f} CPU-s")
    for mode, f in summary.items():
        if f["breakdown"]:
            print_breakdown(mode, f, names)
    limits = [figures[modes[0]].get("limit") for figures in rounds]
    if all(limits):
        print(f"\nmachine limit: the kernel's CPU for the notebooks' cells and for the student's code the hidden checks "
              f"call (measured by {rounds[0][modes[0]]['limit_from']} in the same round), and one import of each "
              f"framework (" + ", ".join(f"{f} {s:.1f} CPU-s" for f, s in imports.items()) + f"), / {CORES} cores: "
              + ", ".join(f"{limit:.0f} s" for limit in limits) + (" (one per round)" if len(limits) > 1 else ""))
    print("\n(each ratio is taken within a round, and its median over the rounds is shown)" if len(rounds) > 1 else "")
    print(f"{'mode':24s} {'wall s':>7s} {'CPU s':>7s} {'subm/min':>8s} {'vs stock':>8s} {'/ limit':>7s}  identical")
    for mode, f in summary.items():
        speedups = [figures["stock"]["wall"] / figures[mode]["wall"] for figures in rounds]
        to_limit = [figures[mode]["wall"] / figures[mode]["limit"] for figures in rounds if figures[mode].get("limit")]
        f["vs_stock"], f["to_limit"] = median(speedups), median(to_limit) if to_limit else None
        ratio = f"{f['to_limit']:.2f}" if to_limit else "-"
        print(f"{mode:24s} {f['wall']:7.1f} {f['cpu']:7.1f} {60 * total / f['wall']:8.1f} "
              f"{f['vs_stock']:7.2f}x {ratio:>7s}  {'yes' if f['identical'] else 'NO'}")
    for single, many, workers in (("classgrade-1", "classgrade", CORES), ("dask-1", "dask-2", 2),
                                  ("standing-1", "standing-2", 2)):
        if single in summary and many in summary:
            ratio = median([workers * figures[many]["wall"] / figures[single]["wall"] for figures in rounds])
            print(f"{many} ({workers} workers) vs {workers} x {single}'s throughput: {ratio:.2f}x as long")
    figures = summary
    limit = median(limits) if all(limits) else None
    if args.json:
        for figures_of_round in rounds:
            for f in figures_of_round.values():
                f.pop("scores")
        args.json.write_text(json.dumps({"mix": mix, "cores": CORES, "limit": limit, "framework_imports": imports,
                                         "modes": figures, "rounds": rounds}, indent=1))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(f["identical"] for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
