"""What travels to a grading worker and back. Plain data (bytes and numbers), so a Dask worker on another machine
needs no shared filesystem and no database access: only the course's Python environment."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    """Per-submission limits. The per-cell timeout is nbgrader's own `Execute.timeout` from the course config."""
    memory_mb: int = 2048          # everything the kernel's sandbox holds (0: no cap)
    wall_seconds: float = 900.0    # the whole submission, kernel start included (0: no cap)
    output_chars: int = 1_000_000  # per cell
    threads: int = 1               # compute threads per kernel (OMP/MKL/TF); 0 leaves the frameworks' defaults
    cpu_seconds: float = 600.0     # CPU time of all the kernel's processes together (0: no cap)
    processes: int = 256           # processes and threads at once in the sandbox (0: no cap; TF uses ~60 threads)


@dataclass(frozen=True)
class GradingJob:
    assignment: str
    student: str
    config_text: str                    # the course's nbgrader_config.py
    template_gradebook: bytes           # SQLite gradebook holding only this assignment's definition
    source_files: dict[str, bytes]      # source/<assignment>/ (relative path -> content)
    submission_files: dict[str, bytes]  # submitted/<student>/<assignment>/ (relative path -> content)
    limits: Limits = field(default_factory=Limits)
    warm_framework: str = ""            # fork kernels from a parent that imported this framework ("" = cold kernels)
    sandbox: bool = True                # each kernel in the grading sandbox (sandbox/policy.py)


@dataclass
class GradingResult:
    assignment: str
    student: str
    ok: bool                                  # stock autograde finished (limits hit still count as finished)
    autograded_files: dict[str, bytes]        # autograded/<student>/<assignment>/ (relative path -> content)
    scores: dict[str, tuple[float, float]]    # grade id -> (auto score, max score), from the worker's own gradebook
    incidents: list[str]                      # limits hit, kernel deaths: what the student and instructor are told
    error: str = ""                           # why autograde failed (ok False)
    worker: str = ""                          # host:pid that graded it
    timings: dict = field(default_factory=dict)  # total wall seconds; per notebook, its costs by part (costs.py)
