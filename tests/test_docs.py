"""The documentation points at what exists: every link and picture in README.md and docs/*.md resolves (its file,
and its #anchor as GitHub makes them from headings), every `python -m` module and every script, benchmark or test
file a page names is in the repository."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
MODULE = re.compile(r"python -m ((?:instructor_only|tests)(?:\.\w+)+)")
FILE = re.compile(r"\b((?:benchmarks|scripts|tests|deploy)/[\w./-]+\.(?:py|sh|csv|txt))\b")


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
    assert not missing, missing


def test_the_pages_are_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert all(f"docs/{page.name}" in readme for page in PAGES[1:])
