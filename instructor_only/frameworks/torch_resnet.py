"""PyTorch side of the residual-architectures adapter: how the checks build, run and read a student's layers.

`tensorflow_resnet` exposes the same names with the same meaning; the checks in `instructor_only.checks.resnet`
use nothing else. Arrays cross this interface as numpy float64, images always as NCHW (the TensorFlow adapter
transposes to and from NHWC), weights in the reference format of `instructor_only.references.resnet`.

Module attributes:
    name ("torch"), padding ("torch": the padding rule of `references.resnet.conv_padding`),
    convention ("torch": the BN convention of `references.batchnorm`), container ("nn.Module"),
    counter_kind ("buffer": what CountingDense.calls must be, in the framework's words),
    training_argument (False: PyTorch layers take their mode from train()/eval(), not from a call argument).

Functions:
    make_layer(cls, *args, input_shape=None, seed=0, **kwargs) -> layer
        Construct a student's (or reference) layer in float64, after seeding the framework's RNG. input_shape
        (NCHW, or (N, D)) lets a lazily-built framework create its weights; PyTorch ignores it.
    make_counting_dense(cls, in_features, units, seed=0) -> layer   (the constructors differ between frameworks)
    forward(layer, x, training) -> numpy
        Run the layer in training (batch statistics, BN state updated) or inference mode. x and the result are
        NCHW for 4-D tensors, (N, D) for 2-D ones. The result keeps the dtype the layer computed in if it is
        float32 or float64 (the checks' tolerances follow it), any other dtype comes back as float64.
    forward_default(layer, x) -> numpy
        TensorFlow: the layer's call without a `training` argument (the contract's training=None). PyTorch has no
        such call: raises NotImplementedError (the checks look at `training_argument` first).
    saved_names(layer) -> list of the names the layer saves (PyTorch: state_dict keys; Keras: its weights' paths).
    weights_before_build(cls, *args) -> None where layers create their weights in __init__ (PyTorch), else the
        paths of the weights a freshly constructed, never built layer already holds (Keras).
    stages_container(model) -> None if model.stages is the documented container, else what it is, in words.
    read_params(layer, kind, block=None) -> dict in the reference format; kind: "batch_norm" (a built-in BN layer),
        "basic", "bottleneck", "dense", "transition" or "resnet" (then `block` is "basic" or "bottleneck").
    randomize(layer, seed) -> None
        Redraw every conv/linear weight (and bias, if any) and every BN's gamma, beta and running statistics, so
        defaults (gamma 1, mean 0, variance 1) hide nothing.
    running_stats(layer) -> {bn path: (running_mean, running_var)} of every batch norm inside the layer.
    gradients(layer, x, upstream, training=True) -> {parameter path: numpy gradient or None}
        Gradients of sum(upstream * layer(x)) w.r.t. every trainable parameter; None where none reached.
    trainable_count(layer) -> int: trainable scalars.
    weights_summary(layer) -> {"trainable": {path: shape}, "non_trainable": {path: (shape, dtype name)}}
        (PyTorch: parameters vs buffers; Keras: trainable_weights vs non_trainable_weights)
    conv_info(obj) -> None if obj is not a 2-D convolution, else {"kernel": (kh, kw), "in_channels",
        "out_channels", "stride": (sh, sw), "has_bias"}.
    is_batch_norm(obj) -> bool (a built-in 2-D batch norm).
    bn_settings(obj) -> (momentum, eps) as the framework defines them.
    children_list(layer, attribute) -> list: a list-like attribute (ModuleList / Python list) as a list.
    stages(model) -> list of lists of blocks (model.stages).
    stage_output_shapes(model, x) -> NCHW shape after the last block of each stage (inference mode).
    train_steps(model, x, labels, steps, lr) -> per-step training losses of full-batch Adam with cross-entropy.
    counting_dense_state(layer) -> {"kernel", "bias", "calls"} as numpy.
    set_counting_dense(layer, kernel=None, bias=None) -> None.
The correct blocks the checks of ResNet patch in are trusted-side (`instructor_only/checks/parts/torch_resnet.py`).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

name = "torch"
padding = "torch"
layout = "NCHW"  # how shapes are shown to the student
convention = "torch"
container = "nn.Module"
counter_kind = "buffer"
training_argument = False

_BN_TYPES = (nn.BatchNorm2d,)


def tensor(a, dtype=torch.float64, requires_grad=False) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=dtype, requires_grad=requires_grad)


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64) if isinstance(t, torch.Tensor) else np.asarray(t, np.float64)


def _native(t) -> np.ndarray:
    """A result as numpy, float32 or float64 as computed (the checks' tolerance follows it), else float64."""
    if isinstance(t, torch.Tensor) and t.dtype in (torch.float32, torch.float64):
        return t.detach().cpu().numpy()
    return to_numpy(t)


# --- building and running -------------------------------------------------------------------------------------------

def make_layer(cls, *args, input_shape=None, seed=0, **kwargs):
    torch.manual_seed(seed)
    return cls(*args, **kwargs).double()


def make_counting_dense(cls, in_features: int, units: int, seed=0):
    torch.manual_seed(seed)
    return cls(in_features, units).double()


def forward(layer, x, training: bool) -> np.ndarray:
    layer.train(training)
    with torch.set_grad_enabled(training):
        return _native(layer(tensor(x)))


def gradient_consistency(layer, x, direction, upstream, step=1e-5) -> tuple[float, float]:
    """In inference mode, the derivative of sum(upstream * layer(x)) along `direction`: by autograd through the
    layer, and by central differences of its forward pass. A detached path (a shortcut, a concatenation) makes them
    differ."""
    layer.eval()
    xt = tensor(x, requires_grad=True)
    u, v = tensor(upstream), tensor(direction)
    (layer(xt) * u).sum().backward()
    autograd = float((xt.grad * v).sum())
    with torch.no_grad():
        ahead, behind = (float((layer(tensor(x) + s * v) * u).sum()) for s in (step, -step))
    return autograd, (ahead - behind) / (2 * step)


def restore_calls(layer, n: int) -> None:
    """Load a state whose counter is n, as restoring a checkpoint does."""
    layer.load_state_dict({**layer.state_dict(), "calls": torch.tensor(n, dtype=torch.int64)})


def forward_default(layer, x) -> np.ndarray:
    raise NotImplementedError("a PyTorch layer takes its mode from train()/eval(), not from a call argument")


def saved_names(layer) -> list[str]:
    return list(layer.state_dict().keys())


def weights_before_build(cls, *args):
    """None: a PyTorch layer creates its parameters and buffers in __init__ (there is no build step)."""
    return None


def stages_container(model) -> str | None:
    stages_ = model.stages
    if not isinstance(stages_, nn.ModuleList):
        return f"a {type(stages_).__name__}"
    kinds = sorted({type(stage).__name__ for stage in stages_ if not isinstance(stage, nn.Sequential)})
    return f"an nn.ModuleList holding {', '.join(kinds)}" if kinds else None


def gradients(layer, x, upstream, training: bool = True) -> dict:
    layer.train(training)
    layer.zero_grad(set_to_none=True)
    (layer(tensor(x)) * tensor(upstream)).sum().backward()
    return {path: (None if p.grad is None else to_numpy(p.grad))
            for path, p in layer.named_parameters() if p.requires_grad}


def trainable_count(layer) -> int:
    return sum(p.numel() for p in layer.parameters() if p.requires_grad)


def weights_summary(layer) -> dict:
    """PyTorch: "trainable" lists every nn.Parameter (model.parameters() hands them all to an optimizer, frozen or
    not), "non_trainable" every buffer."""
    return {"trainable": {n: tuple(p.shape) for n, p in layer.named_parameters()},
            "non_trainable": {n: (tuple(b.shape), str(b.dtype).replace("torch.", "")) for n, b in layer.named_buffers()}}


# --- describing layers ---------------------------------------------------------------------------------------------

def conv_info(obj) -> dict | None:
    if not isinstance(obj, nn.Conv2d):
        return None
    return {"kernel": tuple(obj.kernel_size), "in_channels": obj.in_channels, "out_channels": obj.out_channels,
            "stride": tuple(obj.stride), "has_bias": obj.bias is not None}


def is_batch_norm(obj) -> bool:
    return isinstance(obj, _BN_TYPES)


def bn_settings(obj) -> tuple[float, float]:
    return obj.momentum, obj.eps


def children_list(layer, attribute: str) -> list:
    return list(getattr(layer, attribute))


def stages(model) -> list[list]:
    return [list(stage) for stage in model.stages]


def stage_output_shapes(model, x) -> list[tuple[int, ...]]:
    shapes, handles = [], []
    for i, stage in enumerate(stages(model)):
        shapes.append(None)
        handles.append(stage[-1].register_forward_hook(
            lambda module, inputs, output, i=i: shapes.__setitem__(i, tuple(output.shape))))
    try:
        forward(model, x, training=False)
    finally:
        for handle in handles:
            handle.remove()
    return shapes


# --- weights in the reference format -------------------------------------------------------------------------------

def _conv(m) -> np.ndarray:
    return to_numpy(m.weight)


def _bn(m) -> dict:
    return {"gamma": to_numpy(m.weight), "beta": to_numpy(m.bias), "running_mean": to_numpy(m.running_mean),
            "running_var": to_numpy(m.running_var), "momentum": m.momentum, "eps": m.eps}


def _maybe(fn, m):
    return None if m is None else fn(m)


def read_params(layer, kind: str, block: str | None = None) -> dict:
    if kind == "batch_norm":
        return _bn(layer)
    if kind == "basic":
        return {"conv1": _conv(layer.conv1), "bn1": _bn(layer.bn1), "conv2": _conv(layer.conv2), "bn2": _bn(layer.bn2),
                "shortcut_conv": _maybe(_conv, layer.shortcut_conv), "shortcut_bn": _maybe(_bn, layer.shortcut_bn)}
    if kind == "bottleneck":
        params = {f"conv{i}": _conv(getattr(layer, f"conv{i}")) for i in (1, 2, 3)}
        params.update({f"bn{i}": _bn(getattr(layer, f"bn{i}")) for i in (1, 2, 3)})
        params.update(shortcut_conv=_maybe(_conv, layer.shortcut_conv), shortcut_bn=_maybe(_bn, layer.shortcut_bn))
        return params
    if kind == "dense":
        return {"norms": [_bn(m) for m in layer.norms], "convs": [_conv(m) for m in layer.convs]}
    if kind == "transition":
        return {"norm": _bn(layer.norm), "conv": _conv(layer.conv)}
    if kind == "resnet":
        return {"stem_conv": _conv(layer.stem_conv), "stem_bn": _bn(layer.stem_bn),
                "stages": [[read_params(b, block) for b in stage] for stage in stages(layer)],
                "classifier": {"kernel": to_numpy(layer.classifier.weight).T, "bias": to_numpy(layer.classifier.bias)}}
    raise ValueError(f"unknown kind {kind!r}")


def running_stats(layer) -> dict:
    return {path: (to_numpy(m.running_mean), to_numpy(m.running_var))
            for path, m in layer.named_modules() if is_batch_norm(m)}


def randomize(layer, seed: int) -> None:
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for m in layer.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(tensor(rng.normal(0.0, np.sqrt(2.0 / fan_in), tuple(m.weight.shape))))
                if m.bias is not None:
                    m.bias.copy_(tensor(rng.normal(0.0, 0.5, tuple(m.bias.shape))))
            elif is_batch_norm(m):
                c = m.num_features
                for t, value in ((m.weight, rng.uniform(0.5, 1.5, c)), (m.bias, rng.normal(0.0, 0.5, c)),
                                 (m.running_mean, rng.normal(0.0, 0.5, c)), (m.running_var, rng.uniform(0.5, 2.0, c))):
                    t.copy_(tensor(value))


# --- training ------------------------------------------------------------------------------------------------------

def train_steps(model, x, labels, steps: int, lr: float) -> list[float]:
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    x_t, y_t = tensor(x), torch.as_tensor(np.asarray(labels), dtype=torch.long)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x_t), y_t)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# --- CountingDense -------------------------------------------------------------------------------------------------

def counting_dense_state(layer) -> dict:
    return {"kernel": to_numpy(layer.kernel), "bias": to_numpy(layer.bias),
            "calls": np.asarray(layer.calls.detach().cpu().numpy()) if isinstance(layer.calls, torch.Tensor)
            else np.asarray(layer.calls)}


def set_counting_dense(layer, kernel=None, bias=None) -> None:
    with torch.no_grad():
        if kernel is not None:
            layer.kernel.copy_(tensor(kernel))
        if bias is not None:
            layer.bias.copy_(tensor(bias))
