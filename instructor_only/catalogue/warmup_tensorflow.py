"""Bug catalogue and alternatives for the TensorFlow warm-up (assignment warmup_tensorflow)."""
from instructor_only.catalogue import Alternative, Bug
from instructor_only.catalogue.warmup_common import CONV_OUTPUT_SIZE, CONV_PARAMETER_FORMULA

ENTRIES = [
    *CONV_OUTPUT_SIZE,
    Alternative("conv_output_size", "correct_but_warns",
                "correct, but builds a Dense layer with input_shape, so Keras prints a UserWarning to stderr "
                "(must keep its points)", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            keras.layers.Dense(1, input_shape=(n,))  # UserWarning: Do not pass an `input_shape`...
            return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    """),

    Bug("build_conv_layer", "not_built", "returns the layer before Keras has created its weights", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias)
    """),
    Bug("build_conv_layer", "ignores_bias_flag", "always creates a bias, whatever `bias` says", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size)
            layer.build((None, None, None, in_channels))
            return layer
    """),
    Bug("build_conv_layer", "filters_from_in_channels", "passes in_channels as the number of filters", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(in_channels, kernel_size, use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    """),
    Alternative("build_conv_layer", "built_by_calling", "builds the layer by calling it on a dummy NHWC batch", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(filters=out_channels, kernel_size=kernel_size, strides=1,
                                        padding="valid", use_bias=bias)
            kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
            layer(tf.zeros((1, kh, kw, in_channels)))
            return layer
    """),
    Alternative("build_conv_layer", "input_spec_via_model", "builds it inside a throwaway Sequential model", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias)
            keras.Sequential([keras.Input(shape=(None, None, in_channels)), layer])
            return layer
    """),

    Bug("count_parameters", "count_params_all_weights", "uses count_params(), which includes non-trainable weights", """
        def count_parameters(layer):
            return layer.count_params()
    """),
    Bug("count_parameters", "counts_weight_tensors", "counts trainable weight tensors instead of their elements", """
        def count_parameters(layer):
            return len(layer.trainable_weights)
    """),
    Bug("count_parameters", "all_weights", "sums every weight, trainable or not", """
        def count_parameters(layer):
            return int(sum(np.prod(w.shape) for w in layer.weights))
    """),
    Alternative("count_parameters", "tf_size", "tf.size of each trainable weight", """
        def count_parameters(layer):
            return sum(int(tf.size(w)) for w in layer.trainable_weights)
    """),
    Alternative("count_parameters", "total_minus_frozen", "all weights minus the non-trainable ones", """
        def count_parameters(layer):
            total = sum(w.numpy().size for w in layer.weights)
            frozen = sum(w.numpy().size for w in layer.non_trainable_weights)
            return int(total - frozen)
    """),

    *CONV_PARAMETER_FORMULA,

    Bug("shift_sensitivity", "rolls_height", "rolls along axis 1, which is the height in NHWC", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, 1, axis=1), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "rolls_channels", "rolls along the last axis, as if the layout were NCHW", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, 1, axis=-1), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "same_padding", "pools with padding='SAME', keeping partial windows at odd borders", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "SAME")
            shifted = pool(tf.roll(x, 1, axis=2), 2, 2, "SAME")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "not_normalised", "returns the mean absolute change without dividing by mean |pool(x)|", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, 1, axis=2), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)))
    """),
    Alternative("shift_sensitivity", "keras_pooling_layers", "keras MaxPooling2D / AveragePooling2D layers", """
        def shift_sensitivity(x, kind):
            pool = keras.layers.MaxPooling2D(2) if kind == "max" else keras.layers.AveragePooling2D(2)
            before, after = pool(x), pool(tf.roll(x, shift=1, axis=2))
            return float(tf.reduce_mean(tf.abs(before - after)) / tf.reduce_mean(tf.abs(before)))
    """),
    Alternative("shift_sensitivity", "tf_nn_pool_and_concat", "tf.nn.pool and a shift built with tf.concat", """
        def shift_sensitivity(x, kind):
            shifted = tf.concat([x[:, :, -1:, :], x[:, :, :-1, :]], axis=2)
            pooling = "MAX" if kind == "max" else "AVG"
            a = tf.nn.pool(x, [2, 2], pooling, strides=[2, 2], padding="VALID")
            b = tf.nn.pool(shifted, [2, 2], pooling, strides=[2, 2], padding="VALID")
            return float(tf.reduce_sum(tf.abs(a - b)) / tf.reduce_sum(tf.abs(a)))
    """),

    Bug("layouts", "reshape_not_transpose", "reshapes instead of transposing: right shape, scrambled pixels", """
        def nchw_to_nhwc(x):
            n, c, h, w = x.shape
            return tf.reshape(x, (n, h, w, c))


        def nhwc_to_nchw(x):
            n, h, w, c = x.shape
            return tf.reshape(x, (n, c, h, w))
    """),
    Bug("layouts", "height_width_swapped", "transposes to (N, W, H, C) and back", """
        def nchw_to_nhwc(x):
            return tf.transpose(x, [0, 3, 2, 1])


        def nhwc_to_nchw(x):
            return tf.transpose(x, [0, 3, 2, 1])
    """),
    Bug("layouts", "permutations_swapped", "uses each function's permutation in the other one", """
        def nchw_to_nhwc(x):
            return tf.transpose(x, [0, 3, 1, 2])


        def nhwc_to_nchw(x):
            return tf.transpose(x, [0, 2, 3, 1])
    """),
    Bug("layouts", "einsum",
        "RECLASSIFIED (issue 25: every dtype): tf.einsum with named axes has no kernel for uint8 or bool tensors (raw "
        "images, masks), so those fail; the docstring promises the same data in the same dtype", """
        def nchw_to_nhwc(x):
            return tf.einsum("nchw->nhwc", x)


        def nhwc_to_nchw(x):
            return tf.einsum("nhwc->nchw", x)
    """),
    Alternative("layouts", "moveaxis", "tf.experimental.numpy.moveaxis", """
        def nchw_to_nhwc(x):
            return tf.experimental.numpy.moveaxis(x, 1, -1)


        def nhwc_to_nchw(x):
            return tf.experimental.numpy.moveaxis(x, -1, 1)
    """),
]


# Written blind for issue 14 by a tester who saw only the release notebook (not the checks or the entries above).
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_1 = [
    Bug('conv_output_size', 'dilation_span_hardcoded_two_gaps',
        'Dilation is modelled as adding (dilation - 1) pixels "on each side" (span = kernel + 2*(dilation-1)), which only matches the true span for kernel=3; violates "the window spans dilation * (kernel - 1) + 1 pixels".', '''
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
            # a dilated 3x3 kernel has a gap of (dilation - 1) pixels on either side of the centre tap
            span = kernel + 2 * (dilation - 1)
            return (n + 2 * padding - span) // stride + 1
    '''),
    Bug('conv_output_size', 'padding_strided_separately',
        'Counts positions in the unpadded input and then adds 2*padding//stride extra positions for the padding, i.e. floor(a)+floor(b) instead of floor(a+b); violates "padding zeros are added on each side, so the window moves over n + 2 * padding positions" (e.g. n=5, kernel=3, padding=1, stride=3 gives 1, not 2).', '''
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
            span = dilation * (kernel - 1) + 1
            positions_inside = (n - span) // stride + 1      # positions over the real pixels
            extra_from_padding = (2 * padding) // stride     # the padding adds room for a few more steps
            return positions_inside + extra_from_padding
    '''),
    Alternative('conv_output_size', 'ceil_division_count',
        'Counts positions with integer ceil division: ceil((L - span + 1) / stride) == floor((L - span) / stride) + 1 for L - span >= 0, computed as -(-(L - span + 1) // stride) so the result is an int.', '''
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
            length = n + 2 * padding
            span = kernel + (kernel - 1) * (dilation - 1)   # taps plus the holes between them
            last_start = length - span                      # last admissible start position
            return -(-(last_start + 1) // stride)           # ceil((last_start + 1) / stride) in integers
    '''),
    Alternative('conv_output_size', 'enumerate_window_starts',
        'Literally enumerates the start positions 0, stride, 2*stride, ... where the window still fits and counts them; slow but exactly the definition given in the text, returns an int.', '''
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
            total = n + 2 * padding
            last_tap_offset = dilation * (kernel - 1)
            return len(range(0, total - last_tap_offset, stride))
    '''),
    Bug('build_conv_layer', 'padding_same',
        'Builds Conv2D with padding="same" (keeps spatial size); violates "A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding \\"valid\\"".', '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            layer = keras.layers.Conv2D(out_channels, kernel_size, strides=1, padding="same", use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    '''),
    Bug('build_conv_layer', 'tuple_kernel_made_square',
        'Normalises kernel_size to a square (k, k) using only its first entry, so (kh, kw)=(2, 4) gives a 2x2 kernel; violates "kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw)" and "kernel exists with shape (kh, kw, in_channels, out_channels)".', '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
            layer = keras.layers.Conv2D(out_channels, (k, k), strides=(1, 1), padding="valid", use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    '''),
    Bug('build_conv_layer', 'channels_first_layer',
        'Builds the layer with data_format="channels_first" for an (N, C, H, W) input; the kernel shape is still (kh, kw, in, out) but the layer convolves over the wrong axes of NHWC data; violates "already built for NHWC inputs with in_channels channels".', '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            # channels go right after the batch axis, like in the PyTorch course
            layer = keras.layers.Conv2D(out_channels, kernel_size, padding="valid", use_bias=bias,
                                        data_format="channels_first")
            layer.build((None, in_channels, None, None))
            return layer
    '''),
    Alternative('build_conv_layer', 'build_by_calling_on_dummy_batch',
        'Builds the layer by calling it once on a zero NHWC batch of the right channel count (the notebook text allows either calling it on a tensor or layer.build), with explicit (kh, kw) tuple and default padding.', '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            if isinstance(kernel_size, int):
                kh = kw = kernel_size
            else:
                kh, kw = kernel_size
            layer = keras.layers.Conv2D(filters=out_channels, kernel_size=(kh, kw), use_bias=bias)
            layer(tf.zeros((1, kh, kw, in_channels)))   # the smallest input the window fits in: builds the kernel
            return layer
    '''),
    Bug('count_parameters', 'skip_moving_by_name',
        'Counts all weights except those whose name contains "moving", so frozen layers are still counted; violates "the weights of frozen layers (trainable=False) do not count".', '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int
            """
            total = 0
            for w in layer.weights:
                if "moving" in w.name:   # BatchNorm running statistics are not learned
                    continue
                total += int(np.prod(w.shape))
            return total
    '''),
    Bug('count_parameters', 'returns_numpy_int',
        'RECLASSIFIED twice: an alternative once numpy integers counted as integers, a bug again in issue 25 (return types on the degenerate path): its np.sum of an empty list is the float 0.0 for a layer with nothing trainable. Sums np.prod of the trainable weight shapes and returns the numpy scalar (np.int64), and a float 0.0 when nothing is trainable; violates "Returns: int".', '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int
            """
            return np.sum([np.prod(w.shape) for w in layer.trainable_weights])
    '''),
    Bug('count_parameters', 'recursive_skip_frozen_sublayers_only',
        'Recurses into model.layers skipping sublayers with trainable=False, but for a leaf layer returns count_params() minus the "moving" statistics without looking at its own trainable flag, so a frozen layer passed directly (e.g. a Dense with trainable=False) is still counted; violates "the weights of frozen layers (trainable=False) do not count".', '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int
            """
            if hasattr(layer, "layers"):   # a model: add up its layers, skipping the frozen ones
                return sum(count_parameters(sub) for sub in layer.layers if sub.trainable)
            statistics = sum(int(np.prod(w.shape)) for w in layer.weights if "moving" in w.name)
            return int(layer.count_params()) - statistics
    '''),
    Alternative('count_parameters', 'count_params_minus_non_trainable',
        "Uses Keras' count_params() (all weights) and subtracts the sizes of non_trainable_weights, which in Keras 3 include both BN moving stats and the variables of frozen (sub)layers; cast to int.", '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int
            """
            frozen = sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
            return int(layer.count_params()) - frozen
    '''),
    Alternative('count_parameters', 'tf_size_over_trainable_variables',
        'Iterates layer.trainable_variables (recursive, excludes frozen layers and BN statistics) and adds tf.size of each as a Python int via math.prod of the static shape.', '''
        import math


        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int
            """
            n = 0
            for variable in layer.trainable_variables:
                n += math.prod(int(d) for d in variable.shape)
            return n
    '''),
    Alternative('conv_parameter_formula', 'numpy_prod_return',
        'RECLASSIFIED (numpy integers are integers: the docstring now says so): Computes np.prod(kernel_shape) + biases with numpy and returns an np.int64 instead of a Python int; violates "Returns: int".', '''
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            """Trainable scalars of a 2-D convolution, computed from its hyper-parameters alone.

            Args: as for build_conv_layer (kernel_size is an int or a tuple (kh, kw)).
            Returns:
                int
            """
            kernel = np.broadcast_to(kernel_size, (2,))
            weights = np.prod(kernel) * in_channels * out_channels
            return weights + (out_channels if bias else 0)
    '''),
    Bug('conv_parameter_formula', 'builds_a_layer_to_count',
        'Gets the number by building a keras Conv2D and calling count_params() instead of using a formula; the numbers are right but it violates "computed from its hyper-parameters alone" and "Now the same number without building anything: write the formula" (only detectable if the check forbids building layers).', '''
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            """Trainable scalars of a 2-D convolution, computed from its hyper-parameters alone.

            Args: as for build_conv_layer (kernel_size is an int or a tuple (kh, kw)).
            Returns:
                int
            """
            layer = keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias)
            layer.build((None, None, None, in_channels))
            return int(layer.count_params())
    '''),
    Alternative('conv_parameter_formula', 'numpy_broadcast_then_int',
        'Treats int and tuple kernel sizes uniformly with np.broadcast_to and converts the product to a Python int; bias adds one scalar per output channel (int(bool) arithmetic).', '''
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            """Trainable scalars of a 2-D convolution, computed from its hyper-parameters alone.

            Args: as for build_conv_layer (kernel_size is an int or a tuple (kh, kw)).
            Returns:
                int
            """
            kh, kw = (int(k) for k in np.broadcast_to(kernel_size, (2,)))
            per_filter = kh * kw * in_channels + int(bool(bias))
            return out_channels * per_filter
    '''),
    Bug('shift_sensitivity', 'normalise_by_shifted',
        'Divides by the mean of the pooled SHIFTED input instead of the pooled original; violates "return mean(|pooled - pooled_shifted|) / mean(|pooled|)".', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            pool = keras.layers.MaxPooling2D(2, 2) if kind == "max" else keras.layers.AveragePooling2D(2, 2)
            pooled = pool(x)
            pooled_shifted = pool(tf.roll(x, shift=1, axis=2))
            change = tf.reduce_mean(tf.abs(pooled - pooled_shifted))
            return float(change / tf.reduce_mean(tf.abs(pooled_shifted)))
    '''),
    Bug('shift_sensitivity', 'same_padding_pool',
        'Pools with padding="SAME", which pads odd-sized inputs and adds an extra partial window; violates "pool x with a 2x2 window and stride 2 (no padding ...)".', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            def pool(t):
                if kind == "max":
                    return tf.nn.max_pool2d(t, ksize=2, strides=2, padding="SAME")
                return tf.nn.avg_pool2d(t, ksize=2, strides=2, padding="SAME")

            pooled = pool(x)
            pooled_shifted = pool(tf.roll(x, 1, axis=2))
            return float(tf.reduce_mean(tf.abs(pooled - pooled_shifted)) / tf.reduce_mean(tf.abs(pooled)))
    '''),
    Bug('shift_sensitivity', 'denominator_without_abs',
        'Normalises by mean(pooled) instead of mean(|pooled|), which is wrong (even negative) for signed inputs; violates "return mean(|pooled - pooled_shifted|) / mean(|pooled|)".', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            pooled_shifted = pool(tf.roll(x, 1, axis=2), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - pooled_shifted)) / tf.reduce_mean(pooled))
    '''),
    Bug('shift_sensitivity', 'kind_mean_string',
        'Selects average pooling only when kind == "mean", so kind="avg" silently uses max pooling; violates "kind (str): \\"max\\" for max pooling, \\"avg\\" for average pooling".', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            if kind == "mean":
                pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)
            else:
                pool = keras.layers.MaxPooling2D(pool_size=2, strides=2)
            a = pool(x)
            b = pool(tf.roll(x, shift=1, axis=2))
            return float(tf.reduce_mean(tf.abs(a - b)) / tf.reduce_mean(tf.abs(a)))
    '''),
    Bug('shift_sensitivity', 'zero_fill_shift_not_circular',
        'Shifts right by padding a zero column on the left and cropping the last column (a non-circular shift), so a pixel in the last column vanishes instead of wrapping around; violates "shift x one pixel to the right with a circular roll along the width axis (tf.roll ...)".', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            # move everything one pixel right: a zero column comes in on the left, the last column falls off
            shifted = tf.pad(x, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1, :]
            a = pool(x, 2, 2, "VALID")
            b = pool(shifted, 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(a - b)) / tf.reduce_mean(tf.abs(a)))
    '''),
    Alternative('shift_sensitivity', 'numpy_reshape_pooling',
        'Does everything in NumPy: crops to even H, W (what VALID pooling does), pools by reshaping to (N, H/2, 2, W/2, 2, C) and reducing axes (2, 4), rolls with np.roll(axis=2); returns a Python float.', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            arr = np.asarray(x, dtype=np.float64)
            reduce = {"max": np.max, "avg": np.mean}[kind]

            def pool(a):
                n, h, w, c = a.shape
                a = a[:, : h // 2 * 2, : w // 2 * 2, :]          # no padding: the odd last row/column is dropped
                return reduce(a.reshape(n, h // 2, 2, w // 2, 2, c), axis=(2, 4))

            pooled = pool(arr)
            pooled_shifted = pool(np.roll(arr, 1, axis=2))
            return float(np.abs(pooled - pooled_shifted).mean() / np.abs(pooled).mean())
    '''),
    Alternative('shift_sensitivity', 'single_pool_on_stacked_batch',
        'Concatenates x and its rolled copy along the batch axis, pools once with tf.nn.pool (VALID, window and stride 2) and splits the result; same numbers, one pooling call.', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|).
            """
            x = tf.convert_to_tensor(x)
            pooling_type = {"max": "MAX", "avg": "AVG"}[kind]
            both = tf.concat([x, tf.roll(x, shift=1, axis=2)], axis=0)
            pooled_both = tf.nn.pool(both, window_shape=[2, 2], pooling_type=pooling_type, strides=[2, 2], padding="VALID")
            pooled, pooled_shifted = tf.split(pooled_both, 2, axis=0)
            num = tf.reduce_mean(tf.abs(pooled - pooled_shifted))
            den = tf.reduce_mean(tf.abs(pooled))
            return float((num / den).numpy())
    '''),
    Bug('layouts', 'nhwc_to_nchw_casts_to_float32',
        'nhwc_to_nchw casts its input to float32 before transposing ("images are floats"), so int32/float64 tensors come back with another dtype (and float64 loses precision); violates "-> the same data as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]".', '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            return tf.transpose(x, perm=[0, 2, 3, 1])


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            x = tf.cast(x, tf.float32)  # image data is float
            return tf.transpose(x, perm=[0, 3, 1, 2])
    '''),
    Alternative('layouts', 'moveaxis_and_cyclic',
        'nchw_to_nhwc via tf.experimental.numpy.moveaxis (channel axis 1 -> last); nhwc_to_nchw as the inverse cyclic permutation obtained by applying nchw_to_nhwc twice (the 3-cycle on axes 1..3 has order 3).', '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            return tf.experimental.numpy.moveaxis(x, 1, -1)


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            # (0, 2, 3, 1) applied twice is (0, 3, 1, 2): rotating the last three axes twice undoes one rotation
            return nchw_to_nhwc(nchw_to_nhwc(x))
    '''),
    Alternative('layouts', 'unstack_stack',
        'Splits the channel axis with tf.unstack and re-stacks the per-channel planes on the target axis; same values, dtype and shape as the transpose.', '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            planes = tf.unstack(x, axis=1)        # C tensors of shape (N, H, W)
            return tf.stack(planes, axis=-1)


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            planes = tf.unstack(x, axis=-1)       # C tensors of shape (N, H, W)
            return tf.stack(planes, axis=1)
    '''),
]
ENTRIES += BLIND_ROUND_1


