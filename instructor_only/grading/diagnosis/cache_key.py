"""What the catalogue's fingerprints depend on, as one digest: the course's checks, references, adapters, catalogue (its
blind rounds included), source notebooks and the grading code that records them, and the framework's version (its
numbers). Light to import: the coordinator checks its cache with it before starting a process that imports the
framework."""
from __future__ import annotations

import contextlib
import hashlib
import json
from importlib import metadata
from pathlib import Path

from instructor_only.grading import course

FILE = "fingerprints.json"  # {"key": code_digest, "fingerprints": ...}, in a cache folder
FORMAT = 2  # of the fingerprints file (2: it says which test cells it holds every entry of)
FRAMEWORK_PACKAGES = {"torch": "torch", "tensorflow": "tensorflow-cpu"}


# The grading code that shapes a recording: how a notebook is run in-process and its checks called
RECORDING_CODE = ("grading/diagnosis/fingerprints.py", "grading/inprocess.py", "grading/notebooks.py",
                  "grading/submissions.py", "grading/classgrade/trusted_checks.py")


def code_digest(assignment: course.Assignment) -> str:
    digest = hashlib.sha256(f"{FORMAT}".encode())
    root = course.COURSE_ROOT / "instructor_only"
    files = sorted([*root.glob("checks/**/*.py"), *root.glob("references/**/*.py"), *root.glob("frameworks/**/*.py"),
                    *root.glob("catalogue/**/*.py"), *(root / name for name in RECORDING_CODE),
                    *(assignment.source_path(n) for n in assignment.notebooks)])
    for path in files:
        digest.update(str(path.relative_to(course.COURSE_ROOT)).encode() + b"\0" + path.read_bytes())
    package = FRAMEWORK_PACKAGES.get(assignment.framework, assignment.framework)
    with contextlib.suppress(metadata.PackageNotFoundError):
        digest.update(metadata.version(package).encode())
    return digest.hexdigest()


def kept(folder: Path, assignment: course.Assignment) -> dict | None:
    """The fingerprints kept in `folder` if they are of this course's code and framework version, else None."""
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        found = json.loads((folder / FILE).read_text())
        if found["key"] == code_digest(assignment) and isinstance(found["fingerprints"], dict):
            return found["fingerprints"]
    return None
