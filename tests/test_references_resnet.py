"""The numpy references of the residual-architectures lab equal PyTorch's own layers (float64, ~1e-12).

TensorFlow's "same" padding is checked against the rule computed by hand, so this file needs only torch.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from instructor_only.checks.parts.torch_resnet import REFERENCE_BLOCKS
from instructor_only.frameworks import torch_resnet as rn
from instructor_only.references import resnet as ref

TOL = dict(rtol=1e-12, atol=1e-12)
RNG = np.random.default_rng(0)


def t(a):
    return torch.tensor(a, dtype=torch.float64)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel", [1, 3])
@pytest.mark.parametrize("size", [(8, 8), (7, 6)])
def test_conv2d_equals_torch_with_torch_padding(stride, kernel, size):
    x = RNG.normal(size=(2, 3, *size))
    w = RNG.normal(size=(4, 3, kernel, kernel))
    want = F.conv2d(t(x), t(w), stride=stride, padding=kernel // 2).numpy()
    np.testing.assert_allclose(ref.conv(x, w, stride, "torch"), want, **TOL)


def test_conv2d_with_bias_and_asymmetric_padding_equals_torch():
    x, w, b = RNG.normal(size=(2, 2, 5, 6)), RNG.normal(size=(3, 2, 3, 2)), RNG.normal(size=3)
    padding = (0, 2, 1, 0)  # top, bottom, left, right; F.pad takes (left, right, top, bottom)
    want = F.conv2d(F.pad(t(x), (1, 0, 0, 2)), t(w), t(b), stride=2).numpy()
    np.testing.assert_allclose(ref.conv2d(x, w, 2, padding, b), want, **TOL)


@pytest.mark.parametrize("n, kernel, stride, expected", [
    (8, 3, 2, (0, 1)),   # out 4, total (4-1)*2+3-8 = 1: the extra zero goes after
    (7, 3, 2, (1, 1)),   # out 4, total 6+3-7 = 2
    (8, 3, 1, (1, 1)),   # stride 1: same size, total 2
    (5, 4, 1, (1, 2)),   # even kernel: total 3
    (8, 1, 2, (0, 0)),   # 1x1: never padded
    (3, 5, 3, (1, 1)),   # out 1, total 0*3+5-3 = 2
])
def test_same_padding_rule_by_hand(n, kernel, stride, expected):
    assert ref.same_padding(n, kernel, stride) == expected


def test_conv_with_same_padding_keeps_ceil_size_and_pads_after():
    x, w = RNG.normal(size=(1, 2, 8, 7)), RNG.normal(size=(3, 2, 3, 3))
    y = ref.conv(x, w, 2, "same")
    assert y.shape == (1, 3, 4, 4)
    # height 8: (0, 1); width 7: (1, 1)
    want = F.conv2d(F.pad(t(x), (1, 1, 0, 1)), t(w), stride=2).numpy()
    np.testing.assert_allclose(y, want, **TOL)
    # ... which differs from torch's symmetric padding=1 at stride 2
    assert not np.allclose(y, ref.conv(x, w, 2, "torch"))


def test_pooling_relu_and_linear_equal_torch():
    x = RNG.normal(size=(2, 3, 7, 6))
    np.testing.assert_allclose(ref.avg_pool2d(x), F.avg_pool2d(t(x), 2).numpy(), **TOL)
    np.testing.assert_allclose(ref.global_avg_pool(x), F.adaptive_avg_pool2d(t(x), 1).flatten(1).numpy(), **TOL)
    np.testing.assert_allclose(ref.relu(x), F.relu(t(x)).numpy(), **TOL)
    w, b = RNG.normal(size=(5, 3)), RNG.normal(size=5)
    np.testing.assert_allclose(ref.linear(x[:, :, 0, 0], {"kernel": w.T, "bias": b}),
                               F.linear(t(x[:, :, 0, 0]), t(w), t(b)).numpy(), **TOL)


def test_bn_equals_batchnorm2d_over_training_and_inference_steps():
    layer = nn.BatchNorm2d(3, dtype=torch.float64)
    rn.randomize(layer, seed=1)
    for training in (True, True, False):
        params = rn.read_params(layer, "batch_norm")
        x = RNG.normal(1.0, 2.0, size=(4, 3, 5, 5))
        want = rn.forward(layer, x, training)
        y, state = ref.bn(x, params, training, "torch")
        np.testing.assert_allclose(y, want, **TOL)
        np.testing.assert_allclose(state["running_mean"], layer.running_mean.numpy(), **TOL)
        np.testing.assert_allclose(state["running_var"], layer.running_var.numpy(), **TOL)


def _assert_state_matches(state, layer, kind, block=None):
    after = rn.read_params(layer, kind, block)

    def walk(s, p, path):
        if isinstance(s, list):
            for i, (a, b) in enumerate(zip(s, p)):
                walk(a, b, f"{path}[{i}]")
        elif "running_mean" in s:
            for key in ("running_mean", "running_var"):
                np.testing.assert_allclose(s[key], p[key], **TOL, err_msg=f"{path}.{key}")
        else:
            for key, value in s.items():
                walk(value, p[key], f"{path}.{key}")
    walk(state, after, kind)


BLOCK_CASES = [(4, 4, 1), (4, 8, 1), (4, 8, 2), (8, 8, 2)]


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
@pytest.mark.parametrize("in_c, out_c, stride", BLOCK_CASES)
def test_blocks_equal_torch_reference_blocks(kind, in_c, out_c, stride, training):
    layer = rn.make_layer(REFERENCE_BLOCKS[kind], in_c, out_c, stride)
    rn.randomize(layer, seed=2)
    x = RNG.normal(size=(3, in_c, 6, 6))
    params = rn.read_params(layer, kind)
    assert (params["shortcut_conv"] is None) == (not ref.needs_projection(in_c, out_c, stride))
    want = rn.forward(layer, x, training)
    y, state = ref.BLOCKS[kind](x, params, stride, training, "torch", "torch")
    np.testing.assert_allclose(y, want, **TOL)
    _assert_state_matches(state, layer, kind)
    assert ref.BLOCK_PARAMS[kind](in_c, out_c, stride) == rn.trainable_count(layer)


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_dense_and_transition_equal_torch(training):
    norms = [nn.BatchNorm2d(3 + 2 * i, dtype=torch.float64) for i in range(3)]
    convs = [nn.Conv2d(3 + 2 * i, 2, 3, padding=1, bias=False, dtype=torch.float64) for i in range(3)]
    holder = nn.Module()
    holder.norms, holder.convs = nn.ModuleList(norms), nn.ModuleList(convs)
    rn.randomize(holder, seed=3)
    x = RNG.normal(size=(2, 3, 5, 5))
    params = rn.read_params(holder, "dense")
    for norm in norms:
        norm.train(training)
    h = t(x)
    with torch.no_grad():
        for norm, conv in zip(norms, convs):
            h = torch.cat([h, conv(F.relu(norm(h)))], dim=1)
    y, state = ref.dense_block(x, params, training, "torch", "torch")
    np.testing.assert_allclose(y, h.numpy(), **TOL)
    _assert_state_matches(state, holder, "dense")
    assert ref.dense_block_params(3, 2, 3) == rn.trainable_count(holder)

    transition = nn.Module()
    transition.norm = nn.BatchNorm2d(9, dtype=torch.float64)
    transition.conv = nn.Conv2d(9, 4, 1, bias=False, dtype=torch.float64)
    rn.randomize(transition, seed=4)
    params = rn.read_params(transition, "transition")
    transition.norm.train(training)
    with torch.no_grad():
        want = F.avg_pool2d(transition.conv(F.relu(transition.norm(h))), 2)
    y, state = ref.transition_block(h.numpy(), params, training, "torch", "torch")
    np.testing.assert_allclose(y, want.numpy(), **TOL)
    _assert_state_matches(state, transition, "transition")
    assert ref.transition_block_params(9, 4) == rn.trainable_count(transition)


class _TorchResNet(nn.Module):
    """The contract's ResNet from PyTorch's layers, to test the reference forward and parameter formula."""

    def __init__(self, block, stage_channels, blocks_per_stage, in_channels, num_classes):
        super().__init__()
        self.stem_conv = nn.Conv2d(in_channels, stage_channels[0], 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(stage_channels[0])
        stages, previous = [], stage_channels[0]
        for i, (channels, n) in enumerate(zip(stage_channels, blocks_per_stage)):
            blocks = []
            for j in range(n):
                blocks.append(block(previous, channels, 2 if i > 0 and j == 0 else 1))
                previous = channels
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.classifier = nn.Linear(previous, num_classes)

    def forward(self, x):
        h = F.relu(self.stem_bn(self.stem_conv(x)))
        for stage in self.stages:
            h = stage(h)
        return self.classifier(h.mean(dim=(2, 3)))


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("kind, channels, blocks", [("basic", (4, 8, 8), (2, 1, 1)), ("bottleneck", (8, 16), (1, 2))])
def test_resnet_forward_and_parameter_count_equal_torch(kind, channels, blocks, training):
    model = rn.make_layer(_TorchResNet, REFERENCE_BLOCKS[kind], channels, blocks, 2, 5)
    rn.randomize(model, seed=5)
    x = RNG.normal(size=(3, 2, 8, 8))
    params = rn.read_params(model, "resnet", kind)
    want = rn.forward(model, x, training)
    y, state = ref.resnet_forward(x, params, kind, training, "torch", "torch")
    np.testing.assert_allclose(y, want, **TOL)
    _assert_state_matches(state, model, "resnet", kind)
    assert ref.resnet_params(kind, channels, blocks, 2, 5) == rn.trainable_count(model)
    sizes = [shape[2] for shape in rn.stage_output_shapes(model, x)]
    assert sizes == ref.spatial_after_stages(8, len(channels), "torch")


def test_block_costs_by_hand():
    # channels 8 on 4x4: basic = two 3x3 convs 8->8 + two BNs; bottleneck width 2: 1x1 8->2, 3x3 2->2, 1x1 2->8.
    costs = ref.block_costs(8, 4)
    assert costs == {"basic": (2 * (9 * 64 + 16), 2 * 16 * 64 * 9),
                     "bottleneck": ((16 + 4) + (36 + 4) + (16 + 16), 16 * (16 + 36 + 16))}
    for kind in ("basic", "bottleneck"):
        block = rn.make_layer(REFERENCE_BLOCKS[kind], 8, 8, 1)
        assert costs[kind][0] == rn.trainable_count(block)
        assert all(type(v) is int for v in costs[kind])


def test_bottleneck_width_requires_a_multiple_of_four():
    with pytest.raises(ValueError):
        ref.bottleneck_width(6)



@pytest.mark.parametrize("kind, case, shape", [("basic", (3, 5, 2), (2, 3, 7, 6)), ("bottleneck", (5, 12, 2), (1, 5, 7, 6)),
                                               ("basic", (3, 3, 1), (1, 3, 5, 7))])
def test_blocks_on_odd_non_square_maps_equal_torch(kind, case, shape):
    """The shapes the issue-25 checks add: odd x even maps, H != W, a batch of one, odd channel counts."""
    block = rn.make_layer(REFERENCE_BLOCKS[kind], *case)
    rn.randomize(block, seed=3)
    x = RNG.normal(size=shape)
    for training in (True, False):
        params = rn.read_params(block, kind)
        want = rn.forward(block, x, training)
        y, _ = ref.BLOCKS[kind](x, params, case[2], training, "torch", "torch")
        np.testing.assert_allclose(y, want, **TOL)


def test_four_stage_resnet_on_one_non_square_image_equals_torch():
    model = rn.make_layer(_TorchResNet, REFERENCE_BLOCKS["basic"], (4, 4, 8, 8), (1, 1, 2, 1), 3, 2)
    rn.randomize(model, seed=7)
    x = RNG.normal(size=(1, 3, 9, 6))
    y, _ = ref.resnet_forward(x, rn.read_params(model, "resnet", "basic"), "basic", False, "torch", "torch")
    np.testing.assert_allclose(y, rn.forward(model, x, False), **TOL)


def test_adapter_keeps_float32_results_and_reports_saved_state():
    class ToFloat32(nn.Module):  # a layer whose result is float32 although its input is float64
        def forward(self, x):
            return x.float()

    assert rn.forward(ToFloat32(), RNG.normal(size=(4, 3)), False).dtype == np.float32
    assert rn.forward(nn.Linear(3, 2).double(), RNG.normal(size=(4, 3)), False).dtype == np.float64
    bn = nn.BatchNorm2d(2)
    bn.register_buffer("extra", torch.zeros(()), persistent=False)
    assert "running_mean" in rn.saved_names(bn) and "extra" not in rn.saved_names(bn)
    assert rn.weights_before_build(nn.Linear, 3, 2) is None and rn.training_argument is False


def test_adapter_describes_the_stages_container():
    model = rn.make_layer(_TorchResNet, REFERENCE_BLOCKS["basic"], (4, 8), (1, 1), 1, 3)
    assert rn.stages_container(model) is None
    model.stages = nn.Sequential(*model.stages)
    assert rn.stages_container(model) == "a Sequential"


def test_block_costs_beyond_the_examples_are_exact_python_ints():
    for channels, size in ((4, 3), (512, 28)):
        costs = ref.block_costs(channels, size)
        for kind in ("basic", "bottleneck"):
            block = rn.make_layer(REFERENCE_BLOCKS[kind], channels, channels, 1) if channels < 64 else None
            if block is not None:
                assert costs[kind][0] == rn.trainable_count(block)
            assert all(type(v) is int for v in costs[kind])
    assert ref.block_costs(512, 28)["basic"][1] == 28 * 28 * 2 * 9 * 512 * 512  # > 2**31
