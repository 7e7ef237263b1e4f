"""Hidden checks. Autograder cells call `run_hidden_checks`; see runner.py."""
from instructor_only.checks.runner import HiddenChecksFailed, check_report, run_hidden_checks

__all__ = ["HiddenChecksFailed", "check_report", "run_hidden_checks"]
