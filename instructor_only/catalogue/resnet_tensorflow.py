"""Bug catalogue and alternatives for the TensorFlow residual-architectures hackathon (assignment resnet_tensorflow)."""
from instructor_only.catalogue import Alternative, Bug

# --- CountingDense ---------------------------------------------------------------------------------------------------

# The solution's layer, with its weight creation and call left open for the variations below.
_DENSE = '''
class CountingDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        fan_in = input_shape[-1]
        bound = 1.0 / math.sqrt(fan_in)
        self.kernel = self.add_weight(name="kernel", shape=(fan_in, self.units), initializer={kernel_init})
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.calls = self.add_weight(name="calls", shape=(), dtype="int64", initializer="zeros", trainable={trainable})

    def call(self, x):
        self.calls.assign_add(1)
        return tf.matmul(x, self.kernel) + self.bias
'''
_UNIFORM = "keras.initializers.RandomUniform(-bound, bound)"


def _dense(kernel_init=_UNIFORM, trainable=False):
    return _DENSE.format(kernel_init=kernel_init, trainable=trainable)


# --- BasicBlock ------------------------------------------------------------------------------------------------------

_BASIC = '''
class BasicBlock(keras.layers.Layer):
    def __init__(self, in_channels, out_channels, stride=1, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = keras.layers.Conv2D(out_channels, 3, strides={conv1_stride}, padding="same", use_bias={bias})
        self.bn1 = keras.layers.BatchNormalization()
        self.conv2 = keras.layers.Conv2D(out_channels, 3, strides={conv2_stride}, padding="same", use_bias={bias})
        self.bn2 = keras.layers.BatchNormalization()
        if {identity_when}:
            self.shortcut_conv, self.shortcut_bn = None, None
        else:
            self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
            self.shortcut_bn = {shortcut_bn}

    def call(self, x, training=None):
        h = tf.nn.relu(self.bn1(self.conv1(x), {training}))
        h = self.bn2(self.conv2(h), {training})
        if self.shortcut_conv is None:
            shortcut = x
        else:
            shortcut = {shortcut_call}
        {end}
'''
_BASIC_OPTIONS = dict(conv1_stride="stride", conv2_stride="1", bias="False",
                      identity_when="stride == 1 and in_channels == out_channels",
                      shortcut_bn="keras.layers.BatchNormalization()", training="training=training",
                      shortcut_call="self.shortcut_bn(self.shortcut_conv(x), training=training)",
                      end="return tf.nn.relu(h + shortcut)")


def _basic(**changes):
    return _BASIC.format(**{**_BASIC_OPTIONS, **changes})


# --- Bottleneck ------------------------------------------------------------------------------------------------------

_BOTTLENECK = '''
class Bottleneck(keras.layers.Layer):
    def __init__(self, in_channels, out_channels, stride=1, **kwargs):
        super().__init__(**kwargs)
        if out_channels % 4:
            raise ValueError(f"out_channels must be divisible by 4, got {{out_channels}}")
        width = {width}
        self.conv1 = keras.layers.Conv2D(width, 1, strides={conv1_stride}, use_bias=False)
        self.bn1 = keras.layers.BatchNormalization()
        self.conv2 = keras.layers.Conv2D(width, 3, strides={conv2_stride}, padding="same", use_bias=False)
        self.bn2 = keras.layers.BatchNormalization()
        self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
        self.bn3 = keras.layers.BatchNormalization()
        if {identity_when}:
            self.shortcut_conv, self.shortcut_bn = None, None
        else:
            self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
            self.shortcut_bn = keras.layers.BatchNormalization()

    def call(self, x, training=None):
        h = tf.nn.relu(self.bn1(self.conv1(x), {training}))
        h = tf.nn.relu(self.bn2(self.conv2(h), {training}))
        h = self.bn3(self.conv3(h), {training})
        if self.shortcut_conv is None:
            shortcut = x
        else:
            shortcut = self.shortcut_bn(self.shortcut_conv(x), {training})
        {end}
'''
_BOTTLENECK_OPTIONS = dict(width="out_channels // 4", conv1_stride="1", conv2_stride="stride",
                           identity_when="stride == 1 and in_channels == out_channels", training="training=training",
                           end="return tf.nn.relu(h + shortcut)")


def _bottleneck(**changes):
    return _BOTTLENECK.format(**{**_BOTTLENECK_OPTIONS, **changes})


# --- ResNet ----------------------------------------------------------------------------------------------------------

_RESNET = '''
class ResNet(keras.Model):
    def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                 num_classes=10, **kwargs):
        super().__init__(**kwargs)
        self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
        self.stem_bn = keras.layers.BatchNormalization()
        stages, channels = [], stage_channels[0]
        for i, (out_channels, count) in enumerate(zip(stage_channels, blocks_per_stage)):
            stage = []
            for j in range(count):
                stage.append(block({block_in}, out_channels, {stride}))
                channels = out_channels
            stages.append(stage)
        self.stages = stages
        self.classifier = keras.layers.Dense(num_classes)

    def call(self, x, training=None):
        h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
        for stage in self.stages:
            for block in stage:
                h = block(h{block_training})
        return self.classifier({pool})
'''
_RESNET_OPTIONS = dict(block_in="channels", stride="2 if i > 0 and j == 0 else 1", block_training=", training=training",
                       pool="tf.reduce_mean(h, axis=[1, 2])")


def _resnet(**changes):
    return _RESNET.format(**{**_RESNET_OPTIONS, **changes})


# --- DenseBlock and TransitionBlock ----------------------------------------------------------------------------------

_DENSE_BLOCKS = '''
class DenseBlock(keras.layers.Layer):
    def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
        super().__init__(**kwargs)
        self.norms = [keras.layers.BatchNormalization() for _ in range(num_layers)]
        self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

    def call(self, x, training=None):
        for norm, conv in zip(self.norms, self.convs):
            new = conv(tf.nn.relu(norm(x{dense_training})))
            x = {concat}
        return x


class TransitionBlock(keras.layers.Layer):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__(**kwargs)
        self.norm = keras.layers.BatchNormalization()
        self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)

    def call(self, x, training=None):
        h = self.conv(tf.nn.relu(self.norm(x, training=training)))
        return {pool}
'''
_DENSE_OPTIONS = dict(dense_training=", training=training", concat="tf.concat([x, new], axis=-1)",
                      pool='tf.nn.avg_pool2d(h, ksize=2, strides=2, padding="VALID")')


def _dense_blocks(**changes):
    return _DENSE_BLOCKS.format(**{**_DENSE_OPTIONS, **changes})


_COSTS_HEAD = "def block_costs(channels, size):"

