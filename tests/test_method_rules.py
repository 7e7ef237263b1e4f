"""The method rules of the batch-norm lab, read from the source on the trusted side (instructor_only/checks/
method_rules.py): a rule-breaker is reported with its cell and line however it names the built-in, and the honest
solutions, every catalogue alternative and every other catalogued bug are not. Fast: no kernel, no framework."""
import importlib
import re
import types
from dataclasses import dataclass

import nbformat
import pytest

from instructor_only.checks import batchnorm_rules, method_rules, remote
from instructor_only.grading import course, inprocess, notebooks
from instructor_only.grading.submissions import plan

GRADE_IDS = ("check_batch_norm", "check_batchnorm_layer", "check_sgd_epoch")
RULE_BREAKERS = {("batch_norm", "calls_builtin"), ("sgd_epoch", "keras_optimizer"),  # the catalogues' own
                 ("batchnorm_layer", "r25_inline_instead_of_batch_norm"),
                 # written blind (round 4): the built-ins under their usual names
                 ("batch_norm", "blind4_calls_builtin_batch_norm"), ("batch_norm", "blind4_builtin_batch_normalization"),
                 ("batchnorm_layer", "blind4_forward_uses_builtin_functional"),
                 ("batchnorm_layer", "blind4_call_uses_tf_nn_batch_normalization"),
                 ("sgd_epoch", "blind4_uses_torch_optim"), ("sgd_epoch", "blind4_keras_sgd_optimizer")}


@dataclass(frozen=True)
class Case:
    """A rule, and an answer that breaks it through `use` (the built-in, spelled somehow) on line `line`."""
    framework: str
    grade_id: str
    imports: str
    module: str    # the built-in's module, importable by this name
    alias: str     # how `imports` names that module
    name: str      # the built-in in it
    answer: str    # with {params} (extra parameters) and {use}
    line: int      # of {use} in the answer

    @property
    def id(self) -> str:
        return f"{self.framework}-{self.grade_id}"


TORCH_IMPORTS = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\nimport torch.optim as O\n"
TF_IMPORTS = "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
CASES = [
    Case("torch", "check_batch_norm", TORCH_IMPORTS, "torch.nn.functional", "F", "batch_norm", """\
def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5{params}):
    new_mean, new_var = running_mean.clone(), running_var.clone()
    y = {use}(x, new_mean, new_var, gamma, beta, training, momentum, eps)
    return y, new_mean, new_var
""", 3),
    Case("torch", "check_batchnorm_layer", TORCH_IMPORTS, "torch.nn", "nn", "BatchNorm1d", """\
class BatchNorm(nn.Module):
    def __init__(self, num_features, momentum=0.1, eps=1e-5{params}):
        super().__init__()
        self.inner = {use}(num_features, momentum=momentum, eps=eps)

    def forward(self, x):
        return self.inner(x)
""", 4),
    Case("torch", "check_sgd_epoch", TORCH_IMPORTS, "torch.optim", "O", "SGD", """\
def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn{params}):
    model.train()
    optimizer = {use}(model.parameters(), lr=lr)
    losses = []
    for idx in torch.randperm(len(x), generator=generator).split(batch_size):
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
""", 3),
    Case("tensorflow", "check_batch_norm", TF_IMPORTS, "tensorflow.nn", "tf.nn", "batch_normalization", """\
def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3{params}):
    mean, var = tf.nn.moments(x, axes=list(range(len(x.shape) - 1)))
    y = {use}(x, mean, var, beta, gamma, eps)
    return y, moving_mean, moving_var
""", 3),
    Case("tensorflow", "check_batchnorm_layer", TF_IMPORTS, "keras.layers", "keras.layers", "BatchNormalization", """\
class BatchNorm(keras.layers.Layer):
    def __init__(self, momentum=0.99, eps=1e-3{params}, **kwargs):
        super().__init__(**kwargs)
        self.inner = {use}(momentum=momentum, epsilon=eps)

    def call(self, x, training=None):
        return self.inner(x, training=training)
""", 4),
    Case("tensorflow", "check_sgd_epoch", TF_IMPORTS, "keras.optimizers", "keras.optimizers", "SGD", """\
def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn{params}):
    optimizer = {use}(learning_rate=lr)
    order = rng.permutation(x.shape[0])
    losses = []
    for start in range(0, x.shape[0], batch_size):
        idx = order[start:start + batch_size]
        with tf.GradientTape() as tape:
            loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        losses.append(float(loss))
    return sum(losses) / len(losses)
""", 2),
]

