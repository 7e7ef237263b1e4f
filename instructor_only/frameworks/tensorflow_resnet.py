"""TensorFlow/Keras side of the residual-architectures adapter: how the checks build, run and read a student's layers.

Same public names and meaning as `torch_resnet` (its docstring is the interface); training_argument is True. Arrays cross the interface as
numpy float64 with images in NCHW; this module transposes to and from Keras' NHWC, converts conv kernels from
Keras' (kh, kw, in, out) to the reference's (out, in, kh, kw), and reports Keras' conventions: padding="same"
(which pads (0, 1) for a 3x3 kernel at stride 2 on an even size), BN momentum 0.99 weighing the OLD statistics,
eps 1e-3, biased moving variance.

A Keras layer has no mode: the mode is the `training` argument of each call. Keras also hands an outer layer's
`training` down to nested layers called without one, but only inside an outer `__call__`. The checks therefore run
a student's layer through its `call` method directly (after building it with one inference-mode `__call__`): a
block that forgets to pass `training=training` to a BN then runs that BN in inference, as the contract says it must
not.
"""
from __future__ import annotations

import contextlib
import inspect

import numpy as np
import tensorflow as tf
from tensorflow import keras
from keras.src.layers import layer as keras_layer_module

name = "tensorflow"
padding = "same"
layout = "NHWC"  # how shapes are shown to the student (the checks compare NCHW arrays)
convention = "keras"
container = "keras.layers.Layer"
counter_kind = "non-trainable weight"
training_argument = True  # a Keras layer's mode is the `training` argument of each call (None: inference)


def tensor(a, dtype=tf.float64) -> tf.Tensor:
    return tf.constant(np.asarray(a), dtype=dtype)


def to_numpy(t) -> np.ndarray:
    if tf.is_tensor(t) or isinstance(t, (tf.Variable, keras.Variable)):
        t = tf.convert_to_tensor(t).numpy()
    return np.asarray(t, np.float64)


def _to_framework(x) -> tf.Tensor:
    """NCHW (or (N, D)) numpy -> NHWC (or (N, D)) float64 tensor."""
    x = np.asarray(x, np.float64)
    return tensor(np.transpose(x, (0, 2, 3, 1)) if x.ndim == 4 else x)


def _from_framework(t, native: bool = False) -> np.ndarray:
    """NHWC (or (N, D)) -> NCHW numpy; float64, or with native=True float32 kept as computed (the checks' tolerance
    follows the dtype)."""
    y = to_numpy(t)
    if native and (tf.is_tensor(t) or isinstance(t, (tf.Variable, keras.Variable))) and t.dtype == tf.float32:
        y = y.astype(np.float32)  # exact: float32 -> float64 -> float32
    return np.transpose(y, (0, 3, 1, 2)) if y.ndim == 4 else y


def _nhwc(shape) -> tuple:
    return (shape[0], *shape[2:], shape[1]) if len(shape) == 4 else tuple(shape)


@contextlib.contextmanager
def _float64_layers():
    """Layers constructed inside compute in float64 (Keras reads the dtype policy when a layer is constructed)."""
    saved = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(saved)


# --- building and running -------------------------------------------------------------------------------------------

def _call(layer, x: tf.Tensor, training: bool):
    """The layer's own `call`, with `training` if it takes one (see the module docstring for why not __call__)."""
    parameters = inspect.signature(layer.call).parameters
    takes_training = "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    return layer.call(x, training=training) if takes_training else layer.call(x)


# The one Keras internal this adapter touches (keras 3.x, keras/src/layers/layer.py): the test that decides whether
# a layer without build() is first traced symbolically to create its sub-layers' weights.
UNBUILT_STATE_HOOK = "might_have_unbuilt_state"


@contextlib.contextmanager
def _eager_builds():
    """Let layers without a build() method build their sub-layers during their first eager call.

    By default Keras first traces such a layer's call symbolically to build it, and does so again for every nested
    layer without build(): for a small ResNet that costs about a second, ten times the eager call itself. Building
    during the eager call creates the same weights (each sub-layer builds itself from the shape it is called on,
    which Keras also does when the symbolic trace fails). Only speed depends on this: if a future Keras renames the
    hook, the builds take the slow symbolic path (tests/test_references_resnet.py notices the rename).
    """
    saved = getattr(keras_layer_module, UNBUILT_STATE_HOOK, None)
    if saved is None:
        yield
        return
    setattr(keras_layer_module, UNBUILT_STATE_HOOK, lambda layer: False)
    try:
        yield
    finally:
        setattr(keras_layer_module, UNBUILT_STATE_HOOK, saved)


