"""Hidden checks of the residual-architectures hackathon, for both frameworks.

Expected values come from the numpy references (`instructor_only.references.resnet`), computed with the student's
own weights after the adapter (`instructor_only.frameworks.<framework>_resnet`, fixture `rn`) has redrawn every
weight and batch-norm state (so that gamma = 1, beta = 0, mean 0, variance 1 hide nothing). The reference follows
each framework's padding rule and BN convention, so neither framework is "corrected".

Tolerances (`resnet_assertions.F64` / `F32`, chosen by the dtype of the student's result): layers are built in
float64, where the reference agrees to ~1e-12 (a few hundred multiply-adds per value and one normalization); we
allow 1e-7 relative, 1e-9 absolute, far below any bug's effect (a missing ReLU or a mis-padded border changes values
by O(0.1)). A result that comes back in float32 (a layer the student gave dtype="float32", which the contract
allows) gets 1e-4 relative, 1e-5 absolute: float32 rounding of these small models stays near 1e-6.

Checks of one part never depend on the student's other parts: the ResNet checks build the model from the adapter's
correct blocks (and patch them in for the names BasicBlock and Bottleneck).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from instructor_only.checks.partial_credit import weight
from instructor_only.checks.resnet_assertions import (
    assert_block_structure, assert_bn, assert_conv, assert_default_call_is_inference,
    assert_gradient_matches_the_forward_pass, assert_gradients_reach_all,
    assert_redrawn, assert_state_matches, assert_stats_move_only_in_training, close, images, in_layout, leaf_name,
    mode_name, require_attr)
from instructor_only.checks.remote import identity, is_exactly
from instructor_only.references import resnet as ref


@pytest.fixture
def rn(fw):
    return fw.topic("resnet")


@pytest.fixture
def blocks(fw):
    """Correct blocks only the checks hold (`instructor_only/checks/parts/<framework>_resnet.py`): REFERENCE_BLOCKS."""
    return fw.parts("resnet").REFERENCE_BLOCKS


@pytest.fixture(scope="class")
def built():
    """Layers built once per check class and shared by its checks: building dominates the time of the TensorFlow
    checks (each Keras variable costs milliseconds to create). Sharing hides nothing: a check that looks at values
    first redraws every weight and batch-norm statistic (`rn.randomize`), the others read only structure and shapes.
    The cache lives for one run of one check class, so it never outlives the student's namespace."""
    return {}


class _SharesBuilds:
    """Check classes whose checks get their layers from `self.shared(rn, cls, *args, **kwargs)`."""

    @pytest.fixture(autouse=True)
    def _share_builds(self, built):
        self._built = built

    def shared(self, rn, cls, *args, **kwargs):
        """rn.make_layer(cls, *args, **kwargs), built once per check class (see the `built` fixture)."""
        # (by identity: each `student.BasicBlock` is a new proxy of the same class in the kernel)
        key = (identity(cls), tuple(map(identity, args)), tuple(sorted((k, identity(v)) for k, v in kwargs.items())))
        if key not in self._built:
            self._built[key] = rn.make_layer(cls, *args, **kwargs)
        return self._built[key]


# --- part 1: CountingDense -----------------------------------------------------------------------------------------

