"""Reference batch normalization, MLP forward pass, cross-entropy and least-squares smoothness (numpy, float64).

Conventions differ between frameworks and both are implemented here, selected by `convention`:

| convention | running-stat update                          | running variance | default momentum | default eps |
|------------|----------------------------------------------|------------------|------------------|-------------|
| "torch"    | new = (1 - momentum) * old + momentum * batch | unbiased (n - 1) | 0.1              | 1e-5        |
| "keras"    | new = momentum * old + (1 - momentum) * batch | biased (n)       | 0.99             | 1e-3        |

In both, the batch itself is normalised with the biased variance.
"""
from __future__ import annotations

import numpy as np

CONVENTIONS = {"torch": {"momentum": 0.1, "eps": 1e-5}, "keras": {"momentum": 0.99, "eps": 1e-3}}


def reduce_axes(ndim: int, channel_axis: int) -> tuple[int, ...]:
    """Axes batch norm averages over: all but the feature/channel axis."""
    channel_axis %= ndim
    return tuple(a for a in range(ndim) if a != channel_axis)


def _broadcast(v: np.ndarray, ndim: int, channel_axis: int) -> np.ndarray:
    shape = [1] * ndim
    shape[channel_axis % ndim] = -1
    return np.reshape(v, shape)


def batch_norm(x, gamma, beta, running_mean, running_var, training: bool, momentum: float, eps: float,
               convention: str, channel_axis: int):
    """Returns (y, new_running_mean, new_running_var). In inference the running statistics are returned unchanged."""
    x = np.asarray(x, dtype=np.float64)
    b = lambda v: _broadcast(np.asarray(v, dtype=np.float64), x.ndim, channel_axis)
    if training:
        axes = reduce_axes(x.ndim, channel_axis)
        n = x.size // x.shape[channel_axis]
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        if convention == "torch":
            new_mean = (1 - momentum) * running_mean + momentum * mean
            new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
        elif convention == "keras":
            new_mean = momentum * running_mean + (1 - momentum) * mean
            new_var = momentum * running_var + (1 - momentum) * var
        else:
            raise ValueError(f"convention must be one of {sorted(CONVENTIONS)}")
    else:
        mean, var = np.asarray(running_mean, np.float64), np.asarray(running_var, np.float64)
        new_mean, new_var = mean, var
    y = b(gamma) * (x - b(mean)) / np.sqrt(b(var) + eps) + b(beta)
    return y, np.asarray(new_mean, np.float64), np.asarray(new_var, np.float64)


def batch_norm_train_gradients(x, gamma, eps: float, upstream, channel_axis: int):
    """Gradients of sum(upstream * y) w.r.t. x, gamma and beta for training-mode batch norm (batch statistics)."""
    x = np.asarray(x, np.float64)
    g = np.asarray(upstream, np.float64)
    axes = reduce_axes(x.ndim, channel_axis)
    b = lambda v: _broadcast(v, x.ndim, channel_axis)
    n = x.size // x.shape[channel_axis]
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    x_hat = (x - b(mean)) / np.sqrt(b(var) + eps)
    d_beta = g.sum(axis=axes)
    d_gamma = (g * x_hat).sum(axis=axes)
    d_xhat = g * b(np.asarray(gamma, np.float64))
    d_x = (n * d_xhat - b(d_xhat.sum(axis=axes)) - x_hat * b((d_xhat * x_hat).sum(axis=axes))) / (n * np.sqrt(b(var) + eps))
    return {"x": d_x, "gamma": d_gamma, "beta": d_beta}


def mlp_forward(x, hidden: list[tuple[np.ndarray, np.ndarray]], output: tuple[np.ndarray, np.ndarray],
                norms: list[dict] | None, activation: str, training: bool, convention: str):
    """input -> [Linear -> BN (optional) -> activation] x depth -> Linear.

    Linear layers are (W, b) with y = x @ W + b (W of shape (in, out)). norms: per hidden layer, a dict with gamma,
    beta, running_mean, running_var, momentum, eps (None: no batch norm).
    """
    act = {"relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z))}[activation]
    h = np.asarray(x, np.float64)
    for i, (w, bias) in enumerate(hidden):
        h = h @ w + bias
        if norms is not None:
            p = norms[i]
            h, _, _ = batch_norm(h, p["gamma"], p["beta"], p["running_mean"], p["running_var"], training,
                                 p["momentum"], p["eps"], convention, channel_axis=-1)
        h = act(h)
    w, bias = output
    return h @ w + bias


def cross_entropy(logits, labels) -> float:
    """Mean over the batch of -log softmax(logits)[label], computed stably (log-sum-exp)."""
    z = np.asarray(logits, np.float64)
    labels = np.asarray(labels)
    shifted = z - z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def smoothness_constant(features) -> float:
    """Largest eigenvalue of the Hessian X^T X / n of the least-squares loss (1 / 2n) ||X w - y||^2."""
    x = np.asarray(features, np.float64)
    return float(np.linalg.eigvalsh(x.T @ x / len(x))[-1])
