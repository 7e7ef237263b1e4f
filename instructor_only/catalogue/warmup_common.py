"""Warm-up entries whose code is framework-agnostic (plain Python arithmetic): shared by both tracks."""
from instructor_only.catalogue import Alternative, Bug

CONV_OUTPUT_SIZE = [
    Bug("conv_output_size", "true_division", "divides with / and returns a float (3.5 instead of 3)", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            return (n + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    """),
    Bug("conv_output_size", "padding_one_side", "adds the padding once instead of on both sides", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            return (n + padding - dilation * (kernel - 1) - 1) // stride + 1
    """),
    Bug("conv_output_size", "ignores_dilation", "uses the kernel size as the window span, ignoring dilation", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            return (n + 2 * padding - kernel) // stride + 1
    """),
    Bug("conv_output_size", "ceil_division", "rounds up instead of down when the stride does not divide evenly", """
        import math

        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            return math.ceil((n + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
    """),
    Alternative("conv_output_size", "floor_of_true_division", "math.floor of a true division, cast to int", """
        import math

        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            return int(math.floor((n + 2 * padding - span) / stride)) + 1
    """),
    Alternative("conv_output_size", "count_positions", "counts the window's start positions with range()", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            last_start = n + 2 * padding - (dilation * (kernel - 1) + 1)
            return len(range(0, last_start + 1, stride))
    """),
]

CONV_PARAMETER_FORMULA = [
    Bug("conv_parameter_formula", "forgets_bias", "never adds the biases", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            return out_channels * in_channels * kh * kw
    """),
    Bug("conv_parameter_formula", "bias_per_input_channel", "counts one bias per input channel", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            return out_channels * in_channels * kh * kw + (in_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "forgets_input_channels", "counts a kh x kw filter per output channel only", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            return out_channels * kh * kw + (out_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "square_kernel_only", "squares kernel_size, which fails for (kh, kw) tuples", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            return out_channels * in_channels * kernel_size ** 2 + (out_channels if bias else 0)
    """),
    Alternative("conv_parameter_formula", "math_prod", "math.prod over the weight shape", """
        import math

        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kernel = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * 2
            weights = math.prod((out_channels, in_channels) + kernel)
            return weights + out_channels * int(bias)
    """),
    Alternative("conv_parameter_formula", "per_filter", "parameters of one filter (with its bias) times filters", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, int):
                kernel_size = (kernel_size, kernel_size)
            per_filter = in_channels * kernel_size[0] * kernel_size[1] + (1 if bias else 0)
            return per_filter * out_channels
    """),
]

# Issue 25: kinds of mistakes a third blind round got past the checks (each missed by the hidden checks alone before).
CONV_OUTPUT_SIZE += [
    Bug("conv_output_size", "r25_dilation_read_as_on_off",
        "reads dilation as on/off: any dilated window spans 2 * kernel - 1 pixels, right only for dilation 2", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = 2 * kernel - 1 if dilation > 1 else kernel
            return (n + 2 * padding - span) // stride + 1
    """),
    Bug("conv_output_size", "r25_numpy_integer",
        "computes with numpy and returns a numpy integer, not the int the docstring asks for", """
        import numpy as np

        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = np.multiply(dilation, kernel - 1) + 1
            return (n + 2 * padding - span) // stride + 1
    """),
]
CONV_PARAMETER_FORMULA += [
    Bug("conv_parameter_formula", "r25_bias_off_by_default",
        "changes the signature's default to bias=False, so a call without `bias` forgets the biases", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=False):
            kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            return out_channels * in_channels * kh * kw + (out_channels if bias else 0)
    """),
]
