"""Reference answers for the warm-up: convolution/pooling arithmetic and tensor layouts (numpy, NCHW)."""
from __future__ import annotations

import numpy as np


def conv_output_size(n: int, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> int:
    """Length of one spatial axis after a convolution or pooling window slides over it."""
    effective_kernel = dilation * (kernel - 1) + 1
    return (n + 2 * padding - effective_kernel) // stride + 1


def as_pair(kernel_size) -> tuple[int, int]:
    """`3` -> (3, 3); `(3, 5)` -> (3, 5)."""
    if isinstance(kernel_size, (tuple, list)):
        kh, kw = kernel_size
        return int(kh), int(kw)
    return int(kernel_size), int(kernel_size)


def conv_parameter_count(in_channels: int, out_channels: int, kernel_size, bias: bool = True) -> int:
    """Trainable scalars of a 2-D convolution: one kh x kw x in_channels filter per output channel, plus biases."""
    kh, kw = as_pair(kernel_size)
    return out_channels * in_channels * kh * kw + (out_channels if bias else 0)


def pool2d(x_nchw: np.ndarray, kind: str, size: int = 2, stride: int = 2) -> np.ndarray:
    """Max or average pooling without padding (partial windows at the border are dropped), NCHW."""
    if kind not in ("max", "avg"):
        raise ValueError(f"kind must be 'max' or 'avg', got {kind!r}")
    n, c, h, w = x_nchw.shape
    out_h = conv_output_size(h, size, 0, stride)
    out_w = conv_output_size(w, size, 0, stride)
    out = np.empty((n, c, out_h, out_w), dtype=np.float64)
    reduce = np.max if kind == "max" else np.mean
    for i in range(out_h):
        for j in range(out_w):
            window = x_nchw[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            out[:, :, i, j] = reduce(window, axis=(2, 3))
    return out


def shift_sensitivity(x_nchw: np.ndarray, kind: str) -> float:
    """How much 2x2/stride-2 pooled features change when the input moves one pixel to the right.

    The shift is a circular roll along the width axis. Returns mean |pool(x) - pool(shift(x))| / mean |pool(x)|.
    """
    x = np.asarray(x_nchw, dtype=np.float64)
    pooled = pool2d(x, kind)
    pooled_shifted = pool2d(np.roll(x, 1, axis=3), kind)
    return float(np.mean(np.abs(pooled - pooled_shifted)) / np.mean(np.abs(pooled)))


def nchw_to_nhwc(x: np.ndarray) -> np.ndarray:
    return np.transpose(x, (0, 2, 3, 1))


def nhwc_to_nchw(x: np.ndarray) -> np.ndarray:
    return np.transpose(x, (0, 3, 1, 2))
