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
    Alternative("layouts", "einsum", "tf.einsum with named axes", """
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
