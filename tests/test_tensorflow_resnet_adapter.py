"""The TensorFlow side of the residual-architectures lab: Keras' "same" convolutions equal the numpy reference's
padding rule, and the adapter's faster builds create exactly the weights Keras' own build path creates."""
import numpy as np
import pytest
import tensorflow as tf
from keras.src.layers import layer as keras_layer_module

from instructor_only.checks.parts.tensorflow_resnet import REFERENCE_BLOCKS
from instructor_only.frameworks import tensorflow_resnet as rn
from instructor_only.references import resnet as ref


@pytest.mark.parametrize("size, kernel, stride", [(6, 3, 2), (7, 3, 2), (6, 1, 2), (5, 3, 1), (8, 3, 2)])
def test_keras_same_convolution_equals_the_reference(size, kernel, stride):
    rng = np.random.default_rng(size * 10 + stride)
    x = rng.normal(size=(2, 3, size, size))
    weight = rng.normal(size=(4, 3, kernel, kernel))  # (out, in, kh, kw)
    got = tf.nn.conv2d(np.transpose(x, (0, 2, 3, 1)), np.transpose(weight, (2, 3, 1, 0)), stride, "SAME").numpy()
    np.testing.assert_allclose(np.transpose(got, (0, 3, 1, 2)), ref.conv(x, weight, stride, "same"),
                               rtol=1e-12, atol=1e-12)


def test_keras_still_has_the_build_hook_the_adapter_patches():
    assert callable(getattr(keras_layer_module, rn.UNBUILT_STATE_HOOK, None)), (
        "Keras renamed the hook; the TensorFlow checks still work but build layers the slow way: update "
        "UNBUILT_STATE_HOOK in instructor_only/frameworks/tensorflow_resnet.py")


@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
def test_eager_builds_create_the_same_weights_as_keras_symbolic_builds(kind):
    fast = rn.make_layer(REFERENCE_BLOCKS[kind], 4, 8, 2, input_shape=(2, 4, 6, 6))
    with rn._float64_layers():
        slow = REFERENCE_BLOCKS[kind](4, 8, 2)
    slow(tf.zeros((2, 6, 6, 4), tf.float64), training=False)  # Keras' own path: symbolic trace, then the call

    def describe(layer):  # in tracking order (sub-layer names are numbered globally, so they differ)
        return [(w.path.split("/")[-1], tuple(w.shape), w.trainable, str(w.dtype)) for w in layer.weights]

    assert fast.built and slow.built
    assert describe(fast) == describe(slow)


def test_sub_layers_created_at_build_time_are_float64_too():
    """make_layer keeps the float64 policy while the layer builds, so a layer that creates its sub-layers in build()
    computes in float64 like one that creates them in __init__ (issue 25)."""
    class Lazy(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.conv = tf.keras.layers.Conv2D(2, 3, padding="same", use_bias=False)

        def call(self, x, training=None):
            return self.conv(x)

    layer = rn.make_layer(Lazy, input_shape=(1, 3, 5, 5))
    assert rn.forward(layer, np.ones((1, 3, 5, 5)), False).dtype == np.float64
    assert str(layer.conv.kernel.dtype) == "float64"


def test_float32_results_keep_their_dtype_and_default_call_is_inference():
    class Head(tf.keras.layers.Layer):  # a float32 output layer inside a float64 model (called through __call__)
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(2, dtype="float32")

        def call(self, x, training=None):
            return self.dense(x)

    head = rn.make_layer(Head, input_shape=(4, 3))
    assert rn.forward(head, np.ones((4, 3)), False).dtype == np.float32
    block = rn.make_layer(REFERENCE_BLOCKS["basic"], 4, 8, 2, input_shape=(2, 4, 6, 6))
    rn.randomize(block, 1)
    x = np.random.default_rng(0).normal(size=(2, 4, 6, 6))
    before = rn.running_stats(block)
    np.testing.assert_allclose(rn.forward_default(block, x), rn.forward(block, x, False), rtol=1e-12, atol=1e-12)
    assert all(np.array_equal(before[k][0], v[0]) for k, v in rn.running_stats(block).items())


def test_weights_before_build_saved_names_and_stages_container():
    assert rn.weights_before_build(tf.keras.layers.Dense, 3) == []
    dense = rn.make_layer(tf.keras.layers.Dense, 3, input_shape=(2, 4))
    assert sorted(p.split("/")[-1] for p in rn.saved_names(dense)) == ["bias", "kernel"]
    assert rn.training_argument is True

    class Holder:
        stages = [[1], [2, 3]]
    assert rn.stages_container(Holder()) is None
    Holder.stages = [(1,), {2}]
    assert rn.stages_container(Holder()) == "a list holding set"