ANSWER = "answer"  # a finding expected on the answer's line of {use}


def _ways(c: Case) -> dict[str, tuple[list[str], str, str, tuple]]:
    """name -> (cells run between the imports and the answer, {use}, {params}, where a finding must be: ANSWER or
    (k, line): line of the k-th of those cells)."""
    m, a, n = c.module, c.alias, c.name
    root, _, rest = a.partition(".")
    dotted = f".{rest}" if rest else ""
    return {
        "direct": ([], f"{a}.{n}", "", ANSWER),
        "module-level alias": ([f"impl = {a}.{n}\n"], "impl", "", ANSWER),
        "from-import as": ([f"from {m} import {n} as scale\n"], "scale", "", (0, 1)),
        "import module as": ([f"import {m} as lib\n"], f"lib.{n}", "", ANSWER),
        "alias of the top module": ([f"t = {root}\n"], f"t{dotted}.{n}", "", ANSWER),
        "getattr, constant": ([], f'getattr({a}, "{n}")', "", ANSWER),
        "getattr, concatenated": ([], f'getattr({a}, "{n[:3]}" + "{n[3:]}")', "", ANSWER),
        "getattr, join and f-string": ([], f'getattr({a}, "".join([f"{{\'{n[:2]}\'}}", "{n[2:]}"]))', "", ANSWER),
        "getattr, name in a variable": ([f'NAME = "{n[:4]}" "{n[4:]}"\n'], f"getattr({a}, NAME)", "", ANSWER),
        "getattr, unreadable name": ([], f"getattr({a}, ''.join(reversed('{n[::-1]}')))", "", ANSWER),
        "__import__": ([], f'__import__("{m}", fromlist=["_"]).{n}', "", ANSWER),
        "importlib": (["import importlib\n"], f'importlib.import_module("{m}").{n}', "", ANSWER),
        "sys.modules": (["import sys\n"], f'sys.modules["{m}"].{n}', "", ANSWER),
        "vars()": ([], f'vars({a})["{n}"]', "", ANSWER),
        "__dict__": ([], f'{a}.__dict__.get("{n}")', "", ANSWER),
        "globals()": ([], f'globals()["{root}"]{dotted}.{n}', "", ANSWER),
        "helper in another cell": ([f"def _helper(*args, **kwargs):\n    return {a}.{n}(*args, **kwargs)\n"],
                                   "_helper", "", (0, 2)),
        "class attribute": ([f"class Tools:\n    impl = staticmethod({a}.{n})\n"], "Tools.impl", "", (0, 2)),
        "default argument": ([], "_impl", f", _impl={a}.{n}", ANSWER),
        "exec of a constant string": ([f'exec("impl = {a}.{n}")\n'], "impl", "", ANSWER),
        "exec of a computed string": ([f'exec("impl = " + "{a}.{n}")\n'], "impl", "", (0, 1)),
        "lambda": ([f"impl = lambda *args, **kwargs: {a}.{n}(*args, **kwargs)\n"], "impl", "", (0, 1)),
        "functools.partial": ([f"import functools\nimpl = functools.partial({a}.{n})\n"], "impl", "", ANSWER),
        "closure": ([f"def make():\n    f = {a}.{n}\n    def inner(*args, **kwargs):\n        return f(*args, **kwargs)\n"
                     f"    return inner\nimpl = make()\n"], "impl", "", (0, 2)),
        "global statement": ([f"def setup():\n    global impl\n    impl = {a}.{n}\nsetup()\n"], "impl", "", ANSWER),
        "operator.attrgetter": (["import operator\n"], f'operator.attrgetter("{n}")({a})', "", ANSWER),
        "dict literal": ([f'TABLE = {{"f": {a}.{n}}}\n'], 'TABLE["f"]', "", ANSWER),
        "tuple unpacking": ([f"impl, other = {a}.{n}, None\n"], "impl", "", ANSWER),
    }


WAYS = [(c, way) for c in CASES for way in _ways(c)]


