"""What has been graded: one small JSON file per submission under classgrade/<assignment>/, written after the
gradebook, so a run that stops half-way regrades exactly the submissions it did not finish."""
from __future__ import annotations

import json
import os
from pathlib import Path

STATE_DIR = "classgrade"
REPORT_DIR = "report"  # classgrade/<assignment>/report/: the class report and the catalogue's fingerprints (a folder:
                       # a student's record is <student>.json beside it, whatever the student id)


def path(course_dir: Path, assignment: str, student: str) -> Path:
    return course_dir / STATE_DIR / assignment / f"{student}.json"


def report_dir(course_dir: Path, assignment: str) -> Path:
    return course_dir / STATE_DIR / assignment / REPORT_DIR


def load(course_dir: Path, assignment: str, student: str) -> dict:
    try:
        return json.loads(path(course_dir, assignment, student).read_text())
    except (OSError, ValueError):
        return {}


def save(course_dir: Path, assignment: str, student: str, record: dict) -> None:
    target = path(course_dir, assignment, student)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".json.partial")
    partial.write_text(json.dumps(record, indent=1, sort_keys=True))
    os.replace(partial, target)


def forget(course_dir: Path, assignment: str, student: str) -> None:
    path(course_dir, assignment, student).unlink(missing_ok=True)
