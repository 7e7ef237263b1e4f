"""nbgrader configuration for the Normalization & Residual Networks course.

Read by every stock `nbgrader` command run from this directory (and by the project's own tools, which call
stock nbgrader). Each setting says why it differs from nbgrader's default.
"""
import os
import sys

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "normalization-residual-networks"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")

# nbgrader shells out to `alembic` when it creates a gradebook. Put the running interpreter's bin/ first on PATH so
# `.venv/bin/nbgrader ...` works without activating the virtual environment.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

# nbgrader 0.9.6's Gradebook.add_submission builds a new submission's rows before adding them to the session; with
# SQLAlchemy 2 the first one a process creates prints three SAWarnings ("Object of type <SubmittedAssignment> not in
# session, add operation along 'Assignment.submissions' will not proceed"; classgrade: in the coordinator and in each
# worker). The rows are added right after, and the gradebook is complete. Silence exactly that warning, in the nbgrader processes of this
# course (stock commands, and classgrade's coordinator and workers, which load this file too).
import warnings  # noqa: E402
from sqlalchemy.exc import SAWarning  # noqa: E402
warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.api$",
                        message=r"Object of type <Submitted(Assignment|Notebook)> not in session, "
                                r"add operation along '\w+\.submissions' will not proceed")

# One kernel name everywhere: source, release and autograde all run "python3" (the course venv's ipykernel).
c.Execute.kernel_name = "python3"
c.OverwriteKernelspec.enabled = True

# The kernels nbgrader starts listen on loopback TCP, and ipykernel 7 warns about it in every run ("Kernel is running
# over TCP without encryption"). The course kernelspec supports CurveZMQ, so jupyter_client gives each kernel keys.
# (classgrade's sandboxed kernels talk over unix sockets in a folder of their own instead: warm_kernels.py.)
import zmq  # noqa: E402
c.KernelManager.transport_encryption = "auto" if zmq.has("curve") else "disabled"

# Labs train small networks inside graded cells; nbgrader's default 30 s per cell is too tight on a 2-core CPU.
# A stuck cell is interrupted and scored as an error; the notebook goes on.
c.Execute.timeout = 180
c.Execute.interrupt_on_timeout = True

# A student who deleted a test cell gets it back at autograde time (scored as usual), instead of silently losing it.
c.OverwriteCells.add_missing_cells = True

# Keep a runaway print loop from bloating autograded notebooks and feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# Stock nbgrader scores a test cell 0 if it wrote *anything* to stderr. torch and TensorFlow write warnings and
# C++ log lines there, so a correct answer could lose its points. IgnorePattern (stock, runs right after Execute)
# drops stderr outputs that look like framework warnings, log lines or progress bars. Real failures are "error"
# outputs (exceptions), which this never touches.
# The pattern runs on what a student's code wrote, so it must take time linear in the text: no alternative starts with
# an unbounded repeat (searched at every position, "\w*Warning: " took 48 s on one 80,000-character line) and no repeat
# is nested or unbounded (tests/test_nbgrader_config.py times it on hostile text).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = "(?m)" + "|".join([  # (?m): ^ matches at every line start
    r"Warning: ",                                      # Python warnings: "file.py:12: UserWarning: ..."
    r"^[IWEF]\d{4} ",                                  # absl-style C++ log lines: "W0000 00:00:17... 123 x.cc:9]"
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9}: [IWEF] ",  # TensorFlow C++ log lines with a timestamp
    r"^\[[IWEF]\d{3,4} \d\d:\d\d:\d\d\.\d{1,9} [\w.]{1,100}:\d{1,6}\] ",  # PyTorch's C++ (c10) log lines: MDD
    r"^(WARNING|INFO):",                               # absl / python logging: "WARNING:tensorflow:..."
    r"All log messages before absl::InitializeLog",    # absl's first-use banner
    r"\d%\|",                                          # tqdm progress bars written as text ("45%|")
])

