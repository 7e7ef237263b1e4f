"""TensorFlow/Keras training helpers for the notebooks: accuracy, training loops with a progress bar, the LR experiment.

`train` and `largest_stable_lr` call the student's own `sgd_epoch` and loss function, passed in as arguments;
`fit_classifier` trains any Keras model with Keras' Adam (the residual-networks hackathon). Shuffling uses numpy
Generators: the TensorFlow `sgd_epoch` takes `rng` (a numpy Generator) where the PyTorch one takes a torch Generator.
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tqdm.auto import tqdm

from student_helpers.experiments import balanced_batch_size, is_stable

COMPILE_FROM_STEPS = 20  # fit_classifier compiles its training step from this many steps on


def as_tensors(x, y):
    return tf.constant(x, dtype=tf.float32), tf.constant(y, dtype=tf.int64)


def accuracy(model, x, y) -> float:
    """Fraction of correct predictions, computed in inference mode (training=False)."""
    predictions = tf.argmax(model(x, training=False), axis=1, output_type=tf.int64)
    return float(tf.reduce_mean(tf.cast(predictions == tf.cast(y, tf.int64), tf.float32)))


def mean_loss(model, loss_fn, x, y) -> float:
    """loss_fn on the whole of (x, y), in inference mode."""
    return float(loss_fn(model(x, training=False), y))


def train(model, sgd_epoch, loss_fn, x, y, lr, epochs, batch_size=None, seed=0, progress=True, desc="epochs",
          stop_if_diverged=False):
    """Run `epochs` calls of sgd_epoch; returns the per-epoch average training losses.

    batch_size: None means near-equal minibatches of at most 64 (experiments.balanced_batch_size).

    stop_if_diverged: stop after the first epoch whose loss is not finite (the run is unstable anyway).
    """
    batch_size = balanced_batch_size(len(x)) if batch_size is None else batch_size
    rng = np.random.default_rng(seed)
    losses = []
    bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=True)
    for _ in bar:
        losses.append(float(sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn)))
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        if stop_if_diverged and not math.isfinite(losses[-1]):
            break
    bar.close()
    return losses


def largest_stable_lr(make_model, sgd_epoch, loss_fn, x, y, lrs, epochs, batch_size=None, seed=0):
    """The largest learning rate in `lrs` whose run is stable (see experiments.is_stable), or None.

    Every run starts from the same initialization (seeded). Rates are tried from the largest down, and the search
    stops at the first stable one: the same answer as trying them all, in less time.
    """
    for lr in sorted(lrs, reverse=True):
        keras.utils.set_random_seed(seed)
        model = make_model()
        initial = mean_loss(model, loss_fn, x, y)
        losses = train(model, sgd_epoch, loss_fn, x, y, lr, epochs, batch_size, seed, progress=False,
                       stop_if_diverged=True)
        if is_stable(losses, initial):
            return lr
    return None


def fit_classifier(model, x, y, epochs, lr=1e-3, batch_size=64, seed=0, progress=True, desc="epochs"):
    """Train `model` (a Keras layer or model producing logits) with Keras' Adam on the mean cross-entropy.

    Each epoch visits (x, y) once in a random order (numpy Generator seeded with `seed`), in minibatches, calling
    the model with training=True. Variables that get no gradient (layers a forward pass never uses) are left alone.
    Returns the per-epoch average training losses.

    The training step is compiled with tf.function once there are enough steps to repay the tracing (a few
    seconds for a deep model): eager TensorFlow pays a large fixed cost per operation, which dominates on small
    images. Short runs (the autograder's) stay eager.
    """
    x, y = tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    model(x[:2], training=False)  # builds every weight eagerly; inference mode leaves the BN statistics alone
    variables = model.trainable_variables
    optimizer = keras.optimizers.Adam(learning_rate=lr)
    optimizer.build(variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients([(g, v) for g, v in zip(grads, variables) if g is not None])
        return loss

    n = int(x.shape[0])
    if epochs * math.ceil(n / batch_size) >= COMPILE_FROM_STEPS:
        signature = [tf.TensorSpec((None, *x.shape[1:]), x.dtype), tf.TensorSpec((None,), y.dtype)]
        step = tf.function(step, input_signature=signature)  # one trace for every batch size
    rng = np.random.default_rng(seed)
    losses = []
    bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=False)
    for _ in bar:
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            total += float(step(tf.gather(x, idx), tf.gather(y, idx))) * len(idx)
        losses.append(total / n)
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    bar.close()
    return losses
