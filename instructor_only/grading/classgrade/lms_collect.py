"""Bring an LMS download into submitted/ with stock `nbgrader zip_collect`, and say what it skipped.

The instructor puts the LMS's zip (or loose files) in downloaded/<assignment>/archive/. File names are parsed with
`c.FileNameCollectorPlugin.named_regexp` from nbgrader_config.py (the course sets Canvas' naming). zip_collect runs
with --force: the download is the latest truth for every student in it (graded submissions whose files did not
change are not regraded; classgrade compares contents, not dates).
"""
from __future__ import annotations

import re
from pathlib import Path

from instructor_only.grading import nbgrader_cli
from instructor_only.grading.classgrade.gradebook_writer import CourseSetupError

# zip_collect's warnings about files it did not collect as given (nbgrader 0.9 wording).
SKIPPED = re.compile(r"\| WARNING\] (Skipped submission with no match information provided: .*"
                     r"|Invalid submission notebook name .*)")


def collect(course_dir: Path, assignment: str, config) -> list[str]:
    """Run zip_collect for `assignment`; return one line per file it skipped or collected under another name."""
    archive = course_dir / "downloaded" / assignment / "archive"
    if not config.FileNameCollectorPlugin.get("named_regexp"):
        raise CourseSetupError("--zip-collect needs c.FileNameCollectorPlugin.named_regexp in nbgrader_config.py "
                               "(how student id and notebook name are read from the LMS's file names)")
    if not archive.is_dir() or not any(archive.iterdir()):
        raise CourseSetupError(f"--zip-collect: put the LMS download (zip or files) in {archive}")
    result = nbgrader_cli.run(["zip_collect", assignment, "--force"], course_dir, check=False)
    if result.returncode != 0:
        raise CourseSetupError(f"nbgrader zip_collect {assignment} failed: "
                               + " ".join(result.stderr.strip().splitlines()[-3:]))
    return [match.group(1).replace(str(course_dir) + "/", "") for match in SKIPPED.finditer(result.stderr)]