def _sources(c: Case, way: str) -> tuple[list[str], int, tuple[int, int]]:
    extra, use, params, where = _ways(c)[way]
    answer = c.answer.format(use=use, params=params)
    cells = [c.imports, *extra, answer, "print('the test cell')\n"]
    answer_cell = len(extra) + 2  # cells are numbered from 1, the imports first
    expected = (answer_cell, c.line) if where == ANSWER else (where[0] + 2, where[1])
    return cells, answer_cell, expected


@pytest.mark.parametrize("case, way", WAYS, ids=[f"{c.id}-{w}" for c, w in WAYS])
def test_a_rule_breaker_is_reported_however_it_names_the_builtin(case, way):
    sources, _, expected = _sources(case, way)
    rule = batchnorm_rules.rule(case.framework, case.grade_id)
    found = method_rules.findings(sources, rule)
    where = [(f.cell, f.line) for f in found]
    assert expected in where, f"{way}: expected a finding at cell {expected[0]}, line {expected[1]}; got {found}"
    with pytest.raises(AssertionError) as failed:
        method_rules.require(sources, rule)
    message = str(failed.value)
    assert message.startswith(rule.requirement + ": cell "), message
    assert f"cell {expected[0]}, line {expected[1]}" in message or len(found) > method_rules.SHOWN, message


def test_messages_say_which_rule_where_and_under_which_name():
    torch_rule, tf_rule = CASES_RULE[0], CASES_RULE[5]
    sources, _, _ = _sources(CASES[0], "module-level alias")
    assert method_rules.message(torch_rule, method_rules.findings(sources, torch_rule)) == (
        "batch_norm must be written from scratch, without PyTorch's built-in batch norm: "
        "cell 3, line 3 uses torch.nn.functional.batch_norm (as `impl`); "
        "cell 2, line 1 uses torch.nn.functional.batch_norm (as `F.batch_norm`)")
    sources, _, _ = _sources(CASES[5], "direct")
    assert str(method_rules.findings(sources, tf_rule)[0]) == (
        "cell 2, line 2 uses tensorflow.keras.optimizers.SGD (as `keras.optimizers.SGD`)")
    sources, _, _ = _sources(CASES[0], "exec of a computed string")
    assert "cell 2, line 1 runs exec on a string the grader cannot read" in method_rules.message(
        torch_rule, method_rules.findings(sources, torch_rule))


CASES_RULE = [batchnorm_rules.rule(c.framework, c.grade_id) for c in CASES]


@pytest.mark.parametrize("source, reported", [
    ("import pickle\nimpl = pickle.loads(b'...')\n", "cell 2, line 2 uses pickle.loads"),
    ("get_ipython().input_transformers_post.append(lambda lines: lines)\n", "get_ipython().input_transformers_post"),
    ("import sys\nsys.meta_path.insert(0, object())\n", "cell 2, line 2 uses sys.meta_path"),
    ("torch.var = lambda *args, **kwargs: torch.batch_norm(*args, **kwargs)\n", "cell 2, line 1 uses torch.batch_norm"),
    ("setattr(torch, 'mean', F.batch_norm)\n", "cell 2, line 1 uses torch.nn.functional.batch_norm"),
    ("name = input()\nglobals()[name] = F.batch_norm\n", "cell 2, line 2 writes to `globals()[name]`"),
    ("get_ipython().run_line_magic('run', 'helpers.py')\n", "runs the %run magic"),
])
def test_code_that_may_change_any_other_is_reported_wherever_it_is(source, reported):
    """An honest batch_norm next to a cell that patches the framework, installs a hook, unpickles, or runs code the
    grader cannot read: the rule cannot be decided, and says why."""
    honest = _honest_sources("batchnorm_torch", "check_batch_norm")
    sources = [honest[0], source, *honest[1:]]
    message = method_rules.message(CASES_RULE[0], method_rules.findings(sources, CASES_RULE[0]))
    assert reported in message, message


def test_python_in_magics_and_framework_methods_named_like_the_answer_are_read():
    rule = CASES_RULE[0]
    honest = _honest_sources("batchnorm_torch", "check_batch_norm")
    timed = ["%%time\nimpl = F.batch_norm\n", honest[-2].replace("torch.sqrt(", "impl(") + "\n"]
    assert any(f.cell == 2 for f in method_rules.findings([honest[0], *timed, honest[-1]], rule))
    plotting = ["%matplotlib inline\n", "!ls\n", "%timeit x = 1\n"]
    assert method_rules.findings([honest[0], *plotting, *honest[1:]], rule) == []


