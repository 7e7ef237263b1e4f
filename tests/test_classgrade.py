"""The class-grading command on a class of troublemakers: limits, bad input, a dying worker, resuming.

One class of the warm-up (PyTorch) is graded once by `python -m instructor_only.grading.classgrade` with tight
limits, and every test reads the same outcome: the summary table, the gradebook and the autograded notebooks.
(Identical scores to stock nbgrader are proven on the catalogue in tests/test_catalogue_nbgrader.py.)
"""
from __future__ import annotations

import copy
import csv
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest

from instructor_only.grading import course, nbgrader_cli, notebooks
from instructor_only.grading.classgrade import costs, state
from instructor_only.grading.classgrade.sandbox import scratch
from tests.graded_once import graded_once

ASSIGNMENT = "warmup_torch"
NOTEBOOK = "warmup.ipynb"
# Every test here starts a Dask cluster (classgrade) or waits for the class graded once: 93-101 s in CI. A hang fails
# the test instead of the run (pytest-timeout); the tests that grade on their own say their own time.
pytestmark = pytest.mark.timeout(400)
FULL = 9.0  # autograded points of the warm-up
CELL_TIMEOUT, WALL_SECONDS, MEMORY_MB, OUTPUT_CHARS = 20, 50, 500, 20_000
# A normal warm-up submission takes ~10 s (kernel, torch import, checks; ~25 s on a loaded machine); its kernel's
# cgroup peaks at 70-210 MB (what it shares with its warm parent is charged to the parent). The memory bomb must reach
# the cap before the cell timeout: on these VMs memory the guest gave back to the host is faulted in again at about
# 70 MB/s (measured: 1,077 MB in 14 s), so 450 MB to the cap takes about 6.5 s, a third of the 20 s timeout. At 1200 MB
# and 10 s the bomb ran out of time first and the test failed in CI.


def solution():
    return notebooks.read(course.get(ASSIGNMENT).source_path(NOTEBOOK))


def replaced(answer_cell: str, code: str):
    return notebooks.with_answer_replaced(solution(), answer_cell, code)


def text(nb) -> bytes:
    return nbformat.writes(nb).encode()


