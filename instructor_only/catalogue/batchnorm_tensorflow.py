"""Bug catalogue and alternatives for the TensorFlow batch-norm lab (assignment batchnorm_tensorflow)."""
from instructor_only.catalogue import Alternative, Bug

_BN_HEAD = "def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):"

# The solution's layer, with {init}, {build} and {call} left open for the variations below.
_LAYER = '''
class BatchNorm(keras.layers.Layer):
    def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum, self.eps = momentum, eps

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(name="gamma", shape=channels, initializer={gamma!r}{gamma_trainable})
        self.beta = self.add_weight(name="beta", shape=channels, initializer={beta!r})
        self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros", trainable={stats_trainable})
        self.moving_variance = self.add_weight(name="moving_variance", shape=channels, initializer={var_init!r},
                                               trainable={stats_trainable})

    def call(self, x, training=None):
        y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                          {training_arg}, self.momentum, self.eps)
{update}
        return y
'''
_UPDATE = '''        if training:
            self.moving_mean.assign(new_mean)
            self.moving_variance.assign(new_var)'''


def _layer(gamma="ones", beta="zeros", var_init="ones", stats_trainable=False, training_arg="bool(training)",
           update=_UPDATE, gamma_trainable=""):
    return _LAYER.format(gamma=gamma, beta=beta, var_init=var_init, stats_trainable=stats_trainable,
                         training_arg=training_arg, update=update, gamma_trainable=gamma_trainable)


_SGD_HEAD = "def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):"

