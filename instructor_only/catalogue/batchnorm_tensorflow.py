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
    Alternative("batch_norm", "flatten_channels", "reshapes to (-1, C) and uses E[x^2] - E[x]^2 and rsqrt", f"""
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
    Alternative("smoothness_constant", "numpy_eigvalsh", "numpy on the tensor's values (np.float64 is a float)", """
        def smoothness_constant(x):
            a = x.numpy()
            return np.linalg.eigvalsh(a.T @ a / len(a)).max()
    """),
    Alternative("smoothness_constant", "power_iteration", "power iteration on X^T X / n until it settles", """
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
