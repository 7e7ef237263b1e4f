"""Round-4 blind entries for resnet_tensorflow (issue 25), as the tester wrote them (see the package's docstring)."""
from instructor_only.catalogue import Alternative, Bug

ENTRIES = [
    # ------------------------------------------------------------------ custom_dense
    Bug("custom_dense", "blind4_kernel_init_only_positive", "The kernel is drawn from RandomUniform(0, bound), so every weight is non-negative instead of uniform in +-1/sqrt(in_features); the public check only tests |w| <= bound.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / math.sqrt(input_shape[-1])
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                              initializer=keras.initializers.RandomUniform(0.0, bound), name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "blind4_kernel_bound_without_sqrt", "The bound is 1/in_features instead of 1/sqrt(in_features): the weights stay inside the required interval (so the public check passes) but the spread is far too small for any in_features > 1.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                fan_in = input_shape[-1]
                bound = 1.0 / fan_in
                self.kernel = self.add_weight(shape=(fan_in, self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return x @ self.kernel + self.bias
    """),
    Bug("custom_dense", "blind4_kernel_bound_floor_division", "bound = 1 // math.sqrt(fan_in) is floor division: it is 0.0 for every fan_in > 1, so the kernel starts all zeros instead of uniform in +-1/sqrt(fan_in).", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                fan_in = input_shape[-1]
                bound = 1 // math.sqrt(fan_in)
                self.kernel = self.add_weight(shape=(fan_in, self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return x @ self.kernel + self.bias
    """),
    Bug("custom_dense", "blind4_truncated_normal_init", "The kernel is TruncatedNormal(stddev=bound/2), which stays inside +-bound but is a bell-shaped distribution with a smaller spread, not the uniform distribution the contract asks for.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / math.sqrt(input_shape[-1])
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                              initializer=keras.initializers.TruncatedNormal(stddev=bound / 2))
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "blind4_bound_from_units", "The bound uses the number of output units, 1/sqrt(units), instead of 1/sqrt(in_features) (fan-out instead of fan-in).", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / math.sqrt(self.units)
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "blind4_python_counter_mirrored", "The count is kept in a Python int and copied into the weight with assign: eagerly it works, but inside a tf.function the Python increment runs only at tracing, so calls stops counting.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.n_calls = 0

            def build(self, input_shape):
                bound = 1 / math.sqrt(input_shape[-1])
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.n_calls += 1
                self.calls.assign(self.n_calls)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "blind4_counts_examples_not_calls", "calls is increased by the batch size (it counts examples), not by 1 per call.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / math.sqrt(input_shape[-1])
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(tf.shape(x, out_type=tf.int64)[0])
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "blind4_bias_uniform_like_pytorch", "The bias is initialized uniformly in +-bound, as PyTorch's nn.Linear does, although the contract asks for zeros.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / math.sqrt(input_shape[-1])
                init = keras.initializers.RandomUniform(-bound, bound)
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer=init, name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer=init, name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "blind4_calls_int32", "calls is created with dtype int32 instead of the required int64.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / math.sqrt(input_shape[-1])
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "blind4_weights_in_init_with_fixed_fan_in", "The student creates the weights in __init__ with a made-up in_features argument defaulting to units, instead of in build from input_shape[-1].", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, in_features=None, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                fan_in = in_features or units
                bound = 1 / math.sqrt(fan_in)
                self.kernel = self.add_weight(shape=(fan_in, units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), name="kernel")
                self.bias = self.add_weight(shape=(units,), initializer="zeros", name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="calls")

            def build(self, input_shape):
                pass

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Alternative("custom_dense", "blind4_variance_scaling_einsum", "VarianceScaling(scale=1/3, mode='fan_in', distribution='uniform') has limit sqrt(3 * scale / fan_in) = 1/sqrt(fan_in), exactly the required interval (PyTorch's kaiming_uniform(a=sqrt(5))); einsum computes the same product.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                init = keras.initializers.VarianceScaling(scale=1 / 3, mode="fan_in", distribution="uniform")
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer=init, name="kernel")
                self.bias = self.add_weight(shape=(self.units,), initializer=keras.initializers.Zeros(), name="bias")
                self.calls = self.add_weight(shape=(), dtype="int64", initializer=keras.initializers.Zeros(),
                                             trainable=False, name="calls")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.einsum("ni,io->no", x, self.kernel) + self.bias
    """),
    Alternative("custom_dense", "blind4_callable_initializer_assign", "The kernel initializer is a plain callable using tf.random.uniform in [-bound, bound); the counter uses assign(calls + 1), which is a read-modify-write of the same variable, so it also counts inside tf.function.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                fan_in = int(input_shape[-1])
                bound = fan_in ** -0.5

                def uniform(shape, dtype=None):
                    return tf.random.uniform(shape, -bound, bound, dtype=dtype or "float32")

                self.kernel = self.add_weight(name="kernel", shape=(fan_in, self.units), initializer=uniform, trainable=True)
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)
                self.calls = self.add_weight(name="calls", shape=(), dtype=tf.int64, initializer="zeros", trainable=False)

            def call(self, x):
                self.calls.assign(self.calls + 1)
                return keras.ops.matmul(x, self.kernel) + self.bias
    """),
    Alternative("custom_dense", "blind4_keras_ops_bias_add", "Uses keras.ops.dot and tf.nn.bias_add for the affine map and a Constant(0) initializer for the int64 counter; same weights, names and shapes.", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = int(units)

            def build(self, input_shape):
                in_features = input_shape[-1]
                limit = math.sqrt(1.0 / in_features)
                self.kernel = self.add_weight(shape=[in_features, self.units], name="kernel",
                                              initializer=keras.initializers.RandomUniform(minval=-limit, maxval=limit))
                self.bias = self.add_weight(shape=[self.units], name="bias", initializer=keras.initializers.Constant(0.0))
                self.calls = self.add_weight(shape=[], name="calls", dtype="int64",
                                             initializer=keras.initializers.Constant(0), trainable=False)

            def call(self, x):
                self.calls.assign_add(tf.constant(1, dtype=tf.int64))
                return tf.nn.bias_add(keras.ops.dot(x, self.kernel), self.bias)
    """),
    # ------------------------------------------------------------------ basic_block
    Bug("basic_block", "blind4_pytorch_bn_defaults", "Every BN is BatchNormalization(momentum=0.9, epsilon=1e-5), PyTorch's defaults translated, instead of Keras' BatchNormalization() the docstring fixes: the moving statistics move ten times faster and the normalization differs.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                bn = lambda: keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = bn()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = bn()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = bn()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_bn_axis_channels_first", "BatchNormalization(axis=1), a channels-first habit: on NHWC input it normalizes each image ROW (axis 1 is the height), not each channel.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization(axis=1)
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization(axis=1)
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization(axis=1)
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_projection_3x3", "The projection shortcut is a 3x3 conv (padding same) instead of the 1x1 conv the contract asks for: nine times the weights and a different function.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_one_bn_shared", "A single BatchNormalization is used as both bn1 and bn2 (both have out_channels channels): the two positions share gamma/beta and one set of moving statistics, updated twice per training call.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.bn2 = self.bn1  # same number of channels, so one BN is enough
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_projection_only_when_widening", "The shortcut rule tests in_channels < out_channels instead of !=: a stride-1 block that reduces the channels gets an identity shortcut and cannot add it.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                if stride > 1 or out_channels > in_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_identity_when_shapes_match", "call picks the identity whenever x already has the branch's shape, so on 1x1 maps with stride 2 and equal channels it skips the projection the block owns.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                if x.shape[1:] == h.shape[1:]:
                    s = x
                else:
                    s = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_stop_gradient_shortcut", "The identity shortcut is wrapped in tf.stop_gradient: the forward pass is right, but no gradient flows through the shortcut, which is the whole point of a residual block.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                if self.shortcut_conv is None:
                    s = tf.stop_gradient(x)  # the identity has nothing to learn
                else:
                    s = self.shortcut_bn(self.shortcut_conv(x), training=training)
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_relu_before_add", "The second ReLU is applied to the residual branch before the addition (and again after), so the branch can only add non-negative corrections.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_projection_only_on_channel_change", "The projection is created only when the channel count changes; a stride-2 block that keeps its channels gets an identity shortcut of the wrong size.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.shortcut_conv = self.shortcut_bn = None
                if in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("basic_block", "blind4_shortcut_bn_training_not_passed", "training=training is passed to bn1 and bn2 but not to shortcut_bn, whose moving statistics then never move when call is invoked directly in training mode.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x))
                return tf.nn.relu(h + s)
    """),
    Alternative("basic_block", "blind4_keras_add_relu_layers", "Uses Keras' Add and ReLU layers (no weights) instead of + and tf.nn.relu, and tuple-valued kernel_size/strides; the sub-layers and their configuration are those of the contract.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, (3, 3), strides=(stride, stride), padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, (3, 3), strides=(1, 1), padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                projects = stride != 1 or in_channels != out_channels
                self.shortcut_conv = keras.layers.Conv2D(out_channels, (1, 1), strides=(stride, stride), use_bias=False) if projects else None
                self.shortcut_bn = keras.layers.BatchNormalization() if projects else None
                self.add = keras.layers.Add()
                self.relu = keras.layers.ReLU()

            def call(self, x, training=None):
                shortcut = x
                if self.shortcut_conv is not None:
                    shortcut = self.shortcut_bn(self.shortcut_conv(x), training=training)
                h = self.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                return self.relu(self.add([h, shortcut]))
    """),
    Alternative("basic_block", "blind4_keras_ops_same_padding_projection", "Computes with keras.ops (maximum(., 0) for ReLU), decides the projection once from a stored flag, and gives the 1x1 projection padding='same', which for a 1x1 kernel pads nothing, so it is the same map as 'valid'.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.identity = stride == 1 and in_channels == out_channels
                conv = lambda k, s: keras.layers.Conv2D(filters=out_channels, kernel_size=k, strides=s, padding="same",
                                                        use_bias=False)
                self.conv1, self.bn1 = conv(3, stride), keras.layers.BatchNormalization()
                self.conv2, self.bn2 = conv(3, 1), keras.layers.BatchNormalization()
                if self.identity:
                    self.shortcut_conv, self.shortcut_bn = None, None
                else:
                    self.shortcut_conv, self.shortcut_bn = conv(1, stride), keras.layers.BatchNormalization()

            def call(self, x, training=None):
                h = keras.ops.maximum(self.bn1(self.conv1(x), training=training), 0.0)
                h = self.bn2(self.conv2(h), training=training)
                if not self.identity:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return keras.ops.maximum(h + x, 0.0)
    """),
    Alternative("basic_block", "blind4_branch_list_loop", "Keeps the (conv, BN) pairs of the branch in a list as well as under their names and loops over them, applying ReLU between pairs; Keras tracks each layer once, so the weights are not duplicated.", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.branch = [(self.conv1, self.bn1), (self.conv2, self.bn2)]
                self.shortcut_conv = self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()

            def call(self, x, training=None):
                h = x
                for i, (conv, bn) in enumerate(self.branch):
                    if i > 0:
                        h = tf.nn.relu(h)
                    h = bn(conv(h), training=training)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(tf.add(h, x))
    """),
    # ------------------------------------------------------------------ bottleneck_block
    Bug("bottleneck_block", "blind4_rejects_in_channels_not_divisible", "The ValueError test also rejects an in_channels that is not a multiple of 4, although the docstring says in_channels may be any number (Bottleneck(6, 16) or Bottleneck(3, 4) must work).", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if in_channels % 4 or out_channels % 4:
                    raise ValueError("channel counts must be divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_stride_on_first_1x1", "The stride is put on the first 1x1 conv (the original Caffe ResNet v1 placement) instead of on the 3x3 conv2 as the contract says; a strided 1x1 conv also throws away three quarters of the input positions.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4:
                    raise ValueError(f"out_channels={out_channels} is not divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, strides=stride, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_width_from_in_channels", "width = in_channels // 4 instead of out_channels // 4: right only when the block keeps its channel count.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be divisible by 4")
                width = max(in_channels // 4, 1)
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_bn_axis_1", "BatchNormalization(axis=1) everywhere (channels-first habit): on NHWC maps it normalizes over image rows, not channels.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels // 4
                bn = lambda: keras.layers.BatchNormalization(axis=1)
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = bn()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = bn()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = bn()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = bn()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_bn1_bn2_shared", "bn1 and bn2 are one and the same BatchNormalization (both have width channels): shared gamma/beta and moving statistics, updated twice per training call.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn1 = self.bn2 = keras.layers.BatchNormalization()
                self.bn3 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_projection_rule_stride_two_only", "The projection rule tests stride == 2 instead of stride != 1, so a stride-3 block that keeps its channels gets an identity shortcut of the wrong size.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                downsample = stride == 2
                if downsample or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_pytorch_bn_momentum", "Every BN is BatchNormalization(momentum=0.1), a literal copy of PyTorch's momentum: in Keras that keeps only 10% of the old moving statistics per step instead of 99%.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization(momentum=0.1)
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization(momentum=0.1)
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization(momentum=0.1)
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization(momentum=0.1)
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_no_relu_after_bn2", "The ReLU between bn2 and conv3 is missing, so the 3x3 and the expanding 1x1 conv collapse into one linear map.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_value_check_in_build", "The divisibility check is done in build, on the first call, instead of in __init__: Bottleneck(16, 10) constructs without error.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.out_channels = out_channels
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def build(self, input_shape):
                if self.out_channels % 4:
                    raise ValueError("out_channels must be divisible by 4")

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Bug("bottleneck_block", "blind4_stop_gradient_identity", "The identity shortcut is tf.stop_gradient(x): same forward values, but the gradient cannot flow through the shortcut.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                else:
                    self.shortcut_conv = self.shortcut_bn = None

            def call(self, x, training=None):
                if self.shortcut_conv is None:
                    s = tf.stop_gradient(x)
                else:
                    s = self.shortcut_bn(self.shortcut_conv(x), training=training)
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                return tf.nn.relu(self.bn3(self.conv3(h), training=training) + s)
    """),
    Alternative("bottleneck_block", "blind4_divmod_and_stage_loop", "Checks divisibility with divmod, keeps the three (conv, BN) stages in a list besides their names and loops (ReLU after all but the last); Keras tracks each layer once.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                width, rest = divmod(out_channels, 4)
                if rest:
                    raise ValueError(f"out_channels must be a multiple of 4, got {out_channels}")
                self.conv1 = keras.layers.Conv2D(width, 1, strides=1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, strides=1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                self.stages = [(self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)]
                self.shortcut_conv = self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()

            def call(self, x, training=None):
                h = x
                for i, (conv, bn) in enumerate(self.stages):
                    h = bn(conv(h), training=training)
                    if i < len(self.stages) - 1:
                        h = tf.nn.relu(h)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    """),
    Alternative("bottleneck_block", "blind4_keras_layers_relu_add", "Uses keras.layers.ReLU and Add (weightless) and a bitwise test (out_channels & 3) for divisibility by 4, which is the same as % 4 for Python ints, negative ones included.", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels & 3:
                    raise ValueError(f"out_channels ({out_channels}) is not divisible by 4")
                width = out_channels >> 2
                self.conv1 = keras.layers.Conv2D(width, (1, 1), use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, (3, 3), strides=(stride, stride), padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, (1, 1), use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                identity = stride == 1 and in_channels == out_channels
                self.shortcut_conv = None if identity else keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                self.shortcut_bn = None if identity else keras.layers.BatchNormalization()
                self.relu = keras.layers.ReLU()
                self.add = keras.layers.Add()

            def call(self, x, training=None):
                h = self.relu(self.bn1(self.conv1(x), training=training))
                h = self.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return self.relu(self.add([h, s]))
    """),
    Alternative("bottleneck_block", "blind4_keras_ops_same_projection", "Computes with keras.ops.relu, builds the convs with one helper, and gives the 1x1 projection padding='same' (for a 1x1 kernel 'same' pads nothing, so the map is identical to 'valid').", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError("Bottleneck needs out_channels divisible by 4")
                width = out_channels // 4

                def conv(filters, k, s=1):
                    return keras.layers.Conv2D(filters=filters, kernel_size=k, strides=s, padding="same", use_bias=False)

                self.conv1, self.bn1 = conv(width, 1), keras.layers.BatchNormalization()
                self.conv2, self.bn2 = conv(width, 3, stride), keras.layers.BatchNormalization()
                self.conv3, self.bn3 = conv(out_channels, 1), keras.layers.BatchNormalization()
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv, self.shortcut_bn = None, None
                else:
                    self.shortcut_conv, self.shortcut_bn = conv(out_channels, 1, stride), keras.layers.BatchNormalization()

            def call(self, x, training=None):
                s = x
                if self.shortcut_conv is not None:
                    s = self.shortcut_bn(self.shortcut_conv(x), training=training)
                h = keras.ops.relu(self.bn1(self.conv1(x), training=training))
                h = keras.ops.relu(self.bn2(self.conv2(h), training=training))
                return keras.ops.relu(self.bn3(self.conv3(h), training=training) + s)
    """),
    # ------------------------------------------------------------------ resnet
    Bug("resnet", "blind4_softmax_classifier", "The classifier is Dense(num_classes, activation='softmax'), so the model returns probabilities, not the logits the contract (and the cross-entropy on logits used for training) expects.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for i, (out, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stage = []
                    for j in range(n):
                        stage.append(block(channels, out, 2 if i > 0 and j == 0 else 1))
                        channels = out
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes, activation="softmax")

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    """),
    Bug("resnet", "blind4_three_stages_hard_coded", "The stages are built with range(3), so stage_channels / blocks_per_stage with two or four entries give the wrong network (or an IndexError).", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                for i in range(3):
                    c_in = stage_channels[max(i - 1, 0)]
                    c_out = stage_channels[i]
                    stage = [block(c_in, c_out, 1 if i == 0 else 2)]
                    stage += [block(c_out, c_out, 1) for _ in range(blocks_per_stage[i] - 1)]
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    """),
    Bug("resnet", "blind4_downsample_only_when_channels_change", "The stride is 2 only when a stage changes the channel count, so a stage i > 0 with the same channels as the previous one does not halve the resolution.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for out, n in zip(stage_channels, blocks_per_stage):
                    stage = []
                    for _ in range(n):
                        stride = 2 if out != channels else 1
                        stage.append(block(channels, out, stride))
                        channels = out
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    """),
    Bug("resnet", "blind4_fixed_avgpool_flatten", "The head is AveragePooling2D(2) + Flatten, which is a global average only when the last stage has 2x2 maps (8x8 inputs with three stages); on any other input size the classifier sees the wrong features or the wrong number of them.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for i, (out, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stage = []
                    for j in range(n):
                        stage.append(block(channels, out, 2 if i > 0 and j == 0 else 1))
                        channels = out
                    self.stages.append(stage)
                self.pool = keras.layers.AveragePooling2D(2)  # 8x8 digits -> 2x2 after two downsamplings
                self.flatten = keras.layers.Flatten()
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(self.flatten(self.pool(h)))
    """),
    Bug("resnet", "blind4_dropout_before_classifier", "A Dropout(0.5) is inserted between the pooling and the classifier: not in the contract, and in training mode the logits are no longer classifier(mean over H and W).", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for i, (out, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stage = []
                    for j in range(n):
                        stage.append(block(channels, out, 2 if i > 0 and j == 0 else 1))
                        channels = out
                    self.stages.append(stage)
                self.dropout = keras.layers.Dropout(0.5)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                h = self.dropout(tf.reduce_mean(h, axis=[1, 2]), training=training)
                return self.classifier(h)
    """),
    Bug("resnet", "blind4_classifier_without_bias", "The classifier is Dense(num_classes, use_bias=False) instead of Dense(num_classes): the logits lose their per-class offset and the model has num_classes weights fewer.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for i, (out, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stage = []
                    for j in range(n):
                        stage.append(block(channels, out, 2 if i > 0 and j == 0 else 1))
                        channels = out
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes, use_bias=False)  # no bias after BN, as in the blocks

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    """),
    Bug("resnet", "blind4_every_stage_downsamples", "The first block of EVERY stage gets stride 2, stage 0 included, although the stem already gives stage 0 its channels and stage 0 must not downsample.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for out, n in zip(stage_channels, blocks_per_stage):
                    stage = [block(channels, out, 2)] + [block(out, out, 1) for _ in range(n - 1)]
                    channels = out
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    """),
    Bug("resnet", "blind4_no_stem_relu", "The stem is conv -> BN without the ReLU the contract asks for.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for i, (out, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stage = []
                    for j in range(n):
                        stage.append(block(channels, out, 2 if i > 0 and j == 0 else 1))
                        channels = out
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = self.stem_bn(self.stem_conv(x), training=training)
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    """),
    Bug("resnet", "blind4_repeated_block_object", "The stride-1 blocks of a stage are made with [block(c, c, 1)] * (n - 1): one block object repeated, so those positions share their weights instead of being separate blocks.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                prev = stage_channels[0]
                for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    first = block(prev, c, 1 if i == 0 else 2)
                    rest = [block(c, c, 1)] * (n - 1) if n > 1 else []
                    self.stages.append([first] + rest)
                    prev = c
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    """),
    Bug("resnet", "blind4_max_pool_head", "The head uses global MAX pooling (reduce_max over H and W) instead of the global average the contract asks for.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for i, (out, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stage = []
                    for j in range(n):
                        stage.append(block(channels, out, 2 if i > 0 and j == 0 else 1))
                        channels = out
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(tf.reduce_max(h, axis=[1, 2]))
    """),
    Alternative("resnet", "blind4_global_average_pooling_layer", "Uses keras.layers.GlobalAveragePooling2D (the mean over H and W for channels_last) and builds each stage with a comprehension, taking the first block's input channels from stage_channels[i - 1] as the docstring states.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, strides=1, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = [
                    [block(stage_channels[max(i - 1, 0)] if j == 0 else c, c, 2 if (i > 0 and j == 0) else 1)
                     for j in range(n)]
                    for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage))
                ]
                self.pool = keras.layers.GlobalAveragePooling2D()
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = keras.ops.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for blk in stage:
                        h = blk(h, training=training)
                return self.classifier(self.pool(h))
    """),
    Alternative("resnet", "blind4_flat_walk_keras_ops_mean", "Creates the blocks in one flat loop over (stage, index) pairs, appending to the current stage list, and pools with keras.ops.mean over axes (1, 2).", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(filters=stage_channels[0], kernel_size=(3, 3), padding="same",
                                                     use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                plan = [(i, j) for i, n in enumerate(blocks_per_stage) for j in range(n)]
                stages = [[] for _ in blocks_per_stage]
                current = stage_channels[0]
                for i, j in plan:
                    first_of_later_stage = i > 0 and j == 0
                    stages[i].append(block(current, stage_channels[i], 2 if first_of_later_stage else 1))
                    current = stage_channels[i]
                self.stages = stages
                self.classifier = keras.layers.Dense(units=num_classes)

            def call(self, x, training=None):
                h = self.stem_conv(x)
                h = tf.nn.relu(self.stem_bn(h, training=training))
                for blk in (b for stage in self.stages for b in stage):
                    h = blk(h, training=training)
                pooled = keras.ops.mean(h, axis=(1, 2))
                return self.classifier(pooled)
    """),
    Alternative("resnet", "blind4_sum_divided_by_positions", "Computes the global average as reduce_sum over H and W divided by H*W taken from the dynamic shape, and keeps a separate ReLU layer for the stem.", """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stem_relu = keras.layers.ReLU()
                self.stages = []
                for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    if i == 0:
                        stage = [block(c, c, 1) for _ in range(n)]
                    else:
                        stage = [block(stage_channels[i - 1], c, 2)] + [block(c, c, 1) for _ in range(n - 1)]
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = self.stem_relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for b in stage:
                        h = b(h, training=training)
                shape = tf.shape(h)
                positions = tf.cast(shape[1] * shape[2], h.dtype)
                return self.classifier(tf.reduce_sum(h, axis=[1, 2]) / positions)
    """),
    # ------------------------------------------------------------------ dense_block
    Bug("dense_block", "blind4_transition_same_padding", "The transition pools with padding='same', which gives ceil(H/2) x ceil(W/2) maps (averaging the last odd row/column alone) instead of the H // 2 x W // 2 the contract states; identical on even sizes only.", """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x

        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2, padding="same")

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))

    """),
    Bug("dense_block", "blind4_transition_half_of_input_channels", "The transition conv has in_channels // 2 filters (DenseNet's compression 0.5) instead of out_channels: right only when out_channels happens to be half of in_channels.", """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x

        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(in_channels // 2, 1, use_bias=False)  # compression 0.5
                self.pool = keras.layers.AveragePooling2D(2)

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))

    """),
    Bug("dense_block", "blind4_transition_resize_half", 'The transition halves the resolution with tf.image.resize (bilinear) to (H // 2, W // 2): on even sizes this equals 2x2 average pooling, on odd sizes it interpolates instead of averaging 2x2 windows.', """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x

        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)

            def call(self, x, training=None):
                h = self.conv(tf.nn.relu(self.norm(x, training=training)))
                size = (h.shape[1] // 2, h.shape[2] // 2)
                return tf.image.resize(h, size, method="bilinear")

    """),
    Bug("dense_block", "blind4_dense_bn_axis_1", "The dense block's BNs are BatchNormalization(axis=1), a channels-first habit: on NHWC maps they normalize per image row instead of per channel.", """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization(axis=1) for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    x = tf.concat([x, conv(tf.nn.relu(norm(x, training=training)))], axis=-1)
                return x


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))
    """),
    Bug("dense_block", "blind4_transition_bn_pytorch_momentum", "The transition's BN is BatchNormalization(momentum=0.1, epsilon=1e-5), PyTorch's numbers copied: in Keras momentum 0.1 keeps only 10% of the old moving statistics per step.", """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x

        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization(momentum=0.1, epsilon=1e-5)
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(2, 2)

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))

    """),
    Bug("dense_block", "blind4_new_channels_first", "The new channels are concatenated BEFORE the old ones (concat([new, x])), so the block's input no longer comes first.", """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([new, x], axis=-1)
                return x


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))
    """),
    Bug("dense_block", "blind4_post_activation_order", 'Each dense layer is conv -> BN -> ReLU (the ResNet order) instead of BN -> ReLU -> conv; the BN then has growth_rate channels.', """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = tf.nn.relu(norm(conv(x), training=training))
                    x = tf.concat([x, new], axis=-1)
                return x


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))
    """),
    Bug("dense_block", "blind4_dense_layers_chain_only", "Each dense layer gets only the previous layer's output (a plain chain), and only the collected outputs are concatenated at the end: layer i does not see all earlier feature maps.", """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                outputs = [x]
                h = x
                for norm, conv in zip(self.norms, self.convs):
                    h = conv(tf.nn.relu(norm(h, training=training)))
                    outputs.append(h)
                return tf.concat(outputs, axis=-1)


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))
    """),
    Bug("dense_block", "blind4_transition_no_relu", 'The transition is BN -> 1x1 conv -> pooling, without the ReLU between BN and conv.', """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x

        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                return self.pool(self.conv(self.norm(x, training=training)))

    """),
    Bug("dense_block", "blind4_transition_pool_then_bn", 'The transition pools first and normalizes the pooled maps (pool -> BN -> ReLU -> conv): the BN then sees averaged statistics, so training mode and the moving statistics differ from BN on the full maps.', """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x

        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                h = self.pool(x)  # pool first: the BN and the conv work on 4x fewer positions
                return self.conv(tf.nn.relu(self.norm(h, training=training)))

    """),
    Alternative("dense_block", "blind4_transition_pool_before_conv", 'Pools before the 1x1 conv: a bias-free 1x1 conv is linear and per-position, so it commutes exactly with 2x2 average pooling (valid padding drops the same odd row/column either way).', """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x

        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                h = tf.nn.relu(self.norm(x, training=training))
                return self.conv(self.pool(h))

    """),
    Alternative("dense_block", "blind4_feature_list_concatenate", 'Keeps a list of all feature maps and concatenates the whole list with keras.ops.concatenate before each dense layer (and at the end); the transition uses tf.nn.avg_pool2d with VALID padding.', """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                features = [x]
                for norm, conv in zip(self.norms, self.convs):
                    h = features[0] if len(features) == 1 else keras.ops.concatenate(features, axis=-1)
                    features.append(conv(keras.ops.relu(norm(h, training=training))))
                return features[0] if len(features) == 1 else keras.ops.concatenate(features, axis=-1)


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)

            def call(self, x, training=None):
                h = self.conv(tf.nn.relu(self.norm(x, training=training)))
                return tf.nn.avg_pool2d(h, ksize=2, strides=2, padding="VALID")

    """),
    Alternative("dense_block", "blind4_reshape_mean_pooling", 'The 2x2 average pooling is written by hand: crop to even size, reshape to (N, H//2, 2, W//2, 2, C) and average the two window axes; the dense block indexes its layer lists with range.', """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms, self.convs = [], []
                for _ in range(num_layers):
                    self.norms.append(keras.layers.BatchNormalization())
                    self.convs.append(keras.layers.Conv2D(filters=growth_rate, kernel_size=(3, 3), padding="same", use_bias=False))

            def call(self, x, training=None):
                for i in range(len(self.convs)):
                    new = self.convs[i](tf.nn.relu(self.norms[i](x, training=training)))
                    x = tf.concat([x, new], axis=3)
                return x


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)

            def call(self, x, training=None):
                h = self.conv(tf.nn.relu(self.norm(x, training=training)))
                s = tf.shape(h)
                h2, w2 = s[1] // 2, s[2] // 2
                h = h[:, : 2 * h2, : 2 * w2, :]
                h = tf.reshape(h, tf.stack([s[0], h2, 2, w2, 2, s[3]]))
                return tf.reduce_mean(h, axis=[2, 4])

    """),
    # ------------------------------------------------------------------ block_costs
    Bug("block_costs", "blind4_lists_instead_of_tuples", "The pairs are returned as lists [weights, mult_adds] instead of the (weights, mult_adds) tuples the docstring specifies.", """
        def block_costs(channels, size):
            width = channels // 4
            hw = size * size
            basic = [2 * 9 * channels * channels + 2 * 2 * channels, hw * 2 * 9 * channels * channels]
            convs = channels * width + 9 * width * width + width * channels
            bottleneck = [convs + 2 * (2 * width + channels), hw * convs]
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Alternative("block_costs", "blind4_float_width_rounded_at_end", "RECLASSIFIED (exact below 2**53, beyond the counts of any network), written as a bug: width = channels / 4 makes every count a float that is only converted with int(round(...)) at the end: exact for small blocks, but above 2**53 the float loses the low digits, so huge inputs get wrong counts.", """
        def block_costs(channels, size):
            width = channels / 4
            positions = size ** 2
            basic_w = 2 * (3 * 3 * channels * channels) + 2 * (2 * channels)
            basic_m = 2 * positions * channels * channels * 3 * 3
            bott_w = channels * width + 9 * width ** 2 + width * channels + 2 * (width + width + channels)
            bott_m = positions * (channels * width + 9 * width ** 2 + width * channels)
            return {"basic": (int(round(basic_w)), int(round(basic_m))),
                    "bottleneck": (int(round(bott_w)), int(round(bott_m)))}
    """),
    Bug("block_costs", "blind4_empty_maps_no_weights", "A shortcut returns all zeros when channels or size is 0, but on 0 x 0 maps the blocks still have all their weights: only the multiply-adds vanish.", """
        def block_costs(channels, size):
            if channels == 0 or size == 0:  # nothing to compute
                return {"basic": (0, 0), "bottleneck": (0, 0)}
            width = channels // 4
            basic_kernels = 2 * 9 * channels ** 2
            bott_kernels = 2 * channels * width + 9 * width ** 2
            return {"basic": (basic_kernels + 4 * channels, size * size * basic_kernels),
                    "bottleneck": (bott_kernels + 2 * (2 * width + channels), size * size * bott_kernels)}
    """),
    Bug("block_costs", "blind4_numpy_int64_counts", "The counts come from np.prod / np.sum and are returned as numpy.int64, not the Python ints the docstring asks for.", """
        def block_costs(channels, size):
            width = channels // 4
            basic = [(3, channels, channels), (3, channels, channels)]
            bottleneck = [(1, channels, width), (3, width, width), (1, width, channels)]
            costs = {}
            for name, convs in (("basic", basic), ("bottleneck", bottleneck)):
                kernels = np.array([np.prod([k, k, c_in, c_out]) for k, c_in, c_out in convs])
                bn = np.sum([2 * c_out for _, _, c_out in convs])
                costs[name] = (kernels.sum() + bn, size * size * kernels.sum())
            return costs
    """),
    Bug("block_costs", "blind4_counts_moving_statistics", "Every BN is counted with 4 numbers per channel (gamma, beta, moving mean, moving variance), although the contract counts only the learned gamma and beta.", """
        def block_costs(channels, size):
            width = channels // 4
            basic_k = 2 * 9 * channels * channels
            bott_k = channels * width + 9 * width * width + width * channels
            return {"basic": (basic_k + 4 * (channels + channels), size * size * basic_k),
                    "bottleneck": (bott_k + 4 * (width + width + channels), size * size * bott_k)}
    """),
    Bug("block_costs", "blind4_flops_not_mult_adds", "mult_adds is counted as FLOPs (a multiply and an add each), twice the number of multiply-adds the contract defines.", """
        def block_costs(channels, size):
            width = channels // 4
            basic_k = 2 * 9 * channels * channels
            bott_k = channels * width + 9 * width * width + width * channels
            return {"basic": (basic_k + 2 * 2 * channels, 2 * size * size * basic_k),
                    "bottleneck": (bott_k + 2 * (2 * width + channels), 2 * size * size * bott_k)}
    """),
    Bug("block_costs", "blind4_valid_padding_positions", "The 3x3 convs are counted on (size - 2) x (size - 2) output positions ('valid' padding), but the blocks use padding='same', so every conv produces size x size outputs.", """
        def block_costs(channels, size):
            width = channels // 4
            out3 = max(size - 2, 0) ** 2
            out1 = size * size
            basic = (2 * 9 * channels * channels + 4 * channels, 2 * out3 * 9 * channels * channels)
            bottleneck = (2 * channels * width + 9 * width * width + 2 * (2 * width + channels),
                          out1 * channels * width + out3 * 9 * width * width + out1 * width * channels)
            return {"basic": basic, "bottleneck": bottleneck}
    """),
    Bug("block_costs", "blind4_bottleneck_bn_all_width", "The bottleneck's three BNs are all counted with width channels, but the last BN (after the expanding 1x1 conv) has channels channels.", """
        def block_costs(channels, size):
            width = channels // 4
            basic_k = 2 * 9 * channels * channels
            bott_k = channels * width + 9 * width * width + width * channels
            return {"basic": (basic_k + 2 * 2 * channels, size * size * basic_k),
                    "bottleneck": (bott_k + 3 * 2 * width, size * size * bott_k)}
    """),
    Bug("block_costs", "blind4_bottleneck_3x3_on_channels", "The bottleneck's 3x3 conv is counted from channels to width instead of width to width.", """
        def block_costs(channels, size):
            width = channels // 4
            basic_k = 2 * 9 * channels * channels
            bott_k = channels * width + 9 * channels * width + width * channels
            return {"basic": (basic_k + 4 * channels, size * size * basic_k),
                    "bottleneck": (bott_k + 2 * (2 * width + channels), size * size * bott_k)}
    """),
    Alternative("block_costs", "blind4_layer_specs_math_prod", "Lists each block's convs as (k, c_in, c_out) specs and sums math.prod of the kernel shapes (Python ints, exact at any size); BN adds 2 * c_out per conv.", """
        def block_costs(channels, size):
            width = channels // 4
            specs = {
                "basic": [(3, channels, channels), (3, channels, channels)],
                "bottleneck": [(1, channels, width), (3, width, width), (1, width, channels)],
            }
            costs = {}
            for name, convs in specs.items():
                weights = sum(math.prod((k, k, c_in, c_out)) + 2 * c_out for k, c_in, c_out in convs)
                mult_adds = sum(math.prod((size, size, c_out, c_in, k, k)) for k, c_in, c_out in convs)
                costs[name] = (weights, mult_adds)
            return costs
    """),
    Alternative("block_costs", "blind4_positions_times_kernel_weights", "Uses that at stride 1 with 'same' padding every kernel weight is used exactly once per output position, so mult_adds = size * size * (conv weights); weights = conv weights + 2 per BN channel.", """
        def block_costs(channels, size):
            w = channels // 4
            kernels = {"basic": 18 * channels * channels, "bottleneck": 2 * channels * w + 9 * w * w}
            bn_channels = {"basic": 2 * channels, "bottleneck": 2 * w + channels}
            return {kind: (kernels[kind] + 2 * bn_channels[kind], size * size * kernels[kind]) for kind in ("basic", "bottleneck")}
    """),
    Alternative("block_costs", "blind4_conv_cost_helper", "A small helper returns (weights, mult_adds) of one conv + BN, and the block totals are summed with zip; all arithmetic in Python ints.", """
        def block_costs(channels, size):
            def conv_bn(k, c_in, c_out):
                kernel = k * k * c_in * c_out
                return kernel + 2 * c_out, size * size * kernel

            width = channels // 4
            layers = {
                "basic": [conv_bn(3, channels, channels), conv_bn(3, channels, channels)],
                "bottleneck": [conv_bn(1, channels, width), conv_bn(3, width, width), conv_bn(1, width, channels)],
            }
            return {name: tuple(int(sum(column)) for column in zip(*parts)) for name, parts in layers.items()}
    """),
]