ENTRIES = [
    # --- batch_norm ------------------------------------------------------------------------------------------------
    Bug("batch_norm", "unbiased_normalisation", "normalizes the batch with the unbiased variance (n - 1)", f"""
        {_BN_HEAD}
            axes = list(range(len(x.shape) - 1))
            if training:
                n = tf.cast(tf.size(x) // x.shape[-1], x.dtype)
                mean = tf.reduce_mean(x, axis=axes)
                var = tf.reduce_sum(tf.square(x - mean), axis=axes) / (n - 1)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = mean, var
            return gamma * (x - mean) / tf.sqrt(var + eps) + beta, new_mean, new_var
    """),
    Bug("batch_norm", "batch_axis_only_for_images", "reduces over the batch axis only, also for (N, H, W, C) input", f"""
        {_BN_HEAD}
            if training:
                mean = tf.reduce_mean(x, axis=0)
                var = tf.reduce_mean(tf.square(x - mean), axis=0)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = mean, var
            return gamma * (x - mean) / tf.sqrt(var + eps) + beta, new_mean, new_var
    """),
    Bug("batch_norm", "torch_momentum", "uses PyTorch's convention: momentum weights the NEW batch statistics", f"""
        {_BN_HEAD}
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                new_mean = (1 - momentum) * moving_mean + momentum * mean
                new_var = (1 - momentum) * moving_var + momentum * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = mean, var
            return gamma * (x - mean) / tf.sqrt(var + eps) + beta, new_mean, new_var
    """),
    Bug("batch_norm", "missing_square_root", "divides by the variance instead of the standard deviation", f"""
        {_BN_HEAD}
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = mean, var
            return gamma * (x - mean) / (var + eps) + beta, new_mean, new_var
    """),
    Bug("batch_norm", "updates_in_inference", "moves the moving statistics in inference too", f"""
        {_BN_HEAD}
            axes = list(range(len(x.shape) - 1))
            batch_mean, batch_var = tf.nn.moments(x, axes=axes)
            new_mean = momentum * moving_mean + (1 - momentum) * batch_mean
            new_var = momentum * moving_var + (1 - momentum) * batch_var
            mean, var = (batch_mean, batch_var) if training else (moving_mean, moving_var)
            return gamma * (x - mean) / tf.sqrt(var + eps) + beta, new_mean, new_var
    """),
    Bug("batch_norm", "gamma_beta_swapped", "shifts by gamma and scales by beta", f"""
        {_BN_HEAD}
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = mean, var
            return beta * (x - mean) / tf.sqrt(var + eps) + gamma, new_mean, new_var
    """),
    Bug("batch_norm", "calls_builtin", "calls tf.nn.batch_normalization instead of writing it from scratch", f"""
        {_BN_HEAD}
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = mean, var
            return tf.nn.batch_normalization(x, mean, var, beta, gamma, eps), new_mean, new_var
    """),
    Bug("batch_norm", "flatten_channels",
        "RECLASSIFIED (issue 25: numerical method): reshapes to (-1, C) and uses E[x^2] - E[x]^2, which cancels in "
        "float32 for features far from zero (mean 1000: the variance is off by ~1e-2)", f"""
        {_BN_HEAD}
            flat = tf.reshape(x, (-1, x.shape[-1]))
            if training:
                mean = tf.reduce_mean(flat, axis=0)
                var = tf.reduce_mean(flat * flat, axis=0) - mean * mean
                new_mean = moving_mean + (1.0 - momentum) * (mean - moving_mean)
                new_var = moving_var + (1.0 - momentum) * (var - moving_var)
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = tf.identity(moving_mean), tf.identity(moving_var)
            y = (flat - mean) * tf.math.rsqrt(var + eps) * gamma + beta
            return tf.reshape(y, tf.shape(x)), new_mean, new_var
    """),
    Alternative("batch_norm", "keepdims_and_numpy_axes", "keepdims moments, explicit broadcasting and stop_gradient", f"""
        {_BN_HEAD}
            axes = tuple(range(x.shape.rank - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes, keepdims=True)
                flat_mean, flat_var = tf.reshape(mean, [-1]), tf.reshape(var, [-1])
                new_mean = tf.stop_gradient(momentum * moving_mean + (1 - momentum) * flat_mean)
                new_var = tf.stop_gradient(momentum * moving_var + (1 - momentum) * flat_var)
            else:
                shape = [1] * (x.shape.rank - 1) + [-1]
                mean, var = tf.reshape(moving_mean, shape), tf.reshape(moving_var, shape)
                new_mean, new_var = tf.identity(moving_mean), tf.identity(moving_var)
            x_hat = (x - mean) / tf.sqrt(var + eps)
            return x_hat * gamma + beta, new_mean, new_var
    """),

    # --- the BatchNorm layer ---------------------------------------------------------------------------------------
    Bug("batchnorm_layer", "moving_variance_starts_at_zero", "initialises moving_variance with zeros",
        _layer(var_init="zeros")),
    Bug("batchnorm_layer", "stats_trainable", "creates the moving statistics as trainable weights",
        _layer(stats_trainable=True)),
    Bug("batchnorm_layer", "ignores_training", "always calls batch_norm in training mode", _layer(training_arg="True")),
    Bug("batchnorm_layer", "never_stores_statistics", "computes the new statistics but never assigns them",
        _layer(update="        pass")),
    Bug("batchnorm_layer", "gamma_beta_init_swapped", "starts gamma at 0 and beta at 1", _layer(gamma="zeros", beta="ones")),
    Bug("batchnorm_layer", "torch_defaults", "copies PyTorch's defaults, momentum=0.1 and eps=1e-5", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.1, eps=1e-5, **kwargs):
                super().__init__(**kwargs)
                self.momentum, self.eps = momentum, eps

            def build(self, input_shape):
                channels = (input_shape[-1],)
                self.gamma = self.add_weight(name="gamma", shape=channels, initializer="ones")
                self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")
                self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros", trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=channels, initializer="ones",
                                                       trainable=False)

            def call(self, x, training=None):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  bool(training), self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Alternative("batchnorm_layer", "always_assign_keywords", "initializer objects, keyword call, assigns on every call", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                c = int(input_shape[-1])
                self.gamma = self.add_weight(shape=(c,), initializer=keras.initializers.Ones(), trainable=True, name="gamma")
                self.beta = self.add_weight(shape=(c,), initializer=keras.initializers.Zeros(), trainable=True, name="beta")
                self.moving_mean = self.add_weight(shape=(c,), initializer=keras.initializers.Zeros(), trainable=False,
                                                   name="moving_mean")
                self.moving_variance = self.add_weight(shape=(c,), initializer=keras.initializers.Ones(),
                                                       trainable=False, name="moving_variance")
                super().build(input_shape)

            def call(self, x, training=None):
                training = False if training is None else bool(training)
                y, mean, var = batch_norm(x=x, gamma=self.gamma, beta=self.beta, moving_mean=self.moving_mean,
                                          moving_var=self.moving_variance, training=training,
                                          momentum=self.momentum, eps=self.eps)
                self.moving_mean.assign(mean)  # unchanged in inference: batch_norm returns them as they were
                self.moving_variance.assign(var)
                return y
    """),
    Alternative("batchnorm_layer", "input_shape_slice", "shape from input_shape[-1:], statistics stored as a pair", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum, self.eps = float(momentum), float(eps)

            def build(self, input_shape):
                shape = tuple(input_shape[-1:])
                self.gamma, self.beta = (self.add_weight(name=n, shape=shape, initializer=i)
                                         for n, i in (("gamma", "ones"), ("beta", "zeros")))
                self.moving_mean, self.moving_variance = (
                    self.add_weight(name=n, shape=shape, initializer=i, trainable=False)
                    for n, i in (("moving_mean", "zeros"), ("moving_variance", "ones")))

            def call(self, x, training=False):
                outputs = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                     training=bool(training), momentum=self.momentum, eps=self.eps)
                if training:
                    for variable, value in zip((self.moving_mean, self.moving_variance), outputs[1:]):
                        variable.assign(value)
                return outputs[0]
    """),

    # --- mlp_forward -----------------------------------------------------------------------------------------------
    Bug("mlp_forward", "bn_after_activation", "applies batch norm after the activation", """
        def mlp_forward(model, x, training):
            h = x
            for i, dense in enumerate(model.hidden_layers):
                h = model.activation(dense(h))
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "activation_on_logits", "also applies the activation to the output layer", """
        def mlp_forward(model, x, training):
            h = x
            for i, dense in enumerate(model.hidden_layers):
                h = dense(h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = model.activation(h)
            return model.activation(model.output_layer(h))
    """),
    Bug("mlp_forward", "always_relu", "uses tf.nn.relu whatever activation the model was built with", """
        def mlp_forward(model, x, training):
            h = x
            for i, dense in enumerate(model.hidden_layers):
                h = dense(h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = tf.nn.relu(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "training_not_passed", "calls the BN layers without training=..., so they always run in inference", """
        def mlp_forward(model, x, training):
            h = x
            for i, dense in enumerate(model.hidden_layers):
                h = dense(h)
                if model.norms is not None:
                    h = model.norms[i](h)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "bn_skipped", "never applies the batch-norm layers", """
        def mlp_forward(model, x, training):
            h = x
            for dense in model.hidden_layers:
                h = model.activation(dense(h))
            return model.output_layer(h)
    """),
    Alternative("mlp_forward", "zip_with_identities", "zips the dense layers with the norms, or with identities", """
        def mlp_forward(model, x, training):
            if model.norms is None:
                norms = [lambda h, training: h] * len(model.hidden_layers)
            else:
                norms = model.norms
            for dense, norm in zip(model.hidden_layers, norms):
                x = model.activation(norm(dense(x), training=training))
            return model.output_layer(x)
    """),
    Alternative("mlp_forward", "list_of_steps", "builds the list of steps, with functools.partial for the norms", """
        import functools

        def mlp_forward(model, x, training):
            steps = []
            for i, dense in enumerate(model.hidden_layers):
                steps.append(dense)
                if model.norms:
                    steps.append(functools.partial(model.norms[i], training=training))
                steps.append(model.activation)
            steps.append(model.output_layer)
            return functools.reduce(lambda h, step: step(h), steps, x)
    """),

    # --- cross_entropy ---------------------------------------------------------------------------------------------
    Bug("cross_entropy", "summed", "sums over the batch instead of averaging", """
        def cross_entropy(logits, labels):
            log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
            return -tf.reduce_sum(tf.gather(log_probs, labels, axis=1, batch_dims=1))
    """),
    Bug("cross_entropy", "softmax_then_builtin", "feeds softmax probabilities to a function that expects logits", """
        def cross_entropy(logits, labels):
            probs = tf.nn.softmax(logits, axis=1)
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=probs))
    """),
    Bug("cross_entropy", "naive_log_softmax", "log(softmax) computed naively: overflows for large logits", """
        def cross_entropy(logits, labels):
            exp = tf.exp(logits)
            probs = exp / tf.reduce_sum(exp, axis=1, keepdims=True)
            return -tf.reduce_mean(tf.math.log(tf.gather(probs, labels, axis=1, batch_dims=1)))
    """),
    Bug("cross_entropy", "keras_loss_without_from_logits", "Keras' loss with its default from_logits=False", """
        def cross_entropy(logits, labels):
            return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits))
    """),
    Alternative("cross_entropy", "gather_batch_dims", "log-sum-exp, then tf.gather with batch_dims=1", """
        def cross_entropy(logits, labels):
            log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
            return -tf.reduce_mean(tf.gather(log_probs, labels, axis=1, batch_dims=1))
    """),
    Alternative("cross_entropy", "tf_builtin", "tf.nn.sparse_softmax_cross_entropy_with_logits, then the mean", """
        def cross_entropy(logits, labels):
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    """),
    Alternative("cross_entropy", "one_hot_log_softmax", "one-hot labels times tf.nn.log_softmax", """
        def cross_entropy(logits, labels):
            one_hot = tf.one_hot(labels, depth=logits.shape[1], dtype=logits.dtype)
            return -tf.reduce_mean(tf.reduce_sum(one_hot * tf.nn.log_softmax(logits, axis=1), axis=1))
    """),
    Alternative("cross_entropy", "keras_from_logits", "keras.losses.sparse_categorical_crossentropy(from_logits=True)", """
        def cross_entropy(logits, labels):
            return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    """),

    # --- sgd_epoch -------------------------------------------------------------------------------------------------
    Bug("sgd_epoch", "ascends", "steps along the gradient instead of against it", f"""
        {_SGD_HEAD}
            order = rng.permutation(x.shape[0])
            losses = []
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for variable, grad in zip(model.trainable_variables, grads):
                    variable.assign_add(lr * grad)
                losses.append(float(loss))
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "inference_mode", "calls the model without training=True, so BN uses its moving statistics", f"""
        {_SGD_HEAD}
            order = rng.permutation(x.shape[0])
            losses = []
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx)), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for variable, grad in zip(model.trainable_variables, grads):
                    variable.assign_sub(lr * grad)
                losses.append(float(loss))
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "one_minibatch", "returns after the first minibatch (return inside the loop)", f"""
        {_SGD_HEAD}
            order = rng.permutation(x.shape[0])
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for variable, grad in zip(model.trainable_variables, grads):
                    variable.assign_sub(lr * grad)
                return float(loss)
    """),
    Bug("sgd_epoch", "loss_outside_tape", "computes the loss after the tape closed: no gradients", f"""
        {_SGD_HEAD}
            order = rng.permutation(x.shape[0])
            losses = []
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    logits = model(tf.gather(x, idx), training=True)
                loss = loss_fn(logits, tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for variable, grad in zip(model.trainable_variables, grads):
                    variable.assign_sub(lr * grad)
                losses.append(float(loss))
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "keras_optimizer", "uses keras.optimizers.SGD instead of updating by hand", f"""
        {_SGD_HEAD}
            optimizer = keras.optimizers.SGD(learning_rate=lr)
            order = rng.permutation(x.shape[0])
            losses = []
            for start in range(0, x.shape[0], batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                losses.append(float(loss))
            return sum(losses) / len(losses)
    """),
    Alternative("sgd_epoch", "tf_data_batches", "shuffled copy batched with tf.data, assign(v - lr * g)", f"""
        {_SGD_HEAD}
            order = rng.permutation(int(tf.shape(x)[0]))
            batches = tf.data.Dataset.from_tensor_slices((tf.gather(x, order), tf.gather(y, order))).batch(batch_size)
            total, count = 0.0, 0
            for xb, yb in batches:
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(xb, training=True), yb)
                variables = model.trainable_variables
                for v, g in zip(variables, tape.gradient(loss, variables)):
                    v.assign(v - lr * g)
                total += loss.numpy().item()
                count += 1
            return total / count
    """),
    Alternative("sgd_epoch", "array_split_weights", "np.array_split of the permutation, trainable_weights, np.mean", f"""
        {_SGD_HEAD}
            n = len(x)
            losses = []
            for idx in np.array_split(rng.permutation(n), range(batch_size, n, batch_size)):
                xb = tf.gather(x, idx)
                yb = tf.gather(y, idx)
                with tf.GradientTape() as tape:
                    logits = model(xb, training=True)
                    loss = loss_fn(logits, yb)
                weights = model.trainable_weights
                grads = tape.gradient(loss, weights)
                for w, g in zip(weights, grads):
                    if g is not None:
                        w.assign_sub(g * lr)
                losses.append(loss.numpy())
            return float(np.mean(losses))
    """),

    # --- smoothness_constant ---------------------------------------------------------------------------------------
    Bug("smoothness_constant", "forgets_n", "forgets to divide X^T X by n", """
        def smoothness_constant(x):
            return float(tf.linalg.eigvalsh(tf.matmul(x, x, transpose_a=True))[-1])
    """),
    Bug("smoothness_constant", "smallest_eigenvalue", "returns the smallest eigenvalue (eigvalsh sorts ascending)", """
        def smoothness_constant(x):
            return float(tf.linalg.eigvalsh(tf.matmul(x, x, transpose_a=True) / x.shape[0])[0])
    """),
    Bug("smoothness_constant", "singular_value", "returns the largest singular value of X, not its square over n", """
        def smoothness_constant(x):
            return float(tf.linalg.svd(x, compute_uv=False)[0])
    """),
    Bug("smoothness_constant", "returns_tensor", "returns a 0-d tensor instead of a Python float", """
        def smoothness_constant(x):
            return tf.linalg.eigvalsh(tf.transpose(x) @ x / x.shape[0])[-1]
    """),
    Alternative("smoothness_constant", "svd_squared", "largest singular value squared, over n", """
        def smoothness_constant(x):
            s = tf.linalg.svd(x, compute_uv=False)
            return float(tf.reduce_max(s) ** 2 / tf.cast(tf.shape(x)[0], x.dtype))
    """),
    Bug("smoothness_constant", "numpy_eigvalsh",
        "RECLASSIFIED (issue 25: return types on every input the contract allows): numpy on the tensor's values "
        "returns np.float64 (a float) for float64 input but np.float32, not a Python float, for float32 input", """
        def smoothness_constant(x):
            a = x.numpy()
            return np.linalg.eigvalsh(a.T @ a / len(a)).max()
    """),
    Bug("smoothness_constant", "power_iteration",
        "RECLASSIFIED (issue 25: numerical method quality): power iteration until it settles, started from a vector "
        "of ones, settles on the second eigenvalue when the top eigenvector is orthogonal to that start", """
        def smoothness_constant(x):
            hessian = tf.matmul(x, x, transpose_a=True) / tf.cast(tf.shape(x)[0], x.dtype)
            v = tf.ones((hessian.shape[0], 1), dtype=hessian.dtype)
            value = 0.0
            for _ in range(10000):
                w = hessian @ v
                new_value = float(tf.norm(w))
                v = w / new_value
                if abs(new_value - value) <= 1e-14 * new_value:
                    break
                value = new_value
            return new_value
    """),
]


