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
