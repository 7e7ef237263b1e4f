"""The whole course loop on the course hub (deploy/), as its people live it, in a real browser.

`bash deploy/start.sh` starts the hub with the example roster (an instructor, alice and bob). For one assignment
of each framework, through the UI: the instructor releases it from the formgrader; each student fetches it from the
Assignments panel, works (alice: the model answers; bob: the same with a catalogued bug), runs every cell, runs
Validate and submits; the instructor collects, grades the class with `sudo course-grade` typed in a JupyterLab
terminal, grades the written answer in the formgrader (with the rubric in view), generates and releases feedback;
each student fetches the feedback and reads it. Every step asserts what that person sees, and saves a screenshot
under screenshots/hub/ (ignored by git). The same run checks what a student must not reach: the course directory,
the instructor's checks, another student's submission.
"""
from __future__ import annotations

import copy
import csv
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect, sync_playwright

from instructor_only import catalogue
from instructor_only.grading import course
from instructor_only.grading.build import student_solution
from tests.hub_pages import CHROMIUM, CHROMIUM_ARGS, Person

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "screenshots" / "hub"
PORT = 18400
HUB = f"http://127.0.0.1:{PORT}"
STATE = Path("/opt/normres-hub/hub")
EXCHANGE = Path("/srv/nbgrader/exchange")
COURSE_ID = "normalization-residual-networks"
ASSIGNMENTS = ["warmup_torch", "warmup_tensorflow"]
NOTEBOOK = "warmup.ipynb"
# bob's bug: the padding added on one side only, which the public check's padded case catches (so Validate fails)
BOBS_BUG = ("conv_output_size", "padding_one_side")
WRITTEN = "written_pooling"
# What bob adds to his work: script that would rename the page of whoever opens his submission (the instructor in
# the formgrader, bob in his feedback), if it ran there (nbgrader_config.py: sanitize_html, inert_html.py).
PWNED = "pwned-by-bob"
ACTIVE_OUTPUT = ("\nfrom IPython.display import HTML, display\n"
                 f"display(HTML(\"<script>document.title='{PWNED}'</script><img src=x onerror=\\\"document.title="
                 f"'{PWNED}'\\\">\"))\n")
ACTIVE_ANSWER = (f"\n\n<img src=x onerror=\"document.title='{PWNED}'\"> <script>document.title='{PWNED}'</script> "
                 f"[more](javascript:document.title='{PWNED}')\n")
MENU = "#jp-mainmenu-nbgrader"

pytestmark = [
    pytest.mark.timeout(1800),
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub creates Unix accounts and starts servers as them: root only"),
]