ENTRIES = [
    # --- custom_dense ----------------------------------------------------------------------------------------------
    Bug("custom_dense", "counter_trainable", "creates the call counter as a trainable weight", _dense(trainable=True)),
    Bug("custom_dense", "counter_python_int", "counts in a Python int attribute instead of a weight", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.calls = 0

            def build(self, input_shape):
                bound = 1.0 / math.sqrt(input_shape[-1])
                self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound))
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

            def call(self, x):
                self.calls += 1
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "kernel_in_init", "creates the weights in __init__ for a fixed input size of 32", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, input_dim=32, **kwargs):
                super().__init__(**kwargs)
                bound = 1.0 / math.sqrt(input_dim)
                self.kernel = self.add_weight(name="kernel", shape=(input_dim, units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound))
                self.bias = self.add_weight(name="bias", shape=(units,), initializer="zeros")
                self.calls = self.add_weight(name="calls", shape=(), dtype="int64", initializer="zeros",
                                             trainable=False)

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    """),
    Bug("custom_dense", "glorot_kernel", "keeps Keras' default glorot_uniform kernel initialization",
        _dense(kernel_init='"glorot_uniform"')),
    Bug("custom_dense", "torch_kernel_layout", "stores the kernel as (units, in_features), like torch's nn.Linear", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1.0 / math.sqrt(input_shape[-1])
                self.kernel = self.add_weight(name="kernel", shape=(self.units, input_shape[-1]),
                                              initializer=keras.initializers.RandomUniform(-bound, bound))
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
                self.calls = self.add_weight(name="calls", shape=(), dtype="int64", initializer="zeros",
                                             trainable=False)

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel, transpose_b=True) + self.bias
    """),
    Alternative("custom_dense", "keyword_initializers", "initializer objects, assign(calls + 1), the @ operator", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = int(units)

            def build(self, input_shape):
                in_features = int(input_shape[-1])
                limit = in_features ** -0.5
                self.kernel = self.add_weight(shape=(in_features, self.units), name="kernel", trainable=True,
                                              initializer=keras.initializers.RandomUniform(minval=-limit, maxval=limit))
                self.bias = self.add_weight(shape=(self.units,), name="bias", trainable=True,
                                            initializer=keras.initializers.Zeros())
                self.calls = self.add_weight(shape=(), name="calls", dtype=tf.int64, trainable=False,
                                             initializer=keras.initializers.Zeros())
                super().build(input_shape)

            def call(self, inputs):
                self.calls.assign(self.calls + 1)
                return inputs @ self.kernel + self.bias
    """),
    Alternative("custom_dense", "callable_initializer_bias_add", "a function as initializer, tensordot and bias_add", """
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / np.sqrt(input_shape[-1])

                def uniform(shape, dtype=None):
                    return tf.random.uniform(shape, -bound, bound, dtype=dtype)

                self.kernel = self.add_weight(name="kernel", shape=[input_shape[-1], self.units], initializer=uniform)
                self.bias = self.add_weight(name="bias", shape=[self.units], initializer="zeros")
                self.calls = self.add_weight(name="calls", shape=[], initializer="zeros", dtype="int64",
                                             trainable=False)

            def call(self, x, training=None):
                self.calls.assign_add(tf.constant(1, tf.int64))
                return tf.nn.bias_add(tf.tensordot(x, self.kernel, axes=1), self.bias)
    """),

    # --- basic_block -----------------------------------------------------------------------------------------------
    Bug("basic_block", "relu_before_add", "applies the last ReLU to the residual branch before the addition",
        _basic(end="return tf.nn.relu(h) + shortcut")),
    Bug("basic_block", "no_final_relu", "returns the sum without the final ReLU", _basic(end="return h + shortcut")),
    Bug("basic_block", "projection_only_when_strided", "projects the shortcut only when stride != 1 (seed bug)",
        _basic(identity_when="stride == 1")),
    Bug("basic_block", "projection_without_bn", "projection shortcut without its batch norm",
        _basic(shortcut_bn="None", shortcut_call="self.shortcut_conv(x)")),
    Bug("basic_block", "stride_on_conv2", "puts the stride on conv2 instead of conv1",
        _basic(conv1_stride="1", conv2_stride="stride")),
    Bug("basic_block", "training_not_passed", "calls the batch norms without training=training", _basic(training="")),
    Bug("basic_block", "conv_bias", "leaves the bias on the convolutions before BN", _basic(bias="True")),
    Alternative("basic_block", "explicit_build_and_keras_ops", "builds its sub-layers in build(); keras.ops and Add", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(filters=out_channels, kernel_size=(3, 3), strides=(stride, stride),
                                                 padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(filters=out_channels, kernel_size=(3, 3), padding="same",
                                                 use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.shortcut_conv = self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, (1, 1), strides=stride, padding="same",
                                                             use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()
                self.add = keras.layers.Add()

            def build(self, input_shape):
                self.conv1.build(input_shape)
                shape = self.conv1.compute_output_shape(input_shape)
                self.bn1.build(shape)
                self.conv2.build(shape)
                self.bn2.build(shape)
                if self.shortcut_conv is not None:
                    self.shortcut_conv.build(input_shape)
                    self.shortcut_bn.build(shape)

            def call(self, inputs, training=False):
                h = keras.ops.relu(self.bn1(self.conv1(inputs), training=training))
                h = self.bn2(self.conv2(h), training=training)
                skip = inputs
                if self.shortcut_conv is not None:
                    skip = self.shortcut_bn(self.shortcut_conv(inputs), training=training)
                return keras.ops.relu(self.add([h, skip]))
    """),
    Alternative("basic_block", "relu_layers_and_branches", "ReLU layers, the residual branch as a list of steps", """
        class BasicBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                conv = lambda k, s: keras.layers.Conv2D(out_channels, k, strides=s, padding="same", use_bias=False)
                self.conv1, self.bn1 = conv(3, stride), keras.layers.BatchNormalization()
                self.conv2, self.bn2 = conv(3, 1), keras.layers.BatchNormalization()
                projects = stride > 1 or in_channels != out_channels
                self.shortcut_conv = conv(1, stride) if projects else None
                self.shortcut_bn = keras.layers.BatchNormalization() if projects else None
                self.relu = keras.layers.ReLU()

            def call(self, x, training=None):
                out = x
                for conv, bn, activate in ((self.conv1, self.bn1, True), (self.conv2, self.bn2, False)):
                    out = bn(conv(out), training=training)
                    if activate:
                        out = self.relu(out)
                if self.shortcut_conv:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return self.relu(out + x)
    """),

    # --- bottleneck_block ------------------------------------------------------------------------------------------
    Bug("bottleneck_block", "width_not_reduced", "uses out_channels as the inner width (no bottleneck)",
        _bottleneck(width="out_channels")),
    Bug("bottleneck_block", "stride_on_conv1", "puts the stride on the first 1x1 conv instead of the 3x3 conv",
        _bottleneck(conv1_stride="stride", conv2_stride="1")),
    Bug("bottleneck_block", "training_not_passed", "never passes the training flag to its BN layers (seed bug)",
        _bottleneck(training="")),
    Bug("bottleneck_block", "projection_only_when_strided", "projects the shortcut only when stride != 1 (seed bug)",
        _bottleneck(identity_when="stride == 1")),
    Bug("bottleneck_block", "relu_before_add", "applies ReLU after bn3, before the addition",
        _bottleneck(end="return tf.nn.relu(tf.nn.relu(h) + shortcut)")),
    Alternative("bottleneck_block", "pairs_in_a_loop", "runs (conv, bn) pairs in a loop, divmod for the width", """
        class Bottleneck(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                width, rest = divmod(out_channels, 4)
                if rest != 0:
                    raise ValueError("out_channels must be a multiple of 4")
                self.conv1 = keras.layers.Conv2D(width, 1, padding="same", use_bias=False)
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.conv3 = keras.layers.Conv2D(out_channels, 1, padding="same", use_bias=False)
                self.bn1, self.bn2, self.bn3 = (keras.layers.BatchNormalization() for _ in range(3))
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = None
                    self.shortcut_bn = None
                else:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, padding="same",
                                                             use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()

            def call(self, x, training=None):
                pairs = [(self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)]
                h = x
                for i, (conv, bn) in enumerate(pairs):
                    h = bn(conv(h), training=training)
                    if i < 2:
                        h = tf.nn.relu(h)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(tf.add(h, x))
    """),
    Alternative("bottleneck_block", "activation_layers", "keras.layers.Activation and keras.ops, check before super()",
                """
        class Bottleneck(keras.layers.Layer):
            expansion = 4

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                if out_channels % self.expansion != 0:
                    raise ValueError(f"{out_channels} is not divisible by {self.expansion}")
                super().__init__(**kwargs)
                width = out_channels // self.expansion
                self.conv1 = keras.layers.Conv2D(width, kernel_size=1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, kernel_size=3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, kernel_size=1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                needs_projection = stride != 1 or in_channels != out_channels
                self.shortcut_conv = (keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                                      if needs_projection else None)
                self.shortcut_bn = keras.layers.BatchNormalization() if needs_projection else None
                self.act = keras.layers.Activation("relu")

            def call(self, inputs, training=False):
                h = self.act(self.bn1(self.conv1(inputs), training=training))
                h = self.act(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                if self.shortcut_conv is None:
                    return self.act(keras.ops.add(h, inputs))
                return self.act(keras.ops.add(h, self.shortcut_bn(self.shortcut_conv(inputs), training=training)))
    """),

    # --- resnet ----------------------------------------------------------------------------------------------------
    Bug("resnet", "downsamples_first_stage", "gives the first block of every stage stride 2, the first stage's too",
        _resnet(stride="2 if j == 0 else 1")),
    Bug("resnet", "flatten_instead_of_pooling", "flattens the last feature maps instead of global average pooling",
        _resnet(pool="tf.reshape(h, (tf.shape(h)[0], -1))")),
    Bug("resnet", "training_not_passed_to_blocks", "calls the blocks without training=training",
        _resnet(block_training="")),
    Bug("resnet", "stage_channels_in", "builds every block of stage i from stage_channels[i] channels",
        _resnet(block_in="out_channels")),
    Bug("resnet", "global_max_pooling", "pools with the maximum over H and W instead of the mean",
        _resnet(pool="tf.reduce_max(h, axis=[1, 2])")),
    Alternative("resnet", "layer_with_keras_pooling", "a keras.layers.Layer; GlobalAveragePooling2D; list comprehension",
                """
        class ResNet(keras.layers.Layer):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10):
                super().__init__()
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], (3, 3), strides=1, padding="same",
                                                     use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                ins = [stage_channels[0]] + list(stage_channels[:-1])
                self.stages = [
                    [block(ins[i] if j == 0 else c, c, 2 if (i > 0 and j == 0) else 1) for j in range(n)]
                    for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage))
                ]
                self.pool = keras.layers.GlobalAveragePooling2D()
                self.classifier = keras.layers.Dense(num_classes, use_bias=True)

            def call(self, inputs, training=False):
                x = keras.ops.relu(self.stem_bn(self.stem_conv(inputs), training=training))
                for stage in self.stages:
                    for block in stage:
                        x = block(x, training=training)
                return self.classifier(self.pool(x))
    """),
    Alternative("resnet", "append_after_assignment", "appends each stage to self.stages after assigning []; ops.mean",
                """
        class ResNet(keras.Model):
            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                previous = stage_channels[0]
                for index, channels in enumerate(stage_channels):
                    stage = []
                    for position in range(blocks_per_stage[index]):
                        downsample = index > 0 and position == 0
                        stage.append(block(previous, channels, stride=2 if downsample else 1))
                        previous = channels
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                x = self.stem_conv(x)
                x = self.stem_bn(x, training=training)
                x = keras.ops.relu(x)
                for stage in self.stages:
                    for block in stage:
                        x = block(x, training=training)
                x = keras.ops.mean(x, axis=(1, 2))
                return self.classifier(x)
    """),

    # --- dense_block -----------------------------------------------------------------------------------------------
    Bug("dense_block", "concat_wrong_order", "puts each layer's new features before its input",
        _dense_blocks(concat="tf.concat([new, x], axis=-1)")),
    Bug("dense_block", "transition_max_pool", "pools with the maximum in the transition block",
        _dense_blocks(pool='tf.nn.max_pool2d(h, ksize=2, strides=2, padding="VALID")')),
    Bug("dense_block", "training_not_passed", "calls the dense layers' batch norms without training=training",
        _dense_blocks(dense_training="")),
    Bug("dense_block", "no_concatenation", "keeps only the newest features (a plain stack, not dense)",
        _dense_blocks(concat="new")),
    Alternative("dense_block", "keras_layers_and_feature_list", "Concatenate/AveragePooling2D layers, list of features",
                """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms, self.convs = [], []
                for _ in range(num_layers):
                    self.norms.append(keras.layers.BatchNormalization())
                    self.convs.append(keras.layers.Conv2D(growth_rate, kernel_size=3, strides=1, padding="same",
                                                          use_bias=False))
                self.concat = keras.layers.Concatenate(axis=-1)

            def call(self, x, training=None):
                features = [x]
                for norm, conv in zip(self.norms, self.convs):
                    inputs = features[0] if len(features) == 1 else self.concat(features)
                    features.append(conv(keras.ops.relu(norm(inputs, training=training))))
                return self.concat(features)


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, kernel_size=1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2)

            def call(self, x, training=None):
                return self.pool(self.conv(keras.ops.relu(self.norm(x, training=training))))
    """),
    Alternative("dense_block", "reshape_mean_pooling", "pools by reshaping to 2x2 windows and averaging; enumerate",
                """
        class DenseBlock(keras.layers.Layer):
            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.growth_rate = growth_rate
                self.norms = [keras.layers.BatchNormalization(name=f"norm_{i}") for i in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"conv_{i}")
                              for i in range(num_layers)]

            def call(self, inputs, training=False):
                x = inputs
                for i, norm in enumerate(self.norms):
                    x = tf.concat([x, self.convs[i](tf.nn.relu(norm(x, training=training)))], -1)
                return x


        class TransitionBlock(keras.layers.Layer):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)

            def call(self, inputs, training=False):
                h = self.conv(tf.nn.relu(self.norm(inputs, training=training)))
                n, height, width, c = tf.unstack(tf.shape(h))
                windows = tf.reshape(h[:, :height // 2 * 2, :width // 2 * 2],
                                     (n, height // 2, 2, width // 2, 2, c))
                return tf.reduce_mean(windows, axis=[2, 4])
    """),

    # --- block_costs -----------------------------------------------------------------------------------------------
    Bug("block_costs", "counts_running_statistics", "counts BN's moving mean and variance as weights too", f"""
        {_COSTS_HEAD}
            width = channels // 4
            basic = 2 * 9 * channels * channels + 2 * 4 * channels
            bottleneck = channels * width + 9 * width * width + width * channels + 4 * (width + width + channels)
            return {{"basic": (basic, size * size * 18 * channels * channels),
                    "bottleneck": (bottleneck, size * size * (2 * channels * width + 9 * width * width))}}
    """),
    Bug("block_costs", "forgets_batch_norm", "counts the conv kernels only", f"""
        {_COSTS_HEAD}
            width = channels // 4
            basic = 2 * 9 * channels * channels
            bottleneck = 2 * channels * width + 9 * width * width
            return {{"basic": (basic, size * size * basic), "bottleneck": (bottleneck, size * size * bottleneck)}}
    """),
    Bug("block_costs", "mult_adds_per_position", "forgets to multiply by the number of output positions", f"""
        {_COSTS_HEAD}
            width = channels // 4
            basic = 2 * 9 * channels * channels
            bottleneck = 2 * channels * width + 9 * width * width
            return {{"basic": (basic + 4 * channels, basic),
                    "bottleneck": (bottleneck + 2 * (2 * width + channels), bottleneck)}}
    """),
    Bug("block_costs", "bottleneck_full_width", "gives the bottleneck's 3x3 conv the full channel count", f"""
        {_COSTS_HEAD}
            width = channels // 4
            basic = 2 * 9 * channels * channels
            bottleneck = 2 * channels * width + 9 * channels * channels
            return {{"basic": (basic + 4 * channels, size * size * basic),
                    "bottleneck": (bottleneck + 2 * (2 * width + channels), size * size * bottleneck)}}
    """),
    Alternative("block_costs", "conv_helper", "a helper per conv returning (weights, mult-adds)", f"""
        def conv_cost(k, c_in, c_out, size):
            weights = k * k * c_in * c_out
            return weights, size * size * weights


        {_COSTS_HEAD}
            w = channels // 4
            result = {{}}
            for name, convs in {{"basic": [(3, channels, channels)] * 2,
                                "bottleneck": [(1, channels, w), (3, w, w), (1, w, channels)]}}.items():
                costs = [conv_cost(k, a, b, size) for k, a, b in convs]
                params = sum(c[0] for c in costs) + sum(2 * b for _, _, b in convs)
                result[name] = (int(params), int(sum(c[1] for c in costs)))
            return result
    """),
    Alternative("block_costs", "closed_form_numpy", "closed formulas evaluated with numpy, converted to int", f"""
        {_COSTS_HEAD}
            c = np.int64(channels)
            w = c // 4
            hw = np.int64(size) ** 2
            basic_kernels = 18 * c * c
            bottleneck_kernels = 2 * c * w + 9 * w * w
            return {{
                "basic": (int(basic_kernels + 4 * c), int(hw * basic_kernels)),
                "bottleneck": (int(bottleneck_kernels + 2 * (2 * w + c)), int(hw * bottleneck_kernels)),
            }}
    """),
]


