"""Rubrics of written answers reach the grader's view of an autograded notebook and never a student's feedback."""
import copy

import nbformat
from traitlets.config import Config

from instructor_only.grading import course
from instructor_only.grading.course import COURSE_ROOT, RELEASE
from instructor_only.grading.rubrics import MARK, RubricsForGraders, WithoutRubrics, rubrics_of


def test_every_written_answer_has_a_rubric_for_graders_and_none_in_feedback():
    config = Config()
    config.CourseDirectory.root = str(COURSE_ROOT)
    checked = 0
    for assignment in course.discover():
        for name in assignment.notebooks:
            source = nbformat.read(str(assignment.source_path(name)), as_version=4)
            written = [c.metadata["nbgrader"]["grade_id"] for c in source.cells
                       if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
            assert written and set(rubrics_of(source)) == set(written), f"{assignment.name}: a written answer lacks a rubric"
            # What autograde holds: the student's notebook (the release), with their answers.
            submitted = nbformat.read(str(COURSE_ROOT / RELEASE / assignment.name / name), as_version=4)
            resources = {"nbgrader": {"assignment": assignment.name, "notebook": name[:-len(".ipynb")]}}
            graders_view, _ = RubricsForGraders(config=config).preprocess(copy.deepcopy(submitted), resources)
            regraded, _ = RubricsForGraders(config=config).preprocess(copy.deepcopy(graders_view), resources)
            for view in (graders_view, regraded):
                inserted = [c for c in view.cells if c.metadata.get(MARK)]
                assert len(inserted) == len(written)
                for grade_id in written:
                    index = next(i for i, c in enumerate(view.cells)
                                 if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
                    assert view.cells[index + 1].metadata.get(MARK)
                    assert "Rubric" in view.cells[index + 1].source and "BEGIN RUBRIC" not in view.cells[index + 1].source
            feedback, _ = WithoutRubrics().preprocess(copy.deepcopy(graders_view), resources)
            assert [c.source for c in feedback.cells] == [c.source for c in submitted.cells]
            checked += len(written)
    assert checked >= 6
