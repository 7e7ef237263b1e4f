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
