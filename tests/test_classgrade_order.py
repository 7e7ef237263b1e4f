"""classgrade hands out jobs longest first (executors.OrderedJobs): the order decides how long the last worker works
alone at the end of a run."""
from __future__ import annotations

from types import SimpleNamespace

from instructor_only.grading.classgrade.executors import OrderedJobs


def jobs(assignment: str, count: int) -> list:
    return [SimpleNamespace(assignment=assignment, student=f"{assignment}-{i}") for i in range(count)]


def test_each_assignment_is_tried_once_before_any_is_repeated():
    pending = OrderedJobs(jobs("light", 3) + jobs("heavy", 3))
    assert [pending.pop().student for _ in range(2)] == ["light-0", "heavy-0"]


def test_then_the_slowest_assignment_so_far_comes_first():
    pending = OrderedJobs(jobs("light", 3) + jobs("heavy", 3))
    pending.pop(), pending.pop()
    pending.observe("light", 2.0)
    pending.observe("heavy", 7.0)
    assert [pending.pop().student for _ in range(4)] == ["heavy-1", "heavy-2", "light-1", "light-2"]
    assert not pending


def test_an_assignment_whose_first_job_is_still_running_waits_for_its_measure():
    pending = OrderedJobs(jobs("a", 2) + jobs("b", 2))
    pending.pop(), pending.pop()  # a-0 and b-0 running, nothing measured yet
    pending.observe("b", 3.0)
    assert pending.pop().student == "b-1"  # a is unknown but running: the measured one goes first
    assert pending.pop().student == "a-1"  # the only one left


def test_a_failed_job_without_timings_is_not_counted():
    pending = OrderedJobs(jobs("a", 2) + jobs("b", 2))
    pending.pop(), pending.pop()
    pending.observe("a", None)
    pending.observe("b", 1.0)
    assert pending.expected_seconds("a") == -1.0 and pending.expected_seconds("b") == 1.0
