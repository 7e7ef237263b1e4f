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

from instructor_only.checks import batchnorm_rules, method_rules
from instructor_only.references import batchnorm as ref

F64 = dict(rtol=1e-7, atol=1e-9)
F32 = dict(rtol=1e-4, atol=1e-5)


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
            _close(new_rm, want_rm, f"{label}, {mode}: returned running mean")
            _close(new_rv, want_rv, f"{label}, {mode}: returned running variance")

    def check_default_momentum_and_eps(self, student, bn):
        label, x, g, b, rm, rv = _cases(bn)[1]
        (y, new_rm, new_rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, True, None, None)
        want_y, want_rm, want_rv = _ref(bn, x, g, b, rm, rv, True)
        _close(y, want_y, f"{label} with the default eps: output")
        _close(new_rm, want_rm, f"{label} with the default momentum: running mean")
        _close(new_rv, want_rv, f"{label} with the default momentum: running variance")

    def check_float32(self, student, bn):
        for label, x, g, b, rm, rv in _cases(bn):
            (y, new_rm, new_rv), _ = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, True, 0.2, 1e-4, "float32")
            want_y, want_rm, want_rv = _ref(bn, x, g, b, rm, rv, True, 0.2, 1e-4)
            _close(y, want_y, f"{label}, float32: output", F32)
            _close(new_rv, want_rv, f"{label}, float32: running variance", F32)

    def check_several_steps_then_inference(self, student, bn):
        rng = np.random.default_rng(4)
        label, x, g, b, rm, rv = _cases(bn)[1]
        got_rm, got_rv, want_rm, want_rv = rm, rv, rm, rv
        for step in range(4):
            batch = rng.normal(step, 1.0 + step, size=x.shape)
            (_, got_rm, got_rv), _ = bn.call_batch_norm(student.batch_norm, batch, g, b, got_rm, got_rv, True, 0.3, 1e-5)
            _, want_rm, want_rv = _ref(bn, batch, g, b, want_rm, want_rv, True, 0.3, 1e-5)
        _close(got_rm, want_rm, f"{label}: running mean after 4 training steps")
        _close(got_rv, want_rv, f"{label}: running variance after 4 training steps")
        (y, _, _), _ = bn.call_batch_norm(student.batch_norm, x, g, b, got_rm, got_rv, False, 0.3, 1e-5)
        _close(y, _ref(bn, x, g, b, want_rm, want_rv, False, 0.3, 1e-5)[0], f"{label}: inference after training")

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
                _close(rm, want[1], what + ": running mean", dict(rtol=1e-6, atol=1e-8))
                _close(rv, want[2], what + ": running variance", dict(rtol=1e-6, atol=1e-8))

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

    def check_inputs_are_not_modified(self, student, bn):
        for training in (True, False):
            label, x, g, b, rm, rv = _cases(bn)[1]
            _, changed = bn.call_batch_norm(student.batch_norm, x, g, b, rm, rv, training, 0.1, 1e-5)
            assert not changed, f"batch_norm modified its inputs {changed} in place; return new tensors instead"

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
            _close(state["running_mean"], want_rm, what + ": running mean stored in the layer", dict(rtol=1e-6, atol=1e-8))
            _close(state["running_var"], want_rv, what + ": running variance stored in the layer", dict(rtol=1e-6, atol=1e-8))

    def check_gradients_reach_gamma_and_beta(self, student, bn):
        rng = np.random.default_rng(8)
        layer = bn.make_layer(student.BatchNorm, 4, 2)
        x, upstream = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
        grads = bn.layer_gradients(layer, x, upstream)
        want = ref.batch_norm_train_gradients(x, np.ones(4), bn.eps, upstream, -1)
        for key in ("gamma", "beta"):
            assert grads[key] is not None, f"no gradient reaches {key}: is it a trainable parameter used in the output?"
            _close(grads[key], want[key], f"gradient w.r.t. {key}", dict(rtol=1e-6, atol=1e-8))

    def check_written_from_scratch(self, sources, bn):
        method_rules.require(sources, batchnorm_rules.rule(bn.name, self.grade_id))


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

    def check_output_is_differentiable(self, student, bn):
        model = bn.make_mlp(student.MLP, **MLP_SIZES, batch_norm=True, activation="relu")
        assert bn.mlp_output_requires_grad(student.mlp_forward, model, np.ones((3, 7))), (
            "the logits do not depend differentiably on the weights (no gradient would flow)")