# Written blind for issue 14 by a tester who saw only the release notebook (not the checks or the entries above).
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_1 = [
    Bug('custom_dense', 'dense_bound_without_sqrt',
        'The kernel is drawn uniform in +-1/in_features instead of "uniform in +-1/sqrt(input_shape[-1])" (the student forgot the square root); a narrower range still passes the public "|kernel| <= bound" check.', '''
        class CountingDense(keras.layers.Layer):
            """y = x @ kernel + bias for x of shape (N, in_features), counting its calls."""

            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                in_features = input_shape[-1]
                bound = 1.0 / in_features
                self.kernel = self.add_weight(name="kernel", shape=(in_features, self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound), trainable=True)
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros", trainable=True)
                self.calls = self.add_weight(name="calls", shape=(), dtype="int64", initializer="zeros", trainable=False)

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    '''),
    Bug('custom_dense', 'dense_bound_from_units',
        'The bound is computed from the number of output units, 1/sqrt(units), instead of "uniform in +-1/sqrt(input_shape[-1])" (in_features); caught by the public check here (5 in, 4 out: the range +-1/2 exceeds +-1/sqrt(5)), but it would pass whenever units > in_features.', '''
        class CountingDense(keras.layers.Layer):
            """y = x @ kernel + bias for x of shape (N, in_features), counting its calls."""

            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                bound = 1 / math.sqrt(self.units)
                self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound))
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
                self.calls = self.add_weight(name="calls", shape=(), dtype="int64", initializer="zeros", trainable=False)

            def call(self, x):
                self.calls.assign_add(1)
                return x @ self.kernel + self.bias
    '''),
    Alternative('custom_dense', 'dense_einsum_assign',
        'Uses keras.ops.einsum for the product, explicit Zeros initializer objects, and calls.assign(calls + 1) instead of assign_add: the same weights, names, init range and output.', '''
        class CountingDense(keras.layers.Layer):
            """y = x @ kernel + bias for x of shape (N, in_features), counting its calls."""

            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = int(units)

            def build(self, input_shape):
                fan_in = int(input_shape[-1])
                limit = fan_in ** -0.5
                self.kernel = self.add_weight(shape=(fan_in, self.units), name="kernel",
                                              initializer=keras.initializers.RandomUniform(minval=-limit, maxval=limit))
                self.bias = self.add_weight(shape=(self.units,), name="bias", initializer=keras.initializers.Zeros())
                self.calls = self.add_weight(shape=(), name="calls", dtype="int64",
                                             initializer=keras.initializers.Zeros(), trainable=False)

            def call(self, x):
                self.calls.assign(self.calls + 1)
                return keras.ops.einsum("ni,io->no", x, self.kernel) + self.bias
    '''),
    Bug('basic_block', 'basic_bn_torch_momentum',
        'Every BN is built as BatchNormalization(momentum=0.1), copying PyTorch\'s momentum convention (in Keras the moving statistics then jump 90% of the way to each batch\'s), whereas the docstring asks for "bn1: BatchNormalization()" (Keras momentum 0.99); the public checks only test that the statistics move at all.', '''
        class BasicBlock(keras.layers.Layer):
            """Basic residual block for NHWC input."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                # same momentum as PyTorch's BatchNorm2d default
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization(momentum=0.1)
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization(momentum=0.1)
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization(momentum=0.1)
                else:
                    self.shortcut_conv = None
                    self.shortcut_bn = None

            def call(self, x, training=None):
                out = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                out = self.bn2(self.conv2(out), training=training)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(out + x)
    '''),
    Alternative('basic_block', 'basic_add_layer_shortcut_first',
        "Computes the shortcut first, and uses keras.layers.Add and keras.layers.ReLU layer objects (no weights) and keras.ops.relu instead of tf.nn.relu, and creates the shortcut layers before conv1 (so block.weights lists them first): the same sub-layers under the docstring's names, the same formula, training passed to every BN.", '''
        class BasicBlock(keras.layers.Layer):
            """Basic residual block for NHWC input."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.projects = not (stride == 1 and in_channels == out_channels)
                self.shortcut_conv = (keras.layers.Conv2D(out_channels, kernel_size=1, strides=stride, use_bias=False)
                                      if self.projects else None)
                self.shortcut_bn = keras.layers.BatchNormalization() if self.projects else None
                self.conv1 = keras.layers.Conv2D(out_channels, (3, 3), strides=(stride, stride), padding="same",
                                                 use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, (3, 3), strides=(1, 1), padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.merge = keras.layers.Add()
                self.out_relu = keras.layers.ReLU()

            def call(self, x, training=None):
                identity = x
                if self.projects:
                    identity = self.shortcut_bn(self.shortcut_conv(x), training=training)
                h = keras.ops.relu(self.bn1(self.conv1(x), training=training))
                h = self.bn2(self.conv2(h), training=training)
                return self.out_relu(self.merge([h, identity]))
    '''),
    Bug('bottleneck_block', 'bottleneck_shortcut_ignores_stride',
        'The projection is chosen only when the channel count changes, so Bottleneck(c, c, 2) gets an identity shortcut whose shape no longer matches (the add fails), violating "The shortcut follows the same rule as in the basic block" (identity only "when stride == 1 and the channel count does not change"); the public bottleneck check has no same-channels stride-2 case.', '''
        class Bottleneck(keras.layers.Layer):
            """Bottleneck residual block for NHWC input, expansion 4: width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError(f"out_channels={out_channels} is not divisible by 4")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if in_channels != out_channels:
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
    '''),
    Bug('bottleneck_block', 'bottleneck_bn_torch_epsilon',
        'Every BN is built as BatchNormalization(epsilon=1e-5) (PyTorch\'s default) instead of the plain BatchNormalization() the docstring lists ("bn1: BatchNormalization()", Keras epsilon 1e-3): outputs differ from the reference by ~5e-4 in inference mode, but the public check compares the block with its own BN layers.', '''
        class Bottleneck(keras.layers.Layer):
            """Bottleneck residual block for NHWC input, expansion 4: width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4:
                    raise ValueError("out_channels must be divisible by 4")
                width = out_channels // 4
                bn = lambda: keras.layers.BatchNormalization(epsilon=1e-5)
                self.conv1 = keras.layers.Conv2D(width, 1, strides=1, use_bias=False)
                self.bn1 = bn()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = bn()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = bn()
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv, self.shortcut_bn = None, None
                else:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = bn()

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + x)
    '''),
    Alternative('bottleneck_block', 'bottleneck_loop_over_pairs',
        'Validates with divmod before creating anything, and runs the residual branch as a loop over (conv, bn) pairs with a ReLU after all but the last; the attributes and the formula are exactly those of the docstring.', '''
        class Bottleneck(keras.layers.Layer):
            """Bottleneck residual block for NHWC input, expansion 4: width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                width, rest = divmod(out_channels, 4)
                if rest != 0:
                    raise ValueError(f"Bottleneck needs out_channels divisible by 4, got {out_channels}")
                conv = lambda filters, k, s=1: keras.layers.Conv2D(filters, k, strides=s, padding="same", use_bias=False)
                self.conv1, self.bn1 = conv(width, 1), keras.layers.BatchNormalization()
                self.conv2, self.bn2 = conv(width, 3, stride), keras.layers.BatchNormalization()
                self.conv3, self.bn3 = conv(out_channels, 1), keras.layers.BatchNormalization()
                self.shortcut_conv = self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()

            def call(self, x, training=None):
                pairs = ((self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3))
                h = x
                for i, (conv, bn) in enumerate(pairs):
                    h = bn(conv(h), training=training)
                    if i < len(pairs) - 1:
                        h = tf.nn.relu(h)
                shortcut = x
                if self.shortcut_conv is not None:
                    shortcut = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + shortcut)
    '''),
    Bug('resnet', 'resnet_stem_valid_padding',
        'The stem conv is created as Conv2D(stage_channels[0], 3, use_bias=False) with Keras\' default padding="valid", so it shrinks 8x8 images to 6x6, whereas the docstring asks for "stem_conv: Conv2D(stage_channels[0], 3, padding="same", use_bias=False)"; the public check only inspects kernel size, stride and bias.', '''
        class ResNet(keras.Model):
            """stem -> stages of residual blocks -> global average pooling -> Dense logits, for NHWC input."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, strides=1, use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                channels = stage_channels[0]
                for i in range(len(stage_channels)):
                    stage = []
                    for j in range(blocks_per_stage[i]):
                        stride = 2 if i > 0 and j == 0 else 1
                        stage.append(block(channels, stage_channels[i], stride))
                        channels = stage_channels[i]
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                x = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for b in stage:
                        x = b(x, training=training)
                x = tf.reduce_mean(x, axis=[1, 2])
                return self.classifier(x)
    '''),
    Bug('resnet', 'resnet_softmax_classifier',
        'The classifier is Dense(num_classes, activation="softmax"), so the model returns probabilities instead of "logits (N, num_classes)" from "classifier: Dense(num_classes)" (fit_classifier then applies a second softmax through from_logits=True); the public check recomputes the output with net.classifier itself, softmax included.', '''
        class ResNet(keras.Model):
            """stem -> stages of residual blocks -> global average pooling -> Dense logits, for NHWC input."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                prev = stage_channels[0]
                for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage)):
                    blocks = []
                    for j in range(n):
                        blocks.append(block(prev, c, 2 if (i > 0 and j == 0) else 1))
                        prev = c
                    self.stages.append(blocks)
                self.classifier = keras.layers.Dense(num_classes, activation="softmax")

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for blk in stage:
                        h = blk(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    '''),
    Bug('resnet', 'resnet_downsample_only_if_channels_change',
        'The first block of a later stage gets stride 2 only when the channel count changes, whereas "the first block of stage i > 0 is block(stage_channels[i - 1], stage_channels[i], 2)" whatever the channels; the public check uses strictly increasing stage_channels (8, 12, 16), so it cannot see the difference.', '''
        class ResNet(keras.Model):
            """stem -> stages of residual blocks -> global average pooling -> Dense logits, for NHWC input."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                c_in = stage_channels[0]
                for c_out, n in zip(stage_channels, blocks_per_stage):
                    stage = []
                    for j in range(n):
                        # downsample when we move to a new (wider) stage
                        stride = 2 if c_in != c_out else 1
                        stage.append(block(c_in, c_out, stride))
                        c_in = c_out
                    self.stages.append(stage)
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for blk in stage:
                        h = blk(h, training=training)
                return self.classifier(tf.reduce_mean(h, axis=[1, 2]))
    '''),
    Alternative('resnet', 'resnet_gap_layer_comprehension',
        'Builds the stages with a nested list comprehension (the input channels of block j are stage_channels[i - 1] only for i > 0 and j == 0) and pools with a keras.layers.GlobalAveragePooling2D layer, which is the mean over height and width.', '''
        class ResNet(keras.Model):
            """stem -> stages of residual blocks -> global average pooling -> Dense logits, for NHWC input."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(filters=stage_channels[0], kernel_size=3, strides=1, padding="same",
                                                     use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = [
                    [block(stage_channels[i - 1] if (i > 0 and j == 0) else c, c, 2 if (i > 0 and j == 0) else 1)
                     for j in range(n)]
                    for i, (c, n) in enumerate(zip(stage_channels, blocks_per_stage))
                ]
                self.pool = keras.layers.GlobalAveragePooling2D()
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = keras.ops.relu(self.stem_bn(self.stem_conv(x), training=training))
                for blk in (b for stage in self.stages for b in stage):
                    h = blk(h, training=training)
                return self.classifier(self.pool(h))
    '''),
    Bug('dense_block', 'transition_pool_same_padding',
        'The transition pools with AveragePooling2D(2, padding="same"), which gives ceil(H / 2) on odd sizes, whereas the docstring promises "(N, H, W, in_channels) -> (N, H // 2, W // 2, out_channels)"; the public check only uses an 8x8 map.', '''
        class DenseBlock(keras.layers.Layer):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input on the channel axis."""

            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = []
                self.convs = []
                for _ in range(num_layers):
                    self.norms.append(keras.layers.BatchNormalization())
                    self.convs.append(keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False))

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    x = tf.concat([x, conv(tf.nn.relu(norm(x, training=training)))], axis=-1)
                return x


        class TransitionBlock(keras.layers.Layer):
            """BN -> ReLU -> 1x1 conv -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2, padding="same")

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))
    '''),
    Bug('dense_block', 'dense_bn_channels_first_axis',
        'The dense layers\' BNs are BatchNormalization(axis=1), a PyTorch NCHW habit, so they normalize per image row instead of per channel, although "images are laid out NHWC (batch, height, width, channels)" and the channel axis is "the last axis in NHWC"; the public check recomputes the output with the block\'s own (wrong) BNs.', '''
        class DenseBlock(keras.layers.Layer):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input on the channel axis."""

            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = [keras.layers.BatchNormalization(axis=1) for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x


        class TransitionBlock(keras.layers.Layer):
            """BN -> ReLU -> 1x1 conv -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)

            def call(self, x, training=None):
                h = self.conv(tf.nn.relu(self.norm(x, training=training)))
                return tf.nn.avg_pool2d(h, ksize=2, strides=2, padding="VALID")
    '''),
    Alternative('dense_block', 'dense_feature_list_pool_before_conv',
        'The dense block keeps a list of feature maps and concatenates the whole list before each layer (same tensor, same order); the transition pools BEFORE its 1x1 conv, which gives the same result because a 1x1 conv and 2x2 average pooling are both linear and act on different axes (they commute), and it is 4x cheaper.', '''
        class DenseBlock(keras.layers.Layer):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input on the channel axis."""

            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.growth_rate = growth_rate
                self.norms = [keras.layers.BatchNormalization(name=f"norm{i}") for i in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, kernel_size=3, strides=1, padding="same", use_bias=False,
                                                  name=f"conv{i}") for i in range(num_layers)]

            def call(self, x, training=None):
                features = [x]
                for norm, conv in zip(self.norms, self.convs):
                    h = features[0] if len(features) == 1 else tf.concat(features, axis=3)
                    features.append(conv(keras.activations.relu(norm(h, training=training))))
                return tf.concat(features, axis=3)


        class TransitionBlock(keras.layers.Layer):
            """BN -> ReLU -> 1x1 conv -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(2)

            def call(self, x, training=None):
                h = tf.nn.relu(self.norm(x, training=training))
                return self.conv(self.pool(h))  # a 1x1 conv commutes with average pooling: pool first, 4x fewer mult-adds
    '''),
    Alternative('block_costs', 'costs_float_width',
        'RECLASSIFIED (channels is a multiple of 4: the docstring now says so): The bottleneck width is computed as channels / 4 (a float) and the totals are truncated with int() at the end, whereas "The bottleneck\'s width is channels // 4, as in part 3"; the results agree only when channels is divisible by 4 (as in every public case).', '''
        def block_costs(channels, size):
            """Costs of a stride-1 block channels -> channels on size x size maps, identity shortcut."""
            c = channels
            width = c / 4
            pixels = size * size
            basic_weights = 2 * 3 * 3 * c * c + 2 * 2 * c
            basic_macs = 2 * pixels * c * c * 9
            bottleneck_weights = c * width + 9 * width * width + width * c + 2 * (2 * width + c)
            bottleneck_macs = pixels * (c * width + 9 * width * width + width * c)
            return {"basic": (int(basic_weights), int(basic_macs)),
                    "bottleneck": (int(bottleneck_weights), int(bottleneck_macs))}
    '''),
    Alternative('block_costs', 'costs_layer_table',
        'Describes each block as a list of (k, c_in, c_out) convolutions and sums a generic per-conv cost (k*k*c_in*c_out kernel weights + 2*c_out BN weights; h*w*c_out*c_in*k*k multiply-adds): the same numbers as the closed-form sums.', '''
        def block_costs(channels, size):
            """Costs of a stride-1 block channels -> channels on size x size maps, identity shortcut."""
            width = channels // 4

            def cost(convs):
                weights = sum(k * k * c_in * c_out + 2 * c_out for k, c_in, c_out in convs)  # kernel + BN gamma/beta
                mult_adds = sum(size * size * c_out * c_in * k * k for k, c_in, c_out in convs)
                return int(weights), int(mult_adds)

            return {
                "basic": cost([(3, channels, channels), (3, channels, channels)]),
                "bottleneck": cost([(1, channels, width), (3, width, width), (1, width, channels)]),
            }
    '''),
]
ENTRIES += BLIND_ROUND_1


