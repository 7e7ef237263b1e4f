"""The framework's reference process (classgrade's reference_process.py and reference_link.py): the hidden checks'
framework answers (the adapters' TRUSTED functions and `here`) computed out of the grading worker, which then never
imports torch or TensorFlow; the process runs unprivileged, and a failure of it is the grader's, not the student's.

Sandboxed cases build the real sandbox (bubblewrap as root), as classgrade does."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from instructor_only.checks import remote
from instructor_only.grading.classgrade import reference_link
from instructor_only.grading.classgrade.sandbox import probe
from instructor_only.grading.classgrade.warm_kernels import KernelParent
from instructor_only.grading.course import COURSE_ROOT

needs_sandbox = pytest.mark.skipif(bool(probe.missing()), reason="the grading sandbox cannot be built here")

# What the batch-norm checks ask of the framework, on the trusted side: its own layer and its own SGD.
ASK = textwrap.dedent("""
    import json, sys
    import numpy as np
    from instructor_only.checks import remote

    def ask(link):
        bn = remote.load_adapter(link, FRAMEWORK).topic("batchnorm")
        correct = remote.load_adapter(link, FRAMEWORK).parts("batchnorm")
        rng = np.random.default_rng(5)
        layer = bn.builtin_layer(4, 2, 0.3, 1e-3)
        bn.set_builtin_state(layer, rng.uniform(0.5, 1.5, 4), rng.normal(size=4), rng.normal(size=4), np.ones(4))
        outputs = [bn.builtin_forward(layer, rng.normal(size=(6, 4)), training) for training in (True, True, False)]
        model = bn.here("make_reference_model")(4, 8, 2, batch_norm=True, seed=12)
        before = bn.here("flat_parameters")(model)
        x, y = rng.normal(size=(30, 4)), np.arange(30) % 2
        loss = correct.here("reference_minibatch_epoch")(model, x, y, lr=0.05, batch_size=7, seed=3)
        after = bn.here("flat_parameters")(model)
        arrays = [a for out in outputs for a in out] + [before, after]
        return {"arrays": [np.asarray(a).tolist() for a in arrays], "loss": float(loss)}
""")


def asked_through_the_reference_process(framework: str, sandboxed: bool) -> dict:
    """ASK in a fresh interpreter whose link has a reference process; also whether that interpreter imported a
    framework."""
    script = ASK + textwrap.dedent(f"""
        from instructor_only.grading.classgrade import reference_link
        FRAMEWORK = {framework!r}
        link = remote.InProcessLink({{}})
        link.reference = reference_link.link_for(FRAMEWORK, {sandboxed!r})
        answers = ask(link)
        answers["imported"] = sorted({{"torch", "tensorflow"}} & set(sys.modules))
        answers["cpu"] = reference_link.cpu_seconds()
        print(json.dumps(answers))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=COURSE_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def asked_here(framework: str) -> dict:
    namespace = {}
    exec(ASK + f"\nFRAMEWORK = {framework!r}\n", namespace)
    return namespace["ask"](remote.InProcessLink({}))


@pytest.mark.parametrize("sandboxed", [pytest.param(True, marks=needs_sandbox), False], ids=["sandboxed", "plain"])
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_the_framework_answers_come_from_the_reference_process_and_equal_its_own(framework, sandboxed):
    """The worker's side imports no framework, and gets what the framework computes in this process (float64:
    equal to ~1e-12; the reference process computes with one thread, this one with several)."""
    there, here = asked_through_the_reference_process(framework, sandboxed), asked_here(framework)
    assert there["imported"] == [], f"the worker's side imported {there['imported']}"
    assert there["cpu"] > 0, "the reference process's CPU is not counted"
    assert len(there["arrays"]) == len(here["arrays"]) == 11
    for got, want in zip(there["arrays"], here["arrays"]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert there["loss"] == pytest.approx(here["loss"], rel=1e-12)


def status_fields(pid: int) -> dict:
    with open(f"/proc/{pid}/status") as status:
        return dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)


