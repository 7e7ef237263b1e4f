"""Round-4 blind entries for batchnorm_torch (issue 25), as the tester wrote them (see the package's docstring)."""
from instructor_only.catalogue import Alternative, Bug

ENTRIES = [
    # ------------------------------------------------------------------ batch_norm
    Bug("batch_norm", "blind4_unbiased_count_batch_only", "For 4-D input the N/(N-1) correction of running_var uses the batch size N instead of the N*H*W values averaged per channel, so the stored variance is wrong for images.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            if x.dim() == 4:
                dims, shape = (0, 2, 3), (1, -1, 1, 1)
            else:
                dims, shape = (0,), (1, -1)
            if training:
                mean = x.mean(dim=dims)
                var = x.var(dim=dims, unbiased=False)
                n = x.shape[0]
                new_running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
                new_running_var = (1 - momentum) * running_var + momentum * var.detach() * n / (n - 1)
            else:
                mean, var = running_mean, running_var
                new_running_mean, new_running_var = running_mean, running_var
            x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_running_mean, new_running_var
    """),
    Bug("batch_norm", "blind4_momentum_hardcoded", "The running-statistics update hardcodes 0.1 instead of using the momentum argument, so any non-default momentum is ignored.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if not training:
                y = (x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape) + eps)
                return gamma.reshape(shape) * y + beta.reshape(shape), running_mean, running_var
            mu = x.mean(dim=dims, keepdim=True)
            var = ((x - mu) ** 2).mean(dim=dims, keepdim=True)
            y = gamma.reshape(shape) * (x - mu) / torch.sqrt(var + eps) + beta.reshape(shape)
            n = x.numel() / x.shape[1]
            mu, var = mu.detach().flatten(), var.detach().flatten()
            new_mean = 0.9 * running_mean + 0.1 * mu
            new_var = 0.9 * running_var + 0.1 * var * n / (n - 1)
            return y, new_mean, new_var
    """),
    Bug("batch_norm", "blind4_eps_hardcoded", "Uses a literal 1e-5 instead of the eps argument, so a caller's eps (e.g. Keras-like 1e-3) is silently ignored.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean = x.mean(dim=dims)
                var = x.var(dim=dims, unbiased=False)
                with torch.no_grad():
                    unbiased = x.var(dim=dims, unbiased=True)
                    new_mean = (1 - momentum) * running_mean + momentum * mean
                    new_var = (1 - momentum) * running_var + momentum * unbiased
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + 1e-5)
            return y * gamma.reshape(shape) + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "blind4_stats_keep_autograd_history", "The new running statistics are computed from the batch mean/variance without detaching, so they carry autograd history (and requires_grad) whenever x does, against the docstring.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean = x.mean(dim=dims)
                var = x.var(dim=dims, unbiased=False)
                n = x.numel() // x.shape[1]
                new_mean = (1 - momentum) * running_mean + momentum * mean
                new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
            return gamma.view(shape) * y + beta.view(shape), new_mean, new_var
    """),
    Bug("batch_norm", "blind4_batch_stats_detached_in_y", "Detaches the batch mean and variance before normalizing (to keep history out of the running stats), so no gradient flows through mu and sigma^2 and the gradient with respect to x is wrong.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean = x.detach().mean(dim=dims)
                var = x.detach().var(dim=dims, unbiased=False)
                n = x.numel() // x.shape[1]
                new_mean = (1 - momentum) * running_mean + momentum * mean
                new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
            return gamma.view(shape) * y + beta.view(shape), new_mean, new_var
    """),
    Bug("batch_norm", "blind4_eval_path_not_reshaped_4d", "Only the training path reshapes the per-channel statistics; in inference the (C,) running statistics broadcast against the last axis, so 4-D input crashes or (when W == C) is normalized along the wrong axis.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean = x.mean(dim=dims)
                var = x.var(dim=dims, unbiased=False)
                n = x.numel() // x.shape[1]
                with torch.no_grad():
                    new_mean = (1 - momentum) * running_mean + momentum * mean
                    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
                x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
                return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_mean, new_var
            x_hat = (x - running_mean) / torch.sqrt(running_var + eps)
            return gamma.reshape(shape) * x_hat + beta.reshape(shape), running_mean, running_var
    """),
    Bug("batch_norm", "blind4_eval_ignores_gamma_beta", "The inference branch returns the plain standardized input and forgets the learned scale gamma and shift beta, so a trained layer behaves differently in eval mode.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if not training:
                x_hat = (x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape) + eps)
                return x_hat, running_mean, running_var
            mean = x.mean(dim=dims)
            var = x.var(dim=dims, unbiased=False)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                new_mean = (1 - momentum) * running_mean + momentum * mean
                new_var = (1 - momentum) * running_var + momentum * var * (n / (n - 1))
            x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "blind4_variance_as_mean_sq_minus_sq_mean", "Computes the variance as E[x^2] - E[x]^2, which cancels catastrophically in float32 when a feature's mean is large relative to its spread (features with mean ~1000 get a badly wrong or even negative variance).", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                n = x.numel() // x.shape[1]
                mean = x.mean(dim=dims)
                var = (x * x).mean(dim=dims) - mean * mean
                new_mean = ((1 - momentum) * running_mean + momentum * mean).detach()
                new_var = ((1 - momentum) * running_var + momentum * var * n / (n - 1)).detach()
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = (x - mean.reshape(shape)) * torch.rsqrt(var.reshape(shape) + eps)
            return y * gamma.reshape(shape) + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "blind4_calls_builtin_batch_norm", "Delegates to PyTorch's F.batch_norm on cloned running statistics; the numbers are right but the notebook requires tensor arithmetic only and forbids the built-in batch norm.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            new_mean = running_mean.clone()
            new_var = running_var.clone()
            y = F.batch_norm(x, new_mean, new_var, weight=gamma, bias=beta, training=training,
                             momentum=momentum, eps=eps)
            return y, new_mean, new_var
    """),
    Bug("batch_norm", "blind4_eps_outside_sqrt_training", "In training mode divides by sqrt(var) + eps instead of sqrt(var + eps); indistinguishable for unit-variance features but clearly wrong for features with small batch variance.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            g, b = gamma.reshape(shape), beta.reshape(shape)
            if not training:
                y = g * (x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape) + eps) + b
                return y, running_mean.clone(), running_var.clone()
            mean = x.mean(dim=dims, keepdim=True)
            std = x.std(dim=dims, keepdim=True, unbiased=False)
            y = g * (x - mean) / (std + eps) + b
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                new_mean = (1 - momentum) * running_mean + momentum * mean.flatten()
                new_var = (1 - momentum) * running_var + momentum * std.flatten() ** 2 * n / (n - 1)
            return y, new_mean, new_var
    """),
    Alternative("batch_norm", "blind4_channels_last_flatten", "Moves the channel axis last and flattens to (M, C), runs the 2-D computation with torch.var (unbiased=True for the stored statistic), then restores the layout; equivalent for 2-D and 4-D input.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            if x.dim() == 4:
                n, c, h, w = x.shape
                flat = x.permute(0, 2, 3, 1).reshape(-1, c)
            else:
                flat = x
            if training:
                mean = flat.mean(dim=0)
                var = flat.var(dim=0, unbiased=False)
                unbiased = flat.detach().var(dim=0, unbiased=True)
                new_mean = (1 - momentum) * running_mean + momentum * mean.detach()
                new_var = (1 - momentum) * running_var + momentum * unbiased
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = (flat - mean) / torch.sqrt(var + eps) * gamma + beta
            if x.dim() == 4:
                y = y.reshape(n, h, w, c).permute(0, 3, 1, 2)
            return y, new_mean, new_var
    """),
    Alternative("batch_norm", "blind4_var_mean_lerp", "Uses torch.var_mean with correction=0, torch.rsqrt, and torch.lerp for the momentum update (lerp(old, new, m) = old + m*(new - old)) inside torch.no_grad; same maths, different API.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dims = tuple(d for d in range(x.dim()) if d != 1)
            view = [1] * x.dim()
            view[1] = -1
            if training:
                var, mean = torch.var_mean(x, dim=dims, correction=0)
                count = x.numel() // x.shape[1]
                with torch.no_grad():
                    new_mean = torch.lerp(running_mean, mean, momentum)
                    new_var = torch.lerp(running_var, var * (count / (count - 1)), momentum)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.detach().clone(), running_var.detach().clone()
            scale = gamma * torch.rsqrt(var + eps)
            shift = beta - mean * scale
            return x * scale.view(view) + shift.view(view), new_mean, new_var
    """),
    Alternative("batch_norm", "blind4_loop_over_channels", "Normalizes one feature/channel at a time in a Python loop (x.select(1, c)) and stacks the results back on axis 1; slower but the same per-channel maths.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            outs, means, variances = [], [], []
            for c in range(x.shape[1]):
                xc = x.select(1, c)
                if training:
                    m = xc.mean()
                    v = ((xc - m) ** 2).mean()
                    k = xc.numel()
                    means.append((1 - momentum) * running_mean[c] + momentum * m.detach())
                    variances.append((1 - momentum) * running_var[c] + momentum * v.detach() * k / (k - 1))
                else:
                    m, v = running_mean[c], running_var[c]
                outs.append(gamma[c] * (xc - m) / torch.sqrt(v + eps) + beta[c])
            y = torch.stack(outs, dim=1)
            if training:
                return y, torch.stack(means), torch.stack(variances)
            return y, running_mean.clone(), running_var.clone()
    """),
    Alternative("batch_norm", "blind4_float64_internal", "Computes the statistics in float64 and casts the outputs back to x's dtype; more precise, same results, dtypes of y and the statistics preserved.", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            dtype = x.dtype
            shape = [1, -1] + [1] * (x.dim() - 2)
            dims = [0] + list(range(2, x.dim()))
            xd = x.double()
            if training:
                mean = xd.mean(dim=dims)
                centered = xd - mean.reshape(shape)
                var = (centered ** 2).mean(dim=dims)
                n = xd.numel() // xd.shape[1]
                new_mean = ((1 - momentum) * running_mean.double() + momentum * mean.detach()).to(running_mean.dtype)
                new_var = ((1 - momentum) * running_var.double()
                           + momentum * var.detach() * n / (n - 1)).to(running_var.dtype)
            else:
                centered = xd - running_mean.double().reshape(shape)
                var = running_var.double()
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = centered / torch.sqrt(var.reshape(shape) + eps) * gamma.double().reshape(shape) + beta.double().reshape(shape)
            return y.to(dtype), new_mean, new_var
    """),
]

ENTRIES += [
    # ------------------------------------------------------------------ batchnorm_layer
    Bug("batchnorm_layer", "blind4_buffers_not_persistent", "Registers the running statistics with persistent=False, so they are buffers but are missing from state_dict: a saved and reloaded model loses its inference statistics.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features), persistent=False)
                self.register_buffer("running_var", torch.ones(num_features), persistent=False)

            def forward(self, x):
                y, self.running_mean, self.running_var = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum, self.eps)
                return y
    """),
    Bug("batchnorm_layer", "blind4_forward_ignores_momentum_eps", "Stores momentum and eps but forward calls batch_norm without them, so the defaults 0.1 and 1e-5 are always used whatever the constructor was given.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                                  self.training)
                self.running_mean = new_mean
                self.running_var = new_var
                return y
    """),
    Bug("batchnorm_layer", "blind4_renamed_hyperparameter_attributes", "Keeps the hyperparameters as self.mom and self.epsilon instead of the attribute names momentum and eps that the docstring fixes.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.mom = momentum
                self.epsilon = eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, m, v = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                     self.training, momentum=self.mom, eps=self.epsilon)
                self.running_mean, self.running_var = m, v
                return y
    """),
    Bug("batchnorm_layer", "blind4_numpy_float64_state", "Builds gamma, beta and the buffers from numpy arrays, which makes them float64: float32 input then comes out as float64 and the next float32 Linear layer fails.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.from_numpy(np.ones(num_features)))
                self.beta = nn.Parameter(torch.from_numpy(np.zeros(num_features)))
                self.register_buffer("running_mean", torch.from_numpy(np.zeros(num_features)))
                self.register_buffer("running_var", torch.from_numpy(np.ones(num_features)))

            def forward(self, x):
                y, m, v = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var, self.training,
                                     self.momentum, self.eps)
                self.running_mean, self.running_var = m, v
                return y
    """),
    Bug("batchnorm_layer", "blind4_forward_uses_builtin_functional", "forward calls F.batch_norm on the buffers instead of the student's own batch_norm, which the section explicitly asks the module to wrap.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                return F.batch_norm(x, self.running_mean, self.running_var, self.gamma, self.beta,
                                    self.training, self.momentum, self.eps)
    """),
    Bug("batchnorm_layer", "blind4_gamma_uninitialized", "Creates gamma with torch.Tensor(num_features), i.e. uninitialized memory, instead of starting it at 1.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.Tensor(num_features))
                self.beta = nn.Parameter(torch.Tensor(num_features).zero_())
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, m, v = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var, self.training,
                                     self.momentum, self.eps)
                self.running_mean, self.running_var = m, v
                return y
    """),
    Bug("batchnorm_layer", "blind4_beta_starts_at_one", "Copy-paste slip: beta is initialized with torch.ones, so a fresh layer shifts every feature by 1 instead of starting at 0.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.ones(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, m, v = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var, self.training,
                                     self.momentum, self.eps)
                self.running_mean, self.running_var = m, v
                return y
    """),
    Bug("batchnorm_layer", "blind4_parameters_shaped_row", "gamma and beta get shape (1, num_features) (to broadcast over the batch) instead of the documented (num_features,), unlike nn.BatchNorm1d's weight/bias and the docstring.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.ones(1, num_features))
                self.beta = nn.Parameter(torch.zeros(1, num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, m, v = batch_norm(x, self.gamma.flatten(), self.beta.flatten(), self.running_mean,
                                     self.running_var, self.training, self.momentum, self.eps)
                self.running_mean, self.running_var = m, v
                return y
    """),
    Bug("batchnorm_layer", "blind4_params_passed_as_data", "forward hands gamma.data and beta.data to batch_norm, so the output has no autograd link to the parameters and gamma/beta are never learned.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, m, v = batch_norm(x, self.gamma.data, self.beta.data, self.running_mean, self.running_var,
                                     self.training, self.momentum, self.eps)
                self.running_mean, self.running_var = m, v
                return y
    """),
    Alternative("batchnorm_layer", "blind4_copy_into_buffers", "Updates the registered buffers in place with copy_ under torch.no_grad (buffers keep their identity, so optimizers, hooks and state_dict see the same tensors).", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = float(momentum)
                self.eps = float(eps)
                self.gamma = nn.Parameter(torch.full((num_features,), 1.0))
                self.beta = nn.Parameter(torch.full((num_features,), 0.0))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                                  training=self.training, momentum=self.momentum, eps=self.eps)
                if self.training:
                    with torch.no_grad():
                        self.running_mean.copy_(new_mean)
                        self.running_var.copy_(new_var)
                return y
    """),
    Alternative("batchnorm_layer", "blind4_register_parameter_api", "Uses register_parameter / register_buffer explicitly and nn.init.ones_/zeros_ on empty tensors; forward reassigns the buffers with setattr, which nn.Module routes to the buffer dict.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.num_features = num_features
                self.momentum = momentum
                self.eps = eps
                self.register_parameter("gamma", nn.Parameter(torch.empty(num_features)))
                self.register_parameter("beta", nn.Parameter(torch.empty(num_features)))
                nn.init.ones_(self.gamma)
                nn.init.zeros_(self.beta)
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                out = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var, self.training,
                                 self.momentum, self.eps)
                for name, value in zip(("running_mean", "running_var"), out[1:]):
                    setattr(self, name, value.detach())
                return out[0]
    """),
    Alternative("batchnorm_layer", "blind4_data_assignment", "Stores the returned statistics with buffer.data = new (no autograd involvement, buffer object kept); creates the state with ones/zeros on the default dtype.", """
        class BatchNorm(nn.Module):
            \"\"\"Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.\"\"\"

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                                  self.training, self.momentum, self.eps)
                self.running_mean.data = new_mean.detach()
                self.running_var.data = new_var.detach()
                return y
    """),
]