# Written blind for issue 14 (second round, after the checks were strengthened for round 1) by another tester who saw only the release notebook.
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_2 = [
    Bug('custom_dense', 'bug_dense_bound_units',
        "Kernel bound computed from the number of output units (1/sqrt(units)) instead of the input size, violating 'kernel: (input_shape[-1], units), trainable, uniform in +-1/sqrt(input_shape[-1])'; the public check (5 -> 4) passes only by luck of the seed, e.g. CountingDense(2) on 9 features draws up to 1.79x the allowed bound.", '''
        class CountingDense(keras.layers.Layer):
            """y = x @ kernel + bias for x of shape (N, in_features), counting its calls."""

            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                in_features = input_shape[-1]
                bound = 1.0 / math.sqrt(self.units)  # PyTorch-style bound
                self.kernel = self.add_weight(name="kernel", shape=(in_features, self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound))
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
                self.calls = self.add_weight(name="calls", shape=(), dtype="int64", initializer="zeros", trainable=False)

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    '''),
    Alternative('custom_dense', 'alt_dense_bias_add',
        'Uses fan_in ** -0.5, keyword initializer objects (Zeros, Constant(0)), calls.assign(calls + 1) instead of assign_add, tf.nn.bias_add and an explicit super().build(); same weights, names, dtype and output.', '''
        class CountingDense(keras.layers.Layer):
            """y = x @ kernel + bias for x of shape (N, in_features), counting its calls."""

            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = int(units)

            def build(self, input_shape):
                fan_in = input_shape[-1]
                limit = fan_in ** -0.5
                self.kernel = self.add_weight(shape=(fan_in, self.units), name="kernel",
                                              initializer=keras.initializers.RandomUniform(minval=-limit, maxval=limit),
                                              trainable=True)
                self.bias = self.add_weight(shape=(self.units,), name="bias", initializer=keras.initializers.Zeros(),
                                            trainable=True)
                self.calls = self.add_weight(shape=(), name="calls", dtype="int64",
                                             initializer=keras.initializers.Constant(0), trainable=False)
                super().build(input_shape)

            def call(self, x):
                self.calls.assign(self.calls + 1)
                return tf.nn.bias_add(tf.linalg.matmul(x, self.kernel), self.bias)
    '''),
    Bug('basic_block', 'bug_basic_bn_axis1',
        "All BatchNormalization layers built with axis=1 (PyTorch NCHW habit), so they normalize over the height axis instead of the channels, violating 'bn1: BatchNormalization()' and the NHWC layout; public checks pass because they reuse the student's own BN layers.", '''
        class BasicBlock(keras.layers.Layer):
            """Basic residual block for NHWC input: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                # normalize per channel (axis=1, as in BatchNorm2d)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization(axis=1)
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization(axis=1)
                self.shortcut_conv = None
                self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization(axis=1)

            def call(self, x, training=None):
                out = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                out = self.bn2(self.conv2(out), training=training)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(out + x)
    '''),
    Bug('basic_block', 'bug_basic_shortcut_3x3',
        "Projection shortcut is a 3x3 'same' conv copied from conv1 instead of 'Conv2D(out_channels, 1, strides=stride, use_bias=False)' (a 1x1 conv); shapes and the own-layer formula still match the public check.", '''
        class BasicBlock(keras.layers.Layer):
            """Basic residual block for NHWC input: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                self.conv1 = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(out_channels, 3, strides=1, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv, self.shortcut_bn = None, None
                else:
                    # projection: same kind of conv as conv1 so the shapes line up
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same", use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()

            def call(self, x, training=None):
                identity = x
                if self.shortcut_conv is not None:
                    identity = self.shortcut_bn(self.shortcut_conv(x), training=training)
                out = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                out = self.bn2(self.conv2(out), training=training)
                return tf.nn.relu(out + identity)
    '''),
    Alternative('basic_block', 'alt_basic_relu_layers',
        'Creates the shortcut sub-layers before conv1/bn1 (different creation/initialization order), uses a shared keras.layers.ReLU layer, a helper shortcut() method and keras.ops.add; computes exactly relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)) with training passed to every BN.', '''
        class BasicBlock(keras.layers.Layer):
            """Basic residual block for NHWC input: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                conv = lambda k, s: keras.layers.Conv2D(out_channels, k, strides=s, padding="same", use_bias=False)
                needs_projection = stride != 1 or in_channels != out_channels
                # shortcut first: the creation order does not matter, only the names do
                self.shortcut_conv = conv(1, stride) if needs_projection else None
                self.shortcut_bn = keras.layers.BatchNormalization() if needs_projection else None
                self.conv1, self.bn1 = conv(3, stride), keras.layers.BatchNormalization()
                self.conv2, self.bn2 = conv(3, 1), keras.layers.BatchNormalization()
                self.relu = keras.layers.ReLU()

            def shortcut(self, x, training):
                if self.shortcut_conv is None:
                    return x
                return self.shortcut_bn(self.shortcut_conv(x), training=training)

            def call(self, x, training=None):
                residual = self.relu(self.bn1(self.conv1(x), training=training))
                residual = self.bn2(self.conv2(residual), training=training)
                return self.relu(keras.ops.add(residual, self.shortcut(x, training)))
    '''),
    Bug('bottleneck_block', 'bug_bottleneck_in_div4',
        "Raises ValueError when in_channels is not divisible by 4 as well, violating 'Raises ValueError in __init__ if out_channels is not divisible by 4 (in_channels may be any number)'; e.g. Bottleneck(6, 16, 2) raises. Public check only uses in_channels=16.", '''
        class Bottleneck(keras.layers.Layer):
            """Bottleneck residual block for NHWC input, expansion 4: width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if in_channels % 4 or out_channels % 4:
                    raise ValueError(f"channels must be divisible by 4, got {in_channels} -> {out_channels}")
                width = out_channels // 4
                self.conv1 = keras.layers.Conv2D(width, 1, strides=1, use_bias=False)
                self.bn1 = keras.layers.BatchNormalization()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = keras.layers.BatchNormalization()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, strides=1, use_bias=False)
                self.bn3 = keras.layers.BatchNormalization()
                if stride == 1 and in_channels == out_channels:
                    self.shortcut_conv = self.shortcut_bn = None
                else:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = keras.layers.BatchNormalization()

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                s = x if self.shortcut_conv is None else self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + s)
    '''),
    Bug('bottleneck_block', 'bug_bottleneck_torch_momentum',
        "BNs created as BatchNormalization(momentum=0.1, epsilon=1e-5) (PyTorch's convention) instead of 'bn1: BatchNormalization()': moving statistics move 90% per training step instead of 1% (notebook: 'Keras' BN moves its moving statistics only 1% of the way per training step (momentum 0.99)') and epsilon differs, so inference and the moving statistics differ from the reference with the same weights.", '''
        class Bottleneck(keras.layers.Layer):
            """Bottleneck residual block for NHWC input, expansion 4: width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                if out_channels % 4 != 0:
                    raise ValueError(f"out_channels={out_channels} is not divisible by 4")
                width = out_channels // 4
                bn = lambda: keras.layers.BatchNormalization(momentum=0.1, epsilon=1e-5)  # same BN settings as ResNet paper / torch
                self.conv1 = keras.layers.Conv2D(width, 1, use_bias=False)
                self.bn1 = bn()
                self.conv2 = keras.layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False)
                self.bn2 = bn()
                self.conv3 = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.bn3 = bn()
                self.shortcut_conv = self.shortcut_bn = None
                if stride != 1 or in_channels != out_channels:
                    self.shortcut_conv = keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                    self.shortcut_bn = bn()

            def call(self, x, training=None):
                h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
                h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
                h = self.bn3(self.conv3(h), training=training)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return tf.nn.relu(h + x)
    '''),
    Alternative('bottleneck_block', 'alt_bottleneck_loop',
        "Creates conv1..3/bn1..3 in a loop with setattr (also padding='same' on the 1x1 convs, a no-op), uses divmod for the divisibility test, and applies the three conv/BN stages in a loop with keras.ops.relu between them; identical computation.", '''
        class Bottleneck(keras.layers.Layer):
            """Bottleneck residual block for NHWC input, expansion 4: width = out_channels // 4."""

            def __init__(self, in_channels, out_channels, stride=1, **kwargs):
                super().__init__(**kwargs)
                width, remainder = divmod(out_channels, 4)
                if remainder:
                    raise ValueError(f"Bottleneck: out_channels must be a multiple of 4, got {out_channels}")
                # (name suffix, filters, kernel, stride); every 1x1 and 3x3 conv uses padding="same" (a no-op for 1x1)
                for i, (filters, kernel, s) in enumerate(((width, 1, 1), (width, 3, stride), (out_channels, 1, 1)), start=1):
                    setattr(self, f"conv{i}", keras.layers.Conv2D(filters, kernel, strides=s, padding="same", use_bias=False))
                    setattr(self, f"bn{i}", keras.layers.BatchNormalization())
                identity = stride == 1 and in_channels == out_channels
                self.shortcut_conv = None if identity else keras.layers.Conv2D(out_channels, 1, strides=stride, use_bias=False)
                self.shortcut_bn = None if identity else keras.layers.BatchNormalization()

            def call(self, x, training=None):
                h = x
                stages = [(self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)]
                for i, (conv, bn) in enumerate(stages):
                    h = bn(conv(h), training=training)
                    if i < len(stages) - 1:
                        h = keras.ops.relu(h)
                if self.shortcut_conv is not None:
                    x = self.shortcut_bn(self.shortcut_conv(x), training=training)
                return keras.ops.relu(h + x)
    '''),
    Bug('resnet', 'bug_resnet_softmax_head',
        "Classifier is Dense(num_classes, activation='softmax'), so call returns probabilities, not 'logits (N, num_classes)' / 'classifier: Dense(num_classes)' (fit_classifier uses from_logits=True); the public check passes because it recomputes through the student's own classifier.", '''
        class ResNet(keras.Model):
            """stem -> stages of residual blocks -> global average pooling -> Dense logits, for NHWC input."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, strides=1, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                prev = stage_channels[0]
                for i, (channels, count) in enumerate(zip(stage_channels, blocks_per_stage)):
                    stride = 1 if i == 0 else 2
                    stage = [block(prev, channels, stride)]
                    for _ in range(count - 1):
                        stage.append(block(channels, channels, 1))
                    self.stages.append(stage)
                    prev = channels
                self.classifier = keras.layers.Dense(num_classes, activation="softmax")

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                h = tf.reduce_mean(h, axis=[1, 2])
                return self.classifier(h)
    '''),
    Bug('resnet', 'bug_resnet_fixed_avgpool',
        "Head hard-codes AveragePooling2D(pool_size=2) + Flatten (fits only 2x2 final maps of 8x8 inputs) instead of 'global average pooling (the mean over height and width, one number per channel) ... Pooling makes the head independent of the input's size'; on 13x11 inputs the classifier gets 64 features instead of 16.", '''
        class ResNet(keras.Model):
            """stem -> stages of residual blocks -> global average pooling -> Dense logits, for NHWC input."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                self.stages = []
                for i, n in enumerate(blocks_per_stage):
                    c = stage_channels[i]
                    first = block(stage_channels[i - 1], c, 2) if i > 0 else block(c, c, 1)
                    self.stages.append([first] + [block(c, c, 1) for _ in range(n - 1)])
                # 8x8 digits, halved twice -> 2x2 maps at the end: average them and flatten
                self.pool = keras.layers.AveragePooling2D(pool_size=2)
                self.flatten = keras.layers.Flatten()
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = tf.nn.relu(self.stem_bn(self.stem_conv(x), training=training))
                for stage in self.stages:
                    for block in stage:
                        h = block(h, training=training)
                return self.classifier(self.flatten(self.pool(h)))
    '''),
    Alternative('resnet', 'alt_resnet_gap_layer',
        'Builds the stages with a nested list comprehension (input channels precomputed per stage), pools with keras.layers.GlobalAveragePooling2D and uses keras.ops.relu; same block arguments, same creation order, identical logits.', '''
        class ResNet(keras.Model):
            """stem -> stages of residual blocks -> global average pooling -> Dense logits, for NHWC input."""

            def __init__(self, block, stage_channels=(16, 32, 64), blocks_per_stage=(1, 1, 1), in_channels=1,
                         num_classes=10, **kwargs):
                super().__init__(**kwargs)
                self.stem_conv = keras.layers.Conv2D(stage_channels[0], 3, padding="same", use_bias=False)
                self.stem_bn = keras.layers.BatchNormalization()
                ins = [stage_channels[0]] + list(stage_channels[:-1])
                self.stages = [
                    [block(c_in if j == 0 else c_out, c_out, 2 if (i > 0 and j == 0) else 1) for j in range(n)]
                    for i, (c_in, c_out, n) in enumerate(zip(ins, stage_channels, blocks_per_stage))
                ]
                self.pool = keras.layers.GlobalAveragePooling2D()
                self.classifier = keras.layers.Dense(num_classes)

            def call(self, x, training=None):
                h = keras.ops.relu(self.stem_bn(self.stem_conv(x), training=training))
                for block in (b for stage in self.stages for b in stage):
                    h = block(h, training=training)
                return self.classifier(self.pool(h))
    '''),
    Bug('dense_block', 'bug_transition_same_pool',
        "TransitionBlock pools with AveragePooling2D(2, 2, padding='same'), so odd sizes round up: (2, 7, 9, C) -> (2, 4, 5, out) instead of '(N, H, W, in_channels) -> (N, H // 2, W // 2, out_channels)'; the public check only uses an even 8x8 input.", '''
        class DenseBlock(keras.layers.Layer):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input on the channel axis."""

            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms, self.convs = [], []
                for _ in range(num_layers):
                    self.norms.append(keras.layers.BatchNormalization())
                    self.convs.append(keras.layers.Conv2D(growth_rate, 3, strides=1, padding="same", use_bias=False))

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    new = conv(tf.nn.relu(norm(x, training=training)))
                    x = tf.concat([x, new], axis=-1)
                return x


        class TransitionBlock(keras.layers.Layer):
            """BN -> ReLU -> 1x1 conv (out_channels filters, use_bias=False) -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, padding="same", use_bias=False)
                self.pool = keras.layers.AveragePooling2D(pool_size=2, strides=2, padding="same")

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))
    '''),
    Bug('dense_block', 'bug_dense_torch_momentum',
        "Every BN (dense and transition) is BatchNormalization(momentum=0.1), PyTorch's convention read into Keras, so one training step moves the moving statistics 90% instead of 'only 1% of the way per training step (momentum 0.99)'; outputs match, but the moving statistics after a training call differ from the reference.", '''
        class DenseBlock(keras.layers.Layer):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input on the channel axis."""

            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                # BN: running stats move 10% per step, as in DenseNet's reference implementation
                self.norms = [keras.layers.BatchNormalization(momentum=0.1) for _ in range(num_layers)]
                self.convs = [keras.layers.Conv2D(growth_rate, 3, padding="same", use_bias=False) for _ in range(num_layers)]

            def call(self, x, training=None):
                for norm, conv in zip(self.norms, self.convs):
                    x = tf.concat([x, conv(tf.nn.relu(norm(x, training=training)))], axis=-1)
                return x


        class TransitionBlock(keras.layers.Layer):
            """BN -> ReLU -> 1x1 conv (out_channels filters, use_bias=False) -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization(momentum=0.1)
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
                self.pool = keras.layers.AveragePooling2D(2, 2)

            def call(self, x, training=None):
                return self.pool(self.conv(tf.nn.relu(self.norm(x, training=training))))
    '''),
    Alternative('dense_block', 'alt_dense_feature_list_pool_first',
        "DenseBlock keeps a list of feature maps and concatenates them all before each layer (torchvision style, keras.ops, axis=3); TransitionBlock average-pools before the 1x1 conv, which is exactly equivalent (both linear, acting on different axes; 'VALID' 2x2/2 pooling keeps H // 2) and cheaper; max difference ~2e-7.", '''
        class DenseBlock(keras.layers.Layer):
            """num_layers x [BN -> ReLU -> 3x3 conv], each output concatenated after its input on the channel axis."""

            def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
                super().__init__(**kwargs)
                self.norms = []
                self.convs = []
                for i in range(num_layers):
                    self.norms.append(keras.layers.BatchNormalization(name=f"norm{i}"))
                    self.convs.append(keras.layers.Conv2D(growth_rate, (3, 3), padding="same", use_bias=False, name=f"conv{i}"))

            def call(self, x, training=None):
                features = [x]  # DenseNet-style: keep every feature map, concatenate them all for each layer
                for norm, conv in zip(self.norms, self.convs):
                    h = keras.ops.concatenate(features, axis=3)
                    features.append(conv(keras.ops.relu(norm(h, training=training))))
                return keras.ops.concatenate(features, axis=3)


        class TransitionBlock(keras.layers.Layer):
            """BN -> ReLU -> 1x1 conv (out_channels filters, use_bias=False) -> 2x2 average pooling, stride 2."""

            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__(**kwargs)
                self.norm = keras.layers.BatchNormalization()
                self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)

            def call(self, x, training=None):
                h = tf.nn.relu(self.norm(x, training=training))
                # a 1x1 conv and an average pool are both linear and act on different axes, so they commute:
                # pooling first is the same result on 4x fewer positions
                h = tf.nn.avg_pool2d(h, ksize=2, strides=2, padding="VALID")
                return self.conv(h)
    '''),
    Alternative('block_costs', 'alt_block_costs_generic',
        'Describes each block as a list of (k, c_in, c_out) convs and sums k*k*c_in*c_out + 2*c_out weights and size*size*c_out*c_in*k*k multiply-adds with a generic helper; same numbers as the direct formula.', '''
        def block_costs(channels, size):
            """Costs of a stride-1 block channels -> channels on size x size maps, identity shortcut."""
            def cost(convs):
                # convs: list of (k, c_in, c_out); each conv is followed by a BN with gamma and beta per output channel
                weights = sum(k * k * c_in * c_out + 2 * c_out for k, c_in, c_out in convs)
                mult_adds = sum(size * size * c_out * c_in * k * k for k, c_in, c_out in convs)
                return int(weights), int(mult_adds)

            width = channels // 4
            return {
                "basic": cost([(3, channels, channels), (3, channels, channels)]),
                "bottleneck": cost([(1, channels, width), (3, width, width), (1, width, channels)]),
            }
    '''),
]
ENTRIES += BLIND_ROUND_2


