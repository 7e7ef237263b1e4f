"""Run the hidden checks of one graded part against a student's notebook, with pytest, on the trusted side.

A check module (e.g. `instructor_only/checks/warmup.py`) holds one class per graded part, named `Check...`, with a
`grade_id` attribute naming the test cell it checks and `check_*` methods. Check methods get these fixtures:

- `student`: the student's notebook seen through a link to the kernel (`remote.RemoteStudent`):
  `student.conv_output_size` is a proxy of their function whose answers are data; a missing name fails with a
  message saying what to define;
- `fw`: the framework adapter of the notebook's track, whose functions run in the kernel (`remote.RemoteAdapter`);
- `sources`: the notebook's code cells as they ran, up to the test cell, for the rules of method read from the
  source on this side (`method_rules.py`); None where the link has none.

With stock nbgrader an autograder cell ends with

    from instructor_only.checks import run_hidden_checks
    run_hidden_checks("warmup", "check_conv_output_size", "torch", globals())

which runs both sides in the kernel's process (stock nbgrader trusts the student's code), prints the verdict in
words and raises `HiddenChecksFailed` if any check failed, so nbgrader scores the cell 0. `classgrade` never lets
that line run in the kernel: it runs `check_report` in its own process over a link to the sandboxed kernel.
"""
from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from instructor_only.checks import partial_credit, remote

_INI = Path(__file__).with_name("pytest.ini")
UNUSED_PLUGINS = ("legacypath", "tmpdir", "monkeypatch", "recwarn", "pastebin", "junitxml", "doctest", "setuponly",
                  "setupplan", "stepwise", "logging", "subtests", "unittest", "debugging")
MESSAGE_CHARS = 1500  # of one failed check's message shown to the student


class HiddenChecksFailed(AssertionError):
    """Raised in the notebook when a hidden check fails; shown as its message alone (no traceback, no paths)."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


@dataclass
class CheckReport:
    grade_id: str
    exit_code: int
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)   # failed check -> what went wrong, in words
    details: list[str] = field(default_factory=list)         # pytest's full reports of the failures (instructors)
    weights: dict[str, float] = field(default_factory=dict)  # check -> its weight (partial_credit.weight)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.failed and bool(self.passed)

    def share(self) -> float:
        """The passed share of the checks' weight: 1 when all passed, 0 when they could not run (partial_credit)."""
        if self.ok:
            return 1.0
        if self.exit_code != 1 or not self.failed:  # pytest's 1: tests ran and some failed; anything else: not run
            return 0.0
        failed = set(self.failed)
        ran = failed | set(self.passed)
        total = sum(self.weights.get(node, 1.0) for node in ran)
        return sum(self.weights.get(node, 1.0) for node in ran - failed) / total if total > 0 else 0.0

    def summary(self) -> str:  # at most ~MESSAGE_CHARS per check
        """The verdict in words, for the student: one line per failed check, nothing of the checks' code."""
        total = len(self.passed) + len(self.failed)
        if self.ok:
            return f"Hidden checks for `{self.grade_id}`: all {total} passed."
        if not self.failed:
            return (f"The hidden checks for `{self.grade_id}` could not run (pytest exit code {self.exit_code}); "
                    f"please tell your instructor.")
        lines = [f"Hidden checks for `{self.grade_id}`: {len(self.failed)} of {total} failed."]
        for name in self.failed:
            message = self.messages.get(name, "failed").strip()
            if len(message) > MESSAGE_CHARS:  # (a message may quote the student's objects)
                message = message[:MESSAGE_CHARS] + " [...]"
            message = message.replace("\n", "\n    ")
            lines.append(f"- {check_title(name)}: {message}")
        return "\n".join(lines)


def check_title(node_id: str) -> str:
    """'warmup.py::CheckLayouts::check_round_trip[x]' -> 'round trip [x]'."""
    name = node_id.split("::")[-1]
    base, _, params = name.partition("[")
    return base.removeprefix("check_").replace("_", " ") + (f" [{params}" if params else "")


