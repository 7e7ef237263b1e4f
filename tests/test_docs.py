"""The documentation points at what exists: every link and picture in README.md and docs/*.md resolves (its file,
and its #anchor as GitHub makes them from headings), every `python -m` module and every script, benchmark, test or
`instructor_only/` file a page names is in the repository, and every setting `c.Class.name` a page or the course's
`nbgrader_config.py` names is a configurable trait of that class (nbgrader's, nbconvert's or the course's own)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
MODULE = re.compile(r"python -m ((?:instructor_only|tests)(?:\.\w+)+)")
FOLDERS = "benchmarks|scripts|tests|deploy|instructor_only|student_helpers"
FILE = re.compile(rf"\b((?:{FOLDERS})/[\w./-]+\.(?:py|sh|csv|txt))\b")
TEST_FILE = re.compile(r"(?<![\w/])(test_\w+\.py)\b")
SETTING = re.compile(r"\bc\.([A-Z]\w+)\.(\w+)")
SETTING_HOMES = ("nbgrader.preprocessors", "nbgrader.converters", "nbgrader.coursedir", "nbgrader.plugins",
                 "nbgrader.apps", "nbgrader.exchange", "nbconvert.exporters", "jupyter_client.manager")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in page.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_and_picture_resolves(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+://", target):
            continue  # (the pages link to no outside site that a test could reach offline)
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(target)
    assert not broken, broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_names_a_module_or_file_that_exists(page):
    text = page.read_text()
    missing = []
    for module in set(MODULE.findall(text)):
        base = ROOT.joinpath(*module.split("."))
        if not (base.with_suffix(".py").exists() or (base / "__main__.py").exists()):
            missing.append(module)
    missing += [name for name in set(FILE.findall(text)) if not (ROOT / name).exists()]
    missing += [name for name in set(TEST_FILE.findall(text)) if not (ROOT / "tests" / name).exists()]
    assert not missing, missing


def configurable(class_name: str):
    """The traitlets class a setting `c.<class_name>.x` configures: nbgrader's, nbconvert's, jupyter_client's, or a
    class of the course's own code (found by its `class` statement)."""
    import importlib
    for home in SETTING_HOMES:
        found = getattr(importlib.import_module(home), class_name, None)
        if found is not None:
            return found
    for path in sorted((ROOT / "instructor_only").rglob("*.py")):
        if re.search(rf"^class {class_name}\(", path.read_text(), re.M):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            return getattr(importlib.import_module(module), class_name)
    return None


@pytest.mark.parametrize("page", [*PAGES, ROOT / "nbgrader_config.py"], ids=lambda p: p.name)
def test_every_setting_named_is_a_trait_of_its_class(page):
    unknown = []
    for class_name, trait in sorted(set(SETTING.findall(page.read_text()))):
        cls = configurable(class_name)
        if cls is None or trait not in cls.class_trait_names(config=True):
            unknown.append(f"c.{class_name}.{trait}")
    assert not unknown, unknown


def test_the_pages_are_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert all(f"docs/{page.name}" in readme for page in PAGES[1:])
