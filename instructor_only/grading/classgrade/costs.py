"""What grading one submission costs, part by part: wall seconds and CPU-seconds, of the kernel and of the worker.

The parts of a notebook's grading (`PARTS`, in order):
  kernel start    from asking for a kernel until its first cell runs (fork or start, sandbox, readiness)
  imports         the notebook's first code cell (in a warm kernel the framework is imported already)
  student cells   the cells the student wrote (nbgrader's solution cells), which define their functions and classes
  experiments     the notebook's other code cells (data, training runs, plots), in the autograder's reduced mode
  public checks   a test cell's own code, run in the kernel
  hidden checks   a test cell's hidden checks: the kernel's side (the student's code on the checks' inputs) and the
                  trusted side in the worker (pytest, the references, the link)
  nbgrader        the worker's work outside the cells: nbgrader's other preprocessors, the scratch gradebook, files

Kernel CPU counts every process of the kernel (its cgroup in the sandbox, its process tree without); worker CPU
is this process's (all its threads) and its framework reference processes' (`worker_cpu`). The benchmark (benchmarks/class_grading.py) adds the costs of a run that no
submission carries: starting the workers, the kernel parents' framework imports, the coordinator.
"""
from __future__ import annotations

import time

from instructor_only.grading.classgrade import reference_link

PARTS = ("kernel start", "imports", "student cells", "experiments", "public checks", "hidden checks", "nbgrader")
FIELDS = ("wall", "kernel_cpu", "worker_cpu")


def worker_cpu() -> float:
    """The worker's CPU-seconds so far: this process's (all its threads) and its framework reference processes'
    (reference_link.py), which compute on the trusted side's behalf."""
    return time.process_time() + reference_link.cpu_seconds()


def cell_part(cell, index_among_code_cells: int) -> str:
    """The part a code cell belongs to (a test cell's own code: "public checks"; its hidden checks are measured
    apart)."""
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    if index_among_code_cells == 0:
        return "imports"
    if nbgrader.get("solution"):
        return "student cells"
    if nbgrader.get("grade"):
        return "public checks"
    return "experiments"


class NotebookCosts:
    """Costs of one notebook's execution, by part; `kernel_cpu` reads the kernel's CPU-seconds so far."""

    def __init__(self, kernel_cpu):
        self.kernel_cpu = kernel_cpu
        self.parts = {part: dict.fromkeys(FIELDS, 0.0) for part in PARTS}
        self.cells: list[dict] = []
        self.requests = 0  # requests of the hidden checks to the kernel

    def mark(self) -> tuple[float, float, float]:
        return time.perf_counter(), self.kernel_cpu(), worker_cpu()

    def add(self, part: str, since: tuple[float, float, float], label: str = "") -> dict:
        now = self.mark()
        spent = {field: max(0.0, after - before) for field, after, before in zip(FIELDS, now, since)}
        for field, value in spent.items():
            self.parts[part][field] += value
        if label:
            self.cells.append({"label": label, "part": part, **spent})
        return spent

    def as_dict(self) -> dict:
        return {"parts": self.parts, "cells": self.cells, "requests": self.requests}


def with_nbgrader_part(notebooks: dict[str, dict], job_wall: float, job_worker_cpu: float) -> dict[str, dict]:
    """Whatever the job's wall and worker CPU the notebooks' parts do not account for is nbgrader's own work; it is
    put on the first notebook."""
    if not notebooks:
        return notebooks
    accounted = {field: sum(part[field] for nb in notebooks.values() for part in nb["parts"].values())
                 for field in ("wall", "worker_cpu")}
    first = next(iter(notebooks.values()))
    first["parts"]["nbgrader"]["wall"] += max(0.0, job_wall - accounted["wall"])
    first["parts"]["nbgrader"]["worker_cpu"] += max(0.0, job_worker_cpu - accounted["worker_cpu"])
    return notebooks
