"""Hidden checks of the batch-norm lab, for both frameworks.

Expected values come from the numpy reference (`instructor_only.references.batchnorm`) or from the framework's own
layers and optimizers, on the same inputs and, for models, with the student's own weights. Tolerances: float64
computations agree with the reference to ~1e-12; we allow 1e-7 relative. float32 inputs allow 1e-4 relative,
1e-5 absolute (normalising a few hundred values in float32 loses ~1e-6). The rules of method ("from scratch", "by
hand") are read from the notebook's source on this side (`batchnorm_rules.py`).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from instructor_only.checks.partial_credit import weight
from instructor_only.checks import batchnorm_rules, method_rules
from instructor_only.references import batchnorm as ref

F64 = dict(rtol=1e-7, atol=1e-9)
F32 = dict(rtol=1e-4, atol=1e-5)
# Running statistics. The contract gives momentum as a Python float and leaves the dtype it is used in open: a correct
# update that holds it in float32 (tf.cast(momentum, tf.float32), np.float32) moves both weights, m and 1 - m, by up
# to 2**-24 ~ 6e-8 relative, so m * old + (1 - m) * batch errs by up to ~6e-8 * (|old| + |batch|): 1.3e-7 was
# measured on a mean of ~0.5 (blind round 3), where F64 allowed 5e-8. Old and batch statistics here are of like size
# (and, for variances, like sign), so the error stays below 1e-6 of the result even after several updates. The
# smallest running-statistics bug catalogued (eps added to the stored variance: eps * momentum, >= 1e-5 relative
# here) stays ten times larger.
RUNNING = dict(rtol=1e-6, atol=1e-7)


@pytest.fixture
def bn(fw):
    return fw.topic("batchnorm")


@pytest.fixture
def correct(fw):
    """Correct parts only the checks hold (`instructor_only/checks/parts/<framework>_batchnorm.py`)."""
    return fw.parts("batchnorm")


def _state(rng, c):
    return (rng.uniform(0.5, 1.5, c), rng.normal(0, 0.5, c), rng.normal(0, 0.5, c), rng.uniform(0.5, 2.0, c))


def _cases(bn):
    """(description, x, gamma, beta, running_mean, running_var): 2-D and 4-D, in the framework's layout."""
    rng = np.random.default_rng(3)
    out = []
    for label, shape in (("2-D (16, 5)", bn.layout_shape(16, 5)), ("4-D " + str(bn.layout_shape(6, 3, (4, 5))),
                                                                     bn.layout_shape(6, 3, (4, 5)))):
        c = shape[bn.channel_axis]
        x = rng.normal(1.0, 2.0, size=shape)
        out.append((label, x, *_state(rng, c)))
    return out


def _close(got, want, what, tol=F64):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    if not np.allclose(got, want, **tol):
        i = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
        raise AssertionError(f"{what}: differs from the reference, e.g. at index {tuple(int(k) for k in i)}: "
                             f"got {got[i]:.6g}, expected {want[i]:.6g}")


def _ref(bn, x, g, b, rm, rv, training, momentum=None, eps=None):
    defaults = ref.CONVENTIONS[bn.convention]
    return ref.batch_norm(x, g, b, rm, rv, training, defaults["momentum"] if momentum is None else momentum,
                          defaults["eps"] if eps is None else eps, bn.convention, bn.channel_axis)


