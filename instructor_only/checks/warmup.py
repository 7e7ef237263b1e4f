"""Hidden checks of the warm-up (tensors, convolution and pooling shapes, layouts), for both frameworks.

Each class checks one graded test cell (its `grade_id`) and receives the student's namespace (`student`) and the
framework adapter of the track (`fw`). Expected values always come from the numpy reference or the real framework
on the same inputs; nothing is hard-coded.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from instructor_only.checks.partial_credit import weight
from instructor_only.checks.remote import call_each
from instructor_only.references import shapes as ref


def _is_integer(value) -> bool:
    """An int as "int (a Python int or a numpy integer)" allows."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_python_int(value) -> bool:
    """An int as "int (an int, not a float)" and the public check's isinstance(got, int) want."""
    return isinstance(value, int) and not isinstance(value, bool)


def _first_mismatches(rows, limit=5) -> str:
    return "\n".join(f"  {r}" for r in rows[:limit]) + (f"\n  ... and {len(rows) - limit} more" if len(rows) > limit else "")


def _valid_conv_configs():
    """Every (n, kernel, padding, stride, dilation) on a small grid whose window fits the padded input."""
    for n, k, p, s, d in itertools.product(range(1, 17), range(1, 6), range(0, 3), range(1, 4), range(1, 3)):
        if d * (k - 1) + 1 <= n + 2 * p:
            yield n, k, p, s, d


def _wide_conv_configs():
    """The rest of each argument's range: kernels up to 11, dilations up to 6, strides up to 9 (beyond the input:
    one position), paddings up to 5 and inputs up to 4,096 pixels, where the window fits. (Past 2**53 pixels a float
    quotient stops being exact; no image is that long, so code that divides in floats is not failed for it, and
    code that counts the positions one by one stays quick.)"""
    rng = np.random.default_rng(20)
    configs = []
    while len(configs) < 400:
        n = int(rng.choice([int(rng.integers(1, 65)), int(rng.integers(65, 1025)), 4096 - int(rng.integers(0, 99))]))
        k, p, s, d = (int(rng.integers(1, 12)), int(rng.integers(0, 6)), int(rng.integers(1, 10)), int(rng.integers(1, 7)))
        if d * (k - 1) + 1 <= n + 2 * p:
            configs.append((n, k, p, s, d))
    # The window fitting exactly once, with and without padding and dilation; a stride larger than the input.
    return configs + [(5, 5, 0, 1, 1), (3, 5, 1, 2, 1), (9, 5, 0, 3, 2), (1, 3, 1, 1, 1), (4, 2, 0, 7, 1)]


class CheckConvOutputSize:
    grade_id = "check_conv_output_size"

    @weight(2)  # the formula over every argument's range: the exercise itself (partial_credit.py)
    @pytest.mark.parametrize("configs", [_valid_conv_configs, _wide_conv_configs], ids=["small grid", "wide range"])
    def check_matches_formula(self, student, configs):
        wrong = []
        configs = list(configs())
        for (n, k, p, s, d), got in zip(configs, call_each(student.conv_output_size, configs)):
            want = ref.conv_output_size(n, k, p, s, d)
            if got != want or not _is_python_int(got):
                wrong.append(f"conv_output_size(n={n}, kernel={k}, padding={p}, stride={s}, dilation={d}) "
                             f"returned {type(got).__name__} {got!r}, expected the int {want}")
        assert not wrong, "wrong output sizes:\n" + _first_mismatches(wrong)

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_returns_an_integer(self, student):
        got = student.conv_output_size(7, 3, 1, 2, 1)
        assert _is_python_int(got), (f"conv_output_size should return an int (a number of pixels), got "
                                     f"{type(got).__name__} {got!r}; use integer division //")

    def check_default_arguments(self, student):
        """Omitted arguments mean padding=0, stride=1, dilation=1; any of them may be given by keyword."""
        calls = [((13, 3), {}, (13, 3, 0, 1, 1)), ((13, 3, 2), {}, (13, 3, 2, 1, 1)),
                 ((13, 3), {"dilation": 3}, (13, 3, 0, 1, 3)), ((13, 3), {"stride": 4}, (13, 3, 0, 4, 1)),
                 ((13,), {"kernel": 4, "padding": 1, "dilation": 2}, (13, 4, 1, 1, 2))]
        wrong = []
        for args, kwargs, full in calls:
            got = student.conv_output_size(*args, **kwargs)
            want = ref.conv_output_size(*full)
            if got != want or not _is_python_int(got):
                spelled = ", ".join([*map(str, args), *(f"{k}={v}" for k, v in kwargs.items())])
                wrong.append(f"conv_output_size({spelled}) returned {got!r}, expected {want}")
        assert not wrong, "the default arguments are not honoured:\n" + _first_mismatches(wrong)

    def check_agrees_with_the_real_layer(self, student, fw):
        rng = np.random.default_rng(0)
        configs = list(_valid_conv_configs())
        wrong = []
        for i in rng.choice(len(configs), size=40, replace=False):
            n, k, p, s, d = configs[i]
            real = fw.conv_output_length(n, k, p, s, d)
            if real is None:  # the framework does not support this combination
                continue
            got = student.conv_output_size(n, k, p, s, d)
            if got != real:
                wrong.append(f"n={n}, kernel={k}, padding={p}, stride={s}, dilation={d}: the real {fw.name} "
                             f"layer gives {real}, yours {got!r}")
        assert not wrong, "disagrees with the framework's own convolution:\n" + _first_mismatches(wrong)