def test_a_layer_may_call_its_own_batch_norm_which_has_its_own_rule():
    """The layer's checks put a correct batch_norm in place of the student's: the layer is judged on its own code."""
    sources = _honest_sources("batchnorm_torch", "check_batchnorm_layer")
    answer = next(i for i, cell in enumerate(sources) if cell.startswith("def batch_norm("))
    sources[answer] = "def batch_norm(*args, **kwargs):\n    return F.batch_norm(*args, **kwargs)\n"
    layer_rule = batchnorm_rules.rule("torch", "check_batchnorm_layer")
    assert method_rules.findings(sources, layer_rule) == []
    captured = sources + ["bn_captured = batch_norm\nBatchNorm.forward = lambda self, x: bn_captured(x)\n"]
    found = method_rules.findings(captured, layer_rule)
    assert [(f.cell, f.line) for f in found] == [(answer + 1, 2)], "a batch_norm captured before the checks replace it"


@pytest.mark.parametrize("assignment", ["batchnorm_torch", "batchnorm_tensorflow"])
def test_a_layer_that_never_calls_batch_norm_is_reported_where_it_is_defined(assignment):
    """The notebook says the layer calls your batch_norm: a layer that does the arithmetic itself breaks that rule
    (at its class), one that reaches batch_norm through a method, a helper or an alias keeps it."""
    framework = assignment.split("_")[1]
    rule = batchnorm_rules.rule(framework, "check_batchnorm_layer")
    sources = _honest_sources(assignment, "check_batchnorm_layer")
    layer = next(i for i, cell in enumerate(sources) if cell.startswith("class BatchNorm("))
    base = "nn.Module" if framework == "torch" else "keras.layers.Layer"
    method = "forward(self, x)" if framework == "torch" else "call(self, x, training=None)"
    inline = f"class BatchNorm({base}):\n    def {method}:\n        return (x - x.mean()) / x.std()\n"
    found = method_rules.findings([*sources[:layer], inline, *sources[layer + 1:]], rule)
    assert [(f.cell, f.line, f.text) for f in found] == [(layer + 1, 1, "never calls your `batch_norm`")], found
    assert method_rules.message(rule, found).endswith(f"cell {layer + 1}, line 1 never calls your `batch_norm`")
    for reaching in (f"def _normalize(layer, x):\n    return batch_norm(x)[0]\n\n"
                     f"class BatchNorm({base}):\n    def {method}:\n        return _normalize(self, x)\n",
                     f"normalize = batch_norm\n\nclass BatchNorm({base}):\n    def _norm(self, x):\n"
                     f"        return normalize(x)[0]\n\n    def {method}:\n        return self._norm(x)\n"):
        assert method_rules.findings([*sources[:layer], reaching, *sources[layer + 1:]], rule) == []


def test_a_module_the_notebook_wrote_or_brought_cannot_be_read():
    sources, _, _ = _sources(CASES[0], "direct")
    sources[1:1] = ["%%writefile normalize.py\nimport torch\nf = torch.batch_norm\n", "import normalize\n"]
    sources[3] = sources[3].replace("F.batch_norm", "normalize.f")
    assert "cell 3, line 1 imports `normalize`, which the grader cannot read" in method_rules.message(
        CASES_RULE[0], method_rules.findings(sources, CASES_RULE[0]))


@pytest.mark.parametrize("rule_name", ["BATCH_NORM", "OPTIMIZERS"])
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_the_forbidden_names_exist_and_their_real_homes_are_forbidden_too(framework, rule_name):
    """Each forbidden name is an entry point of the installed framework (a rename would silently drop it), and the
    module where it really lives is caught as well (`parts`): the same object imported from there is no way out."""
    pytest.importorskip(framework)
    grade_id = "check_batch_norm" if rule_name == "BATCH_NORM" else "check_sgd_epoch"
    rule = batchnorm_rules.rule(framework, grade_id)
    for name in getattr(batchnorm_rules, f"{framework.upper()}_{rule_name}"):
        found = _resolve(name)
        assert found is not None, f"{name} does not exist in the installed {framework}"
        home = getattr(found, "__name__", "") if isinstance(found, types.ModuleType) else (
            f"{getattr(found, '__module__', '')}.{getattr(found, '__qualname__', getattr(found, '__name__', ''))}")
        assert rule.forbids(name) and rule.forbids(home), (name, home)