class CheckCustomDense:
    grade_id = "check_custom_dense"

    def check_weights_and_counter_are_registered(self, rn, student):
        layer = rn.make_counting_dense(student.CountingDense, 5, 3)
        summary = rn.weights_summary(layer)
        trainable = {leaf_name(k): v for k, v in summary["trainable"].items()}
        assert "calls" not in trainable, (
            f"`calls` is registered as a trainable weight/parameter; make it a non-trainable {rn.counter_kind}: the "
            f"optimizer must never update a counter")
        assert trainable == {"kernel": (5, 3), "bias": (3,)}, (
            f"the trainable weights should be exactly kernel (5, 3) and bias (3,) for CountingDense(in=5, units=3); "
            f"found {summary['trainable']}")
        frozen = {leaf_name(k): v for k, v in summary["non_trainable"].items()}
        assert "calls" in frozen, (
            f"`calls` should be a non-trainable {rn.counter_kind} of the layer (saved with it, never updated by the "
            f"optimizer); the layer's non-trainable state is {summary['non_trainable'] or 'empty'}")
        shape, dtype = frozen["calls"]
        assert shape == () and dtype == "int64", f"`calls` should be a 0-d int64 counter, found shape {shape}, {dtype}"
        assert rn.trainable_count(layer) == 5 * 3 + 3, "only kernel and bias should count as trainable parameters"
        saved = {leaf_name(k) for k in rn.saved_names(layer)}
        assert "calls" in saved, (
            f"`calls` is not saved with the layer (saved: {sorted(saved)}); the count is state the model keeps with a "
            f"checkpoint: register it as a persistent {rn.counter_kind} (PyTorch: register_buffer without "
            f"persistent=False)")

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_creates_weights_in_build(self, rn, student):
        """Keras: the docstring asks for nothing in __init__ but attributes; every weight is created in build()."""
        found = rn.weights_before_build(student.CountingDense, 3)
        if found is None:
            pytest.skip(f"{rn.name} has no build step: parameters and buffers belong in __init__")
        assert not found, (
            f"CountingDense(3) already holds the weights {sorted(leaf_name(k) for k in found)} before it was built; "
            f"create every weight (calls too) in build(input_shape), not in __init__")

    def check_counter_starts_at_zero_and_counts_every_call(self, rn, student):
        layer = rn.make_counting_dense(student.CountingDense, 4, 2)
        assert int(rn.counting_dense_state(layer)["calls"]) == 0, "`calls` should start at 0"
        x = images((6, 4), 1)
        for n, training in enumerate((True, False, True, False), start=1):
            rn.forward(layer, x[:1] if n == 4 else x, training)
            calls = np.asarray(rn.counting_dense_state(layer)["calls"])
            assert calls.shape == () and calls.dtype == np.int64, (
                f"after {n} forward call(s) ({mode_name(training)} last) `calls` should still be a 0-d int64 "
                f"counter, found shape {calls.shape}, dtype {calls.dtype}: add 1 in place (or a 0-d int64 one)")
            assert int(calls) == n, f"after {n} forward call(s) (in training and in inference) `calls` should be {n}, found {int(calls)}"
        frozen = {leaf_name(k): v for k, v in rn.weights_summary(layer)["non_trainable"].items()}
        assert frozen.get("calls") == ((), "int64"), (
            f"after 4 calls `calls` should still be a non-trainable 0-d int64 {rn.counter_kind}; the layer's "
            f"non-trainable state is {frozen or 'empty'}")

    def check_a_restored_count_keeps_counting(self, rn, student):
        """After loading a counter of 5 (a checkpoint), the next call makes it 6: the count lives in the
        buffer / weight, not in a Python number the layer copies into it."""
        layer = rn.make_counting_dense(student.CountingDense, 4, 2)
        rn.forward(layer, images((3, 4), 2), True)
        rn.restore_calls(layer, 5)
        rn.forward(layer, images((3, 4), 3), False)
        calls = int(np.asarray(rn.counting_dense_state(layer)["calls"]))
        assert calls == 6, (f"after restoring `calls` = 5 (as loading saved weights does) and one more call, `calls` "
                            f"is {calls}, not 6: keep the count in the {rn.counter_kind} itself and add 1 to it")

    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_output_is_x_kernel_plus_bias(self, rn, student, training):
        layer = rn.make_counting_dense(student.CountingDense, 7, 4)
        rng = np.random.default_rng(2)
        kernel, bias = rng.normal(size=(7, 4)), rng.normal(size=4)
        rn.set_counting_dense(layer, kernel, bias)
        x = rng.normal(size=(5, 7))
        close(rn.forward(layer, x, training), x @ kernel + bias, f"CountingDense output ({mode_name(training)})")
        close(rn.forward(layer, x[:1], training), x[:1] @ kernel + bias,
              f"CountingDense output for a batch of one row ({mode_name(training)})")

    def check_initialization(self, rn, student):
        layer = rn.make_counting_dense(student.CountingDense, 64, 50)
        state = rn.counting_dense_state(layer)
        bound = 1 / math.sqrt(64)
        assert np.all(state["bias"] == 0), "the bias should start at zero"
        kernel = state["kernel"]
        assert np.all(np.abs(kernel) <= bound + 1e-12), (
            f"the kernel should be uniform in +-1/sqrt(in_features) = +-{bound:.3f}; found values up to "
            f"{np.abs(kernel).max():.3f}")
        assert abs(kernel.std() - bound / math.sqrt(3)) < 0.15 * bound / math.sqrt(3) and abs(kernel.mean()) < 0.1 * bound, (
            f"the kernel should be uniform in +-{bound:.3f} (std {bound / math.sqrt(3):.4f}); found mean "
            f"{kernel.mean():.4f}, std {kernel.std():.4f}")

    def check_gradients_reach_kernel_and_bias(self, rn, student):
        layer = rn.make_counting_dense(student.CountingDense, 3, 2)
        rng = np.random.default_rng(3)
        x, upstream = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
        grads = {leaf_name(k): v for k, v in rn.gradients(layer, x, upstream).items()}
        for key, want in (("kernel", x.T @ upstream), ("bias", upstream.sum(axis=0))):
            assert grads.get(key) is not None, f"no gradient reaches `{key}`; is it a trainable weight used in the output?"
            close(grads[key], want, f"gradient w.r.t. {key}")


# --- parts 2 and 3: the residual blocks ----------------------------------------------------------------------------

