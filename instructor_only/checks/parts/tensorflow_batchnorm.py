"""Correct parts of the batch-norm lab (TensorFlow) that only the checks use: a batch_norm
function put in place of the student's to check their layer on its own, and the framework's own SGD step the
student's `sgd_epoch` is compared with. Trusted side: see `parts/torch_resnet.py`."""
from __future__ import annotations

import numpy as np
import tensorflow as tf
from tensorflow import keras

from instructor_only.frameworks.tensorflow_batchnorm import eps, momentum, tensor


def reference_batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=momentum, eps=eps):
    """A correct batch_norm with the lab's Keras contract, in TensorFlow ops (used to check the layer on its own)."""
    x = tf.convert_to_tensor(x)
    moving_mean, moving_var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
    if training:
        mean, var = tf.nn.moments(x, axes=list(range(len(x.shape) - 1)))
        new_mean = momentum * moving_mean + (1 - momentum) * mean
        new_var = momentum * moving_var + (1 - momentum) * var
    else:
        mean, var = moving_mean, moving_var
        new_mean, new_var = tf.identity(moving_mean), tf.identity(moving_var)
    y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
    return y, tf.stop_gradient(new_mean), tf.stop_gradient(new_var)


def reference_sgd_epoch(model, x, y, lr: float) -> None:
    """One full-batch step of keras.optimizers.SGD on Keras' cross-entropy, in training mode."""
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    with tf.GradientTape() as tape:
        loss = loss_fn(tf.constant(np.asarray(y), tf.int64), model(tensor(x), training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))


def reference_minibatch_epoch(model, x, y, lr: float, batch_size: int, seed: int = 0, epochs: int = 1) -> float:
    """`epochs` epochs as the lab's contract asks, with keras.optimizers.SGD: each epoch's order rng.permutation(N)
    draws from ONE np.random.default_rng(seed) (as the check seeds the student's), minibatches of batch_size (the last
    one smaller), training=True. Returns the plain mean of the last epoch's minibatch losses."""
    optimizer = keras.optimizers.SGD(learning_rate=lr)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    x, y = tensor(x), tf.constant(np.asarray(y), tf.int64)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(int(x.shape[0]))
        losses = []
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            with tf.GradientTape() as tape:
                loss = loss_fn(tf.gather(y, idx), model(tf.gather(x, idx), training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            losses.append(float(loss))
    return sum(losses) / len(losses)
