"""Assertions the residual-architectures checks share: comparisons with the reference and structural checks of a
student's layers, each failing with a message a student can act on. `rn` is the framework adapter
(`instructor_only.frameworks.<framework>_resnet`)."""
from __future__ import annotations

import numpy as np
import pytest

from instructor_only.references import batchnorm as bn_ref
from instructor_only.references import resnet as ref

# Tolerances follow the dtype the student's layer computed in (the dtype of its output, which the adapters keep).
# float64, what the adapters build every layer in: the reference agrees to ~1e-12 (a few hundred multiply-adds per
# value, a few batch norms), so 1e-7 relative and 1e-9 absolute leave a wide margin yet are far below any bug's
# effect (O(0.1)).
F64 = dict(rtol=1e-7, atol=1e-9)
# float32, which the contract allows (the docstrings fix no dtype: e.g. a Keras layer given dtype="float32", as the
# mixed-precision guide advises for the output layer, computes in float32 inside a float64 model): the inputs are
# rounded to float32 (relative 6e-8), each value then accumulates ~1e-7 relative per multiply-add chain and per
# normalization by a batch standard deviation, ~1e-6 for these small models; 1e-4 relative and 1e-5 absolute keep a
# factor 10-100 of margin and stay far below any bug's effect (O(0.1)).
F32 = dict(rtol=1e-4, atol=1e-5)
MISSING = object()


def tolerance_for(got) -> dict:
    """F64 for a float64 result, else F32 (see above)."""
    return F64 if np.asarray(got).dtype == np.float64 else F32


def close(got, want, what, tol=None, layout="NCHW"):
    """got == want within tol (default: by the dtype of got, `tolerance_for`); shapes and indices in messages are
    written in `layout` (the arrays are NCHW)."""
    tol = tolerance_for(got) if tol is None else tol
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    shown = lambda shape: _in(layout, shape)  # noqa: E731
    assert got.shape == want.shape, f"{what}: shape {shown(got.shape)}, expected {shown(want.shape)} ({layout})"
    if not np.allclose(got, want, **tol):
        i = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
        raise AssertionError(f"{what}: differs from the reference, e.g. at index {shown(tuple(int(k) for k in i))}"
                             f"{f' ({layout})' if len(i) == 4 else ''}: got {got[i]:.6g}, expected {want[i]:.6g}")


def mode_name(training: bool) -> str:
    return "training" if training else "inference"


def require_attr(layer, name: str, owner: str):
    value = getattr(layer, name, MISSING)
    assert value is not MISSING, f"{owner} has no attribute `{name}` (the exercise names the sub-layers the checks use)"
    return value


def assert_conv(rn, conv, what, kernel, in_channels, out_channels, stride=1):
    info = rn.conv_info(conv)
    assert info is not None, f"{what} should be a 2-D convolution layer, found {type(conv).__name__}"
    assert info["kernel"] == (kernel, kernel), f"{what} should be a {kernel}x{kernel} convolution, found {info['kernel']}"
    assert (info["in_channels"], info["out_channels"]) == (in_channels, out_channels), (
        f"{what} should map {in_channels} -> {out_channels} channels, found "
        f"{info['in_channels']} -> {info['out_channels']}")
    assert info["stride"] == (stride, stride), f"{what} should have stride {stride}, found {info['stride'][0]}"
    assert not info["has_bias"], (
        f"{what} has a bias; a convolution followed by batch norm needs none (BN subtracts the mean, and its beta is "
        f"the shift): create it with bias=False (PyTorch) / use_bias=False (Keras)")


def assert_bn(rn, norm, what, channels):
    assert rn.is_batch_norm(norm), f"{what} should be the framework's batch-norm layer, found {type(norm).__name__}"
    gamma = rn.read_params(norm, "batch_norm")["gamma"]
    assert gamma.shape == (channels,), f"{what} should normalize {channels} channels, found {gamma.shape[0]}"
    defaults = bn_ref.CONVENTIONS[rn.convention]
    assert rn.bn_settings(norm) == pytest.approx((defaults["momentum"], defaults["eps"])), (
        f"{what} should use the framework's default momentum and eps {tuple(defaults.values())}, "
        f"found {rn.bn_settings(norm)}")


