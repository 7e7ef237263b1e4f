"""Round-4 blind entries for warmup_tensorflow (issue 25), as the tester wrote them (see the package's docstring)."""
from instructor_only.catalogue import Alternative, Bug

ENTRIES = [
    # ------------------------------------------------------------------ conv_output_size
    Bug("conv_output_size", "blind4_ignores_dilation", "Uses the plain kernel size as the window span, so any dilation > 1 gives too many positions.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            return (n + 2 * padding - kernel) // stride + 1
    """),
    Bug("conv_output_size", "blind4_dilation_span_fixed_two_gaps", "Computes the dilated span as kernel + 2*(dilation-1) (right only for 3-tap windows, or dilation 1), so e.g. a dilated 5-tap window is taken too short.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = kernel + 2 * (dilation - 1)
            return (n + 2 * padding - span) // stride + 1
    """),
    Bug("conv_output_size", "blind4_dilation_loss_not_strided", "Subtracts the positions lost to dilation after the stride division without dividing them by the stride: right for stride 1 only.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            out = (n + 2 * padding - kernel) // stride + 1
            out -= (dilation - 1) * (kernel - 1)
            return out
    """),
    Alternative("conv_output_size", "blind4_float_division_truncated", "RECLASSIFIED (exact below 2**53 pixels, longer than any image: the checks stop at 4,096), written as a bug: Divides in floating point and truncates with int(): right for ordinary sizes but wrong once the lengths exceed float precision (around 2**53).", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            return int((n + 2 * padding - span) / stride) + 1
    """),
    Bug("conv_output_size", "blind4_half_kernel_odd_only", "Thinks in terms of a kernel radius dilation*(kernel//2) on each side, which only equals the span for odd kernels; even kernels lose a position for some n.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            radius = dilation * (kernel // 2)
            return (n + 2 * padding - 2 * radius - 1) // stride + 1
    """),
    Bug("conv_output_size", "blind4_padding_one_side", "Adds the padding only once although the contract says it is added on EACH side.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            return (n + padding - span) // stride + 1
    """),
    Bug("conv_output_size", "blind4_padding_means_same", "Treats any non-zero padding as Keras 'same' padding (ceil(n/stride)), ignoring the actual number of padded zeros and the kernel.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            if padding > 0:
                return -(-n // stride)
            span = dilation * (kernel - 1) + 1
            return (n - span) // stride + 1
    """),
    Bug("conv_output_size", "blind4_round_instead_of_floor", "Rounds the number of strides to the nearest integer instead of flooring it, counting a window position that does not fit.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            return round((n + 2 * padding - span) / stride) + 1
    """),
    Bug("conv_output_size", "blind4_padding_scaled_by_dilation", "Multiplies the padding by the dilation (confusing it with the 'same'-padding rule for dilated kernels), so padded dilated windows get too many positions.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            return (n + 2 * padding * dilation - span) // stride + 1
    """),
    Alternative("conv_output_size", "blind4_ceil_division", "Counts positions as ceil((n + 2p - span + 1) / stride) with exact integer ceil division, which equals floor((n + 2p - span) / stride) + 1 for non-negative integers.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            return -(-(n + 2 * padding - span + 1) // stride)
    """),
    Alternative("conv_output_size", "blind4_len_of_range", "Counts the valid start positions directly as the length of range(0, last_start + 1, stride); len() of a range is an exact int without iterating.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            span = dilation * (kernel - 1) + 1
            last_start = n + 2 * padding - span
            return len(range(0, last_start + 1, stride))
    """),
    Alternative("conv_output_size", "blind4_divmod", "Uses divmod on the free length and adds the first position; the quotient of divmod is floor division on ints.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            padded = n + 2 * padding
            span = (kernel - 1) * dilation + 1
            steps, _ = divmod(padded - span, stride)
            return int(steps) + 1
    """),
    Alternative("conv_output_size", "blind4_plus_stride_floor", "Folds the +1 into the numerator: (free + stride) // stride == free // stride + 1 exactly for integers.", """
        def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):
            free = n + 2 * padding - dilation * kernel + dilation - 1
            return (free + stride) // stride
    """),

    # ------------------------------------------------------------------ build_conv_layer
    Bug("build_conv_layer", "blind4_padding_same", "Builds the layer with padding='same' although the contract asks for 'valid' (the kernel shape is the same, the outputs are not).", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size, strides=1, padding="same", use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    """),
    Bug("build_conv_layer", "blind4_channels_first", "Builds a channels_first (NCHW) layer; the kernel shape looks right but the layer is not built for NHWC inputs as the contract requires.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias, data_format="channels_first")
            layer.build((None, in_channels, None, None))
            return layer
    """),
    Bug("build_conv_layer", "blind4_tuple_made_square", "For a tuple kernel_size uses only its first entry, building a square kh x kh kernel instead of kh x kw.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
            layer = keras.layers.Conv2D(out_channels, (k, k), use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    """),
    Bug("build_conv_layer", "blind4_tuple_reversed", "Unpacks a tuple kernel_size as (kw, kh), so non-square kernels come out transposed.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, int):
                kernel_size = (kernel_size, kernel_size)
            kw, kh = kernel_size
            layer = keras.layers.Conv2D(out_channels, (kh, kw), use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    """),
    Bug("build_conv_layer", "blind4_build_on_small_dummy_image", "Builds the layer by calling it on a fixed 5x5 dummy image, which fails for kernels larger than 5 (e.g. the 7x7 ResNet stem).", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias)
            layer(tf.zeros((1, 5, 5, in_channels)))
            return layer
    """),
    Bug("build_conv_layer", "blind4_bias_removed_after_build", "Always builds with a bias and then sets layer.bias = None: the bias variable is still tracked and trained, so the layer still owns out_channels bias weights.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size)
            layer.build((None, None, None, in_channels))
            if not bias:
                layer.bias = None
            return layer
    """),
    Bug("build_conv_layer", "blind4_dummy_image_int_kernel_only", "Builds by calling on a kernel_size x kernel_size dummy image, which only works when kernel_size is an int, not a (kh, kw) tuple.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size, padding="valid", use_bias=bias)
            layer(tf.zeros((1, kernel_size, kernel_size, in_channels)))
            return layer
    """),
    Bug("build_conv_layer", "blind4_input_shape_kwarg_not_built", "Passes input_shape to the constructor expecting it to build the layer; in Keras 3 the layer stays unbuilt and has no kernel.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            return keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias, input_shape=(None, None, in_channels))
    """),
    Bug("build_conv_layer", "blind4_default_bias_false", "Changes the default of bias to False, so a call without bias builds a layer without the bias the contract's default (True) asks for.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=False):
            layer = keras.layers.Conv2D(out_channels, kernel_size, padding="valid", use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer
    """),
    Alternative("build_conv_layer", "blind4_call_on_symbolic_input", "Builds the layer by calling it on a symbolic keras.Input with unknown height/width and in_channels channels, which builds it for any kernel size.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(filters=out_channels, kernel_size=kernel_size, strides=(1, 1),
                                        padding="valid", use_bias=bias)
            layer(keras.Input(shape=(None, None, in_channels)))
            return layer
    """),
    Alternative("build_conv_layer", "blind4_call_on_kernel_sized_zeros", "Normalises the kernel to (kh, kw) and builds by calling on a zero image exactly the kernel's size (valid output 1x1), so it works for every kernel.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
            layer = keras.layers.Conv2D(out_channels, (kh, kw), use_bias=bool(bias))
            layer(tf.zeros((1, kh, kw, in_channels)))
            return layer
    """),
    Alternative("build_conv_layer", "blind4_sequential_builds", "Puts the layer in a Sequential model with an Input, which builds it, and returns the layer itself.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            conv = keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias)
            keras.Sequential([keras.Input((None, None, in_channels)), conv])
            return conv
    """),
    Alternative("build_conv_layer", "blind4_explicit_arguments", "Spells out every argument (tuple kernel via np.broadcast_to, upper-case 'VALID', channels_last) and builds with a TensorShape.", """
        def build_conv_layer(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (int(k) for k in np.broadcast_to(kernel_size, (2,)))
            layer = keras.layers.Conv2D(out_channels, kernel_size=(kh, kw), strides=(1, 1), padding="VALID",
                                        data_format="channels_last", dilation_rate=(1, 1), use_bias=bias)
            layer.build(tf.TensorShape([None, None, None, in_channels]))
            return layer
    """),

    # ------------------------------------------------------------------ count_parameters
    Bug("count_parameters", "blind4_np_sum_float_when_empty", "np.sum of an empty list is the float 0.0, so a layer without trainable weights (frozen, or weightless) returns a float, not an int.", """
        def count_parameters(layer):
            return np.sum([np.prod(w.shape) for w in layer.trainable_weights])
    """),
    Bug("count_parameters", "blind4_tf_size_tensor", "Sums tf.size(...) results, so it returns a 0-d int32 tf.Tensor rather than an int.", """
        def count_parameters(layer):
            return sum(tf.size(w) for w in layer.trainable_weights)
    """),
    Bug("count_parameters", "blind4_np_prod_scalar_weight_float", "np.prod(()) is the float 1.0, so a layer or model with a scalar trainable weight makes the count a float.", """
        def count_parameters(layer):
            return sum(np.prod(w.shape) for w in layer.trainable_weights)
    """),
    Bug("count_parameters", "blind4_recurse_layers_only", "For models it only sums its .layers recursively: weights a model owns itself are missed and a layer used twice is counted twice.", """
        def count_parameters(layer):
            children = getattr(layer, "layers", None)
            if children:
                return sum(count_parameters(child) for child in children)
            return sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    """),
    Bug("count_parameters", "blind4_own_plus_children_double", "Adds the children's counts to the model's trainable_weights, which already include the children's weights: nested models are counted twice.", """
        def count_parameters(layer):
            total = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
            for child in getattr(layer, "layers", []):
                total += count_parameters(child)
            return total
    """),
    Bug("count_parameters", "blind4_float_accumulator", "Starts the running total at 0.0, so the count is always a float (0.0 for a frozen layer) instead of an int.", """
        def count_parameters(layer):
            total = 0.0
            for w in layer.trainable_weights:
                total += np.prod(w.shape)
            return total
    """),
    Bug("count_parameters", "blind4_filter_moving_by_name", "Excludes non-trainable weights by the name 'moving', which only works for BatchNormalization; other non-trainable weights (and frozen sublayers) are counted.", """
        def count_parameters(layer):
            if not layer.trainable:
                return 0
            return sum(int(np.prod(w.shape)) for w in layer.weights if "moving" not in w.name)
    """),
    Bug("count_parameters", "blind4_dedup_by_name", "De-duplicates weights by their name, but Keras 3 names are not unique ('kernel', 'bias'), so the weights of all but one layer of each kind are dropped.", """
        def count_parameters(layer):
            unique = {w.name: w for w in layer.trainable_weights}
            return sum(int(np.prod(w.shape)) for w in unique.values())
    """),
    Bug("count_parameters", "blind4_count_params_all_weights", "Uses layer.count_params(), which counts non-trainable weights too (BatchNormalization's moving statistics).", """
        def count_parameters(layer):
            if not layer.trainable:
                return 0
            return int(layer.count_params())
    """),
    Alternative("count_parameters", "blind4_numpy_size", "Sums .numpy().size (a Python int) over trainable_weights; the empty sum is the int 0.", """
        def count_parameters(layer):
            return sum(w.numpy().size for w in layer.trainable_weights)
    """),
    Alternative("count_parameters", "blind4_dedup_by_id_math_prod", "De-duplicates trainable variables by identity and multiplies shape entries with math.prod (int 1 for scalars).", """
        import math

        def count_parameters(layer):
            unique = {id(v): v for v in layer.trainable_variables}
            return sum(math.prod(int(d) for d in v.shape) for v in unique.values())
    """),
    Alternative("count_parameters", "blind4_numpy_int64", "Computes with explicit int64 numpy reductions, returning a numpy integer even for an empty or scalar-weight list.", """
        def count_parameters(layer):
            sizes = [np.prod(w.shape, dtype=np.int64) for w in layer.trainable_weights]
            return np.sum(np.array(sizes, dtype=np.int64), dtype=np.int64)
    """),
    Alternative("count_parameters", "blind4_weights_minus_non_trainable", "Counts all weights whose identity is not among non_trainable_weights (which, in Keras, holds every weight of a frozen layer).", """
        def count_parameters(layer):
            frozen = {id(w) for w in layer.non_trainable_weights}
            total = 0
            for w in layer.weights:
                if id(w) not in frozen:
                    total += int(tf.size(w, out_type=tf.int64))
            return total
    """),

    # ------------------------------------------------------------------ conv_parameter_formula
    Bug("conv_parameter_formula", "blind4_conditional_precedence", "Writes 'weights + out if bias else 0', which Python parses as (weights + out) if bias else 0: a layer without bias gets 0 parameters.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            return kh * kw * in_channels * out_channels + out_channels if bias else 0
    """),
    Bug("conv_parameter_formula", "blind4_default_bias_false", "Changes the default of bias to False, so calling without bias forgets the biases the contract's default (True) includes.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=False):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            return kh * kw * in_channels * out_channels + (out_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "blind4_builds_a_layer", "Builds a real Conv2D and calls count_params(), which the contract forbids and which fails (memory) for layers too large to build.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            layer = keras.layers.Conv2D(out_channels, kernel_size, use_bias=bias)
            layer.build((None, None, None, in_channels))
            return layer.count_params()
    """),
    Bug("conv_parameter_formula", "blind4_allocates_kernel_tensor", "Allocates a zero kernel tensor to read its size: not 'from the hyper-parameters alone', and it runs out of memory for huge layers.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            kernel = tf.zeros((kh, kw, in_channels, out_channels))
            return int(tf.size(kernel)) + (out_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "blind4_tf_int32_overflow", "Multiplies in a tf int32 tensor, which silently overflows for layers with more than 2**31 weights.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            n = tf.reduce_prod(tf.constant([kh, kw, in_channels, out_channels]))
            if bias:
                n += out_channels
            return int(n)
    """),
    Bug("conv_parameter_formula", "blind4_math_pow_float", "Uses math.pow for a square kernel, so an int kernel_size returns a float instead of an int.", """
        import math

        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, int):
                area = math.pow(kernel_size, 2)
            else:
                area = kernel_size[0] * kernel_size[1]
            return area * in_channels * out_channels + (out_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "blind4_tuple_squared_first", "For a tuple kernel squares its first entry, counting a kh x kh kernel instead of kh x kw.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
            return k * k * in_channels * out_channels + (out_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "blind4_bias_per_input_channel", "Counts one bias per input channel instead of one per output channel (filter).", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            return kh * kw * in_channels * out_channels + (in_channels if bias else 0)
    """),
    Bug("conv_parameter_formula", "blind4_float32_numpy", "Computes in np.float32, returning a float (not an int) that also loses exactness once the count passes 2**24.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
            weights = np.float32(kh * kw) * in_channels * out_channels
            return weights + (out_channels if bias else 0)
    """),
    Alternative("conv_parameter_formula", "blind4_math_prod", "Uses math.prod over the kernel shape and adds out_channels * int(bias); exact Python ints at any size.", """
        import math

        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kernel = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
            return math.prod(kernel) * in_channels * out_channels + out_channels * int(bias)
    """),
    Alternative("conv_parameter_formula", "blind4_per_filter_factoring", "Counts per filter (kh*kw*in weights plus one bias) and multiplies by the number of filters.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            try:
                kh, kw = kernel_size
            except TypeError:
                kh = kw = kernel_size
            per_filter = kh * kw * in_channels + (1 if bias else 0)
            return per_filter * out_channels
    """),
    Alternative("conv_parameter_formula", "blind4_numpy_int64", "Computes with numpy int64 (a numpy integer, allowed by the contract) and np.broadcast_to to normalise the kernel size.", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            kernel = np.broadcast_to(np.asarray(kernel_size, dtype=np.int64), (2,))
            weights = np.prod(kernel, dtype=np.int64) * np.int64(in_channels) * np.int64(out_channels)
            return weights + np.int64(out_channels if bias else 0)
    """),
    Alternative("conv_parameter_formula", "blind4_tensorshape_num_elements", "Lets tf.TensorShape(...).num_elements() multiply the kernel shape (no allocation, Python int).", """
        def conv_parameter_formula(in_channels, out_channels, kernel_size, bias=True):
            if isinstance(kernel_size, int):
                kernel_size = (kernel_size, kernel_size)
            kernel = tf.TensorShape([*kernel_size, in_channels, out_channels])
            return kernel.num_elements() + (out_channels if bias else 0)
    """),

    # ------------------------------------------------------------------ shift_sensitivity
    Bug("shift_sensitivity", "blind4_padding_same", "Pools with padding='SAME', which keeps a last odd row/column as an extra window instead of dropping it.", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "SAME")
            shifted = pool(tf.roll(x, shift=1, axis=2), 2, 2, "SAME")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "blind4_normalise_by_shifted", "Divides by mean(|pool(shifted x)|) instead of mean(|pool(x)|).", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, shift=1, axis=2), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(shifted)))
    """),
    Bug("shift_sensitivity", "blind4_denominator_without_abs", "Divides by mean(pool(x)) without the absolute value: right only for non-negative inputs.", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, shift=1, axis=2), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(pooled))
    """),
    Bug("shift_sensitivity", "blind4_mean_of_per_image_ratios", "Computes the ratio per image and averages the ratios, instead of one ratio of means taken over all images together.", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, shift=1, axis=2), 2, 2, "VALID")
            change = tf.reduce_mean(tf.abs(pooled - shifted), axis=[1, 2, 3])
            size = tf.reduce_mean(tf.abs(pooled), axis=[1, 2, 3])
            return float(tf.reduce_mean(change / size))
    """),
    Bug("shift_sensitivity", "blind4_avg_never_selected", "Tests kind == 'average' instead of 'avg', so kind='avg' silently uses max pooling.", """
        def shift_sensitivity(x, kind):
            if kind == "average":
                layer = keras.layers.AveragePooling2D(pool_size=2, strides=2, padding="valid")
            else:
                layer = keras.layers.MaxPooling2D(pool_size=2, strides=2, padding="valid")
            pooled = layer(x)
            shifted = layer(tf.roll(x, shift=1, axis=2))
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "blind4_zero_fill_shift", "Shifts by padding a zero column on the left and cutting the last one, not a circular roll: the last column does not wrap around.", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            moved = tf.pad(x, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1, :]
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(moved, 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "blind4_crop_before_roll", "Crops to even height/width before rolling, so for an odd width the column that wraps around is the wrong one.", """
        def shift_sensitivity(x, kind):
            h, w = x.shape[1] // 2 * 2, x.shape[2] // 2 * 2
            x = x[:, :h, :w, :]
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, shift=1, axis=2), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "blind4_roll_left", "Rolls by -1 (to the left) instead of one pixel to the right.", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, shift=-1, axis=2), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Bug("shift_sensitivity", "blind4_roll_height_axis", "Rolls along axis 1 (height) instead of the width axis 2 of NHWC.", """
        def shift_sensitivity(x, kind):
            pool = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
            pooled = pool(x, 2, 2, "VALID")
            shifted = pool(tf.roll(x, shift=1, axis=1), 2, 2, "VALID")
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Alternative("shift_sensitivity", "blind4_keras_layers_concat_roll", "Uses Keras pooling layers, shifts by concatenating the last column in front (same as a circular roll), and takes a ratio of sums (same count, so equal to the ratio of means).", """
        def shift_sensitivity(x, kind):
            layer = {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}[kind](pool_size=(2, 2))
            moved = tf.concat([x[:, :, -1:, :], x[:, :, :-1, :]], axis=2)
            pooled = layer(x)
            shifted = layer(moved)
            return float(tf.reduce_sum(tf.abs(pooled - shifted)) / tf.reduce_sum(tf.abs(pooled)))
    """),
    Alternative("shift_sensitivity", "blind4_numpy_float64_reshape", "Pools by hand in float64 numpy: np.roll, crop to even sizes, reshape into 2x2 blocks and reduce.", """
        def shift_sensitivity(x, kind):
            a = np.asarray(x, dtype=np.float64)

            def pool(v):
                n, h, w, c = v.shape
                v = v[:, : h // 2 * 2, : w // 2 * 2, :].reshape(n, h // 2, 2, w // 2, 2, c)
                return v.max(axis=(2, 4)) if kind == "max" else v.mean(axis=(2, 4))

            pooled = pool(a)
            shifted = pool(np.roll(a, 1, axis=2))
            return float(np.abs(pooled - shifted).mean() / np.abs(pooled).mean())
    """),
    Alternative("shift_sensitivity", "blind4_tf_nn_pool_and_sum_conv", "Uses tf.nn.pool for max and a depthwise convolution with a 2x2 ones kernel (window sums) for avg: the factor 1/4 cancels in the ratio.", """
        def shift_sensitivity(x, kind):
            x = tf.convert_to_tensor(x)

            def pool(v):
                if kind == "max":
                    return tf.nn.pool(v, window_shape=[2, 2], pooling_type="MAX", strides=[2, 2], padding="VALID")
                ones = tf.ones((2, 2, v.shape[-1], 1), dtype=v.dtype)
                return tf.nn.depthwise_conv2d(v, ones, strides=[1, 2, 2, 1], padding="VALID")

            pooled = pool(x)
            shifted = pool(tf.roll(x, shift=1, axis=2))
            return float(tf.reduce_mean(tf.abs(pooled - shifted)) / tf.reduce_mean(tf.abs(pooled)))
    """),
    Alternative("shift_sensitivity", "blind4_float64_tf_nn", "Casts to float64 before pooling with tf.nn.max_pool2d / avg_pool2d and computing the ratio.", """
        def shift_sensitivity(x, kind):
            x = tf.cast(x, tf.float64)
            if kind == "max":
                pool = lambda v: tf.nn.max_pool2d(v, ksize=[2, 2], strides=[2, 2], padding="VALID")
            elif kind == "avg":
                pool = lambda v: tf.nn.avg_pool2d(v, ksize=[2, 2], strides=[2, 2], padding="VALID")
            else:
                raise ValueError(kind)
            pooled = pool(x)
            diff = tf.abs(pooled - pool(tf.roll(x, 1, 2)))
            return float(tf.reduce_mean(diff).numpy() / tf.reduce_mean(tf.abs(pooled)).numpy())
    """),

    # ------------------------------------------------------------------ layouts
    Bug("layouts", "blind4_cast_to_float32", "Casts the input to float32 first, so integer, float64 or float16 tensors come back with a different dtype (and float64 loses precision).", """
        def nchw_to_nhwc(x):
            x = tf.cast(x, tf.float32)
            return tf.transpose(x, perm=[0, 2, 3, 1])


        def nhwc_to_nchw(x):
            x = tf.cast(x, tf.float32)
            return tf.transpose(x, perm=[0, 3, 1, 2])
    """),
    Bug("layouts", "blind4_keras_permute_layer", "Uses keras.layers.Permute, which autocasts floating inputs to float32: float64/float16 tensors change dtype.", """
        def nchw_to_nhwc(x):
            return keras.layers.Permute((2, 3, 1))(x)


        def nhwc_to_nchw(x):
            return keras.layers.Permute((3, 1, 2))(x)
    """),
    Bug("layouts", "blind4_np_moveaxis_returns_ndarray", "nchw_to_nhwc uses np.moveaxis and returns a numpy array, not a tensor as the contract says.", """
        def nchw_to_nhwc(x):
            return np.moveaxis(np.asarray(x), 1, -1)


        def nhwc_to_nchw(x):
            return tf.transpose(x, [0, 3, 1, 2])
    """),
    Bug("layouts", "blind4_guess_layout_from_channels", "Tries to detect tensors that are 'already converted' from a channel count of 1 or 3 on the other axis and returns them unchanged, which is wrong whenever W (or H) is 1 or 3.", """
        def nchw_to_nhwc(x):
            if x.shape[-1] in (1, 3):
                return x
            return tf.transpose(x, [0, 2, 3, 1])


        def nhwc_to_nchw(x):
            if x.shape[1] in (1, 3):
                return x
            return tf.transpose(x, [0, 3, 1, 2])
    """),
    Bug("layouts", "blind4_swaps_h_and_w", "Uses perm [0, 3, 2, 1] (swaps the last and second axes), which gives (N, W, H, C): right only for square images.", """
        def nchw_to_nhwc(x):
            return tf.transpose(x, [0, 3, 2, 1])


        def nhwc_to_nchw(x):
            return tf.transpose(x, [0, 3, 2, 1])
    """),
    Bug("layouts", "blind4_reshape", "Reshapes instead of transposing: the shape is right but the pixels are scrambled.", """
        def nchw_to_nhwc(x):
            n, c, h, w = x.shape
            return tf.reshape(x, (n, h, w, c))


        def nhwc_to_nchw(x):
            n, h, w, c = x.shape
            return tf.reshape(x, (n, c, h, w))
    """),
    Bug("layouts", "blind4_same_perm_both_ways", "Uses the same permutation [0, 2, 3, 1] in both directions; it is not its own inverse.", """
        def nchw_to_nhwc(x):
            return tf.transpose(x, [0, 2, 3, 1])


        def nhwc_to_nchw(x):
            return tf.transpose(x, [0, 2, 3, 1])
    """),
    Bug("layouts", "blind4_einsum_no_uint8", "Uses tf.einsum, which has no CPU kernel for uint8 or bool tensors (typical raw image dtypes), so those inputs fail.", """
        def nchw_to_nhwc(x):
            return tf.einsum("nchw->nhwc", x)


        def nhwc_to_nchw(x):
            return tf.einsum("nhwc->nchw", x)
    """),
    Bug("layouts", "blind4_matrix_transpose_then_reshape", "Transposes only the last two axes with tf.linalg.matrix_transpose and reshapes to the target shape: the data ends up scrambled.", """
        def nchw_to_nhwc(x):
            n, c, h, w = x.shape
            return tf.reshape(tf.linalg.matrix_transpose(x), (n, h, w, c))


        def nhwc_to_nchw(x):
            n, h, w, c = x.shape
            return tf.reshape(tf.linalg.matrix_transpose(x), (n, c, h, w))
    """),
    Alternative("layouts", "blind4_tnp_moveaxis", "Moves the channel axis with tf.experimental.numpy.moveaxis, which returns a tf.Tensor of the same dtype.", """
        def nchw_to_nhwc(x):
            return tf.experimental.numpy.moveaxis(x, 1, -1)


        def nhwc_to_nchw(x):
            return tf.experimental.numpy.moveaxis(x, -1, 1)
    """),
    Alternative("layouts", "blind4_keras_ops_transpose", "Uses keras.ops.transpose (TensorFlow backend: returns a tf.Tensor, dtype preserved).", """
        def nchw_to_nhwc(x):
            return keras.ops.transpose(x, axes=(0, 2, 3, 1))


        def nhwc_to_nchw(x):
            return keras.ops.transpose(x, axes=(0, 3, 1, 2))
    """),
    Alternative("layouts", "blind4_flatten_matrix_transpose", "Flattens the spatial axes, swaps the two inner axes with matrix_transpose and restores the spatial shape: a genuine transpose of (C, H*W).", """
        def nchw_to_nhwc(x):
            s = tf.shape(x)
            flat = tf.reshape(x, tf.stack([s[0], s[1], s[2] * s[3]]))
            return tf.reshape(tf.linalg.matrix_transpose(flat), tf.stack([s[0], s[2], s[3], s[1]]))


        def nhwc_to_nchw(x):
            s = tf.shape(x)
            flat = tf.reshape(x, tf.stack([s[0], s[1] * s[2], s[3]]))
            return tf.reshape(tf.linalg.matrix_transpose(flat), tf.stack([s[0], s[3], s[1], s[2]]))
    """),
    Alternative("layouts", "blind4_composed_swaps", "Builds nchw_to_nhwc from two axis swaps and uses that the cyclic permutation has order 3, so applying it twice is the inverse.", """
        def nchw_to_nhwc(x):
            x = tf.transpose(x, [0, 2, 1, 3])   # N, H, C, W
            return tf.transpose(x, [0, 1, 3, 2])  # N, H, W, C


        def nhwc_to_nchw(x):
            return nchw_to_nhwc(nchw_to_nhwc(x))
    """),
]