LAYER_CONFIGS = [(3, 8, 3, True), (1, 16, (3, 5), False), (4, 2, 1, True), (6, 5, (1, 3), False),
                 (2, 3, 7, False), (5, 1, (4, 2), True), (1, 1, 1, False)]


class CheckConvLayer:
    grade_id = "check_conv_layer"

    @pytest.mark.parametrize("in_ch,out_ch,kernel,bias", LAYER_CONFIGS)
    def check_build_conv_layer(self, student, fw, in_ch, out_ch, kernel, bias):
        layer = student.build_conv_layer(in_ch, out_ch, kernel, bias)
        info = fw.describe_conv(layer)
        assert info["is_conv"], f"build_conv_layer should return the framework's 2-D convolution layer, got {info['type']}"
        assert info.get("built", True), ("the layer has no weights yet: build it for inputs with in_channels "
                                         "channels before returning it")
        kh, kw = ref.as_pair(kernel)
        want_shape = fw.conv_weight_shape(in_ch, out_ch, kh, kw)
        assert info["weight_shape"] == want_shape, (
            f"build_conv_layer({in_ch}, {out_ch}, {kernel!r}, bias={bias}): weight shape {info['weight_shape']}, "
            f"expected {want_shape}")
        assert info["has_bias"] == bias, f"bias={bias} was asked for, but the layer {'has' if info['has_bias'] else 'has no'} bias"
        height, width = 9, 11
        maps = fw.conv_output_maps(layer, in_ch, height, width)
        want_maps = (height - kh + 1, width - kw + 1)
        assert "error" not in maps, (
            f"build_conv_layer({in_ch}, {out_ch}, {kernel!r}): calling the layer on a {fw.layout} batch of "
            f"{height}x{width} maps raised {maps.get('error')} (the layer must take {fw.layout} input)")
        assert maps["size"] == want_maps, (
            f"build_conv_layer({in_ch}, {out_ch}, {kernel!r}) turns {height}x{width} maps into {maps['size'][0]}x"
            f"{maps['size'][1]}; with stride 1 and no padding a {kh}x{kw} kernel gives {want_maps[0]}x{want_maps[1]}")

    def check_bias_by_default(self, student, fw):
        """build_conv_layer(in, out, kernel) without `bias`: the default, True."""
        info = fw.describe_conv(student.build_conv_layer(4, 6, (2, 3)))
        assert info["is_conv"], f"build_conv_layer should return the framework's 2-D convolution layer, got {info['type']}"
        assert info.get("has_bias"), "build_conv_layer(4, 6, (2, 3)) without `bias` should have a bias (bias=True by default)"

    @pytest.mark.parametrize("in_ch,out_ch,kernel,bias", LAYER_CONFIGS)
    def check_count_parameters_of_built_conv(self, student, in_ch, out_ch, kernel, bias):
        got = student.count_parameters(student.build_conv_layer(in_ch, out_ch, kernel, bias))
        want = ref.conv_parameter_count(in_ch, out_ch, kernel, bias)
        assert _is_integer(got), f"count_parameters should return an int, got {type(got).__name__}"
        assert got == want, (f"count_parameters(build_conv_layer({in_ch}, {out_ch}, {kernel!r}, bias={bias})) "
                             f"returned {got}, expected {want}")

    def check_count_parameters_of_other_layers(self, student, fw):
        wrong = []
        # The same layers built twice: in the kernel for the student's function, here for the expected counts.
        here = fw.here("sample_layers")()
        for (description, layer), (_, twin) in zip(fw.sample_layers(), here, strict=True):
            got = student.count_parameters(layer)
            want = fw.here("trainable_parameter_count")(twin)
            if got != want or not _is_integer(got):
                wrong.append(f"{description}: returned {type(got).__name__} {got!r}, expected the int {want} "
                             f"(trainable parameters)")
        assert not wrong, "count_parameters counts the wrong thing:\n" + _first_mismatches(wrong)