BLOCK_CASES = {
    "basic": [(4, 4, 1), (4, 8, 1), (4, 8, 2), (6, 6, 2)],
    "bottleneck": [(8, 8, 1), (6, 8, 1), (8, 16, 2), (8, 8, 2)],  # in_channels need not be divisible by 4
}
# Beyond the cases above (issue 25): the default stride on a batch of one odd, non-square image (in_channels,
# out_channels, input NCHW), and stride 2 on odd x even maps with odd channel counts (a bottleneck width of 3).
DEFAULT_STRIDE_CASES = {"basic": (3, 3, (1, 3, 5, 7)), "bottleneck": (5, 4, (1, 5, 5, 7))}
ODD_STRIDE_2_CASES = {"basic": (3, 5, 2, (2, 3, 7, 6)), "bottleneck": (5, 12, 2, (2, 5, 7, 6))}
# Fewer output than input channels at stride 1, stride 2 on 1x1 maps with equal channels (the output has the
# input's shape, yet the block owns a projection shortcut), and stride 3 with equal channels.
NARROWING_CASES = {"basic": [(6, 4, 1, (2, 6, 5, 5)), (4, 4, 2, (2, 4, 1, 1)), (4, 4, 3, (2, 4, 7, 7))],
                   "bottleneck": [(8, 4, 1, (2, 8, 5, 5)), (8, 8, 2, (2, 8, 1, 1)), (8, 8, 3, (2, 8, 7, 7))]}


class _BlockChecks(_SharesBuilds):
    """Checks shared by BasicBlock and Bottleneck; subclasses set kind, class_name and grade_id."""
    kind = class_name = ""

    def _make(self, rn, student, case):
        in_c, out_c, stride = case
        return self.shared(rn, getattr(student, self.class_name), in_c, out_c, stride, input_shape=(4, in_c, 6, 6))

    def _x(self, case, seed=5):
        return images((4, case[0], 6, 6), seed)

    def check_structure(self, rn, student):
        for case in BLOCK_CASES[self.kind]:
            assert_block_structure(rn, self._make(rn, student, case), self.kind, *case)

    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_matches_reference_with_own_weights(self, rn, student, training):
        for seed, case in enumerate(BLOCK_CASES[self.kind]):
            in_c, out_c, stride = case
            layer = self._make(rn, student, case)
            assert_block_structure(rn, layer, self.kind, *case)
            rn.randomize(layer, seed)
            params = rn.read_params(layer, self.kind)
            x = self._x(case, seed)
            what = f"{self.class_name}({in_c}, {out_c}, stride={stride}), {mode_name(training)}"
            assert_redrawn(params, what)
            y = rn.forward(layer, x, training)
            want, state = ref.BLOCKS[self.kind](x, params, stride, training, rn.padding, rn.convention)
            assert y.min() >= 0, (f"{what}: the output has negative values ({y.min():.3g}); the block must end with "
                                  f"ReLU(residual + shortcut), the ReLU applied after the addition")
            close(y, want, f"{what}: output", layout=rn.layout)
            assert_state_matches(state, rn.read_params(layer, self.kind), what + ": ")

    def check_default_stride_and_other_input_shapes(self, rn, student):
        """stride omitted (the docstring's default 1) on a batch of one 5x7 image; stride 2 on 7x6 maps."""
        cls = getattr(student, self.class_name)
        in_c, out_c, shape = DEFAULT_STRIDE_CASES[self.kind]
        try:
            layer = rn.make_layer(cls, in_c, out_c, input_shape=shape)
        except TypeError as error:
            pytest.fail(f"{self.class_name}({in_c}, {out_c}) without a stride raised TypeError ({error}); the "
                        f"signature is {self.class_name}(in_channels, out_channels, stride=1)", pytrace=False)
        cases = [(layer, (in_c, out_c, 1), shape, f"{self.class_name}({in_c}, {out_c}) (stride omitted: default 1)")]
        for in_c, out_c, stride, shape in [ODD_STRIDE_2_CASES[self.kind], *NARROWING_CASES[self.kind]]:
            cases.append((self.shared(rn, cls, in_c, out_c, stride, input_shape=shape), (in_c, out_c, stride), shape,
                          f"{self.class_name}({in_c}, {out_c}, stride={stride})"))
        for seed, (layer, case, shape, name) in enumerate(cases, start=50):
            assert_block_structure(rn, layer, self.kind, *case, name=name)
            x = images(shape, seed)
            for training in (True, False):
                rn.randomize(layer, seed)
                params = rn.read_params(layer, self.kind)
                y = rn.forward(layer, x, training)
                want, _ = ref.BLOCKS[self.kind](x, params, case[2], training, rn.padding, rn.convention)
                close(y, want, f"{name} on a {in_layout(rn, shape)} ({rn.layout}) input, {mode_name(training)}: "
                               f"output", layout=rn.layout)

    def check_gradient_flows_through_both_paths(self, rn, student):
        for case in (BLOCK_CASES[self.kind][0], BLOCK_CASES[self.kind][2]):  # an identity and a projection shortcut
            layer = self._make(rn, student, case)
            rn.randomize(layer, 65)
            assert_gradient_matches_the_forward_pass(rn, layer, self._x(case, 66), f"{self.class_name}{case}")

    def check_call_without_training_is_inference(self, rn, student):
        """Keras: call(x, training=None); None means inference, as for Keras' own layers."""
        if not rn.training_argument:
            pytest.skip(f"{rn.name} layers have no training argument: their mode is train() / eval()")
        case = BLOCK_CASES[self.kind][2]
        assert_default_call_is_inference(rn, self._make(rn, student, case), self._x(case, 60),
                                         f"{self.class_name}{case}")

    def check_output_shape(self, rn, student):
        for case in BLOCK_CASES[self.kind]:
            in_c, out_c, stride = case
            y = rn.forward(self._make(rn, student, case), self._x(case), training=True)
            size = ref.spatial_after_stages(6, 2, rn.padding)[1] if stride == 2 else 6
            assert y.shape == (4, out_c, size, size), (
                f"{self.class_name}({in_c}, {out_c}, stride={stride}) on a {in_layout(rn, (4, in_c, 6, 6))} "
                f"({rn.layout}) input should give {in_layout(rn, (4, out_c, size, size))}, found {in_layout(rn, y.shape)}")

    def check_running_statistics_move_only_in_training(self, rn, student):
        for case in (BLOCK_CASES[self.kind][0], BLOCK_CASES[self.kind][2]):
            layer = self._make(rn, student, case)
            rn.randomize(layer, 7)
            assert_stats_move_only_in_training(rn, layer, self._x(case), f"{self.class_name}{case}")

    def check_gradients_reach_every_parameter(self, rn, student):
        for case in (BLOCK_CASES[self.kind][0], BLOCK_CASES[self.kind][2]):
            layer = self._make(rn, student, case)
            rn.randomize(layer, 8)
            assert_gradients_reach_all(rn, layer, self._x(case), f"{self.class_name}{case}")

    def check_parameter_count(self, rn, student):
        for case in BLOCK_CASES[self.kind]:
            want = ref.BLOCK_PARAMS[self.kind](*case)
            got = rn.trainable_count(self._make(rn, student, case))
            assert got == want, (
                f"{self.class_name}{case} should have {want} trainable parameters (conv weights without biases, BN "
                f"gamma and beta{', and the projection shortcut' if ref.needs_projection(*case) else ''}); found {got}")


