"""TrustedScores: whatever outputs a kernel left in a graded test cell, in whatever order, stock nbgrader's scoring
then reads exactly the trusted score (points iff the hidden checks passed and the kernel raised nothing)."""
from __future__ import annotations

import itertools

import pytest
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.utils import determine_grade

from instructor_only.checks import partial_credit
from instructor_only.grading.classgrade.trusted_scores import RESOURCE, TrustedScores, Verdict

POINTS = 3.0


def kernel_output(kind: str) -> NotebookNode:
    """One output a kernel can leave in a cell, of each kind determine_grade reads or ignores."""
    return {
        "text_result": NotebookNode(output_type="execute_result", execution_count=1, metadata={},
                                    data={"text/plain": "'all good'"}),
        "numeric_result": NotebookNode(output_type="execute_result", execution_count=1, metadata={},
                                       data={"text/plain": "3.0"}),
        "display": NotebookNode(output_type="display_data", metadata={}, data={"text/plain": "a plot"}),
        "stdout": NotebookNode(output_type="stream", name="stdout", text="Public checks passed.\n"),
        "stderr": NotebookNode(output_type="stream", name="stderr", text="oops\n"),
        "error": NotebookNode(output_type="error", ename="ValueError", evalue="no", traceback=[]),
    }[kind]


def graded_test_cell(outputs) -> NotebookNode:
    cell = new_code_cell("# Public checks\nassert True", outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "check_x",
                                 "points": POINTS, "schema_version": 3}
    return cell


def score_after(outputs, verdict: Verdict | None, expected: bool = True) -> float:
    nb = new_notebook(cells=[graded_test_cell(outputs)])
    verdicts = {"check_x": verdict} if verdict is not None else {}
    resources = {RESOURCE: {"expected": {"check_x": ["c", "check_x", "torch"]} if expected else {},
                            "verdicts": verdicts}}
    nb, _ = TrustedScores().preprocess(nb, resources)
    return determine_grade(nb.cells[0])[0]


KINDS = ["text_result", "numeric_result", "display", "stdout", "stderr", "error"]
SEQUENCES = [seq for n in range(4) for seq in itertools.permutations(KINDS, n)]  # every order, up to 3 outputs


@pytest.mark.parametrize("verdict", [Verdict(True, "all passed"), Verdict(False, "1 of 2 failed"), None],
                         ids=["passed", "failed", "not run"])
def test_the_score_is_the_trusted_one_whatever_the_kernel_left(verdict):
    for sequence in SEQUENCES:
        raised = "stderr" in sequence or "error" in sequence
        want = POINTS if verdict is not None and verdict.passed and not raised else 0.0
        assert score_after([kernel_output(k) for k in sequence], verdict) == want, sequence


def test_kernel_outputs_are_kept_inert_and_the_verdict_is_written():
    nb = new_notebook(cells=[graded_test_cell([kernel_output("text_result"), kernel_output("stdout")])])
    resources = {RESOURCE: {"expected": {"check_x": ["c", "check_x", "torch"]},
                            "verdicts": {"check_x": Verdict(False, "Hidden checks: 1 of 2 failed.", details="E ...")}}}
    cell = TrustedScores().preprocess(nb, resources)[0].cells[0]
    kinds = [o.output_type for o in cell.outputs]
    assert kinds == ["display_data", "stream", "stream", "error"]
    assert cell.outputs[0].data == {"text/plain": "'all good'"}
    assert "1 of 2 failed" in cell.outputs[2].text
    assert cell.outputs[3].ename == "HiddenChecksFailed"
    assert cell.metadata["classgrade"]["hidden_checks"] == "E ..."


def test_a_cell_without_hidden_checks_is_scored_by_the_kernel_with_results_inert():
    assert score_after([kernel_output("numeric_result")], None, expected=False) == POINTS  # (stock: partial credit)
    assert score_after([kernel_output("stdout"), kernel_output("error")], None, expected=False) == 0.0


def test_refuses_to_run_without_recorded_verdicts():
    with pytest.raises(RuntimeError, match="LimitedExecute"):
        TrustedScores().preprocess(new_notebook(cells=[graded_test_cell([])]), {})


def test_every_graded_test_cell_of_the_course_has_hidden_checks_the_worker_honours():
    """The guarantee above needs hidden checks in every graded test cell: a cell without them is the kernel's word."""
    from instructor_only.grading import course, notebooks
    from instructor_only.grading.classgrade.trusted_checks import expected_calls
    for assignment in course.discover():
        files = {name: assignment.source_path(name).read_bytes() for name in assignment.notebooks}
        expected = expected_calls(assignment.name, files)
        for name in assignment.notebooks:
            graded = {t.grade_id for t in notebooks.autograded_tests(notebooks.read(assignment.source_path(name)))}
            assert graded and set(expected[name[:-len(".ipynb")]]) == graded, (assignment.name, name)


def test_expected_calls_refuse_another_concept_framework_or_grade_id():
    from nbformat import writes
    from instructor_only.grading.classgrade.trusted_checks import expected_calls
    cells = []
    for grade_id, call in (("check_a", '"warmup", "check_a", "torch"'), ("check_b", '"resnet", "check_b", "torch"'),
                           ("check_c", '"warmup", "check_c", "tensorflow"'), ("check_d", '"warmup", "check_x", "torch"')):
        cell = graded_test_cell([])
        cell.metadata["nbgrader"]["grade_id"] = grade_id
        cell.source = f"from instructor_only.checks import run_hidden_checks\nrun_hidden_checks({call}, globals())"
        cells.append(cell)
    files = {"warmup.ipynb": writes(new_notebook(cells=cells)).encode()}
    assert expected_calls("warmup_torch", files) == {"warmup": {"check_a": ["warmup", "check_a", "torch"]}}


@pytest.mark.parametrize("on", [False, True], ids=["default", "partial credit on"])
def test_partial_credit_is_the_trusted_share_and_only_when_the_course_turns_it_on(on, monkeypatch):
    """Default: a cell some of whose checks failed scores zero, as always. On: the passed share of its points,
    whatever the kernel left; still zero when the kernel raised or the checks were not decided."""
    monkeypatch.setenv(partial_credit.VARIABLE, "1" if on else "0")
    four_of_five = Verdict(False, "1 of 5 failed", share=0.8)
    for sequence in SEQUENCES:
        raised = "stderr" in sequence or "error" in sequence
        want = partial_credit.score(POINTS, 0.8) if on and not raised else 0.0
        assert score_after([kernel_output(k) for k in sequence], four_of_five) == want, sequence
    assert partial_credit.score(POINTS, 0.8) == 2.4
    refused = Verdict(False, "", reason="the kernel refused the checks", share=0.8)
    assert score_after([], refused) == 0.0
    assert score_after([], Verdict(True, "all passed", share=1.0)) == POINTS
    assert score_after([], Verdict(False, "5 of 5 failed", share=0.0)) == 0.0
