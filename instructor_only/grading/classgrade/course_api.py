"""Stock nbgrader's Python API for a course folder, configured by that folder's nbgrader_config.py.

Used in private scratch copies of the course: by the coordinator to build an assignment's template gradebook and by
each worker to autograde one submission. nbgrader is imported on first use, so importing this module stays cheap.
"""
from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "nbgrader_config.py"


def read_config(folder: Path):
    from traitlets.config.loader import PyFileConfigLoader
    return PyFileConfigLoader(CONFIG_FILE, path=str(folder)).load_config()


def nbgrader_api(folder: Path):
    """An `NbGraderAPI` for the course in `folder`, with that course's configuration."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    config = read_config(folder)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