def assert_shortcut(rn, layer, owner, in_c, out_c, stride):
    conv, norm = require_attr(layer, "shortcut_conv", owner), require_attr(layer, "shortcut_bn", owner)
    if ref.needs_projection(in_c, out_c, stride):
        assert conv is not None and norm is not None, (
            f"{owner}({in_c}, {out_c}, stride={stride}): x cannot be added to the output as it is (the "
            f"{'size' if stride != 1 else 'channel count'} changes), so the shortcut must be a 1x1 convolution with "
            f"stride {stride} followed by batch norm; found shortcut_conv={conv!r}, shortcut_bn={norm!r}")
        assert_conv(rn, conv, f"{owner}({in_c}, {out_c}, stride={stride}).shortcut_conv", 1, in_c, out_c, stride)
        assert_bn(rn, norm, f"{owner}({in_c}, {out_c}, stride={stride}).shortcut_bn", out_c)
    else:
        assert conv is None and norm is None, (
            f"{owner}({in_c}, {out_c}, stride=1): with stride 1 and unchanged channels the shortcut is the identity; "
            f"shortcut_conv and shortcut_bn should be None")


def assert_block_structure(rn, layer, kind, in_c, out_c, stride, name=None):
    owner = {"basic": "BasicBlock", "bottleneck": "Bottleneck"}[kind]
    name = name or f"{owner}({in_c}, {out_c}, stride={stride})"
    if kind == "basic":
        convs = [("conv1", 3, in_c, out_c, stride), ("conv2", 3, out_c, out_c, 1)]
    else:
        width = out_c // ref.EXPANSION
        convs = [("conv1", 1, in_c, width, 1), ("conv2", 3, width, width, stride), ("conv3", 1, width, out_c, 1)]
    for i, (conv_name, k, a, b, s) in enumerate(convs, start=1):
        assert_conv(rn, require_attr(layer, conv_name, owner), f"{name}.{conv_name}", k, a, b, s)
        assert_bn(rn, require_attr(layer, f"bn{i}", owner), f"{name}.bn{i}", b)
    assert_shortcut(rn, layer, owner, in_c, out_c, stride)


def assert_redrawn(params, what, path=""):
    """The weights the kernel reports after `rn.randomize` look redrawn: the reference is only a test of the student's
    computation if they are not degenerate (with zero weights, BN statistics 0 and 1, any block's answer is trivial).
    Bounds are those `randomize` draws from: BN gamma in [0.5, 1.5], variance in [0.5, 2]; weights spread out."""
    if params is None:
        return
    if isinstance(params, (list, tuple)):
        for i, value in enumerate(params):
            assert_redrawn(value, what, f"{path}[{i}]")
    elif isinstance(params, dict) and "gamma" in params:
        gamma, var = np.asarray(params["gamma"], float), np.asarray(params["running_var"], float)
        ok = (np.all((gamma >= 0.5) & (gamma <= 1.5)) and np.all((var >= 0.5) & (var <= 2.0))
              and (gamma.size < 4 or np.std(gamma) > 1e-3))
        assert ok, f"{what}: the batch norm at {path or 'the top'} does not hold the values the check just set"
    elif isinstance(params, dict):
        for key, value in params.items():
            assert_redrawn(value, what, f"{path}.{key}" if path else key)
    else:
        weights = np.asarray(params, float)
        if weights.ndim >= 2 and weights.size >= 4:
            assert np.std(weights) > 0.01 and np.mean(weights == 0) < 0.1, (
                f"{what}: the weights at {path} do not hold the values the check just set")


def assert_state_matches(want_state, after_params, what):
    """Running statistics the reference computed vs those now stored in the student's layer."""
    if isinstance(want_state, list):
        for i, (w, a) in enumerate(zip(want_state, after_params)):
            assert_state_matches(w, a, f"{what}[{i}]")
    elif "running_mean" in want_state:
        for key in ("running_mean", "running_var"):
            close(after_params[key], want_state[key], f"{what}.{key} stored after the call")
    else:
        for key, value in want_state.items():
            assert_state_matches(value, after_params[key], f"{what}.{key}" if what else key)