@needs_sandbox
def test_in_the_sandbox_it_is_unprivileged_and_dies_with_its_kernel_parent_which_is_replaced():
    link = reference_link.ReferenceLink("torch", sandboxed=True)
    try:
        link.request("release")  # nothing started yet: answered here, no process
        assert link.pid is None
        holder = remote.InProcessLink({})
        holder.reference = link
        remote.load_adapter(holder, "torch").topic("batchnorm").builtin_layer(3, 2, 0.1, 1e-5)
        fields = status_fields(link.pid)
        assert fields["Uid"].split()[0] != "0" and int(fields["CapEff"], 16) == 0, fields
        assert fields["Seccomp"] == "2", fields  # the kernels' filter
        held = {os.readlink(f"/proc/{link.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{link.pid}/fd")}
        assert all(not target.startswith("/") or target == "/dev/null" for target in held), sorted(held)
        os.kill(int(fields["PPid"]), signal.SIGKILL)  # its kernel parent
        deadline = time.monotonic() + 5
        while os.path.exists(f"/proc/{link.pid}") and not status_fields(link.pid)["State"].startswith("Z"):
            assert time.monotonic() < deadline, "the reference process outlived its kernel parent"
            time.sleep(0.01)
    finally:
        link.close()
        KernelParent._parents[("torch", True)].process.wait(10)  # bwrap ends with the parent it started
    again = reference_link.ReferenceLink("torch", sandboxed=True)  # a new kernel parent, on the same socket path
    try:
        holder = remote.InProcessLink({})
        holder.reference = again
        assert isinstance(remote.load_adapter(holder, "torch").topic("batchnorm").builtin_layer(3, 2, 0.1, 1e-5),
                          remote.Remote)
    finally:
        again.close()


def test_a_reference_process_that_dies_fails_the_request_and_the_next_link_is_a_new_one():
    link = reference_link.link_for("torch", sandboxed=False)
    holder = remote.InProcessLink({})
    holder.reference = link
    bn = remote.load_adapter(holder, "torch").topic("batchnorm")
    bn.builtin_layer(3, 2, 0.1, 1e-5)
    os.kill(link.pid, signal.SIGKILL)
    with pytest.raises(reference_link.ReferenceProcessError, match="stopped answering"):
        bn.builtin_layer(3, 2, 0.1, 1e-5)
    with pytest.raises(reference_link.ReferenceProcessError):  # it stays failed: no half-answered check goes on
        bn.builtin_layer(3, 2, 0.1, 1e-5)
    fresh = reference_link.link_for("torch", sandboxed=False)
    assert fresh is not link
    holder.reference = fresh
    layer = bn.builtin_layer(3, 2, 0.1, 1e-5)
    assert isinstance(layer, remote.Remote)


def test_an_error_there_is_the_checks_and_an_object_cannot_cross_to_another_process():
    holder = remote.InProcessLink({"f": lambda: 1})
    holder.reference = reference_link.link_for("torch", sandboxed=False)
    bn = remote.load_adapter(holder, "torch").topic("batchnorm")
    with pytest.raises(RuntimeError, match="reference computation raised") as raised:
        bn.builtin_forward(bn.builtin_layer(3, 2, 0.1, 1e-5), np.ones((4, 5)), True)  # 5 features for a 3-feature layer
    assert not getattr(raised.value, "from_kernel", False), "it would be worded as the student's error"
    layer = bn.builtin_layer(3, 2, 0.1, 1e-5)
    with pytest.raises(TypeError, match="another process"):
        bn.layer_state(layer)  # a function run in the kernel, given the reference process's object
    kernel_function = remote.RemoteStudent(holder).f
    with pytest.raises(TypeError, match="another process"):
        kernel_function[layer]  # an operator's argument, too
    with pytest.raises(TypeError, match="another process"):
        layer[kernel_function]


@needs_sandbox
def test_a_reference_process_that_dies_while_grading_costs_a_retry_not_points(tmp_path, monkeypatch):
    """The worker's own grading function, in this process: the first reference process dies as soon as it is asked
    anything; the submission is graded again with a new one and gets full marks, saying it took a second attempt."""
    from instructor_only.grading import course, nbgrader_cli
    from instructor_only.grading.classgrade import cli, gradebook_writer, worker
    from instructor_only.grading.classgrade.jobs import Limits
    from instructor_only.grading.submissions import autograded_tests, plan

    assignment = course.get("warmup_torch")
    course_dir = nbgrader_cli.new_course(tmp_path / "course", [assignment])
    nbgrader_cli.run(["generate_assignment", assignment.name, "--force"], course_dir)
    solution = next(s for s in plan(assignment) if s.kind == "solution")
    nbgrader_cli.submit(course_dir, "solution", assignment, solution.as_json())
    args = cli.parse_args([assignment.name, "--course-dir", str(course_dir), "--force"])
    jobs, _ = cli.plan(args, assignment.name, gradebook_writer.load_config(course_dir), Limits())

    started = reference_link.ReferenceLink._start
    killed = []

    def start_then_die_once(self):
        started(self)
        if not killed:
            os.kill(self.pid, signal.SIGKILL)
            killed.append(self.pid)

    monkeypatch.setattr(reference_link.ReferenceLink, "_start", start_then_die_once)
    monkeypatch.setattr(reference_link, "_LINKS", {})
    result = worker.grade_job(jobs[0])
    assert killed, "the checks never asked the reference process"
    assert result.ok, result.error
    autograded = autograded_tests(solution)
    assert autograded and all(result.scores[test][0] == result.scores[test][1] for test in autograded), result.scores
    assert any("second attempt" in incident and "reference process" in incident for incident in result.incidents), \
        result.incidents