def as_user(user: str, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", user, "--", *cmd], capture_output=True, text=True, cwd=f"/home/{user}")


def reset_course_state(people: list[str], instructor: str) -> None:
    """Start from a hub that has released nothing: no exchange contents, a fresh course directory and homes.
    Refuses on a machine whose hub this test did not make (a real course's files would be lost)."""
    marker = STATE / "made-by-the-browser-test"
    if STATE.exists() and not marker.exists():
        pytest.fail(f"{STATE} holds a course hub this test did not make; the test would reset its course, exchange "
                    "and homes. Run the browser test on another machine (CI does).")
    STATE.mkdir(parents=True, exist_ok=True)
    marker.touch()
    shutil.rmtree(EXCHANGE / COURSE_ID, ignore_errors=True)
    for user in people:
        home = Path("/home") / user
        if user == instructor:
            shutil.rmtree(home / "course", ignore_errors=True)
        for assignment in ASSIGNMENTS:
            shutil.rmtree(home / assignment, ignore_errors=True)
        shutil.rmtree(home / ".jupyter" / "lab" / "workspaces", ignore_errors=True)   # the tabs left open
        shutil.rmtree(home / ".local" / "share" / "jupyter" / "nbgrader_cache", ignore_errors=True)  # submissions
    (STATE / "jupyterhub.sqlite").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def hub():
    roster = list(csv.DictReader(open(REPO / "deploy" / "roster.example.csv")))
    instructor = next(r["username"] for r in roster if r["role"] == "instructor")
    reset_course_state([r["username"] for r in roster], instructor)
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_path = SHOTS.parent / "hub.log"
    log = open(log_path, "w")
    process = subprocess.Popen(["bash", str(REPO / "deploy" / "start.sh"), "--port", str(PORT)], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 900   # a fresh machine builds the course image first (about two minutes)
    while True:
        try:
            urllib.request.urlopen(f"{HUB}/hub/login", timeout=5)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise AssertionError("the hub did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(2)
    passwords = {r["username"]: r["password"] for r in csv.DictReader(open(STATE / "passwords.csv"))}
    yield {"instructor": instructor, "students": [r["username"] for r in roster if r["role"] == "student"],
           "passwords": passwords}
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)
    subprocess.run(["pkill", "-f", "jupyterhub-singleuser"], check=False)
    log.close()


def answered(release_nb: dict, assignment: str, bug: tuple[str, str] | None) -> dict:
    """The fetched notebook with every answer cell written: the model answer, or a catalogued bug in one cell."""
    source = nbformat.read(str(course.get(assignment).source_path(NOTEBOOK)), as_version=4)
    model = student_solution(source)
    answers = {cell.metadata["nbgrader"]["grade_id"]: model.cells[i].source
               for i, cell in enumerate(source.cells) if cell.metadata.get("nbgrader", {}).get("solution")}
    if bug:  # bob: a catalogued bug, and active content in an output and in his written answer
        entry = next(e for e in catalogue.load(assignment) if (e.answer_cell, e.name) == bug)
        answers[entry.answer_cell] = entry.source + ACTIVE_OUTPUT
        answers[WRITTEN] += ACTIVE_ANSWER
    notebook = copy.deepcopy(release_nb)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["source"] = answers[grade_id]
    return notebook


def test_course_loop_in_the_browser(hub):
    counter = [0]
    instructor_name, students = hub["instructor"], hub["students"]
    alice, bob = students[:2]
    course_dir = Path("/home") / instructor_name / "course"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        teacher = Person(browser, HUB, instructor_name, hub["passwords"][instructor_name], SHOTS, counter)
        # The instructor's lab has the whole Nbgrader menu; a student's has the Assignments panel only.
        teacher.page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text-is("Nbgrader")').click()
        expect(teacher.page.locator(f'{MENU} li[data-command="nbgrader:open-formgrader"]')).to_be_visible()
        teacher.shot("nbgrader-menu")
        teacher.page.keyboard.press("Escape")
        people = {instructor_name: teacher, **{name: Person(browser, HUB, name, hub["passwords"][name], SHOTS, counter)
                                               for name in (alice, bob)}}
        people[alice].page.locator('#jp-menu-panel div.lm-MenuBar-itemLabel:text-is("Nbgrader")').click()
        expect(people[alice].page.locator(f'{MENU} li[data-command="nbgrader:open-assignment-list"]')).to_be_visible()
        for hidden in ("open-formgrader", "open-course-list", "open-create-assignment"):
            expect(people[alice].page.locator(f'{MENU} li[data-command="nbgrader:{hidden}"]')).to_be_hidden()
        people[alice].shot("nbgrader-menu")
        people[alice].page.keyboard.press("Escape")
        assert people[alice].page.request.get(f"{people[alice].server}/formgrader").status == 404

        # 1. Release, from the formgrader.
        for assignment in ASSIGNMENTS:
            text = teacher.formgrader_action(assignment, "release")
            assert "Successfully released" in text, text

        # 2. Each student fetches, works, runs everything, validates and submits.
        validation = {}
        for name, bug in ((alice, None), (bob, BOBS_BUG)):
            student = people[name]
            student.open_assignments()
            for assignment in ASSIGNMENTS:
                expect(student.assignment_row("released", assignment)).to_have_count(1)
            student.shot("assignments-released")
            for assignment in ASSIGNMENTS:
                student.fetch(assignment)
                path = f"{assignment}/{NOTEBOOK}"
                release_nb = student.read_file(path)["content"]
                student.write_notebook(path, answered(release_nb, assignment, bug))
                student.open_notebook(path)
                errors = Person.errors(student.run_all_and_save(path))
                student.shot(f"ran-{assignment}")
                if bug:
                    assert len(errors) == 1 and errors[0].startswith("AssertionError: conv_output_size"), errors
                else:
                    assert errors == [], f"alice's run of {assignment}: {errors}"
                validation[name, assignment] = student.validate()
                student.shot(f"validate-{assignment}")
                student.close_dialog()
                student.open_assignments()
                student.submit(assignment)
                student.shot(f"submitted-{assignment}")
        for assignment in ASSIGNMENTS:
            assert "Success" in validation[alice, assignment], validation[alice, assignment]
            assert "failed" in validation[bob, assignment].lower(), validation[bob, assignment]

        # A student reaches neither the course, nor the checks, nor another student's work.
        assert as_user(bob, "ls", str(course_dir)).returncode != 0
        assert as_user(bob, "ls", str(EXCHANGE / COURSE_ID / "inbound")).returncode != 0
        assert as_user(bob, "ls", f"/home/{alice}").returncode != 0
        image_python = "/opt/normres-hub/image/bin/python"
        assert as_user(bob, image_python, "-c", "import instructor_only").returncode != 0
        assert as_user(bob, "ls", str(REPO)).returncode != 0
        assert as_user(bob, "env", f"PYTHONPATH={REPO}", image_python, "-c", "import instructor_only").returncode != 0
        assert as_user(bob, image_python, "-c", "import student_helpers").returncode == 0

        # 3. The instructor collects, then grades the class in a terminal.
        for assignment in ASSIGNMENTS:
            text = teacher.formgrader_action(assignment, "collect")
            assert "Successfully collected" in text, text
        for assignment in ASSIGNMENTS:
            assert sorted(p.name for p in (course_dir / "submitted").iterdir()) == sorted([alice, bob])
        summaries = [course_dir / "classgrade" / a / "summary.csv" for a in ASSIGNMENTS]
        teacher.terminal("sudo course-grade " + " ".join(ASSIGNMENTS) + " --quiet")
        deadline = time.monotonic() + 900
        while not all(s.exists() for s in summaries) or any(s.owner() != instructor_name for s in summaries):
            assert time.monotonic() < deadline, "course-grade did not finish in 15 minutes"
            time.sleep(2)
        time.sleep(2)
        teacher.shot("course-grade")
        for assignment, summary in zip(ASSIGNMENTS, summaries):
            rows = {r["student"]: r for r in csv.DictReader(open(summary))}
            assert set(rows) == {alice, bob} and {r["status"] for r in rows.values()} == {"graded"}, rows
            got, total = rows[alice]["autograded"].split("/")
            assert got == total, f"alice's model answers lost points: {rows[alice]}"
            lost, total = rows[bob]["autograded"].split("/")
            assert int(lost) < int(total), f"bob's bug lost nothing: {rows[bob]}"

        # 4. Written answers, in the formgrader: the rubric is in view for the grader.
        for assignment in ASSIGNMENTS:
            teacher.formgrader(f"gradebook/{assignment}/{NOTEBOOK[:-6]}")
            links = teacher.page.locator("td a[href*='/formgrader/submissions/']")
            links.first.wait_for()
            submissions = links.evaluate_all("links => [...new Set(links.map(link => link.href))]")
            assert len(submissions) == 2, submissions
            teacher.shot(f"manual-grading-list-{assignment}")
            for index, submission in enumerate(submissions):
                teacher.page.goto(submission)
                score = teacher.page.locator(f"input#{WRITTEN}")
                score.wait_for()
                teacher.page.wait_for_timeout(500)  # (an image's onerror fires after the page has loaded)
                assert PWNED not in teacher.page.title(), "a submission's script ran in the formgrader"
                expect(teacher.page.get_by_text("Rubric (for graders")).to_be_visible()
                teacher.page.locator(".nbgrader_cell", has=score).locator("button.full-credit").click()
                expect(score).not_to_have_value("")
                teacher.shot(f"manual-grade-{assignment}-{index}")

        # 5. Feedback: generated and released only now, fetched and read by each student.
        for assignment in ASSIGNMENTS:
            assert "Success" in teacher.formgrader_action(assignment, "generate-feedback")
            assert "Success" in teacher.formgrader_action(assignment, "release-feedback")
        for name in (alice, bob):
            student = people[name]
            student.open_assignments()
            for assignment in ASSIGNMENTS:
                student.fetch_feedback(assignment)
            student.shot("feedback-fetched")
            for assignment in ASSIGNMENTS:
                feedback_dir = Path("/home") / name / assignment / "feedback"
                html_files = sorted(feedback_dir.glob(f"*/{NOTEBOOK[:-6]}.html"))
                assert html_files, f"no feedback for {name} in {feedback_dir}"
                relative = html_files[-1].relative_to(Path("/home") / name)
                student.page.goto(f"{student.server}/files/{relative}")
                text = student.page.locator("body").inner_text()
                student.page.wait_for_timeout(500)
                assert PWNED not in student.page.title(), "a script of the submission ran in its feedback"
                student.shot(f"feedback-{assignment}")
                assert "run_hidden_checks" not in text and "Rubric (for graders" not in text
                assert "YOUR ANSWER HERE" not in text
                total = re.search(r"warmup \(Score: ([\d.]+) / ([\d.]+)\)", text)
                assert total, text[:2000]
                assert "Written response (Score: 1.0 / 1.0)" in text, "the written answer's grade is in the feedback"
                if name == alice:
                    assert total.group(1) == total.group(2) and "Score: 0.0" not in text, text[:3000]
                else:
                    assert float(total.group(1)) < float(total.group(2)) and "Score: 0.0" in text
                    assert "AssertionError: conv_output_size" in text, "bob reads what his function got wrong"
        browser.close()
