"""Round-4 blind entries for warmup_torch (issue 25), as the tester wrote them (see the package's docstring)."""
from instructor_only.catalogue import Alternative, Bug

ENTRIES = [
    # ------------------------------------------------------------------ conv_output_size
    Bug("conv_output_size", "blind4_ignores_dilation", "Uses the undilated kernel size as the window span, so every dilation > 1 gives too many positions.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            return (n + 2 * padding - kernel) // stride + 1
    """),
    Bug("conv_output_size", "blind4_dilation_scales_padding", "Multiplies the padding by the dilation as well as the kernel gaps, which is wrong whenever padding > 0 and dilation > 1 (public dilation case has no padding).", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            # dilation spreads everything out, the padding too
            length = n + 2 * padding * dilation
            span = dilation * (kernel - 1) + 1
            return (length - span) // stride + 1
    """),
    Bug("conv_output_size", "blind4_span_two_gaps", "Adds (dilation - 1) pixels for exactly two gaps, i.e. the span of a 3-tap kernel; wrong for any other kernel size when dilation > 1.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            # a dilated kernel has a gap of (dilation - 1) pixels on each side of the centre tap
            span = kernel + 2 * (dilation - 1)
            return (n + 2 * padding - span) // stride + 1
    """),
    Bug("conv_output_size", "blind4_span_kd_minus_one", "For dilation > 1 takes the span as kernel * dilation - 1, which equals the true span dilation*(kernel-1)+1 only for dilation 2.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            if dilation > 1:
                # every tap takes `dilation` pixels, except that the last tap has no gap after it
                span = kernel * dilation - 1
            else:
                span = kernel
            return (n + 2 * padding - span) // stride + 1
    """),
    Alternative("conv_output_size", "blind4_float_division_large_n", "RECLASSIFIED (exact below 2**53 pixels, longer than any image: the checks stop at 4,096), written as a bug: Divides with / and truncates with int(): exact for small axes but off for lengths beyond 2**53, where the float quotient is rounded.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            return int((n + 2 * padding - span) / stride) + 1
    """),
    Bug("conv_output_size", "blind4_split_floor_dilation", "Computes the undilated size and then subtracts the extra dilation span divided separately by the stride; the two floors do not add up when stride > 1 and dilation > 1.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            out = (n + 2 * padding - kernel) // stride + 1
            # a dilated window is (dilation - 1) * (kernel - 1) pixels wider: it loses that many positions / stride
            extra = (dilation - 1) * (kernel - 1)
            return out - extra // stride
    """),
    Bug("conv_output_size", "blind4_tiling_shortcut", "Uses the 'non-overlapping tiles' shortcut length // stride whenever stride >= kernel, which undercounts when the stride is larger than the window and the last window fits in the remainder.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            length = n + 2 * padding
            span = dilation * (kernel - 1) + 1
            if stride >= span:
                # windows do not overlap: the axis is simply cut into tiles of `stride` pixels
                return length // stride
            return (length - span) // stride + 1
    """),
    Bug("conv_output_size", "blind4_span_kernel_times_dilation", "Takes the dilated window to span kernel * dilation pixels (counting a trailing gap after the last tap), dilation - 1 pixels too many for every dilation > 1.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = kernel * dilation
            return (n + 2 * padding - span) // stride + 1
    """),
    Alternative("conv_output_size", "blind4_divmod_ceil", "Counts the start positions a stride-1 window would have and divides them into groups of `stride` with divmod, adding one for a partial group (exact integer ceiling).", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            window = dilation * (kernel - 1) + 1
            starts = n + 2 * padding - window + 1
            groups, rest = divmod(starts, stride)
            return groups + (1 if rest else 0)
    """),
    Alternative("conv_output_size", "blind4_ceil_integer", "Uses the equivalent ceiling form ceil((L - span + 1) / stride), computed with exact negative floor division.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = kernel + (kernel - 1) * (dilation - 1)
            positions = n + 2 * padding - span + 1  # start positions if the stride were 1
            return -(-positions // stride)
    """),
    Alternative("conv_output_size", "blind4_add_stride_first", "Writes the formula as (L - span + stride) // stride with span = kernel*dilation - dilation + 1, algebraically identical and exact in integers.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = kernel * dilation - dilation + 1
            return (n + 2 * padding - span + stride) // stride
    """),
    Alternative("conv_output_size", "blind4_divmod_fraction", "Floors an exact Fraction (no float rounding) and converts to int explicitly.", """
        import math
        from fractions import Fraction

        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            last_start = n + 2 * padding - (dilation * (kernel - 1) + 1)
            return int(math.floor(Fraction(last_start, stride))) + 1
    """),

    # ------------------------------------------------------------------ build_conv_layer
    Bug("build_conv_layer", "blind4_tuple_kernel_doubled", "Always wraps kernel_size into (k, k), so a tuple (kh, kw) becomes a nested tuple and the layer cannot be built for non-int kernels.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return nn.Conv2d(in_channels, out_channels, kernel_size=(kernel_size, kernel_size), stride=1, padding=0, bias=bias)
    """),
    Bug("build_conv_layer", "blind4_tuple_first_only", "For a tuple kernel uses only its first entry as a square kernel, so (kh, kw) with kh != kw gives a kh x kh weight.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, (tuple, list)):
                kernel_size = kernel_size[0]  # kernels are square
            return nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=bias)
    """),
    Bug("build_conv_layer", "blind4_tuple_swapped", "Unpacks the tuple as if it were (width, height) and then passes (height, width) to nn.Conv2d, so non-square kernels come out transposed.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, int):
                kw = kh = kernel_size
            else:
                kw, kh = kernel_size  # width x height, like an image size
            return nn.Conv2d(in_channels, out_channels, (kh, kw), stride=1, padding=0, bias=bias)
    """),
    Bug("build_conv_layer", "blind4_padding_same", "Uses padding='same' out of Keras habit; the contract asks for no padding.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding="same", bias=bias)
    """),
    Bug("build_conv_layer", "blind4_padding_half_kernel", "Pads by kernel_size // 2 to keep the feature-map size, but the contract asks for no padding.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, int):
                padding = kernel_size // 2
            else:
                padding = (kernel_size[0] // 2, kernel_size[1] // 2)
            return nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=bias)
    """),
    Bug("build_conv_layer", "blind4_stride_kernel", "Sets stride equal to the kernel size (non-overlapping windows, like pooling) instead of stride 1.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return nn.Conv2d(in_channels, out_channels, kernel_size, stride=kernel_size, bias=bias)
    """),
    Bug("build_conv_layer", "blind4_tuple_branch_drops_bias", "The tuple-kernel branch forgets to pass bias, so a (kh, kw) kernel with bias=False still gets a bias.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, tuple):
                kh, kw = kernel_size
                return nn.Conv2d(in_channels, out_channels, kernel_size=(kh, kw))
            return nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, bias=bias)
    """),
    Bug("build_conv_layer", "blind4_positional_padding", "Passes int(bias) as the fifth positional argument, which nn.Conv2d reads as padding, so with bias=True the layer gets padding=1; only bias=False gives the right layer.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = nn.Conv2d(in_channels, out_channels, kernel_size, 1, int(bias))
            if not bias:
                layer.bias = None
            return layer
    """),
    Alternative("build_conv_layer", "blind4_pair_valid", "Normalises the kernel with torch's _pair helper and uses padding='valid' (PyTorch's name for zero padding) with explicit stride (1, 1).", """
        from torch.nn.modules.utils import _pair

        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = _pair(kernel_size)
            return nn.Conv2d(in_channels=in_channels, out_channels=out_channels, kernel_size=(kh, kw),
                             stride=(1, 1), padding="valid", dilation=1, groups=1, bias=bool(bias))
    """),
    Alternative("build_conv_layer", "blind4_remove_bias_after", "Always builds the layer with a bias and removes it afterwards with register_parameter('bias', None), which is exactly how nn.Conv2d represents bias=False.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, int):
                kernel_size = (kernel_size, kernel_size)
            layer = nn.Conv2d(in_channels, out_channels, tuple(kernel_size))
            if not bias:
                layer.register_parameter("bias", None)
            return layer
    """),
    Alternative("build_conv_layer", "blind4_kwargs_dict", "Builds the keyword arguments in a dict and unpacks them; kernel as int is passed through unchanged (nn.Conv2d expands it).", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            config = dict(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                          stride=1, padding=0, bias=bias, padding_mode="zeros")
            return nn.Conv2d(**config)
    """),
    Alternative("build_conv_layer", "blind4_custom_init", "Builds the layer normally and re-initialises it (Kaiming-normal weights, zero bias when present); the contract fixes type, shape, stride, padding and bias, not the initial values.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias)
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
            return layer
    """),
    # ------------------------------------------------------------------ count_parameters
    Bug("count_parameters", "blind4_ignores_requires_grad", "Counts every parameter, including frozen ones (requires_grad=False).", """
        def count_parameters(module):
            return sum(p.numel() for p in module.parameters())
    """),
    Bug("count_parameters", "blind4_leaves_only", "Recurses into children and counts parameters only at leaf modules, so parameters a module holds itself next to its children (a gain, a scale) are lost.", """
        def count_parameters(module):
            children = list(module.children())
            if not children:
                return sum(p.numel() for p in module.parameters() if p.requires_grad)
            return sum(count_parameters(child) for child in children)
    """),
    Bug("count_parameters", "blind4_recursive_shared_twice", "Own recursion over _parameters and children() counts a layer (or tied weight) that appears in two places twice, unlike module.parameters() which counts each parameter once.", """
        def count_parameters(module):
            total = 0
            for p in module._parameters.values():
                if p is not None and p.requires_grad:
                    total += p.numel()
            for child in module.children():
                total += count_parameters(child)
            return total
    """),
    Bug("count_parameters", "blind4_state_dict_keep_vars", "Sums the trainable entries of state_dict(keep_vars=True); buffers drop out, but a shared layer or tied weight appears once per name and is counted repeatedly.", """
        def count_parameters(module):
            state = module.state_dict(keep_vars=True)
            return sum(t.numel() for t in state.values() if t.requires_grad)
    """),
    Bug("count_parameters", "blind4_recursion_none_bias", "Own recursion over _parameters forgets that an absent bias is stored as None, so any layer built with bias=False crashes.", """
        def count_parameters(module):
            total = sum(p.numel() for p in module._parameters.values() if p.requires_grad)
            return total + sum(count_parameters(m) for m in module.children())
    """),
    Bug("count_parameters", "blind4_layer_level_freeze", "Decides per layer from weight.requires_grad whether all of the layer's parameters train, so partly frozen layers are miscounted and parameters of layers without a 'weight' attribute are skipped.", """
        def count_parameters(module):
            total = 0
            for m in module.modules():
                weight = getattr(m, "weight", None)
                if isinstance(weight, nn.Parameter) and weight.requires_grad:
                    total += sum(p.numel() for p in m.parameters(recurse=False))
            return total
    """),
    Bug("count_parameters", "blind4_known_layer_types", "Counts only Conv/Linear/BatchNorm layers found by isinstance, missing every other kind of module that has parameters (embeddings, layer norms, RNNs, custom modules).", """
        def count_parameters(module):
            total = 0
            for m in module.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d)):
                    total += sum(p.numel() for p in m.parameters(recurse=False) if p.requires_grad)
            return total
    """),
    Bug("count_parameters", "blind4_np_prod_scalar_float", "Uses np.prod(p.shape), which returns the float 1.0 for a 0-d parameter, so the count becomes a numpy float for modules with scalar parameters.", """
        def count_parameters(module):
            return sum(np.prod(p.shape) for p in module.parameters() if p.requires_grad)
    """),
    Bug("count_parameters", "blind4_np_sum_empty_float", "np.sum of an empty list is the float 0.0, so a module with nothing trainable (ReLU, a frozen layer) returns a float instead of an int.", """
        def count_parameters(module):
            return np.sum([p.numel() for p in module.parameters() if p.requires_grad])
    """),
    Bug("count_parameters", "blind4_tensor_sum", "Returns a 0-d torch tensor (tensor.sum()) instead of an int; == still works, so the public checks pass.", """
        def count_parameters(module):
            sizes = torch.tensor([p.numel() for p in module.parameters() if p.requires_grad], dtype=torch.int64)
            return sizes.sum()
    """),
    Alternative("count_parameters", "blind4_modules_no_recurse", "Walks module.modules() (each submodule once, shared ones included once) and counts each module's own parameters with recurse=False, deduplicating tied parameters by id.", """
        def count_parameters(module):
            seen = set()
            total = 0
            for m in module.modules():
                for p in m.parameters(recurse=False):
                    if p.requires_grad and id(p) not in seen:
                        seen.add(id(p))
                        total += p.numel()
            return total
    """),
    Alternative("count_parameters", "blind4_math_prod_named", "Iterates named_parameters() (deduplicated by default) and multiplies the shape with math.prod, which is the int 1 for a 0-d parameter.", """
        import math

        def count_parameters(module):
            return sum(math.prod(p.shape) for _, p in module.named_parameters() if p.requires_grad)
    """),
    Alternative("count_parameters", "blind4_parameters_to_vector", "Flattens the trainable parameters with torch.nn.utils.parameters_to_vector and returns its length as an int (0 when there is nothing to flatten).", """
        from torch.nn.utils import parameters_to_vector

        def count_parameters(module):
            trainable = [p for p in module.parameters() if p.requires_grad]
            if not trainable:
                return 0
            with torch.no_grad():
                return int(parameters_to_vector(trainable).numel())
    """),
    Alternative("count_parameters", "blind4_numpy_int64", "Sums the sizes with numpy in int64 and returns a numpy integer (allowed by the contract), also for the empty case.", """
        def count_parameters(module):
            sizes = [p.numel() for p in module.parameters() if p.requires_grad]
            return np.sum(np.array(sizes, dtype=np.int64))
    """),

    # ------------------------------------------------------------------ conv_parameter_formula
    Bug("conv_parameter_formula", "blind4_default_bias_false", "Changes the default to bias=False, so calling it without bias (which must mean a layer with bias, as in build_conv_layer/nn.Conv2d) forgets the out_channels biases.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=False):
            if isinstance(kernel_size, int):
                kernel_size = (kernel_size, kernel_size)
            kh, kw = kernel_size
            total = out_channels * in_channels * kh * kw
            if bias:
                total += out_channels
            return total
    """),
    Bug("conv_parameter_formula", "blind4_math_pow_float", "Squares an int kernel with math.pow, which returns a float, so the result is a float (448.0) instead of an int for square kernels.", """
        import math

        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, tuple):
                area = kernel_size[0] * kernel_size[1]
            else:
                area = math.pow(kernel_size, 2)
            return in_channels * out_channels * area + (out_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "blind4_float_zero_no_bias", "Adds 0.0 for the missing bias, so every bias=False layer returns a float instead of an int.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            weights = out_channels * in_channels * kh * kw
            biases = out_channels if bias else 0.0
            return weights + biases
    """),
    Bug("conv_parameter_formula", "blind4_tensor_result", "Computes the product with torch tensors and returns a 0-d tensor instead of an int (== still works).", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kernel = torch.tensor(kernel_size).expand(2)
            total = kernel.prod() * in_channels * out_channels
            if bias:
                total = total + out_channels
            return total
    """),
    Bug("conv_parameter_formula", "blind4_builds_layer", "Builds an nn.Conv2d and counts its parameters, against the stated method (no layer) and impossible for the very large layers the docstring mentions.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            layer = nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias)
            return sum(p.numel() for p in layer.parameters())
    """),
    Bug("conv_parameter_formula", "blind4_tuple_branch_drops_bias", "The tuple-kernel branch returns only the weights and never adds the biases (the public tuple case has bias=False).", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, tuple):
                kh, kw = kernel_size
                return in_channels * out_channels * kh * kw
            weights = in_channels * out_channels * kernel_size ** 2
            return weights + out_channels if bias else weights
    """),
    Bug("conv_parameter_formula", "blind4_int32_overflow", "Multiplies in numpy int32, which silently overflows once the weight count passes 2**31 (e.g. 8192 -> 8192 channels with a 7x7 kernel), exactly the large layers the formula is for.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = np.broadcast_to(np.asarray(kernel_size, dtype=np.int32), (2,))
            weights = np.int32(in_channels) * np.int32(out_channels) * kh * kw
            return int(weights) + (out_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "blind4_square_from_first", "Treats a tuple kernel as square using its first entry, so (kh, kw) with kh != kw is counted as kh x kh.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            k = kernel_size[0] if isinstance(kernel_size, tuple) else kernel_size
            return out_channels * (in_channels * k * k + (1 if bias else 0))
    """),
    Alternative("conv_parameter_formula", "blind4_per_filter", "Counts per output channel: each filter has in*kh*kw weights plus one bias (bool used as 0/1), then multiplies by out_channels.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
            per_filter = in_channels * kh * kw + int(bool(bias))
            return out_channels * per_filter
    """),
    Alternative("conv_parameter_formula", "blind4_shape_table", "Writes down the shapes nn.Conv2d would allocate (weight, and bias only if requested) without allocating anything, and sums their products with functools.reduce over exact Python ints.", """
        import functools
        import operator

        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            shapes = {"weight": (out_channels, in_channels, kh, kw)}
            if bias:
                shapes["bias"] = (out_channels,)
            return sum(functools.reduce(operator.mul, shape, 1) for shape in shapes.values())
    """),
    Alternative("conv_parameter_formula", "blind4_math_prod", "Normalises the kernel to a tuple and uses math.prod over all weight dimensions (exact Python ints).", """
        import math

        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            if not isinstance(kernel_size, (tuple, list)):
                kernel_size = (kernel_size,) * 2
            return math.prod([out_channels, in_channels, *kernel_size]) + bias * out_channels
    """),
    Alternative("conv_parameter_formula", "blind4_eafp_unpack", "Tries to unpack the kernel as (kh, kw) and falls back to a square kernel on TypeError; counts weights and biases separately.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            try:
                kh, kw = kernel_size
            except TypeError:
                kh = kw = kernel_size
            n_weights = in_channels * out_channels * kh * kw
            n_biases = out_channels if bias else 0
            return n_weights + n_biases
    """),
    # ------------------------------------------------------------------ shift_sensitivity
    Bug("shift_sensitivity", "blind4_roll_without_dims", "Calls torch.roll(x, 1) without dims, which rolls the flattened tensor: pixels leaving the right edge wrap into the next row (and next channel/image) instead of the same row.", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, kernel_size=2, stride=2)
            shifted = pool(torch.roll(x, 1), kernel_size=2, stride=2)
            return ((pooled - shifted).abs().mean() / pooled.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "blind4_zero_fill_shift", "Shifts right by padding a zero column on the left and dropping the last column instead of the circular roll the task prescribes.", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            shifted_x = F.pad(x, (1, 0))[..., :-1]
            pooled = pool(x, 2, 2)
            shifted = pool(shifted_x, 2, 2)
            return ((pooled - shifted).abs().mean() / pooled.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "blind4_abs_of_mean", "Uses |mean(pooled)| as the denominator instead of mean(|pooled|), which differs as soon as pooled values can be negative.", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2, 2)
            shifted = pool(torch.roll(x, shifts=1, dims=-1), 2, 2)
            return ((pooled - shifted).abs().mean() / pooled.mean().abs()).item()
    """),
    Bug("shift_sensitivity", "blind4_ceil_mode", "Pools with ceil_mode=True, which keeps a partial window for an odd last row/column instead of dropping it.", """
        def shift_sensitivity(x, kind):
            if kind == "max":
                pool = lambda t: F.max_pool2d(t, 2, 2, ceil_mode=True)
            else:
                pool = lambda t: F.avg_pool2d(t, 2, 2, ceil_mode=True)
            pooled = pool(x)
            shifted = pool(torch.roll(x, 1, 3))
            return float((pooled - shifted).abs().mean() / pooled.abs().mean())
    """),
    Bug("shift_sensitivity", "blind4_crop_then_roll", "Crops an odd last row/column before rolling, so for odd widths the column wrapped in from the right is the wrong one.", """
        def shift_sensitivity(x, kind):
            H, W = x.shape[-2] // 2 * 2, x.shape[-1] // 2 * 2
            x = x[..., :H, :W]  # pooling drops the odd last row/column anyway
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2)
            shifted = pool(x.roll(1, dims=3), 2)
            return ((pooled - shifted).abs().mean() / pooled.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "blind4_adaptive_pool", "Uses adaptive pooling to (H // 2, W // 2), which equals 2x2/stride-2 pooling only for even sizes; for odd sizes the adaptive windows overlap.", """
        def shift_sensitivity(x, kind):
            size = (x.shape[2] // 2, x.shape[3] // 2)
            pool = F.adaptive_max_pool2d if kind == "max" else F.adaptive_avg_pool2d
            pooled = pool(x, size)
            shifted = pool(torch.roll(x, 1, dims=3), size)
            return ((pooled - shifted).abs().mean() / pooled.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "blind4_per_image_ratio", "Averages a ratio per image, where the contract divides two means taken over all images, channels and positions together.", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2, 2)
            shifted = pool(torch.roll(x, 1, dims=3), 2, 2)
            change = (pooled - shifted).abs().mean(dim=(1, 2, 3))
            size = pooled.abs().mean(dim=(1, 2, 3))
            return (change / size).mean().item()
    """),
    Bug("shift_sensitivity", "blind4_kind_average_typo", "Tests kind == 'average' instead of 'avg', so kind='avg' silently falls through to max pooling.", """
        def shift_sensitivity(x, kind):
            if kind == "average":
                pool = nn.AvgPool2d(2, 2)
            else:
                pool = nn.MaxPool2d(2, 2)
            pooled = pool(x)
            shifted = pool(torch.roll(x, 1, dims=3))
            return ((pooled - shifted).abs().mean() / pooled.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "blind4_denominator_shifted", "Divides by mean(|pool(shifted x)|) instead of mean(|pool(x)|).", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2, 2)
            shifted = pool(torch.roll(x, 1, dims=3), 2, 2)
            return ((pooled - shifted).abs().mean() / shifted.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "blind4_abs_before_pool", "Pools |x| instead of x (abs taken before pooling), which changes both means whenever the input has negative values.", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            x = x.abs()  # we only compare magnitudes
            pooled = pool(x, 2, 2)
            shifted = pool(torch.roll(x, 1, dims=3), 2, 2)
            return ((pooled - shifted).abs().mean() / pooled.abs().mean()).item()
    """),
    Alternative("shift_sensitivity", "blind4_reshape_pool_cat_shift", "Pools by cropping to even size and reshaping into 2x2 blocks (amax / mean), builds the circular shift with torch.cat, and computes in float64.", """
        def shift_sensitivity(x, kind):
            def pool(t):
                n, c, h, w = t.shape
                t = t[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2)
                return t.amax(dim=(3, 5)) if kind == "max" else t.mean(dim=(3, 5))

            x = x.double()
            shifted_x = torch.cat([x[..., -1:], x[..., :-1]], dim=-1)
            a, b = pool(x), pool(shifted_x)
            return float((a - b).abs().mean() / a.abs().mean())
    """),
    Alternative("shift_sensitivity", "blind4_sum_ratio_modules", "Uses nn.MaxPool2d / nn.AvgPool2d modules and a ratio of sums (equal to the ratio of means since both tensors have the same number of elements).", """
        def shift_sensitivity(x, kind):
            pool = {"max": nn.MaxPool2d(kernel_size=2), "avg": nn.AvgPool2d(kernel_size=2)}[kind]
            with torch.no_grad():
                pooled = pool(x)
                shifted = pool(x.roll(shifts=1, dims=-1))
                return (torch.sum(torch.abs(pooled - shifted)) / torch.sum(torch.abs(pooled))).item()
    """),
    Alternative("shift_sensitivity", "blind4_unfold_float32", "Pools with F.unfold over 2x2 patches (stride 2 drops the odd edge), casts to float32 (relative error ~1e-7 even for float64 input), rolls with negative dim index.", """
        def shift_sensitivity(x, kind):
            x = x.float()
            n, c, h, w = x.shape

            def pool(t):
                patches = F.unfold(t, kernel_size=2, stride=2).view(n, c, 4, -1)
                return patches.max(dim=2).values if kind == "max" else patches.mean(dim=2)

            a = pool(x)
            b = pool(torch.roll(x, 1, -1))
            return ((a - b).abs().mean() / a.abs().mean()).item()
    """),
    Alternative("shift_sensitivity", "blind4_numpy", "Does the whole computation in numpy float64 on a copy (np.roll along axis 3, block reshape for pooling) and returns a Python float.", """
        def shift_sensitivity(x, kind):
            a = x.detach().cpu().numpy().astype(np.float64)
            n, c, h, w = a.shape

            def pool(t):
                t = t[:, :, : h - h % 2, : w - w % 2].reshape(n, c, h // 2, 2, w // 2, 2)
                return t.max(axis=(3, 5)) if kind == "max" else t.mean(axis=(3, 5))

            p, q = pool(a), pool(np.roll(a, 1, axis=3))
            return float(np.mean(np.abs(p - q)) / np.mean(np.abs(p)))
    """),
    # ------------------------------------------------------------------ layouts
    Bug("layouts", "blind4_float_prealloc", "Pre-allocates the output with torch.zeros (default float32) and fills it channel by channel, so integer, float64, half or bool inputs come back with the wrong dtype.", """
        def nchw_to_nhwc(x):
            N, C, H, W = x.shape
            out = torch.zeros(N, H, W, C)
            for c in range(C):
                out[..., c] = x[:, c]
            return out


        def nhwc_to_nchw(x):
            N, H, W, C = x.shape
            out = torch.zeros(N, C, H, W)
            for c in range(C):
                out[:, c] = x[..., c]
            return out
    """),
    Bug("layouts", "blind4_cast_to_float", "Casts to float32 'to be safe' before permuting, so the dtype is not kept.", """
        def nchw_to_nhwc(x):
            return x.float().permute(0, 2, 3, 1)


        def nhwc_to_nchw(x):
            return x.float().permute(0, 3, 1, 2)
    """),
    Bug("layouts", "blind4_numpy_roundtrip", "Goes through numpy (x.numpy().transpose), which fails for tensors that require grad and for dtypes numpy lacks (bfloat16), and cuts the tensor out of autograd.", """
        def nchw_to_nhwc(x):
            return torch.from_numpy(np.ascontiguousarray(x.numpy().transpose(0, 2, 3, 1)))


        def nhwc_to_nchw(x):
            return torch.from_numpy(np.ascontiguousarray(x.numpy().transpose(0, 3, 1, 2)))
    """),
    Bug("layouts", "blind4_stack_images", "Permutes image by image and torch.stacks the list, which crashes for an empty batch (N = 0).", """
        def nchw_to_nhwc(x):
            return torch.stack([image.permute(1, 2, 0) for image in x])


        def nhwc_to_nchw(x):
            return torch.stack([image.permute(2, 0, 1) for image in x])
    """),
    Bug("layouts", "blind4_view_requires_contiguous", "Uses .view(N, C, H*W) to flatten, which raises for non-contiguous inputs (slices, transposed or channels_last tensors).", """
        def nchw_to_nhwc(x):
            N, C, H, W = x.shape
            return x.view(N, C, H * W).transpose(1, 2).reshape(N, H, W, C)


        def nhwc_to_nchw(x):
            N, H, W, C = x.shape
            return x.view(N, H * W, C).transpose(1, 2).reshape(N, C, H, W)
    """),
    Bug("layouts", "blind4_infer_minus_one", "Flattens with reshape(N, C, -1), which cannot infer the -1 for an empty batch (N = 0) and raises.", """
        def nchw_to_nhwc(x):
            N, C, H, W = x.shape
            return x.reshape(N, C, -1).transpose(1, 2).reshape(N, H, W, C)


        def nhwc_to_nchw(x):
            N, H, W, C = x.shape
            return x.reshape(N, -1, C).transpose(1, 2).reshape(N, C, H, W)
    """),
    Bug("layouts", "blind4_reshape", "Reshapes instead of permuting: the shape is right but the numbers keep memory order, scrambling the pixels.", """
        def nchw_to_nhwc(x):
            N, C, H, W = x.shape
            return x.reshape(N, H, W, C)


        def nhwc_to_nchw(x):
            N, H, W, C = x.shape
            return x.reshape(N, C, H, W)
    """),
    Bug("layouts", "blind4_squeeze_singletons", "Adds a habitual .squeeze() after the permutation, which drops every axis of size 1, so a batch of one image or a one-channel (grayscale) batch comes back with the wrong shape.", """
        def nchw_to_nhwc(x):
            return x.permute(0, 2, 3, 1).squeeze()


        def nhwc_to_nchw(x):
            return x.permute(0, 3, 1, 2).squeeze()
    """),
    Alternative("layouts", "blind4_movedim", "Moves the channel axis with Tensor.movedim (1 -> last, last -> 1), a view with the same dtype.", """
        def nchw_to_nhwc(x):
            return x.movedim(1, -1)


        def nhwc_to_nchw(x):
            return x.movedim(-1, 1)
    """),
    Alternative("layouts", "blind4_reshape_transpose", "Flattens the spatial axes with reshape (which copies when needed), swaps the channel and pixel axes with transpose, and unflattens: a correct composition, not a plain reshape.", """
        def nchw_to_nhwc(x):
            N, C, H, W = x.shape
            return x.reshape(N, C, H * W).transpose(1, 2).reshape(N, H, W, C)


        def nhwc_to_nchw(x):
            N, H, W, C = x.shape
            return x.reshape(N, H * W, C).transpose(1, 2).reshape(N, C, H, W)
    """),
    Alternative("layouts", "blind4_two_transposes_contiguous", "Builds the permutation from two swaps of axes (transpose(1, 3) then transpose(1, 2) and back) and returns a contiguous copy.", """
        def nchw_to_nhwc(x):
            # (N, C, H, W) -> (N, W, H, C) -> (N, H, W, C)
            return x.transpose(1, 3).transpose(1, 2).contiguous()


        def nhwc_to_nchw(x):
            # (N, H, W, C) -> (N, C, W, H) -> (N, C, H, W)
            return x.transpose(1, 3).transpose(2, 3).contiguous()
    """),
    Alternative("layouts", "blind4_negative_permute", "Permutes with negative axis indices (0, -2, -1, -3) and (0, -1, -3, -2), the same permutations written from the end.", """
        def nchw_to_nhwc(x):
            return x.permute(0, -2, -1, -3)


        def nhwc_to_nchw(x):
            return torch.permute(x, (0, -1, -3, -2))
    """),
]