class CheckConvParameterFormula:
    grade_id = "check_conv_parameter_formula"

    def check_matches_reference(self, student):
        wrong = []
        configs = list(itertools.product([1, 3, 16], [1, 7, 32], [1, 3, 11, (3, 5), (7, 1), (1, 9)], [True, False]))
        for (in_ch, out_ch, kernel, bias), got in zip(configs, call_each(student.conv_parameter_formula, configs)):
            want = ref.conv_parameter_count(in_ch, out_ch, kernel, bias)
            if got != want or not _is_integer(got):
                wrong.append(f"conv_parameter_formula({in_ch}, {out_ch}, {kernel!r}, bias={bias}) returned "
                             f"{got!r}, expected {want}")
        assert not wrong, "wrong parameter counts:\n" + _first_mismatches(wrong)

    def check_bias_by_default(self, student):
        wrong = []
        for in_ch, out_ch, kernel in ((3, 16, 3), (2, 5, (1, 4)), (7, 1, 1)):
            got = student.conv_parameter_formula(in_ch, out_ch, kernel)
            want = ref.conv_parameter_count(in_ch, out_ch, kernel, True)
            if got != want or not _is_integer(got):
                wrong.append(f"conv_parameter_formula({in_ch}, {out_ch}, {kernel!r}) returned {got!r}, expected {want} "
                             f"(bias=True by default)")
        assert not wrong, "without `bias`, the default:\n" + _first_mismatches(wrong)

    def check_computes_without_building_a_layer(self, student):
        """A layer of 490 billion weights cannot be built (about 2 TB); its count is one multiplication away."""
        args = (100_000, 100_000, 7, True)
        want = ref.conv_parameter_count(*args)
        try:
            got = student.conv_parameter_formula(*args)
        except Exception as error:  # noqa: BLE001 -- building the layer fails for want of memory: say so
            pytest.fail(f"conv_parameter_formula(100000, 100000, 7) raised {type(error).__name__}; compute the "
                        f"count from the hyper-parameters ({want:,}) instead of building the layer (it would need "
                        f"about {4 * want / 1e12:.0f} TB)", pytrace=False)
        assert got == want, f"conv_parameter_formula(100000, 100000, 7) returned {got!r}, expected {want}"


def _pooling_inputs():
    """NCHW float32 inputs: random, odd sizes (partial windows are dropped), sparse stripes, a single 2x2 window,
    one row of windows (H=2 or 3), H != W, and a float64 batch."""
    rng = np.random.default_rng(1)
    stripes = np.zeros((2, 1, 8, 8), dtype=np.float32)
    stripes[0, 0, :, ::3] = 1.0
    stripes[1, 0, ::2, :] = 1.0
    return [rng.normal(size=(2, 3, 8, 8)).astype(np.float32),
            rng.uniform(0.1, 1.0, size=(1, 2, 7, 9)).astype(np.float32),
            rng.normal(size=(3, 1, 6, 10)).astype(np.float32),
            stripes,
            rng.normal(size=(1, 1, 2, 2)).astype(np.float32),
            rng.uniform(-1.0, 2.0, size=(2, 4, 3, 12)).astype(np.float32),
            rng.normal(size=(2, 2, 9, 4)).astype(np.float64)]


class CheckShiftSensitivity:
    grade_id = "check_shift_sensitivity"

    @pytest.mark.parametrize("kind", ["max", "avg"])
    def check_matches_reference(self, student, fw, kind):
        for x in _pooling_inputs():
            got = student.shift_sensitivity(fw.from_nchw(x), kind)
            want = ref.shift_sensitivity(x, kind)
            # float32 sums over at most a few hundred values: relative error ~1e-6; 1e-4 leaves a wide margin
            # while any wrong axis, window or normalisation changes the value by far more.
            assert isinstance(got, float), (f"shift_sensitivity should return a Python float (x of shape "
                                            f"{tuple(fw.from_nchw(x).shape)}, {x.dtype}), got {type(got).__name__}")
            assert float(got) == pytest.approx(want, rel=1e-4, abs=1e-6), (
                f"shift_sensitivity(x of shape {fw.layout} {tuple(fw.from_nchw(x).shape)}, {kind!r}) returned "
                f"{float(got):.6f}, expected {want:.6f}")

    @weight(0)  # a stub or a kernel's claim can pass it: no partial credit alone
    def check_leaves_input_unchanged(self, student, fw):
        x = _pooling_inputs()[0]
        t = fw.from_nchw(x)
        before = fw.to_numpy(t).copy()
        student.shift_sensitivity(t, "max")
        assert np.array_equal(fw.to_numpy(t), before), "shift_sensitivity modified its input tensor in place"