class CheckBatchNorm:
    grade_id = "check_batch_norm"

    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_matches_reference(self, student, bn, training):
        for label, x, g, b, rm, rv in _cases(bn):
            (y, new_rm, new_rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, training, 0.2, 1e-4)
            want_y, want_rm, want_rv = _ref(bn, x, g, b, rm, rv, training, 0.2, 1e-4)
            mode = "training" if training else "inference"
            _close(y, want_y, f"{label}, {mode}: output")
            _close(new_rm, want_rm, f"{label}, {mode}: returned running mean", RUNNING)
            _close(new_rv, want_rv, f"{label}, {mode}: returned running variance", RUNNING)

    def check_default_momentum_and_eps(self, student, bn):
        label, x, g, b, rm, rv = _cases(bn)[1]
        (y, new_rm, new_rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, True, None, None)
        want_y, want_rm, want_rv = _ref(bn, x, g, b, rm, rv, True)
        _close(y, want_y, f"{label} with the default eps: output")
        _close(new_rm, want_rm, f"{label} with the default momentum: running mean", RUNNING)
        _close(new_rv, want_rv, f"{label} with the default momentum: running variance", RUNNING)

    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_float32(self, student, bn, training):
        mode = "training" if training else "inference"
        for label, x, g, b, rm, rv in _cases(bn):
            (y, new_rm, new_rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, training, 0.2, 1e-4,
                                                        "float32")
            want_y, want_rm, want_rv = _ref(bn, x, g, b, rm, rv, training, 0.2, 1e-4)
            _close(y, want_y, f"{label}, float32, {mode}: output", F32)
            _close(new_rm, want_rm, f"{label}, float32, {mode}: running mean", F32)
            _close(new_rv, want_rv, f"{label}, float32, {mode}: running variance", F32)

    def check_float32_features_far_from_zero(self, student, bn):
        """float32 features of mean 1000 and spread 1. A mean, then the mean squared deviation, errs by ~1e-4 here
        (each value carries 6e-5 of float32 rounding, and so does the mean); E[x^2] - E[x]^2 cancels: float32 keeps
        ~7 digits of E[x^2] ~ 1e6, so the variance is off by ~1e-2 and the output by as much. 1e-3 separates them."""
        rng = np.random.default_rng(21)
        x = rng.normal(1000.0, 1.0, size=bn.layout_shape(64, 3)).astype(np.float32).astype(np.float64)
        g, b, rm, rv = _state(rng, 3)
        (y, _, new_rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, True, 0.2, 1e-4, "float32")
        want_y, _, want_rv = _ref(bn, x, g, b, rm, rv, True, 0.2, 1e-4)
        far = dict(rtol=1e-3, atol=1e-3)
        _close(y, want_y, "float32 features of mean 1000 and standard deviation 1 (a numerically stable variance "
                          "subtracts the mean first): output", far)
        _close(new_rv, want_rv, "float32 features of mean 1000 and standard deviation 1: running variance", far)

    # The edges of each argument's range: momentum 0 and 1 (the running statistics keep the old values or take the
    # batch's), a large eps, one image, 1x1 maps, the smallest batch with an unbiased variance.
    EDGES = [("momentum=0", None, 0.0, 1e-4), ("momentum=1", None, 1.0, 1e-4), ("eps=0.5", None, 0.2, 0.5),
             ("one image", (1, 3, (3, 4)), 0.2, 1e-4), ("1x1 maps", (5, 2, (1, 1)), 0.2, 1e-4),
             ("two examples", (2, 4, None), 0.2, 1e-4)]

    @pytest.mark.parametrize("label,shape,momentum,eps", EDGES, ids=[e[0] for e in EDGES])
    def check_edges_of_the_arguments(self, student, bn, label, shape, momentum, eps):
        rng = np.random.default_rng(14)
        shape = bn.layout_shape(*shape) if shape else bn.layout_shape(6, 3, (4, 5))
        x = rng.normal(1.0, 2.0, size=shape)
        g, b, rm, rv = _state(rng, shape[bn.channel_axis])
        for training in (True, False):
            (y, new_rm, new_rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, training, momentum, eps)
            want_y, want_rm, want_rv = _ref(bn, x, g, b, rm, rv, training, momentum, eps)
            what = (f"{label}: x of shape {shape}, momentum={momentum}, eps={eps}, "
                    f"{'training' if training else 'inference'}")
            _close(y, want_y, what + ": output")
            _close(new_rm, want_rm, what + ": running mean", RUNNING)
            _close(new_rv, want_rv, what + ": running variance", RUNNING)

    def check_several_steps_then_inference(self, student, bn):
        rng = np.random.default_rng(4)
        label, x, g, b, rm, rv = _cases(bn)[1]
        got_rm, got_rv, want_rm, want_rv = rm, rv, rm, rv
        for step in range(4):
            batch = rng.normal(step, 1.0 + step, size=x.shape)
            (_, got_rm, got_rv), _ = bn.call_batch_norm(student.batch_norm, batch, g, b, got_rm, got_rv, True, 0.3, 1e-5)
            _, want_rm, want_rv = _ref(bn, batch, g, b, want_rm, want_rv, True, 0.3, 1e-5)
        _close(got_rm, want_rm, f"{label}: running mean after 4 training steps", RUNNING)
        _close(got_rv, want_rv, f"{label}: running variance after 4 training steps", RUNNING)
        (y, _, _), _ = bn.call_batch_norm(student.batch_norm, x, g, b, got_rm, got_rv, False, 0.3, 1e-5)
        _close(y, _ref(bn, x, g, b, want_rm, want_rv, False, 0.3, 1e-5)[0], f"{label}: inference after training",
               dict(rtol=1e-6, atol=1e-6))  # (it normalises with the running statistics: their tolerance carries over)

    def check_matches_the_builtin_layer(self, student, bn):
        rng = np.random.default_rng(5)
        for ndim, shape in ((2, bn.layout_shape(12, 4)), (4, bn.layout_shape(5, 4, (3, 3)))):
            layer = bn.builtin_layer(4, ndim, bn.momentum, bn.eps)
            g, b, rm, rv = _state(rng, 4)
            bn.set_builtin_state(layer, g, b, rm, rv)
            for step, training in enumerate([True, True, True, False]):
                x = rng.normal(size=shape)
                want = bn.builtin_forward(layer, x, training)
                (y, rm, rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, training, bn.momentum, bn.eps)
                what = f"{ndim}-D, step {step + 1} ({'training' if training else 'inference'}) vs {bn.name}'s own layer"
                _close(y, want[0], what + ": output", dict(rtol=1e-6, atol=1e-6))
                _close(rm, want[1], what + ": running mean", RUNNING)
                _close(rv, want[2], what + ": running variance", RUNNING)

    def check_gradients_reach_x_gamma_beta(self, student, bn):
        rng = np.random.default_rng(6)
        for label, x, g, b, rm, rv in _cases(bn):
            upstream = rng.normal(size=x.shape)
            grads = bn.batch_norm_gradients(student.batch_norm, x, g, b, rm, rv, 0.1, 1e-5, upstream)
            want = ref.batch_norm_train_gradients(x, g, 1e-5, upstream, bn.channel_axis)
            for key in ("x", "gamma", "beta"):
                assert grads[key] is not None, f"{label}: no gradient reaches {key}"
                _close(grads[key], want[key], f"{label}: gradient w.r.t. {key}", dict(rtol=1e-6, atol=1e-8))

    def check_running_statistics_carry_no_autograd_history(self, student, bn):
        label, x, g, b, rm, rv = _cases(bn)[0]
        assert not bn.returned_stats_have_history(student.batch_norm, x, g, b, rm, rv, 0.1, 1e-5), (
            "the returned running statistics are part of the autograd graph; detach them (or compute them without "
            "tracking gradients), or every training step keeps the previous graphs alive")

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_inputs_are_not_modified(self, student, bn):
        for training in (True, False):
            label, x, g, b, rm, rv = _cases(bn)[1]
            _, changed = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, training, 0.1, 1e-5)
            assert not changed, f"batch_norm modified its inputs {changed} in place; return new tensors instead"

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_written_from_scratch(self, sources, bn):
        """Read from the notebook's source on this side, however the built-in is named (the kernel also makes the
        framework's batch norm raise while the student's code runs, which a kernel can undo)."""
        method_rules.require(sources, batchnorm_rules.rule(bn.name, self.grade_id))