def make_layer(cls, *args, input_shape=None, seed=0, **kwargs):
    """The layer in float64, built by one inference-mode call on zeros of input_shape (NCHW, or (N, D)).

    The float64 policy also holds while the layer builds: sub-layers a layer creates in build() (or on its first
    call) compute in float64 as well, like those created in __init__."""
    keras.utils.set_random_seed(seed)
    with _float64_layers():
        layer = cls(*args, **kwargs)
        if input_shape is not None:
            with _eager_builds():
                layer(tf.zeros(_nhwc(input_shape), tf.float64), training=False)
    return layer


def weights_before_build(cls, *args) -> list[str]:
    """Paths of the weights a freshly constructed layer holds before any build (the contract: none)."""
    with _float64_layers():
        layer = cls(*args)
    return _paths(layer.weights)


def make_counting_dense(cls, in_features: int, units: int, seed=0):
    """CountingDense(units), built for in_features inputs through build() alone (a call would count)."""
    keras.utils.set_random_seed(seed)
    with _float64_layers():
        layer = cls(units)
    layer.build((None, in_features))
    return layer


def forward(layer, x, training: bool) -> np.ndarray:
    return _from_framework(_call(layer, _to_framework(x), training), native=True)


def gradient_consistency(layer, x, direction, upstream, step=1e-5) -> tuple[float, float]:
    """In inference mode, the derivative of sum(upstream * layer(x)) along `direction` (NCHW numpy): by the tape
    through the layer, and by central differences of its forward pass. A stopped gradient (on a shortcut, a
    concatenation) makes them differ."""
    xt, u, v = _to_framework(x), _to_framework(upstream), _to_framework(direction)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        total = tf.reduce_sum(_call(layer, xt, False) * u)
    autograd = float(tf.reduce_sum(tape.gradient(total, xt) * v))
    ahead, behind = (float(tf.reduce_sum(_call(layer, xt + s * v, False) * u)) for s in (step, -step))
    return autograd, (ahead - behind) / (2 * step)


def restore_calls(layer, n: int) -> None:
    """Set the counter to n, as restoring saved weights does."""
    layer.calls.assign(tf.constant(n, dtype=layer.calls.dtype))


def forward_default(layer, x) -> np.ndarray:
    """The layer's call without `training` (the contract's training=None: inference)."""
    return _from_framework(layer.call(_to_framework(x)), native=True)


def saved_names(layer) -> list[str]:
    """What Keras saves of a layer: its weights, trainable or not."""
    return _paths(layer.weights)


def stages_container(model) -> str | None:
    stages_ = model.stages
    if not isinstance(stages_, (list, tuple)):
        return f"a {type(stages_).__name__}"
    kinds = sorted({type(stage).__name__ for stage in stages_ if not isinstance(stage, (list, tuple))})
    return f"a list holding {', '.join(kinds)}" if kinds else None


def _paths(variables) -> list[str]:
    """Unique names of variables: Keras' paths (layer/…/weight), numbered if two coincide."""
    paths, seen = [], {}
    for v in variables:
        path = getattr(v, "path", None) or v.name
        seen[path] = seen.get(path, 0) + 1
        paths.append(path if seen[path] == 1 else f"{path}#{seen[path]}")
    return paths


def gradients(layer, x, upstream, training: bool = True) -> dict:
    variables = list(layer.trainable_variables)
    x_t = _to_framework(x)
    up = _to_framework(upstream)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.cast(_call(layer, x_t, training), tf.float64) * up)
    grads = tape.gradient(total, variables)
    return {path: (None if g is None else to_numpy(g)) for path, g in zip(_paths(variables), grads)}


def trainable_count(layer) -> int:
    return int(sum(np.prod(w.shape) for w in layer.trainable_weights))


def _dtype_name(variable) -> str:
    return tf.as_dtype(variable.dtype).name


