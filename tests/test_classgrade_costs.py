"""What a submission's grading cost, by part (classgrade/costs.py): the figures benchmarks/class_grading.py and the
cost model (docs/GRADING.md) is built from."""
from __future__ import annotations

import subprocess
import sys

from nbformat.v4 import new_code_cell

from instructor_only.grading import course
from instructor_only.grading.classgrade import costs


def cell(**nbgrader):
    return new_code_cell("x = 1", metadata={"nbgrader": nbgrader} if nbgrader else {})


def test_each_code_cell_falls_in_one_part():
    assert costs.cell_part(cell(), 0) == "imports"  # the first code cell, whatever it is
    assert costs.cell_part(cell(solution=True, grade=False, grade_id="mlp"), 3) == "student cells"
    assert costs.cell_part(cell(solution=False, grade=True, grade_id="check_mlp", points=2), 4) == "public checks"
    assert costs.cell_part(cell(), 5) == "experiments"


def test_a_part_adds_the_wall_and_both_cpus_spent_since_its_mark():
    kernel = iter([1.0, 3.5, 3.5, 4.0])
    measured = costs.NotebookCosts(lambda: next(kernel))
    since = measured.mark()
    spent = measured.add("experiments", since, "cell 4: train()")
    assert spent["kernel_cpu"] == 2.5 and spent["wall"] >= 0 and spent["worker_cpu"] >= 0
    measured.add("experiments", measured.mark(), "cell 5: plot()")
    assert measured.parts["experiments"]["kernel_cpu"] == 3.0
    assert [c["label"] for c in measured.cells] == ["cell 4: train()", "cell 5: plot()"]
    assert set(measured.as_dict()["parts"]) == set(costs.PARTS)


def test_what_no_part_accounts_for_is_nbgraders_own_work():
    one = costs.NotebookCosts(lambda: 0.0).as_dict()
    one["parts"]["experiments"].update(wall=3.0, worker_cpu=0.5)
    notebooks = costs.with_nbgrader_part({"lab": one}, job_wall=4.0, job_worker_cpu=1.25)
    assert notebooks["lab"]["parts"]["nbgrader"] == {"wall": 1.0, "kernel_cpu": 0.0, "worker_cpu": 0.75}


def test_the_worker_cpu_counts_its_framework_reference_processes(monkeypatch):
    """The trusted side's framework answers are computed in reference processes (reference_link.py): their CPU is
    the worker's, not lost between the parts."""
    own = costs.worker_cpu()
    monkeypatch.setattr(costs.reference_link, "cpu_seconds", lambda: 5.0)
    assert costs.worker_cpu() >= own + 5.0


def test_classgrade_reads_notebooks_without_compiling_iri_grammars():
    """classgrade's processes keep jsonschema from importing rfc3987_syntax (0.75 CPU-s of grammar compilation each,
    classgrade/__init__.py); notebooks still read and validate."""
    release = course.COURSE_ROOT / "release" / "batchnorm_torch" / "batchnorm.ipynb"
    probe = ("import sys, instructor_only.grading.classgrade, nbformat\n"
             f"nbformat.validate(nbformat.read({str(release)!r}, as_version=4))\n"
             "print(sys.modules.get('rfc3987_syntax'))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=course.COURSE_ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "None", result.stdout