# Written blind for issue 14 by a tester who saw only the release notebook (not the checks or the entries above).
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_1 = [
    Bug('batch_norm', 'inference_ignores_gamma_beta',
        "In inference the function returns the plain standardized x and drops gamma and beta, although the contract is y = gamma * (x - mu) / sqrt(sigma^2 + eps) + beta where 'In inference the moving statistics replace mu and sigma^2' (only mu and sigma^2 are replaced); the public check only uses gamma=1, beta=0.", '''
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            """Batch normalization with Keras' conventions, for (N, D) or (N, H, W, C) input."""
            if not training:
                # inference: just standardize with the stored statistics
                return (x - moving_mean) / tf.sqrt(moving_var + eps), moving_mean, moving_var
            axes = list(range(len(x.shape) - 1))
            mean, var = tf.nn.moments(x, axes=axes)
            y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
            new_mean = momentum * moving_mean + (1 - momentum) * mean
            new_var = momentum * moving_var + (1 - momentum) * var
            return y, new_mean, new_var
    '''),
    Bug('batch_norm', 'momentum_hardcoded',
        "The moving statistics always use 0.99/0.01 instead of the `momentum` argument ('momentum (float): weight of the OLD moving statistics in the update'); invisible with the default momentum used by the public check.", '''
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            """Batch normalization with Keras' conventions, for (N, D) or (N, H, W, C) input."""
            if training:
                axes = [0] if len(x.shape) == 2 else [0, 1, 2]
                mean = tf.reduce_mean(x, axis=axes)
                var = tf.reduce_mean((x - mean) ** 2, axis=axes)
                # Keras: keep 99% of the old value, move 1% towards the batch
                new_mean = 0.99 * moving_mean + 0.01 * mean
                new_var = 0.99 * moving_var + 0.01 * var
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = moving_mean, moving_var
            y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
            return y, new_mean, new_var
    '''),
    Bug('batch_norm', 'eps_outside_sqrt_in_training',
        "In training mode eps is added to the standard deviation instead of the variance, y = (x - mu) / (sqrt(sigma^2) + eps), violating 'y = gamma (x - mu) / sqrt(sigma^2 + eps) + beta' and 'eps (float): added to the variance before the square root'; the std-1 check's 1e-3 tolerance hides it.", '''
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            """Batch normalization with Keras' conventions, for (N, D) or (N, H, W, C) input."""
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x, axis=axes)
                std = tf.math.reduce_std(x, axis=axes)          # biased std
                x_hat = (x - mean) / (std + eps)
                new_mean = momentum * moving_mean + (1.0 - momentum) * mean
                new_var = momentum * moving_var + (1.0 - momentum) * tf.square(std)
            else:
                x_hat = (x - moving_mean) / tf.sqrt(moving_var + eps)
                new_mean, new_var = moving_mean, moving_var
            return gamma * x_hat + beta, new_mean, new_var
    '''),
    Bug('batchnorm_layer', 'layer_ignores_its_momentum_eps',
        "call() passes neither self.momentum nor self.eps to batch_norm, so BatchNorm(momentum=0.9, eps=1e-5) silently behaves like the defaults, against 'Attributes: momentum, eps (floats)' / 'def __init__(self, momentum=0.99, eps=1e-3, ...)' 'like keras BatchNormalization'.", '''
        class BatchNorm(keras.layers.Layer):
            """Batch norm over the last axis (features of (N, D), channels of (N, H, W, C)), like keras BatchNormalization."""

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                c = input_shape[-1]
                self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones", trainable=True)
                self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer="zeros", trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=(c,), initializer="ones", trainable=False)

            def call(self, x, training=None):
                y, mean, var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance, bool(training))
                if training:
                    self.moving_mean.assign(mean)
                    self.moving_variance.assign(var)
                return y
    '''),
    Bug('batchnorm_layer', 'build_uses_axis_1_not_last',
        "build sizes the weights with input_shape[1], which is the height for NHWC images, violating 'Batch norm over the last axis (... channels of (N, H, W, C))' and 'once the number of channels (input_shape[-1]) is known'; the public check only builds with (None, 3).", '''
        class BatchNorm(keras.layers.Layer):
            """Batch norm over the last axis (features of (N, D), channels of (N, H, W, C)), like keras BatchNormalization."""

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                features = input_shape[1]   # number of features
                self.gamma = self.add_weight(name="gamma", shape=(features,), initializer="ones", trainable=True)
                self.beta = self.add_weight(name="beta", shape=(features,), initializer="zeros", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=(features,), initializer="zeros",
                                                   trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=(features,), initializer="ones",
                                                       trainable=False)

            def call(self, x, training=None):
                y, mean, var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                          bool(training), self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(mean)
                    self.moving_variance.assign(var)
                return y
    '''),
    Bug('batchnorm_layer', 'weights_hardcoded_float32',
        'add_weight is given dtype=\'float32\', so BatchNorm(dtype=\'float64\') mixes float32 weights with float64 inputs and crashes, violating \'Pass **kwargs on to super().__init__, so that Keras options such as dtype="float64" work\'.', '''
        class BatchNorm(keras.layers.Layer):
            """Batch norm over the last axis (features of (N, D), channels of (N, H, W, C)), like keras BatchNormalization."""

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                c = input_shape[-1]
                self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones", trainable=True, dtype="float32")
                self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros", trainable=True, dtype="float32")
                self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer="zeros", trainable=False,
                                                   dtype="float32")
                self.moving_variance = self.add_weight(name="moving_variance", shape=(c,), initializer="ones",
                                                       trainable=False, dtype="float32")

            def call(self, x, training=None):
                training = bool(training)
                y, mean, var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                          training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(mean)
                    self.moving_variance.assign(var)
                return y
    '''),
    Bug('mlp_forward', 'blind_bn_after_activation',
        "Applies BN after the nonlinearity (Dense -> activation -> BN), violating 'Use model.hidden_layers[i], then model.norms[i] ..., then model.activation' and 'BN goes **between** the dense layer and the nonlinearity'.", '''
        def mlp_forward(model, x, training):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            h = x
            for i, layer in enumerate(model.hidden_layers):
                h = model.activation(layer(h))
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
            return model.output_layer(h)
    '''),
    Bug('mlp_forward', 'relu_hardcoded',
        "Uses tf.nn.relu instead of model.activation, so MLP(..., activation='sigmoid') still runs ReLU, violating 'Use model.hidden_layers[i], then model.norms[i] ... then model.activation'.", '''
        def mlp_forward(model, x, training):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            h = x
            for i in range(len(model.hidden_layers)):
                h = model.hidden_layers[i](h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = tf.nn.relu(h)
            return model.output_layer(h)
    '''),
    Bug('cross_entropy', 'log_of_softmax',
        "Takes tf.math.log(tf.nn.softmax(logits)), which returns inf for a wrong class with large logits (e.g. logit gap of 200), against 'Compute it from the logits directly. Computing softmax and then its log overflows for large logits'.", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: integer (N,) with values in [0, K)."""
            probs = tf.nn.softmax(logits, axis=1)
            p_true = tf.reduce_sum(probs * tf.one_hot(labels, logits.shape[1], dtype=logits.dtype), axis=1)
            return -tf.reduce_mean(tf.math.log(p_true))
    '''),
    Bug('cross_entropy', 'num_classes_from_labels',
        "Derives K from the labels (max label + 1) instead of the logits, so a batch that lacks the highest class gives a one-hot of the wrong width (silently broadcast or a shape error), violating 'logits: float (N, K); labels: integer (N,) with values in [0, K)'.", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: integer (N,) with values in [0, K)."""
            num_classes = int(tf.reduce_max(labels)) + 1
            log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
            picked = tf.reduce_sum(log_probs * tf.one_hot(labels, num_classes), axis=1)
            return -tf.reduce_mean(picked)
    '''),
    Bug('sgd_epoch', 'drops_last_partial_batch',
        "Loops only over full minibatches (range(0, n - batch_size + 1, batch_size)), so the remainder of the epoch is never seen, violating 'One epoch visits every training example once' and 'batch_size (int): the last minibatch may be smaller'; 384/64 is exact in the public check.", '''
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's trainable variables in place."""
            n = x.shape[0]
            perm = rng.permutation(n)
            losses = []
            for start in range(0, n - batch_size + 1, batch_size):
                idx = perm[start:start + batch_size]
                xb, yb = tf.gather(x, idx), tf.gather(y, idx)
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(xb, training=True), yb)
                grads = tape.gradient(loss, model.trainable_variables)
                for var, grad in zip(model.trainable_variables, grads):
                    var.assign_sub(lr * grad)
                losses.append(float(loss))
            return sum(losses) / len(losses)
    '''),
    Bug('sgd_epoch', 'array_split_equal_batches',
        "Splits the permutation with np.array_split into ceil(n / batch_size) nearly equal chunks, so e.g. n=100, batch_size=64 gives two batches of 50 instead of 64 + 36, violating 'batch_size (int): the last minibatch may be smaller' (only the last one may differ from batch_size).", '''
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's trainable variables in place."""
            n = int(x.shape[0])
            num_batches = math.ceil(n / batch_size)
            losses = []
            for idx in np.array_split(rng.permutation(n), num_batches):
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for var, grad in zip(model.trainable_variables, grads):
                    var.assign_sub(lr * grad)
                losses.append(float(loss))
            return float(np.mean(losses))
    '''),
    Bug('sgd_epoch', 'global_numpy_shuffle',
        "Shuffles with np.random.permutation instead of the given generator, so runs are not reproducible from rng and rng is never advanced, violating 'rng (numpy.random.Generator): use it to shuffle (rng.permutation(N))'.", '''
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's trainable variables in place."""
            n = int(x.shape[0])
            order = np.random.permutation(n)
            total, count = 0.0, 0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for var, grad in zip(model.trainable_variables, grads):
                    var.assign_sub(lr * grad)
                total += float(loss)
                count += 1
            return total / count
    '''),
    Bug('sgd_epoch', 'returns_last_batch_loss',
        "Returns the loss of the last minibatch instead of 'float: the average of the minibatch losses'.", '''
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's trainable variables in place."""
            n = int(x.shape[0])
            order = rng.permutation(n)
            loss = None
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for var, grad in zip(model.trainable_variables, grads):
                    var.assign_sub(lr * grad)
            return float(loss)
    '''),
    Bug('smoothness_constant', 'centers_features',
        "Centers the columns first (largest eigenvalue of the covariance), violating 'Largest eigenvalue of X^T X / n'; the public matrix already has zero-mean columns.", '''
        def smoothness_constant(x):
            """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
            n = x.shape[0]
            xc = x - tf.reduce_mean(x, axis=0)
            cov = tf.matmul(xc, xc, transpose_a=True) / n
            return float(tf.linalg.eigvalsh(cov)[-1])
    '''),
    Alternative('batch_norm', 'reshape_rsqrt_fused',
        'Flattens all but the last axis with tf.reshape(x, (-1, C)), uses tf.nn.moments, and applies the normalization as one scale and shift (x * gamma*rsqrt(var+eps) + (beta - mean*scale)); the moving update is written as old - (1 - momentum) * (old - batch), which equals momentum*old + (1-momentum)*batch.', '''
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            """Batch normalization with Keras' conventions, for (N, D) or (N, H, W, C) input."""
            moving_mean = tf.convert_to_tensor(moving_mean)
            moving_var = tf.convert_to_tensor(moving_var)
            if training:
                flat = tf.reshape(x, (-1, x.shape[-1]))          # every position of every example is a sample
                mean, var = tf.nn.moments(flat, axes=[0])        # biased variance
                new_mean = moving_mean - (1.0 - momentum) * (moving_mean - mean)
                new_var = moving_var - (1.0 - momentum) * (moving_var - var)
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = moving_mean, moving_var
            scale = gamma * tf.math.rsqrt(var + eps)
            shift = beta - mean * scale
            return x * scale + shift, new_mean, new_var
    '''),
    Alternative('batchnorm_layer', 'initializer_objects_assign_sub',
        'Uses keras.initializers objects, remembers the channel count, and moves the moving weights with assign_sub of (old - new) rather than assign; training=None is treated as inference, as Keras layers do by default.', '''
        class BatchNorm(keras.layers.Layer):
            """Batch norm over the last axis (features of (N, D), channels of (N, H, W, C)), like keras BatchNormalization."""

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = float(momentum)
                self.eps = float(eps)

            def build(self, input_shape):
                self.channels = int(input_shape[-1])
                shape = (self.channels,)
                self.gamma = self.add_weight(shape=shape, initializer=keras.initializers.Ones(), trainable=True, name="gamma")
                self.beta = self.add_weight(shape=shape, initializer=keras.initializers.Zeros(), trainable=True, name="beta")
                self.moving_mean = self.add_weight(shape=shape, initializer=keras.initializers.Zeros(), trainable=False,
                                                   name="moving_mean")
                self.moving_variance = self.add_weight(shape=shape, initializer=keras.initializers.Ones(), trainable=False,
                                                       name="moving_variance")

            def call(self, x, training=None):
                is_training = bool(training) if training is not None else False
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  is_training, momentum=self.momentum, eps=self.eps)
                if is_training:
                    self.moving_mean.assign_sub(self.moving_mean - new_mean)
                    self.moving_variance.assign_sub(self.moving_variance - new_var)
                return y
    '''),
    Alternative('mlp_forward', 'zip_with_none_norms',
        'Pairs each dense layer with its BN layer (or None when model.norms is None) via zip, same order Dense -> BN(training) -> activation, output layer without activation.', '''
        def mlp_forward(model, x, training):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            norms = model.norms if model.norms is not None else [None] * len(model.hidden_layers)
            for dense_layer, norm in zip(model.hidden_layers, norms):
                x = dense_layer(x)
                x = norm(x, training=training) if norm is not None else x
                x = model.activation(x)
            return model.output_layer(x)
    '''),
    Alternative('cross_entropy', 'blind_gather_batch_dims',
        "Uses tf.nn.log_softmax (stable, computed from the logits) and tf.gather(..., batch_dims=1) to pick each row's label entry, then the mean.", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: integer (N,) with values in [0, K)."""
            log_probs = tf.nn.log_softmax(logits, axis=-1)
            picked = tf.gather(log_probs, tf.cast(labels, tf.int32)[:, None], batch_dims=1)[:, 0]
            return -tf.reduce_mean(picked)
    '''),
    Alternative('cross_entropy', 'sparse_softmax_xent',
        'Uses tf.nn.sparse_softmax_cross_entropy_with_logits (per-example losses) and averages them, which the notebook explicitly allows.', '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: integer (N,) with values in [0, K)."""
            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(labels, tf.int64), logits=logits)
            return tf.reduce_mean(per_example)
    '''),
    Bug('sgd_epoch', 'np_split_tensor_accumulator',
        'RECLASSIFIED (issue 25: structure): it takes the variable list before the first call, which is empty for a Keras model that makes its weights on its first call, so nothing is trained. Cuts the permutation with np.split at multiples of batch_size (full batches plus a smaller last one), takes the variable list once, and accumulates the losses in a list of tensors converted to a float at the end.', '''
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's trainable variables in place."""
            n = int(x.shape[0])
            batches = np.split(rng.permutation(n), np.arange(batch_size, n, batch_size))
            variables = model.trainable_variables
            batch_losses = []
            for idx in batches:
                xb = tf.gather(x, idx)
                yb = tf.gather(y, idx)
                with tf.GradientTape() as tape:
                    logits = model(xb, training=True)
                    loss = loss_fn(logits, yb)
                for var, grad in zip(variables, tape.gradient(loss, variables)):
                    var.assign_sub(lr * grad)
                batch_losses.append(loss)
            return float(tf.reduce_mean(tf.stack(batch_losses)))
    '''),
    Alternative('smoothness_constant', 'blind_svd_squared',
        'Uses the largest singular value s of X: the eigenvalues of X^T X / n are s^2 / n, so the result is the same without forming the Gram matrix.', '''
        def smoothness_constant(x):
            """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
            s = tf.linalg.svd(x, compute_uv=False)      # singular values, largest first
            return float(s[0] ** 2 / x.shape[0])
    '''),
]
ENTRIES += BLIND_ROUND_1

# Issue 25: kinds of mistakes a third blind round got past the checks (each missed by the hidden checks alone before),
# and a correct variant a tolerance must allow.
ENTRIES += [
    Bug("batch_norm", "r25_momentum_zero_read_as_missing",
        "`momentum or 0.99` treats momentum=0 (take the batch statistics) as a missing argument", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            momentum = momentum or 0.99
            axes = list(range(len(x.shape) - 1))
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
    """),
    Alternative("batch_norm", "r25_float32_momentum",
                "holds momentum in float32 (1 - float32(0.99) is 0.01 to 1e-9 relative): the running statistics move "
                "by ~1e-7, well within what float32 momentum allows", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            m = float(np.float32(momentum))
            keep = float(np.float32(1.0) - np.float32(momentum))
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x, axis=axes)
                var = tf.reduce_mean(tf.square(x - mean), axis=axes)
                new_mean = m * moving_mean + keep * mean
                new_var = m * moving_var + keep * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = mean, var
            y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
            return y, new_mean, new_var
    """),
    Bug("batchnorm_layer", "r25_training_defaults_to_true",
        "call(x, training=True): a call without `training` trains, where the docstring says None counts as inference", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum, self.eps = momentum, eps

            def build(self, input_shape):
                channels = (input_shape[-1],)
                self.gamma = self.add_weight(name="gamma", shape=channels, initializer="ones")
                self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")
                self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros",
                                                   trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=channels, initializer="ones",
                                                       trainable=False)

            def call(self, x, training=True):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  bool(training), self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug("batchnorm_layer", "r25_eps_stored_as_epsilon",
        "stores eps as self.epsilon (Keras' own name); the docstring fixes the attribute names momentum and eps", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum, self.epsilon = momentum, eps

            def build(self, input_shape):
                channels = (input_shape[-1],)
                self.gamma = self.add_weight(name="gamma", shape=channels, initializer="ones")
                self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")
                self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros",
                                                   trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=channels, initializer="ones",
                                                       trainable=False)

            def call(self, x, training=None):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  bool(training), self.momentum, self.epsilon)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug("batchnorm_layer", "r25_weights_made_in_init",
        "creates its weights in __init__ (with a guessed shape) and again in build; the docstring says build", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum, self.eps = momentum, eps
                self.step = self.add_weight(name="step", shape=(), initializer="zeros", trainable=False)

            def build(self, input_shape):
                channels = (input_shape[-1],)
                self.gamma = self.add_weight(name="gamma", shape=channels, initializer="ones")
                self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")
                self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros",
                                                   trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=channels, initializer="ones",
                                                       trainable=False)

            def call(self, x, training=None):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  bool(training), self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                    self.step.assign_add(1.0)
                return y
    """),
    Bug("batchnorm_layer", "r25_inline_instead_of_batch_norm",
        "call does the normalisation inline (correctly) instead of calling batch_norm, as the notebook asks", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum, self.eps = momentum, eps

            def build(self, input_shape):
                channels = (input_shape[-1],)
                self.gamma = self.add_weight(name="gamma", shape=channels, initializer="ones")
                self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")
                self.moving_mean = self.add_weight(name="moving_mean", shape=channels, initializer="zeros",
                                                   trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=channels, initializer="ones",
                                                       trainable=False)

            def call(self, x, training=None):
                if training:
                    axes = list(range(len(x.shape) - 1))
                    mean = tf.reduce_mean(x, axis=axes)
                    var = tf.reduce_mean(tf.square(x - mean), axis=axes)
                    self.moving_mean.assign(self.momentum * self.moving_mean + (1 - self.momentum) * mean)
                    self.moving_variance.assign(self.momentum * self.moving_variance + (1 - self.momentum) * var)
                else:
                    mean, var = self.moving_mean, self.moving_variance
                return self.gamma * (x - mean) / tf.sqrt(var + self.eps) + self.beta
    """),
    Bug("mlp_forward", "r25_squeezes_the_logits",
        "squeezes the logits, so a batch of one example gives shape (num_classes,) instead of (1, num_classes)", """
        def mlp_forward(model, x, training):
            h = x
            for i, dense in enumerate(model.hidden_layers):
                h = dense(h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = model.activation(h)
            return tf.squeeze(model.output_layer(h))
    """),
    Bug("sgd_epoch", "r25_returns_numpy_float32",
        "keeps each loss as loss.numpy() (float32) and returns np.mean of them: a numpy float32, not a Python float", """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
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
                losses.append(tf.cast(loss, tf.float32).numpy())
            return np.mean(losses)
    """),
    Bug("smoothness_constant", "r25_power_iteration_from_ones",
        "100 steps of power iteration started from a vector of ones: wrong when the top eigenvalues are close or "
        "the top eigenvector is orthogonal to the start", """
        def smoothness_constant(x):
            hessian = tf.matmul(x, x, transpose_a=True) / x.shape[0]
            v = tf.ones((hessian.shape[0], 1), dtype=x.dtype)
            for _ in range(100):
                v = hessian @ v
                v = v / tf.norm(v)
            return float(tf.squeeze(tf.transpose(v) @ hessian @ v))
    """),
]

from instructor_only.catalogue.blind_round_4.batchnorm_tensorflow import ENTRIES as BLIND_ROUND_4  # noqa: E402

ENTRIES += BLIND_ROUND_4
