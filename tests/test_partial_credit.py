"""Partial credit (instructor_only/checks/partial_credit.py): the passed share of a cell's points by the checks'
weights, rounded down, all of them only when every check passed; off by default.

The same scores through stock nbgrader and classgrade are proven in tests/test_partial_credit_graded.py.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from instructor_only.checks import check_report, partial_credit, run_hidden_checks
from instructor_only.checks.runner import CheckReport, HiddenChecksFailed
from instructor_only.references import shapes


def test_the_score_rounds_down_and_only_a_full_pass_gets_every_point():
    assert partial_credit.score(9, 1.0) == 9.0
    assert partial_credit.score(2, 0.5) == 1.0
    assert partial_credit.score(2, 1 / 3) == 0.66
    assert partial_credit.score(3, 0.1 * 3) == 0.9  # (0.30000000000000004 of 3 points)
    assert partial_credit.score(2, 0.99999) == 1.99
    assert partial_credit.score(5, 0.0) == 0.0


def test_a_weight_is_a_positive_number():
    for bad in (0, -1, float("nan"), float("inf"), "2"):
        with pytest.raises(ValueError):
            partial_credit.weight(bad)


def test_the_share_counts_each_check_once_and_nothing_when_the_checks_did_not_run():
    report = CheckReport("check_x", exit_code=1, passed=["a", "b"], failed=["c", "c"], weights={"a": 2.0})
    assert report.share() == 3 / 4  # a (2) and b (1) of a, b and c; c failed in two phases, counted once
    assert CheckReport("check_x", exit_code=0, passed=["a"]).share() == 1.0
    assert CheckReport("check_x", exit_code=2, failed=["a"]).share() == 0.0  # pytest could not run them
    assert CheckReport("check_x", exit_code=1).share() == 0.0


def wrong_beyond_the_small_grid(n, kernel, padding=0, stride=1, dilation=1):
    """Right for inputs up to 16 pixels (the small grid, the defaults, the real-layer comparison), off by one after."""
    return shapes.conv_output_size(n, kernel, padding, stride, dilation) + (n > 16)


def test_a_parametrised_check_shares_its_declared_weight_among_its_cases():
    """check_matches_formula declares weight 2 over its two cases; the other three checks weigh 1: failing the
    wide-range case alone loses 1 of 5."""
    report = check_report("warmup", "check_conv_output_size", "torch",
                          {"conv_output_size": wrong_beyond_the_small_grid})
    assert [node.split("::")[-1] for node in report.failed] == ["check_matches_formula[wide range]"], report.failed
    assert len(report.passed) == 4
    assert report.share() == pytest.approx(4 / 5)


def test_stock_run_returns_the_score_only_with_partial_credit_on(monkeypatch, capsys):
    namespace = {"conv_output_size": wrong_beyond_the_small_grid}
    monkeypatch.setenv(partial_credit.VARIABLE, "0")
    with pytest.raises(HiddenChecksFailed):
        run_hidden_checks("warmup", "check_conv_output_size", "torch", namespace)
    monkeypatch.setenv(partial_credit.VARIABLE, "1")
    points = partial_credit.cell_points("warmup", "torch", "check_conv_output_size")
    assert run_hidden_checks("warmup", "check_conv_output_size", "torch", namespace) == partial_credit.score(points, 0.8)
    assert "Partial credit: " in capsys.readouterr().out
    assert run_hidden_checks("warmup", "check_conv_output_size", "torch",
                             {"conv_output_size": shapes.conv_output_size}) is None
    with pytest.raises(HiddenChecksFailed):  # nothing passed: zero, as before
        run_hidden_checks("warmup", "check_conv_output_size", "torch", {"conv_output_size": lambda *a, **k: 0.5})


def test_the_course_default_is_off():
    """Loading the course's nbgrader_config.py (as nbgrader does) leaves partial credit off, whatever the shell says."""
    from instructor_only.grading import course
    probe = ("import os\nfrom traitlets.config.loader import PyFileConfigLoader\n"
             f"PyFileConfigLoader('nbgrader_config.py', path={str(course.COURSE_ROOT)!r}).load_config()\n"
             "from instructor_only.checks import partial_credit\nprint(partial_credit.enabled())")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=course.COURSE_ROOT,
                            env={**os.environ, partial_credit.VARIABLE: "1"})
    assert result.stdout.strip() == "False", result.stdout + result.stderr