class CheckCrossEntropy:
    grade_id = "check_cross_entropy"

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


def _easy_problem(n=60, d=4, seed=11):
    """Two well-separated Gaussian blobs: any correct SGD drives the loss down quickly."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, d)) + 3.0 * (2 * y[:, None] - 1)
    return x, y


# The framework's own SGD on the checks' model and problem: the same for every student, so trained once per grading
# process (a worker grades many submissions), on the trusted side. (framework, n, epochs, batch size, seed) ->
# (parameters before, parameters after, the minibatch epoch's loss or None).
_FRAMEWORK_SGD: dict[tuple, tuple] = {}


def _framework_sgd(bn, correct, n: int, epochs: int, batch_size: int | None = None, seed: int | None = None):
    key = (bn.name, n, epochs, batch_size, seed)
    if key not in _FRAMEWORK_SGD:
        x, y = _easy_problem(n=n)
        theirs = bn.here("make_reference_model")(4, 8, 2, batch_norm=True, seed=12)
        before, loss = bn.here("flat_parameters")(theirs), None
        for _ in range(epochs):
            if batch_size is None:
                correct.here("reference_sgd_epoch")(theirs, x, y, lr=0.05)
            else:
                loss = correct.here("reference_minibatch_epoch")(theirs, x, y, lr=0.05, batch_size=batch_size, seed=seed)
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
            bn.call_sgd_epoch(student.sgd_epoch, mine, x, y, lr=0.05, batch_size=len(x))
        got = bn.flat_parameters(mine)
        hint = " (are gradients cleared after each update?)" if epochs == 2 else ""
        _close(got, want, f"parameters after {epochs} full-batch epoch(s) vs {bn.name}'s SGD optimizer" + hint,
               dict(rtol=1e-6, atol=1e-9))

    def check_minibatches_follow_the_generator(self, student, bn, correct):
        """30 examples in minibatches of 7 (the last one of 2), shuffled with the given generator: the parameters and
        the returned loss must be those of the framework's SGD on the same minibatches."""
        x, y = _easy_problem(n=30)
        mine = self._model(bn)
        got_loss = float(bn.call_sgd_epoch(student.sgd_epoch, mine, x, y, lr=0.05, batch_size=7, seed=3))
        _, want, want_loss = _framework_sgd(bn, correct, len(x), 1, batch_size=7, seed=3)
        _close(bn.flat_parameters(mine), want,
               f"30 examples, batch_size=7 (minibatches of 7, 7, 7, 7 and 2, in the order {bn.shuffle_rule}): "
               f"parameters after one epoch vs {bn.name}'s SGD optimizer on the same minibatches",
               dict(rtol=1e-6, atol=1e-9))
        assert got_loss == pytest.approx(want_loss, rel=1e-6, abs=1e-9), (
            f"30 examples, batch_size=7: sgd_epoch returned {got_loss:.6f}; the plain mean of the 5 minibatch losses "
            f"is {want_loss:.6f} (each minibatch counts once, the last and smaller one too)")

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

    def check_updates_by_hand(self, sources, bn):
        """Read from the notebook's source on this side (what a kernel reports about the student's code is a
        claim), however the optimizer is named."""
        method_rules.require(sources, batchnorm_rules.rule(bn.name, self.grade_id))


class CheckSmoothnessConstant:
    grade_id = "check_smoothness_constant"

    def check_matches_reference(self, student, bn):
        rng = np.random.default_rng(13)
        for n, d, scales in ((50, 3, [1, 1, 1]), (80, 5, [0.1, 1, 10, 100, 3]), (200, 2, [1000, 0.01])):
            x = rng.normal(size=(n, d)) * np.asarray(scales, float) + rng.normal(size=d)
            got = student.smoothness_constant(bn.eigen_input(x))
            want = ref.smoothness_constant(x)
            assert isinstance(got, float), f"return a Python float, got {type(got).__name__}"
            assert got == pytest.approx(want, rel=1e-6), f"features of scales {scales}: got {got:.6g}, expected {want:.6g}"
