"""TensorFlow/Keras side of the batch-norm lab adapter: how checks call a student's BN function, layer, MLP and SGD.

Same public names and meaning as `torch_batchnorm`. Keras differences: channels last (NHWC), Keras' momentum
convention (weight of the OLD value) with a biased moving variance, a layer's mode is the `training` argument of
each call (no train()/eval()), and the moving statistics are non-trainable weights.
"""
from __future__ import annotations

import contextlib
import functools
import inspect

import numpy as np
import tensorflow as tf
from tensorflow import keras

name = "tensorflow"
convention = "keras"
channel_axis = -1
shuffle_rule = "rng.permutation(30)"
training_mode_rule = "call the model with training=True"
momentum, eps = 0.99, 1e-3
DEFAULT_TRAINING = False  # call(x) without `training`: None counts as inference (the layer's contract)
default_call = "without a training argument (None counts as inference)"


# The framework's own answers, from plain data on layers the checks build themselves: computed on the trusted side
# (checks/remote.py), out of reach of a kernel that patched its framework.
TRUSTED = ("builtin_layer", "builtin_forward", "set_builtin_state")


def layout_shape(n: int, channels: int, spatial: tuple[int, int] | None = None) -> tuple[int, ...]:
    return (n, channels) if spatial is None else (n, *spatial, channels)


def tensor(a, dtype=tf.float64) -> tf.Tensor:
    return tf.constant(np.asarray(a), dtype=dtype)


def to_numpy(t) -> np.ndarray:
    if isinstance(t, (tf.Tensor, tf.Variable, keras.Variable)) or tf.is_tensor(t):
        t = tf.convert_to_tensor(t).numpy()
    return np.asarray(t, np.float64)


def _builtin_batch_norms() -> list[tuple[object, str]]:
    """(owner, attribute) of every public entry point to a built-in batch norm (fused or not)."""
    owners = [(tf.nn, "batch_normalization"), (tf.nn, "fused_batch_norm"),
              (tf.compat.v1.nn, "batch_normalization"), (tf.compat.v1.nn, "fused_batch_norm"),
              (tf.raw_ops, "FusedBatchNorm"), (tf.raw_ops, "FusedBatchNormV2"), (tf.raw_ops, "FusedBatchNormV3"),
              (keras.layers.BatchNormalization, "call")]
    return [(owner, attr) for owner, attr in owners if hasattr(owner, attr)]


@contextlib.contextmanager
def forbid_builtin_batch_norm():
    """Make TensorFlow's and Keras' own batch norm raise while a student's from-scratch code runs.

    keras.ops.batch_normalization goes through tf.nn.batch_normalization, so it is refused too.
    """
    def refusing(original):
        @functools.wraps(original)  # keeps the signature: Keras inspects a layer's call
        def refuse(*args, **kwargs):
            raise AssertionError("batch_norm must be written from scratch: it called TensorFlow's/Keras' built-in "
                                 "batch norm")
        return refuse

    saved = [(owner, attr, getattr(owner, attr)) for owner, attr in _builtin_batch_norms()]
    for owner, attr, value in saved:
        setattr(owner, attr, refusing(value))
    try:
        yield
    finally:
        for owner, attr, value in saved:
            setattr(owner, attr, value)


def call_batch_norm(fn, x, gamma, beta, rm, rv, training, momentum, eps, dtype="float64"):
    """Call the student's function on numpy inputs; returns numpy (y, new_rm, new_rv) and whether inputs changed.

    gamma, beta and the moving statistics are passed as variables, as a layer would pass its weights, so that an
    `assign` to them is seen.
    """
    dt = {"float64": tf.float64, "float32": tf.float32}[dtype]
    x_t = tensor(x, dt)
    variables = [tf.Variable(tensor(a, dt), trainable=False) for a in (gamma, beta, rm, rv)]
    before = [np.asarray(a, np.float64).astype(dt.as_numpy_dtype) for a in (gamma, beta, rm, rv)]
    defaults = {} if momentum is None else {"momentum": momentum, "eps": eps}  # None: the student's defaults
    with forbid_builtin_batch_norm():
        out = fn(x_t, *variables, training=training, **defaults)
    assert isinstance(out, tuple) and len(out) == 3, "batch_norm must return a tuple (y, moving_mean, moving_var)"
    result = tuple(to_numpy(t) for t in out)  # before comparing: a returned variable is read as it is now
    changed = [n for n, v, b in zip(("gamma", "beta", "moving_mean", "moving_var"), variables, before)
               if not np.array_equal(v.numpy(), b)]
    return result, changed