# Issue 25: kinds of bugs a blind test got past the hidden checks (ranges never visited, types on degenerate paths,
# structure, defaults, contract timing, tolerances). Each bug below was missed by the hidden checks alone
# (`--hidden-only`) before they were strengthened; each alternative is a correct variant a strengthened check must
# not fail.
_R25_DENSE_IN_BUILD = '''
class DenseBlock(keras.layers.Layer):
    def __init__(self, in_channels, growth_rate, num_layers, **kwargs):
        super().__init__(**kwargs)
        self.growth_rate, self.num_layers = growth_rate, num_layers

    def build(self, input_shape):
        # the channel count of every layer's input is known here, from the input itself
        channels = input_shape[-1]
        self.norms, self.convs = [], []
        for i in range(self.num_layers):
            norm = keras.layers.BatchNormalization()
            norm.build((None, None, None, channels + i * self.growth_rate))
            conv = keras.layers.Conv2D(self.growth_rate, 3, padding="same", use_bias=False)
            conv.build((None, None, None, channels + i * self.growth_rate))
            self.norms.append(norm)
            self.convs.append(conv)

    def call(self, x, training=None):
        for norm, conv in zip(self.norms, self.convs):
            x = tf.concat([x, conv(tf.nn.relu(norm(x, training=training)))], axis=-1)
        return x
'''