class CheckBatchNormLayer:
    """The layer is checked on its own: a correct batch_norm function is put in place of the student's."""
    grade_id = "check_batchnorm_layer"

    @pytest.fixture(autouse=True)
    def _correct_batch_norm(self, student, correct):
        with student.patched("batch_norm", correct.reference_batch_norm):
            yield

    def check_weights_are_registered(self, student, bn):
        layer = bn.make_layer(student.BatchNorm, 6, 2)
        weights = bn.layer_weights(layer)
        assert weights["trainable"] == {k: (6,) for k in bn.LAYER_TRAINABLE}, (
            f"trainable weights should be exactly {list(bn.LAYER_TRAINABLE)} of shape (6,); found {weights['trainable']}")
        for key in bn.LAYER_STATS:
            assert weights["non_trainable"].get(key) == (6,), (
                f"{key} should be a non-trainable {'buffer' if bn.name == 'torch' else 'weight'} of shape (6,); "
                f"found non-trainable {weights['non_trainable']}")

    def check_statistics_are_saved_with_the_layer(self, student, bn):
        saved = bn.saved_state_names(bn.make_layer(student.BatchNorm, 6, 2))
        missing = [key for key in bn.LAYER_STATS if key not in saved]
        assert not missing, (f"{missing} would not be saved with the model (saved: {saved}); the running statistics "
                             f"are part of a trained layer's state")

    def check_initial_state(self, student, bn):
        state = bn.layer_state(bn.make_layer(student.BatchNorm, 5, 2))
        for key, value in (("gamma", 1.0), ("beta", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
            assert np.all(state[key] == value), f"{key} should start at {value} everywhere, found {state[key]}"

    @pytest.mark.parametrize("hyperparameters", [{}, {"momentum": 0.3, "eps": 0.05}], ids=["defaults", "custom"])
    @pytest.mark.parametrize("ndim", [2, 4])
    def check_matches_the_builtin_layer_over_steps(self, student, bn, ndim, hyperparameters):
        rng = np.random.default_rng(7)
        shape = bn.layout_shape(8, 3) if ndim == 2 else bn.layout_shape(4, 3, (5, 2))
        mine = bn.make_layer(student.BatchNorm, 3, ndim, **hyperparameters)
        theirs = bn.builtin_layer(3, ndim, hyperparameters.get("momentum", bn.momentum),
                                  hyperparameters.get("eps", bn.eps))
        g, b, _, _ = _state(rng, 3)
        bn.set_layer_state(mine, gamma=g, beta=b)
        bn.set_builtin_state(theirs, g, b, np.zeros(3), np.ones(3))
        for step, training in enumerate([True, True, True, False, False]):
            x = rng.normal(2.0, 3.0, size=shape)
            y = bn.layer_forward(mine, x, training)
            want_y, want_rm, want_rv = bn.builtin_forward(theirs, x, training)
            state = bn.layer_state(mine)
            made = ", ".join(f"{k}={v}" for k, v in hyperparameters.items()) or "default momentum and eps"
            what = f"BatchNorm({made}), {ndim}-D input, call {step + 1} ({'training' if training else 'inference'})"
            _close(y, want_y, what + ": output", dict(rtol=1e-6, atol=1e-6))
            _close(state["running_mean"], want_rm, what + ": running mean stored in the layer", RUNNING)
            _close(state["running_var"], want_rv, what + ": running variance stored in the layer", RUNNING)

    @pytest.mark.parametrize("hyperparameters", [{}, {"momentum": 0.3, "eps": 0.05}], ids=["defaults", "custom"])
    def check_momentum_and_eps_attributes(self, student, bn, hyperparameters):
        layer = bn.make_layer(student.BatchNorm, 3, 2, **hyperparameters)
        for key, want in (("momentum", hyperparameters.get("momentum", bn.momentum)),
                          ("eps", hyperparameters.get("eps", bn.eps))):
            made = ", ".join(f"{k}={v}" for k, v in hyperparameters.items()) or "no arguments"
            assert hasattr(layer, key), f"BatchNorm({made}) has no attribute `{key}` (the docstring names it)"
            got = getattr(layer, key)
            assert _is_number(got) and float(got) == pytest.approx(want, rel=1e-6), (
                f"BatchNorm({made}).{key} is {got!r}; it should be the float {want}")

    def check_a_new_layer_runs_in_its_default_mode(self, student, bn):
        """PyTorch: a new module is in training mode; Keras: call(x) without `training` is inference."""
        rng = np.random.default_rng(15)
        layer = bn.make_layer(student.BatchNorm, 3, 2)
        g, b, rm, rv = _state(rng, 3)
        bn.set_layer_state(layer, gamma=g, beta=b, running_mean=rm, running_var=rv)
        x = rng.normal(2.0, 3.0, size=(8, 3))
        y = bn.layer_forward_default(layer, x)
        want_y, want_rm, want_rv = _ref(bn, x, g, b, rm, rv, bn.DEFAULT_TRAINING)
        state = bn.layer_state(layer)
        what = f"a new BatchNorm called {bn.default_call}"
        _close(y, want_y, f"{what}: output", dict(rtol=1e-6, atol=1e-6))
        _close(state["running_mean"], want_rm, f"{what}: running mean stored in the layer", RUNNING)
        _close(state["running_var"], want_rv, f"{what}: running variance stored in the layer", RUNNING)

    def check_keeps_float32_float32(self, student, bn):
        got = bn.layer_output_dtype(student.BatchNorm, 3)
        assert got == "float32", (f"a BatchNorm made with its defaults turns a float32 batch into {got}; its weights "
                                  f"and statistics should be float32 like the framework's (a float64 output breaks the "
                                  f"next float32 layer)")

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_weights_are_created_when_the_layer_is_built(self, student, bn):
        count = bn.weights_before_build(student.BatchNorm)
        if count is None:
            pytest.skip(f"{bn.name} layers create their parameters in __init__")
        assert count == 0, (f"BatchNorm() owns {count} weights before build(); create them in build(input_shape), "
                            f"where the number of channels is known (the docstring says so)")

    def check_gradients_reach_gamma_and_beta(self, student, bn):
        rng = np.random.default_rng(8)
        layer = bn.make_layer(student.BatchNorm, 4, 2)
        x, upstream = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
        grads = bn.layer_gradients(layer, x, upstream)
        want = ref.batch_norm_train_gradients(x, np.ones(4), bn.eps, upstream, -1)
        for key in ("gamma", "beta"):
            assert grads[key] is not None, f"no gradient reaches {key}: is it a trainable parameter used in the output?"
            _close(grads[key], want[key], f"gradient w.r.t. {key}", dict(rtol=1e-6, atol=1e-8))

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_written_from_scratch(self, sources, bn):
        method_rules.require(sources, batchnorm_rules.rule(bn.name, self.grade_id))


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


MLP_SIZES = dict(in_features=7, hidden=6, depth=3, num_classes=4)


class CheckMlpForward:
    grade_id = "check_mlp_forward"

    @pytest.mark.parametrize("activation", ["relu", "sigmoid"])
    @pytest.mark.parametrize("batch_norm", [False, True], ids=["no-bn", "bn"])
    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_matches_reference_with_own_weights(self, student, bn, activation, batch_norm, training):
        model = bn.make_mlp(student.MLP, **MLP_SIZES, batch_norm=batch_norm, activation=activation)
        x = np.random.default_rng(9).normal(size=(11, MLP_SIZES["in_features"]))
        params = bn.mlp_parameters(model)  # read before the call: a training-mode call updates the BN statistics
        got = bn.mlp_call(student.mlp_forward, model, x, training)
        want = ref.mlp_forward(x, params["hidden"], params["output"], params["norms"], params["activation"],
                               training, bn.convention)
        _close(got, want, f"MLP(depth=3, batch_norm={batch_norm}, activation={activation!r}), "
                          f"{'training' if training else 'inference'}: logits", dict(rtol=1e-6, atol=1e-8))

    def check_one_hidden_layer_and_one_example(self, student, bn):
        """depth=1 (a single hidden layer) and a batch of one example in inference, which the examples never use."""
        sizes = dict(in_features=5, hidden=4, depth=1, num_classes=3)
        model = bn.make_mlp(student.MLP, **sizes, batch_norm=True, activation="relu", seed=1)
        rng = np.random.default_rng(16)
        for n, training in ((1, False), (4, True)):
            x = rng.normal(size=(n, sizes["in_features"]))
            params = bn.mlp_parameters(model)
            got = bn.mlp_call(student.mlp_forward, model, x, training)
            want = ref.mlp_forward(x, params["hidden"], params["output"], params["norms"], params["activation"],
                                   training, bn.convention)
            _close(got, want, f"MLP(depth=1, batch_norm=True), a batch of {n}, "
                              f"{'training' if training else 'inference'}: logits", dict(rtol=1e-6, atol=1e-8))

    def check_output_is_differentiable(self, student, bn):
        model = bn.make_mlp(student.MLP, **MLP_SIZES, batch_norm=True, activation="relu")
        assert bn.mlp_output_requires_grad(student.mlp_forward, model, np.ones((3, 7))), (
            "the logits do not depend differentiably on the weights (no gradient would flow)")
        x = np.random.default_rng(22).normal(size=(6, MLP_SIZES["in_features"]))
        missing = bn.mlp_parameters_without_gradient(student.mlp_forward, model, x)
        assert not missing, (f"no gradient of the logits reaches {missing[:4]} (training mode): every layer, batch "
                             f"norms included, must stay in the computation graph")


class CheckCrossEntropy:
    grade_id = "check_cross_entropy"

    def check_gradient_with_respect_to_the_logits(self, student, bn):
        """(softmax(z) - one_hot(label)) / N: a detached normaliser gives the right value and the wrong gradient."""
        rng = np.random.default_rng(23)
        logits, labels = rng.normal(0, 3, size=(6, 4)), np.array([0, 3, 1, 1, 2, 0])
        got = bn.cross_entropy_gradient(student.cross_entropy, logits, labels)
        soft = np.exp(logits - logits.max(axis=1, keepdims=True))
        soft /= soft.sum(axis=1, keepdims=True)
        want = (soft - np.eye(4)[labels]) / len(labels)
        # float32 arithmetic (allowed) errs by ~1e-7 of the largest entry; a missing term changes entries by ~1e-2
        _close(got, want, "gradient of the loss with respect to the logits ((softmax - one-hot) / N)",
               dict(rtol=1e-5, atol=1e-6))

    def check_float32_logits_and_a_single_class(self, student, bn):
        rng = np.random.default_rng(17)
        # float32 logits of size ~10: log-sum-exp loses ~1e-6 relative; 1e-5 leaves a margin and catches any wrong term.
        for what, logits, labels, dtype, tol in (
                ("float32 logits", rng.normal(0, 10, size=(9, 4)), rng.integers(0, 4, size=9), "float32",
                 dict(rel=1e-5, abs=1e-6)),
                ("a single class (every loss is 0)", rng.normal(0, 3, size=(5, 1)), np.zeros(5, int), "float64",
                 dict(rel=1e-6, abs=1e-9))):
            got, ok = bn.call_cross_entropy(student.cross_entropy, logits, labels, dtype)
            want = ref.cross_entropy(np.asarray(logits, dtype), labels)  # on the values the student's code was given
            assert ok, f"{what}: cross_entropy should return a scalar (0-d) tensor that gradients can flow through"
            assert got == pytest.approx(want, **tol), f"{what}: got {got:.6g}, expected {want:.6g}"

    @pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0], ids=["logits~1", "logits~30", "logits~1000"])
    def check_matches_reference(self, student, bn, scale):
        rng = np.random.default_rng(10)
        # The last batch has no example of the last classes: the number of classes comes from the logits.
        for n, k, labels in ((5, 3, None), (32, 10, None), (1, 4, None), (6, 5, np.array([0, 1, 0, 2, 1, 0]))):
            logits = rng.normal(0, scale, size=(n, k))
            labels = rng.integers(0, k, size=n) if labels is None else labels
            got, ok = bn.call_cross_entropy(student.cross_entropy, logits, labels)
            want = ref.cross_entropy(logits, labels)
            assert math.isfinite(got), (f"cross_entropy overflowed (got {got}) for logits of size ~{scale:g}; "
                                        f"use log-sum-exp (or the framework's stable function)")
            assert got == pytest.approx(want, rel=1e-6, abs=1e-9), (
                f"batch of {n} with {k} classes, logits ~{scale:g}: got {got:.6f}, expected {want:.6f} "
                f"(the MEAN over the batch of -log softmax(logits)[label])")
            assert ok, "cross_entropy should return a scalar (0-d) tensor that gradients can flow through"


