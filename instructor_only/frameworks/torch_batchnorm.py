"""PyTorch side of the batch-norm lab adapter: how checks call a student's BN function, layer, MLP and SGD."""
from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

name = "torch"
convention = "torch"
channel_axis = 1
shuffle_rule = "torch.randperm(30, generator=generator)"
training_mode_rule = "call model.train() at its start"
momentum, eps = 0.1, 1e-5
DEFAULT_TRAINING = True  # a new module is in training mode (nn.Module's default)
default_call = "without train() or eval() (a new nn.Module is in training mode)"


# The framework's own answers, from plain data on layers the checks build themselves: computed on the trusted side
# (checks/remote.py), out of reach of a kernel that patched its framework.
TRUSTED = ("builtin_layer", "builtin_forward", "set_builtin_state")


def layout_shape(n: int, channels: int, spatial: tuple[int, int] | None = None) -> tuple[int, ...]:
    return (n, channels) if spatial is None else (n, channels, *spatial)


def tensor(a, dtype=torch.float64, requires_grad=False) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=dtype, requires_grad=requires_grad)


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64) if isinstance(t, torch.Tensor) else np.asarray(t, np.float64)


@contextlib.contextmanager
def forbid_builtin_batch_norm():
    """Make the framework's own batch norm raise while a student's from-scratch code runs."""
    def refuse(*args, **kwargs):
        raise AssertionError("batch_norm must be written from scratch: it called PyTorch's built-in batch norm")
    saved = (F.batch_norm, torch.batch_norm)
    F.batch_norm = torch.batch_norm = refuse
    try:
        yield
    finally:
        F.batch_norm, torch.batch_norm = saved


def call_batch_norm(fn, x, gamma, beta, rm, rv, training, momentum, eps, dtype="float64"):
    """Call the student's function on numpy inputs; returns numpy (y, new_rm, new_rv) and whether inputs changed."""
    dt = {"float64": torch.float64, "float32": torch.float32}[dtype]
    args = [tensor(a, dt) for a in (x, gamma, beta, rm, rv)]
    before = [a.clone() for a in args]
    defaults = {} if momentum is None else {"momentum": momentum, "eps": eps}  # None: the student's defaults
    with forbid_builtin_batch_norm():
        out = fn(*args, training=training, **defaults)
    assert isinstance(out, tuple) and len(out) == 3, "batch_norm must return a tuple (y, running_mean, running_var)"
    changed = [n for n, a, b in zip(("x", "gamma", "beta", "running_mean", "running_var"), args, before)
               if not torch.equal(a, b)]
    return tuple(to_numpy(t) for t in out), changed


def batch_norm_gradients(fn, x, gamma, beta, rm, rv, momentum, eps, upstream) -> dict:
    """Gradients of sum(upstream * y) w.r.t. x, gamma and beta in training mode (None where none reached)."""
    xt, gt, bt = (tensor(a, requires_grad=True) for a in (x, gamma, beta))
    y, _, _ = fn(xt, gt, bt, tensor(rm), tensor(rv), training=True, momentum=momentum, eps=eps)
    (y * tensor(upstream)).sum().backward()
    return {k: (None if t.grad is None else to_numpy(t.grad)) for k, t in (("x", xt), ("gamma", gt), ("beta", bt))}


def returned_stats_have_history(fn, x, gamma, beta, rm, rv, momentum, eps) -> bool:
    xt, gt, bt = (tensor(a, requires_grad=True) for a in (x, gamma, beta))
    _, new_rm, new_rv = fn(xt, gt, bt, tensor(rm), tensor(rv), training=True, momentum=momentum, eps=eps)
    return any(t.requires_grad or t.grad_fn is not None for t in (new_rm, new_rv))


# --- the BatchNorm layer -------------------------------------------------------------------------------------------

LAYER_TRAINABLE = ("gamma", "beta")
LAYER_STATS = ("running_mean", "running_var")


def make_layer(cls, num_features: int, ndim: int, **hyperparameters):
    """cls(num_features, **hyperparameters) in float64 (hyperparameters: momentum, eps; none = the defaults)."""
    return cls(num_features, **hyperparameters).double()