def weights_summary(layer) -> dict:
    trainable, frozen = layer.trainable_weights, layer.non_trainable_weights
    return {"trainable": {p: tuple(w.shape) for p, w in zip(_paths(trainable), trainable)},
            "non_trainable": {p: (tuple(w.shape), _dtype_name(w)) for p, w in zip(_paths(frozen), frozen)}}


# --- describing layers ---------------------------------------------------------------------------------------------

def conv_info(obj) -> dict | None:
    """Input channels come from the kernel, so they are None for a conv that was never called (never built)."""
    if not isinstance(obj, keras.layers.Conv2D):
        return None
    in_channels = int(obj.kernel.shape[2]) if obj.built else None
    return {"kernel": tuple(obj.kernel_size), "in_channels": in_channels, "out_channels": obj.filters,
            "stride": tuple(obj.strides), "has_bias": bool(obj.use_bias)}


def is_batch_norm(obj) -> bool:
    return isinstance(obj, keras.layers.BatchNormalization)


def bn_settings(obj) -> tuple[float, float]:
    return obj.momentum, obj.epsilon


def children_list(layer, attribute: str) -> list:
    return list(getattr(layer, attribute))


def stages(model) -> list[list]:
    return [list(stage) for stage in model.stages]


def stage_output_shapes(model, x) -> list[tuple[int, ...]]:
    """NCHW output shape of each stage's last block, recorded by wrapping that block's call for one forward pass."""
    last_blocks = [stage[-1] for stage in stages(model)]
    shapes = [None] * len(last_blocks)

    def recording(i, original):
        def call(*args, **kwargs):
            out = original(*args, **kwargs)
            shapes[i] = _nhwc_to_nchw_shape(tuple(out.shape))
            return out
        return call

    for i, block in enumerate(last_blocks):
        object.__setattr__(block, "call", recording(i, block.call))  # bypass Keras' attribute tracking
    try:
        forward(model, x, training=False)
    finally:
        for block in last_blocks:
            block.__dict__.pop("call", None)
    return shapes


def _nhwc_to_nchw_shape(shape: tuple) -> tuple:
    return (shape[0], shape[3], shape[1], shape[2]) if len(shape) == 4 else shape


# --- weights in the reference format -------------------------------------------------------------------------------

def _built(layer, what: str):
    assert layer.built, (f"{what} ({type(layer).__name__}) was never built: Keras creates a layer's weights on its "
                         f"first call, so this layer is not used in the forward pass")
    return layer


def _conv(m) -> np.ndarray:
    return to_numpy(_built(m, "a convolution").kernel).transpose(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)


def _bn(m) -> dict:
    _built(m, "a batch norm")
    c = m.moving_mean.shape[0]
    return {"gamma": to_numpy(m.gamma) if m.scale else np.ones(c), "beta": to_numpy(m.beta) if m.center else np.zeros(c),
            "running_mean": to_numpy(m.moving_mean), "running_var": to_numpy(m.moving_variance),
            "momentum": m.momentum, "eps": m.epsilon}


def _maybe(fn, m):
    return None if m is None else fn(m)


def read_params(layer, kind: str, block: str | None = None) -> dict:
    if kind == "batch_norm":
        return _bn(layer)
    if kind == "basic":
        return {"conv1": _conv(layer.conv1), "bn1": _bn(layer.bn1), "conv2": _conv(layer.conv2), "bn2": _bn(layer.bn2),
                "shortcut_conv": _maybe(_conv, layer.shortcut_conv), "shortcut_bn": _maybe(_bn, layer.shortcut_bn)}
    if kind == "bottleneck":
        params = {f"conv{i}": _conv(getattr(layer, f"conv{i}")) for i in (1, 2, 3)}
        params.update({f"bn{i}": _bn(getattr(layer, f"bn{i}")) for i in (1, 2, 3)})
        params.update(shortcut_conv=_maybe(_conv, layer.shortcut_conv), shortcut_bn=_maybe(_bn, layer.shortcut_bn))
        return params
    if kind == "dense":
        return {"norms": [_bn(m) for m in layer.norms], "convs": [_conv(m) for m in layer.convs]}
    if kind == "transition":
        return {"norm": _bn(layer.norm), "conv": _conv(layer.conv)}
    if kind == "resnet":
        classifier = _built(layer.classifier, "the classifier")
        return {"stem_conv": _conv(layer.stem_conv), "stem_bn": _bn(layer.stem_bn),
                "stages": [[read_params(b, block) for b in stage] for stage in stages(layer)],
                "classifier": {"kernel": to_numpy(classifier.kernel),
                               "bias": to_numpy(classifier.bias) if classifier.use_bias else
                               np.zeros(classifier.units)}}
    raise ValueError(f"unknown kind {kind!r}")


