import sys; sys.path.insert(0, __import__("os").path.dirname(__file__))
from nbspec import NB
nb = NB()
nb.md("""
# Lab: Batch Normalization, from scratch to deep MLPs (TensorFlow)

Batch normalization (BN) standardizes each feature over the current minibatch, then rescales it with two learned
parameters. It is one line of maths, yet it changes what learning rates a network tolerates and how deep it can be
before training falls apart. In this lab you will

1. watch Keras' own `BatchNormalization` layer behave differently in training and in inference;
2. write batch norm yourself, first as a function and then as a Keras layer, so that it matches Keras exactly;
3. write the forward pass, the loss and a hand-made SGD loop for an MLP that can use BN;
4. measure how the largest stable learning rate depends on depth, with and without BN, and how BN helps
   saturating activations;
5. (optional) see why standardizing features makes gradient descent better conditioned.

**Grading.** Each exercise has a public check right below it; the same cell runs hidden checks when you submit.
Written answers are graded by hand. Run *Kernel → Restart & Run All* before submitting: the whole notebook takes
one to two minutes on a laptop CPU.

The track is TensorFlow/Keras: image tensors are laid out **NHWC** (batch, height, width, channels), and a layer's
mode is not a state of the layer but the `training` argument of each call.
""", "intro")
nb.code("""
import math

import numpy as np
import tensorflow as tf

try:  # small models run fastest on one thread; this must happen before TensorFlow runs its first operation
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
except RuntimeError:  # TensorFlow is already running (e.g. this cell ran before): keep its settings
    pass
from tensorflow import keras
from tqdm.auto import tqdm

from student_helpers.data import load_images
from student_helpers.experiments import plot_curves, plot_stable_learning_rates, reduced_run
from student_helpers.tf_training import accuracy, as_tensors, largest_stable_lr, train

keras.utils.set_random_seed(0)  # seeds Python, NumPy and TensorFlow (weight initialization included)
REDUCED = reduced_run()         # True while the autograder runs this notebook: the experiments then run smaller
""", "imports")
nb.md("""
## 1. Data

We use the handwritten digits that ship with scikit-learn (8x8 grey images, 10 classes), so nothing is
downloaded. The pixels are **standardized with the mean and standard deviation of the training split only**: the
test split must not influence anything we fit, not even the preprocessing.

*Online?* Set the environment variable `COURSE_DATASET=fashion_mnist` before starting Jupyter to use Fashion-MNIST
(28x28) instead; it is downloaded once to `~/.keras/datasets/fashion-mnist`. It is about 45 times larger, and eager
TensorFlow spends its time per training step: pass `max_train=2000` to `load_images` below as well, or the
experiments will take hours.
""", "md-data")
nb.code("""
data = load_images(layout="flat")
x_train, y_train = as_tensors(data.x_train, data.y_train)
x_test, y_test = as_tensors(data.x_test, data.y_test)
print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}, classes {data.class_names}")
print(f"training split after standardization: mean {float(tf.reduce_mean(x_train)):.3f}, "
      f"std {float(tf.math.reduce_std(x_train)):.3f}")
""", "data")
nb.md("""
## 2. The built-in layer in action

`keras.layers.BatchNormalization()` keeps two trainable weights, `gamma` and `beta`, and two **non-trainable
weights**, `moving_mean` and `moving_variance`, which gradient descent does not touch.

* Called with **`training=True`**, it normalizes with the statistics of the current batch and moves the moving
  statistics towards them.
* Called with **`training=False`**, it normalizes with the moving statistics and leaves them alone, so one
  example's output no longer depends on the rest of its batch.

A Keras layer has no training or inference *mode*: `model.fit` passes `training=True` to every layer, `predict` and
`evaluate` pass `training=False`, and when you call a layer or model yourself you say which one you want (calling
a model passes its `training` argument on to the layers inside it). Run the cell and read the numbers.
""", "md-builtin")
nb.code("""
keras.utils.set_random_seed(0)
batch = 5.0 + 3.0 * tf.random.normal((256, 2))            # two features with mean ~5 and std ~3
layer = keras.layers.BatchNormalization()                  # momentum 0.99, epsilon 1e-3

print("training=False before any training: output mean", tf.reduce_mean(layer(batch, training=False), 0).numpy().round(2),
      "(moving stats are still 0 and 1)")
out = layer(batch, training=True)
print("training=True:                      output mean", tf.reduce_mean(out, 0).numpy().round(2),
      "std", tf.math.reduce_std(out, 0).numpy().round(2))
steps = 30 if REDUCED else 200  # under the autograder this cell only needs to run
for step in range(2, steps + 1):
    layer(5.0 + 3.0 * tf.random.normal((256, 2)), training=True)
    if step in (10, 50, 200):
        print(f"after {step:3d} training calls: moving_mean {layer.moving_mean.numpy().round(2)}, "
              f"moving_variance {layer.moving_variance.numpy().round(2)}")
print("training=False after training:      output mean", tf.reduce_mean(layer(batch, training=False), 0).numpy().round(2))
""", "builtin-demo")
nb.md("""
**Conventions you must match** (they differ between frameworks, and mixing them up is a classic bug):

| | Keras | PyTorch |
|---|---|---|
| update of the moving (running) statistics | `new = momentum * old + (1 - momentum) * batch` | `new = (1 - momentum) * old + momentum * batch` |
| default momentum | 0.99 (weight of the **old** value) | 0.1 (weight of the **new** batch) |
| default eps | 1e-3 | 1e-5 |
| variance used to normalize the batch | biased (divide by n) | biased (divide by n) |
| variance stored in `moving_variance` / `running_var` | biased | **unbiased** (divide by n - 1) |

Here n is the number of values averaged per feature: the batch size for 2-D input `(N, D)`, and `N * H * W` for
images `(N, H, W, C)`, where each channel is one feature. With momentum 0.99 the moving statistics move only 1% of
the way per call, which is why, after 200 calls above, they were still short of the true mean 5 and variance 9.
""", "md-conventions")
nb.md("""
## 3. Batch norm from scratch

Write `batch_norm` for 2-D input `(N, D)` and 4-D input `(N, H, W, C)`. In training mode:

$$\\mu = \\text{mean}(x), \\quad \\sigma^2 = \\text{mean}((x-\\mu)^2), \\quad
y = \\gamma \\, \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} + \\beta$$

per feature (per channel for 4-D input: the channels are the **last** axis, so average over all the others), and
the moving statistics move as in the table above. In inference the moving statistics replace $\\mu$ and
$\\sigma^2$ and are returned unchanged.

Use only TensorFlow operations (`tf.reduce_mean`, `tf.sqrt`, arithmetic, ...): the function must not call the
built-in batch norm, neither `tf.nn.batch_normalization` nor `keras.layers.BatchNormalization` (the checks make
sure). `tf.nn.moments` is allowed.
""", "md-bn-function")
nb.answer("batch_norm", '''
def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    """Batch normalization with Keras' conventions, for (N, D) or (N, H, W, C) input.

    Args:
        x: float tensor, (N, D) or (N, H, W, C) (channels last).
        gamma, beta: learnable scale and shift, shape (D,) or (C,) (tensors, or a layer's variables).
        moving_mean, moving_var: moving statistics, shape (D,) or (C,). Do not assign to them: return new tensors.
        training (bool): True: normalize with the batch statistics and update the moving ones;
            False: normalize with the moving statistics, which are returned unchanged.
        momentum (float): weight of the OLD moving statistics in the update (Keras convention).
        eps (float): added to the variance before the square root.

    Returns:
        (y, new_moving_mean, new_moving_var): y has x's shape; the moving statistics have shape (D,) or (C,).
        new_moving_var uses the BIASED batch variance, the same one that normalizes the batch.
    """
    ### BEGIN SOLUTION
    axes = list(range(len(x.shape) - 1))  # every axis but the last one (features or channels)
    if training:
        mean = tf.reduce_mean(x, axis=axes)
        var = tf.reduce_mean(tf.square(x - mean), axis=axes)
        new_mean = momentum * moving_mean + (1 - momentum) * mean
        new_var = momentum * moving_var + (1 - momentum) * var
    else:
        mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
        new_mean, new_var = mean, var
    y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
    return y, new_mean, new_var
    ### END SOLUTION
''')
nb.test("check_batch_norm", 3, '''
# Public checks.
keras.utils.set_random_seed(1)
x = 4.0 + 2.0 * tf.random.normal((64, 3))
ones, zeros = tf.ones(3), tf.zeros(3)
y, new_mean, new_var = batch_norm(x, ones, zeros, zeros, ones, training=True)
assert tuple(y.shape) == tuple(x.shape), f"y should have x's shape {tuple(x.shape)}, got {tuple(y.shape)}"
assert np.allclose(tf.reduce_mean(y, 0), 0.0, atol=1e-5), f"training mode: each feature of y should have mean 0, got {tf.reduce_mean(y, 0)}"
assert np.allclose(tf.math.reduce_std(y, 0), 1.0, atol=1e-3), "training mode: each feature of y should have std 1"
batch_mean, batch_var = tf.reduce_mean(x, 0), tf.math.reduce_variance(x, 0)  # reduce_variance is biased
assert np.allclose(new_mean, 0.01 * batch_mean, atol=1e-6), "moving_mean should move 1% of the way (momentum 0.99 weighs the OLD value) towards the batch mean"
assert np.allclose(new_var, 0.99 + 0.01 * batch_var), "moving_var should move towards the BIASED batch variance"
y_eval, same_mean, same_var = batch_norm(x, ones, zeros, new_mean, new_var, training=False)
assert np.array_equal(same_mean, new_mean) and np.array_equal(same_var, new_var), "inference must not change the moving statistics"
assert np.allclose(y_eval, (x - new_mean) / tf.sqrt(new_var + 1e-3), atol=1e-5), "inference should normalize with the moving statistics"
images = tf.random.normal((8, 5, 5, 4)) * tf.range(1.0, 5.0)  # NHWC: channel c has std c + 1
y4, mean4, _ = batch_norm(images, tf.ones(4), tf.zeros(4), tf.zeros(4), tf.ones(4), training=True)
assert tuple(mean4.shape) == (4,), f"4-D input: one statistic per channel, shape (4,), got {tuple(mean4.shape)}"
assert np.allclose(tf.math.reduce_std(y4, axis=[0, 1, 2]), 1.0, atol=1e-3), "4-D input: normalize each channel over (N, H, W)"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_batch_norm", "tensorflow", globals())
### END HIDDEN TESTS
''')
nb.md("""
### The layer

Now wrap the function in a Keras layer. A layer creates its weights in `build(input_shape)`, which Keras calls
on the first call, once the number of channels (`input_shape[-1]`) is known. Use `self.add_weight(name=...,
shape=..., initializer=..., trainable=...)` for two kinds of state:

* **trainable weights**, which the optimizer updates: here `gamma` (starts at 1) and `beta` (starts at 0);
* **non-trainable weights**, which are saved with the model but not learned: here `moving_mean` (starts at 0) and
  `moving_variance` (starts at **1**, the variance of a standardized feature; starting at 0 would divide by
  almost nothing in early inference).

`call(x, training)` calls your `batch_norm`; when training, it stores the returned statistics in the moving
weights with `variable.assign(...)`. Pass `**kwargs` on to `super().__init__`, so that Keras options such as
`dtype="float64"` work.
""", "md-bn-module")
nb.answer("batchnorm_layer", '''
class BatchNorm(keras.layers.Layer):
    """Batch norm over the last axis (features of (N, D), channels of (N, H, W, C)), like keras BatchNormalization.

    Weights, created in build with self.add_weight under these names (the checks look for them), all of shape
    (channels,): gamma (ones) and beta (zeros), trainable; moving_mean (zeros) and moving_variance (ones),
    non-trainable. Attributes: momentum, eps (floats).
    """

    def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
        super().__init__(**kwargs)
        ### BEGIN SOLUTION
        self.momentum, self.eps = momentum, eps
        ### END SOLUTION

    def build(self, input_shape):
        ### BEGIN SOLUTION
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(name="gamma", shape=channels, initializer="ones")
        self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")
        self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros", trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=channels, initializer="ones",
                                               trainable=False)
        ### END SOLUTION

    def call(self, x, training=None):
        ### BEGIN SOLUTION
        y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                          bool(training), self.momentum, self.eps)
        if training:
            self.moving_mean.assign(new_mean)
            self.moving_variance.assign(new_var)
        return y
        ### END SOLUTION
''')
nb.test("check_batchnorm_layer", 2, '''
# Public checks: the layer's weights, and that it uses and stores what your batch_norm computes.
mine = BatchNorm()
mine.build((None, 3))
assert {w.name for w in mine.trainable_weights} == {"gamma", "beta"}, "gamma and beta should be the only trainable weights"
assert {w.name for w in mine.non_trainable_weights} == {"moving_mean", "moving_variance"}, (
    "moving_mean and moving_variance should be non-trainable weights (add_weight(..., trainable=False))")
assert np.all(mine.moving_variance.numpy() == 1.0), "moving_variance should start at 1"
keras.utils.set_random_seed(2)
for training in (True, True, False):
    x = 3.0 * tf.random.normal((16, 3)) + 1.0
    before = (tf.convert_to_tensor(mine.moving_mean), tf.convert_to_tensor(mine.moving_variance))
    want_y, want_mean, want_var = batch_norm(x, mine.gamma, mine.beta, *before, training, 0.99, 1e-3)
    assert np.allclose(mine(x, training=training), want_y, atol=1e-6), f"call should return batch_norm's output (training={training})"
    if training:
        assert np.allclose(mine.moving_mean, want_mean) and np.allclose(mine.moving_variance, want_var), (
            "after a call with training=True, the layer should hold the moving statistics batch_norm returned")
    else:
        assert np.array_equal(mine.moving_mean, before[0]) and np.array_equal(mine.moving_variance, before[1]), (
            "a call with training=False must leave the moving statistics alone")
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_batchnorm_layer", "tensorflow", globals())
### END HIDDEN TESTS
''')
nb.md("""
## 4. An MLP with optional batch norm

The model is `input -> [Dense -> BN (optional) -> activation] x depth -> Dense`. BN goes **between** the dense
layer and the nonlinearity, so that the activation always sees standardized inputs. The model is given (it uses
Keras' `BatchNormalization`; your own layer would work too, only more slowly); write its forward pass, which
receives the `training` argument of the model's call and must hand it to the BN layers.

The dense layers start as PyTorch initializes its linear layers (weights and biases uniform in
$\\pm 1/\\sqrt{\\text{fan\\_in}}$), so that both tracks of the course run the same experiments. Keras' default
(Glorot) initialization is larger: with it the networks without BN would start off better, and BN's advantage in
the experiments below would be smaller. Initialization and normalization attack the same problem, the scale of
the signal in each layer; BN keeps fixing it while the weights change.
""", "md-mlp")
nb.code('''
def dense(units, fan_in):
    """A Dense layer initialized like PyTorch's nn.Linear: weights and biases uniform in +-1/sqrt(fan_in)."""
    bound = 1.0 / math.sqrt(fan_in)
    return keras.layers.Dense(units, kernel_initializer=keras.initializers.RandomUniform(-bound, bound),
                              bias_initializer=keras.initializers.RandomUniform(-bound, bound))


class MLP(keras.Model):
    """input -> [Dense -> BatchNormalization (if batch_norm) -> activation] x depth -> Dense (logits)."""

    def __init__(self, in_features, hidden, depth, num_classes, batch_norm=False, activation="relu"):
        super().__init__()
        sizes = [in_features] + [hidden] * depth
        self.hidden_layers = [dense(b, fan_in=a) for a, b in zip(sizes[:-1], sizes[1:])]
        self.norms = [keras.layers.BatchNormalization() for _ in range(depth)] if batch_norm else None
        self.activation_name = activation
        self.activation = {"relu": tf.nn.relu, "sigmoid": tf.sigmoid}[activation]
        self.output_layer = dense(num_classes, fan_in=hidden)
        # Create every weight now, from the known sizes. (Otherwise Keras would trace the whole model once, on its
        # first call, just to find out the shapes.)
        for layer, size in zip(self.hidden_layers, sizes[:-1]):
            layer.build((None, size))
        for layer in (self.norms or []) + [self.output_layer]:
            layer.build((None, hidden))

    def call(self, x, training=False):
        return mlp_forward(self, x, training)
''', "mlp-class")
nb.answer("mlp_forward", '''
def mlp_forward(model, x, training):
    """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features).

    Use model.hidden_layers[i], then model.norms[i] (called with training=training) when model.norms is not None,
    then model.activation; finish with model.output_layer (no activation after it).
    Returns a tensor of shape (N, num_classes).
    """
    ### BEGIN SOLUTION
    h = x
    for i, dense in enumerate(model.hidden_layers):
        h = dense(h)
        if model.norms is not None:
            h = model.norms[i](h, training=training)
        h = model.activation(h)
    return model.output_layer(h)
    ### END SOLUTION
''')
nb.test("check_mlp_forward", 2, '''
# Public checks.
keras.utils.set_random_seed(3)
model = MLP(x_train.shape[1], 32, depth=3, num_classes=10, batch_norm=True)
logits = mlp_forward(model, x_train[:20], training=True)
assert tuple(logits.shape) == (20, 10), f"logits should have shape (20, 10), got {tuple(logits.shape)}"
assert not np.allclose(mlp_forward(model, x_train[:20], training=False), logits), (
    "with BN, inference outputs (training=False) should differ from training outputs")
plain = MLP(x_train.shape[1], 32, depth=2, num_classes=10, batch_norm=False)
out = plain(x_train[:5])
h = tf.nn.relu(plain.hidden_layers[1](tf.nn.relu(plain.hidden_layers[0](x_train[:5]))))
assert np.allclose(out, plain.output_layer(h), atol=1e-6), "without BN: Dense -> ReLU, twice, then the output layer"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_mlp_forward", "tensorflow", globals())
### END HIDDEN TESTS
''')
nb.md("""
## 5. The objective

Classification uses the **mean** cross-entropy of the softmax of the logits:
$\\ell = -\\frac{1}{N}\\sum_i \\log \\text{softmax}(z_i)_{y_i}$. Compute it from the logits directly. Computing
`softmax` and then its `log` overflows for large logits; $\\log \\text{softmax}(z)_k = z_k - \\log\\sum_j e^{z_j}$
with `tf.reduce_logsumexp` does not. To pick each row's entry at its label, multiply by `tf.one_hot(labels, K)` and
sum over the classes (or use `tf.gather(..., batch_dims=1)`). (Using `tf.nn.sparse_softmax_cross_entropy_with_logits`
and then the mean is also fine, once you know what it computes.)
""", "md-loss")
nb.answer("cross_entropy", '''
def cross_entropy(logits, labels):
    """Mean cross-entropy. logits: float (N, K); labels: integer (N,) with values in [0, K).

    Returns a 0-d tensor (differentiable with respect to the logits).
    """
    ### BEGIN SOLUTION
    log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
    picked = tf.reduce_sum(tf.one_hot(labels, logits.shape[1], dtype=logits.dtype) * log_probs, axis=1)
    return -tf.reduce_mean(picked)
    ### END SOLUTION
''')
nb.test("check_cross_entropy", 1, '''
# Public checks: uniform logits give log(K); a confident correct prediction gives ~0.
z = tf.zeros((4, 10))
assert abs(float(cross_entropy(z, tf.constant([0, 3, 5, 9]))) - math.log(10)) < 1e-6, "all-zero logits: the loss is log(10)"
confident = tf.constant([[50.0, 0.0], [0.0, 50.0]])
assert float(cross_entropy(confident, tf.constant([0, 1]))) < 1e-6, "confident correct predictions: loss ~0"
assert abs(float(cross_entropy(confident, tf.constant([1, 1]))) - 25.0) < 1e-4, "mean (not sum) over the batch: expected 25"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_cross_entropy", "tensorflow", globals())
### END HIDDEN TESTS
''')
nb.md("""
## 6. Minibatch SGD by hand

One epoch visits every training example once, in a random order, in minibatches. For each minibatch: compute the
loss inside a `tf.GradientTape`, ask the tape for the gradients of the loss with respect to
`model.trainable_variables`, and move every variable against its gradient (`variable.assign_sub(lr * grad)`).
A tape computes fresh gradients each time, so there is nothing to clear. Do not use `keras.optimizers`.

Call the model with **`training=True`** while it learns, so that BN uses batch statistics and updates its moving
ones (`accuracy` calls it with `training=False`).
""", "md-sgd")
nb.answer("sgd_epoch", '''
def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
    """One epoch of minibatch SGD on (x, y), updating model's trainable variables in place.

    Args:
        model: a Keras model producing logits. x: (N, D) float tensor; y: (N,) integer labels.
        lr (float): learning rate. batch_size (int): the last minibatch may be smaller.
        rng (numpy.random.Generator): use it to shuffle (rng.permutation(N)); tf.gather picks the rows.
        loss_fn: loss_fn(logits, labels) -> 0-d tensor, e.g. your cross_entropy.

    Returns:
        float: the average of the minibatch losses.
    """
    ### BEGIN SOLUTION
    order = rng.permutation(x.shape[0])
    losses = []
    for start in range(0, x.shape[0], batch_size):
        idx = order[start:start + batch_size]
        xb, yb = tf.gather(x, idx), tf.gather(y, idx)
        with tf.GradientTape() as tape:
            loss = loss_fn(model(xb, training=True), yb)
        grads = tape.gradient(loss, model.trainable_variables)
        for variable, grad in zip(model.trainable_variables, grads):
            variable.assign_sub(lr * grad)
        losses.append(float(loss))
    return sum(losses) / len(losses)
    ### END SOLUTION
''')
nb.test("check_sgd_epoch", 3, '''
# Public checks: a few epochs on 384 digits should fit them reasonably well. (Keras' own layers and loss are used
# here, so that this cell checks sgd_epoch alone.)
keras.utils.set_random_seed(4)
model = keras.Sequential([keras.Input((x_train.shape[1],)), keras.layers.Dense(64),
                          keras.layers.BatchNormalization(), keras.layers.ReLU(), keras.layers.Dense(10)])
keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
loss_fn = lambda logits, labels: keras_loss(labels, logits)  # Keras losses take (labels, predictions)
rng = np.random.default_rng(0)
x_few, y_few = x_train[:384], y_train[:384]
losses = [sgd_epoch(model, x_few, y_few, 0.5, 64, rng, loss_fn) for _ in range(3)]
assert all(isinstance(v, float) for v in losses), "sgd_epoch should return the average loss as a float"
assert losses[-1] < losses[0] < math.log(10) + 0.5, f"the average loss should fall from about log(10): {losses}"
assert not np.allclose(model.layers[1].moving_mean, 0.0), "BN's moving mean never moved: call the model with training=True"
assert accuracy(model, x_few, y_few) > 0.85, "after 3 epochs the training accuracy should exceed 85%"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_sgd_epoch", "tensorflow", globals())
### END HIDDEN TESTS
''')
nb.md("""
Now train a network with BN on the digits and look at its test accuracy (the progress bar shows the loss). Under
the autograder, this cell and the experiments below only need to run: they then use a slice of the data
(`x_demo`), and fewer epochs and settings.
""", "md-train")
nb.code("""
x_demo, y_demo = (x_train[:256], y_train[:256]) if REDUCED else (x_train, y_train)
keras.utils.set_random_seed(0)
model = MLP(x_train.shape[1], 64, depth=2, num_classes=10, batch_norm=True)
losses = train(model, sgd_epoch, cross_entropy, x_demo, y_demo, lr=0.1, epochs=1 if REDUCED else 6, desc="MLP+BN")
print(f"final training loss {losses[-1]:.3f}; test accuracy {accuracy(model, x_test, y_test):.1%}")
""", "train-demo")
nb.md("""
## 7. Experiment: the largest stable learning rate vs depth

For each depth and each learning rate on a grid, we train for a few epochs from the same initialization and call
the run *stable* if the loss stays finite and ends below where it started. Then we plot the largest stable rate,
with and without BN. (Eager TensorFlow spends its time per step rather than per example, so this experiment uses
minibatches of 128 to halve its run time.)
""", "md-lr-experiment")
nb.code("""
depths = [1, 2] if REDUCED else [1, 2, 4, 8]
lrs = [0.1, 1.0, 10.0] if REDUCED else [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
epochs = 1 if REDUCED else 3
largest = {}
for use_bn in (False, True):
    label = "with BN" if use_bn else "without BN"
    largest[label] = [
        largest_stable_lr(lambda d=depth: MLP(x_train.shape[1], 64, d, 10, batch_norm=use_bn), sgd_epoch,
                          cross_entropy, x_demo, y_demo, lrs, epochs, batch_size=128)
        for depth in tqdm(depths, desc=label)
    ]
plot_stable_learning_rates(depths, largest, lrs);
for label, values in largest.items():
    print(f"{label:>10s}: largest stable learning rate per depth {dict(zip(depths, values))}")
""", "lr-experiment")
nb.written("written_lr_depth", 2, """
<!-- BEGIN RUBRIC -->
**Rubric (for graders; students get an empty cell, and the published solution omits it), 2 points.**
- 1 point: reads the plot: without BN the largest stable rate falls as depth grows; with BN it stays high
  (roughly constant, and above the no-BN curve at depth >= 2).
- 1 point: explains it: without BN, the scale of activations and gradients changes multiplicatively through the
  layers, so a step size that suits one layer overshoots in another and large rates blow up in deep nets; BN
  re-standardizes each layer's pre-activations, which makes the output invariant to the scale of the incoming
  weights, so a large step cannot make the activations explode and the effective step shrinks as weights grow.
  Half of this point for "BN keeps activations normalized" without the link to step size or weight scale.
<!-- END RUBRIC -->

**Model answer.** Without batch norm the largest learning rate that still trains drops as the network gets
deeper: each layer multiplies the scale of the signal, so a step that is safe for a shallow net pushes a deep one
into exploding activations and a diverging loss. With batch norm the curve stays high at every depth. Because
every hidden pre-activation is re-standardized, the network's output does not change when the weights feeding a
BN layer are scaled, so a large update cannot blow up the activations; as those weights grow, the same learning
rate becomes a smaller relative step. BN therefore lets deep networks train with large, fast learning rates.
""")
nb.md("""
## 8. Experiment: saturating activations

A sigmoid saturates: for large |input| its gradient is almost zero. Below, four networks of depth 4 train for the
same number of epochs at the same learning rate: sigmoid or ReLU, with or without BN. (Minibatches of 128 again,
with the learning rate doubled to 0.2 to make up for half as many steps.)
""", "md-activation-experiment")
nb.code("""
curves = {}
for activation in ("sigmoid", "relu"):
    for use_bn in (False, True):
        keras.utils.set_random_seed(0)
        net = MLP(x_train.shape[1], 64, depth=4, num_classes=10, batch_norm=use_bn, activation=activation)
        label = f"{activation}{' + BN' if use_bn else ''}"
        curves[label] = train(net, sgd_epoch, cross_entropy, x_demo, y_demo, lr=0.2, batch_size=128,
                              epochs=1 if REDUCED else 8, desc=label)
plot_curves(curves);
ranked = sorted(curves, key=lambda k: curves[k][-1])
print("final training loss: " + ", ".join(f"{k} {curves[k][-1]:.3f}" for k in ranked))
""", "activation-experiment")
nb.written("written_activations", 2, """
<!-- BEGIN RUBRIC -->
**Rubric (for graders; students get an empty cell, and the published solution omits it), 2 points.**
- 1 point: reads the curves: plain sigmoid trains slowest by far (its loss barely moves early on); sigmoid + BN
  closes most of the gap; ReLU trains without BN, and clearly faster with it.
- 1 point: explains: sigmoid's derivative is at most 1/4 and near 0 when saturated, so gradients shrink through
  each layer (vanishing gradients); BN keeps each pre-activation near mean 0 and variance 1, the steep part of the
  sigmoid, so gradients survive; ReLU does not saturate for positive inputs, so it trains without BN, while BN
  still helps it by keeping the scale of every layer's inputs steady.
<!-- END RUBRIC -->

**Model answer.** The plain sigmoid network learns slowest: its loss stays near log(10) for a while. The sigmoid's
derivative is at most 1/4 and nearly zero once its input is large in magnitude, so back-propagation through four
sigmoid layers multiplies many small factors and the early layers barely learn. Adding BN keeps every
pre-activation centred with unit variance, in the steep middle of the sigmoid, so gradients stay usable and the
curve drops much faster. ReLU passes gradients unchanged for positive inputs and trains without BN; BN still
speeds it up markedly by keeping the scale of each layer's inputs steady.
""")
nb.md("""
## 9. Optional: why standardize at all? Conditioning

For least squares, $f(w) = \\frac{1}{2n}\\lVert Xw - y\\rVert^2$, the Hessian is $H = X^\\top X / n$. Gradient
descent is stable only for step sizes below $2 / L$, where $L$, the **smoothness constant**, is the largest
eigenvalue of $H$. Features on very different scales make $L$ huge (so steps must be tiny) while directions of small
curvature crawl. Write `smoothness_constant`, then compare raw and standardized features.
""", "md-conditioning")
nb.answer("smoothness_constant", '''
def smoothness_constant(x):
    """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
    ### BEGIN SOLUTION
    hessian = tf.matmul(x, x, transpose_a=True) / x.shape[0]
    return float(tf.linalg.eigvalsh(hessian)[-1])
    ### END SOLUTION
''')
nb.test("check_smoothness_constant", 1, '''
# Public checks: two orthogonal features of sizes 1 and 10, so X^T X / n = diag(1, 100) and L = 100.
x = tf.constant([[1.0, 10.0], [-1.0, 10.0], [1.0, -10.0], [-1.0, -10.0]], dtype=tf.float64)
got = smoothness_constant(x)
assert isinstance(got, float), f"return a Python float, got {type(got).__name__}"
assert abs(got - 100.0) < 1e-9, f"expected 100, got {got}"
print("Public checks passed.")
### BEGIN HIDDEN TESTS
from instructor_only.checks import run_hidden_checks
run_hidden_checks("batchnorm", "check_smoothness_constant", "tensorflow", globals())
### END HIDDEN TESTS
''')
nb.code("""
raw = tf.constant(load_images(layout="flat").x_train, dtype=tf.float64)
raw = raw * tf.linspace(tf.constant(0.1, tf.float64), 10.0, raw.shape[1])  # give the pixels very different scales
standardized = (raw - tf.reduce_mean(raw, 0)) / (tf.math.reduce_std(raw, 0) + 1e-8)
for name, features in (("raw (mixed scales)", raw), ("standardized", standardized)):
    h = tf.matmul(features, features, transpose_a=True) / features.shape[0]
    eig = tf.linalg.eigvalsh(h)
    nonzero = tf.boolean_mask(eig, eig > 1e-8)
    print(f"{name:20s} L = {smoothness_constant(features):10.2f}   "
          f"largest / smallest non-zero eigenvalue = {float(eig[-1] / nonzero[0]):12.1f}")
""", "conditioning-demo")
nb.written("written_conditioning", 1, """
<!-- BEGIN RUBRIC -->
**Rubric (for graders; students get an empty cell, and the published solution omits it), 1 point.**
States that standardization shrinks L (allowing a much larger stable step, about 2/L) and the ratio of largest to
smallest curvature (the condition number), so gradient descent makes even progress in all directions; and relates
it to BN doing the same for the inputs of every hidden layer, not only the first.
<!-- END RUBRIC -->

**Model answer.** With mixed feature scales, L is large, so the step size must stay below 2/L and the directions
with little curvature take very many steps. Standardizing every feature lowers L and the condition number, so a
larger step is stable and progress is more even across directions. Batch norm applies the same idea to the inputs
of every hidden layer, whose scales otherwise drift during training.
""")
nb.write(sys.argv[1])