# Feedback never shows the hidden test code: stock ClearHiddenTests, run at feedback time on the autograded copy
# (the autograded notebooks keep everything, for the instructor), and errors as one line (ShortErrors: a traceback
# quotes the lines around the failing one, hidden tests included, and the course's file paths). The hidden checks
# themselves print their verdict in words.
# Written answers' rubrics: shown to the grader in the formgrader (a markdown cell after each answer of the autograded
# notebook, taken from source/), removed from feedback (instructor_only/grading/rubrics.py). classgrade's worker uses
# the same autograde list with its limited Execute.
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,  # noqa: E402
                                    DeduplicateIds, Execute, GetGrades, IgnorePattern, LimitOutput,
                                    OverwriteKernelspec, SaveAutoGrades)
sys.path.insert(0, c.CourseDirectory.root)
from instructor_only.grading.feedback_errors import ShortErrors  # noqa: E402
from instructor_only.grading.rubrics import RubricsForGraders, WithoutRubrics  # noqa: E402

# Partial credit inside a test cell: off, so a test cell scores all or nothing. On (True), a cell whose public checks
# pass and some of whose hidden checks pass gets that share of its points, by the weights the checks declare; stock
# autograde and classgrade record it by nbgrader's own rule (a numeric cell result) and give the same scores
# (instructor_only/checks/partial_credit.py). Regrade after changing it. (This file is also read by the hub's formgrader,
# whose environment has no pytest or framework: import nothing of instructor_only.checks here.)
from instructor_only.grading import partial_credit_setting  # noqa: E402
partial_credit_setting.configure(False)
c.Autograde.autograde_preprocessors = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata, RubricsForGraders]
c.GenerateFeedback.preprocessors = [WithoutRubrics, GetGrades, ClearHiddenTests, ShortErrors, CSSHTMLHeaderPreprocessor]

# Late work: nbgrader's default LateSubmissionPlugin with no penalty. A submission after the due date (set per
# assignment in the formgrader) is flagged late in the formgrader and the gradebook, and the instructor decides.
c.LateSubmissionPlugin.penalty_method = "none"

# Autograde's sanitizing step is stock but for OverwriteCells: a test cell a student left as released gets its hidden
# tests back without stock nbgrader's "Attribute 'checksum' ... has changed!" warning, which would otherwise fire for
# every test cell with hidden tests in every submission (instructor_only/grading/released_cells.py). A test cell a
# student did change is still reported, and restored.
from instructor_only.grading.released_cells import OverwriteReleasedCells  # noqa: E402
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteReleasedCells,
                                      CheckCellMetadata]

# Manually graded written answers: the stub a student sees.
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# The code stub says what to do when a check runs it.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError(\"not written yet: replace this line with your code\")"}

# `classgrade --zip-collect` (stock `nbgrader zip_collect`) reads student id and notebook name from the file names of
# an LMS download in downloaded/<assignment>/archive/. This is Canvas' naming, "<login>_[late_]<user id>_<file id>_
# <notebook>" (Canvas appends "-1", "-2" to resubmitted files; classgrade files a single renamed notebook under its
# released name). Change it to your LMS's naming. nbgrader matches it against the file's absolute path.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>[^/_]+)_(late_)?\d+_\d+_(?P<file_id>[^/]+)$"

# Feedback and the formgrader's views of a submission carry no active content: a student's outputs and written
# answers are a stranger's HTML, opened by the student and by the graders. `sanitize_html` is nbconvert's own switch:
# text/html and text/markdown outputs go through its bleach sanitizer, JavaScript and widget outputs are dropped.
# nbgrader's feedback and formgrade templates never sanitize a markdown cell, and nbconvert's templates put an image's
# width and height metadata in an unquoted attribute: the two filters close that (instructor_only/grading/
# inert_html.py). HTML and markdown *outputs* then show only the tags bleach allows (the course's own outputs are
# text and PNG images). HTMLExporter is the exporter of `nbgrader generate_feedback` and of the formgrader, which
# reads this file when JupyterLab starts: restart JupyterLab after changing it.
from instructor_only.grading import inert_html  # noqa: E402
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.filters = {"markdown2html": inert_html.markdown2html, "get_metadata": inert_html.get_metadata}

# `nbgrader collect` (and the formgrader's Collect) copies only the regular files of a submission: stock collect
# follows symbolic links, so a link in a student's inbound folder would copy its target (read as the instructor) into
# submitted/ (instructor_only/grading/regular_collect.py).
from instructor_only.grading.regular_collect import RegularFilesCollect  # noqa: E402
c.ExchangeFactory.collect = RegularFilesCollect