def saved_state_names(layer) -> list[str]:
    """What saving the layer keeps (its state_dict), by name."""
    return sorted(layer.state_dict())


def layer_weights(layer) -> dict:
    """{'trainable': {name: shape}, 'non_trainable': {name: shape}}: parameters vs buffers."""
    return {"trainable": {n: tuple(p.shape) for n, p in layer.named_parameters() if p.requires_grad},
            "non_trainable": {n: tuple(b.shape) for n, b in layer.named_buffers()}}


def layer_state(layer) -> dict:
    return {"gamma": to_numpy(layer.gamma), "beta": to_numpy(layer.beta),
            "running_mean": to_numpy(layer.running_mean), "running_var": to_numpy(layer.running_var)}


def set_layer_state(layer, **values) -> None:
    with torch.no_grad():
        for key, value in values.items():
            getattr(layer, key).copy_(tensor(value))


def layer_forward(layer, x, training: bool) -> np.ndarray:
    layer.train(training)
    return to_numpy(layer(tensor(x)))


def layer_forward_default(layer, x) -> np.ndarray:
    """The layer called as it is, in the mode it was made with."""
    return to_numpy(layer(tensor(x)))


def weights_before_build(cls) -> None:
    """PyTorch modules create their parameters in __init__: nothing to check."""
    return None


def layer_gradients(layer, x, upstream) -> dict:
    layer.train(True)
    layer.zero_grad()
    (layer(tensor(x)) * tensor(upstream)).sum().backward()
    return {k: (None if getattr(layer, k).grad is None else to_numpy(getattr(layer, k).grad)) for k in ("gamma", "beta")}


def builtin_layer(num_features: int, ndim: int, momentum: float, eps: float):
    cls = nn.BatchNorm1d if ndim == 2 else nn.BatchNorm2d
    return cls(num_features, momentum=momentum, eps=eps, dtype=torch.float64)


