"""Text for instructors is inert (issue 24, item 7).

On a terminal and in files: classgrade's summary table, summary.csv and the lines it prints show what students can
influence (ids, file names, a cell's first line, an error's message) with no control character (ANSI escapes that
clear the screen or rewrite a line, carriage returns, bidi overrides) and bounded in length.

In HTML: a warm-up (PyTorch) course with two graded submissions recorded as classgrade's coordinator records them (no
kernel): `honest`, with a matplotlib plot, a failed check (shown in red) and a written answer with math and a table;
and `mallory`, the same plus a script in a text/html output, `<img onerror>` and `javascript:` links in the written
answer, and the other ways into nbconvert's HTML. Stock `nbgrader generate_feedback` writes both feedback pages, and
the formgrader's exporter (built as the formgrader builds it when JupyterLab starts) renders both submissions: what is
active in mallory's pages is exactly what is active in honest's (the course's and nbgrader's own scripts), and the
honest content is still there.
"""
from __future__ import annotations

import base64
import csv
import io
import os
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_output

from instructor_only.grading import course, nbgrader_cli
from instructor_only.grading.classgrade import gradebook_writer
from instructor_only.grading.classgrade.intake import AssignmentDefinition
from instructor_only.grading.classgrade.jobs import GradingResult
from instructor_only.grading.classgrade.report import GRADED, Outcome, print_table, write_csv
from instructor_only.grading.inert_text import printable
from tests.graded_once import graded_once