def _resolve(dotted: str):
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            found = getattr(found, part, None)
        return found
    return None


def test_without_sources_the_check_fails_with_a_message_for_the_instructor():
    with pytest.raises(AssertionError, match="no source of this notebook.*please tell your instructor"):
        method_rules.require(None, CASES_RULE[0])


def test_the_in_process_paths_take_the_sources_from_the_notebooks_history():
    """Stock nbgrader and validate: IPython's history in the notebook's namespace; the fast path keeps one too."""
    assert remote.InProcessLink({}).sources is None
    history = ["", "a = 1\n", "run()\n"]
    assert remote.InProcessLink({"In": history, "_ih": history}).sources == ["a = 1\n", "run()\n"]
    test = nbformat.v4.new_code_cell("from instructor_only.checks import remote\nprint(remote.ran_cells(globals()))")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("#"), nbformat.v4.new_code_cell("x = 1"), test])
    passed, output = inprocess.run_cells(nb)["t"]
    assert passed and output.strip() == repr(["x = 1", test.source]), output


ALIASED_BATCH_NORM = """\
_scale = torch.batch_norm  # bound when the cell runs: the kernel's guard replaces torch.batch_norm only later


def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    new_mean, new_var = running_mean.clone(), running_var.clone()
    y = _scale(x, gamma, beta, new_mean, new_var, training, momentum, eps, False)
    return y, new_mean, new_var
"""
TORCH_SGD_CASE = next(c for c in CASES if (c.framework, c.grade_id) == ("torch", "check_sgd_epoch"))
ALIASED_SGD = ("_Step = torch.optim.SGD  # sgd_epoch's code object names only _Step\n\n\n"
               + TORCH_SGD_CASE.answer.format(params="", use="_Step"))


def test_the_attack_of_issue_24_loses_exactly_the_cells_whose_rules_it_broke():
    """Issue 24's attack: the built-in batch norm and torch.optim.SGD bound to other names when the cell runs. The
    values are right, so only the rules can catch it; the hidden checks alone (public asserts removed), in-process,
    as stock nbgrader and the fast path run them."""
    solution = next(s for s in SUBMISSIONS if s.assignment.name == "batchnorm_torch" and s.kind == "solution")
    (nb,) = solution.notebooks.values()
    nb = notebooks.with_answer_replaced(notebooks.with_answer_replaced(nb, "batch_norm", ALIASED_BATCH_NORM),
                                        "sgd_epoch", ALIASED_SGD)
    outcome = inprocess.run_cells(notebooks.hidden_only(nb))
    failed = {grade_id: text for grade_id, (passed, text) in outcome.items() if not passed}
    assert sorted(failed) == ["check_batch_norm", "check_sgd_epoch"], {g: t[-600:] for g, t in failed.items()}
    assert re.search(r"\b1 of \d+ failed", failed["check_batch_norm"]) and (
        "- written from scratch: batch_norm must be written from scratch, without PyTorch's built-in batch norm: "
        "cell 4, line 6 uses torch.batch_norm (as `_scale`)") in failed["check_batch_norm"], failed["check_batch_norm"]
    assert "- updates by hand: sgd_epoch must update the parameters by hand, without an optimizer (torch.optim): " \
           "cell 13, line 6 uses torch.optim.SGD (as `_Step`)" in failed["check_sgd_epoch"], failed["check_sgd_epoch"]


# --- honest code ---------------------------------------------------------------------------------------------------

def _submissions():
    return [s for name in ("batchnorm_torch", "batchnorm_tensorflow") for s in plan(course.get(name))]


def _checked(submission):
    """(grade id, sources up to its test cell) of every test cell with a method rule."""
    (nb,) = submission.notebooks.values()
    sources = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            sources.append(cell.source)
            if notebooks.grade_meta(cell).get("grade_id") in GRADE_IDS:
                yield notebooks.grade_meta(cell)["grade_id"], list(sources)


def _honest_sources(assignment: str, grade_id: str) -> list[str]:
    solution = next(s for s in SUBMISSIONS if s.assignment.name == assignment and s.kind == "solution")
    return next(sources for g, sources in _checked(solution) if g == grade_id)