def batch_norm_gradients(fn, x, gamma, beta, rm, rv, momentum, eps, upstream) -> dict:
    """Gradients of sum(upstream * y) w.r.t. x, gamma and beta in training mode (None where none reached)."""
    xt, gt, bt = (tensor(a) for a in (x, gamma, beta))
    with tf.GradientTape() as tape:
        tape.watch([xt, gt, bt])
        y, _, _ = fn(xt, gt, bt, tensor(rm), tensor(rv), training=True, momentum=momentum, eps=eps)
        total = tf.reduce_sum(tf.convert_to_tensor(y) * tensor(upstream))
    grads = tape.gradient(total, [xt, gt, bt])
    return {k: (None if g is None else to_numpy(g)) for k, g in zip(("x", "gamma", "beta"), grads)}


def returned_stats_have_history(fn, x, gamma, beta, rm, rv, momentum, eps) -> bool:
    """TensorFlow tensors carry no autograd history (a GradientTape records, tensors do not): always False."""
    return False


# --- the BatchNorm layer -------------------------------------------------------------------------------------------

LAYER_TRAINABLE = ("gamma", "beta")
LAYER_STATS = ("moving_mean", "moving_variance")
_CANONICAL = {"gamma": "gamma", "beta": "beta", "running_mean": "moving_mean", "running_var": "moving_variance"}


def _short(variable) -> str:
    return variable.name.split("/")[-1].split(":")[0]


def _build_shape(num_features: int, ndim: int) -> tuple:
    return (None, num_features) if ndim == 2 else (None, None, None, num_features)


def make_layer(cls, num_features: int, ndim: int, **hyperparameters):
    """cls(**hyperparameters) in float64, built (hyperparameters: momentum, eps; none = the defaults)."""
    layer = cls(dtype="float64", **hyperparameters)
    layer.build(_build_shape(num_features, ndim))
    return layer


def saved_state_names(layer) -> list[str]:
    """What saving the layer keeps (all its weights, trainable or not), by name."""
    return sorted(_short(w) for w in layer.weights)


def layer_weights(layer) -> dict:
    """{'trainable': {name: shape}, 'non_trainable': {name: shape}}, names as given to add_weight."""
    return {"trainable": {_short(w): tuple(w.shape) for w in layer.trainable_weights},
            "non_trainable": {_short(w): tuple(w.shape) for w in layer.non_trainable_weights}}


def _weight(layer, key: str):
    wanted = _CANONICAL.get(key, key)
    for w in layer.weights:
        if _short(w) == wanted:
            return w
    raise AssertionError(f"the layer has no weight named {wanted!r} (weights: {[_short(w) for w in layer.weights]}); "
                         f"create it with self.add_weight(name={wanted!r}, ...)")


def layer_state(layer) -> dict:
    """The layer's state under the canonical keys gamma, beta, running_mean, running_var."""
    return {key: to_numpy(_weight(layer, key)) for key in _CANONICAL}


def set_layer_state(layer, **values) -> None:
    for key, value in values.items():
        _weight(layer, key).assign(tensor(value))


def layer_forward(layer, x, training: bool) -> np.ndarray:
    return to_numpy(layer(tensor(x), training=training))


def layer_forward_default(layer, x) -> np.ndarray:
    """The layer called without a `training` argument."""
    return to_numpy(layer(tensor(x)))


def weights_before_build(cls) -> int:
    """How many weights a new layer owns before build() (Keras layers create them in build)."""
    return len(cls(dtype="float64").weights)


def layer_gradients(layer, x, upstream) -> dict:
    weights = {k: _weight(layer, k) for k in ("gamma", "beta")}
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(layer(tensor(x), training=True) * tensor(upstream))
    grads = tape.gradient(total, list(weights.values()))
    return {k: (None if g is None else to_numpy(g)) for k, g in zip(weights, grads)}


def builtin_layer(num_features: int, ndim: int, momentum: float, eps: float):
    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=eps, dtype="float64")
    layer.build(_build_shape(num_features, ndim))
    return layer