CONTROLS = {chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
SPOOFING_NOTE = ("warmup.ipynb: cell `\x1b[2J\x1b[H\x1b[32mall checks passed\x1b[0m` failed\r"
                 "\u202eevil\u202c \u2066isolated\u2069 \x07\x08\x9b\x85done")


def test_printable_drops_controls_and_keeps_the_words():
    assert printable(SPOOFING_NOTE) == "warmup.ipynb: cell `all checks passed` failedevil isolated done"
    assert printable("a\x1b]0;terminal title\x07b") == "a]0;terminal titleb"      # an OSC: no ESC, no BEL left
    assert printable("one\ntwo\tthree\u2028four") == "one two three four"
    assert printable("one\r\ntwo\n", multiline=True) == "one\ntwo\n"
    assert printable(ValueError("bad\x1b[1mvalue")) == "bad" + "value"
    assert not CONTROLS & set(printable("".join(sorted(CONTROLS)) * 3, limit=10_000))


def test_printable_bounds_the_length():
    assert printable("x" * 299) == "x" * 299
    cut = printable("x" * 1_000_000)
    assert len(cut) == 300 and cut.endswith("…")
    assert len(printable("\x1b[31m" * 100_000, limit=50)) <= 50


def test_summary_table_and_csv_are_inert(tmp_path, capsys):
    outcomes = [Outcome("warmup_torch", "mallory\x1b[2K\rroot", GRADED, {"a": (1.0, 2.0)},
                        [SPOOFING_NOTE, "y" * 5000]),
                Outcome("warmup_torch", "\u202eeve", GRADED, {"a": (2.0, 2.0)}, ["fine"])]
    print_table(outcomes, set())
    table = capsys.readouterr().out
    target = tmp_path / "summary.csv"
    write_csv(target, outcomes, set())
    written = target.read_text()
    for text in (table, written):
        assert not CONTROLS - {"\n", "\r"} & set(text)
        assert "all checks passed` failedevil isolated done" in text and "mallory" + "root" in text
        assert "y" * 299 + "…" in text and "y" * 300 not in text
    assert "\r" not in table and len(table.splitlines()) == 6           # header, a row per student, counts
    rows = list(csv.DictReader(io.StringIO(written)))
    assert [row["student"] for row in rows] == ["mallory" + "root", "eve"]
    assert rows[0]["notes"].startswith("warmup.ipynb: cell `all checks passed`")


def test_csv_fields_a_student_controls_are_never_formulas(tmp_path):
    target = tmp_path / "summary.csv"
    write_csv(target, [Outcome("warmup_torch", "=HYPERLINK(\"http://x\")", GRADED, {"a": (1.0, 2.0)},
                               ["@SUM(1)", "fine"])], set())
    row = next(csv.DictReader(io.StringIO(target.read_text())))
    assert row["student"] == "'=HYPERLINK(\"http://x\")" and row["notes"].startswith("'@SUM(1)")


# -- HTML: feedback and the formgrader ---------------------------------------------------------------------------

ASSIGNMENT, NOTEBOOK = "warmup_torch", "warmup.ipynb"
ANSWER_CELL, TEST_CELL, EXPERIMENT_CELL, WRITTEN_CELL = "conv_output_size", "check_conv_output_size", 16, "written_pooling"
HONEST_ANSWER = ("Max pooling keeps the strongest response, so $\\Delta < 0.1$ for a small shift.\n\n"
                 "| pooling | change |\n|---|---|\n| max | 0.05 |\n| average | 0.25 |\n")
HOSTILE_ANSWER = (HONEST_ANSWER + '\n<img src=x onerror="document.title=\'pwned\'"> '
                  '<a href="javascript:document.title=\'pwned\'">see</a> [also](javascript:alert(1)) '
                  '<svg onload=alert(1)></svg> <iframe srcdoc="<script>alert(1)</script>"></iframe>')
HOSTILE_OUTPUTS = [
    new_output("display_data", data={"text/html": "<script>document.title='pwned'</script><b>bold</b>",
                                     "text/plain": "<IPython.core.display.HTML object>"}),
    new_output("display_data", data={"text/html": "<p>x<script>document.title='pwned'</script></p>"},
               metadata={"text/html": {"isolated": True}}),
    new_output("execute_result", data={"text/html": "<img src=x onerror=alert(1)><a href='javascript:alert(1)'>y</a>"},
               execution_count=1),
    new_output("display_data", data={"text/markdown": "<script>alert(1)</script> [l](javascript:alert(1))"}),
    new_output("display_data", data={"application/javascript": "document.title='pwned'"}),
    new_output("display_data", data={"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'>"
                                                      "<script>alert(1)</script></svg>"}),
]


def plot_png() -> str:
    """A matplotlib figure as a notebook's image/png output holds it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.plot([0, 1, 2], [0, 1, 4])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def autograded(release: str, png: str, hostile: bool) -> bytes:
    """The release as the worker returns it: a failed check, a plot and a written answer; `hostile` adds attacks."""
    notebook = nbformat.reads(release, as_version=4)
    by_id = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in notebook.cells}
    by_id[TEST_CELL].outputs = [new_output("error", ename="AssertionError", evalue="conv_output_size(5, 3) is 4, "
                                           "expected 3", traceback=["AssertionError: conv_output_size(5, 3)"])]
    plot = {"image/png": png, "text/plain": "<Figure size 200x200 with 1 Axes>"}
    notebook.cells[EXPERIMENT_CELL].outputs = [new_output("display_data", data=plot)]
    by_id[WRITTEN_CELL].source = HOSTILE_ANSWER if hostile else HONEST_ANSWER
    if hostile:
        by_id[ANSWER_CELL].outputs = HOSTILE_OUTPUTS
        notebook.cells[EXPERIMENT_CELL].outputs.append(new_output(
            "display_data", data=plot, metadata={"image/png": {"width": "1 onerror=alert(1)"}, "height": "2 onload=x"}))
    return nbformat.writes(notebook).encode()


def formgrader_page(course_dir: Path, student: str) -> str:
    """The formgrader's view of a submission: its extension as JupyterLab loads it (load_jupyter_server_extension:
    initialize, then init_tornado_settings builds the HTMLExporter from the course's config), and that exporter on the
    autograded notebook with the resources SubmissionHandler gives it."""
    from nbgrader.server_extensions.formgrader.formgrader import FormgradeExtension
    here, path = os.getcwd(), list(sys.path)
    os.chdir(course_dir)
    try:
        extension = FormgradeExtension()
        extension.root_dir = str(course_dir)
        extension.initialize([])
        webapp = SimpleNamespace(settings={"base_url": ""})
        extension.init_tornado_settings(webapp)
        exporter = webapp.settings["nbgrader_exporter"]
        assert exporter.sanitize_html and exporter.template_name == "formgrade"
        resources = {"assignment_id": ASSIGNMENT, "notebook_id": NOTEBOOK[:-6], "submission_id": "submission-id",
                     "index": 0, "total": 2, "base_url": "", "student": student, "last_name": None, "first_name": None,
                     "notebook_path": f"autograded/{student}/{ASSIGNMENT}/{NOTEBOOK}"}
        html, _ = exporter.from_filename(str(course_dir / "autograded" / student / ASSIGNMENT / NOTEBOOK),
                                         resources=resources)
    finally:
        os.chdir(here)
        sys.path[:] = path
    return html


def grade_and_render(course_dir: Path) -> dict:
    """The course, both submissions recorded (gradebook_writer.record, classgrade's coordinator), stock feedback and
    the formgrader's views; JSON-able for graded_once."""
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(course_dir, [assignment])
    gradebook_writer.stamped_gradebook(course_dir / "gradebook.db")
    gradebook_writer.generate_in_process(course_dir, ASSIGNMENT)
    release = (course_dir / "release" / ASSIGNMENT / NOTEBOOK).read_text()
    config, png = gradebook_writer.load_config(course_dir), plot_png()
    for student in ("honest", "mallory"):
        nbgrader_cli.submit(course_dir, student, assignment, {NOTEBOOK: release})
        files = {NOTEBOOK: autograded(release, png, hostile=student == "mallory")}
        gradebook_writer.record(GradingResult(ASSIGNMENT, student, True, files, {}, []), config,
                                AssignmentDefinition(ASSIGNMENT, {NOTEBOOK[:-6]: ()}))
    nbgrader_cli.run(["generate_feedback", ASSIGNMENT, "--force"], course_dir)
    for student in ("honest", "mallory"):
        (course_dir / f"formgrader-{student}.html").write_text(formgrader_page(course_dir, student))
    return {"scores": nbgrader_cli.scores(course_dir, ASSIGNMENT), "png": png}


@pytest.fixture(scope="module")
def pages(tmp_path_factory, request) -> dict:
    """view -> student -> HTML, and the honest plot."""
    course_dir, outcome = graded_once("inert_html", tmp_path_factory, request, grade_and_render)
    feedback = {s: (course_dir / "feedback" / s / ASSIGNMENT / "warmup.html").read_text() for s in ("honest", "mallory")}
    formgrader = {s: (course_dir / f"formgrader-{s}.html").read_text() for s in ("honest", "mallory")}
    return {"feedback": feedback, "formgrader": formgrader, "png": outcome["png"]}


class ActiveContent(HTMLParser):
    """What a browser would run in a page: scripts (source or text), event-handler attributes, javascript: URLs, and
    the same inside frames given as data: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: set[tuple[str, ...]] = set()
        self.in_script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            squeezed = "".join(value.split()).lower()
            if name.startswith("on"):
                self.found.add(("handler", tag, name, value))
            if squeezed.startswith("javascript:") or "srcdoc" == name:
                self.found.add(("url", tag, name, value))
            if tag == "iframe" and name == "src" and value.startswith("data:text/html;base64,"):
                self.found |= active(base64.b64decode(value.split(",", 1)[1]).decode())
        if tag == "script":
            self.in_script = [dict(attrs).get("src") or ""]

    def handle_data(self, data):
        if self.in_script is not None:
            self.in_script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.in_script is not None:
            self.found.add(("script", "".join(self.in_script).strip()))
            self.in_script = None


def active(html: str) -> set[tuple[str, ...]]:
    parser = ActiveContent()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.nbgrader
@pytest.mark.parametrize("view", ["feedback", "formgrader"])
def test_a_students_html_comes_out_inert(pages, view):
    honest, hostile = pages[view]["honest"], pages[view]["mallory"]
    assert active(hostile) == active(honest), "mallory's page runs something honest's does not"
    if view == "feedback":
        assert {kind for kind, *_ in active(hostile)} == {"script"}        # MathJax and its configuration only
    assert not any("pwned" in " ".join(item) or "alert" in " ".join(item) for item in active(hostile))
    assert "document.title=&#x27;pwned&#x27;" in hostile or "document.title='pwned'" in hostile  # shown, as text


@pytest.mark.nbgrader
@pytest.mark.parametrize("view", ["feedback", "formgrader"])
@pytest.mark.parametrize("student", ["honest", "mallory"])
def test_honest_content_still_renders(pages, view, student):
    page = pages[view][student]
    assert f'src="data:image/png;base64,{pages["png"][:60]}' in page                   # the matplotlib plot
    assert '<h1 id="Warm-up:-tensors,-convolution-and-pooling-shapes-(PyTorch)">' in page  # the course's headings
    assert "<h2" in page and "Student's answer" in page
    assert "$\\Delta &lt; 0.1$" in page                                                 # math, for MathJax
    assert "<th>pooling</th>" in page and "<td>0.05</td>" in page                       # a markdown table
    assert '<span class="ansi-red-fg">AssertionError: conv_output_size(5, 3) is 4' in page or view == "formgrader"
    assert "AssertionError" in page