SUBMISSIONS = _submissions()


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=[s.label for s in SUBMISSIONS])
def test_honest_code_passes_and_the_catalogues_rule_breakers_do_not(submission):
    """Solutions, the blank release, every alternative and every bug: only the catalogued rule-breakers are
    reported, and only on their own cell's rule."""
    framework = submission.assignment.framework
    breaks = submission.entry is not None and (submission.entry.answer_cell, submission.entry.name) in RULE_BREAKERS
    for grade_id, sources in _checked(submission):
        rule = batchnorm_rules.rule(framework, grade_id)
        found = method_rules.findings(sources, rule)
        if submission.kind == "blank" and rule.must_use:  # a layer still to be written calls nothing yet
            assert [f.text for f in found] == [f"never calls your `{name}`" for name in rule.must_use], found
            continue
        own = breaks and grade_id in submission.expectation.targets
        assert bool(found) == own, f"{submission.label}, {grade_id}: {found}"
        if own:
            assert found[0].depth == 0 and found[0].cell == len(sources) - 1, found


# --- what a blind attack round got through before it was read ----------------------------------------------------

BLIND_ROUND = {  # (framework, grade id): the cell added before the answer, the answer
    "unpickled_builtin": ("torch", "check_batch_norm", "import io\n_bn = torch.load(io.BytesIO(b''), weights_only=False)\n",
                          "def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, "
                          "eps=1e-5):\n    rm, rv = running_mean.clone(), running_var.clone()\n"
                          "    return _bn(x, gamma, beta, rm, rv, training, momentum, eps, False), rm, rv\n"),
    "instance_norm": ("torch", "check_batch_norm", "",
                      "def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):\n"
                      "    y = F.instance_norm(x.T.unsqueeze(0), weight=gamma, bias=beta, eps=eps)[0].T\n"
                      "    return y, running_mean, running_var\n"),
    "unpickled_sgd": ("torch", "check_sgd_epoch", "import io\n_Opt = torch.load(io.BytesIO(b''), weights_only=False)\n",
                      "def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):\n"
                      "    opt = _Opt(model.parameters(), lr=lr)\n    opt.step()\n    return 0.0\n"),
    "subclasses": ("torch", "check_sgd_epoch", "",
                   "def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):\n"
                   "    base = [c for c in object.__subclasses__() if c.__name__ == 'Optim' + 'izer'][0]\n"
                   "    opt = [c for c in type.__subclasses__(base) if c.__name__.lower() == 's' + 'gd'][0]\n"
                   "    opt(model.parameters(), lr=lr).step()\n    return 0.0\n"),
    "numpy_unpickled": ("tensorflow", "check_batch_norm", "_bn = np.load('x.npy', allow_pickle=True)[()]\n",
                        "def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, "
                        "eps=1e-3):\n    mean, var = tf.nn.moments(x, axes=[0])\n"
                        "    return _bn(x, mean, var, beta, gamma, eps), moving_mean, moving_var\n"),
}


@pytest.mark.parametrize("name", list(BLIND_ROUND))
def test_what_the_blind_round_got_through_is_reported(name):
    framework, grade_id, before, answer = BLIND_ROUND[name]
    imports = TORCH_IMPORTS if framework == "torch" else TF_IMPORTS
    found = method_rules.findings([imports, before, answer], batchnorm_rules.rule(framework, grade_id))
    assert found, name


# --- a second blind round: names looked up from strings got through, and honest notebooks were refused -------------

TORCH_BN_ANSWER = ("def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):\n"
                   "    rm, rv = running_mean.clone(), running_var.clone()\n"
                   "    return _bn(x, gamma, beta, rm, rv, training, momentum, eps, False), rm, rv\n")