def _sublayers(layer) -> list:
    return layer._flatten_layers(include_self=True, recursive=True)


def running_stats(layer) -> dict:
    """Moving statistics of every built batch norm inside the layer (an unbuilt one holds none yet)."""
    norms = [m for m in _sublayers(layer) if is_batch_norm(m) and m.built]
    return {path: (to_numpy(m.moving_mean), to_numpy(m.moving_variance))
            for path, m in zip(_paths(norms), norms)}


def randomize(layer, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for m in _sublayers(layer):
        if not m.built:
            continue
        if isinstance(m, (keras.layers.Conv2D, keras.layers.Dense)):
            shape = tuple(m.kernel.shape)
            fan_in = int(np.prod(shape[:-1]))
            m.kernel.assign(tensor(rng.normal(0.0, np.sqrt(2.0 / fan_in), shape), m.kernel.dtype))
            if m.use_bias:
                m.bias.assign(tensor(rng.normal(0.0, 0.5, tuple(m.bias.shape)), m.bias.dtype))
        elif is_batch_norm(m):
            c = m.moving_mean.shape[0]
            values = ((m.gamma if m.scale else None, rng.uniform(0.5, 1.5, c)),
                      (m.beta if m.center else None, rng.normal(0.0, 0.5, c)),
                      (m.moving_mean, rng.normal(0.0, 0.5, c)), (m.moving_variance, rng.uniform(0.5, 2.0, c)))
            for variable, value in values:
                if variable is not None:
                    variable.assign(tensor(value, variable.dtype))


# --- training ------------------------------------------------------------------------------------------------------

def train_steps(model, x, labels, steps: int, lr: float) -> list[float]:
    """Full-batch Adam steps on the mean cross-entropy of the logits, in training mode.

    Adam as keras.optimizers.Adam computes it with its defaults (beta_1 0.9, beta_2 0.999, epsilon 1e-7; same update
    order), written out: Keras' optimizer spends ~50 ms of Python per eager step on a small ResNet's ~40 variables,
    half of this check's time, where these few tensor operations per variable take ~5 ms."""
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-7
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    x_t, y_t = _to_framework(x), tf.constant(np.asarray(labels), tf.int64)
    variables = list(model.trainable_variables)
    momentums = [tf.zeros_like(v) for v in variables]
    velocities = [tf.zeros_like(v) for v in variables]
    losses = []
    for step in range(1, steps + 1):  # eager: the checks take a few steps, fewer than tf.function's tracing repays
        with tf.GradientTape() as tape:
            loss = loss_fn(y_t, _call(model, x_t, True))
        grads = tape.gradient(loss, variables)
        alpha = lr * np.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
        for i, (gradient, variable) in enumerate(zip(grads, variables)):
            if gradient is None:  # a variable the forward pass never used: left alone, as Keras does
                continue
            gradient = tf.cast(gradient, variable.dtype)
            momentums[i] = momentums[i] + (gradient - momentums[i]) * (1 - beta_1)
            velocities[i] = velocities[i] + (tf.square(gradient) - velocities[i]) * (1 - beta_2)
            variable.assign_sub(momentums[i] * alpha / (tf.sqrt(velocities[i]) + epsilon))
        losses.append(float(loss))
    return losses


# --- CountingDense -------------------------------------------------------------------------------------------------

def counting_dense_state(layer) -> dict:
    calls = layer.calls
    calls = tf.convert_to_tensor(calls).numpy() if isinstance(calls, (tf.Variable, keras.Variable)) or tf.is_tensor(
        calls) else calls
    return {"kernel": to_numpy(layer.kernel), "bias": to_numpy(layer.bias), "calls": np.asarray(calls)}


def set_counting_dense(layer, kernel=None, bias=None) -> None:
    if kernel is not None:
        layer.kernel.assign(tensor(kernel, layer.kernel.dtype))
    if bias is not None:
        layer.bias.assign(tensor(bias, layer.bias.dtype))
