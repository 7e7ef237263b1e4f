"""Correct ResNet blocks (TensorFlow/Keras) that the checks of `ResNet` put in place of the student's, so that those
checks never depend on the student's blocks. Trusted side: see `parts/torch_resnet.py`."""
from __future__ import annotations

import tensorflow as tf
from tensorflow import keras


# --- reference blocks (correct implementations of the contract) ----------------------------------------------------

def _conv_layer(filters, kernel, stride=1):
    return keras.layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False)


class _ReferenceBlock(keras.layers.Layer):
    def _shortcut(self, x, training):
        if self.shortcut_conv is None:
            return x
        return self.shortcut_bn(self.shortcut_conv(x), training=training)

    def _make_shortcut(self, in_channels, out_channels, stride):
        self.shortcut_conv = self.shortcut_bn = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut_conv = _conv_layer(out_channels, 1, stride)
            self.shortcut_bn = keras.layers.BatchNormalization()


class ReferenceBasicBlock(_ReferenceBlock):
    """A correct BasicBlock, patched in where a check must not depend on the student's."""

    def __init__(self, in_channels, out_channels, stride=1, **kwargs):
        super().__init__(**kwargs)
        self.spec = (in_channels, out_channels, stride)
        self.conv1, self.bn1 = _conv_layer(out_channels, 3, stride), keras.layers.BatchNormalization()
        self.conv2, self.bn2 = _conv_layer(out_channels, 3), keras.layers.BatchNormalization()
        self._make_shortcut(in_channels, out_channels, stride)

    def call(self, x, training=None):
        h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
        h = self.bn2(self.conv2(h), training=training)
        return tf.nn.relu(h + self._shortcut(x, training))


class ReferenceBottleneck(_ReferenceBlock):
    """A correct Bottleneck (expansion 4), patched in where a check must not depend on the student's."""

    def __init__(self, in_channels, out_channels, stride=1, **kwargs):
        super().__init__(**kwargs)
        if out_channels % 4:
            raise ValueError("out_channels must be divisible by 4")
        width = out_channels // 4
        self.spec = (in_channels, out_channels, stride)
        self.conv1, self.bn1 = _conv_layer(width, 1), keras.layers.BatchNormalization()
        self.conv2, self.bn2 = _conv_layer(width, 3, stride), keras.layers.BatchNormalization()
        self.conv3, self.bn3 = _conv_layer(out_channels, 1), keras.layers.BatchNormalization()
        self._make_shortcut(in_channels, out_channels, stride)

    def call(self, x, training=None):
        h = tf.nn.relu(self.bn1(self.conv1(x), training=training))
        h = tf.nn.relu(self.bn2(self.conv2(h), training=training))
        h = self.bn3(self.conv3(h), training=training)
        return tf.nn.relu(h + self._shortcut(x, training))


REFERENCE_BLOCKS = {"basic": ReferenceBasicBlock, "bottleneck": ReferenceBottleneck}
