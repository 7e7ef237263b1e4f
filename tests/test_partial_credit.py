"""Partial credit (instructor_only/checks/partial_credit.py): the passed share of a cell's points by the checks'
weights, rounded down, all of them only when every check passed; off by default.

The same scores through stock nbgrader and classgrade are proven in tests/test_partial_credit_graded.py.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from IPython.core.formatters import PlainTextFormatter

from instructor_only.checks import check_report, partial_credit, remote, run_hidden_checks
from instructor_only.checks.runner import CheckReport, HiddenChecksFailed
from instructor_only.frameworks import wire
from instructor_only.grading import course, notebooks
from instructor_only.references import shapes


def test_the_score_rounds_down_and_only_a_full_pass_gets_every_point():
    assert partial_credit.score(9, 1.0) == 9.0
    assert partial_credit.score(2, 0.5) == 1.0
    assert partial_credit.score(2, 1 / 3) == 0.66
    assert partial_credit.score(3, 0.1 * 3) == 0.9  # (0.30000000000000004 of 3 points)
    assert partial_credit.score(2, 0.99999) == 1.99
    assert partial_credit.score(5, 0.0) == 0.0


def test_weights_are_finite_and_not_negative_and_odd_shares_earn_nothing():
    for bad in (-1, float("nan"), float("inf"), "2", True):
        with pytest.raises(ValueError):
            partial_credit.weight(bad)
    assert partial_credit.weight(0)(lambda: None).weight == 0.0
    for share in (float("nan"), float("-inf"), -2.0):
        assert partial_credit.score(3, share) == 0.0
    assert partial_credit.score(3, float("inf")) == 0.0  # (no share is infinite: refused, not full marks)
    assert partial_credit.score(0.005, 0.5) == 0.0


def test_the_share_counts_each_check_once_and_nothing_when_the_checks_did_not_run():
    report = CheckReport("check_x", exit_code=1, passed=["a", "b"], failed=["c", "c"], weights={"a": 2.0})
    assert report.share() == 3 / 4  # a (2) and b (1) of a, b and c; c failed in two phases, counted once
    assert CheckReport("check_x", exit_code=0, passed=["a"]).share() == 1.0
    assert CheckReport("check_x", exit_code=2, failed=["a"]).share() == 0.0  # pytest could not run them
    assert CheckReport("check_x", exit_code=1).share() == 0.0
    assert CheckReport("check_x", exit_code=1, passed=["a"], failed=["b"], weights={"a": 0.0, "b": 0.0}).share() == 0


def wrong_beyond_the_small_grid(n, kernel, padding=0, stride=1, dilation=1):
    """Right for inputs up to 16 pixels (the small grid, the defaults, the real-layer comparison), off by one after."""
    return shapes.conv_output_size(n, kernel, padding, stride, dilation) + (n > 16)


def test_a_parametrised_check_shares_its_declared_weight_among_its_cases():
    """check_matches_formula declares weight 2 over its two cases, check_returns_an_integer 0 (a constant passes
    it), the other two weigh 1: failing the wide-range case alone loses 1 of 4."""
    report = check_report("warmup", "check_conv_output_size", "torch",
                          {"conv_output_size": wrong_beyond_the_small_grid})
    assert [node.split("::")[-1] for node in report.failed] == ["check_matches_formula[wide range]"], report.failed
    assert len(report.passed) == 4
    assert report.share() == pytest.approx(3 / 4)


def test_stock_run_returns_the_score_only_with_partial_credit_on(monkeypatch, capsys):
    namespace = {"conv_output_size": wrong_beyond_the_small_grid}
    monkeypatch.setenv(partial_credit.VARIABLE, "0")
    with pytest.raises(HiddenChecksFailed):
        run_hidden_checks("warmup", "check_conv_output_size", "torch", namespace)
    monkeypatch.setenv(partial_credit.VARIABLE, "1")
    points = partial_credit.cell_points("warmup", "torch", "check_conv_output_size")
    assert run_hidden_checks("warmup", "check_conv_output_size", "torch", namespace) == partial_credit.score(points, 0.75)
    assert "Partial credit: " in capsys.readouterr().out
    assert run_hidden_checks("warmup", "check_conv_output_size", "torch",
                             {"conv_output_size": shapes.conv_output_size}) is None
    with pytest.raises(HiddenChecksFailed):  # nothing passed: zero, as before
        run_hidden_checks("warmup", "check_conv_output_size", "torch", {"conv_output_size": lambda *a, **k: 0.5})


class StubKernel(remote.Link):
    """A kernel whose answers all raise what a blank stub raises, as a blank notebook that hides its own errors
    (an input transformer wrapping each cell in try/except) leaves it: no test cell raised, every answer a stub's."""
    sends_parts = False

    def __init__(self, sources):
        self.sources = sources

    def exchange(self, text):
        if wire.loads(text).get("op") == "release":
            return wire.dumps({"ok": None})
        return wire.dumps({"error": ["NotImplementedError", "not written yet", True, ""]})