def assert_stats_move_only_in_training(rn, layer, x, what):
    before = rn.running_stats(layer)
    assert before, f"{what}: found no batch-norm layers"
    rn.forward(layer, x, training=False)
    after = rn.running_stats(layer)
    for path, (mean, var) in before.items():
        assert np.array_equal(mean, after[path][0]) and np.array_equal(var, after[path][1]), (
            f"{what}: the running statistics of {path} changed in inference mode; they must stay fixed there "
            f"(pass the mode on to every batch norm)")
    rn.forward(layer, x, training=True)
    moved = rn.running_stats(layer)
    for path, (mean, var) in before.items():
        assert not np.allclose(mean, moved[path][0]) and not np.allclose(var, moved[path][1]), (
            f"{what}: the running statistics of {path} did not move in training mode; is that batch norm used in "
            f"the forward pass, in training mode?")


def assert_default_call_is_inference(rn, layer, x, what):
    """Keras: call(x) without `training` (the contract's training=None) must run in inference: the output of
    call(x, training=False), and no batch-norm statistic moves."""
    rn.randomize(layer, 63)
    before = rn.running_stats(layer)
    y = rn.forward_default(layer, x)
    after = rn.running_stats(layer)
    moved = [path for path, (mean, var) in before.items()
             if not (np.array_equal(mean, after[path][0]) and np.array_equal(var, after[path][1]))]
    assert not moved, (
        f"{what}: called without `training` (training=None, which means inference) it moved the statistics of "
        f"{moved[:3]}; declare call(self, x, training=None) and pass training=training on to every batch norm")
    close(y, rn.forward(layer, x, training=False), f"{what}: the output of call(x) without `training` should be the "
                                                   f"inference output (training=None means inference)", layout=rn.layout)


def assert_gradient_matches_the_forward_pass(rn, layer, x, what, seed=64):
    """The framework's gradient with respect to the input, along a random direction, against central differences
    of the layer's own forward pass (inference mode, float64: they agree to ~1e-9 relative; 1e-5 leaves room for
    the rare ReLU kink near a step). A path cut from the gradient (a detached shortcut or concatenation) differs
    by the size of that path's contribution."""
    rng = np.random.default_rng(seed)
    direction, upstream = rng.normal(size=x.shape), rng.normal(size=rn.forward(layer, x, training=False).shape)
    autograd, differences = rn.gradient_consistency(layer, x, direction, upstream)
    assert abs(autograd - differences) <= 1e-5 * max(1.0, abs(differences)), (
        f"{what}: the gradient with respect to the input disagrees with the forward pass (along a random direction: "
        f"{autograd:.6g} by {rn.name}'s gradient, {differences:.6g} by finite differences); a path of the block is "
        f"cut from the gradient (detach / stop_gradient), so it cannot learn through it")


def assert_gradients_reach_all(rn, layer, x, what):
    y = rn.forward(layer, x, training=True)
    upstream = np.random.default_rng(99).normal(size=y.shape)
    grads = rn.gradients(layer, x, upstream)
    assert grads, f"{what} has no trainable parameters"
    for path, grad in grads.items():
        assert grad is not None, f"{what}: no gradient reaches `{path}`; is that layer used in the forward pass?"
        assert np.any(grad != 0), f"{what}: the gradient w.r.t. `{path}` is zero everywhere; is that layer used?"


def images(shape, seed):
    return np.random.default_rng(seed).normal(0.5, 1.5, size=shape)


def leaf_name(path: str) -> str:
    return path.replace("/", ".").split(".")[-1].split(":")[0]


def in_layout(rn, shape) -> tuple:
    """An NCHW shape as the student's framework writes it: (N, H, W, C) for TensorFlow."""
    return _in(rn.layout, shape)


def _in(layout: str, shape) -> tuple:
    shape = tuple(shape)
    return (shape[0], *shape[2:], shape[1]) if layout == "NHWC" and len(shape) == 4 else shape