class CheckLayouts:
    grade_id = "check_layouts"

    # Four different sizes, so that any wrong permutation produces a wrong shape or wrong values; sizes 1 and 3 on
    # the spatial axes (which look like channel counts); and an empty batch.
    shapes_nchw = [(2, 3, 4, 5), (1, 6, 2, 7), (2, 4, 1, 3), (0, 3, 2, 5)]

    def check_nchw_to_nhwc(self, student, fw):
        for shape in self.shapes_nchw:
            x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
            got = student.nchw_to_nhwc(fw.from_numpy(x))
            assert fw.is_tensor(got), f"nchw_to_nhwc should return a {fw.name} tensor, got {type(got).__name__}"
            want = ref.nchw_to_nhwc(x)
            assert tuple(got.shape) == want.shape, f"nchw_to_nhwc: shape {tuple(got.shape)}, expected {want.shape}"
            assert np.array_equal(fw.to_numpy(got), want), (
                "nchw_to_nhwc: the shape is right but values moved to the wrong places (reshape is not a transpose)")

    def check_nhwc_to_nchw(self, student, fw):
        for shape in self.shapes_nchw:
            x = ref.nchw_to_nhwc(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))
            got = student.nhwc_to_nchw(fw.from_numpy(np.ascontiguousarray(x)))
            assert fw.is_tensor(got), f"nhwc_to_nchw should return a {fw.name} tensor, got {type(got).__name__}"
            want = ref.nhwc_to_nchw(x)
            assert tuple(got.shape) == want.shape, f"nhwc_to_nchw: shape {tuple(got.shape)}, expected {want.shape}"
            assert np.array_equal(fw.to_numpy(got), want), (
                "nhwc_to_nchw: the shape is right but values moved to the wrong places (reshape is not a transpose)")

    @pytest.mark.parametrize("dtype", ["float64", "int64", "uint8", "bool"])
    def check_keeps_the_dtype(self, student, fw, dtype):
        x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5).astype(dtype)
        for name, source in (("nchw_to_nhwc", x), ("nhwc_to_nchw", ref.nchw_to_nhwc(x))):
            got = fw.to_numpy(getattr(student, name)(fw.from_numpy(np.ascontiguousarray(source))))
            assert got.dtype == np.dtype(dtype), (f"{name} turned a {dtype} tensor into {got.dtype}; a layout change "
                                                  f"moves the values, it never converts them")

    @pytest.mark.parametrize("kind", ["bfloat16", "non-contiguous"])
    def check_any_tensor(self, student, fw, kind):
        """A bfloat16 tensor (a dtype numpy lacks) and, in PyTorch, a non-contiguous view (a slice)."""
        x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
        for name, source, want in (("nchw_to_nhwc", x, ref.nchw_to_nhwc(x)),
                                   ("nhwc_to_nchw", ref.nchw_to_nhwc(x), ref.nhwc_to_nchw(ref.nchw_to_nhwc(x)))):
            t = fw.special_tensor(np.ascontiguousarray(source), kind)
            got = getattr(student, name)(t)
            assert fw.is_tensor(got), f"{name} should return a {fw.name} tensor, got {type(got).__name__}"
            assert fw.dtype_name(got) == fw.dtype_name(t), (
                f"{name} turned a {fw.dtype_name(t)} tensor into {fw.dtype_name(got)}; it must keep the dtype")
            assert np.array_equal(fw.as_float32(got), want), f"{name} of a {kind} tensor: values in the wrong places"

    def check_round_trip(self, student, fw):
        x = np.random.default_rng(2).normal(size=(3, 2, 5, 4)).astype(np.float32)
        back = student.nhwc_to_nchw(student.nchw_to_nhwc(fw.from_numpy(x)))
        assert np.array_equal(fw.to_numpy(back), x), "nhwc_to_nchw(nchw_to_nhwc(x)) does not give x back"
