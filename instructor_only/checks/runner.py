"""Run the hidden checks of one graded part against a student's objects, in-process, with pytest.

A check module (e.g. `instructor_only/checks/warmup.py`) holds one class per graded part, named `Check...`, with a
`grade_id` attribute naming the student's TODO and `check_*` methods. Check methods get two fixtures:

- `student`: the student's notebook namespace; `student.conv_output_size` is their function, and a missing name
  fails with a message saying what to define;
- `fw`: the framework adapter of the notebook's track (`instructor_only.frameworks`).

An autograder cell ends with

    from instructor_only.checks import run_hidden_checks
    run_hidden_checks("warmup", "conv_output_size", "torch", globals())

which prints pytest's report and raises `HiddenChecksFailed` if any check failed, so nbgrader scores the cell 0.
"""
from __future__ import annotations

import contextlib
import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from instructor_only import frameworks

_INI = Path(__file__).with_name("pytest.ini")


class HiddenChecksFailed(AssertionError):
    """Raised in the notebook when a hidden check fails (the report above the traceback says which and why)."""


class StudentNamespace:
    """Attribute access to a notebook's globals, failing a check with a clear message when a name is missing."""

    def __init__(self, namespace: dict):
        self._namespace = namespace

    @contextlib.contextmanager
    def patched(self, name: str, value):
        """Temporarily replace one of the student's globals (to check a part independently of another)."""
        missing = object()
        saved = self._namespace.get(name, missing)
        self._namespace[name] = value
        try:
            yield
        finally:
            if saved is missing:
                self._namespace.pop(name, None)
            else:
                self._namespace[name] = saved

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._namespace[name]
        except KeyError:
            pytest.fail(f"Your notebook does not define `{name}`. Run the cell that defines it (and keep its name "
                        f"as given in the exercise).", pytrace=False)


@dataclass
class CheckReport:
    grade_id: str
    exit_code: int
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.failed and bool(self.passed)


class _StudentPlugin:
    """pytest plugin handing the student's namespace and the framework adapter to the checks, and recording outcomes."""

    def __init__(self, namespace: dict, framework: str, report: CheckReport):
        self._namespace = namespace
        self._framework = framework
        self._report = report

    @pytest.fixture
    def student(self):
        return StudentNamespace(self._namespace)

    @pytest.fixture
    def fw(self):
        return frameworks.load(self._framework)

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self._report.failed.append(report.nodeid)
        elif report.passed and report.when == "call":
            self._report.passed.append(report.nodeid)


def find_check_class(concept: str, grade_id: str):
    module = importlib.import_module(f"instructor_only.checks.{concept}")
    for obj in vars(module).values():
        if inspect.isclass(obj) and obj.__name__.startswith("Check") and getattr(obj, "grade_id", None) == grade_id:
            return module, obj
    raise LookupError(f"instructor_only.checks.{concept} has no Check class with grade_id {grade_id!r}")


def check_report(concept: str, grade_id: str, framework: str, namespace: dict, *, verbose: bool = True) -> CheckReport:
    """Run the checks of `grade_id` (in `instructor_only.checks.<concept>`) against `namespace`; never raises.

    Prints pytest's report unless verbose=False.
    """
    module, check_class = find_check_class(concept, grade_id)
    report = CheckReport(grade_id=grade_id, exit_code=-1)
    args = [
        f"{module.__file__}::{check_class.__name__}",
        "-c", str(_INI), "--rootdir", str(_INI.parent),
        "--import-mode=importlib",
        "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly",
        # These two run gc.collect() at exit: ~0.1 s a run once torch/TensorFlow fill the heap.
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        # No capture: this may run inside a Jupyter kernel or inside the course's own pytest run.
        "--capture=no",
        "--tb=short", "--no-header", "-q" if verbose else "-qq",
        "-W", "ignore::DeprecationWarning",
    ]
    report.exit_code = int(pytest.main(args, plugins=[_StudentPlugin(namespace, framework, report)]))
    return report


def run_hidden_checks(concept: str, grade_id: str, framework: str, namespace: dict) -> None:
    """The call at the end of an autograder cell: print the report, raise HiddenChecksFailed if anything failed.

    Returns None on purpose: nbgrader would read a numeric cell result as partial credit.
    """
    report = check_report(concept, grade_id, framework, namespace)
    if not report.ok:
        if report.failed:
            raise HiddenChecksFailed(
                f"{len(report.failed)} of {len(report.failed) + len(report.passed)} hidden checks for "
                f"`{grade_id}` failed; the report above says which and why.")
        raise HiddenChecksFailed(f"the hidden checks for `{grade_id}` could not run (pytest exit code "
                                 f"{report.exit_code}); please tell your instructor.")
