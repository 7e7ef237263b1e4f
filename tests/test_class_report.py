"""The class report (classgrade/<assignment>/report/report.html, .json, .csv), built from classgrade's records and the
diagnoses: its numbers, and its page in Chromium: the charts and tables render, and students' text stays text.
tests/test_demo.py checks a report made by a real classgrade run against the gradebook."""
from __future__ import annotations

import csv
import json

import pytest

from instructor_only.grading.classgrade import class_report
from instructor_only.grading.diagnosis.matching import Diagnosis

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">'
# written_c: an answer graded by hand (the records hold 0 for it until then; ann's 1 is left out all the same)
RECORDS = {
    "ann": {"scores": {"check_a": [2, 2], "check_b": [3, 3], "written_c": [1, 1]}, "notes": [],
            "timings": {"total": 4.0}},
    "ben": {"scores": {"check_a": [0, 2], "check_b": [3, 3], "written_c": [0, 1]}, "notes": [],
            "timings": {"total": 9.5}},
    HOSTILE: {"scores": {"check_a": [0, 2], "check_b": [0, 3], "written_c": [0, 1]},
              "notes": ["warmup.ipynb: cell `a` exceeded the memory cap of 640 MB (641 MB)"], "timings": {"total": 2.0}},
}
DIAGNOSES = {"ben": {"check_a": Diagnosis("check_a", ("true_division",), "divides with /", 3)},
             HOSTILE: {"check_a": Diagnosis("check_a", ("true_division",), "divides with /", 3), "check_b": None}}


@pytest.fixture
def written(tmp_path):
    report = class_report.build("warmup_torch", RECORDS, DIAGNOSES, ["written_c"])
    return report, class_report.write(tmp_path, "warmup_torch", report)


def test_the_numbers_are_the_records(written):
    report, page = written
    assert report["totals"] == {"ann": 5.0, "ben": 3.0, HOSTILE: 0.0} and report["max_total"] == 5.0
    assert report["hand_graded"] == {"cells": ["written_c"], "points": 1.0}
    cells = {c["grade_id"]: c for c in report["cells"]}
    assert set(cells) == {"check_a", "check_b"}  # not the written answer's 0, which only waits for a person
    assert (cells["check_a"]["passed"], cells["check_a"]["graded"]) == (1, 3)
    assert cells["check_a"]["mistakes"] == [{"entries": ["true_division"], "description": "divides with /",
                                             "students": sorted(["ben", HOSTILE])}]
    assert cells["check_b"]["unmatched"] == [HOSTILE]
    assert [s["student"] for s in report["slowest"]] == ["ben", "ann", HOSTILE]
    assert json.loads((page.parent / "report.json").read_text()) == json.loads(json.dumps(report))
    with open(page.parent / "report.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["test cell"], r["mistake"], r["students"]) for r in rows if r["mistake"]} == {
        ("check_a", "true_division", "2"), ("check_b", class_report.NO_MATCH, "1")}


@pytest.mark.timeout(120)
def test_the_page_renders_in_chromium_and_students_text_stays_text(written):
    from playwright.sync_api import sync_playwright
    from tests.hub_pages import CHROMIUM, CHROMIUM_ARGS
    _, page_path = written
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(page_path.as_uri())
        assert page.title() == "Class report: warmup_torch"  # the student's onerror did not run
        assert page.locator("img").count() == 0
        assert page.locator("#totals rect").count() == 5 and page.locator("#pass-rates rect").count() == 2
        heights = [float(r.get_attribute("height")) for r in page.locator("#totals rect").all()]
        assert sum(h > 0 for h in heights) == 3  # totals 0, 3 and 5: three bins hold someone
        assert page.locator("#totals").bounding_box()["height"] > 100
        rows = page.locator("table.mistakes tr")
        assert rows.count() == 2 + 2  # check_a: a header and true_division; check_b: a header and no match
        assert HOSTILE in page.locator("table.mistakes").first.inner_text()
        assert "memory cap" in page.locator("#limits").inner_text()
        browser.close()


def test_the_written_answers_are_the_source_notebooks_graded_answer_cells():
    """Every assignment's hand-graded cells, from its source notebooks: the course names them written_*, and its
    autograded test cells check_*."""
    from instructor_only.grading import course, notebooks
    for assignment in course.discover():
        ids = {notebooks.grade_meta(c)["grade_id"] for name in assignment.notebooks
               for c in notebooks.read(assignment.source_path(name)).cells if notebooks.grade_meta(c).get("points")}
        by_hand = class_report.hand_graded(course.COURSE_ROOT, assignment.name)
        assert by_hand and set(by_hand) == {gid for gid in ids if not gid.startswith("check_")}, assignment.name