def builtin_forward(layer, x, training: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    layer.train(training)
    y = layer(tensor(x))
    return to_numpy(y), to_numpy(layer.running_mean), to_numpy(layer.running_var)


def set_builtin_state(layer, gamma, beta, running_mean, running_var) -> None:
    with torch.no_grad():
        for t, v in ((layer.weight, gamma), (layer.bias, beta), (layer.running_mean, running_mean),
                     (layer.running_var, running_var)):
            t.copy_(tensor(v))


# --- the MLP ---------------------------------------------------------------------------------------------------------

def make_mlp(cls, in_features, hidden, depth, num_classes, batch_norm, activation, seed=0):
    torch.manual_seed(seed)
    model = cls(in_features, hidden, depth, num_classes, batch_norm=batch_norm, activation=activation).double()
    if batch_norm:  # non-trivial BN state, so that train and eval outputs differ
        rng = np.random.default_rng(seed)
        with torch.no_grad():
            for bn in model.norms:
                bn.eps, bn.momentum = 0.01, 0.3  # not the defaults: the forward pass must use the layer as it is
                bn.weight.copy_(tensor(rng.uniform(0.5, 1.5, hidden)))
                bn.bias.copy_(tensor(rng.normal(0, 0.3, hidden)))
                bn.running_mean.copy_(tensor(rng.normal(0, 0.5, hidden)))
                bn.running_var.copy_(tensor(rng.uniform(0.5, 2.0, hidden)))
    return model


def mlp_parameters(model) -> dict:
    """The model's own weights in the numpy reference's format (W as (in, out))."""
    linear = lambda l: (to_numpy(l.weight).T, to_numpy(l.bias))
    norms = None
    if model.norms is not None:
        norms = [{"gamma": to_numpy(bn.weight), "beta": to_numpy(bn.bias), "running_mean": to_numpy(bn.running_mean),
                  "running_var": to_numpy(bn.running_var), "momentum": bn.momentum, "eps": bn.eps} for bn in model.norms]
    return {"hidden": [linear(l) for l in model.hidden_layers], "output": linear(model.output_layer),
            "norms": norms, "activation": model.activation_name}


def mlp_call(fn, model, x, training: bool) -> np.ndarray:
    model.train(training)
    return to_numpy(fn(model, tensor(x)))


def mlp_parameters_without_gradient(fn, model, x) -> list[str]:
    """The model's trainable parameters that no gradient of the logits (training mode) reaches, by name."""
    model.train(True)
    model.zero_grad()
    fn(model, tensor(x)).sum().backward()
    # (None only: a bias right before a training-mode batch norm gets an exactly-zero gradient, the norm removes it)
    missing = [name for name, p in model.named_parameters() if p.requires_grad and p.grad is None]
    model.zero_grad()
    return missing


def cross_entropy_gradient(fn, logits, labels) -> np.ndarray:
    z = tensor(logits, requires_grad=True)
    fn(z, torch.as_tensor(np.asarray(labels), dtype=torch.long)).backward()
    return to_numpy(z.grad)


def layer_output_dtype(cls, num_features: int) -> str:
    """The dtype of a default-made layer's output on a float32 batch (training mode)."""
    layer = cls(num_features)
    layer.train(True)
    return str(layer(torch.ones(4, num_features) * torch.arange(4.0)[:, None]).dtype).removeprefix("torch.")


def mlp_output_requires_grad(fn, model, x) -> bool:
    model.train(True)
    return fn(model, tensor(x)).requires_grad


# --- cross-entropy and SGD ------------------------------------------------------------------------------------------

def call_cross_entropy(fn, logits, labels, dtype="float64"):
    """Returns (value as float, is a differentiable scalar tensor)."""
    z = tensor(logits, {"float64": torch.float64, "float32": torch.float32}[dtype], requires_grad=True)
    out = fn(z, torch.as_tensor(np.asarray(labels), dtype=torch.long))
    ok = isinstance(out, torch.Tensor) and out.ndim == 0 and out.requires_grad
    return float(to_numpy(out)), ok


def make_reference_model(in_features, hidden, num_classes, batch_norm, seed=0, dtype="float64", built=True):
    """Linear -> [BatchNorm1d] -> ReLU -> Linear from PyTorch's own layers, in float64 (or float32). (`built`:
    PyTorch modules are built when made.)"""
    torch.manual_seed(seed)
    layers = [nn.Linear(in_features, hidden)] + ([nn.BatchNorm1d(hidden)] if batch_norm else [])
    model = nn.Sequential(*layers, nn.ReLU(), nn.Linear(hidden, num_classes))
    return model.double() if dtype == "float64" else model


BUILDS_ON_FIRST_CALL = False  # no model of PyTorch's creates its parameters on its first call (lazy modules aside)


def freeze_first_layer(model) -> None:
    model[0].requires_grad_(False)


def call_sgd_epoch(fn, model, x, y, lr: float, batch_size: int, seed: int = 0, epochs: int = 1, dtype="float64"):
    """`epochs` calls of the student's sgd_epoch with ONE generator (seeded with `seed`); the last call's result."""
    generator = torch.Generator().manual_seed(seed)
    x_t = tensor(x, {"float64": torch.float64, "float32": torch.float32}[dtype])
    y_t = torch.as_tensor(np.asarray(y), dtype=torch.long)
    for _ in range(epochs):
        result = fn(model, x_t, y_t, lr, batch_size, generator, F.cross_entropy)
    return result


def set_eval_mode(model) -> None:
    model.eval()


def flat_parameters(model) -> np.ndarray:
    return np.concatenate([to_numpy(p).ravel() for p in model.parameters()])


def running_stats(model) -> np.ndarray:
    return np.concatenate([to_numpy(b).ravel() for n, b in model.named_buffers() if "running" in n])


def count_forward_calls(model):
    """Count the forward calls of `model`; the function returned stops counting and answers each call's mode
    (True: training) in a list."""
    calls = []
    handle = model.register_forward_hook(lambda *_: calls.append(model.training))

    def stop() -> list[bool]:
        handle.remove()
        return list(calls)

    return stop


def eigen_input(a, dtype="float64"):
    return tensor(a, {"float64": torch.float64, "float32": torch.float32}[dtype])