# Written blind for issue 14 (second round, after the checks were strengthened for round 1) by another tester who saw only the release notebook.
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_2 = [
    Bug('conv_output_size', 'dilation_span_hardcoded_for_3x3',
        "Computes the dilated span as kernel + 2*(dilation-1) (treating dilation like padding on each side), which only equals the stated 'the window spans dilation * (kernel - 1) + 1 pixels' when kernel == 3 (e.g. n=20, kernel=5, dilation=2 gives 14 instead of 12).", '''
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
            # dilation spreads the taps apart: the window grows by (dilation - 1) on each side
            effective_kernel = kernel + 2 * (dilation - 1)
            padded = n + 2 * padding
            return (padded - effective_kernel) // stride + 1
    '''),
    Bug('build_conv_layer', 'square_kernel_tuple_crash',
        "Always wraps kernel_size as (kernel_size, kernel_size), so a tuple argument becomes a tuple of tuples and Conv2D raises; violates 'kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw)'.", '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            layer = keras.layers.Conv2D(
                filters=out_channels,
                kernel_size=(kernel_size, kernel_size),
                strides=(1, 1),
                padding="valid",
                use_bias=bias,
            )
            layer.build((None, None, None, in_channels))
            return layer
    '''),
    Bug('build_conv_layer', 'blind_padding_same',
        'Builds the Conv2D with padding="same" (so the feature map keeps its size) although the contract says \'A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid"\'.', '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            layer = keras.layers.Conv2D(out_channels, kernel_size, strides=1, padding="same", use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    '''),
    Bug('build_conv_layer', 'channels_first_build',
        'PyTorch habit: builds the layer with data_format="channels_first" for an (N, C, H, W) input; the kernel shape is still (kh, kw, in, out) so the public checks pass, but the layer is not \'already built for NHWC inputs with in_channels channels\' and fails on an NHWC batch.', '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            layer = keras.layers.Conv2D(out_channels, kernel_size, padding="valid", use_bias=bias,
                                        data_format="channels_first")
            # build for a batch of in_channels-channel images
            layer.build((None, in_channels, None, None))
            return layer
    '''),
    Bug('count_parameters', 'recursion_double_counts_nested',
        "Adds the trainable weights of every sub-layer on top of layer.trainable_weights (which already includes them), so any model is counted at least twice; violates 'Number of trainable scalars in a built Keras layer or model (including nested layers)'.", '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int (a Python int or a numpy integer)
            """
            total = 0
            for weight in layer.trainable_weights:
                total += int(np.prod(weight.shape))
            # models contain other layers: add them too
            for sublayer in getattr(layer, "layers", []):
                total += count_parameters(sublayer)
            return total
    '''),
    Bug('count_parameters', 'name_filter_top_level_frozen_only',
        "Only checks trainable on the outermost layer and drops BatchNorm statistics by name ('moving'), so a frozen sub-layer inside a trainable model (and other non-trainable weights) is still counted; violates 'Non-trainable weights ... and the weights of frozen layers (trainable=False) do not count'.", '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int (a Python int or a numpy integer)
            """
            if not layer.trainable:
                return 0
            total = 0
            for weight in layer.weights:
                if "moving" in weight.name:  # BatchNormalization's moving_mean / moving_variance
                    continue
                total += int(np.prod(weight.shape))
            return total
    '''),
    Bug('conv_parameter_formula', 'tf_int32_reduce_prod',
        "Computes the count with tf.reduce_prod on a Python list, which returns an int32 EagerTensor: not 'int (a Python int or a numpy integer)' and it overflows for big layers although 'it must work for layers far too large to build' (e.g. 3x3, 4096 -> 65536 channels).", '''
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            """Trainable scalars of a 2-D convolution, computed from its hyper-parameters alone:
            without building a layer (it must work for layers far too large to build).

            Args: as for build_conv_layer (kernel_size is an int or a tuple (kh, kw)).
            Returns:
                int (a Python int or a numpy integer)
            """
            if isinstance(kernel_size, int):
                kernel_size = (kernel_size, kernel_size)
            kh, kw = kernel_size
            n_params = tf.reduce_prod([kh, kw, in_channels, out_channels])
            if bias:
                n_params += out_channels
            return n_params
    '''),
    Bug('shift_sensitivity', 'same_padding_keeps_odd_column',
        'Pools with padding="SAME", which keeps a partial window for an odd height/width, whereas the docstring says \'Pooling uses 2x2 windows with stride 2 and no padding: a last odd row or column is dropped\'.', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Pooling uses 2x2 windows with stride 2 and no padding: a last odd row or column is dropped.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|), each mean taken over
                every element (all images, channels and positions together).
            """
            if kind == "max":
                pool = lambda t: tf.nn.max_pool2d(t, ksize=2, strides=2, padding="SAME")
            elif kind == "avg":
                pool = lambda t: tf.nn.avg_pool2d(t, ksize=2, strides=2, padding="SAME")
            else:
                raise ValueError(kind)
            pooled = pool(x)
            pooled_shifted = pool(tf.roll(x, shift=1, axis=2))
            return float(tf.reduce_mean(tf.abs(pooled - pooled_shifted)) / tf.reduce_mean(tf.abs(pooled)))
    '''),
    Bug('shift_sensitivity', 'blind_denominator_without_abs',
        "Divides by mean(pooled) instead of mean(|pooled|), which is only the same for non-negative inputs; violates 'return mean(|pooled - pooled_shifted|) / mean(|pooled|)' for signed features.", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Pooling uses 2x2 windows with stride 2 and no padding: a last odd row or column is dropped.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|), each mean taken over
                every element (all images, channels and positions together).
            """
            layer = keras.layers.MaxPooling2D(2, 2) if kind == "max" else keras.layers.AveragePooling2D(2, 2)
            pooled = layer(x)
            pooled_shifted = layer(tf.roll(x, 1, axis=2))
            change = tf.reduce_mean(tf.abs(pooled - pooled_shifted))
            return float(change / tf.reduce_mean(pooled))
    '''),
    Bug('shift_sensitivity', 'per_image_ratio_averaged',
        "Computes the ratio separately for each image and averages the ratios, instead of 'each mean taken over every element (all images, channels and positions together)'; identical only for N == 1.", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Pooling uses 2x2 windows with stride 2 and no padding: a last odd row or column is dropped.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|), each mean taken over
                every element (all images, channels and positions together).
            """
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            pooled_shifted = pool(tf.roll(x, shift=1, axis=2), 2, 2, "VALID")
            diff = tf.reduce_mean(tf.abs(pooled - pooled_shifted), axis=[1, 2, 3])   # one value per image
            size = tf.reduce_mean(tf.abs(pooled), axis=[1, 2, 3])
            return float(tf.reduce_mean(diff / size))
    '''),
    Bug('shift_sensitivity', 'crop_before_roll',
        "Crops x to an even width before rolling, so for an odd width the column that wraps around is W-2 instead of W-1; the contract rolls the input itself ('pool(roll(x, 1 pixel along W))') and only the pooling drops the last odd column.", '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Pooling uses 2x2 windows with stride 2 and no padding: a last odd row or column is dropped.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|), each mean taken over
                every element (all images, channels and positions together).
            """
            # drop a last odd row / column first, as the pooling does
            h = (x.shape[1] // 2) * 2
            w = (x.shape[2] // 2) * 2
            x = x[:, :h, :w, :]
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, ksize=2, strides=2, padding="VALID")
            pooled_shifted = pool(tf.roll(x, shift=1, axis=2), ksize=2, strides=2, padding="VALID")
            return float(tf.reduce_mean(tf.abs(pooled - pooled_shifted)) / tf.reduce_mean(tf.abs(pooled)))
    '''),
    Bug('layouts', 'casts_to_float32',
        "Casts the input with tf.cast(x, tf.float32) before transposing, so integer or float64/float16 tensors come back as float32; violates 'the same data (same dtype)'.", '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data (same dtype) as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            x = tf.cast(x, tf.float32)  # work in float
            return tf.transpose(x, perm=[0, 2, 3, 1])


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data (same dtype) as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            x = tf.cast(x, tf.float32)  # work in float
            return tf.transpose(x, perm=[0, 3, 1, 2])
    '''),
    Alternative('conv_output_size', 'count_positions_loop',
        "Literally counts the window's starting positions with a while loop (start, start+stride, ... while start + span <= n + 2*padding); same result as the floor formula and returns a Python int.", '''
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
            length = n + 2 * padding
            span = dilation * (kernel - 1) + 1
            count = 0
            start = 0
            while start + span <= length:
                count += 1
                start += stride
            return count
    '''),
    Alternative('conv_output_size', 'ceil_formula',
        'Uses the equivalent ceiling form ceil((n + 2p - span + 1) / stride) with math.ceil (which returns an int), since floor((a - 1) / s) + 1 == ceil(a / s) for a >= 1.', '''
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
            free = n + 2 * padding - (dilation * (kernel - 1) + 1)   # pixels left after the first position
            return math.ceil((free + 1) / stride)
    '''),
    Alternative('build_conv_layer', 'blind_build_by_calling_on_dummy_batch',
        'Builds the layer by calling it once on a zero NHWC batch just large enough for the kernel instead of layer.build; the kernel then exists with shape (kh, kw, in, out) and the layer is built for NHWC.', '''
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            """A built 2-D convolution layer (keras.layers.Conv2D) with stride 1 and padding "valid".

            Args:
                in_channels (int), out_channels (int): channel counts.
                kernel_size (int or tuple of 2 ints): square kernel size, or (kh, kw).
                bias (bool): whether the layer has a bias per output channel.

            Returns:
                keras.layers.Conv2D: the layer, already built for NHWC inputs with in_channels channels, so that its
                kernel exists with shape (kh, kw, in_channels, out_channels).
            """
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
            layer = keras.layers.Conv2D(filters=out_channels, kernel_size=(kh, kw), strides=1, padding="valid",
                                        use_bias=bias, data_format="channels_last")
            layer(tf.zeros((1, kh, kw, in_channels)))   # the first call builds the weights
            return layer
    '''),
    Alternative('count_parameters', 'weights_filtered_by_variable_flag',
        "Iterates over all layer.weights and keeps those whose variable has trainable=True, summing tf.size (Keras 3 marks a frozen layer's variables and BN moving statistics as non-trainable), returning a Python int.", '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int (a Python int or a numpy integer)
            """
            if not layer.trainable:
                return 0
            return int(sum(int(tf.size(w)) for w in layer.weights if w.trainable))
    '''),
    Alternative('count_parameters', 'all_minus_non_trainable',
        "Counts every weight with count_params() and subtracts the size of the non_trainable_weights (which include the frozen layers' weights and BN statistics): total - non-trainable = trainable.", '''
        def count_parameters(layer):
            """Number of trainable scalars in a built Keras layer or model (including nested layers).

            Count every element of every trainable weight. Non-trainable weights (such as BatchNormalization's moving
            statistics) and the weights of frozen layers (trainable=False) do not count.

            Returns:
                int (a Python int or a numpy integer)
            """
            everything = layer.count_params()
            frozen = sum(int(np.prod(w.shape, dtype=np.int64)) for w in layer.non_trainable_weights)
            return int(everything - frozen)
    '''),
    Alternative('conv_parameter_formula', 'factored_per_filter',
        'Factors the count per output channel: out * (kh*kw*in + [bias]), using plain Python ints (no overflow).', '''
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            """Trainable scalars of a 2-D convolution, computed from its hyper-parameters alone:
            without building a layer (it must work for layers far too large to build).

            Args: as for build_conv_layer (kernel_size is an int or a tuple (kh, kw)).
            Returns:
                int (a Python int or a numpy integer)
            """
            try:
                kh, kw = kernel_size
            except TypeError:          # a single int
                kh = kw = kernel_size
            per_filter = int(kh) * int(kw) * int(in_channels) + (1 if bias else 0)
            return int(out_channels) * per_filter
    '''),
    Alternative('shift_sensitivity', 'reshape_pooling_concat_roll',
        'Pools by cropping to even H/W and reshaping to (N, H/2, 2, W/2, 2, C) then reducing axes 2 and 4, and rolls with a concat of the last column in front; same numbers as tf.roll + VALID pooling.', '''
        def shift_sensitivity(x, kind):
            """Relative change of 2x2/stride-2 pooled features when the input is rolled one pixel to the right.

            Args:
                x (tf.Tensor): float tensor of shape (N, H, W, C) (NHWC).
                kind (str): "max" for max pooling, "avg" for average pooling.

            Pooling uses 2x2 windows with stride 2 and no padding: a last odd row or column is dropped.

            Returns:
                float: mean(|pool(x) - pool(roll(x, 1 pixel along W))|) / mean(|pool(x)|), each mean taken over
                every element (all images, channels and positions together).
            """
            x = tf.convert_to_tensor(x)
            reduce = {"max": tf.reduce_max, "avg": tf.reduce_mean}[kind]

            def pool(t):
                n, h, w, c = t.shape
                t = t[:, : h // 2 * 2, : w // 2 * 2, :]
                t = tf.reshape(t, (-1, h // 2, 2, w // 2, 2, c))
                return reduce(t, axis=[2, 4])

            rolled = tf.concat([x[:, :, -1:, :], x[:, :, :-1, :]], axis=2)   # last column moves to the front
            pooled, pooled_rolled = pool(x), pool(rolled)
            numerator = tf.reduce_mean(tf.abs(pooled - pooled_rolled))
            denominator = tf.reduce_mean(tf.abs(pooled))
            return float(numerator.numpy() / denominator.numpy())
    '''),
    Bug('layouts', 'einsum_and_cycle',
        "RECLASSIFIED (issue 25: every dtype; tf.einsum has no kernel for uint8 or bool): nchw_to_nhwc uses tf.einsum('nchw->nhwc'); nhwc_to_nchw applies that 3-cycle of the C,H,W axes twice (a 3-cycle's square is its inverse); pure permutations, dtype kept.", '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data (same dtype) as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            return tf.einsum("nchw->nhwc", x)


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data (same dtype) as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            # moving C to the end is a 3-cycle of the last three axes; doing it twice moves the last axis to the front
            return nchw_to_nhwc(nchw_to_nhwc(x))
    '''),
    Alternative('layouts', 'blind_moveaxis',
        'Uses tf.experimental.numpy.moveaxis to move the channel axis (1 -> -1 and -1 -> 1); an axis permutation, not a reshape, and it keeps the dtype.', '''
        def nchw_to_nhwc(x):
            """Tensor of shape (N, C, H, W) -> the same data (same dtype) as (N, H, W, C): out[n, h, w, c] == x[n, c, h, w]."""
            return tf.experimental.numpy.moveaxis(x, 1, -1)


        def nhwc_to_nchw(x):
            """Tensor of shape (N, H, W, C) -> the same data (same dtype) as (N, C, H, W): out[n, c, h, w] == x[n, h, w, c]."""
            return tf.experimental.numpy.moveaxis(x, -1, 1)
    '''),
]
ENTRIES += BLIND_ROUND_2

# Issue 25: kinds of mistakes a third blind round got past the checks (each missed by the hidden checks alone before).
ENTRIES += [
    Bug("build_conv_layer", "r25_bias_off_by_default",
        "changes the signature's default to bias=False, so build_conv_layer(in, out, k) has no bias", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=False):
            layer = keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    """),
    Bug("count_parameters", "r25_sublayers_only",
        "sums over a model's sublayers, which loses the weights a subclassed model owns itself", """
        def count_parameters(layer):
            if getattr(layer, "layers", None):
                return sum(count_parameters(sub) for sub in layer.layers)
            return int(sum(np.prod(w.shape) for w in layer.trainable_weights))
    """),
    Bug("shift_sensitivity", "r25_numpy_scalar",
        "returns a numpy float32 (.numpy() of the 0-d result), not the Python float the docstring asks for", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, ksize=2, strides=2, padding="VALID")
            shifted = pool(tf.roll(x, shift=1, axis=2), ksize=2, strides=2, padding="VALID")
            return (tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled))).numpy()
    """),
]

from instructor_only.catalogue.blind_round_4.warmup_tensorflow import ENTRIES as BLIND_ROUND_4  # noqa: E402

ENTRIES += BLIND_ROUND_4
