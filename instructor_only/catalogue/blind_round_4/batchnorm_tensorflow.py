"""Round-4 blind entries for batchnorm_tensorflow (issue 25), as the tester wrote them (see the package's docstring)."""
from instructor_only.catalogue import Alternative, Bug

ENTRIES = [
    Bug('batch_norm', 'blind4_eps_hardcoded', 'The eps argument is ignored (1e-3 is hard-coded), so a call with another eps normalizes with the wrong denominator.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x, axis=axes)
                var = tf.reduce_mean(tf.square(x - mean), axis=axes)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = moving_mean, moving_var
            y = gamma * (x - mean) / tf.sqrt(var + 1e-3) + beta
            return y, new_mean, new_var
    """),
    Bug('batch_norm', 'blind4_momentum_hardcoded', 'The momentum argument is ignored (0.99 is hard-coded in the update), so any other momentum moves the statistics by the wrong amount.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
                new_mean = 0.99 * moving_mean + 0.01 * mean
                new_var = 0.99 * moving_var + 0.01 * var
                return y, new_mean, new_var
            y = gamma * (x - moving_mean) / tf.sqrt(moving_var + eps) + beta
            return y, moving_mean, moving_var
    """),
    Bug('batch_norm', 'blind4_no_affine_in_inference', "In inference the output is only standardized: gamma and beta are not applied, so a trained layer's scale and shift are lost at test time.", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if not training:
                return (x - moving_mean) / tf.sqrt(moving_var + eps), moving_mean, moving_var
            mean = tf.reduce_mean(x, axis=axes)
            var = tf.reduce_mean(tf.square(x - mean), axis=axes)
            y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
            new_mean = momentum * moving_mean + (1 - momentum) * mean
            new_var = momentum * moving_var + (1 - momentum) * var
            return y, new_mean, new_var
    """),
    Bug('batch_norm', 'blind4_var_from_second_moment', "The variance is computed as E[x^2] - E[x]^2 in the input's float32, which cancels catastrophically for features with a large mean relative to their spread (it can even turn negative).", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x, axis=axes)
                var = tf.reduce_mean(x * x, axis=axes) - mean * mean
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = moving_mean, moving_var
            y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
            return y, new_mean, new_var
    """),
    Bug('batch_norm', 'blind4_stores_var_plus_eps', 'Adds eps to the batch variance once and reuses it, so the moving variance is updated with var + eps instead of the biased batch variance (off by (1 - momentum) * eps every step).', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                var = var + eps                      # numerically safe variance
                y = gamma * (x - mean) / tf.sqrt(var) + beta
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
                return y, new_mean, new_var
            y = gamma * (x - moving_mean) / tf.sqrt(moving_var + eps) + beta
            return y, moving_mean, moving_var
    """),
    Bug('batch_norm', 'blind4_no_eps_in_training', 'Leaves eps out in training mode (divides by the batch std), so a constant feature gives 0/0 = NaN and the output differs from sqrt(var + eps) whenever eps is not negligible.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x, axis=axes)
                var = tf.reduce_mean(tf.square(x - mean), axis=axes)
                y = gamma * (x - mean) / tf.sqrt(var) + beta
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
                return y, new_mean, new_var
            y = gamma * (x - moving_mean) / tf.sqrt(moving_var + eps) + beta
            return y, moving_mean, moving_var
    """),
    Bug('batch_norm', 'blind4_assigns_to_variables', "When the moving statistics are variables, it assigns the new values into them in place, which the docstring forbids ('Do not assign to them: return new tensors').", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if not training:
                y = gamma * (x - moving_mean) / tf.sqrt(moving_var + eps) + beta
                return y, moving_mean, moving_var
            mean, var = tf.nn.moments(x, axes=axes)
            y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
            new_mean = momentum * moving_mean + (1 - momentum) * mean
            new_var = momentum * moving_var + (1 - momentum) * var
            if isinstance(moving_mean, tf.Variable) or hasattr(moving_mean, "assign"):
                moving_mean.assign(new_mean)   # keep the layer's statistics up to date
                moving_var.assign(new_var)
            return y, new_mean, new_var
    """),
    Bug('batch_norm', 'blind4_std_plus_eps', 'In training mode it divides by std + eps instead of sqrt(var + eps); the output is close for features of std ~1 or more but badly off for small-variance features.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x, axis=axes)
                std = tf.math.reduce_std(x, axis=axes)
                y = gamma * (x - mean) / (std + eps) + beta
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * tf.square(std)
                return y, new_mean, new_var
            y = gamma * (x - moving_mean) / tf.sqrt(moving_var + eps) + beta
            return y, moving_mean, moving_var
    """),
    Bug('batch_norm', 'blind4_casts_to_float32', "Casts every input to float32, so float64 input (e.g. a layer built with dtype='float64') comes back as float32 and loses precision.", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            x = tf.cast(x, tf.float32)
            gamma, beta = tf.cast(gamma, tf.float32), tf.cast(beta, tf.float32)
            moving_mean, moving_var = tf.cast(moving_mean, tf.float32), tf.cast(moving_var, tf.float32)
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x, axis=axes)
                var = tf.reduce_mean(tf.square(x - mean), axis=axes)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = moving_mean, moving_var
            y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
            return y, new_mean, new_var
    """),
    Bug('batch_norm', 'blind4_beta_inside_scale', 'Adds beta before scaling, y = gamma * (x_hat + beta), instead of gamma * x_hat + beta; identical only when gamma is 1 or beta is 0.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = moving_mean, moving_var
            x_hat = (x - mean) / tf.sqrt(var + eps)
            return gamma * (x_hat + beta), new_mean, new_var
    """),
    Bug('batch_norm', 'blind4_pytorch_momentum', "Uses PyTorch's convention, new = (1 - momentum) * old + momentum * batch, so momentum 0.99 almost replaces the moving statistics by the batch ones.", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                y = gamma * (x - mean) / tf.sqrt(var + eps) + beta
                return y, (1 - momentum) * moving_mean + momentum * mean, (1 - momentum) * moving_var + momentum * var
            y = gamma * (x - moving_mean) / tf.sqrt(moving_var + eps) + beta
            return y, moving_mean, moving_var
    """),
    Bug('batch_norm', 'blind4_builtin_batch_normalization', "Normalizes with tf.nn.batch_normalization, the built-in the notebook explicitly forbids ('the function must not call the built-in batch norm').", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            axes = list(range(len(x.shape) - 1))
            if training:
                mean, var = tf.nn.moments(x, axes=axes)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var, new_mean, new_var = moving_mean, moving_var, moving_mean, moving_var
            y = tf.nn.batch_normalization(x, mean, var, beta, gamma, eps)
            return y, new_mean, new_var
    """),
    Alternative('batch_norm', 'blind4_fused_rsqrt', "Uses tf.nn.moments and the fused form y = x * s + (beta - mean * s) with s = gamma * rsqrt(var + eps), and Keras' own update form old - (1 - momentum) * (old - batch); algebraically identical.", """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            if training:
                mean, var = tf.nn.moments(x, axes=list(range(x.shape.rank - 1)))
                new_mean = moving_mean - (1.0 - momentum) * (moving_mean - mean)
                new_var = moving_var - (1.0 - momentum) * (moving_var - var)
            else:
                mean, var = moving_mean, moving_var
                new_mean, new_var = moving_mean, moving_var
            scale = gamma * tf.math.rsqrt(var + eps)
            y = x * scale + (beta - mean * scale)
            return y, new_mean, new_var
    """),
    Alternative('batch_norm', 'blind4_reshape_to_2d', 'Flattens every leading axis into one, x -> (-1, C), computes per-column statistics with reduce_variance (biased), then reshapes back: the same reduction over all axes but the last.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            x = tf.convert_to_tensor(x)
            channels = x.shape[-1]
            flat = tf.reshape(x, (-1, channels))
            if training:
                mean = tf.reduce_mean(flat, axis=0)
                var = tf.math.reduce_variance(flat, axis=0)
                new_mean = momentum * moving_mean + (1 - momentum) * mean
                new_var = momentum * moving_var + (1 - momentum) * var
            else:
                mean, var = tf.convert_to_tensor(moving_mean), tf.convert_to_tensor(moving_var)
                new_mean, new_var = moving_mean, moving_var
            y_flat = (flat - mean) / tf.sqrt(var + eps) * gamma + beta
            return tf.reshape(y_flat, tf.shape(x)), new_mean, new_var
    """),
    Alternative('batch_norm', 'blind4_float64_internal', 'Computes the statistics and the normalization in float64 and casts the results back to the input dtype: more precise, same values to float32 rounding, same dtypes out.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            x = tf.convert_to_tensor(x)
            dtype = x.dtype
            x64 = tf.cast(x, tf.float64)
            g64, b64 = tf.cast(gamma, tf.float64), tf.cast(beta, tf.float64)
            axes = list(range(len(x.shape) - 1))
            if training:
                mean = tf.reduce_mean(x64, axis=axes)
                var = tf.reduce_mean(tf.math.squared_difference(x64, mean), axis=axes)
                new_mean = tf.cast(momentum * tf.cast(moving_mean, tf.float64) + (1 - momentum) * mean, dtype)
                new_var = tf.cast(momentum * tf.cast(moving_var, tf.float64) + (1 - momentum) * var, dtype)
            else:
                mean, var = tf.cast(moving_mean, tf.float64), tf.cast(moving_var, tf.float64)
                new_mean, new_var = moving_mean, moving_var
            y = g64 * (x64 - mean) / tf.sqrt(var + eps) + b64
            return tf.cast(y, dtype), new_mean, new_var
    """),
    Alternative('batch_norm', 'blind4_sum_over_count', 'Computes mean and biased variance explicitly as sums divided by the number of values per feature, n = size / C (N for 2-D, N*H*W for 4-D); inference returns the moving statistics untouched.', """
        def batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
            def normalize(mu, sigma2):
                return gamma * ((x - mu) / tf.sqrt(sigma2 + eps)) + beta

            if not training:
                return normalize(moving_mean, moving_var), moving_mean, moving_var
            axes = tuple(range(len(x.shape) - 1))
            n = tf.cast(tf.size(x) // tf.shape(x)[-1], x.dtype)
            mu = tf.reduce_sum(x, axis=axes) / n
            centered = x - mu
            sigma2 = tf.reduce_sum(centered * centered, axis=axes) / n
            return (normalize(mu, sigma2),
                    momentum * moving_mean + (1.0 - momentum) * mu,
                    momentum * moving_var + (1.0 - momentum) * sigma2)
    """),
    Bug('batchnorm_layer', 'blind4_none_means_training', 'Treats training=None as training (`if training is not False`), but the docstring says None counts as inference: a plain call updates the moving statistics and uses batch statistics.', """
        class BatchNorm(keras.layers.Layer):

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
                training = training is not False
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_moving_mean_starts_at_one', 'moving_mean is initialized with ones (copy-paste of moving_variance) instead of zeros as the docstring requires.', """
        class BatchNorm(keras.layers.Layer):

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                c = input_shape[-1]
                self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones", trainable=True)
                self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer="ones", trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=(c,), initializer="ones", trainable=False)

            def call(self, x, training=None):
                training = bool(training)
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_gamma_beta_init_swapped', 'gamma starts at zeros and beta at ones (initializers swapped), so the fresh layer outputs a constant 1 instead of the standardized input.', """
        class BatchNorm(keras.layers.Layer):

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                c = input_shape[-1]
                self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="zeros", trainable=True)
                self.beta = self.add_weight(name="beta", shape=(c,), initializer="ones", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer="zeros", trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=(c,), initializer="ones", trainable=False)

            def call(self, x, training=None):
                training = bool(training)
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_ignores_momentum_eps', 'Stores momentum and eps but calls batch_norm without them, so the defaults 0.99 and 1e-3 are used whatever the layer was constructed with.', """
        class BatchNorm(keras.layers.Layer):

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
                if training:
                    y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance, True)
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                    return y
                y, _, _ = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance, False)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_epsilon_attribute_name', "Stores eps under the attribute name `epsilon` (Keras' name) although the docstring fixes the attribute names momentum and eps.", """
        class BatchNorm(keras.layers.Layer):

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.epsilon = eps

            def build(self, input_shape):
                c = input_shape[-1]
                self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones", trainable=True)
                self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer="zeros", trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=(c,), initializer="ones", trainable=False)

            def call(self, x, training=None):
                training = bool(training)
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  training, self.momentum, self.epsilon)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_weights_shape_input_shape_rest', 'Creates the weights with shape input_shape[1:], which is (channels,) only for 2-D input; for (N, H, W, C) images the weights get shape (H, W, C) and the per-channel statistics cannot be stored.', """
        class BatchNorm(keras.layers.Layer):

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                shape = tuple(input_shape[1:])
                self.gamma = self.add_weight(name="gamma", shape=shape, initializer="ones", trainable=True)
                self.beta = self.add_weight(name="beta", shape=shape, initializer="zeros", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=shape, initializer="zeros", trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=shape, initializer="ones", trainable=False)

            def call(self, x, training=None):
                training = bool(training)
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_channels_from_axis_1', 'Takes the number of channels from input_shape[1] instead of input_shape[-1]: right for (N, D) but for channels-last images it uses the height.', """
        class BatchNorm(keras.layers.Layer):

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                channels = input_shape[1]
                self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer="ones", trainable=True)
                self.beta = self.add_weight(name="beta", shape=(channels,), initializer="zeros", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=(channels,), initializer="zeros",
                                                   trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=(channels,), initializer="ones",
                                                       trainable=False)

            def call(self, x, training=None):
                training = bool(training)
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_weights_forced_float32', "Creates every weight with dtype='float32' explicitly, so the layer breaks (or silently downcasts) when constructed with dtype='float64', which the notebook says must work.", """
        class BatchNorm(keras.layers.Layer):

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                c = input_shape[-1]
                self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones", dtype="float32", trainable=True)
                self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros", dtype="float32", trainable=True)
                self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer="zeros", dtype="float32",
                                                   trainable=False)
                self.moving_variance = self.add_weight(name="moving_variance", shape=(c,), initializer="ones",
                                                       dtype="float32", trainable=False)

            def call(self, x, training=None):
                training = bool(training)
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(new_mean)
                    self.moving_variance.assign(new_var)
                return y
    """),
    Bug('batchnorm_layer', 'blind4_call_uses_tf_nn_batch_normalization', "call normalizes with tf.nn.moments + tf.nn.batch_normalization instead of the student's own batch_norm, which the notebook asks the layer to call.", """
        class BatchNorm(keras.layers.Layer):

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
                axes = list(range(len(x.shape) - 1))
                if training:
                    mean, var = tf.nn.moments(x, axes=axes)
                    self.moving_mean.assign(self.momentum * self.moving_mean + (1 - self.momentum) * mean)
                    self.moving_variance.assign(self.momentum * self.moving_variance + (1 - self.momentum) * var)
                else:
                    mean, var = self.moving_mean, self.moving_variance
                return tf.nn.batch_normalization(x, mean, var, self.beta, self.gamma, self.eps)
    """),
    Bug('batchnorm_layer', 'blind4_weights_created_in_call', 'Builds nothing in build and creates the weights on the first call instead, so a layer that was only built has no gamma/beta/moving statistics (the docstring says build creates them).', """
        class BatchNorm(keras.layers.Layer):

            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                self.channels = input_shape[-1]

            def call(self, x, training=None):
                if not hasattr(self, "gamma"):
                    c = self.channels
                    self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones", trainable=True)
                    self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros", trainable=True)
                    self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer="zeros", trainable=False)
                    self.moving_variance = self.add_weight(name="moving_variance", shape=(c,), initializer="ones",
                                                           trainable=False)
                training = bool(training)
                y, m, v = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                     training, self.momentum, self.eps)
                if training:
                    self.moving_mean.assign(m)
                    self.moving_variance.assign(v)
                return y
    """),
    Alternative('batchnorm_layer', 'blind4_always_assign', 'Always assigns what batch_norm returns: in inference batch_norm returns the moving statistics unchanged, so the assignment is a no-op; initializers are given as keras.initializers objects.', """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = float(momentum)
                self.eps = float(eps)

            def build(self, input_shape):
                shape = (int(input_shape[-1]),)
                self.gamma = self.add_weight(shape=shape, initializer=keras.initializers.Ones(), trainable=True, name="gamma")
                self.beta = self.add_weight(shape=shape, initializer=keras.initializers.Zeros(), trainable=True, name="beta")
                self.moving_mean = self.add_weight(shape=shape, initializer=keras.initializers.Zeros(), trainable=False,
                                                   name="moving_mean")
                self.moving_variance = self.add_weight(shape=shape, initializer=keras.initializers.Ones(), trainable=False,
                                                       name="moving_variance")

            def call(self, x, training=None):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                                  bool(training), self.momentum, self.eps)
                self.moving_mean.assign(new_mean)
                self.moving_variance.assign(new_var)
                return y
    """),
    Alternative('batchnorm_layer', 'blind4_assign_sub_delta', 'Updates the moving weights with assign_sub(old - new) and builds the weights in a loop over (name, initializer, trainable); the stored values are the same as batch_norm returns.', """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum, self.eps = momentum, eps

            def build(self, input_shape):
                channels = input_shape[-1]
                for name, init, trainable in (("gamma", "ones", True), ("beta", "zeros", True),
                                              ("moving_mean", "zeros", False), ("moving_variance", "ones", False)):
                    setattr(self, name, self.add_weight(name=name, shape=(channels,), initializer=init,
                                                        trainable=trainable))

            def call(self, x, training=None):
                if not training:
                    return batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance, False,
                                      self.momentum, self.eps)[0]
                old_mean = tf.convert_to_tensor(self.moving_mean)
                old_var = tf.convert_to_tensor(self.moving_variance)
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, old_mean, old_var, True,
                                                  self.momentum, self.eps)
                self.moving_mean.assign(new_mean)
                self.moving_variance.assign(new_var)
                return y
    """),
    Alternative('batchnorm_layer', 'blind4_add_weight_dtype_variable_dtype', "Passes dtype=self.variable_dtype explicitly to add_weight (the layer's own variable dtype, float64 when dtype='float64') and reads the channel count with tf.TensorShape; otherwise the standard layer.", """
        class BatchNorm(keras.layers.Layer):
            def __init__(self, momentum=0.99, eps=1e-3, **kwargs):
                super().__init__(**kwargs)
                self.momentum = momentum
                self.eps = eps

            def build(self, input_shape):
                c = tf.TensorShape(input_shape)[-1]
                kw = dict(shape=(c,), dtype=self.variable_dtype)
                self.gamma = self.add_weight(name="gamma", initializer="ones", trainable=True, **kw)
                self.beta = self.add_weight(name="beta", initializer="zeros", trainable=True, **kw)
                self.moving_mean = self.add_weight(name="moving_mean", initializer="zeros", trainable=False, **kw)
                self.moving_variance = self.add_weight(name="moving_variance", initializer="ones", trainable=False, **kw)

            def call(self, x, training=None):
                if training is None:
                    training = False
                out, mean, var = batch_norm(x, self.gamma, self.beta, self.moving_mean, self.moving_variance,
                                            bool(training), momentum=self.momentum, eps=self.eps)
                if training:
                    self.moving_mean.assign(mean)
                    self.moving_variance.assign(var)
                return out
    """),
    Bug('mlp_forward', 'blind4_bn_without_training_arg', 'Calls the BN layers without training=training, so when mlp_forward is called directly (outside a model call that propagates it) BN always runs in inference mode.', """
        def mlp_forward(model, x, training):
            h = x
            for i, layer in enumerate(model.hidden_layers):
                h = layer(h)
                if model.norms is not None:
                    h = model.norms[i](h)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug('mlp_forward', 'blind4_relu_hardcoded', 'Applies tf.nn.relu instead of model.activation, so sigmoid networks silently become ReLU networks.', """
        def mlp_forward(model, x, training):
            h = x
            for i, layer in enumerate(model.hidden_layers):
                h = layer(h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = tf.nn.relu(h)
            return model.output_layer(h)
    """),
    Bug('mlp_forward', 'blind4_same_norm_every_layer', 'Forgets to advance the index of the BN layer, so model.norms[0] normalizes every hidden layer and the other BN layers (and their gamma, beta, moving statistics) are never used.', """
        def mlp_forward(model, x, training):
            h = x
            i = 0
            for layer in model.hidden_layers:
                h = layer(h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug('mlp_forward', 'blind4_bn_only_when_training', "Skips BN entirely in inference ('BN is a training trick'), instead of normalizing with the moving statistics.", """
        def mlp_forward(model, x, training):
            h = x
            for i, layer in enumerate(model.hidden_layers):
                h = layer(h)
                if model.norms is not None and training:
                    h = model.norms[i](h, training=True)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug('mlp_forward', 'blind4_returns_numpy', 'Returns the logits as a NumPy array (.numpy()), which cuts the graph: the loss is no longer differentiable with respect to the weights.', """
        def mlp_forward(model, x, training):
            h = x
            for i in range(len(model.hidden_layers)):
                h = model.hidden_layers[i](h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = model.activation(h)
            return model.output_layer(h).numpy()
    """),
    Bug('mlp_forward', 'blind4_activation_before_bn', 'Applies the activation before BN (Dense -> activation -> BN), the opposite of the order the notebook fixes.', """
        def mlp_forward(model, x, training):
            h = x
            for i, layer in enumerate(model.hidden_layers):
                h = model.activation(layer(h))
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
            return model.output_layer(h)
    """),
    Bug('mlp_forward', 'blind4_training_bool_default_true', "Passes training=training or True to BN ('default to training'), which makes training=False behave as training: inference updates and uses batch statistics.", """
        def mlp_forward(model, x, training):
            training = training or True
            h = x
            for i, layer in enumerate(model.hidden_layers):
                h = layer(h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug('mlp_forward', 'blind4_activation_on_logits', 'Also applies the activation after the output layer, although the logits must come straight out of model.output_layer.', """
        def mlp_forward(model, x, training):
            h = x
            layers = list(model.hidden_layers) + [model.output_layer]
            for i, layer in enumerate(layers):
                h = layer(h)
                if model.norms is not None and i < len(model.norms):
                    h = model.norms[i](h, training=training)
                h = model.activation(h)
            return h
    """),
    Bug('mlp_forward', 'blind4_last_hidden_no_bn', 'Off-by-one: the last hidden layer gets no BN (the loop over norms stops one short, treating the last BN as belonging to the output).', """
        def mlp_forward(model, x, training):
            h = x
            depth = len(model.hidden_layers)
            for i in range(depth):
                h = model.hidden_layers[i](h)
                if model.norms is not None and i < depth - 1:
                    h = model.norms[i](h, training=training)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Alternative('mlp_forward', 'blind4_zip_with_identity_norms', 'Zips the dense layers with the BN layers, or with None placeholders when the model has no BN; same order of operations.', """
        def mlp_forward(model, x, training):
            norms = model.norms if model.norms is not None else [None] * len(model.hidden_layers)
            h = x
            for dense_layer, norm in zip(model.hidden_layers, norms):
                h = dense_layer(h)
                if norm is not None:
                    h = norm(h, training=training)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Alternative('mlp_forward', 'blind4_list_of_callables', 'Builds the list of callables (dense, BN with the training flag bound, activation) and folds the input through it with functools.reduce.', """
        import functools

        def mlp_forward(model, x, training):
            steps = []
            for i, dense_layer in enumerate(model.hidden_layers):
                steps.append(dense_layer)
                if model.norms is not None:
                    steps.append(functools.partial(model.norms[i], training=training))
                steps.append(model.activation)
            steps.append(model.output_layer)
            return functools.reduce(lambda h, f: f(h), steps, x)
    """),
    Alternative('mlp_forward', 'blind4_recursive', 'Recursive formulation over the layer index, passing the training flag down; with depth 0 hidden layers it reduces to the output layer.', """
        def mlp_forward(model, x, training):
            def block(h, i):
                if i == len(model.hidden_layers):
                    return model.output_layer(h)
                h = model.hidden_layers[i](h)
                if model.norms is not None:
                    h = model.norms[i](h, training=training)
                return block(model.activation(h), i + 1)

            return block(x, 0)
    """),
    Bug('cross_entropy', 'blind4_global_max_shift', "Stabilizes with the maximum over the whole batch instead of each row's maximum, so a row whose logits are all far below the batch maximum underflows to log(0) and the loss becomes inf.", """
        def cross_entropy(logits, labels):
            m = tf.reduce_max(logits)
            lse = m + tf.math.log(tf.reduce_sum(tf.exp(logits - m), axis=1))
            picked = tf.reduce_sum(logits * tf.one_hot(labels, tf.shape(logits)[1]), axis=1)
            return tf.reduce_mean(lse - picked)
    """),
    Bug('cross_entropy', 'blind4_classes_from_labels', 'Takes the number of classes from the labels (max(labels) + 1) instead of the logits, so a batch whose labels do not include the last class gets a one-hot of the wrong width.', """
        def cross_entropy(logits, labels):
            num_classes = int(tf.reduce_max(labels)) + 1
            log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
            return -tf.reduce_mean(tf.reduce_sum(tf.one_hot(labels, num_classes) * log_probs, axis=1))
    """),
    Bug('cross_entropy', 'blind4_returns_numpy_scalar', 'Returns a NumPy scalar (.numpy()) instead of a tensor, so the loss is not differentiable with respect to the logits (the tape sees no connection).', """
        def cross_entropy(logits, labels):
            log_probs = tf.nn.log_softmax(logits, axis=1)
            picked = tf.gather(log_probs, labels, batch_dims=1)
            return (-tf.reduce_mean(picked)).numpy()
    """),
    Bug('cross_entropy', 'blind4_one_hot_float32_only', 'tf.one_hot without dtype is float32, so float64 logits make the product fail: the function only works for float32.', """
        def cross_entropy(logits, labels):
            log_probs = logits - tf.reduce_logsumexp(logits, axis=1, keepdims=True)
            one_hot = tf.one_hot(labels, logits.shape[-1])
            return -tf.reduce_mean(tf.reduce_sum(one_hot * log_probs, axis=1))
    """),
    Bug('cross_entropy', 'blind4_stop_gradient_logsumexp', "Wraps the log-sum-exp in tf.stop_gradient ('it is only a normalizer'): the value is right but the gradient misses the softmax term, so training follows the wrong direction.", """
        def cross_entropy(logits, labels):
            lse = tf.stop_gradient(tf.reduce_logsumexp(logits, axis=1))
            picked = tf.gather(logits, labels, batch_dims=1)
            return tf.reduce_mean(lse - picked)
    """),
    Bug('cross_entropy', 'blind4_log_softmax_epsilon', 'Computes log(softmax(z) + 1e-9): the epsilon avoids log(0) but caps the loss of a confidently wrong prediction at about 20.7 (and biases every value).', """
        def cross_entropy(logits, labels):
            probs = tf.nn.softmax(logits, axis=1)
            picked = tf.gather(probs, labels, batch_dims=1)
            return -tf.reduce_mean(tf.math.log(picked + 1e-9))
    """),
    Bug('cross_entropy', 'blind4_sum_not_mean', 'Sums the per-example losses instead of averaging them over the batch.', """
        def cross_entropy(logits, labels):
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            return tf.reduce_sum(losses)
    """),
    Bug('cross_entropy', 'blind4_clip_logits', "Clips the logits to [-50, 50] 'to avoid overflow' before a naive log-softmax, which changes the loss whenever a logit is beyond the clip (e.g. logit gaps above 100).", """
        def cross_entropy(logits, labels):
            z = tf.clip_by_value(logits, -50.0, 50.0)
            log_probs = z - tf.math.log(tf.reduce_sum(tf.exp(z), axis=1, keepdims=True))
            picked = tf.reduce_sum(log_probs * tf.one_hot(labels, tf.shape(z)[1], dtype=z.dtype), axis=1)
            return -tf.reduce_mean(picked)
    """),
    Alternative('cross_entropy', 'blind4_sparse_softmax_builtin', 'Uses tf.nn.sparse_softmax_cross_entropy_with_logits (per-example -log softmax at the label, computed stably) and its mean, which the notebook explicitly allows.', """
        def cross_entropy(logits, labels):
            per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(labels, tf.int64), logits=logits)
            return tf.reduce_mean(per_example)
    """),
    Alternative('cross_entropy', 'blind4_log_softmax_gather', "tf.nn.log_softmax along the class axis, then tf.gather(..., batch_dims=1) picks each row's label.", """
        def cross_entropy(logits, labels):
            log_probs = tf.nn.log_softmax(logits, axis=-1)
            return -tf.reduce_mean(tf.gather(log_probs, labels, batch_dims=1))
    """),
    Alternative('cross_entropy', 'blind4_manual_row_max_shift', "Writes the stable log-sum-exp by hand with each row's maximum (held constant with stop_gradient, which does not change the gradient) and picks the label entry with a one-hot in the logits' dtype.", """
        def cross_entropy(logits, labels):
            logits = tf.convert_to_tensor(logits)
            row_max = tf.stop_gradient(tf.reduce_max(logits, axis=1, keepdims=True))
            shifted = logits - row_max
            log_norm = tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=1))
            mask = tf.one_hot(labels, depth=tf.shape(logits)[1], dtype=logits.dtype)
            correct = tf.reduce_sum(shifted * mask, axis=1)
            return tf.reduce_mean(log_norm - correct)
    """),
    Alternative('cross_entropy', 'blind4_keras_ops_from_logits', "Keras' sparse_categorical_crossentropy with from_logits=True (per example, stable) averaged with tf.reduce_mean.", """
        def cross_entropy(logits, labels):
            per_example = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
            return tf.reduce_mean(per_example)
    """),
    Bug('sgd_epoch', 'blind4_drops_last_batch', 'Loops over n // batch_size full minibatches only, so the examples of a smaller last minibatch are never visited (the contract says the last minibatch may be smaller).', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = rng.permutation(n)
            losses = []
            for b in range(n // batch_size):
                idx = order[b * batch_size:(b + 1) * batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
                losses.append(float(loss))
            return float(np.mean(losses))
    """),
    Bug('sgd_epoch', 'blind4_weighted_mean_loss', 'Returns the per-example average (each minibatch loss weighted by its size), not the plain mean of the minibatch losses the docstring asks for.', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = rng.permutation(n)
            total = 0.0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
                total += float(loss) * len(idx)
            return total / n
    """),
    Bug('sgd_epoch', 'blind4_returns_last_loss', 'Returns the loss of the last minibatch instead of the mean of all minibatch losses.', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = rng.permutation(n)
            loss = None
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
            return float(loss)
    """),
    Bug('sgd_epoch', 'blind4_keras_sgd_optimizer', "Steps with keras.optimizers.SGD, which the notebook forbids ('Do not use keras.optimizers'), instead of assign_sub by hand.", """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            optimizer = keras.optimizers.SGD(learning_rate=lr)
            n = int(x.shape[0])
            order = rng.permutation(n)
            losses = []
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                losses.append(float(loss))
            return float(np.mean(losses))
    """),
    Bug('sgd_epoch', 'blind4_variables_read_before_build', 'Reads model.trainable_variables once before the loop; for a model whose weights are created on its first call that list is empty, so nothing is ever updated.', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            params = model.trainable_variables
            n = int(x.shape[0])
            order = rng.permutation(n)
            losses = []
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                for v, g in zip(params, tape.gradient(loss, params)):
                    v.assign_sub(lr * g)
                losses.append(float(loss))
            return sum(losses) / len(losses)
    """),
    Bug('sgd_epoch', 'blind4_logs_loss_with_second_training_pass', 'Logs each minibatch loss with a second forward pass in training mode after the step, which updates the BN moving statistics twice per minibatch (only extra passes in inference mode are allowed).', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = rng.permutation(n)
            losses = []
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                xb, yb = tf.gather(x, idx), tf.gather(y, idx)
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(xb, training=True), yb)
                grads = tape.gradient(loss, model.trainable_variables)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
                losses.append(float(loss_fn(model(xb, training=True), yb)))  # loss after the step
            return float(np.mean(losses))
    """),
    Bug('sgd_epoch', 'blind4_gradient_clipping', "Clips the gradients to global norm 5 'for stability', which is not plain SGD and changes every large step (and the stable-learning-rate experiment).", """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = rng.permutation(n)
            losses = []
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                grads, _ = tf.clip_by_global_norm(grads, 5.0)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
                losses.append(float(loss))
            return float(np.mean(losses))
    """),
    Bug('sgd_epoch', 'blind4_returns_numpy_float32', 'Returns np.mean of float32 NumPy losses, a numpy.float32 rather than the Python float the docstring promises.', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = rng.permutation(n)
            losses = []
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
                losses.append(loss.numpy())
            return np.mean(losses)
    """),
    Bug('sgd_epoch', 'blind4_no_training_flag', 'Calls the model without training=True, so BN normalizes with (and never updates) its moving statistics while the model learns.', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = rng.permutation(n)
            losses = []
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx)), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
                losses.append(float(loss))
            return float(np.mean(losses))
    """),
    Bug('sgd_epoch', 'blind4_global_numpy_shuffle', 'Shuffles with np.random.permutation (the global generator) instead of the rng argument, so the order ignores the given generator and runs are not reproducible from it.', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = np.random.permutation(n)
            losses = []
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for v, g in zip(model.trainable_variables, grads):
                    v.assign_sub(lr * g)
                losses.append(float(loss))
            return float(np.mean(losses))
    """),
    Alternative('sgd_epoch', 'blind4_shuffle_and_split', 'rng.shuffle of np.arange(n) (the same draw as rng.permutation(n)), np.split at multiples of batch_size, and variable.assign(variable - lr * grad).', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            order = np.arange(n)
            rng.shuffle(order)
            batch_losses = []
            for idx in np.split(order, np.arange(batch_size, n, batch_size)):
                x_batch, y_batch = tf.gather(x, idx), tf.gather(y, idx)
                with tf.GradientTape() as tape:
                    logits = model(x_batch, training=True)
                    loss = loss_fn(logits, y_batch)
                variables = model.trainable_variables
                for variable, grad in zip(variables, tape.gradient(loss, variables)):
                    variable.assign(variable - lr * grad)
                batch_losses.append(float(loss))
            return sum(batch_losses) / len(batch_losses)
    """),
    Alternative('sgd_epoch', 'blind4_tf_data_batches', 'Gathers the whole epoch in permuted order once and lets tf.data cut it into ordered minibatches (no shuffling in tf.data), accumulating the losses as a tensor sum.', """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            order = rng.permutation(int(x.shape[0]))
            dataset = tf.data.Dataset.from_tensor_slices((tf.gather(x, order), tf.gather(y, order))).batch(batch_size)
            total, count = 0.0, 0
            for x_batch, y_batch in dataset:
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(x_batch, training=True), y_batch)
                grads = tape.gradient(loss, model.trainable_variables)
                for variable, grad in zip(model.trainable_variables, grads):
                    variable.assign_sub(lr * grad)
                total += loss
                count += 1
            return float(total) / count
    """),
    Alternative('sgd_epoch', 'blind4_skip_none_grads_math_ceil', "Counts the minibatches with math.ceil, skips variables that get no gradient (None), casts lr to each variable's dtype and keeps an incremental running mean of the minibatch losses; the same updates and the same plain mean.", """
        def sgd_epoch(model, x, y, lr, batch_size, rng, loss_fn):
            n = int(x.shape[0])
            perm = rng.permutation(n)
            num_batches = math.ceil(n / batch_size)
            running = 0.0
            for b in range(num_batches):
                idx = perm[b * batch_size:min(n, (b + 1) * batch_size)]
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(tf.gather(x, idx), training=True), tf.gather(y, idx))
                grads = tape.gradient(loss, model.trainable_variables)
                for variable, grad in zip(model.trainable_variables, grads):
                    if grad is not None:
                        variable.assign_sub(tf.cast(lr, variable.dtype) * grad)
                running += (float(loss) - running) / (b + 1)   # running plain mean of the minibatch losses
            return float(running)
    """),
    Bug('smoothness_constant', 'blind4_centers_features', 'Centers the columns first (covariance matrix) instead of using X^T X / n: right only when every feature already has mean zero.', """
        def smoothness_constant(x):
            x = tf.convert_to_tensor(x)
            centered = x - tf.reduce_mean(x, axis=0)
            h = tf.matmul(centered, centered, transpose_a=True) / x.shape[0]
            return float(tf.reduce_max(tf.linalg.eigvalsh(h)))
    """),
    Bug('smoothness_constant', 'blind4_max_diagonal', 'Returns the largest diagonal entry of X^T X / n (the largest mean square of a feature), which equals the largest eigenvalue only when the features are orthogonal.', """
        def smoothness_constant(x):
            x = tf.convert_to_tensor(x)
            return float(tf.reduce_max(tf.reduce_mean(tf.square(x), axis=0)))
    """),
    Bug('smoothness_constant', 'blind4_power_iteration_10_steps', 'Power iteration with a fixed 10 steps: exact when one eigenvalue dominates (as in the check) but far from converged when the top eigenvalues are close.', """
        def smoothness_constant(x):
            x = tf.convert_to_tensor(x)
            h = tf.matmul(x, x, transpose_a=True) / x.shape[0]
            v = tf.ones((h.shape[0], 1), dtype=h.dtype)
            for _ in range(10):
                v = tf.matmul(h, v)
                v = v / tf.norm(v)
            return float(tf.squeeze(tf.matmul(v, tf.matmul(h, v), transpose_a=True)))
    """),
    Alternative('smoothness_constant', 'blind4_float32_computation', 'RECLASSIFIED (float32 arithmetic is within the contract; L differs by ~1e-7 relative, inside the 1e-6 the checks allow), written as a bug: Casts the input to float32 before forming X^T X / n, so float64 input only gets about 7 significant digits.', """
        def smoothness_constant(x):
            x = tf.cast(x, tf.float32)
            h = tf.matmul(x, x, transpose_a=True) / x.shape[0]
            return float(tf.linalg.eigvalsh(h)[-1])
    """),
    Bug('smoothness_constant', 'blind4_numpy_scalar_return', 'Returns .numpy() of the maximum: a numpy.float64 (a float subclass) for float64 input but a numpy.float32, not a Python float, for float32 input.', """
        def smoothness_constant(x):
            h = tf.matmul(x, x, transpose_a=True) / x.shape[0]
            return tf.reduce_max(tf.linalg.eigvalsh(h)).numpy()
    """),
    Bug('smoothness_constant', 'blind4_infinity_norm_bound', 'Returns the infinity norm of X^T X / n (largest absolute row sum), an upper bound on the largest eigenvalue that is exact only for diagonal matrices.', """
        def smoothness_constant(x):
            h = tf.matmul(x, x, transpose_a=True) / x.shape[0]
            return float(tf.reduce_max(tf.reduce_sum(tf.abs(h), axis=1)))
    """),
    Bug('smoothness_constant', 'blind4_divides_by_n_minus_1', 'Divides by n - 1 (sample covariance habit) instead of n.', """
        def smoothness_constant(x):
            n = x.shape[0]
            h = tf.matmul(x, x, transpose_a=True) / (n - 1)
            return float(tf.reduce_max(tf.linalg.eigvalsh(h)))
    """),
    Bug('smoothness_constant', 'blind4_divides_by_columns', 'Divides X^T X by the number of columns d instead of the number of rows n (x.shape[1] instead of x.shape[0]); right only when n == d.', """
        def smoothness_constant(x):
            n, d = x.shape
            h = tf.matmul(tf.transpose(x), x) / d
            return float(tf.reduce_max(tf.linalg.eigvalsh(h)))
    """),
    Bug('smoothness_constant', 'blind4_eigvalsh_first_entry', 'Takes eigvalsh(...)[0], the smallest eigenvalue (eigvalsh sorts in ascending order), instead of the largest.', """
        def smoothness_constant(x):
            h = tf.matmul(x, x, transpose_a=True) / x.shape[0]
            return float(tf.linalg.eigvalsh(h)[0])
    """),
    Alternative('smoothness_constant', 'blind4_svd', "The largest eigenvalue of X^T X / n is the square of X's largest singular value divided by n; uses tf.linalg.svd (compute_uv=False).", """
        def smoothness_constant(x):
            x = tf.convert_to_tensor(x)
            s = tf.linalg.svd(x, compute_uv=False)
            return float(tf.reduce_max(s)) ** 2 / int(x.shape[0])
    """),
    Alternative('smoothness_constant', 'blind4_gram_matrix', 'Uses the n x n Gram matrix X X^T / n, which has the same non-zero eigenvalues as X^T X / n.', """
        def smoothness_constant(x):
            x = tf.convert_to_tensor(x)
            gram = tf.matmul(x, x, transpose_b=True) / tf.cast(tf.shape(x)[0], x.dtype)
            return float(tf.reduce_max(tf.linalg.eigvalsh(gram)))
    """),
    Alternative('smoothness_constant', 'blind4_numpy_float64', 'Converts to a float64 NumPy array and uses np.linalg.eigvalsh on X^T X / n, taking the last (largest) eigenvalue.', """
        def smoothness_constant(x):
            a = np.asarray(x, dtype=np.float64)
            return float(np.linalg.eigvalsh(a.T @ a / a.shape[0])[-1])
    """),
    Alternative('smoothness_constant', 'blind4_spectral_norm', 'L = ||X||_2^2 / n with the matrix 2-norm (largest singular value) from tf.norm(ord=2, axis=[-2, -1]).', """
        def smoothness_constant(x):
            x = tf.convert_to_tensor(x)
            return float(tf.norm(x, ord=2, axis=[-2, -1])) ** 2 / x.shape[0]
    """),
]
