"""The trusted side alone decides a test cell's score: whatever a kernel emits, in any order, can only lower it.

One warm-up class graded by classgrade: attackers found by an attack round (issue 24), each next to its honest base
in the same class. Every attacker must score exactly its honest base, cell by cell, within the wall cap, without
inflating the autograded notebook or the feedback.
"""
from __future__ import annotations

import nbformat
import pytest

from instructor_only.grading import course, nbgrader_cli, notebooks
from instructor_only.grading.course import COURSE_ROOT, RELEASE
from tests.graded_once import graded_once

ASSIGNMENT, NOTEBOOK, FULL = "warmup_torch", "warmup.ipynb", 9.0
pytestmark = pytest.mark.timeout(600)

SIZE_BUG = ("conv_output_size", '''
def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
    if n < 5:
        return 1  # wrong for small inputs, which the public checks do not try
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
''')

# Every later cell wrapped in try/except and ended with an expression: its result came before the worker's verdict in
# the test cell's outputs, and stock determine_grade reads the first execute_result (text: full credit).
TRANSFORMER = '''
def _forgive(lines):
    body = "".join("    " + line for line in lines) or "    pass\\n"
    return ["try:\\n", body + "\\n", "except BaseException:\\n", "    pass\\n", "'all good'\\n"]
get_ipython().input_transformers_post.append(_forgive)
'''
# Every exception swallowed, and after every cell a raw execute_result message on IOPub, parented to the cell's
# request, whatever the cell did.
RESULT_AFTER_EVERY_CELL = '''
_ip = get_ipython()
_ip.set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
def _result(result):
    kernel = _ip.kernel
    kernel.session.send(kernel.iopub_socket, "execute_result",
                        {"execution_count": 1, "data": {"text/plain": "'all good'"}, "metadata": {}},
                        parent=kernel.get_parent("shell"))
_ip.events.register("post_run_cell", _result)
'''
# The hidden checks asked for from a student's own cells, as a test cell asks (the worker used to run them): another
# lab's (which would put the correct ResNet blocks in the kernel), another framework's (which made the worker import
# TensorFlow).
OWN_RESNET_CHECKS = '''
from instructor_only.checks import run_hidden_checks
run_hidden_checks("resnet", "check_basic_block", "torch", globals())
'''
OWN_TENSORFLOW_CHECKS = '''
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_batch_norm", "tensorflow", globals())
'''
# 400 outputs sharing one display id, then one 200 KB update of all of them: 80 MB of notebook before the fix.
AMPLIFY = '''
from IPython.display import display, update_display
for _ in range(400):
    display("x", display_id="same")
update_display("y" * 200_000, display_id="same")
'''
# 80,000 characters on stderr: the course's IgnorePattern took 48 s on them before it was made linear.
LONG_STDERR = '''
import sys
sys.stderr.write("a" * 80_000)
'''
# A function that raises megabytes of text only when the hidden checks call it (their runner's hint regex backtracked).
HUGE_MESSAGE = '''
import sys
import instructor_only.frameworks.serve as _serve
_serve.MESSAGE_CHARS = 10**9  # the kernel side's cap is the kernel's to change
_mine = conv_output_size
def conv_output_size(*args, **kwargs):
    if sys._getframe(1).f_globals.get("__name__", "").startswith("instructor_only.frameworks"):
        raise ValueError("Shapes " * 1_000_000)
    return _mine(*args, **kwargs)
'''

# A symbolic link in the submission folder to the instructor's source notebook: the grader (root) once copied its
# target into the kernel's folder.
READ_THE_LINK = '''
try:
    print(open("notes.txt").read()[:20_000])
except OSError as error:
    print("no notes:", type(error).__name__)
'''

# student -> (answer cell to replace or None for the blank release, code put there, honest base student)
STUDENTS = {
    "solution": (None, None, None),
    "blank": (None, None, None),
    "size_bug": (*SIZE_BUG, None),
    "blank_transformer": ("conv_output_size", TRANSFORMER, "blank"),
    "bug_transformer": ("conv_output_size", SIZE_BUG[1] + TRANSFORMER, "size_bug"),
    "blank_result_after_every_cell": ("conv_output_size", RESULT_AFTER_EVERY_CELL, "blank"),
    "blank_own_hidden_checks": ("conv_output_size", OWN_RESNET_CHECKS, "blank"),
    "solution_amplify": ("layouts", None, "solution"),
    "solution_long_stderr": ("layouts", None, "solution"),
    "bug_huge_message": ("conv_output_size", SIZE_BUG[1] + HUGE_MESSAGE, "size_bug"),
    "blank_symlink": ("conv_output_size", READ_THE_LINK, "blank"),
}
APPENDED = {"solution_amplify": AMPLIFY, "solution_long_stderr": LONG_STDERR}