@pytest.mark.parametrize("assignment", course.discover(), ids=lambda a: a.name)
def test_a_blank_notebook_earns_no_partial_credit_even_with_its_errors_hidden(assignment):
    """A check a stub passes (a rule read from the source, a claim of the kernel) weighs 0: without it, a blank
    batch-norm notebook whose errors were hidden earned 0.65 of 12 points (blind review)."""
    release = course.COURSE_ROOT / "release" / assignment.name
    sources = [c.source for name in assignment.notebooks for c in notebooks.read(release / name).cells
               if c.cell_type == "code"]
    earned = {}
    for name in assignment.notebooks:
        for cell in notebooks.read(assignment.source_path(name)).cells:
            meta = notebooks.grade_meta(cell)
            if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
                link = StubKernel(sources)
                link.reference = StubKernel(sources)
                report = check_report(assignment.concept, meta["grade_id"], assignment.framework, link)
                assert report.failed, (meta["grade_id"], report.passed)
                earned[meta["grade_id"]] = report.share()
    assert earned and not any(earned.values()), earned


def test_a_stock_partial_score_reads_the_same_whatever_the_students_precision():
    """IPython formats a float result with the notebook's %precision, and nbgrader reads that text: the score is
    an object shown as repr(float) (blind review: %precision 0 turned 2.7 of 3 points into 3)."""
    formatter = PlainTextFormatter()
    formatter.float_precision = "0"
    assert formatter(2.7) == "3"  # (the formatter does round plain floats)
    assert formatter(partial_credit.Score(2.7)) == "2.7"
    assert float(partial_credit.Score(0.37)) == 0.37


def test_the_course_default_is_off():
    """Loading the course's nbgrader_config.py (as nbgrader does) leaves partial credit off, whatever the shell says."""
    probe = ("import os\nfrom traitlets.config.loader import PyFileConfigLoader\n"
             f"PyFileConfigLoader('nbgrader_config.py', path={str(course.COURSE_ROOT)!r}).load_config()\n"
             "from instructor_only.checks import partial_credit\nprint(partial_credit.enabled())")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=course.COURSE_ROOT,
                            env={**os.environ, partial_credit.VARIABLE: "1"})
    assert result.stdout.strip() == "False", result.stdout + result.stderr


def test_a_constant_answer_that_passes_the_public_checks_earns_no_partial_credit():
    """The public check of smoothness_constant has L = 100; `return 100.0` passes it and leaves its input unchanged,
    a check a stub passes: it must weigh 0 (survey for docs/AUTHORING.md: it weighed 1, a quarter of the cell)."""
    report = check_report("batchnorm", "check_smoothness_constant", "torch", {"smoothness_constant": lambda x: 100.0})
    assert report.failed and "check_leaves_its_input_unchanged" in " ".join(report.passed), report
    assert report.share() == 0.0
