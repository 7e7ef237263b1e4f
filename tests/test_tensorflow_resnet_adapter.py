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
