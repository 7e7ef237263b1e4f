"""Bug catalogue and alternatives for the PyTorch warm-up (assignment warmup_torch)."""
from instructor_only.catalogue import Alternative, Bug
from instructor_only.catalogue.warmup_common import CONV_OUTPUT_SIZE, CONV_PARAMETER_FORMULA

ENTRIES = [
    *CONV_OUTPUT_SIZE,
    Alternative("conv_output_size", "correct_but_warns",
                "correct, but copy-constructs a tensor, so torch prints a UserWarning to stderr (must keep its points)",
                """
        import torch

        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            n = torch.tensor(torch.tensor(n))  # UserWarning: To copy construct from a tensor...
            return int((n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1)
    """),

    Bug("build_conv_layer", "ignores_bias_flag", "always creates a bias, whatever `bias` says", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return nn.Conv2d(in_channels, out_channels, kernel_size)
    """),
    Bug("build_conv_layer", "channels_swapped", "passes out_channels before in_channels", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return nn.Conv2d(out_channels, in_channels, kernel_size, bias=bias)
    """),
    Bug("build_conv_layer", "square_kernel_only", "builds (k, k) from kernel_size, which breaks (kh, kw) tuples", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return nn.Conv2d(in_channels, out_channels, (kernel_size, kernel_size), bias=bias)
    """),
    Alternative("build_conv_layer", "keyword_arguments", "everything by keyword, explicit stride and padding", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return nn.Conv2d(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                             stride=1, padding=0, bias=bias)
    """),
    Alternative("build_conv_layer", "lazy_then_materialised", "nn.LazyConv2d materialised on a dummy input", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = nn.LazyConv2d(out_channels, kernel_size, bias=bias)
            kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            layer(torch.zeros(1, in_channels, kh, kw))  # infers in_channels and becomes a plain nn.Conv2d
            return layer
    """),

    Bug("count_parameters", "counts_tensors", "counts parameter tensors instead of their elements", """
        def count_parameters(module):
            return len(list(module.parameters()))
    """),
    Bug("count_parameters", "includes_buffers", "sums the state_dict, which includes BatchNorm's buffers", """
        def count_parameters(module):
            return sum(t.numel() for t in module.state_dict().values())
    """),
    Bug("count_parameters", "includes_frozen", "counts frozen parameters (requires_grad=False) too", """
        def count_parameters(module):
            return sum(p.numel() for p in module.parameters())
    """),
    Alternative("count_parameters", "numpy_prod", "np.prod of each shape, as an int", """
        def count_parameters(module):
            return int(sum(np.prod(p.shape) for p in module.parameters() if p.requires_grad))
    """),
    Alternative("count_parameters", "named_parameters_loop", "an explicit loop over named_parameters", """
        def count_parameters(module):
            total = 0
            for _, parameter in module.named_parameters():
                if parameter.requires_grad:
                    total += parameter.nelement()
            return total
    """),

    *CONV_PARAMETER_FORMULA,

    Bug("shift_sensitivity", "rolls_height", "rolls along the height axis (dims=2) instead of the width", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2, 2)
            return ((pooled - pool(torch.roll(x, 1, dims=2), 2, 2)).abs().mean() / pooled.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "not_normalised", "returns the mean absolute change without dividing by mean |pool(x)|", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2, 2)
            return (pooled - pool(torch.roll(x, 1, dims=3), 2, 2)).abs().mean().item()
    """),
    Bug("shift_sensitivity", "stride_one_windows", "pools with stride 1 (overlapping windows)", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2, 1)
            return ((pooled - pool(torch.roll(x, 1, dims=3), 2, 1)).abs().mean() / pooled.abs().mean()).item()
    """),
    Bug("shift_sensitivity", "always_max_pool", "ignores `kind` and always max-pools", """
        def shift_sensitivity(x, kind):
            pooled = F.max_pool2d(x, 2)
            return ((pooled - F.max_pool2d(torch.roll(x, 1, dims=3), 2)).abs().mean() / pooled.abs().mean()).item()
    """),
    Alternative("shift_sensitivity", "pooling_modules", "nn.MaxPool2d / nn.AvgPool2d modules and a negative dim", """
        def shift_sensitivity(x, kind):
            pool = nn.MaxPool2d(2) if kind == "max" else nn.AvgPool2d(2)
            before, after = pool(x), pool(x.roll(1, -1))
            return float(torch.mean(torch.abs(before - after)) / torch.mean(torch.abs(before)))
    """),
    Alternative("shift_sensitivity", "shift_by_concatenation", "builds the rolled tensor with torch.cat", """
        def shift_sensitivity(x, kind):
            shifted = torch.cat([x[..., -1:], x[..., :-1]], dim=3)
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            a, b = pool(x, kernel_size=2), pool(shifted, kernel_size=2)
            return (a - b).abs().sum().item() / a.abs().sum().item()
    """),

    Bug("layouts", "reshape_not_permute", "reshapes instead of permuting: right shape, scrambled pixels", """
        def nchw_to_nhwc(x):
            n, c, h, w = x.shape
            return x.reshape(n, h, w, c)


        def nhwc_to_nchw(x):
            n, h, w, c = x.shape
            return x.reshape(n, c, h, w)
    """),
    Bug("layouts", "height_width_swapped", "permutes to (N, W, H, C) and back", """
        def nchw_to_nhwc(x):
            return x.permute(0, 3, 2, 1)


        def nhwc_to_nchw(x):
            return x.permute(0, 3, 2, 1)
    """),
    Bug("layouts", "permutations_swapped", "uses each function's permutation in the other one", """
        def nchw_to_nhwc(x):
            return x.permute(0, 3, 1, 2)


        def nhwc_to_nchw(x):
            return x.permute(0, 2, 3, 1)
    """),
    Alternative("layouts", "movedim", "torch.movedim", """
        def nchw_to_nhwc(x):
            return torch.movedim(x, 1, -1)


        def nhwc_to_nchw(x):
            return torch.movedim(x, -1, 1)
    """),
    Alternative("layouts", "einsum", "torch.einsum with named axes", """
        def nchw_to_nhwc(x):
            return torch.einsum("nchw->nhwc", x)


        def nhwc_to_nchw(x):
            return torch.einsum("nhwc->nchw", x)
    """),
]


# Written blind for issue 14 by a tester who saw only the release notebook (not the checks or the entries above).
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_1 = [
    Bug('conv_output_size', 'padding_means_same_padding',
        "Treats any non-zero padding as 'same' padding and returns ceil(n / stride), ignoring the actual padding and kernel, although the text says 'padding zeros are added on each side, so the window moves over n + 2 * padding positions' (e.g. n=10, kernel=3, padding=2 gives 12, not 10).", '''
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            """Output length along one spatial axis of a convolution or pooling window.

            Args:
                n (int): input length along the axis, in pixels.
                kernel (int): number of taps of the window along the axis.
                padding (int): zeros added on EACH side of the axis.
                stride (int): step between two window positions.
                dilation (int): spacing between taps; the window spans dilation * (kernel - 1) + 1 pixels.

            Returns:
                int: the number of window positions (an int, not a float). You may assume the window fits at least once.
            """
            if padding > 0:
                # padded convolutions keep the size (up to the stride)
                return -(-n // stride)
            span = dilation * (kernel - 1) + 1
            return (n - span) // stride + 1
    '''),
    Bug('conv_output_size', 'dilation_span_k_plus_2d',
        "Computes the dilated span as kernel + 2 * (dilation - 1) (correct only for kernel=3) instead of 'the window spans dilation * (kernel - 1) + 1 pixels' (e.g. n=20, kernel=5, dilation=2 gives 15, not 12).", '''
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            """Output length along one spatial axis of a convolution or pooling window.

            Args:
                n (int): input length along the axis, in pixels.
                kernel (int): number of taps of the window along the axis.
                padding (int): zeros added on EACH side of the axis.
                stride (int): step between two window positions.
                dilation (int): spacing between taps; the window spans dilation * (kernel - 1) + 1 pixels.

            Returns:
                int: the number of window positions (an int, not a float). You may assume the window fits at least once.
            """
            # dilation opens a gap of (dilation - 1) pixels on each side of the centre tap
            span = kernel + 2 * (dilation - 1)
            return (n + 2 * padding - span) // stride + 1
    '''),
    Alternative('conv_output_size', 'count_positions_with_range',
        "Counts the valid start positions literally with len(range(0, last_start + 1, stride)), which is the definition in the text ('the number of starting positions where the whole window fits'); returns an int.", '''
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            """Output length along one spatial axis of a convolution or pooling window.

            Args:
                n (int): input length along the axis, in pixels.
                kernel (int): number of taps of the window along the axis.
                padding (int): zeros added on EACH side of the axis.
                stride (int): step between two window positions.
                dilation (int): spacing between taps; the window spans dilation * (kernel - 1) + 1 pixels.

            Returns:
                int: the number of window positions (an int, not a float). You may assume the window fits at least once.
            """
            padded = n + 2 * padding
            span = dilation * (kernel - 1) + 1
            last_start = padded - span          # the window [start, start + span) must fit in [0, padded)
            return len(range(0, last_start + 1, stride))
    '''),
    Alternative('conv_output_size', 'float_floor_then_int',
        'Uses true division and math.floor, then casts to int; identical to integer floor division because the numerator is non-negative whenever the window fits, and the result is a Python int.', '''
        import math


        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            """Output length along one spatial axis of a convolution or pooling window.

            Args:
                n (int): input length along the axis, in pixels.
                kernel (int): number of taps of the window along the axis.
                padding (int): zeros added on EACH side of the axis.
                stride (int): step between two window positions.
                dilation (int): spacing between taps; the window spans dilation * (kernel - 1) + 1 pixels.

            Returns:
                int: the number of window positions (an int, not a float). You may assume the window fits at least once.
            """
            out = math.floor((n + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)
            return int(out)
    '''),
    Bug('build_conv_layer', 'habitual_padding_1',
        "Adds padding=1 out of the usual '3x3 conv keeps the size' habit, violating 'A 2-D convolution layer (nn.Conv2d) with stride 1 and no padding' (the output of a 8x8 input is 8x8 instead of 6x6).", '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A 2-D convolution layer (nn.Conv2d) with stride 1 and no padding.

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                nn.Conv2d: the layer, with weight of shape (out_channels, in_channels, kh, kw).
            """
            return nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=1, padding=1, bias=bias)
    '''),
    Bug('build_conv_layer', 'tuple_kernel_forced_square',
        "Assumes the kernel is square and uses only kernel_size[0] for a tuple, although the docstring says 'kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw)' and the weight must be (out_channels, in_channels, kh, kw) (e.g. (1, 5) gives a 1x1 kernel).", '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A 2-D convolution layer (nn.Conv2d) with stride 1 and no padding.

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                nn.Conv2d: the layer, with weight of shape (out_channels, in_channels, kh, kw).
            """
            k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
            return nn.Conv2d(in_channels, out_channels, (k, k), bias=bias)
    '''),
    Alternative('build_conv_layer', 'valid_padding_keyword_tuple_kernel',
        "Normalises kernel_size to a (kh, kw) tuple first and uses padding='valid' (PyTorch's name for no padding) with keyword arguments; same layer, stride 1, no padding, bias as requested.", '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A 2-D convolution layer (nn.Conv2d) with stride 1 and no padding.

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                nn.Conv2d: the layer, with weight of shape (out_channels, in_channels, kh, kw).
            """
            if isinstance(kernel_size, int):
                kernel_size = (kernel_size, kernel_size)
            kh, kw = kernel_size
            return nn.Conv2d(in_channels=in_channels, out_channels=out_channels, kernel_size=(kh, kw),
                             stride=(1, 1), padding="valid", dilation=1, bias=bool(bias))
    '''),
    Bug('count_parameters', 'counts_frozen_parameters',
        "Sums every parameter's numel without checking requires_grad, so frozen parameters are counted, violating 'frozen parameters (requires_grad=False) do not count'.", '''
        def count_parameters(module):
            """Number of trainable scalars in a module (any nn.Module, including nested ones).

            Count every element of every parameter that requires a gradient. Buffers (such as BatchNorm's running
            statistics) and frozen parameters (requires_grad=False) do not count.

            Returns:
                int
            """
            # parameters() already skips buffers
            return sum(p.numel() for p in module.parameters())
    '''),
    Bug('count_parameters', 'double_counts_nested_modules',
        "Loops over module.modules() and adds each submodule's recursive parameters(), so every parameter of a nested module is counted once per ancestor, violating 'Number of trainable scalars in a module (any nn.Module, including nested ones)' (nn.Sequential(conv) counts the conv twice).", '''
        def count_parameters(module):
            """Number of trainable scalars in a module (any nn.Module, including nested ones).

            Count every element of every parameter that requires a gradient. Buffers (such as BatchNorm's running
            statistics) and frozen parameters (requires_grad=False) do not count.

            Returns:
                int
            """
            total = 0
            for m in module.modules():          # walk all the nested layers
                for p in m.parameters():
                    if p.requires_grad:
                        total += p.numel()
            return total
    '''),
    Alternative('count_parameters', 'named_parameters_dedup_math_prod',
        'Walks named_parameters(), deduplicates by id (so tied weights count once, as parameters() does) and multiplies the shape with math.prod; counts only requires_grad parameters, returns a Python int.', '''
        import math


        def count_parameters(module):
            """Number of trainable scalars in a module (any nn.Module, including nested ones).

            Count every element of every parameter that requires a gradient. Buffers (such as BatchNorm's running
            statistics) and frozen parameters (requires_grad=False) do not count.

            Returns:
                int
            """
            seen = {}
            for name, p in module.named_parameters():
                if p.requires_grad:
                    seen[id(p)] = int(math.prod(p.shape))
            return int(sum(seen.values()))
    '''),
    Bug('conv_parameter_formula', 'builds_layer_instead_of_formula',
        "Builds a real nn.Conv2d and counts its parameters, ignoring 'computed from its hyper-parameters alone' / 'the same number without building anything'; it allocates (and randomly initialises) the whole weight, which is slow or runs out of memory for large layers (e.g. 4096->4096, 7x7).", '''
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            """Trainable scalars of a 2-D convolution, computed from its hyper-parameters alone.

            Args: as for build_conv_layer (kernel_size is an int or a tuple (kh, kw)).
            Returns:
                int
            """
            return count_parameters(build_conv_layer(in_channels, out_channels, kernel_size, bias=bias))
    '''),
    Alternative('conv_parameter_formula', 'per_filter_plus_bool_bias',
        'Counts per output channel: (in_channels * kh * kw + bias) * out_channels, using the bool bias as 0/1; algebraically identical and an int.', '''
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            """Trainable scalars of a 2-D convolution, computed from its hyper-parameters alone.

            Args: as for build_conv_layer (kernel_size is an int or a tuple (kh, kw)).
            Returns:
                int
            """
            if isinstance(kernel_size, (tuple, list)):
                kh, kw = kernel_size
            else:
                kh = kw = kernel_size
            per_filter = in_channels * kh * kw + int(bool(bias))
            return int(per_filter * out_channels)
    '''),
    Bug('shift_sensitivity', 'roll_without_dims_flattens',
        "Calls torch.roll(x, 1) without dims, which rolls the flattened tensor (the last pixel of each row wraps into the next row/channel/image) instead of 'a circular roll along the width axis'.", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (torch.Tensor): float tensor of shape (N, C, H, W) (NCHW). Do not modify it.
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            pool = nn.MaxPool2d(2, 2) if kind == "max" else nn.AvgPool2d(2, 2)
            shifted = torch.roll(x, 1)   # one pixel to the right
            pooled = pool(x)
            pooled_shifted = pool(shifted)
            return ((pooled - pooled_shifted).abs().mean() / pooled.abs().mean()).item()
    '''),
    Bug('shift_sensitivity', 'normalises_by_shifted_pool',
        "Divides by mean(|pool(shifted x)|) instead of 'mean(|pool(x)|)' as the docstring states.", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (torch.Tensor): float tensor of shape (N, C, H, W) (NCHW). Do not modify it.
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            if kind == "max":
                pool = lambda t: F.max_pool2d(t, kernel_size=2, stride=2)
            else:
                pool = lambda t: F.avg_pool2d(t, kernel_size=2, stride=2)
            a = pool(x)
            b = pool(torch.roll(x, shifts=1, dims=-1))
            return float(torch.mean(torch.abs(a - b)) / torch.mean(torch.abs(b)))
    '''),
    Bug('shift_sensitivity', 'denominator_without_abs',
        "Uses mean(pool(x)) instead of 'mean(|pooled|)' in the denominator (fine for non-negative images, wrong sign/magnitude for inputs with negative values).", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (torch.Tensor): float tensor of shape (N, C, H, W) (NCHW). Do not modify it.
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, 2, 2)
            pooled_shifted = pool(torch.roll(x, 1, dims=3), 2, 2)
            return ((pooled - pooled_shifted).abs().mean() / pooled.mean()).item()
    '''),
    Bug('shift_sensitivity', 'manual_reshape_pool_odd_sizes',
        "Pools by reshaping to (N, C, H//2, 2, W//2, 2), which raises for odd H or W, whereas a '2x2 window and stride 2 (no padding)' simply drops the last row/column for odd sizes.", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (torch.Tensor): float tensor of shape (N, C, H, W) (NCHW). Do not modify it.
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            def pool(t):
                n, c, h, w = t.shape
                blocks = t.reshape(n, c, h // 2, 2, w // 2, 2)
                return blocks.amax(dim=(3, 5)) if kind == "max" else blocks.mean(dim=(3, 5))

            pooled = pool(x)
            pooled_shifted = pool(torch.roll(x, 1, dims=3))
            return ((pooled - pooled_shifted).abs().mean() / pooled.abs().mean()).item()
    '''),
    Bug('shift_sensitivity', 'per_image_ratio_averaged',
        "Computes the ratio separately for each image and averages the ratios over the batch, instead of the single ratio 'mean(|pooled - pooled_shifted|) / mean(|pooled|)' over the whole tensor (differs when N > 1).", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (torch.Tensor): float tensor of shape (N, C, H, W) (NCHW). Do not modify it.
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, kernel_size=2, stride=2)
            pooled_shifted = pool(torch.roll(x, shifts=1, dims=3), kernel_size=2, stride=2)
            # relative change of each image, then the average over the batch
            per_image = (pooled - pooled_shifted).abs().mean(dim=(1, 2, 3)) / pooled.abs().mean(dim=(1, 2, 3))
            return per_image.mean().item()
    '''),
    Alternative('shift_sensitivity', 'cat_roll_cropped_blocks_sum_ratio',
        'Rolls with torch.cat([x[..., -1:], x[..., :-1]]), pools by cropping to even H, W and reshaping into 2x2 blocks (same as floor-mode pooling), and uses sum/sum, which equals mean/mean since both tensors have the same number of elements; computed under no_grad in float64, returned as a Python float.', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (torch.Tensor): float tensor of shape (N, C, H, W) (NCHW). Do not modify it.
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            def pool(t):
                n, c, h, w = t.shape
                h2, w2 = h // 2, w // 2
                t = t[:, :, : 2 * h2, : 2 * w2]                     # floor mode: drop a last odd row/column
                blocks = t.reshape(n, c, h2, 2, w2, 2)
                if kind == "max":
                    return blocks.amax(dim=(3, 5))
                return blocks.mean(dim=(3, 5))

            with torch.no_grad():
                xd = x.detach().to(torch.float64)
                shifted = torch.cat([xd[..., -1:], xd[..., :-1]], dim=-1)   # circular shift right by one pixel
                pooled = pool(xd)
                pooled_shifted = pool(shifted)
                ratio = (pooled - pooled_shifted).abs().sum() / pooled.abs().sum()
            return float(ratio)
    '''),
    Alternative('shift_sensitivity', 'modules_on_clone_with_dict_dispatch',
        'Uses nn.MaxPool2d / nn.AvgPool2d modules chosen from a dict, works on a clone of x, rolls with a negative dims index (dims=-1 is W in NCHW) and computes mean/mean exactly as specified.', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (torch.Tensor): float tensor of shape (N, C, H, W) (NCHW). Do not modify it.
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            pools = {"max": nn.MaxPool2d(kernel_size=2, stride=2, padding=0),
                     "avg": nn.AvgPool2d(kernel_size=2, stride=2, padding=0)}
            pool = pools[kind]
            x = x.clone()
            pooled = pool(x)
            pooled_shifted = pool(x.roll(shifts=1, dims=-1))
            change = torch.mean(torch.abs(pooled - pooled_shifted))
            size = torch.mean(torch.abs(pooled))
            return (change / size).item()
    '''),
    Alternative('layouts', 'einsum_layouts',
        "Uses torch.einsum with explicit index strings ('nchw->nhwc' and back), which is the same axis permutation (out[n, h, w, c] == x[n, c, h, w]).", '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            return torch.einsum("nchw->nhwc", x)


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            return torch.einsum("nhwc->nchw", x)
    '''),
    Alternative('layouts', 'movedim_contiguous',
        'Moves the channel axis with movedim (1 -> -1 and -1 -> 1) and returns a contiguous copy; same values at the same indices, only the memory is compacted.', '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            return torch.movedim(x, 1, -1).contiguous()


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            return torch.movedim(x, -1, 1).contiguous()
    '''),
    Alternative('layouts', 'two_transposes',
        'Builds each permutation from two swaps: transpose(1, 3) then transpose(1, 2) for NCHW->NHWC, and transpose(1, 3) then transpose(2, 3) back; composes to permute(0, 2, 3, 1) / permute(0, 3, 1, 2).', '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            # (N, C, H, W) -> (N, W, H, C) -> (N, H, W, C)
            return x.transpose(1, 3).transpose(1, 2)


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            # (N, H, W, C) -> (N, C, W, H) -> (N, C, H, W)
            return x.transpose(1, 3).transpose(2, 3)
    '''),
]
ENTRIES += BLIND_ROUND_1

# Issue 25: kinds of mistakes a third blind round got past the checks (each missed by the hidden checks alone before).
ENTRIES += [
    Bug("build_conv_layer", "r25_bias_off_by_default",
        "changes the signature's default to bias=False, so build_conv_layer(in, out, k) has no bias", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=False):
            return nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias)
    """),
    Bug("count_parameters", "r25_leaves_only",
        "counts only the leaf modules' parameters: a module's own parameters are lost when it has children", """
        def count_parameters(module):
            children = list(module.children())
            if children:
                return sum(count_parameters(child) for child in children)
            return sum(p.numel() for p in module.parameters() if p.requires_grad)
    """),
    Bug("count_parameters", "r25_frozen_by_first_parameter",
        "decides per layer from its first parameter, so a layer whose weight is frozen loses its trainable bias", """
        def count_parameters(module):
            total = 0
            for layer in module.modules():
                own = list(layer.parameters(recurse=False))
                if own and own[0].requires_grad:
                    total += sum(p.numel() for p in own)
            return total
    """),
    Bug("count_parameters", "r25_numpy_sum_of_nothing",
        "np.sum of an empty list is the float 0.0: a module with nothing trainable gets a float, not an int", """
        def count_parameters(module):
            return np.sum([p.numel() for p in module.parameters() if p.requires_grad])
    """),
    Bug("shift_sensitivity", "r25_numpy_scalar",
        "returns a numpy float32 (.numpy() of the 0-d result), not the Python float the docstring asks for", """
        def shift_sensitivity(x, kind):
            pool = F.max_pool2d if kind == "max" else F.avg_pool2d
            pooled = pool(x, kernel_size=2, stride=2)
            shifted = pool(torch.roll(x, shifts=1, dims=3), kernel_size=2, stride=2)
            return ((pooled - shifted).abs().mean() / pooled.abs().mean()).numpy()
    """),
]

from instructor_only.catalogue.blind_round_4.warmup_torch import ENTRIES as BLIND_ROUND_4  # noqa: E402

ENTRIES += BLIND_ROUND_4