ENTRIES += [
    # ------------------------------------------------------------------ mlp_forward
    Bug("mlp_forward", "blind4_hardcoded_relu", "Always applies torch.relu instead of model.activation, so sigmoid MLPs silently become ReLU MLPs (the saturation experiment is then meaningless).", """
        def mlp_forward(model, x):
            h = x
            for i, layer in enumerate(model.hidden_layers):
                h = layer(h)
                if model.norms is not None:
                    h = model.norms[i](h)
                h = torch.relu(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "blind4_relu_only_in_bn_branch", "The BN branch hardcodes F.relu while the plain branch uses model.activation, so sigmoid networks with BN are wrong.", """
        def mlp_forward(model, x):
            h = x
            if model.norms is None:
                for linear in model.hidden_layers:
                    h = model.activation(linear(h))
            else:
                for linear, norm in zip(model.hidden_layers, model.norms):
                    h = F.relu(norm(linear(h)))
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "blind4_one_shared_norm", "Uses model.norms[0] after every hidden layer instead of model.norms[i]: identical for a fresh model in training mode, but the other BN layers are never trained or updated and eval mode uses the wrong statistics.", """
        def mlp_forward(model, x):
            norm = model.norms[0] if model.norms is not None else None
            h = x
            for linear in model.hidden_layers:
                h = linear(h)
                if norm is not None:
                    h = norm(h)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "blind4_norm_index_off_by_one", "Uses model.norms[i - 1] after hidden layer i, so the first layer goes through the last BN layer and every other BN layer normalizes the wrong layer (invisible on a fresh model in training mode, wrong once the BN layers are trained or in eval).", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if model.norms is not None:
                    h = model.norms[i - 1](h)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "blind4_skip_bn_in_eval", "Applies BN only while model.training, thinking BN is a training-time trick, so inference drops the normalization instead of using the running statistics.", """
        def mlp_forward(model, x):
            h = x
            for i in range(len(model.hidden_layers)):
                h = model.hidden_layers[i](h)
                if model.norms is not None and model.training:
                    h = model.norms[i](h)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "blind4_manual_eval_normalization", "In eval mode normalizes by hand with the running statistics but without the BN layer's gamma/beta (and eps), which is only right for an untrained BN layer.", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if model.norms is not None:
                    norm = model.norms[i]
                    if model.training:
                        h = norm(h)
                    else:
                        h = (h - norm.running_mean) / torch.sqrt(norm.running_var)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "blind4_norm_under_no_grad", "Runs the BN layers inside torch.no_grad (to keep the running-statistics update out of autograd), which cuts the graph: no gradient reaches the BN parameters or any layer before the last BN.", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if model.norms is not None:
                    with torch.no_grad():
                        h = model.norms[i](h)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "blind4_functional_bn_with_model_mode", "Calls F.batch_norm on each norm's tensors with training=model.training and the default momentum/eps, ignoring the BN layer's own mode and hyper-parameters (wrong for frozen BN layers in eval mode inside a training model, or non-default momentum/eps).", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if model.norms is not None:
                    bn = model.norms[i]
                    h = F.batch_norm(h, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                                     training=model.training)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Alternative("mlp_forward", "blind4_identity_norms_zip", "Substitutes nn.Identity modules when model.norms is None and zips layers with norms; the same Linear -> BN -> activation order, with model.activation.", """
        def mlp_forward(model, x):
            norms = model.norms if model.norms is not None else [nn.Identity() for _ in model.hidden_layers]
            for linear, norm in zip(model.hidden_layers, norms):
                x = model.activation(norm(linear(x)))
            return model.output_layer(x)
    """),
    Alternative("mlp_forward", "blind4_sequential_on_the_fly", "Assembles an nn.Sequential of the model's own submodules (no copies, so parameters and BN buffers are shared) and calls it; Sequential inherits nothing odd since the submodules keep their own train/eval flags.", """
        def mlp_forward(model, x):
            layers = []
            for i, linear in enumerate(model.hidden_layers):
                layers.append(linear)
                if model.norms is not None:
                    layers.append(model.norms[i])
                layers.append(model.activation)
            layers.append(model.output_layer)
            return nn.Sequential(*layers)(x)
    """),
    Alternative("mlp_forward", "blind4_reduce_with_activation_name", "Folds over the layers with functools.reduce and picks the activation function from model.activation_name (torch.relu / torch.sigmoid), equivalent to model.activation.", """
        import functools

        def mlp_forward(model, x):
            act = {"relu": torch.relu, "sigmoid": torch.sigmoid}[model.activation_name]
            norms = list(model.norms) if model.norms is not None else [None] * len(model.hidden_layers)

            def block(h, pair):
                linear, norm = pair
                h = linear(h)
                return act(norm(h) if norm is not None else h)

            return model.output_layer(functools.reduce(block, zip(model.hidden_layers, norms), x))
    """),
]

ENTRIES += [
    # ------------------------------------------------------------------ cross_entropy
    Bug("cross_entropy", "blind4_global_max_shift", "Stabilizes with the single largest logit of the whole batch instead of each row's maximum, so a row whose logits are all far below the batch maximum underflows to log(0) = -inf (infinite loss).", """
        def cross_entropy(logits, labels):
            shifted = logits - logits.max()
            log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
            return -log_probs[torch.arange(len(labels)), labels].mean()
    """),
    Bug("cross_entropy", "blind4_one_hot_width_from_labels", "F.one_hot(labels) without num_classes takes its width from the largest label in the batch, so a batch missing the top classes crashes or (all labels 0) broadcasts a single column and returns a wrong loss.", """
        def cross_entropy(logits, labels):
            log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
            one_hot = F.one_hot(labels).to(logits.dtype)
            return -(one_hot * log_probs).sum(dim=1).mean()
    """),
    Bug("cross_entropy", "blind4_scipy_not_differentiable", "Computes the loss in numpy/scipy and wraps the number in a new tensor, which has no autograd link to the logits (backward fails or trains nothing).", """
        from scipy.special import logsumexp

        def cross_entropy(logits, labels):
            z = logits.detach().cpu().numpy()
            y = labels.cpu().numpy()
            losses = logsumexp(z, axis=1) - z[np.arange(len(y)), y]
            return torch.tensor(losses.mean(), dtype=logits.dtype)
    """),
    Bug("cross_entropy", "blind4_inplace_shift_mutates_logits", "Subtracts the row maximum in place (logits -= ...), which silently changes the caller's logits tensor (and fails on a leaf that requires grad).", """
        def cross_entropy(logits, labels):
            logits -= logits.max(dim=1, keepdim=True).values.detach()
            log_norm = torch.log(torch.exp(logits).sum(dim=1))
            return (log_norm - logits.gather(1, labels.unsqueeze(1)).squeeze(1)).mean()
    """),
    Alternative("cross_entropy", "blind4_float32_downcast", "RECLASSIFIED (float32 arithmetic is within the contract; the loss differs by ~1e-7 relative, inside the 1e-6 the checks allow), written as a bug: Casts the logits to float32 'for speed' before the computation, so float64 logits lose precision and the loss comes back as float32 instead of in the logits' dtype.", """
        def cross_entropy(logits, labels):
            z = logits.float()
            return (torch.logsumexp(z, dim=1) - z.gather(1, labels.view(-1, 1)).view(-1)).mean()
    """),
    Bug("cross_entropy", "blind4_detached_normalizer", "Detaches the log-sum-exp term as if it were a constant stabilizer: the loss value is right but its gradient lacks the softmax part (it is just -onehot/N), so training pushes all label logits up without bound.", """
        def cross_entropy(logits, labels):
            log_norm = torch.logsumexp(logits, dim=1, keepdim=True).detach()
            log_probs = logits - log_norm
            return -log_probs.gather(1, labels.unsqueeze(1)).mean()
    """),
    Alternative("cross_entropy", "blind4_log_softmax_nll", "torch.log_softmax along dim 1 followed by F.nll_loss (mean reduction): the same quantity, computed stably by PyTorch.", """
        def cross_entropy(logits, labels):
            return F.nll_loss(torch.log_softmax(logits, dim=1), labels)
    """),
    Alternative("cross_entropy", "blind4_manual_rowmax_detached", "Manual log-sum-exp with the per-row maximum detached (the shift cancels analytically, so gradients are unchanged) and the label logit picked by advanced indexing.", """
        def cross_entropy(logits, labels):
            m = logits.max(dim=1, keepdim=True).values.detach()
            shifted = logits - m
            lse = torch.log(torch.exp(shifted).sum(dim=1))
            picked = shifted[torch.arange(logits.shape[0]), labels]
            return (lse - picked).sum() / logits.shape[0]
    """),
    Alternative("cross_entropy", "blind4_one_hot_with_num_classes", "One-hot targets with num_classes=K taken from the logits and a per-row dot product with log-probabilities; float64-safe since the mask is cast to the logits' dtype.", """
        def cross_entropy(logits, labels):
            log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
            targets = F.one_hot(labels, num_classes=logits.shape[-1]).to(logits.dtype)
            return -(targets * log_probs).sum(dim=-1).mean()
    """),
    Alternative("cross_entropy", "blind4_builtin_f_cross_entropy", "PyTorch's F.cross_entropy with its default mean reduction, which the notebook explicitly allows.", """
        def cross_entropy(logits, labels):
            return F.cross_entropy(logits, labels)
    """),
]

ENTRIES += [
    # ------------------------------------------------------------------ sgd_epoch
    Bug("sgd_epoch", "blind4_size_weighted_mean_loss", "Returns the example-weighted mean (each minibatch loss times its size, over N) instead of the plain mean of the minibatch losses the docstring asks for; differs whenever the last minibatch is smaller.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            n = x.shape[0]
            perm = torch.randperm(n, generator=generator)
            total = 0.0
            for start in range(0, n, batch_size):
                idx = perm[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p -= lr * p.grad
                            p.grad.zero_()
                total += loss.item() * len(idx)
            return total / n
    """),
    Bug("sgd_epoch", "blind4_drops_last_partial_batch", "Loops over n // batch_size full minibatches only, so the remainder examples are never visited (and with batch_size > N there is no step at all and the mean divides by zero).", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            perm = torch.randperm(len(x), generator=generator)
            losses = []
            for b in range(len(x) // batch_size):
                idx = perm[b * batch_size:(b + 1) * batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                model.zero_grad()
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p -= lr * p.grad
                losses.append(loss.item())
            model.zero_grad()
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "blind4_numpy_scalar_return", "Returns np.mean(losses), a numpy.float64 rather than the Python float the docstring promises.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            order = torch.randperm(len(x), generator=generator)
            losses = []
            for batch in torch.split(order, batch_size):
                loss = loss_fn(model(x[batch]), y[batch])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                        p.grad = None
                losses.append(loss.item())
            return np.mean(losses)
    """),
    Bug("sgd_epoch", "blind4_crashes_on_frozen_parameters", "Updates every parameter without checking p.grad, so a model with frozen parameters (requires_grad=False, grad None) crashes with a TypeError.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            n = len(x)
            order = torch.randperm(n, generator=generator)
            losses = []
            for start in range(0, n, batch_size):
                batch = order[start:start + batch_size]
                loss = loss_fn(model(x[batch]), y[batch])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                        p.grad.zero_()
                losses.append(float(loss))
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "blind4_only_linear_layers_updated", "Updates only the weight and bias of nn.Linear submodules, so BN's gamma/beta, parameters owned directly by a custom module, or any other layer type are never trained.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            order = torch.randperm(len(x), generator=generator)
            params = [p for m in model.modules() if isinstance(m, nn.Linear) for p in (m.weight, m.bias)]
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                model.zero_grad()
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        p -= lr * p.grad
                losses.append(loss.item())
            model.zero_grad()
            return float(sum(losses) / len(losses))
    """),
    Bug("sgd_epoch", "blind4_uses_torch_optim", "Uses torch.optim.SGD for the update, which the notebook explicitly forbids (the update must be written by hand).", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            optimizer = torch.optim.SGD(model.parameters(), lr=lr)
            order = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            optimizer.zero_grad()
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "blind4_divides_by_fractional_batch_count", "Divides the summed minibatch losses by N / batch_size (a fractional batch count) instead of by the number of minibatches, so the returned mean is off whenever batch_size does not divide N.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            n = len(x)
            order = torch.randperm(n, generator=generator)
            running = 0.0
            for i in range(0, n, batch_size):
                idx = order[i:i + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                model.zero_grad()
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p -= lr * p.grad
                running += loss.item()
            model.zero_grad()
            return running / (n / batch_size)
    """),
    Bug("sgd_epoch", "blind4_eval_logging_leaves_eval_mode", "Logs a minibatch accuracy in eval mode after every step but never switches back to model.train(), so from the second minibatch on BN normalizes with running statistics and stops updating them.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            order = torch.randperm(len(x), generator=generator)
            losses, accs = [], []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                model.zero_grad()
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p -= lr * p.grad
                model.zero_grad()
                losses.append(loss.item())
                model.eval()
                with torch.no_grad():
                    accs.append((model(x[idx]).argmax(1) == y[idx]).float().mean().item())
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "blind4_generator_copied_same_order_each_epoch", "Shuffles with a fresh generator seeded from generator.initial_seed() instead of the generator itself, so the caller's generator never advances and every epoch visits the examples in the same order.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            g = torch.Generator().manual_seed(generator.initial_seed())
            order = torch.randperm(len(x), generator=g)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p -= lr * p.grad
                model.zero_grad()
                losses.append(loss.item())
            return sum(losses) / len(losses)
    """),
    Alternative("sgd_epoch", "blind4_split_and_add_alpha", "Splits the permutation with torch.split, updates with p.add_(p.grad, alpha=-lr) and sets p.grad = None after each step; returns float(statistics.fmean(...)).", """
        import statistics

        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            losses = []
            for idx in torch.split(torch.randperm(x.shape[0], generator=generator), batch_size):
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-lr)
                            p.grad = None
                losses.append(loss.item())
            return float(statistics.fmean(losses))
    """),
    Alternative("sgd_epoch", "blind4_autograd_grad_functional", "Computes the gradients with torch.autograd.grad over the trainable parameters (nothing accumulates in p.grad, so nothing needs clearing) and updates them under no_grad.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            params = [p for p in model.parameters() if p.requires_grad]
            perm = torch.randperm(len(x), generator=generator)
            total, count = 0.0, 0
            for start in range(0, len(x), batch_size):
                idx = perm[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                grads = torch.autograd.grad(loss, params, allow_unused=True)
                with torch.no_grad():
                    for p, g in zip(params, grads):
                        if g is not None:
                            p -= lr * g
                total += loss.item()
                count += 1
            return total / count
    """),
    Alternative("sgd_epoch", "blind4_ceil_batches_zero_before_backward", "Counts ceil(N / batch_size) minibatches explicitly, clears gradients both before each backward and after the last step (set_to_none), and averages with math.fsum; identical updates and a Python float.", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            n = len(x)
            order = torch.randperm(n, generator=generator)
            num_batches = math.ceil(n / batch_size)
            losses = []
            for b in range(num_batches):
                idx = order[b * batch_size:min(n, (b + 1) * batch_size)]
                model.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for name, p in model.named_parameters():
                        if p.grad is not None:
                            p.sub_(p.grad * lr)
                losses.append(float(loss.detach()))
            model.zero_grad(set_to_none=True)
            return math.fsum(losses) / num_batches
    """),
]

ENTRIES += [
    # ------------------------------------------------------------------ smoothness_constant
    Bug("smoothness_constant", "blind4_power_iteration_20_steps", "Estimates the top eigenvalue with 20 power-iteration steps from the all-ones vector, which converges only when the top eigenvalue is well separated; for close eigenvalues the result is noticeably too small.", """
        def smoothness_constant(x):
            h = x.T @ x / x.shape[0]
            v = torch.ones(h.shape[0], dtype=h.dtype)
            v = v / v.norm()
            for _ in range(20):
                w = h @ v
                v = w / w.norm()
            return float(v @ h @ v)
    """),
    Alternative("smoothness_constant", "blind4_float32_eigvalsh", "RECLASSIFIED (float32 arithmetic is within the contract; L differs by ~1e-7 relative, inside the 1e-6 the checks allow), written as a bug: Converts the data to float32 before forming X^T X / n, so float64 input loses about 9 digits and the returned L is only accurate to ~1e-7 relative.", """
        def smoothness_constant(x):
            x32 = x.float()
            h = x32.T @ x32 / x32.shape[0]
            return float(torch.linalg.eigvalsh(h)[-1])
    """),
    Bug("smoothness_constant", "blind4_numpy_scalar_return", "Returns numpy's max eigenvalue as numpy.float64 instead of a Python float.", """
        def smoothness_constant(x):
            a = x.detach().cpu().numpy()
            h = a.T @ a / a.shape[0]
            return np.linalg.eigvalsh(h).max()
    """),
    Bug("smoothness_constant", "blind4_max_diagonal_entry", "Returns the largest diagonal entry of X^T X / n (the largest mean squared feature), which equals the top eigenvalue only when the features are uncorrelated.", """
        def smoothness_constant(x):
            h = x.T @ x / len(x)
            return torch.diagonal(h).max().item()
    """),
    Bug("smoothness_constant", "blind4_gershgorin_row_sum", "Uses the maximum absolute row sum of H (its infinity norm, a Gershgorin upper bound) as if it were the largest eigenvalue; only exact for diagonal H.", """
        def smoothness_constant(x):
            h = x.T @ x / x.shape[0]
            return h.abs().sum(dim=1).max().item()
    """),
    Bug("smoothness_constant", "blind4_centers_features", "Centers the columns first (covariance instead of X^T X / n), which ignores the feature means: wrong for non-centered data such as raw pixels.", """
        def smoothness_constant(x):
            xc = x - x.mean(dim=0, keepdim=True)
            h = xc.T @ xc / x.shape[0]
            return torch.linalg.eigvalsh(h).max().item()
    """),
    Bug("smoothness_constant", "blind4_inplace_scaling_mutates_input", "Scales x in place by 1/sqrt(n) to get H = x^T x, which silently modifies the caller's tensor.", """
        def smoothness_constant(x):
            x /= math.sqrt(x.shape[0])
            return torch.linalg.svdvals(x)[0].item() ** 2
    """),
    Bug("smoothness_constant", "blind4_power_iteration_loose_stop", "Power iteration that stops as soon as the Rayleigh quotient changes by less than 1e-8 relative between steps; with nearly equal top eigenvalues that change is tiny long before convergence, so it stops early with a value that is too small.", """
        def smoothness_constant(x):
            h = x.T @ x / x.shape[0]
            v = torch.ones(h.shape[1], dtype=h.dtype) / math.sqrt(h.shape[1])
            lam = (v @ h @ v).item()
            for _ in range(10000):
                v = h @ v
                v = v / torch.linalg.norm(v)
                new = (v @ h @ v).item()
                if abs(new - lam) <= 1e-8 * abs(new):
                    return new
                lam = new
            return lam
    """),
    Alternative("smoothness_constant", "blind4_squared_top_singular_value", "L is the square of X's largest singular value over n (eigenvalues of X^T X are squared singular values of X); torch.linalg.svdvals is accurate and returns descending values.", """
        def smoothness_constant(x):
            return (torch.linalg.svdvals(x)[0] ** 2 / x.shape[0]).item()
    """),
    Alternative("smoothness_constant", "blind4_smaller_gram_matrix", "Uses whichever Gram matrix is smaller, X^T X (d x d) or X X^T (n x n): they share their non-zero eigenvalues, so the top one is the same.", """
        def smoothness_constant(x):
            n, d = x.shape
            gram = x.T @ x if d <= n else x @ x.T
            return float(torch.linalg.eigvalsh(gram / n).max())
    """),
    Alternative("smoothness_constant", "blind4_spectral_matrix_norm", "The spectral norm (ord=2) of the symmetric PSD matrix H equals its largest eigenvalue; computed in float64 whatever the input dtype.", """
        def smoothness_constant(x):
            xd = x.to(torch.float64)
            h = xd.T @ xd / xd.shape[0]
            return float(torch.linalg.matrix_norm(h, ord=2))
    """),
    Alternative("smoothness_constant", "blind4_numpy_eigh_float", "numpy.linalg.eigh on a float64 copy, with the top eigenvalue converted to a Python float.", """
        def smoothness_constant(x):
            a = x.detach().cpu().numpy().astype(np.float64)
            eigenvalues, _ = np.linalg.eigh(a.T @ a / a.shape[0])
            return float(eigenvalues[-1])
    """),
]