ROUND_25 = [
    Bug("custom_dense", "r25_counter_created_in_init",
        "creates the `calls` weight in __init__ (it does not depend on the input size), whereas the docstring says "
        "to create nothing in __init__ but attributes: every weight belongs in build() (kind 5: contract timing)", '''
        class CountingDense(keras.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.calls = self.add_weight(name="calls", shape=(), dtype="int64", initializer="zeros",
                                             trainable=False)

            def build(self, input_shape):
                fan_in = input_shape[-1]
                bound = 1.0 / math.sqrt(fan_in)
                self.kernel = self.add_weight(name="kernel", shape=(fan_in, self.units),
                                              initializer=keras.initializers.RandomUniform(-bound, bound))
                self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.kernel) + self.bias
    '''),
    Bug("basic_block", "r25_training_defaults_to_true",
        "declares call(self, x, training=True): called without `training` (training=None in the contract, which "
        "means inference) the block normalizes with batch statistics and moves its BN statistics (kind 4: defaults)",
        _basic().replace("def call(self, x, training=None):", "def call(self, x, training=True):")),
    Bug("bottleneck_block", "r25_valueerror_at_build",
        "checks out_channels % 4 in build() instead of __init__: Bottleneck(16, 10) is constructed without error and "
        "fails only at its first call, whereas the docstring asks for the ValueError from __init__ (kind 5: timing)",
        _bottleneck(width="max(out_channels // 4, 1)").replace('''        if out_channels % 4:
            raise ValueError(f"out_channels must be divisible by 4, got {out_channels}")
''', "").replace('''    def call(self, x, training=None):''', '''    def build(self, input_shape):
        if self.conv3.filters % 4:
            raise ValueError(f"out_channels must be divisible by 4, got {self.conv3.filters}")

    def call(self, x, training=None):''')),
    Bug("bottleneck_block", "r25_stride_has_no_default",
        "declares __init__(self, in_channels, out_channels, stride, **kwargs) without the documented default "
        "stride=1: Bottleneck(8, 8) raises TypeError (kind 4: defaults)",
        _bottleneck().replace("out_channels, stride=1, **kwargs)", "out_channels, stride, **kwargs)")),
    Bug("resnet", "r25_fixed_stage_strides",
        "zips the stages with a fixed stride tuple (1, 2, 2): a ResNet with 4 stages silently loses its last stage "
        "(kind 1: stage_channels with another number of stages than the examples)",
        _resnet(stride="(1, 2, 2)[i] if j == 0 else 1").replace(
            "enumerate(zip(stage_channels, blocks_per_stage))",
            "enumerate(zip(stage_channels, blocks_per_stage, (1, 2, 2)))").replace(
            "for i, (out_channels, count)", "for i, (out_channels, count, _)")),
    Bug("resnet", "r25_squeezed_pooling",
        "pools with tf.squeeze(tf.reduce_mean(h, axis=[1, 2], keepdims=True)): for a batch of one image the classifier "
        "gets a 1-D vector and cannot give (1, num_classes) logits (kind 1: batch of 1)",
        _resnet(pool="tf.squeeze(tf.reduce_mean(h, axis=[1, 2], keepdims=True))")),
    Bug("dense_block", "r25_transition_training_defaults_to_true",
        "declares TransitionBlock.call(self, x, training=True): called without `training` (None in the contract, "
        "i.e. inference) its BN uses batch statistics and updates its moving statistics (kind 4: defaults)",
        _dense_blocks().replace('''        h = self.conv(tf.nn.relu(self.norm(x, training=training)))''',
                                '''        h = self.conv(tf.nn.relu(self.norm(x, training=training)))'''.replace("x, training=training", "x, training=training")).replace(
            "class TransitionBlock(keras.layers.Layer):\n    def __init__(self, in_channels, out_channels, **kwargs):\n        super().__init__(**kwargs)\n        self.norm = keras.layers.BatchNormalization()\n        self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)\n\n    def call(self, x, training=None):",
            "class TransitionBlock(keras.layers.Layer):\n    def __init__(self, in_channels, out_channels, **kwargs):\n        super().__init__(**kwargs)\n        self.norm = keras.layers.BatchNormalization()\n        self.conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)\n\n    def call(self, x, training=True):")),
    Bug("block_costs", "r25_int32_products",
        "multiplies with numpy int32 (numpy's default integer on Windows before numpy 2) and converts with int(): "
        "correct for small blocks, overflows for 512 channels on 28x28 maps (kind 1: arguments beyond the examples)",
        f"""
        {_COSTS_HEAD}
            def conv(c_in, c_out, k):
                return np.prod([c_in, c_out, k, k], dtype=np.int32)

            width = channels // 4
            positions = np.int32(size * size)
            basic = 2 * conv(channels, channels, 3)
            bottleneck = conv(channels, width, 1) + conv(width, width, 3) + conv(width, channels, 1)
            return {{"basic": (int(basic + 4 * channels), int(positions * basic)),
                    "bottleneck": (int(bottleneck + 2 * (2 * width + channels)), int(positions * bottleneck))}}
    """),
    Alternative("resnet", "r25_float32_classifier",
                "gives the classifier dtype='float32', as Keras' mixed-precision guide advises for the output layer: "
                "correct, but its logits are float32 even in a float64 model (kind 6: float32 tolerances)",
                _resnet().replace("keras.layers.Dense(num_classes)", 'keras.layers.Dense(num_classes, dtype="float32")')),
    Alternative("dense_block", "r25_layers_created_in_build",
                "creates norms and convs in build(), from the input's channel count (the docstring fixes their "
                "names, not when they are created; kind 5/6: layers made at build time compute in the model's dtype)",
                _R25_DENSE_IN_BUILD + _DENSE_BLOCKS.split("class TransitionBlock", 1)[1].join(
                    ["\n\nclass TransitionBlock", ""]).format(**_DENSE_OPTIONS)),
]
ENTRIES += ROUND_25

from instructor_only.catalogue.blind_round_4.resnet_tensorflow import ENTRIES as BLIND_ROUND_4  # noqa: E402

ENTRIES += BLIND_ROUND_4