# What a framework's error raised inside the student's code usually means (first match wins). Matched against the
# first HINT_CHARS of the message only, with bounded repeats: the message is the kernel's text (the student's).
HINT_CHARS = 2_000
FRAMEWORK_ERROR_HINTS = [
    (r"size of tensor a \(\d{1,12}\) must match the size of tensor b|Incompatible shapes|"
     r"[Ss]hapes [^\n]{0,300} are incompatible",
     "two tensors that are added, multiplied or concatenated have different shapes: print both shapes (in a residual "
     "block, the shortcut must match the branch: check the stride, the padding and the channels)"),
    (r"mat1 and mat2 shapes cannot be multiplied|Matrix size-incompatible",
     "a matrix product got operands of mismatched sizes: check the layer's input size against the data's features"),
    (r"Shapes used to initialize variables must be fully-defined",
     "a weight was created before its shape was known: create weights in build(input_shape), using input_shape[-1]"),
    (r"is incompatible with the layer",
     "a Keras layer got an input of another shape than the one it was built for (a layer is built on its first call "
     "and keeps that input size): use a separate layer for each input size"),
    (r"expected input\[[^\n]{0,300}\] to have \d{1,12} channels|expected [^\n]{0,300}channels",
     "a convolution got an input whose channel count is not its in_channels"),
]


def message_in_words(error: BaseException | None, report) -> str:
    """What a failed check says: its assertion message, pytest.fail's text, or the exception the student's code
    raised; an exception of the checks themselves is the instructor's to fix."""
    if error is not None and getattr(error, "from_kernel", False):  # first: the student's own AssertionError too
        text = str(error) if isinstance(error, remote.StudentCodeError) else f"{type(error).__name__}: {error}"
        hint = next((hint for pattern, hint in FRAMEWORK_ERROR_HINTS if re.search(pattern, text[:HINT_CHARS])), "")
        return f"{getattr(error, 'where', '') or 'your code'} raised {text}" + (f"\n    hint: {hint}" if hint else "")
    if isinstance(error, pytest.fail.Exception) or type(error) is AssertionError:
        return str(error)
    crash = getattr(report.longrepr, "reprcrash", None)
    what = crash.message if crash is not None else "an error"
    return f"the check itself failed ({what.splitlines()[0][:200]}); please tell your instructor"


