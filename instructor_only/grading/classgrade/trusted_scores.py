"""The score of a graded test cell is the trusted side's: written so that stock nbgrader can read nothing else.

Stock `SaveAutoGrades` scores a code test cell from its outputs (`nbgrader.utils.determine_grade`): zero at the first
error or stderr output, partial credit from the first `execute_result` that reads as a number, full credit from
one that does not, full credit when there is neither. The kernel writes those outputs, in any order, at any time
(hooks, input transformers, threads, raw messages, display updates of earlier outputs). So this step, the last
before SaveAutoGrades, rewrites every graded test cell of the notebook from the verdict the worker recorded while it
ran the cell (`LimitedExecute`, `resources["classgrade_trusted"]`):

- the cell gets its points if and only if the trusted side's hidden checks passed and the kernel's run of the cell
  raised nothing (no error and no stderr output left after the course's IgnorePattern, as stock nbgrader counts);
- the kernel's own outputs stay, for the instructor and the student, but inert: an `execute_result` becomes the
  `display_data` it shows, so no kernel output can be read as a score; errors and stderr stay as they are, since
  they can only lower the score;
- then the trusted side's report (stdout) and, when the score is zero, one error output saying why;
- with the course's partial credit on (instructor_only/checks/partial_credit.py), a cell whose public checks raised
  nothing and some of whose hidden checks passed gets the passed share of its points instead, written as the one
  `execute_result` of the cell (the number, nbgrader's rule for partial credit), after a line saying so.

The result is checked with nbgrader's own `determine_grade`: a cell it would score otherwise is zeroed.
A graded test cell the course gave no hidden checks (none in this course: a test proves it) is scored by the kernel's
outputs alone, as stock nbgrader scores it, with its results made inert all the same.
"""
from __future__ import annotations

from dataclasses import dataclass

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import determine_grade, is_grade, is_solution
from traitlets import Bool

from instructor_only.checks import partial_credit
from instructor_only.checks.runner import partial_credit_line

RESOURCE = "classgrade_trusted"   # resources key: {"expected": {grade id: call}, "verdicts": {grade id: Verdict}}
FAILED_ERROR = "HiddenChecksFailed"


@dataclass
class Verdict:
    """What the worker decided for one graded test cell."""
    passed: bool           # the hidden checks ran and all passed
    report: str = ""       # the checks' verdict in words (shown in the cell)
    reason: str = ""       # why the cell scores zero when the checks did not decide it (not run, refused)
    details: str = ""      # pytest's full report of the failures (instructors: cell metadata)
    behaviour: str | None = None  # what the student's code answered the checks (behaviour.Recording.as_text)
    share: float = 0.0     # the passed share of the checks' weight (partial credit; 1.0 when all passed)


def error_output(ename: str, message: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {message}"])


def inert(output: NotebookNode) -> NotebookNode:
    """The output as the kernel showed it, unable to be read as a score: a result becomes display data."""
    if output.get("output_type") == "execute_result":
        return NotebookNode(output_type="display_data", data=output.get("data", {}),
                            metadata=output.get("metadata", {}))
    return output


def kernel_raised(outputs: list) -> bool:
    return any(o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")
               for o in outputs)


def is_graded_test(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class TrustedScores(NbGraderPreprocessor):
    """Rewrite each graded test cell so that its outputs say exactly the trusted score (see the module)."""

    enabled = Bool(True, help="Off only where the hidden checks ran in the kernel (a benchmark mode).").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        record = resources.get(RESOURCE)
        if record is None:
            raise RuntimeError("TrustedScores needs the verdicts LimitedExecute records (run it after LimitedExecute "
                               "with trusted checks on)")
        for cell in nb.cells:
            cell.metadata.pop("classgrade", None)  # ours alone: a submission's own copy would pass for the grader's
            if is_graded_test(cell):
                self.rewrite(cell, record["expected"], record["verdicts"])
        return nb, resources

    def rewrite(self, cell, expected: dict, verdicts: dict) -> None:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        kernel_outputs = [inert(o) for o in cell.get("outputs", [])]
        raised = kernel_raised(kernel_outputs)
        verdict: Verdict | None = verdicts.get(grade_id)
        points = float(cell.metadata["nbgrader"]["points"])
        outputs = list(kernel_outputs)
        if grade_id not in expected:  # no hidden checks for this cell: the kernel's word, as stock nbgrader takes it
            earned = points if not raised else 0.0
        else:
            full = verdict is not None and verdict.passed and not raised
            earned = points if full else self.partial(points, verdict, raised)
            if verdict is not None and verdict.report:
                outputs.append(NotebookNode(output_type="stream", name="stdout", text=verdict.report + "\n"))
            if verdict is not None and verdict.details:
                cell.metadata.setdefault("classgrade", {})["hidden_checks"] = verdict.details
            if verdict is not None and verdict.behaviour and not full:  # for the diagnosis (grading/diagnosis/)
                cell.metadata.setdefault("classgrade", {})["behaviour"] = verdict.behaviour
            if 0 < earned < points:
                outputs.append(NotebookNode(output_type="stream", name="stdout",
                                            text=partial_credit_line(earned, points) + "\n"))
                outputs.append(NotebookNode(output_type="execute_result", execution_count=cell.get("execution_count"),
                                            data={"text/plain": repr(earned)}, metadata={}))
            elif not full and not raised:
                outputs.append(error_output(FAILED_ERROR, self.reason(grade_id, verdict)))
        cell.outputs = outputs
        score, _ = determine_grade(cell, self.log)
        if score != earned:  # cannot happen by construction; never let the outputs decide
            cell.outputs = [*outputs, error_output(FAILED_ERROR, f"`{grade_id}`: the outputs disagreed with the "
                                                                 f"trusted score; scored zero")]

    @staticmethod
    def partial(points: float, verdict: Verdict | None, raised: bool) -> float:
        """The passed share of the points, with the course's partial credit on and the checks decided; else 0."""
        if not partial_credit.enabled() or verdict is None or verdict.reason or raised:
            return 0.0
        return partial_credit.score(points, verdict.share)

    @staticmethod
    def reason(grade_id: str, verdict: Verdict | None) -> str:
        if verdict is None:
            return f"the hidden checks for `{grade_id}` did not run"
        if verdict.reason:
            return verdict.reason
        return f"the hidden checks for `{grade_id}` did not all pass (see above)"