SECOND_ROUND = {
    "pydoc": "import pydoc\n_bn = pydoc.locate('torch.batch_norm')\n",
    "pkgutil": "import pkgutil\n_bn = pkgutil.resolve_name('torch:batch_norm')\n",
    "torchscript": "_cu = torch.jit.CompilationUnit('def f(x):\\n    return x\\n')\n_bn = _cu.f\n",
    "overrides": "_bn = next(f for f in torch.overrides.get_overridable_functions()[torch]\n"
                 "           if getattr(f, '__name__', '') == 'batch_norm')\n",
    "load_imported_by_name": "import io\nfrom torch import load\n_bn = load(io.BytesIO(b''), weights_only=False)\n",
    "load_partial": "import functools, io\n_load = functools.partial(torch.load, weights_only=False)\n"
                    "_bn = _load(io.BytesIO(b''))\n",
    "load_pickle_module": "import io, pickle\n_bn = torch.load(io.BytesIO(b''), None, pickle)\n",
}
HONEST_EXTRAS = {
    "ipython_display": "from IPython.display import display, Markdown\ndisplay(Markdown('**My lab**'))\n",
    "import_ipython": "import IPython\nIPython.display.display('hello')\n",
    "env_magic": "%env OMP_NUM_THREADS=1\n",
    "pip_magic": "%pip install tqdm\n",
    "safe_torch_load": "torch.save({'w': torch.ones(3)}, 'ckpt.pt')\nckpt = torch.load('ckpt.pt', weights_only=True)\n"
                       "again = torch.load('ckpt.pt')\n",
    "safe_numpy_load": "import numpy as np\nnp.save('a.npy', np.ones(3))\na = np.load('a.npy')\n"
                       "b = np.load('a.npy', allow_pickle=False)\n",
}


# --- a third blind round (the rules alone) ---------------------------------------------------------------------------

THIRD_ROUND = {
    "timeit_statement": "import timeit\nbox = {}\ntimeit.timeit(\"box['f'] = F.batch_norm\", globals=globals(), number=1)\n"
                        "_bn = box['f']\n",
    "type_hint_string": "import typing\ndef _h() -> 'F.batch_norm': pass\n_bn = typing.get_type_hints(_h)['return']\n",
    "logging_resolve": "import logging.config\n"
                       "_bn = logging.config.BaseConfigurator({}).resolve('torch.nn.functional.batch_norm')\n",
    "entry_point": "import importlib.metadata\n"
                   "_bn = importlib.metadata.EntryPoint('a', 'torch.nn.functional:batch_norm', 'g').load()\n",
    "mock_patch": "from unittest import mock\n_bn = mock.patch('torch.nn.functional.batch_norm').get_original()[0]\n",
    "doctest": "import doctest\nbox = {}\ndef _ex():\n    '''\n    >>> box['f'] = getattr(F, 'x')\n    '''\n"
               "doctest.run_docstring_examples(_ex, {'box': box, 'F': F})\n_bn = box['f']\n",
    "decomposition_table": "_bn = next(k for k in torch._decomp.decomposition_table\n"
                           "           if str(k) == 'aten.native_batch_norm.default')\n",
    "conv_bn_module": "_bn = torch.ao.nn.intrinsic.qat.ConvBn2d(1, 1, 1).bn\n",
}
HONEST_HABITS = {
    "timeit_with_options": "x = torch.randn(8, 3)\n%timeit -n 100 -r 3 torch.relu(x)\n",
    "prun_with_options": "%prun -s cumtime torch.randn(3)\n",
    "ipython_core_display": "from IPython.core.display import HTML, display\ndisplay(HTML('<b>hi</b>'))\n",
    "get_ipython_imported": "from IPython import get_ipython\nip = get_ipython()\n",
    "pdb_imported": "import pdb\n",
    "debug_magic": "%debug\n",
    "line_profiler": "%load_ext line_profiler\n",
    "joblib_dump": "import joblib\njoblib.dump({'a': 1}, 'results.joblib')\n",
    "reload_helpers": "import importlib, student_helpers\nimportlib.reload(student_helpers)\n",
    "weights_only_variable": "WO = True\nckpt = torch.load('ckpt.pt', weights_only=WO)\n",
}


LOOKED_UP = {**SECOND_ROUND, **THIRD_ROUND}
HONEST = {**HONEST_EXTRAS, **HONEST_HABITS}


@pytest.mark.parametrize("name", list(LOOKED_UP))
def test_names_looked_up_from_strings_or_unpickled_are_reported(name):
    found = method_rules.findings([TORCH_IMPORTS, LOOKED_UP[name], TORCH_BN_ANSWER],
                                  batchnorm_rules.rule("torch", "check_batch_norm"))
    assert found, name


@pytest.mark.parametrize("name", list(HONEST))
def test_common_honest_cells_break_no_rule(name):
    for grade_id in GRADE_IDS:
        sources = _honest_sources("batchnorm_torch", grade_id)
        found = method_rules.findings([sources[0], HONEST[name], *sources[1:]], batchnorm_rules.rule("torch", grade_id))
        assert not found, (name, grade_id, found)