def _easy_problem(n=60, d=4, seed=11, scale=1.0):
    """Two well-separated Gaussian blobs: any correct SGD drives the loss down quickly (scale: of the features)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, d)) + 3.0 * (2 * y[:, None] - 1)
    return scale * x, y


# The framework's own SGD on the checks' model and problem: the same for every student, so trained once per grading
# process (a worker grades many submissions), on the trusted side. (framework, n, epochs, batch size, seed) ->
# (parameters before, parameters after, the minibatch epoch's loss or None).
_FRAMEWORK_SGD: dict[tuple, tuple] = {}


def _framework_sgd(bn, correct, n: int, epochs: int, batch_size: int | None = None, seed: int | None = None,
                   scale: float = 1.0, frozen: bool = False, built: bool = True, batch_norm: bool = True):
    """batch_size None: full-batch epochs; else `epochs` minibatch epochs drawing from one generator. scale: of the
    features; frozen: the first layer frozen; built=False: a model that makes its weights on its first call;
    batch_norm: whether the model has one."""
    key = (bn.name, n, epochs, batch_size, seed, scale, frozen, built, batch_norm)
    if key not in _FRAMEWORK_SGD:
        x, y = _easy_problem(n=n, scale=scale)
        theirs = bn.here("make_reference_model")(4, 8, 2, batch_norm=batch_norm, seed=12, built=built)
        if frozen:
            bn.here("freeze_first_layer")(theirs)
        before, loss = (bn.here("flat_parameters")(theirs) if built else None), None
        if batch_size is None:
            for _ in range(epochs):
                correct.here("reference_sgd_epoch")(theirs, x, y, lr=0.05)
        else:
            loss = correct.here("reference_minibatch_epoch")(theirs, x, y, lr=0.05, batch_size=batch_size, seed=seed,
                                                             epochs=epochs)
        _FRAMEWORK_SGD[key] = (before, bn.here("flat_parameters")(theirs), loss)
    return _FRAMEWORK_SGD[key]


class CheckSgdEpoch:
    grade_id = "check_sgd_epoch"

    def _model(self, bn, batch_norm=True):
        # The framework's own layers, not the student's MLP: this checks sgd_epoch alone.
        return bn.make_reference_model(4, 8, 2, batch_norm=batch_norm, seed=12)

    @pytest.mark.parametrize("epochs", [1, 2])
    def check_full_batch_equals_the_framework_sgd(self, student, bn, correct, epochs):
        x, y = _easy_problem()
        mine = self._model(bn)  # in the kernel, for the student's code
        # The same model (same seed) here, trained by the framework's own SGD out of the kernel's reach.
        initial, want, _ = _framework_sgd(bn, correct, len(x), epochs)
        assert np.array_equal(bn.flat_parameters(mine), initial), "the check's models differ"
        for _ in range(epochs):
            loss = bn.call_sgd_epoch(student.sgd_epoch, mine, x, y, lr=0.05, batch_size=len(x))
            assert isinstance(loss, float), (f"with a single minibatch sgd_epoch returned {type(loss).__name__} "
                                             f"{loss!r}; it should return the mean loss as a Python float")
        got = bn.flat_parameters(mine)
        hint = " (are gradients cleared after each update?)" if epochs == 2 else ""
        _close(got, want, f"parameters after {epochs} full-batch epoch(s) vs {bn.name}'s SGD optimizer" + hint,
               dict(rtol=1e-6, atol=1e-9))

    def check_minibatches_follow_the_generator(self, student, bn, correct):
        """30 examples in minibatches of 7 (the last one of 2), shuffled with the given generator: the parameters and
        the returned loss must be those of the framework's SGD on the same minibatches."""
        x, y = _easy_problem(n=30)
        mine = self._model(bn)
        got_loss = bn.call_sgd_epoch(student.sgd_epoch, mine, x, y, lr=0.05, batch_size=7, seed=3)
        assert isinstance(got_loss, float), (f"sgd_epoch returned {type(got_loss).__name__} {got_loss!r}; it should "
                                             f"return the mean loss as a Python float")
        _, want, want_loss = _framework_sgd(bn, correct, len(x), 1, batch_size=7, seed=3)
        _close(bn.flat_parameters(mine), want,
               f"30 examples, batch_size=7 (minibatches of 7, 7, 7, 7 and 2, in the order {bn.shuffle_rule}): "
               f"parameters after one epoch vs {bn.name}'s SGD optimizer on the same minibatches",
               dict(rtol=1e-6, atol=1e-9))
        assert got_loss == pytest.approx(want_loss, rel=1e-6, abs=1e-9), (
            f"30 examples, batch_size=7: sgd_epoch returned {got_loss:.6f}; the plain mean of the 5 minibatch losses "
            f"is {want_loss:.6f} (each minibatch counts once, the last and smaller one too)")

    def check_a_batch_larger_than_the_data(self, student, bn, correct):
        """batch_size above N: one minibatch of all N examples, as in full-batch training."""
        x, y = _easy_problem()
        mine = self._model(bn)
        loss = bn.call_sgd_epoch(student.sgd_epoch, mine, x, y, lr=0.05, batch_size=len(x) + 25)
        _, want, _ = _framework_sgd(bn, correct, len(x), 1)
        assert isinstance(loss, float), f"sgd_epoch returned {type(loss).__name__} {loss!r}; return a Python float"
        _close(bn.flat_parameters(mine), want, f"{len(x)} examples, batch_size={len(x) + 25}: parameters after one "
               f"epoch vs {bn.name}'s SGD optimizer (one minibatch of all {len(x)} examples)", dict(rtol=1e-6, atol=1e-9))

    # Models and uses the examples lack: large gradients (features x 40 and no batch norm to absorb them: gradient
    # norms of ~10-100, which clipping would change), a frozen first layer (its parameters have no gradient and
    # stay), two epochs drawing from one generator (each epoch a new order), and a Keras model that makes its
    # weights on its first call.
    VARIANTS = {"large gradients": dict(scale=40.0, batch_norm=False), "a frozen first layer": dict(frozen=True),
                "two epochs, one generator": dict(epochs=2), "weights made on the first call": dict(built=False)}

    @pytest.mark.parametrize("variant", list(VARIANTS))
    def check_other_models_and_epochs(self, student, bn, correct, variant):
        options = {**dict(scale=1.0, frozen=False, epochs=1, built=True, batch_norm=True), **self.VARIANTS[variant]}
        if not options["built"] and not bn.BUILDS_ON_FIRST_CALL:
            pytest.skip(f"{bn.name} models are built when made")
        x, y = _easy_problem(n=30, scale=options["scale"])
        mine = bn.make_reference_model(4, 8, 2, batch_norm=options["batch_norm"], seed=12, built=options["built"])
        if options["frozen"]:
            bn.freeze_first_layer(mine)
        bn.call_sgd_epoch(student.sgd_epoch, mine, x, y, lr=0.05, batch_size=7, seed=5, epochs=options["epochs"])
        _, want, _ = _framework_sgd(bn, correct, 30, options["epochs"], batch_size=7, seed=5, scale=options["scale"],
                                    frozen=options["frozen"], built=options["built"], batch_norm=options["batch_norm"])
        _close(bn.flat_parameters(mine), want, f"{variant} (30 examples, batch_size=7): parameters after "
               f"{options['epochs']} epoch(s) vs {bn.name}'s SGD optimizer", dict(rtol=1e-6, atol=1e-9))

    def check_a_float32_model(self, student, bn):
        """The framework's default dtype: the mean loss is still a Python float, and it falls."""
        x, y = _easy_problem()
        model = bn.make_reference_model(4, 8, 2, batch_norm=False, seed=12, dtype="float32")
        losses = [bn.call_sgd_epoch(student.sgd_epoch, model, x, y, lr=0.1, batch_size=16, seed=s, dtype="float32")
                  for s in range(3)]
        assert all(isinstance(v, float) for v in losses), (
            f"with a float32 model sgd_epoch returned {[type(v).__name__ for v in losses]}; it should return the mean "
            f"loss as a Python float")
        assert losses[-1] < losses[0], f"with a float32 model the mean loss should fall; per epoch: {losses}"

    def check_trains_in_training_mode_over_all_minibatches(self, student, bn):
        x, y = _easy_problem(n=30)
        model = self._model(bn)
        bn.set_eval_mode(model)
        stats_before = bn.running_stats(model)
        stop = bn.count_forward_calls(model)
        try:
            bn.call_sgd_epoch(student.sgd_epoch, model, x, y, lr=0.05, batch_size=7)
        finally:
            calls = stop()
        training_calls = sum(calls)  # extra inference-mode calls (e.g. to log an accuracy) are allowed
        assert training_calls, (f"the model ran in evaluation mode in all {len(calls)} forward passes; sgd_epoch must "
                                f"put it in training mode ({bn.training_mode_rule})")
        assert training_calls == math.ceil(30 / 7), (
            f"30 samples in minibatches of 7 need {math.ceil(30 / 7)} training-mode forward passes; counted "
            f"{training_calls}")
        assert not np.allclose(bn.running_stats(model), stats_before), (
            "the batch-norm running statistics did not move during training")

    def check_loss_decreases_on_an_easy_problem(self, student, bn):
        x, y = _easy_problem()
        model = self._model(bn, batch_norm=False)
        losses = [float(bn.call_sgd_epoch(student.sgd_epoch, model, x, y, lr=0.1, batch_size=16, seed=s))
                  for s in range(15)]
        assert all(map(math.isfinite, losses)), f"non-finite losses: {losses}"
        assert losses[-1] < 0.5 * losses[0], f"the average loss should fall; per epoch: {np.round(losses, 3)}"

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_updates_by_hand(self, sources, bn):
        """Read from the notebook's source on this side (what a kernel reports about the student's code is a
        claim), however the optimizer is named."""
        method_rules.require(sources, batchnorm_rules.rule(bn.name, self.grade_id))


