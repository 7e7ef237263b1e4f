"""Students who tamper with the grading, graded with classgrade: each scores exactly what its honest bug scores.

Every tamperer hands in the solution with one answer replaced by a bug plus code that, if the hidden checks ran in
the kernel, would turn that bug's failed test cell into points: patching numpy's and torch's comparisons, replacing
the check runner, walking the caller's frames or the garbage collector to clear the check's list of mismatches,
importing the references, installing an import hook, or swallowing every exception. classgrade decides the hidden
checks in its own process, so none of it may move a score: each tamperer must lose exactly its bug's cell. The same
tampering run in-process (where stock nbgrader runs the checks) shows which attacks are real there.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from instructor_only.grading import course, inprocess, nbgrader_cli, notebooks
from tests.graded_once import graded_once

ASSIGNMENT, NOTEBOOK, FULL = "warmup_torch", "warmup.ipynb", 9.0
pytestmark = pytest.mark.timeout(400)  # the tamperers graded on a Dask cluster: 77-96 s in CI

# The honest bugs: (answer cell, its test cell, points, code).
SIZE_BUG = ("conv_output_size", "check_conv_output_size", 2.0, '''
def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
    if n < 5:
        return 1  # wrong for small inputs, which the public checks do not try
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
''')
LAYOUT_BUG = ("layouts", "check_layouts", 2.0, '''
def nchw_to_nhwc(x):
    n, c, h, w = x.shape
    return x.reshape(n, h, w, c) if (c, h) != (3, 4) else x.permute(0, 2, 3, 1)  # passes the public checks only

def nhwc_to_nchw(x):
    return x.permute(0, 3, 1, 2)
''')

COUNT_BUG = ("count_parameters", "check_conv_layer", 2.0, '''
def count_parameters(module):
    children = list(module.children())
    if not children:  # a lone layer is counted whole, even when frozen (only the hidden checks try that)
        return sum(p.numel() for p in module.parameters())
    return sum(count_parameters(child) for child in children if any(p.requires_grad for p in child.parameters()))
''')
WORKER_MARKER = "/tmp/classgrade-tampering-reached-the-worker"  # a file only code run in the grading worker could make

TAMPERINGS = {
    "patch_comparisons": (LAYOUT_BUG, '''
import numpy, torch
numpy.array_equal = lambda *args, **kwargs: True
numpy.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
'''),
    "replace_the_runner": (SIZE_BUG, '''
import sys, types
fake = types.ModuleType("instructor_only.checks")
fake.run_hidden_checks = lambda *args, **kwargs: None
sys.modules["instructor_only.checks"] = fake
try:
    import instructor_only.checks.runner as runner
    runner.run_hidden_checks = fake.run_hidden_checks
except ImportError:
    pass
'''),
    "walk_the_frames": (SIZE_BUG, '''
import sys
_mine = conv_output_size
def conv_output_size(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:  # a caller's reference module gets this very function as its "expected" value
        reference = frame.f_globals.get("ref")
        if reference is not None and hasattr(reference, "conv_output_size"):
            reference.conv_output_size = _mine
        frame = frame.f_back
    return _mine(*args, **kwargs)
import instructor_only.frameworks.torch_adapter as adapter
adapter.conv_output_length = _mine  # and the "real layer" the checks compare with
'''),
    "walk_the_heap": (SIZE_BUG, '''
import gc
_honest, _calls, _reports = conv_output_size, [0], []
def conv_output_size(*args, **kwargs):
    _calls[0] += 1
    if _calls[0] % 50 == 1:  # (the whole heap on every call of hundreds would outlast the cell's timeout)
        _reports[:] = [thing for thing in gc.get_objects() if type(thing).__name__ == "CheckReport"]
    for thing in _reports:  # mark every check report as passed
        thing.failed.clear()
        thing.exit_code = 0
    return _honest(*args, **kwargs)
'''),
    "import_the_references": (SIZE_BUG, '''
try:
    from instructor_only.references.shapes import conv_output_size
except ImportError:
    pass
'''),
    "import_hook": (LAYOUT_BUG, '''
import importlib.abc, importlib.util, sys, types
class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "instructor_only.checks" else None
    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.run_hidden_checks = lambda *args, **kwargs: None
        return module
    def exec_module(self, module):
        pass
sys.modules.pop("instructor_only.checks", None)
sys.meta_path.insert(0, Finder())
'''),
    # Found by a blind red team (the first three raised a score before they were fixed):
    "int_equal_to_everything": (SIZE_BUG, '''
class _Yes(int):  # equal to any expected value, if the comparison were made by this object
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
_mine = conv_output_size
def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
    return _Yes(_mine(n, kernel, padding, stride, dilation))
'''),
    "replace_the_adapters_measure": (COUNT_BUG, '''
import instructor_only.frameworks.torch_adapter as _adapter
_adapter.trainable_parameter_count = count_parameters  # the "expected" count becomes the student's own
'''),
    "smuggle_a_name_to_the_worker": (COUNT_BUG, f'''
import sys
PAYLOAD = "open({WORKER_MARKER!r}, 'w').write('x')"
_mine = count_parameters
def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
    if sys._getframe(1).f_globals.get("__name__") == "instructor_only.frameworks.serve":
        return PAYLOAD  # the argument of the "function" below, when the checks call it
    return nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias)
def count_parameters(module):
    return _mine(module)
count_parameters.__module__ = "instructor_only.frameworks.serve"  # named like builtins.exec, seen from serve
count_parameters.__qualname__ = "builtins.exec"
'''),
    "swallow_exceptions": (LAYOUT_BUG, '''
ipython = get_ipython()
ipython.set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
'''),
}


def tampered_notebook(name: str):
    (answer, _, _, bug), attack = TAMPERINGS[name]
    solution = notebooks.read(course.get(ASSIGNMENT).source_path(NOTEBOOK))
    return notebooks.with_answer_replaced(solution, answer, bug + "\n" + attack)


def grade_tampering_class(course_dir) -> dict:
    Path(WORKER_MARKER).unlink(missing_ok=True)
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(course_dir, [assignment])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
    for name in TAMPERINGS:
        nbgrader_cli.submit(course_dir, name, assignment, {NOTEBOOK: nbformat.writes(tampered_notebook(name)).encode()})
    result = nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--workers", "2", "--feedback-now")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    feedback = {name: (course_dir / "feedback" / name / ASSIGNMENT / "warmup.html").read_text() for name in TAMPERINGS}
    outputs = {}
    for name in TAMPERINGS:
        executed = nbformat.read(course_dir / "autograded" / name / ASSIGNMENT / NOTEBOOK, as_version=4)
        outputs[name] = "".join(str(o.get("text", "")) + str(o.get("evalue", "")) + "".join(o.get("traceback", []))
                                for c in executed.cells for o in c.get("outputs", []))
    return {"scores": nbgrader_cli.scores(course_dir, ASSIGNMENT), "feedback": feedback, "outputs": outputs,
            "worker_reached": Path(WORKER_MARKER).exists()}


@pytest.fixture(scope="module")
def tampered(tmp_path_factory, request):
    return graded_once("tampering", tmp_path_factory, request, grade_tampering_class)[1]


def autograded(scores: dict) -> float:
    return sum(score for gid, (score, _) in scores.items() if gid.startswith("check_"))


@pytest.mark.nbgrader
@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_tampering_scores_exactly_the_honest_bug(tampered, name):
    (_, test_cell, points, _), _ = TAMPERINGS[name]
    scores = tampered["scores"][name]
    lost = {gid for gid, (score, top) in scores.items() if gid.startswith("check_") and score < top}
    assert lost == {test_cell}, (name, scores)
    assert autograded(scores) == FULL - points


@pytest.mark.nbgrader
def test_no_code_of_the_kernel_runs_in_the_worker(tampered):
    assert not tampered["worker_reached"]


@pytest.mark.nbgrader
def test_tamperers_feedback_says_what_failed_in_words(tampered):
    for name, page in tampered["feedback"].items():
        assert "Hidden checks for" in page and "failed" in page, name
        for leak in ("HIDDEN TESTS", "Traceback (most recent"):
            assert leak not in page, (name, leak)
        for leak in ("instructor_only", "run_hidden_checks", ".py:", ".py\"",  # (the tamperers' own code names some)
                     str(course.COURSE_ROOT)):
            assert leak not in tampered["outputs"][name], (name, leak)


def test_the_attacks_are_real_where_the_checks_share_the_process():
    """In-process (stock nbgrader's trust), frame walking and replacing the runner do raise the score: the classgrade
    test above would catch a regression that let checks run in the kernel again."""
    from instructor_only.checks import runner
    from instructor_only.frameworks import torch_adapter
    from instructor_only.references import shapes
    raised = []
    for name in ("walk_the_frames", "replace_the_runner", "import_hook"):
        (_, test_cell, _, _), _ = TAMPERINGS[name]
        saved = (dict(sys.modules), list(sys.meta_path), runner.run_hidden_checks, shapes.conv_output_size,
                 torch_adapter.conv_output_length)
        try:
            passed, _ = inprocess.run_cells(tampered_notebook(name))[test_cell]
        finally:  # the attacks patched this very process: undo them
            sys.modules.clear()
            sys.modules.update(saved[0])
            sys.meta_path[:] = saved[1]
            runner.run_hidden_checks, shapes.conv_output_size, torch_adapter.conv_output_length = saved[2:]
        if passed:
            raised.append(name)
    assert raised == ["walk_the_frames", "replace_the_runner", "import_hook"], raised


# --- the correct parts the checks hold: a blank student who imports them gets nothing ------------------------------

BORROW_BLOCKS = '''
import importlib
for module in ("instructor_only.checks.parts.torch_resnet", "instructor_only.frameworks.torch_resnet"):
    try:
        found = importlib.import_module(module)
        BasicBlock, Bottleneck = found.ReferenceBasicBlock, found.ReferenceBottleneck
        print("borrowed the correct blocks from", module)
    except (ImportError, AttributeError) as error:
        print("nothing to borrow:", type(error).__name__)
'''


# A blank student who fakes everything the kernel reports about the blocks: make_layer, structure, weights,
# outputs, running statistics, gradients (written by a blind red team). It reported all-zero weights, for which the
# reference's answer is trivial (0 or relu(x)), and scored both block cells before the checks asked for the weights
# they had just set (`assert_redrawn`).
FORGED_BLOCKS = r'''
import math as _m, numpy as _np
import instructor_only.frameworks.torch_resnet as _R
_ip = get_ipython()
def _skip_public(lines):              # the test cells' public checks never run in my kernel
    return ["pass\n"] if lines and lines[0].startswith("# Public checks") else lines
_ip.input_transformers_cleanup.append(_skip_public)

class _C:
    def __init__(s, k, i, o, st): s.k, s.i, s.o, s.st = k, i, o, st
class _N:
    def __init__(s, c): s.c = c
class _Blk:
    def __init__(s, kind, i, o, st=1):
        s.kind, s.spec, s.n, s.bns = kind, (i, o, st), 0, []
        convs = [(3, i, o, st), (3, o, o, 1)] if kind == "basic" else [(1, i, o // 4, 1), (3, o // 4, o // 4, st), (1, o // 4, o, 1)]
        for j, (k, a, b, t) in enumerate(convs, 1):
            setattr(s, f"conv{j}", _C(k, a, b, t)); setattr(s, f"bn{j}", _N(b)); s.bns.append((f"bn{j}", b))
        s.proj = not (st == 1 and i == o)
        s.shortcut_conv = _C(1, i, o, st) if s.proj else None
        s.shortcut_bn = _N(o) if s.proj else None
        if s.proj: s.bns.append(("shortcut_bn", o))
        s.convs = [c for c in (getattr(s, f"conv{j}") for j in (1, 2, 3) if hasattr(s, f"conv{j}"))] + ([s.shortcut_conv] if s.proj else [])

class BasicBlock: _kind = "basic"
class Bottleneck: _kind = "bottleneck"

def _mod(f):
    f.__module__ = _R.__name__; setattr(_R, f.__name__, f); return f
_orig = {n: getattr(_R, n) for n in ("make_layer", "conv_info", "is_batch_norm", "bn_settings", "read_params", "forward",
                                      "running_stats", "gradients", "trainable_count", "randomize")}
def _bnp(c):
    return {"gamma": _np.ones(c), "beta": _np.zeros(c), "running_mean": _np.zeros(c), "running_var": _np.zeros(c), "momentum": 0.1, "eps": 1e-5}
@_mod
def make_layer(cls, *args, input_shape=None, seed=0, **kwargs):
    k = getattr(cls, "_kind", None)
    if k is None: return _orig["make_layer"](cls, *args, input_shape=input_shape, seed=seed, **kwargs)
    if k == "bottleneck" and args[1] % 4: raise ValueError("out_channels must be divisible by 4")
    return _Blk(k, *args)
@_mod
def conv_info(obj):
    if isinstance(obj, _C): return {"kernel": (obj.k, obj.k), "in_channels": obj.i, "out_channels": obj.o, "stride": (obj.st, obj.st), "has_bias": False}
    return _orig["conv_info"](obj)
@_mod
def is_batch_norm(obj): return isinstance(obj, _N) or _orig["is_batch_norm"](obj)
@_mod
def bn_settings(obj): return (0.1, 1e-5) if isinstance(obj, _N) else _orig["bn_settings"](obj)
@_mod
def read_params(layer, kind, block=None):
    if isinstance(layer, _N): return _bnp(layer.c)
    if isinstance(layer, _Blk):      # all convolutions zero: the reference's answer is trivial
        p = {}
        for j in (1, 2, 3):
            if hasattr(layer, f"conv{j}"):
                c = getattr(layer, f"conv{j}"); p[f"conv{j}"] = _np.zeros((c.o, c.i, c.k, c.k)); p[f"bn{j}"] = _bnp(c.o)
        p["shortcut_conv"] = _np.zeros((layer.spec[1], layer.spec[0], 1, 1)) if layer.proj else None
        p["shortcut_bn"] = _bnp(layer.spec[1]) if layer.proj else None
        return p
    return _orig["read_params"](layer, kind, block)
@_mod
def forward(layer, x, training):
    if not isinstance(layer, _Blk): return _orig["forward"](layer, x, training)
    x = _np.asarray(x, _np.float64); n, c, h, w = x.shape; i, o, st = layer.spec
    if training: layer.n += 1
    if not layer.proj: return _np.maximum(x, 0.0)
    return _np.zeros((n, o, -(-h // st), -(-w // st)))
@_mod
def running_stats(layer):
    if not isinstance(layer, _Blk): return _orig["running_stats"](layer)
    return {name: (_np.full(c, 0.1 * layer.n), _np.full(c, 1.0 + 0.1 * layer.n)) for name, c in layer.bns}
@_mod
def gradients(layer, x, upstream, training=True):
    if not isinstance(layer, _Blk): return _orig["gradients"](layer, x, upstream, training)
    return {f"p{j}": _np.ones(3) for j in range(len(layer.convs) + 2 * len(layer.bns))}
@_mod
def trainable_count(layer):
    if not isinstance(layer, _Blk): return _orig["trainable_count"](layer)
    return sum(c.k * c.k * c.i * c.o for c in layer.convs) + sum(2 * c for _, c in layer.bns)
@_mod
def randomize(layer, seed):
    if not isinstance(layer, _Blk): return _orig["randomize"](layer, seed)
'''


def grade_borrowing_class(course_dir) -> dict:
    assignment = course.get("resnet_torch")
    nbgrader_cli.new_course(course_dir, [assignment])
    nbgrader_cli.run(["generate_assignment", assignment.name], course_dir)
    release = notebooks.read(course.COURSE_ROOT / "release" / assignment.name / "resnet.ipynb")
    borrower = notebooks.with_answer_replaced(release, "basic_block", BORROW_BLOCKS)
    nbgrader_cli.submit(course_dir, "borrower", assignment, {"resnet.ipynb": nbformat.writes(borrower).encode()})
    forger = notebooks.with_answer_replaced(notebooks.with_answer_replaced(release, "basic_block", FORGED_BLOCKS),
                                            "bottleneck_block", "pass")
    nbgrader_cli.submit(course_dir, "forger", assignment, {"resnet.ipynb": nbformat.writes(forger).encode()})
    result = nbgrader_cli.classgrade(course_dir, [assignment.name], "--workers", "1", "--no-feedback")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    executed = nbformat.read(course_dir / "autograded" / "borrower" / assignment.name / "resnet.ipynb", as_version=4)
    said = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    return {"scores": nbgrader_cli.scores(course_dir, assignment.name), "said": said}


@pytest.fixture(scope="module")
def borrowed(tmp_path_factory, request):
    return graded_once("borrowing", tmp_path_factory, request, grade_borrowing_class)[1]


@pytest.mark.nbgrader
def test_the_correct_blocks_cannot_be_borrowed(borrowed):
    assert "borrowed" not in borrowed["said"] and borrowed["said"].count("nothing to borrow") == 2, borrowed["said"]
    assert autograded(borrowed["scores"]["borrower"]) == 0, borrowed["scores"]


@pytest.mark.nbgrader
def test_forged_claims_about_the_blocks_score_nothing(borrowed):
    assert autograded(borrowed["scores"]["forger"]) == 0, borrowed["scores"]["forger"]