def class_of_troublemakers() -> dict[str, dict[str, bytes]]:
    """student -> {file name: content}; each student exercises one limit or one kind of bad input."""
    release = (course.COURSE_ROOT / "release" / ASSIGNMENT / NOTEBOOK).read_bytes()
    other_track = (course.COURSE_ROOT / "release" / "warmup_tensorflow" / NOTEBOOK).read_bytes()
    renamed_id, deleted_test, duplicated = solution(), solution(), solution()
    for cell in renamed_id.cells:
        if notebooks.grade_meta(cell).get("grade_id") == "layouts":
            cell.metadata.nbgrader.grade_id = "my_layouts"
    deleted_test.cells = [c for c in deleted_test.cells if notebooks.grade_meta(c).get("grade_id") != "check_layouts"]
    index = next(i for i, c in enumerate(duplicated.cells) if notebooks.grade_meta(c).get("grade_id") == "layouts")
    duplicated.cells.insert(index + 1, copy.deepcopy(duplicated.cells[index]))
    slow = solution()
    for cell in slow.cells:  # 6 answers x 9.5 s: each under the cell timeout, together over the wall-clock cap
        if notebooks.grade_meta(cell).get("solution"):  # (test cells are restored from the release: no sleep there)
            cell.source = "import time; time.sleep(9.5)\n" + cell.source
    return {
        "solution": {NOTEBOOK: text(solution())},
        "blank": {NOTEBOOK: release},
        "memory_bomb": {NOTEBOOK: text(replaced("conv_output_size", "import numpy as np\nhog = np.ones(400_000_000)\n"))},
        "endless_loop": {NOTEBOOK: text(replaced("conv_parameter_formula", "while True:\n    pass\n"))},
        "slow": {NOTEBOOK: text(slow)},
        "flood": {NOTEBOOK: text(replaced("layouts", solution_source("layouts") + "\nprint('x' * 3_000_000)\n"))},
        "broken_json": {NOTEBOOK: release[: len(release) // 2]},
        "empty_file": {NOTEBOOK: b""},
        "other_track": {NOTEBOOK: other_track},
        "renamed_id": {NOTEBOOK: text(renamed_id)},
        "deleted_test": {NOTEBOOK: text(deleted_test)},
        "duplicated_cell": {NOTEBOOK: text(duplicated)},
        "renamed_file": {"warmup (1).ipynb": text(solution())},
    }


def solution_source(grade_id: str) -> str:
    return next(c.source for c in solution().cells if notebooks.grade_meta(c).get("grade_id") == grade_id)


def classgrade(course_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--workers", "2", "--memory-mb", str(MEMORY_MB),
                                   "--wall-seconds", str(WALL_SECONDS), "--output-chars", str(OUTPUT_CHARS), *extra)


def grade_the_class(course_dir: Path) -> dict:
    """Grade the troublemakers once; return what the tests read (JSON-able)."""
    warmups = [course.get(ASSIGNMENT), course.get("warmup_tensorflow")]
    nbgrader_cli.new_course(course_dir, warmups, [f"c.Execute.timeout = {CELL_TIMEOUT}"])
    for assignment in warmups:
        nbgrader_cli.run(["generate_assignment", assignment.name], course_dir)
    for student, files in class_of_troublemakers().items():
        nbgrader_cli.submit(course_dir, student, course.get(ASSIGNMENT), files)
    first = classgrade(course_dir, "--feedback-now")  # feedback of every student (held back: test_instructor_output.py)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    with open(course_dir / state.STATE_DIR / ASSIGNMENT / "summary.csv") as handle:
        summary = {row["student"]: row for row in csv.DictReader(handle)}
    return {"stdout": first.stdout, "summary": summary, "scores": nbgrader_cli.scores(course_dir, ASSIGNMENT)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, request):
    """The troublemakers, graded once per test run (shared by the xdist workers)."""
    course_dir, outcome = graded_once("troublemakers", tmp_path_factory, request, grade_the_class)
    return course_dir, SimpleNamespace(stdout=outcome["stdout"]), outcome["summary"], outcome["scores"]


def autograded_points(scores: dict, student: str) -> float:
    return sum(score for gid, (score, _) in scores[student].items() if gid.startswith("check_"))


def test_every_submission_appears_in_the_summary(graded):
    course_dir, first, summary, _ = graded
    assert set(summary) == set(class_of_troublemakers()), first.stdout
    for student in summary:
        assert student in first.stdout


def test_normal_submissions_are_graded_as_usual(graded):
    _, _, summary, scores = graded
    assert autograded_points(scores, "solution") == FULL and summary["solution"]["status"] == "graded"
    assert autograded_points(scores, "blank") == 0 and summary["blank"]["status"] == "graded"


def test_each_submission_records_its_cost_by_part(graded):
    """The benchmark's breakdown comes from these records: every part of the notebook's grading, with the kernel's
    CPU (its cgroup) and the worker's, and the requests the hidden checks made."""
    course_dir, _, _, _ = graded
    timings = state.load(course_dir, ASSIGNMENT, "solution")["timings"]
    (notebook,) = timings["notebooks"].values()
    assert set(notebook["parts"]) == set(costs.PARTS)
    for part in ("kernel start", "imports", "student cells", "public checks", "hidden checks", "nbgrader"):
        assert notebook["parts"][part]["wall"] > 0, part
    assert notebook["parts"]["hidden checks"]["kernel_cpu"] > 0 and notebook["parts"]["hidden checks"]["worker_cpu"] > 0
    assert notebook["requests"] > 10
    assert 0.5 * timings["total"] < sum(part["wall"] for part in notebook["parts"].values()) <= timings["total"] + 0.01


def test_memory_bomb_is_stopped_and_scores_zero_from_that_cell_on(graded):
    course_dir, _, summary, scores = graded
    note = summary["memory_bomb"]["notes"]
    assert f"cell `conv_output_size` exceeded the memory cap of {MEMORY_MB} MB" in note, note
    assert autograded_points(scores, "memory_bomb") == 0  # the cell that blew up is the first answer
    executed = nbformat.read(course_dir / "autograded" / "memory_bomb" / ASSIGNMENT / NOTEBOOK, as_version=4)
    errors = [o.ename for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors[0] == "ResourceLimitExceeded" and set(errors[1:]) == {"NotRun"}, errors


def test_endless_loop_loses_only_its_own_cell(graded):
    _, _, summary, scores = graded
    assert summary["endless_loop"]["status"] == "graded"
    assert scores["endless_loop"]["check_conv_parameter_formula"][0] == 0
    assert autograded_points(scores, "endless_loop") == FULL - scores["endless_loop"]["check_conv_parameter_formula"][1]


def test_wall_clock_cap_stops_a_slow_submission(graded):
    _, _, summary, scores = graded
    assert "exceeded its wall-clock cap" in summary["slow"]["notes"], summary["slow"]
    assert 0 < autograded_points(scores, "slow") < FULL  # the cells before the cap kept their points


def test_output_flood_is_capped_without_costing_points(graded):
    course_dir, _, summary, scores = graded
    assert autograded_points(scores, "flood") == FULL
    executed = nbformat.read(course_dir / "autograded" / "flood" / ASSIGNMENT / NOTEBOOK, as_version=4)
    cell = next(c for c in executed.cells if notebooks.grade_meta(c).get("grade_id") == "layouts")
    kept = "".join(o.get("text", "") for o in cell.outputs)
    assert "output cap" in kept and len(kept) < 2 * OUTPUT_CHARS


@pytest.mark.timeout(160)  # 40 s in CI
def test_a_worker_killed_twice_is_reported_and_nothing_is_written(tmp_path):
    """Without the sandbox (--no-sandbox: a kernel can reach its worker), a submission that kills its worker is retried
    once elsewhere, then reported; the others are graded, and the run says loudly that it had no sandbox. (In the
    sandbox the kernel cannot see the worker: tests/test_classgrade_hostile.py.)"""
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(tmp_path, [assignment])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], tmp_path)
    killer = replaced("conv_output_size", "import os, signal\nos.kill(int(os.environ['JPY_PARENT_PID']), signal.SIGKILL)\n")
    for student, nb in {"worker_killer": killer, "solution": solution()}.items():
        nbgrader_cli.submit(tmp_path, student, assignment, {NOTEBOOK: text(nb)})
    result = nbgrader_cli.classgrade(tmp_path, [ASSIGNMENT], "--workers", "2", "--no-sandbox", "--no-feedback",
                                     "--grades-csv", "")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(tmp_path / state.STATE_DIR / ASSIGNMENT / "summary.csv") as handle:
        summary = {row["student"]: row for row in csv.DictReader(handle)}
    assert summary["worker_killer"]["status"] == "NOT GRADED" and "worker died" in summary["worker_killer"]["notes"]
    scores = nbgrader_cli.scores(tmp_path, ASSIGNMENT)
    assert "worker_killer" not in scores and autograded_points(scores, "solution") == FULL
    assert "WITHOUT the sandbox" in summary["solution"]["notes"] and "--no-sandbox" in result.stderr + result.stdout


@pytest.mark.parametrize("student, words", [
    ("broken_json", "is not a readable notebook"),
    ("empty_file", "is an empty file"),
    ("other_track", "is a notebook of warmup_tensorflow"),
])
def test_ungradable_submissions_are_refused_with_a_reason(graded, student, words):
    _, _, summary, scores = graded
    assert summary[student]["status"] == "NOT GRADED" and words in summary[student]["notes"], summary[student]
    assert student not in scores


@pytest.mark.parametrize("student, words", [
    ("renamed_id", "graded cells missing or renamed: layouts"),
    ("deleted_test", "graded cells missing or renamed: check_layouts"),
    ("duplicated_cell", "cells appear more than once: layouts"),
    ("renamed_file", "warmup (1).ipynb was graded as warmup.ipynb"),
])
def test_damaged_submissions_are_graded_with_a_note(graded, student, words):
    _, _, summary, scores = graded
    assert summary[student]["status"] == "graded" and words in summary[student]["notes"], summary[student]
    assert student in scores


def test_damaged_submissions_score_what_they_deserve(graded):
    """Stock nbgrader restores a deleted test cell; it fails on a renamed or duplicated grade id and skips a renamed
    notebook, which classgrade repairs (intake.py)."""
    _, _, _, scores = graded
    assert autograded_points(scores, "deleted_test") == FULL        # the test cell comes back from the release
    assert autograded_points(scores, "duplicated_cell") == FULL     # the first copy is graded
    assert autograded_points(scores, "renamed_file") == FULL        # graded under its released name
    assert autograded_points(scores, "renamed_id") == FULL          # the renamed answer runs as an ordinary cell


def test_feedback_and_grades_csv_are_written(graded):
    course_dir, first, _, _ = graded
    assert "written answers are not graded yet and show 0" in first.stdout, first.stdout  # --feedback-now says so
    assert (course_dir / "feedback" / "solution" / ASSIGNMENT / "warmup.html").exists()
    feedback = (course_dir / "feedback" / "memory_bomb" / ASSIGNMENT / "warmup.html").read_text()
    assert "exceeded the memory cap" in feedback
    with open(course_dir / "grades.csv") as handle:
        students = {row["student_id"] for row in csv.DictReader(handle)}
    assert {"solution", "blank", "memory_bomb"} <= students


@pytest.mark.timeout(200)  # 36-48 s in CI, once the class is graded
def test_second_run_grades_only_what_changed_and_force_regrades(graded):
    course_dir, _, _, before = graded
    nbgrader_cli.submit(course_dir, "blank", course.get(ASSIGNMENT), {NOTEBOOK: text(solution())})  # resubmitted
    forged = state.load(course_dir, ASSIGNMENT, "endless_loop")  # a state file claiming other scores: not believed
    forged["scores"] = {gid: [top, top] for gid, (_, top) in forged["scores"].items()}
    state.save(course_dir, ASSIGNMENT, "endless_loop", forged)
    again = classgrade(course_dir, "--no-feedback", "--grades-csv", "")
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"{ASSIGNMENT}: 2 to grade" in again.stdout, again.stdout  # blank (changed), endless_loop (state disagrees)
    assert "state disagreed with the gradebook" in again.stdout
    after = nbgrader_cli.scores(course_dir, ASSIGNMENT)
    assert autograded_points(after, "blank") == FULL
    assert {s: after[s] for s in before if s != "blank"} == {s: before[s] for s in before if s != "blank"}
    forced = classgrade(course_dir, "--student", "solution", "--force", "--no-feedback", "--grades-csv", "")
    assert forced.returncode == 0 and f"{ASSIGNMENT}: 1 to grade" in forced.stdout, forced.stdout[-2000:]


@pytest.mark.timeout(150)  # 30 s alone
def test_a_killed_coordinator_leaves_no_process_and_the_next_run_cleans_up(tmp_path):
    """Killed mid-run, the coordinator takes its workers, kernel parents and kernels with it; its workers' scratch
    folders (scratch courses with hidden tests, kernel sockets) are removed by the next run on the machine."""
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(tmp_path, [assignment])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], tmp_path)
    sleeper = replaced("conv_output_size", "import time\ntime.sleep(120)\n")
    for student in ("slow_a", "slow_b"):
        nbgrader_cli.submit(tmp_path, student, assignment, {NOTEBOOK: text(sleeper)})
    before = set(scratch.BASE.glob("worker-*"))
    coordinator = subprocess.Popen([sys.executable, "-m", "instructor_only.grading.classgrade", ASSIGNMENT,
                                    "--course-dir", str(tmp_path), "--quiet"], env=nbgrader_cli.environment(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(list((w / "sandbox" / "kernels").glob("*/kernel-ipc-*"))
                  for w in set(scratch.BASE.glob("worker-*")) - before):
        assert time.monotonic() < deadline and coordinator.poll() is None, "no kernel started"
        time.sleep(0.5)
    ours = set(scratch.BASE.glob("worker-*")) - before
    coordinator.kill()
    coordinator.wait()
    deadline = time.monotonic() + 30
    while left := [p.info["pid"] for p in psutil.process_iter(["pid", "cmdline"])
                   if any(w.name in " ".join(p.info["cmdline"] or []) for w in ours)]:
        assert time.monotonic() < deadline, f"processes left by the killed run: {left}"
        time.sleep(0.5)
    for student in ("slow_a", "slow_b"):
        nbgrader_cli.submit(tmp_path, student, assignment, {NOTEBOOK: text(solution())})
    again = nbgrader_cli.classgrade(tmp_path, [ASSIGNMENT], "--no-feedback", "--grades-csv", "")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert not [w for w in ours if w.exists()], "the next run did not remove the killed run's scratch folders"
    scores = nbgrader_cli.scores(tmp_path, ASSIGNMENT)
    assert autograded_points(scores, "slow_a") == autograded_points(scores, "slow_b") == FULL


def test_a_starting_workers_folder_is_never_taken_for_a_dead_ones(tmp_path, monkeypatch):
    """A worker's folder is a worker-* folder only once its lock is held: another grader's remove_stale (run when each
    worker starts) once removed a folder between its lock file's creation and its lock, under load in CI."""
    monkeypatch.setattr(scratch, "BASE", tmp_path)
    root, held = scratch.new_worker_folder()
    dead = tmp_path / "worker-1-dead"  # a dead worker's folder: its lock is free
    dead.mkdir()
    (dead / ".lock").touch()
    old_start, new_start = tmp_path / f"{scratch.STARTING}2-old", tmp_path / f"{scratch.STARTING}3-new"
    old_start.mkdir()
    new_start.mkdir()
    os.utime(old_start, (time.time() - 120, time.time() - 120))  # a worker that died making its folder
    scratch.remove_stale()
    assert root.exists() and root.name.startswith(f"worker-{os.getpid()}-") and (root / ".lock").exists()
    assert not dead.exists() and not old_start.exists() and new_start.exists()
    held.close()
    scratch.remove_stale()
    assert not root.exists()  # its lock free: the worker is gone