def _with_spectrum(eigenvalues, top_vector, n=40, seed=18):
    """Data x (n, d) whose X^T X / n has exactly these eigenvalues, the largest along top_vector."""
    rng = np.random.default_rng(seed)
    d = len(eigenvalues)
    basis = np.linalg.qr(np.column_stack([top_vector, rng.normal(size=(d, d - 1))]))[0]
    rows = np.linalg.qr(rng.normal(size=(n, d)))[0] * np.sqrt(n)  # orthonormal columns, scaled: U^T U / n = I
    return rows @ np.diag(np.sqrt(eigenvalues)) @ basis.T


class CheckSmoothnessConstant:
    grade_id = "check_smoothness_constant"

    # Spectra on which a shortcut shows: power iteration stalls on close top eigenvalues, and from a start of all
    # ones it never finds a top eigenvector orthogonal to that start (the one below is (1, -1, 0, ...)/sqrt(2)).
    HARD = [("close top eigenvalues", [5.0, 4.999, 1.0, 0.5], [1.0, 0.3, -0.2, 0.1]),
            ("top eigenvector orthogonal to (1, 1, ..., 1)", [3.0, 2.9, 0.2], [1.0, -1.0, 0.0]),
            ("one feature", [2.5], [1.0]),
            ("a zero eigenvalue (a constant-zero feature combination)", [4.0, 1.0, 0.0], [0.0, 1.0, 1.0])]

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_leaves_its_input_unchanged(self, student, bn):
        x = _with_spectrum([2.0, 1.0, 0.5], np.array([1.0, 0.0, 0.0]), seed=24)
        t = bn.eigen_input(x)
        student.smoothness_constant(t)
        assert np.array_equal(bn.to_numpy(t), x), "smoothness_constant changed the tensor it was given; work on a copy"

    @pytest.mark.parametrize("label,eigenvalues,top", HARD, ids=[h[0] for h in HARD])
    def check_hard_spectra(self, student, bn, label, eigenvalues, top):
        x = _with_spectrum(eigenvalues, np.asarray(top) / np.linalg.norm(top))
        got = student.smoothness_constant(bn.eigen_input(x))
        want = ref.smoothness_constant(x)
        assert isinstance(got, float), f"{label}: return a Python float, got {type(got).__name__}"
        assert got == pytest.approx(want, rel=1e-6), (
            f"{label} (X^T X / n has eigenvalues {eigenvalues}): got {got:.9g}, expected {want:.9g}")

    def check_float32_input(self, student, bn):
        """float32 data: the eigenvalue of a 3x3 matrix carries ~1e-7 relative error; 1e-5 leaves a wide margin."""
        x = _with_spectrum([9.0, 4.0, 1.0], np.array([0.6, 0.8, 0.0]), seed=19)
        got = student.smoothness_constant(bn.eigen_input(x, "float32"))
        assert isinstance(got, float), f"float32 input: return a Python float, got {type(got).__name__}"
        want = ref.smoothness_constant(x.astype(np.float32))
        assert got == pytest.approx(want, rel=1e-5), f"float32 input: got {got:.7g}, expected {want:.7g}"

    def check_matches_reference(self, student, bn):
        rng = np.random.default_rng(13)
        for n, d, scales in ((50, 3, [1, 1, 1]), (80, 5, [0.1, 1, 10, 100, 3]), (200, 2, [1000, 0.01])):
            x = rng.normal(size=(n, d)) * np.asarray(scales, float) + rng.normal(size=d)
            got = student.smoothness_constant(bn.eigen_input(x))
            want = ref.smoothness_constant(x)
            assert isinstance(got, float), f"return a Python float, got {type(got).__name__}"
            assert got == pytest.approx(want, rel=1e-6), f"features of scales {scales}: got {got:.6g}, expected {want:.6g}"
