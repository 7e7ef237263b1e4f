"""PyTorch side of the adapter interface (layout NCHW)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

name = "torch"
layout = "NCHW"

# Pure functions of plain data (expected values): the trusted side computes them itself (checks/remote.py).
TRUSTED = ("conv_output_length", "conv_weight_shape")


def is_tensor(x) -> bool:
    return isinstance(x, torch.Tensor)


def from_numpy(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def from_nchw(a: np.ndarray) -> torch.Tensor:
    """An NCHW numpy array as a tensor in this framework's layout."""
    return from_numpy(a)


def conv_output_length(n: int, kernel: int, padding: int, stride: int, dilation: int) -> int | None:
    """Width of the real nn.Conv2d output for an n x n input (None if the framework rejects the configuration)."""
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation, bias=False)
    with torch.no_grad():
        return int(conv(torch.zeros(1, 1, n, n)).shape[-1])


def conv_weight_shape(in_channels: int, out_channels: int, kh: int, kw: int) -> tuple[int, ...]:
    return (out_channels, in_channels, kh, kw)


def describe_conv(layer) -> dict:
    """What a check needs to know about a student's conv layer, or {'is_conv': False}."""
    if not isinstance(layer, nn.Conv2d):
        return {"is_conv": False, "type": type(layer).__name__}
    return {"is_conv": True, "weight_shape": tuple(layer.weight.shape), "has_bias": layer.bias is not None}


def conv_output_maps(layer, in_channels: int, height: int, width: int) -> dict:
    """{'size': (h, w)} of the layer's output on an NCHW batch of zeros, or {'error': what it raised}."""
    try:
        with torch.no_grad():
            return {"size": tuple(int(d) for d in layer(torch.zeros(1, in_channels, height, width)).shape[-2:])}
    except Exception as error:  # noqa: BLE001 -- the student's layer: reported by the check
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}


def special_tensor(a: np.ndarray, kind: str) -> torch.Tensor:
    """`a` as a bfloat16 tensor, or as a non-contiguous view (the transpose of a tensor holding H and W swapped,
    whose last two axes cannot be merged by .view)."""
    if kind == "bfloat16":
        return torch.from_numpy(a).to(torch.bfloat16)
    return torch.from_numpy(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)


def dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.")


def as_float32(t) -> np.ndarray:
    return t.detach().float().numpy()


def trainable_parameter_count(layer) -> int:
    return sum(p.numel() for p in layer.parameters() if p.requires_grad)


class OwnAndChildren(nn.Module):
    """A module with parameters of its own (one frozen), a buffer and children, one of them nested."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))
        self.temperature = nn.Parameter(torch.tensor(1.0))  # 0-d: one scalar
        self.offset = nn.Parameter(torch.zeros(3), requires_grad=False)
        self.register_buffer("steps", torch.zeros(()))
        self.inner = nn.Linear(3, 2)
        self.head = nn.Sequential(nn.Sequential(nn.Linear(2, 2, bias=False)), nn.ReLU())


def sample_layers() -> list[tuple[str, object]]:
    """Layers with and without biases, non-trainable state (BN buffers), frozen parameters (whole layers and a single
    weight), a module with parameters of its own and children, a layer used twice, and nothing trainable at all."""
    frozen = nn.Linear(4, 3)
    frozen.requires_grad_(False)
    half_frozen = nn.Linear(6, 4)
    half_frozen.weight.requires_grad_(False)
    shared = nn.Linear(3, 3)
    tied = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    tied[1].weight = tied[0].weight
    return [
        ("nn.Linear(6, 4) with its weight frozen and its bias trainable", half_frozen),
        ("nn.Sequential(Linear(4, 4), Linear(4, 4)) whose two layers share one weight (tied: it counts once)", tied),
        ("a module with parameters of its own (scale, a 0-d temperature, a frozen offset), a buffer and nested children "
         "(Linear(3, 2), Sequential(Sequential(Linear(2, 2, bias=False)), ReLU))", OwnAndChildren()),
        ("nn.Sequential(shared, nn.ReLU(), shared) with the same nn.Linear(3, 3) twice (its parameters count once)",
         nn.Sequential(shared, nn.ReLU(), shared)),
        ("nn.ReLU() (nothing trainable)", nn.ReLU()),
        ("nn.Sequential(nn.Linear(2, 2).requires_grad_(False), nn.Tanh()) (nothing trainable)",
         nn.Sequential(nn.Linear(2, 2).requires_grad_(False), nn.Tanh())),
        ("nn.Linear(7, 5)", nn.Linear(7, 5)),
        ("nn.Conv2d(3, 8, 5, bias=False)", nn.Conv2d(3, 8, 5, bias=False)),
        ("nn.BatchNorm2d(6) (its running mean/var are buffers, not parameters)", nn.BatchNorm2d(6)),
        ("nn.Sequential(Conv2d, BatchNorm2d, ReLU, Flatten, Linear)",
         nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))),
        ("nn.Sequential(frozen Linear(4, 3), Linear(3, 2)) (frozen: requires_grad=False)",
         nn.Sequential(frozen, nn.Linear(3, 2))),
        ("a frozen nn.Linear(5, 2) on its own (requires_grad=False)", nn.Linear(5, 2).requires_grad_(False)),
    ]
