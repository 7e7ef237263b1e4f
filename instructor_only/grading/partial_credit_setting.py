"""The course's partial-credit setting, read by nbgrader_config.py everywhere the course's config is loaded: by stock
nbgrader and classgrade, and by the hub's formgrader, whose environment has none of the checks' dependencies (pytest,
the frameworks). What partial credit is: instructor_only/checks/partial_credit.py.

It is an environment variable of the process that loads the config: stock `nbgrader autograde` runs the hidden
checks in the kernel it starts, which inherits that environment and nothing else of the configuration.
"""
from __future__ import annotations

import os

VARIABLE = "COURSE_PARTIAL_CREDIT"


def configure(enabled: bool) -> None:
    """The course's setting (nbgrader_config.py): this process and the kernels it starts share it."""
    os.environ[VARIABLE] = "1" if enabled else "0"


def enabled() -> bool:
    return os.environ.get(VARIABLE, "0") == "1"
