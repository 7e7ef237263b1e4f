"""Reference residual and dense architectures (numpy, float64, NCHW), and their parameter and cost formulas.

Weights are plain numpy arrays in one framework-neutral format; the adapters (`instructor_only.frameworks.
<framework>_resnet.read_params`) convert a student's layer into it:

- a convolution weight is (out_channels, in_channels, kh, kw) ("OIHW", PyTorch's order); convs have no bias here;
- a batch norm is a dict with gamma, beta, running_mean, running_var (each (C,)), momentum and eps, in the
  framework's own convention (see `references.batchnorm`: "torch" or "keras");
- a linear layer is a dict with kernel (in_features, out_features) and bias (out_features,): y = x @ kernel + bias.

Blocks (dicts, keys as the contract's attribute names):
- basic:      conv1, bn1, conv2, bn2, shortcut_conv, shortcut_bn (the last two None for the identity shortcut);
- bottleneck: conv1, bn1, conv2, bn2, conv3, bn3, shortcut_conv, shortcut_bn;
- dense:      norms (list of BN dicts), convs (list of weights);
- transition: norm, conv;
- resnet:     stem_conv, stem_bn, stages (list of lists of block dicts), classifier (linear dict).

Every block function returns (output, state): state holds each BN's updated running statistics, keyed like the
block's dict ({"bn1": {"running_mean": ..., "running_var": ...}, ...}; lists for dense blocks and ResNet stages).
In inference the running statistics come back unchanged.

Padding: the frameworks pad differently and the reference follows the framework (`padding` argument):
- "torch": `kernel // 2` zeros on every side (nn.Conv2d(..., padding=1) for 3x3 kernels, 0 for 1x1);
- "same":  TensorFlow/Keras padding="same": along an axis of length n, out = ceil(n / stride),
  total = max((out - 1) * stride + kernel - n, 0), before = total // 2, after = total - before. With stride 2 on an
  even size a 3x3 kernel is padded (0, 1), not (1, 1): the two frameworks' outputs genuinely differ.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from instructor_only.references.batchnorm import batch_norm

PADDING_RULES = ("torch", "same")
EXPANSION = 4  # a bottleneck's inner width is out_channels // EXPANSION
BLOCK_KINDS = ("basic", "bottleneck")


# --- layers --------------------------------------------------------------------------------------------------------

def same_padding(n: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) zeros TensorFlow's padding="same" adds along an axis of length n."""
    out = -(-n // stride)
    total = max((out - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


def conv_padding(rule: str, height: int, width: int, kh: int, kw: int, stride: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding of a kh x kw convolution under a framework's rule (see module docstring)."""
    if rule == "torch":
        return kh // 2, kh // 2, kw // 2, kw // 2
    if rule == "same":
        return (*same_padding(height, kh, stride), *same_padding(width, kw, stride))
    raise ValueError(f"padding rule must be one of {PADDING_RULES}, got {rule!r}")


def conv2d(x, weight, stride: int = 1, padding: tuple[int, int, int, int] = (0, 0, 0, 0), bias=None) -> np.ndarray:
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw), explicit zero padding (top, bottom, left, right).

    Output (N, O, floor((H + top + bottom - kh) / stride) + 1, likewise for W).
    """
    x = np.asarray(x, np.float64)
    weight = np.asarray(weight, np.float64)
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels, weight expects {weight.shape[1]}")
    top, bottom, left, right = padding
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    windows = sliding_window_view(padded, weight.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    y = np.einsum("nchwij,ocij->nohw", windows, weight, optimize=True)
    return y if bias is None else y + np.asarray(bias, np.float64).reshape(1, -1, 1, 1)


def conv(x, weight, stride: int, padding: str) -> np.ndarray:
    """A bias-free convolution padded by the framework's rule."""
    kh, kw = np.shape(weight)[2:]
    return conv2d(x, weight, stride, conv_padding(padding, x.shape[2], x.shape[3], kh, kw, stride))


def relu(x) -> np.ndarray:
    return np.maximum(x, 0.0)


def avg_pool2d(x, size: int = 2) -> np.ndarray:
    """Average pooling, window = stride = size, no padding (a trailing odd row/column is dropped)."""
    x = np.asarray(x, np.float64)
    n, c, h, w = x.shape
    h2, w2 = h // size, w // size
    return x[:, :, :h2 * size, :w2 * size].reshape(n, c, h2, size, w2, size).mean(axis=(3, 5))


def global_avg_pool(x) -> np.ndarray:
    """(N, C, H, W) -> (N, C): the mean of each channel over all positions."""
    return np.asarray(x, np.float64).mean(axis=(2, 3))


def linear(x, params: dict) -> np.ndarray:
    """y = x @ kernel + bias, kernel (in_features, out_features)."""
    return np.asarray(x, np.float64) @ params["kernel"] + params["bias"]


def bn(x, params: dict, training: bool, convention: str):
    """Batch norm over the channels of NCHW input with a BN dict; returns (y, {running_mean, running_var})."""
    y, mean, var = batch_norm(x, params["gamma"], params["beta"], params["running_mean"], params["running_var"],
                              training, params["momentum"], params["eps"], convention, channel_axis=1)
    return y, {"running_mean": mean, "running_var": var}


# --- blocks --------------------------------------------------------------------------------------------------------

def _shortcut(x, params, stride, training, padding, convention, state):
    if params.get("shortcut_conv") is None:
        return x
    s = conv(x, params["shortcut_conv"], stride, padding)
    s, state["shortcut_bn"] = bn(s, params["shortcut_bn"], training, convention)
    return s


def basic_block(x, params: dict, stride: int, training: bool, padding: str, convention: str):
    """conv1 3x3/stride -> bn1 -> ReLU -> conv2 3x3 -> bn2, plus the shortcut, then ReLU. Returns (y, state)."""
    state = {}
    h, state["bn1"] = bn(conv(x, params["conv1"], stride, padding), params["bn1"], training, convention)
    h, state["bn2"] = bn(conv(relu(h), params["conv2"], 1, padding), params["bn2"], training, convention)
    return relu(h + _shortcut(x, params, stride, training, padding, convention, state)), state


def bottleneck_block(x, params: dict, stride: int, training: bool, padding: str, convention: str):
    """conv1 1x1 -> bn1 -> ReLU -> conv2 3x3/stride -> bn2 -> ReLU -> conv3 1x1 -> bn3, plus shortcut, then ReLU."""
    state = {}
    h, state["bn1"] = bn(conv(x, params["conv1"], 1, padding), params["bn1"], training, convention)
    h, state["bn2"] = bn(conv(relu(h), params["conv2"], stride, padding), params["bn2"], training, convention)
    h, state["bn3"] = bn(conv(relu(h), params["conv3"], 1, padding), params["bn3"], training, convention)
    return relu(h + _shortcut(x, params, stride, training, padding, convention, state)), state


BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block}


def dense_block(x, params: dict, training: bool, padding: str, convention: str):
    """Layer i: BN -> ReLU -> 3x3 conv to growth_rate channels, appended AFTER its input: x = concat([x, new])."""
    state = {"norms": []}
    for norm, weight in zip(params["norms"], params["convs"]):
        h, stats = bn(x, norm, training, convention)
        state["norms"].append(stats)
        x = np.concatenate([x, conv(relu(h), weight, 1, padding)], axis=1)
    return x, state


def transition_block(x, params: dict, training: bool, padding: str, convention: str):
    """BN -> ReLU -> 1x1 conv -> 2x2 average pooling with stride 2."""
    state = {}
    h, state["norm"] = bn(x, params["norm"], training, convention)
    return avg_pool2d(conv(relu(h), params["conv"], 1, padding), 2), state


def stage_strides(blocks_per_stage) -> list[list[int]]:
    """Stride of every block: 2 for the first block of every stage but the first, 1 elsewhere."""
    return [[2 if (i > 0 and j == 0) else 1 for j in range(n)] for i, n in enumerate(blocks_per_stage)]


def resnet_forward(x, params: dict, block: str, training: bool, padding: str, convention: str):
    """stem (3x3 conv -> BN -> ReLU) -> stages of `block` blocks -> global average pooling -> classifier.

    Returns (logits (N, num_classes), state with "stem_bn" and "stages" (list of lists of block states)).
    """
    state = {"stages": []}
    h, state["stem_bn"] = bn(conv(x, params["stem_conv"], 1, padding), params["stem_bn"], training, convention)
    h = relu(h)
    strides = stage_strides([len(stage) for stage in params["stages"]])
    for stage, stage_stride in zip(params["stages"], strides):
        state["stages"].append([])
        for block_params, stride in zip(stage, stage_stride):
            h, block_state = BLOCKS[block](h, block_params, stride, training, padding, convention)
            state["stages"][-1].append(block_state)
    return linear(global_avg_pool(h), params["classifier"]), state


# --- parameter counts and costs ------------------------------------------------------------------------------------

def conv_params(in_channels: int, out_channels: int, kernel: int) -> int:
    return in_channels * out_channels * kernel * kernel


def bn_params(channels: int) -> int:
    """Trainable scalars of a batch norm: gamma and beta (the running statistics are not trainable)."""
    return 2 * channels


def needs_projection(in_channels: int, out_channels: int, stride: int) -> bool:
    return stride != 1 or in_channels != out_channels


def _projection_params(in_channels, out_channels, stride) -> int:
    if not needs_projection(in_channels, out_channels, stride):
        return 0
    return conv_params(in_channels, out_channels, 1) + bn_params(out_channels)


def basic_block_params(in_channels: int, out_channels: int, stride: int = 1) -> int:
    return (conv_params(in_channels, out_channels, 3) + bn_params(out_channels)
            + conv_params(out_channels, out_channels, 3) + bn_params(out_channels)
            + _projection_params(in_channels, out_channels, stride))


def bottleneck_width(out_channels: int) -> int:
    if out_channels % EXPANSION:
        raise ValueError(f"out_channels must be divisible by {EXPANSION}, got {out_channels}")
    return out_channels // EXPANSION


def bottleneck_block_params(in_channels: int, out_channels: int, stride: int = 1) -> int:
    width = bottleneck_width(out_channels)
    return (conv_params(in_channels, width, 1) + bn_params(width)
            + conv_params(width, width, 3) + bn_params(width)
            + conv_params(width, out_channels, 1) + bn_params(out_channels)
            + _projection_params(in_channels, out_channels, stride))


BLOCK_PARAMS = {"basic": basic_block_params, "bottleneck": bottleneck_block_params}


def dense_block_params(in_channels: int, growth_rate: int, num_layers: int) -> int:
    total = 0
    for i in range(num_layers):
        channels = in_channels + i * growth_rate
        total += bn_params(channels) + conv_params(channels, growth_rate, 3)
    return total


def transition_block_params(in_channels: int, out_channels: int) -> int:
    return bn_params(in_channels) + conv_params(in_channels, out_channels, 1)


def resnet_params(block: str, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels: int = 1,
                  num_classes: int = 10) -> int:
    """Trainable scalars of the contract's ResNet (stem, stages, classifier with bias)."""
    total = conv_params(in_channels, stage_channels[0], 3) + bn_params(stage_channels[0])
    previous = stage_channels[0]
    for channels, strides in zip(stage_channels, stage_strides(blocks_per_stage)):
        for stride in strides:
            total += BLOCK_PARAMS[block](previous, channels, stride)
            previous = channels
    return total + previous * num_classes + num_classes


def block_costs(channels: int, size: int) -> dict[str, tuple[int, int]]:
    """(trainable parameters, convolution multiply-adds) of a channels -> channels block at stride 1 on size x size.

    Parameters: conv weights plus BN gamma and beta. Multiply-adds: out_h * out_w * out_ch * in_ch * kh * kw per conv
    (BN, ReLU and the addition are not counted).
    """
    positions = size * size
    width = bottleneck_width(channels)
    basic_mult_adds = 2 * positions * conv_params(channels, channels, 3)
    bottleneck_mult_adds = positions * (conv_params(channels, width, 1) + conv_params(width, width, 3)
                                        + conv_params(width, channels, 1))
    return {"basic": (basic_block_params(channels, channels, 1), basic_mult_adds),
            "bottleneck": (bottleneck_block_params(channels, channels, 1), bottleneck_mult_adds)}


def spatial_after_stages(size: int, num_stages: int, padding: str) -> list[int]:
    """Height (= width) of the feature maps after each stage for a size x size input (3x3 convs, stride 2 per stage
    after the first)."""
    sizes = []
    for stage in range(num_stages):
        if stage > 0:
            top, bottom, _, _ = conv_padding(padding, size, size, 3, 3, 2)
            size = (size + top + bottom - 3) // 2 + 1
        sizes.append(size)
    return sizes

