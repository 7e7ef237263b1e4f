"""nbgrader's Execute preprocessor with per-submission limits: a memory cap, a wall-clock cap and an output cap.

Scoring is untouched: this class only adds what happens when a limit is hit. A watchdog thread measures the
kernel's process tree; past the memory cap or the submission's deadline it kills the kernel. The cell that was
running gets an error output that says which limit it hit, and every later code cell gets an error output saying it
was not run, so stock SaveAutoGrades scores all of them zero (nbgrader gives a test cell its points when it has no
error output, so cells left without outputs would otherwise count as passed). Output beyond the cap is dropped with
one note in the cell.
"""
from __future__ import annotations

import json
import threading
import time

import psutil
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer, Unicode

from instructor_only.grading.classgrade.warm_kernels import warm_kernel_manager

LIMIT_ERROR = "ResourceLimitExceeded"   # ename of the error output put in the cell that hit a limit
NOT_RUN_ERROR = "NotRun"                # ename of the error output of the cells after it
KERNEL_DIED_ERROR = "KernelDied"        # the kernel died by itself (crash, os._exit) rather than by a limit

# Per-notebook timings, for the benchmark's cost breakdown: notebook id -> {"kernel_start": s, "cells": [(label, s)]}.
# One grading job runs at a time in a worker process (see worker.py), so this is read right after the job.
TIMINGS: dict[str, dict] = {}


def cell_label(cell: NotebookNode, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    first_line = next((line.strip() for line in cell.get("source", "").splitlines() if line.strip()), "")
    return grade_id or f"cell {index + 1}: {first_line[:40]}"


def error_output(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {message}"])


class KernelWatchdog(threading.Thread):
    """Polls the kernel's process tree; kills it past the memory cap or the deadline and says why."""

    def __init__(self, pid: int, memory_cap_mb: int, deadline: float, poll_seconds: float = 0.1):
        super().__init__(daemon=True, name="kernel-watchdog")
        self.pid, self.memory_cap_mb, self.deadline, self.poll_seconds = pid, memory_cap_mb, deadline, poll_seconds
        self.current_cell = "kernel start"
        self.reason: str | None = None
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                processes = self.tree()
                rss_mb = sum(p.memory_info().rss for p in processes) / 2**20
            except psutil.Error:
                return  # the kernel is gone: nothing left to watch
            self.peak_mb = max(self.peak_mb, rss_mb)
            if self.memory_cap_mb and rss_mb > self.memory_cap_mb:
                self.reason = (f"cell `{self.current_cell}` exceeded the memory cap of {self.memory_cap_mb} MB "
                               f"({rss_mb:.0f} MB); the kernel was stopped")
            elif self.deadline and time.time() > self.deadline:
                self.reason = (f"the submission exceeded its wall-clock cap while cell `{self.current_cell}` was "
                               f"running; the kernel was stopped")
            if self.reason:
                for process in reversed(processes):
                    try:
                        process.kill()
                    except psutil.Error:
                        pass
                return

    def stop(self) -> None:
        self._stop.set()


class LimitedExecute(Execute):
    """Execute (stock nbgrader, configured by the course's `Execute` settings) plus the limits above."""

    memory_cap_mb = Integer(2048, help="Kill the kernel when its process tree uses more than this (0: no cap).").tag(config=True)
    deadline = Float(0.0, help="Absolute time (time.time()) after which the kernel is killed (0: none).").tag(config=True)
    output_cap_chars = Integer(1_000_000, help="Characters of output kept per cell; the rest is dropped with a note.").tag(config=True)
    warm_framework = Unicode("", help="Fork kernels from a parent with this framework imported (warm_kernels.py); "
                                      "'' starts each kernel from scratch.").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.warm_framework:
            self.kernel_manager_class = warm_kernel_manager(self.warm_framework)

    def preprocess(self, nb, resources, km=None):
        self._watchdog: KernelWatchdog | None = None
        self._stopped: str | None = None            # the error message given to the cells after a stop
        self._output_chars: dict[int, int] = {}
        self._notebook_id = resources.get("nbgrader", {}).get("notebook", "notebook")
        self._timing = TIMINGS.setdefault(self._notebook_id, {"kernel_start": 0.0, "cells": []})
        self._started = time.perf_counter()
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
                self._timing["peak_mb"] = self._watchdog.peak_mb

    def _ensure_watchdog(self) -> None:
        if self._watchdog is not None or self.km is None:
            return
        self._timing["kernel_start"] = time.perf_counter() - self._started
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            self._watchdog = KernelWatchdog(process.pid, self.memory_cap_mb, self.deadline)
            self._watchdog.start()

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if self._stopped:
            cell.outputs = [error_output(NOT_RUN_ERROR, self._stopped)]
            return cell, resources
        self._ensure_watchdog()
        label = cell_label(cell, index)
        if self._watchdog is not None:
            self._watchdog.current_cell = label
        began = time.perf_counter()
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            reason = (self._watchdog.reason if self._watchdog else None)
            ename = LIMIT_ERROR if reason else KERNEL_DIED_ERROR
            reason = reason or f"the kernel died while cell `{label}` was running (a crash, or the process exited)"
            cell.outputs = [*cell.get("outputs", []), error_output(ename, reason)]
            self._stopped = f"not run: {reason}"
            self.log.warning("%s: %s", self._notebook_id, reason)
            return cell, resources
        finally:
            self._timing["cells"].append((label, time.perf_counter() - began))

    def output(self, outs, msg, display_id, cell_index):
        if msg.get("msg_type") in ("stream", "display_data", "execute_result", "update_display_data", "error"):
            size = len(json.dumps(msg.get("content", {})))
            total = self._output_chars.get(cell_index, 0) + size
            self._output_chars[cell_index] = total
            if total > self.output_cap_chars and msg["msg_type"] != "error":
                if total - size <= self.output_cap_chars:  # first message over the cap: say so once
                    outs.append(NotebookNode(output_type="stream", name="stdout",
                                             text=f"\n[output cap: more than {self.output_cap_chars:,} characters; "
                                                  f"the rest of this cell's output was dropped]\n"))
                return None
        return super().output(outs, msg, display_id, cell_index)