class _StudentPlugin:
    """pytest plugin handing the student's notebook and the framework adapter to the checks, recording outcomes."""

    def __init__(self, link: remote.Link, framework: str, report: CheckReport):
        self._link = link
        self._framework = framework
        self._report = report
        self._errors: dict[str, BaseException | None] = {}

    @pytest.fixture
    def student(self):
        return remote.RemoteStudent(self._link)

    @pytest.fixture
    def fw(self):
        return remote.load_adapter(self._link, self._framework)

    @pytest.fixture
    def sources(self):
        """The notebook's code cells as they ran, up to the test cell (`Link.sources`), or None: for the checks of
        method rules, which read the student's code on this side (`method_rules.py`)."""
        return self._link.sources

    def pytest_collection_modifyitems(self, items):
        """Each check's weight: its function's, shared equally among its parametrised cases."""
        def check(item):  # (a bound method is new for each case: the check is its class and its name)
            return item.cls, item.originalname
        cases: dict[tuple, int] = {}
        for item in items:
            cases[check(item)] = cases.get(check(item), 0) + 1
        for item in items:
            self._report.weights[item.nodeid] = partial_credit.declared_weight(item.function) / cases[check(item)]

    def pytest_runtest_setup(self, item):
        if self._link.recording is not None:
            self._link.recording.begin(item.nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.excinfo is not None:
            self._errors[report.nodeid] = call.excinfo.value
        return report

    def pytest_runtest_logreport(self, report):
        if report.failed:
            if report.nodeid not in self._report.failed:  # (a call and its teardown may both fail: counted and
                self._report.failed.append(report.nodeid)  # explained to the student once, by the first failure)
                self._report.messages[report.nodeid] = message_in_words(self._errors.get(report.nodeid), report)
            self._report.details.append(f"{report.nodeid} ({report.when})\n{report.longreprtext}")
        elif report.passed and report.when == "call":
            self._report.passed.append(report.nodeid)


def find_check_class(concept: str, grade_id: str):
    module = importlib.import_module(f"instructor_only.checks.{concept}")
    for obj in vars(module).values():
        if inspect.isclass(obj) and obj.__name__.startswith("Check") and getattr(obj, "grade_id", None) == grade_id:
            return module, obj
    raise LookupError(f"instructor_only.checks.{concept} has no Check class with grade_id {grade_id!r}")


def check_report(concept: str, grade_id: str, framework: str, notebook: dict | remote.Link) -> CheckReport:
    """Run the checks of `grade_id` (in `instructor_only.checks.<concept>`) against a notebook: its globals (run
    in this process) or a link to the kernel that holds them. Never raises; prints nothing."""
    link = notebook if isinstance(notebook, remote.Link) else remote.InProcessLink(notebook)
    module, check_class = find_check_class(concept, grade_id)
    report = CheckReport(grade_id=grade_id, exit_code=-1)
    args = [
        f"{module.__file__}::{check_class.__name__}",
        # --confcutdir: pytest starts collecting at this folder, not at / (listing every folder on the way), and
        # reads no conftest.py above it.
        "-c", str(_INI), "--rootdir", str(_INI.parent), "--confcutdir", str(_INI.parent),
        "--import-mode=importlib", "--assert=plain",
        "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly", "-p", "no:faulthandler",
        "-p", "no:terminal",
        # Only pytest's own plugins: whatever else is installed (pytest-timeout, pytest-playwright, ... or a plugin
        # a student installed in their environment) stays out of the checks' run.
        "--disable-plugin-autoload",
        # These two run gc.collect() at exit: ~0.1 s a run once torch/TensorFlow fill the heap.
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        # Built-in plugins the checks do not use (fixtures such as tmp_path and monkeypatch, reports, pdb, logging
        # capture): each one costs every run its setup. Measured: 19 -> 12 ms of CPU for a run of a small class.
        *[arg for plugin in UNUSED_PLUGINS for arg in ("-p", f"no:{plugin}")],
        # No capture: this may run inside a Jupyter kernel or inside the course's own pytest run.
        "--capture=no",
        "-W", "ignore::DeprecationWarning",
    ]
    try:
        report.exit_code = int(pytest.main(args, plugins=[_StudentPlugin(link, framework, report)]))
    finally:
        for side in (link, link.reference):  # (the reference process outlives the report: it serves the next ones)
            try:
                if side is not None:
                    side.request("release")
            except Exception:  # noqa: BLE001 -- a process that stopped answering has nothing left to release
                pass
    return report


def run_hidden_checks(concept: str, grade_id: str, framework: str, namespace: dict) -> partial_credit.Score | None:
    """The call at the end of an autograder cell: print the verdict, raise HiddenChecksFailed if anything failed.

    Returns None when all passed (nbgrader gives the cell its points). With the course's partial credit on
    (partial_credit.py), a cell some of whose checks passed returns its score instead of raising: nbgrader reads a
    numeric cell result as the cell's score.
    """
    report = check_report(concept, grade_id, framework, namespace)
    print(report.summary())
    if report.ok:
        return None
    if partial_credit.enabled() and report.share() > 0:
        points = partial_credit.cell_points(concept, framework, grade_id)
        earned = partial_credit.score(points, report.share())
        if earned > 0:
            print(partial_credit_line(earned, points))
            return partial_credit.Score(earned)
    raise HiddenChecksFailed(f"the hidden checks for `{grade_id}` did not all pass (see above)")


def partial_credit_line(earned: float, points: float) -> str:
    return f"Partial credit: {earned:g} of {points:g} points, for the checks that passed."