class CheckBasicBlock(_BlockChecks):
    grade_id = "check_basic_block"
    kind, class_name = "basic", "BasicBlock"


class CheckBottleneck(_BlockChecks):
    grade_id = "check_bottleneck_block"
    kind, class_name = "bottleneck", "Bottleneck"

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_rejects_channels_not_divisible_by_four(self, rn, student):
        """Constructed only, never called: the docstring wants the ValueError from __init__, not at the first call."""
        for in_c, out_c in ((8, 6), (3, 2), (16, 13)):
            try:
                rn.make_layer(student.Bottleneck, in_c, out_c, 1)
            except ValueError:
                continue
            except Exception as error:  # noqa: BLE001 -- the student's code raised something else: say what was asked
                pytest.fail(f"Bottleneck({in_c}, {out_c}, 1) raised {type(error).__name__}; the docstring asks for a "
                            f"ValueError when out_channels is not divisible by 4 (raise ValueError(...), not assert)",
                            pytrace=False)
            pytest.fail(f"Bottleneck({in_c}, {out_c}, 1) was constructed without error; its __init__ should raise "
                        f"ValueError (not later, at the first call), since {out_c} output channels cannot be split "
                        f"into a width of out_channels // 4", pytrace=False)
        for in_c, out_c in ((3, 4), (6, 12)):  # divisible by 4, any in_channels: must be accepted
            try:
                rn.make_layer(student.Bottleneck, in_c, out_c, 2)
            except ValueError as error:
                pytest.fail(f"Bottleneck({in_c}, {out_c}, 2) raised ValueError ({error}); only an out_channels not "
                            f"divisible by 4 is an error", pytrace=False)


# --- part 4: the ResNet --------------------------------------------------------------------------------------------

ARCHITECTURES = {
    "basic": dict(stage_channels=(4, 8, 8), blocks_per_stage=(2, 1, 2), in_channels=2, num_classes=5),
    "bottleneck": dict(stage_channels=(8, 16), blocks_per_stage=(1, 2), in_channels=1, num_classes=3),
}
IMAGE = 8
OTHER_ARCHITECTURES = [  # (arguments, image size H x W): beyond the defaults and the examples (issue 25)
    (dict(stage_channels=(4, 4, 8, 8), blocks_per_stage=(1, 1, 2, 1), in_channels=3, num_classes=2), (9, 6)),
    (dict(stage_channels=(6,), blocks_per_stage=(3,), in_channels=1, num_classes=4), (5, 7)),
]