def notebook_of(student: str):
    answer, code, _ = STUDENTS[student]
    assignment = course.get(ASSIGNMENT)
    if student.startswith("blank"):
        nb = notebooks.read(COURSE_ROOT / RELEASE / ASSIGNMENT / NOTEBOOK)
    else:
        nb = notebooks.read(assignment.source_path(NOTEBOOK))
    if student in APPENDED:  # the solution's own answer, then the attack
        solution = notebooks.read(assignment.source_path(NOTEBOOK))
        own = next(c.source for c in solution.cells
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == answer)
        own = "\n".join(line for line in own.splitlines() if "### BEGIN SOLUTION" not in line
                        and "### END SOLUTION" not in line)
        return notebooks.with_answer_replaced(nb, answer, own + "\n" + APPENDED[student])
    if answer is not None:
        nb = notebooks.with_answer_replaced(nb, answer, code)
    if student == "blank_own_hidden_checks":
        nb = notebooks.with_answer_replaced(nb, "layouts", OWN_TENSORFLOW_CHECKS)
    return nb


def grade_class(course_dir) -> dict:
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(course_dir, [assignment])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
    for student in STUDENTS:
        nbgrader_cli.submit(course_dir, student, assignment, {NOTEBOOK: nbformat.writes(notebook_of(student)).encode()})
    (course_dir / "submitted" / "blank_symlink" / ASSIGNMENT / "notes.txt").symlink_to(
        course_dir / "source" / ASSIGNMENT / NOTEBOOK)
    result = nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--workers", "2", "--feedback-now",
                                     "--wall-seconds", "120")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    sizes, texts = {}, {}
    for student in STUDENTS:
        path = course_dir / "autograded" / student / ASSIGNMENT / NOTEBOOK
        feedback = course_dir / "feedback" / student / ASSIGNMENT / "warmup.html"
        sizes[student] = [path.stat().st_size, feedback.stat().st_size]
        executed = nbformat.read(path, as_version=4)
        texts[student] = "".join(str(o.get("text", "")) + str(o.get("evalue", ""))
                                 for c in executed.cells for o in c.get("outputs", []))
    summary = (course_dir / "classgrade" / ASSIGNMENT / "summary.csv").read_text()
    return {"scores": nbgrader_cli.scores(course_dir, ASSIGNMENT), "sizes": sizes, "texts": texts,
            "summary": summary}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, request):
    return graded_once("trusted-scores", tmp_path_factory, request, grade_class)[1]


def autograded(scores: dict) -> dict:
    return {gid: score for gid, (score, _) in scores.items() if gid.startswith("check_")}


@pytest.mark.nbgrader
def test_honest_bases_score_as_expected(graded):
    assert sum(autograded(graded["scores"]["solution"]).values()) == FULL
    assert sum(autograded(graded["scores"]["blank"]).values()) == 0
    assert autograded(graded["scores"]["size_bug"])["check_conv_output_size"] == 0
    assert sum(autograded(graded["scores"]["size_bug"]).values()) == FULL - 2


@pytest.mark.nbgrader
@pytest.mark.parametrize("student", [s for s, (_, _, base) in STUDENTS.items() if base])
def test_attacker_scores_exactly_its_honest_base(graded, student):
    base = STUDENTS[student][2]
    assert autograded(graded["scores"][student]) == autograded(graded["scores"][base]), student


@pytest.mark.nbgrader
def test_a_students_own_call_runs_no_hidden_checks(graded):
    text = graded["texts"]["blank_own_hidden_checks"]
    assert text.count("No module named 'instructor_only.checks'") == 2, text[-3000:]
    assert "Hidden checks for `check_basic_block`" not in text and "Hidden checks for `check_batch_norm`" not in text


@pytest.mark.nbgrader
def test_display_updates_count_against_the_output_caps(graded):
    notebook_bytes, feedback_bytes = graded["sizes"]["solution_amplify"]
    honest_notebook, honest_feedback = graded["sizes"]["solution"]
    # 400 x 200 KB would be 80 MB; the cell's cap (1,000,000 characters) bounds it with room for JSON escaping.
    assert notebook_bytes < honest_notebook + 2_500_000, notebook_bytes
    assert feedback_bytes < honest_feedback + 2_500_000, feedback_bytes
    assert "[output cap:" in graded["texts"]["solution_amplify"]


@pytest.mark.nbgrader
def test_a_link_in_the_submission_is_not_followed(graded):
    text = graded["texts"]["blank_symlink"]
    assert "no notes: FileNotFoundError" in text and "BEGIN SOLUTION" not in text, text[-2000:]
    row = next(line for line in graded["summary"].splitlines() if ",blank_symlink," in line)
    assert "skipped 1 file that is not a regular file: notes.txt (a symbolic link)" in row, row
