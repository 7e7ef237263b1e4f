"""Where things are in the course, and which assignments exist (everything under source/)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[2]
SOURCE = "source"
RELEASE = "release"
SOLUTIONS = "solutions"
FRAMEWORK_SUFFIXES = {"_torch": "torch", "_tensorflow": "tensorflow"}


@dataclass(frozen=True)
class Assignment:
    """An nbgrader assignment `<concept>_<framework>`, e.g. warmup_torch (concept warmup, framework torch)."""
    name: str
    concept: str
    framework: str
    notebooks: tuple[str, ...]  # file names under source/<name>/

    def source_path(self, notebook: str, root: Path = COURSE_ROOT) -> Path:
        return root / SOURCE / self.name / notebook


def discover(root: Path = COURSE_ROOT) -> list[Assignment]:
    """Every assignment folder under <root>/source, sorted by name."""
    found = []
    for folder in sorted((root / SOURCE).iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        suffix = next((s for s in FRAMEWORK_SUFFIXES if folder.name.endswith(s)), None)
        if suffix is None:
            raise ValueError(f"source/{folder.name}: assignment names end in one of {sorted(FRAMEWORK_SUFFIXES)}")
        notebooks = tuple(sorted(p.name for p in folder.glob("*.ipynb")))
        if not notebooks:
            raise ValueError(f"source/{folder.name} holds no notebook")
        found.append(Assignment(folder.name, folder.name[: -len(suffix)], FRAMEWORK_SUFFIXES[suffix], notebooks))
    return found


def get(name: str, root: Path = COURSE_ROOT) -> Assignment:
    for assignment in discover(root):
        if assignment.name == name:
            return assignment
    raise KeyError(f"no assignment {name!r} under {root / SOURCE}")