class CheckResNet(_SharesBuilds):
    """The model is built from the adapter's correct blocks: a bug in the student's blocks does not cost these points."""
    grade_id = "check_resnet"

    @pytest.fixture(autouse=True)
    def _correct_blocks(self, student, blocks):
        self._blocks = blocks
        with student.patched("BasicBlock", blocks["basic"]), student.patched("Bottleneck", blocks["bottleneck"]):
            yield

    def _make(self, rn, student, kind, **overrides):
        arch = {**ARCHITECTURES[kind], **overrides}
        shape = (3, arch["in_channels"], IMAGE, IMAGE)
        return self.shared(rn, student.ResNet, self._blocks[kind], **arch, input_shape=shape), arch, shape

    def check_structure_and_output_shape(self, rn, student):
        model, arch, shape = self._make(rn, student, "basic")
        channels, counts = arch["stage_channels"], arch["blocks_per_stage"]
        for name in ("stem_conv", "stem_bn", "stages", "classifier"):
            require_attr(model, name, "ResNet")
        assert_conv(rn, model.stem_conv, "stem_conv", 3, arch["in_channels"], channels[0], 1)
        assert_bn(rn, model.stem_bn, "stem_bn", channels[0])
        container = rn.stages_container(model)
        assert container is None, (
            f"`stages` should be {'an nn.ModuleList of nn.Sequential' if rn.name == 'torch' else 'a list of lists'} "
            f"(one per stage), found {container}")
        found = [len(stage) for stage in rn.stages(model)]
        assert found == list(counts), f"blocks_per_stage={counts} should give stages of {list(counts)} blocks, found {found}"
        y = rn.forward(model, images(shape, 1), training=False)
        assert y.shape == (3, arch["num_classes"]), (
            f"the logits should have shape (batch, num_classes) = (3, {arch['num_classes']}), found {y.shape}")

    def check_block_channels_and_strides(self, rn, student):
        model, arch, shape = self._make(rn, student, "basic")
        previous = arch["stage_channels"][0]
        strides = ref.stage_strides(arch["blocks_per_stage"])
        for i, (channels, stage, stage_strides) in enumerate(zip(arch["stage_channels"], rn.stages(model), strides)):
            for j, (block, stride) in enumerate(zip(stage, stage_strides)):
                assert is_exactly(block, self._blocks["basic"]), (
                    f"stage {i}, block {j} is a {type(block).__name__}; build every block from the `block` argument")
                want = (previous, channels, stride)
                assert tuple(block.spec) == want, (
                    f"stage {i}, block {j} should be block(in_channels={want[0]}, out_channels={want[1]}, "
                    f"stride={want[2]}) (only the first block of stages after the first has stride 2); it was built "
                    f"with {tuple(block.spec)}")
                previous = channels
        sizes = [s[2:] for s in rn.stage_output_shapes(model, images(shape, 2))]
        want_sizes = [(n, n) for n in ref.spatial_after_stages(IMAGE, len(arch["stage_channels"]), rn.padding)]
        assert sizes == want_sizes, (
            f"for {IMAGE}x{IMAGE} inputs the feature maps after each stage should be {want_sizes} (the first stage "
            f"keeps the size, every later stage halves it); found {sizes}")

    @pytest.mark.parametrize("kind", ["basic", "bottleneck"])
    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_matches_reference_with_own_weights(self, rn, student, kind, training):
        model, arch, shape = self._make(rn, student, kind)
        rn.randomize(model, 3)
        params = rn.read_params(model, "resnet", kind)
        assert_redrawn(params, f"ResNet({kind} blocks)")
        x = images(shape, 4)
        y = rn.forward(model, x, training)
        want, state = ref.resnet_forward(x, params, kind, training, rn.padding, rn.convention)
        what = f"ResNet({kind} blocks, {arch['stage_channels']}, {arch['blocks_per_stage']}), {mode_name(training)}"
        close(y, want, f"{what}: logits (stem conv -> BN -> ReLU -> stages -> global average pooling -> classifier)")
        assert_state_matches(state, rn.read_params(model, "resnet", kind), what + ": ")

    def check_other_architectures_and_a_batch_of_one(self, rn, student):
        """Four stages, and a single stage, on one non-square image, in inference: the block layout, the logits'
        shape and values (stages the examples never have: code that assumes three stages fails here)."""
        for seed, (arch, size) in enumerate(OTHER_ARCHITECTURES, start=70):
            shape = (1, arch["in_channels"], *size)
            model = self.shared(rn, student.ResNet, self._blocks["basic"], **arch, input_shape=shape)
            previous, want = arch["stage_channels"][0], []
            for channels, stage_strides in zip(arch["stage_channels"], ref.stage_strides(arch["blocks_per_stage"])):
                want.append([])
                for stride in stage_strides:
                    want[-1].append((previous, channels, stride))
                    previous = channels
            blocks = [block for stage in rn.stages(model) for block in stage]
            assert len({identity(block) for block in blocks}) == len(blocks), (
                f"ResNet(stage_channels={arch['stage_channels']}, blocks_per_stage={arch['blocks_per_stage']}): one "
                f"block object appears more than once (e.g. [block(...)] * n), so those blocks share their weights; "
                f"make a new block for every position")
            specs = [[tuple(block.spec) for block in stage] for stage in rn.stages(model)]
            what = (f"ResNet(stage_channels={arch['stage_channels']}, blocks_per_stage={arch['blocks_per_stage']}, "
                    f"in_channels={arch['in_channels']}, num_classes={arch['num_classes']})")
            assert specs == want, f"{what}: the blocks, as (in, out, stride) per stage, should be {want}; found {specs}"
            rn.randomize(model, seed)
            x = images(shape, seed)
            y = rn.forward(model, x, training=False)
            assert y.shape == (1, arch["num_classes"]), (
                f"{what} on one {in_layout(rn, shape)} ({rn.layout}) image: the logits should have shape "
                f"(1, {arch['num_classes']}), found {y.shape}")
            want_y, _ = ref.resnet_forward(x, rn.read_params(model, "resnet", "basic"), "basic", False, rn.padding,
                                           rn.convention)
            close(y, want_y, f"{what} on one {in_layout(rn, shape)} image, inference: logits")

    def check_call_without_training_is_inference(self, rn, student):
        """Keras: call(x, training=None) passes None on to stem_bn and the blocks: inference."""
        if not rn.training_argument:
            pytest.skip(f"{rn.name} layers have no training argument: their mode is train() / eval()")
        model, arch, shape = self._make(rn, student, "basic")
        assert_default_call_is_inference(rn, model, images(shape, 61), "ResNet")

    def check_parameter_count(self, rn, student):
        for kind, overrides in (("basic", {}), ("bottleneck", {}), ("basic", dict(
                stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1, num_classes=10))):
            model, arch, _ = self._make(rn, student, kind, **overrides)
            want = ref.resnet_params(kind, **arch)
            got = rn.trainable_count(model)
            assert got == want, (f"ResNet({kind} blocks, {arch}) should have {want} trainable parameters (stem conv "
                                 f"without bias, BNs, blocks, classifier with bias); found {got}")

    def check_default_arguments(self, rn, student):
        model = rn.make_layer(student.ResNet, self._blocks["basic"], input_shape=(2, 1, IMAGE, IMAGE))
        specs = [[tuple(block.spec) for block in stage] for stage in rn.stages(model)]
        want = [[(16, 16, 1)], [(16, 32, 2)], [(32, 64, 2)]]
        assert specs == want, (
            f"with the default arguments (stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1)) the blocks, as "
            f"(in_channels, out_channels, stride) per stage, should be {want}; found {specs}")
        assert_conv(rn, model.stem_conv, "stem_conv with the default in_channels=1", 3, 1, 16, 1)
        y = rn.forward(model, images((2, 1, IMAGE, IMAGE), 5), training=False)
        assert y.shape == (2, 10), f"with the default num_classes=10 the logits should be (2, 10), found {y.shape}"

    def check_gradients_reach_every_parameter(self, rn, student):
        model, _, shape = self._make(rn, student, "basic")
        rn.randomize(model, 6)
        assert_gradients_reach_all(rn, model, images(shape, 6), "ResNet")

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_trains_on_an_easy_problem(self, rn, student):
        """Two classes: the bright half of the image is the top or the bottom. Adam fits this in a few steps: with
        correct code, over seeds 0-5 and both block kinds, 12 steps leave at most 0.19 of the first loss (torch) and
        0.08 (TensorFlow); the check asks for half, so another correct way to create the layers cannot fail it."""
        rng = np.random.default_rng(7)
        labels = np.arange(32) % 2
        x = rng.normal(0.0, 0.3, size=(32, 1, IMAGE, IMAGE))
        x[labels == 0, :, :IMAGE // 2] += 1.0
        x[labels == 1, :, IMAGE // 2:] += 1.0
        model = rn.make_layer(student.ResNet, self._blocks["basic"], stage_channels=(4, 8),
                              blocks_per_stage=(1, 1), in_channels=1, num_classes=2, input_shape=x.shape)
        losses = rn.train_steps(model, x, labels, steps=12, lr=0.02)
        assert all(map(math.isfinite, losses)), f"non-finite training losses: {np.round(losses, 3)}"
        assert losses[-1] < 0.5 * losses[0], (
            f"12 Adam steps on an easy two-class problem should at least halve the loss; losses "
            f"{np.round(losses, 3)}")


# --- part 7: DenseBlock and TransitionBlock -------------------------------------------------------------------------

DENSE_CASES = [(3, 2, 3), (4, 5, 2), (5, 1, 1)]  # in_channels, growth_rate, num_layers (one layer, growth 1 too)
TRANSITION_CASES = [(6, 3), (4, 4)]
TRANSITION_SIZES = (6, 7)  # an odd size too: 2x2 pooling with stride 2 drops the last row and column (7 -> 3)


class CheckDenseBlock(_SharesBuilds):
    grade_id = "check_dense_block"

    def _dense(self, rn, student, case):
        return self.shared(rn, student.DenseBlock, *case, input_shape=(4, case[0], 6, 6))

    def _transition(self, rn, student, case):
        return self.shared(rn, student.TransitionBlock, *case, input_shape=(4, case[0], 6, 6))

    def check_dense_structure(self, rn, student):
        for in_c, growth, layers in DENSE_CASES:
            block = self._dense(rn, student, (in_c, growth, layers))
            require_attr(block, "norms", "DenseBlock"), require_attr(block, "convs", "DenseBlock")
            norms, convs = rn.children_list(block, "norms"), rn.children_list(block, "convs")
            assert len(norms) == len(convs) == layers, (
                f"DenseBlock({in_c}, {growth}, {layers}) should hold {layers} norms and {layers} convs, found "
                f"{len(norms)} and {len(convs)}")
            for i, (norm, conv) in enumerate(zip(norms, convs)):
                channels = in_c + i * growth
                assert_bn(rn, norm, f"DenseBlock({in_c}, {growth}, {layers}).norms[{i}]", channels)
                assert_conv(rn, conv, f"DenseBlock({in_c}, {growth}, {layers}).convs[{i}]", 3, channels, growth, 1)

    def check_dense_output_shape(self, rn, student):
        for in_c, growth, layers in DENSE_CASES:
            y = rn.forward(self._dense(rn, student, (in_c, growth, layers)), images((4, in_c, 6, 6), 1), True)
            want = (4, in_c + layers * growth, 6, 6)
            assert y.shape == want, (f"DenseBlock({in_c}, {growth}, {layers}) should keep the size and output "
                                     f"in_channels + num_layers * growth_rate channels: {in_layout(rn, want)} "
                                     f"({rn.layout}); found {in_layout(rn, y.shape)}")

    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_dense_matches_reference_with_own_weights(self, rn, student, training):
        for seed, case in enumerate(DENSE_CASES):
            block = self._dense(rn, student, case)
            rn.randomize(block, seed)
            params = rn.read_params(block, "dense")
            x = images((4, case[0], 6, 6), seed + 10)
            what = f"DenseBlock{case}, {mode_name(training)}"
            assert_redrawn(params, what)
            y = rn.forward(block, x, training)
            want, state = ref.dense_block(x, params, training, rn.padding, rn.convention)
            if y.shape == want.shape:
                close(y[:, :case[0]], x, f"{what}: the first {case[0]} output channels should be the input itself "
                                          f"(concatenate each layer's new features AFTER its input: concat([x, new]))")
            close(y, want, f"{what}: output (each layer's new features are concatenated after its input)",
                  layout=rn.layout)
            assert_state_matches(state, rn.read_params(block, "dense"), what + ": ")

    def check_transition_block(self, rn, student):
        for in_c, out_c in TRANSITION_CASES:
            block = self._transition(rn, student, (in_c, out_c))
            assert_bn(rn, require_attr(block, "norm", "TransitionBlock"), f"TransitionBlock({in_c}, {out_c}).norm", in_c)
            assert_conv(rn, require_attr(block, "conv", "TransitionBlock"), f"TransitionBlock({in_c}, {out_c}).conv", 1,
                        in_c, out_c, 1)
            for size in TRANSITION_SIZES:
                y = rn.forward(block, images((4, in_c, size, size), 2), True)
                want = (4, out_c, size // 2, size // 2)
                assert y.shape == want, (
                    f"TransitionBlock({in_c}, {out_c}) on a {in_layout(rn, (4, in_c, size, size))} ({rn.layout}) input "
                    f"should give {in_layout(rn, want)} (2x2 pooling, stride 2, no padding: H // 2); found "
                    f"{in_layout(rn, y.shape)}")

    @pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
    def check_transition_matches_reference_with_own_weights(self, rn, student, training):
        for seed, case in enumerate(TRANSITION_CASES):
            block = self._transition(rn, student, case)
            rn.randomize(block, seed + 20)
            params = rn.read_params(block, "transition")
            size = TRANSITION_SIZES[seed % len(TRANSITION_SIZES)]
            x = images((4, case[0], size, size), seed + 30)
            what = f"TransitionBlock{case} on {size}x{size} maps, {mode_name(training)}"
            assert_redrawn(params, what)
            want, state = ref.transition_block(x, params, training, rn.padding, rn.convention)
            close(rn.forward(block, x, training), want, f"{what}: output (BN -> ReLU -> 1x1 conv -> 2x2 AVERAGE pooling)",
                  layout=rn.layout)
            assert_state_matches(state, rn.read_params(block, "transition"), what + ": ")

    def check_zero_layers_is_the_identity(self, rn, student):
        block = self.shared(rn, student.DenseBlock, 3, 2, 0, input_shape=(2, 3, 4, 4))
        x = images((2, 3, 4, 4), 67)
        for training in (True, False):
            close(rn.forward(block, x, training), x, f"DenseBlock(3, 2, 0) (no layer: the input, unchanged), "
                                                      f"{mode_name(training)}", layout=rn.layout)

    def check_gradient_flows_through_the_concatenations(self, rn, student):
        block = self._dense(rn, student, DENSE_CASES[0])
        rn.randomize(block, 68)
        assert_gradient_matches_the_forward_pass(rn, block, images((4, DENSE_CASES[0][0], 6, 6), 69),
                                                 f"DenseBlock{DENSE_CASES[0]}")

    def check_call_without_training_is_inference(self, rn, student):
        """Keras: call(x, training=None); None means inference."""
        if not rn.training_argument:
            pytest.skip(f"{rn.name} layers have no training argument: their mode is train() / eval()")
        for make, case, what in ((self._dense, DENSE_CASES[0], "DenseBlock"),
                                 (self._transition, TRANSITION_CASES[0], "TransitionBlock")):
            assert_default_call_is_inference(rn, make(rn, student, case), images((4, case[0], 6, 6), 62),
                                             f"{what}{case}")

    def check_running_statistics_move_only_in_training(self, rn, student):
        for make, case, what in ((self._dense, DENSE_CASES[0], "DenseBlock"),
                                 (self._transition, TRANSITION_CASES[0], "TransitionBlock")):
            layer = make(rn, student, case)
            rn.randomize(layer, 40)
            assert_stats_move_only_in_training(rn, layer, images((4, case[0], 6, 6), 41), f"{what}{case}")

    def check_gradients_reach_every_parameter(self, rn, student):
        for make, case, what in ((self._dense, DENSE_CASES[0], "DenseBlock"),
                                 (self._transition, TRANSITION_CASES[0], "TransitionBlock")):
            layer = make(rn, student, case)
            rn.randomize(layer, 42)
            assert_gradients_reach_all(rn, layer, images((4, case[0], 6, 6), 43), f"{what}{case}")

    def check_parameter_counts(self, rn, student):
        for case in DENSE_CASES:
            got, want = rn.trainable_count(self._dense(rn, student, case)), ref.dense_block_params(*case)
            assert got == want, f"DenseBlock{case} should have {want} trainable parameters, found {got}"
        for case in TRANSITION_CASES:
            got, want = rn.trainable_count(self._transition(rn, student, case)), ref.transition_block_params(*case)
            assert got == want, f"TransitionBlock{case} should have {want} trainable parameters, found {got}"


# --- part 8: costs -------------------------------------------------------------------------------------------------

class CheckBlockCosts:
    grade_id = "check_block_costs"

    # beyond the examples: width 1 on odd maps, and a large block whose counts exceed 2**31 (int32 overflows)
    # and 0x0 maps (the weights stay, the multiply-adds vanish). (Counts past 2**53, where floats lose digits, belong
    # to no network: code that computes them in floats is not failed for it.)
    @pytest.mark.parametrize("channels, size", [(64, 8), (256, 14), (16, 32), (8, 1), (4, 3), (512, 28), (8, 0)])
    def check_matches_reference(self, student, channels, size):
        got = student.block_costs(channels, size)
        want = ref.block_costs(channels, size)
        assert isinstance(got, dict) and set(got) == {"basic", "bottleneck"}, (
            f"return a dict with keys 'basic' and 'bottleneck'; got {got!r}")
        for kind in ("basic", "bottleneck"):
            value = got[kind]
            assert isinstance(value, tuple) and len(value) == 2, f"{kind}: return a (params, mult_adds) tuple, got {value!r}"
            assert all(isinstance(v, int) for v in value), (
                f"{kind}: return Python ints (use int(...)), got types {[type(v).__name__ for v in value]}")
            params, mult_adds = value
            width = channels // ref.EXPANSION
            bn_channels = 2 * channels if kind == "basic" else 2 * width + channels
            hint = ""
            if params == want[kind][0] + 2 * bn_channels:
                hint = " (count gamma and beta only: the running statistics are not trained)"
            elif params == want[kind][0] - 2 * bn_channels:
                hint = " (the batch norms' gamma and beta are parameters too)"
            assert params == want[kind][0], (f"{kind} block, {channels} channels: {want[kind][0]} parameters expected, "
                                             f"got {params}{hint}")
            assert mult_adds == want[kind][1], (
                f"{kind} block, {channels} channels on {size}x{size}: {want[kind][1]} multiply-adds expected, got "
                f"{mult_adds} (per conv: out_h * out_w * out_ch * in_ch * kh * kw)")
