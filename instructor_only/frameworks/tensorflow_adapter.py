"""TensorFlow/Keras side of the adapter interface (layout NHWC)."""
from __future__ import annotations

import numpy as np
import tensorflow as tf
from tensorflow import keras

name = "tensorflow"
layout = "NHWC"

# Pure functions of plain data (expected values): the trusted side computes them itself (checks/remote.py).
TRUSTED = ("conv_output_length", "conv_weight_shape")


def is_tensor(x) -> bool:
    return tf.is_tensor(x)


def from_numpy(a: np.ndarray) -> tf.Tensor:
    return tf.constant(a)


def to_numpy(t) -> np.ndarray:
    return t.numpy() if tf.is_tensor(t) else np.asarray(t)


def from_nchw(a: np.ndarray) -> tf.Tensor:
    """An NCHW numpy array as a tensor in this framework's layout (NHWC)."""
    return tf.constant(np.transpose(a, (0, 2, 3, 1)))


def conv_output_length(n: int, kernel: int, padding: int, stride: int, dilation: int) -> int | None:
    """Width of a real keras Conv2D output (explicit padding via ZeroPadding2D; None if TF rejects the setting).

    TensorFlow does not support dilation > 1 together with stride > 1.
    """
    if dilation > 1 and stride > 1:
        return None
    x = tf.zeros((1, n, n, 1))
    if padding:
        x = keras.layers.ZeroPadding2D(padding)(x)
    conv = keras.layers.Conv2D(1, kernel, strides=stride, dilation_rate=dilation, padding="valid", use_bias=False)
    return int(conv(x).shape[2])


def conv_weight_shape(in_channels: int, out_channels: int, kh: int, kw: int) -> tuple[int, ...]:
    return (kh, kw, in_channels, out_channels)


def describe_conv(layer) -> dict:
    """What a check needs to know about a student's conv layer, or {'is_conv': False}."""
    if not isinstance(layer, keras.layers.Conv2D):
        return {"is_conv": False, "type": type(layer).__name__}
    if not layer.built:
        return {"is_conv": True, "built": False}
    return {"is_conv": True, "built": True, "weight_shape": tuple(layer.kernel.shape),
            "has_bias": layer.use_bias and layer.bias is not None}


def conv_output_maps(layer, in_channels: int, height: int, width: int) -> dict:
    """{'size': (h, w)} of the layer's output on an NHWC batch of zeros, or {'error': what it raised}."""
    try:
        return {"size": tuple(int(d) for d in layer(tf.zeros((1, height, width, in_channels))).shape[1:3])}
    except Exception as error:  # noqa: BLE001 -- the student's layer: reported by the check
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}


def special_tensor(a: np.ndarray, kind: str) -> tf.Tensor:
    """`a` as a bfloat16 tensor; TensorFlow tensors have no non-contiguous views, so that one is a plain tensor."""
    return tf.cast(tf.constant(a), tf.bfloat16) if kind == "bfloat16" else tf.constant(a)


def dtype_name(t) -> str:
    return t.dtype.name


def as_float32(t) -> np.ndarray:
    return tf.cast(t, tf.float32).numpy()


def trainable_parameter_count(layer) -> int:
    return int(sum(np.prod(w.shape) for w in layer.trainable_weights))


class OwnAndChildren(keras.Model):
    """A subclassed model with weights of its own (one trainable, one not) and layers inside, one of them frozen."""

    def __init__(self):
        super().__init__()
        self.inner = keras.layers.Dense(2)
        self.frozen = keras.layers.Dense(3)
        self.frozen.trainable = False

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")
        self.temperature = self.add_weight(name="temperature", shape=(), initializer="ones")  # 0-d: one scalar
        self.offset = self.add_weight(name="offset", shape=(input_shape[-1],), initializer="zeros", trainable=False)
        self.inner.build(input_shape)
        self.frozen.build((None, 2))

    def call(self, x):
        return self.frozen(self.inner(x * self.scale * self.temperature + self.offset))


def sample_layers() -> list[tuple[str, object]]:
    """Built layers with and without biases, non-trainable state (BN moving statistics), frozen layers, a subclassed
    model with weights of its own, a layer used twice, nested models, and nothing trainable at all."""
    def built(layer, shape):
        layer.build(shape)
        return layer

    shared = keras.layers.Dense(4)
    inputs = keras.Input((4,))
    twice = keras.Model(inputs, shared(keras.layers.ReLU()(shared(inputs))))
    frozen_inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5)])
    frozen_inner.trainable = False
    nested = keras.Sequential([keras.Input((3,)), frozen_inner, keras.Sequential([keras.layers.Dense(2)])])

    frozen = built(keras.layers.Dense(3), (None, 4))
    frozen.trainable = False
    frozen_alone = built(keras.layers.Dense(2), (None, 5))
    frozen_alone.trainable = False
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                              keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dense(10)])
    return [
        ("a subclassed keras.Model with weights of its own (scale and a 0-d temperature trainable, offset not) on 6 "
         "features, a Dense(2) "
         "and a frozen Dense(3) inside", built(OwnAndChildren(), (None, 6))),
        ("a functional model calling the same Dense(4) twice (its weights count once)", twice),
        ("Sequential(frozen Sequential(Dense(5)), Sequential(Dense(2))) on 3 features (nested models)", nested),
        ("ReLU() (nothing trainable)", built(keras.layers.ReLU(), (None, 3))),
        ("Dense(5) on 7 features", built(keras.layers.Dense(5), (None, 7))),
        ("Conv2D(8, 5, use_bias=False) on 3 channels", built(keras.layers.Conv2D(8, 5, use_bias=False), (None, 9, 9, 3))),
        ("BatchNormalization on 6 channels (moving mean/variance are non-trainable weights)",
         built(keras.layers.BatchNormalization(), (None, 4, 4, 6))),
        ("Sequential(Conv2D, BatchNormalization, ReLU, Flatten, Dense)", model),
        ("Sequential(frozen Dense(3), Dense(2)) (frozen: trainable=False)",
         keras.Sequential([keras.Input((4,)), frozen, keras.layers.Dense(2)])),
        ("a frozen Dense(2) on 5 features, on its own (trainable=False)", frozen_alone),
    ]