def builtin_forward(layer, x, training: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = layer(tensor(x), training=training)
    return to_numpy(y), to_numpy(layer.moving_mean), to_numpy(layer.moving_variance)


def set_builtin_state(layer, gamma, beta, running_mean, running_var) -> None:
    for w, v in ((layer.gamma, gamma), (layer.beta, beta), (layer.moving_mean, running_mean),
                 (layer.moving_variance, running_var)):
        w.assign(tensor(v))


# --- the MLP ---------------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _float64_layers():
    """Layers created inside compute in float64 (the dtype policy is read when a layer is constructed)."""
    saved = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(saved)


def make_mlp(cls, in_features, hidden, depth, num_classes, batch_norm, activation, seed=0):
    """The notebook's MLP in float64, with every layer built (without calling the student's forward pass)."""
    keras.utils.set_random_seed(seed)
    with _float64_layers():
        model = cls(in_features, hidden, depth, num_classes, batch_norm=batch_norm, activation=activation)
    sizes = [in_features] + [hidden] * depth
    for layer, size in [*zip(model.hidden_layers, sizes[:-1]), (model.output_layer, hidden),
                        *((bn, hidden) for bn in (model.norms or []))]:
        if not layer.built:
            layer.build((None, size))
    if batch_norm:  # non-trivial BN state, so that training and inference outputs differ
        rng = np.random.default_rng(seed)
        for bn in model.norms:
            bn.epsilon, bn.momentum = 0.01, 0.7  # not the defaults: the forward pass must use the layer as it is
            set_builtin_state(bn, rng.uniform(0.5, 1.5, hidden), rng.normal(0, 0.3, hidden),
                              rng.normal(0, 0.5, hidden), rng.uniform(0.5, 2.0, hidden))
    return model


def mlp_parameters(model) -> dict:
    """The model's own weights in the numpy reference's format (kernels are (in, out), as Keras stores them)."""
    linear = lambda l: (to_numpy(l.kernel), to_numpy(l.bias))
    norms = None
    if model.norms is not None:
        norms = [{"gamma": to_numpy(bn.gamma), "beta": to_numpy(bn.beta), "running_mean": to_numpy(bn.moving_mean),
                  "running_var": to_numpy(bn.moving_variance), "momentum": bn.momentum, "eps": bn.epsilon}
                 for bn in model.norms]
    return {"hidden": [linear(l) for l in model.hidden_layers], "output": linear(model.output_layer),
            "norms": norms, "activation": model.activation_name}


def mlp_call(fn, model, x, training: bool) -> np.ndarray:
    return to_numpy(fn(model, tensor(x), training))


def mlp_parameters_without_gradient(fn, model, x) -> list[str]:
    """The model's trainable weights that no gradient of the logits (training mode) reaches, by path."""
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(fn(model, tensor(x), True))
    grads = tape.gradient(total, model.trainable_variables)
    # (None only: a bias right before a training-mode batch norm gets an exactly-zero gradient, the norm removes it)
    return [w.path for w, g in zip(model.trainable_variables, grads) if g is None]


def cross_entropy_gradient(fn, logits, labels) -> np.ndarray:
    z = tensor(logits)
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = fn(z, tf.constant(np.asarray(labels), dtype=tf.int64))
    return to_numpy(tape.gradient(out, z))


def layer_output_dtype(cls, num_features: int) -> str:
    """The dtype of a default-made layer's output on a float32 batch (training mode)."""
    x = tf.ones((4, num_features)) * tf.range(4.0)[:, None]
    return cls()(x, training=True).dtype.name


def mlp_output_requires_grad(fn, model, x) -> bool:
    """True if the logits depend differentiably on at least one of the model's trainable weights."""
    with tf.GradientTape() as tape:
        out = fn(model, tensor(x), True)
        if not tf.is_tensor(out):
            return False
        total = tf.reduce_sum(out)
    grads = tape.gradient(total, model.trainable_variables)
    return any(g is not None for g in grads)


# --- cross-entropy and SGD ------------------------------------------------------------------------------------------

def call_cross_entropy(fn, logits, labels, dtype="float64"):
    """Returns (value as float, is a 0-d tensor that gradients flow through)."""
    z = tensor(logits, {"float64": tf.float64, "float32": tf.float32}[dtype])
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = fn(z, tf.constant(np.asarray(labels), dtype=tf.int64))
    ok = tf.is_tensor(out) and out.shape.rank == 0 and tape.gradient(out, z) is not None
    return float(to_numpy(out)), ok


def framework_cross_entropy(logits, labels):
    """TensorFlow's own mean cross-entropy, with the student's argument order (logits, labels)."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


class _ReferenceModel(keras.Model):
    """Dense -> [BatchNormalization] -> ReLU -> Dense from Keras' own layers, in float64, every weight built.

    A subclass rather than a keras.Sequential: an eager call of a Sequential walks its functional graph, which
    makes each training step about twice as slow.
    """

    def __init__(self, in_features, hidden, num_classes, batch_norm, seed=0, dtype="float64", built=True):
        super().__init__(dtype=dtype)
        self.sizes = (in_features, hidden, num_classes, batch_norm)
        self.dense_in = keras.layers.Dense(hidden, dtype=dtype, kernel_initializer=_seeded(seed))
        self.norm = keras.layers.BatchNormalization(dtype=dtype) if batch_norm else None
        self.dense_out = keras.layers.Dense(num_classes, dtype=dtype, kernel_initializer=_seeded(seed + 1))
        if built:  # (else each layer makes its weights on the model's first call)
            self.dense_in.build((None, in_features))
            if self.norm is not None:
                self.norm.build((None, hidden))
            self.dense_out.build((None, hidden))

    def call(self, x, training=None):
        h = self.dense_in(x)
        if self.norm is not None:
            h = self.norm(h, training=training)
        return self.dense_out(tf.nn.relu(h))


def _seeded(seed: int):
    """Keras' default kernel initializer, drawing from `seed` alone.

    Without a seed of its own, an initializer draws from Keras' global seed generator, which
    `keras.utils.set_random_seed` recreates from Python's `random` module: a module every thread of the process
    shares. A grading worker's other threads (Dask's) draw from it now and then, and one draw between the seeding and
    the build changed the trusted side's copy of this model. The check then found "the check's models differ" and
    failed correct submissions (3 of 40 in one benchmark run). Measured with a thread drawing from `random`: 45 of
    50 builds differed; with seeded initializers, none."""
    return keras.initializers.GlorotUniform(seed=seed)


def make_reference_model(in_features, hidden, num_classes, batch_norm, seed=0, dtype="float64", built=True):
    """Dense -> [BatchNormalization] -> ReLU -> Dense from Keras' own layers, in float64 (or float32); its weights
    depend on `seed` only (the kernel and the trusted side each build one and must get the same). built=False: the
    weights are made on the model's first call."""
    return _ReferenceModel(in_features, hidden, num_classes, batch_norm, seed, dtype, built)


BUILDS_ON_FIRST_CALL = True  # a Keras model may make its weights on its first call


def freeze_first_layer(model) -> None:
    model.dense_in.trainable = False


def call_sgd_epoch(fn, model, x, y, lr: float, batch_size: int, seed: int = 0, epochs: int = 1, dtype="float64"):
    """`epochs` calls of the student's sgd_epoch with ONE generator (seeded with `seed`); the last call's result."""
    rng = np.random.default_rng(seed)
    x_t, y_t = tensor(x, {"float64": tf.float64, "float32": tf.float32}[dtype]), tf.constant(np.asarray(y), tf.int64)
    for _ in range(epochs):
        result = fn(model, x_t, y_t, lr, batch_size, rng, framework_cross_entropy)
    return result


def set_eval_mode(model) -> None:
    """Nothing to do: in Keras the mode is the `training` argument of each call, not a state of the model."""


def flat_parameters(model) -> np.ndarray:
    return np.concatenate([to_numpy(w).ravel() for w in model.trainable_weights])


def running_stats(model) -> np.ndarray:
    return np.concatenate([to_numpy(w).ravel() for w in model.non_trainable_weights if "moving" in _short(w)])


def count_forward_calls(model):
    """Count the calls of `model`; the function returned restores the model and answers each call's `training`
    argument as a bool, in a list."""
    calls = []
    original = model.call
    signature = inspect.signature(original)

    def counting_call(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        calls.append(bool(bound.arguments.get("training")))
        return original(*args, **kwargs)

    model.call = counting_call

    def stop() -> list[bool]:
        model.__dict__.pop("call", None)
        return list(calls)

    return stop


def eigen_input(a, dtype="float64"):
    return tensor(a, {"float64": tf.float64, "float32": tf.float32}[dtype])
