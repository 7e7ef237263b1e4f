"""Bug catalogue and alternatives for the PyTorch batch-norm lab (assignment batchnorm_torch)."""
from instructor_only.catalogue import Alternative, Bug

_BN_HEAD = "def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):"

ENTRIES = [
    Bug("batch_norm", "unbiased_normalisation", "normalizes the batch with the unbiased variance (torch.var default)", f"""
        {_BN_HEAD}
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean, var = x.mean(dim=axes), x.var(dim=axes)
                with torch.no_grad():
                    new_mean = (1 - momentum) * running_mean + momentum * mean
                    new_var = (1 - momentum) * running_var + momentum * var
            else:
                mean, var, new_mean, new_var = running_mean, running_var, running_mean.clone(), running_var.clone()
            y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * y + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "batch_axis_only_for_images", "reduces over the batch axis only, also for (N, C, H, W) input", f"""
        {_BN_HEAD}
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean = x.mean(dim=0)
                var = x.var(dim=0, unbiased=False)
                n = x.shape[0]
                with torch.no_grad():
                    new_mean = (1 - momentum) * running_mean + momentum * mean.reshape(x.shape[1], -1).mean(1)
                    new_var = (1 - momentum) * running_var + momentum * var.reshape(x.shape[1], -1).mean(1) * n / (n - 1)
                y = (x - mean) / torch.sqrt(var + eps)
            else:
                new_mean, new_var = running_mean.clone(), running_var.clone()
                y = (x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape) + eps)
            return gamma.reshape(shape) * y + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "keras_momentum", "uses the Keras convention: momentum weights the OLD running value", f"""
        {_BN_HEAD}
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean, var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
                n = x.numel() // x.shape[1]
                with torch.no_grad():
                    new_mean = momentum * running_mean + (1 - momentum) * mean
                    new_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
            else:
                mean, var, new_mean, new_var = running_mean, running_var, running_mean.clone(), running_var.clone()
            y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * y + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "missing_square_root", "divides by the variance instead of the standard deviation", f"""
        {_BN_HEAD}
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean, var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
                n = x.numel() // x.shape[1]
                with torch.no_grad():
                    new_mean = (1 - momentum) * running_mean + momentum * mean
                    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var, new_mean, new_var = running_mean, running_var, running_mean.clone(), running_var.clone()
            y = (x - mean.reshape(shape)) / (var.reshape(shape) + eps)
            return gamma.reshape(shape) * y + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "stats_keep_history", "updates the running statistics without detaching them from autograd", f"""
        {_BN_HEAD}
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean, var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
                n = x.numel() // x.shape[1]
                new_mean = (1 - momentum) * running_mean + momentum * mean
                new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var, new_mean, new_var = running_mean, running_var, running_mean.clone(), running_var.clone()
            y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * y + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "updates_in_inference", "moves the running statistics in inference mode too", f"""
        {_BN_HEAD}
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            batch_mean, batch_var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                new_mean = (1 - momentum) * running_mean + momentum * batch_mean
                new_var = (1 - momentum) * running_var + momentum * batch_var * n / (n - 1)
            mean, var = (batch_mean, batch_var) if training else (running_mean, running_var)
            y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * y + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batch_norm", "calls_builtin", "calls F.batch_norm instead of writing it from scratch", f"""
        {_BN_HEAD}
            new_mean, new_var = running_mean.clone(), running_var.clone()
            y = F.batch_norm(x, new_mean, new_var, gamma, beta, training=training, momentum=momentum, eps=eps)
            return y, new_mean, new_var
    """),
    Alternative("batch_norm", "keepdim_reductions", "keepdim reductions and a manual Bessel factor", f"""
        {_BN_HEAD}
            dims = [d for d in range(x.dim()) if d != 1]
            if training:
                mean = x.mean(dim=dims, keepdim=True)
                var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
                count = x.numel() / x.shape[1]
                new_mean = ((1 - momentum) * running_mean + momentum * mean.flatten()).detach()
                new_var = ((1 - momentum) * running_var + momentum * var.flatten() * count / (count - 1)).detach()
            else:
                view = [1, -1] + [1] * (x.dim() - 2)
                mean, var = running_mean.view(view), running_var.view(view)
                new_mean, new_var = running_mean.detach().clone(), running_var.detach().clone()
            view = [1, -1] + [1] * (x.dim() - 2)
            return gamma.view(view) * (x - mean) * torch.rsqrt(var + eps) + beta.view(view), new_mean, new_var
    """),
    Alternative("batch_norm", "channels_last_reshape", "moves channels last and treats every position as a sample", f"""
        {_BN_HEAD}
            flat = x if x.dim() == 2 else x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])
            if training:
                mean, var = flat.mean(0), flat.var(0, unbiased=False)
                with torch.no_grad():
                    new_mean = torch.lerp(running_mean, mean, momentum)
                    new_var = torch.lerp(running_var, flat.var(0, unbiased=True), momentum)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            out = (flat - mean) / (var + eps).sqrt() * gamma + beta
            if x.dim() == 4:
                n, c, h, w = x.shape
                out = out.reshape(n, h, w, c).permute(0, 3, 1, 2)
            return out, new_mean, new_var
    """),

    Bug("batchnorm_layer", "running_var_starts_at_zero", "initialises running_var with zeros", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.zeros(num_features))

            def forward(self, x):
                y, self.running_mean, self.running_var = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum, self.eps)
                return y
    """),
    Bug("batchnorm_layer", "stats_as_parameters", "makes the running statistics nn.Parameters (trainable)", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.running_mean = nn.Parameter(torch.zeros(num_features), requires_grad=False)
                self.running_var = nn.Parameter(torch.ones(num_features), requires_grad=False)

            def forward(self, x):
                y, mean, var = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum, self.eps)
                self.running_mean.data, self.running_var.data = mean, var
                return y
    """),
    Bug("batchnorm_layer", "never_stores_statistics", "computes the new statistics but never stores them", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, _, _ = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum, self.eps)
                return y
    """),
    Bug("batchnorm_layer", "always_training", "passes training=True, ignoring eval mode", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, self.running_mean, self.running_var = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, True, self.momentum, self.eps)
                return y
    """),
    Alternative("batchnorm_layer", "copy_into_buffers", "updates the buffers in place with copy_", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.full((num_features,), 1.0))
                self.beta = nn.Parameter(torch.full((num_features,), 0.0))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, mean, var = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                          training=self.training, momentum=self.momentum, eps=self.eps)
                if self.training:
                    with torch.no_grad():
                        self.running_mean.copy_(mean)
                        self.running_var.copy_(var)
                return y
    """),
    Alternative("batchnorm_layer", "keyword_buffers", "register_buffer with persistent=True and keyword call", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.num_features, self.momentum, self.eps = num_features, momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features), persistent=True)
                self.register_buffer("running_var", torch.ones(num_features), persistent=True)

            def forward(self, x):
                out = batch_norm(x=x, gamma=self.gamma, beta=self.beta, running_mean=self.running_mean,
                                 running_var=self.running_var, training=self.training, momentum=self.momentum,
                                 eps=self.eps)
                y, self.running_mean, self.running_var = out
                return y
    """),

    Bug("mlp_forward", "bn_after_activation", "applies batch norm after the activation", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = model.activation(linear(h))
                if model.norms is not None:
                    h = model.norms[i](h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "activation_on_logits", "also applies the activation to the output layer", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if model.norms is not None:
                    h = model.norms[i](h)
                h = model.activation(h)
            return model.activation(model.output_layer(h))
    """),
    Bug("mlp_forward", "always_relu", "uses torch.relu whatever activation the model was built with", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if model.norms is not None:
                    h = model.norms[i](h)
                h = torch.relu(h)
            return model.output_layer(h)
    """),
    Bug("mlp_forward", "first_norm_only", "reuses the first batch-norm layer for every hidden layer", """
        def mlp_forward(model, x):
            h = x
            for linear in model.hidden_layers:
                h = linear(h)
                if model.norms is not None:
                    h = model.norms[0](h)
                h = model.activation(h)
            return model.output_layer(h)
    """),
    Alternative("mlp_forward", "zip_layers", "zips the layers with a list of norms or identities", """
        def mlp_forward(model, x):
            norms = model.norms if model.norms is not None else [nn.Identity()] * len(model.hidden_layers)
            for linear, norm in zip(model.hidden_layers, norms):
                x = model.activation(norm(linear(x)))
            return model.output_layer(x)
    """),
    Alternative("mlp_forward", "sequential_rebuild", "assembles an nn.Sequential on the fly", """
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

    Bug("cross_entropy", "summed", "sums over the batch instead of averaging", """
        def cross_entropy(logits, labels):
            log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
            return -log_probs[torch.arange(len(labels)), labels].sum()
    """),
    Bug("cross_entropy", "softmax_then_builtin", "feeds softmax probabilities to F.cross_entropy, which expects logits", """
        def cross_entropy(logits, labels):
            return F.cross_entropy(torch.softmax(logits, dim=1), labels)
    """),
    Bug("cross_entropy", "naive_log_softmax", "log(softmax) computed naively: overflows for large logits", """
        def cross_entropy(logits, labels):
            probs = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
            return -torch.log(probs[torch.arange(len(labels)), labels]).mean()
    """),
    Alternative("cross_entropy", "builtin", "F.cross_entropy", """
        def cross_entropy(logits, labels):
            return F.cross_entropy(logits, labels)
    """),
    Alternative("cross_entropy", "nll_of_log_softmax", "F.nll_loss of F.log_softmax", """
        def cross_entropy(logits, labels):
            return F.nll_loss(F.log_softmax(logits, dim=1), labels, reduction="mean")
    """),

    Bug("sgd_epoch", "ascends", "steps along the gradient instead of against it", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            order = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p += lr * p.grad
                        p.grad = None
                losses.append(loss.item())
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "gradients_never_cleared", "never clears the gradients, so they accumulate", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            order = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                losses.append(loss.item())
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "left_in_eval_mode", "never switches the model to training mode", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            order = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                        p.grad = None
                losses.append(loss.item())
            return sum(losses) / len(losses)
    """),
    Bug("sgd_epoch", "one_minibatch", "returns after the first minibatch (return inside the loop)", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                        p.grad = None
                return loss.item()
    """),
    Bug("sgd_epoch", "split_and_zero_",
        "RECLASSIFIED (issue 25: structure): torch.split of a permutation and p.add_(p.grad) on every parameter, which "
        "crashes on a model with a frozen layer (its parameters have no gradient)", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train(True)
            total, batches = 0.0, 0
            for idx in torch.randperm(x.shape[0], generator=generator).split(batch_size):
                model.zero_grad()
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p.add_(p.grad, alpha=-lr)
                total, batches = total + float(loss), batches + 1
            model.zero_grad()
            return total / batches
    """),
    Alternative("sgd_epoch", "autograd_grad", "torch.autograd.grad, so no .grad fields are ever filled", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            params = [p for p in model.parameters() if p.requires_grad]
            order = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                grads = torch.autograd.grad(loss, params)
                with torch.no_grad():
                    for p, g in zip(params, grads):
                        p.sub_(lr * g)
                losses.append(loss.item())
            return float(np.mean(losses))
    """),

    Bug("smoothness_constant", "forgets_n", "forgets to divide X^T X by n", """
        def smoothness_constant(x):
            return torch.linalg.eigvalsh(x.T @ x)[-1].item()
    """),
    Bug("smoothness_constant", "smallest_eigenvalue", "returns the smallest eigenvalue (eigvalsh sorts ascending)", """
        def smoothness_constant(x):
            return torch.linalg.eigvalsh(x.T @ x / x.shape[0])[0].item()
    """),
    Bug("smoothness_constant", "singular_value", "returns the largest singular value of X, not its square over n", """
        def smoothness_constant(x):
            return torch.linalg.svdvals(x)[0].item()
    """),
    Alternative("smoothness_constant", "svd_squared", "largest singular value squared, over n", """
        def smoothness_constant(x):
            return (torch.linalg.svdvals(x)[0] ** 2 / len(x)).item()
    """),
    Bug("smoothness_constant", "power_iteration",
        "RECLASSIFIED (issue 25: numerical method quality): power iteration until it settles, started from a vector "
        "of ones, settles on the second eigenvalue when the top eigenvector is orthogonal to that start", """
        def smoothness_constant(x):
            hessian = x.T @ x / x.shape[0]
            v = torch.ones(hessian.shape[0], dtype=hessian.dtype)
            value = 0.0
            for _ in range(10000):
                w = hessian @ v
                new_value = torch.linalg.vector_norm(w).item()
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
    Bug('batch_norm', 'running_stats_keep_autograd_history',
        "The running statistics are computed from the batch mean/var without detach/no_grad, so when x requires grad they carry autograd history, violating 'the running statistics are new tensors with no autograd history (gradients must flow into y only)'.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            if x.dim() == 2:
                dims, shape = (0,), (1, -1)
            else:
                dims, shape = (0, 2, 3), (1, -1, 1, 1)
            if training:
                mu = x.mean(dim=dims)
                var = x.var(dim=dims, unbiased=False)
                n = x.numel() / x.shape[1]
                new_running_mean = (1 - momentum) * running_mean + momentum * mu
                new_running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mu, var = running_mean, running_var
                new_running_mean, new_running_var = running_mean, running_var
            x_hat = (x - mu.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            y = gamma.reshape(shape) * x_hat + beta.reshape(shape)
            return y, new_running_mean, new_running_var
    '''),
    Bug('batch_norm', 'unbiased_correction_uses_batch_size_for_images',
        "For 4-D input the Bessel correction uses N/(N-1) (batch size only) instead of n = N*H*W, violating 'n is the number of values averaged per feature: ... N * H * W for images' and 'new_running_var uses the UNBIASED batch variance'.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            four_d = x.dim() == 4
            dims = (0, 2, 3) if four_d else 0
            view = (1, -1, 1, 1) if four_d else (1, -1)
            if training:
                mean = x.mean(dim=dims)
                var = ((x - mean.view(view)) ** 2).mean(dim=dims)
                N = x.shape[0]
                unbiased_var = var * N / (N - 1)
                new_mean = ((1 - momentum) * running_mean + momentum * mean).detach()
                new_var = ((1 - momentum) * running_var + momentum * unbiased_var).detach()
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = gamma.view(view) * (x - mean.view(view)) / torch.sqrt(var.view(view) + eps) + beta.view(view)
            return y, new_mean, new_var
    '''),
    Bug('batch_norm', 'eps_outside_sqrt',
        "Divides by sqrt(var) + eps instead of sqrt(var + eps), violating 'eps (float): added to the variance before the square root' (visible for small variances or large eps).", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            if x.dim() == 4:
                axes = [0, 2, 3]
                shp = (1, x.shape[1], 1, 1)
            else:
                axes = [0]
                shp = (1, x.shape[1])
            if training:
                mu = x.mean(dim=axes, keepdim=True)
                var = ((x - mu) ** 2).mean(dim=axes, keepdim=True)
                n = x.numel() // x.shape[1]
                with torch.no_grad():
                    new_mean = (1 - momentum) * running_mean + momentum * mu.flatten()
                    new_var = (1 - momentum) * running_var + momentum * var.flatten() * n / (n - 1)
            else:
                mu, var = running_mean.reshape(shp), running_var.reshape(shp)
                new_mean, new_var = running_mean, running_var
            y = (x - mu) / (torch.sqrt(var) + eps)
            return gamma.reshape(shp) * y + beta.reshape(shp), new_mean, new_var
    '''),
    Bug('batch_norm', 'momentum_hardcoded',
        "Uses a hard-coded 0.1 in the running-statistics update and ignores the momentum argument, violating 'momentum (float): weight of the NEW batch statistics in the update'.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            if x.dim() == 4:
                C = x.shape[1]
                flat = x.transpose(0, 1).reshape(C, -1).T   # (N*H*W, C)
            else:
                flat = x
            if training:
                mean = flat.mean(0)
                var = flat.var(0, unbiased=False)
                new_mean = 0.9 * running_mean + 0.1 * mean.detach()
                new_var = 0.9 * running_var + 0.1 * flat.var(0, unbiased=True).detach()
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean, running_var
            if x.dim() == 4:
                mean, var = mean[None, :, None, None], var[None, :, None, None]
                g, b = gamma[None, :, None, None], beta[None, :, None, None]
            else:
                g, b = gamma, beta
            y = g * (x - mean) / torch.sqrt(var + eps) + b
            return y, new_mean, new_var
    '''),
    Bug('batch_norm', 'gamma_beta_ignored_for_images',
        "The 4-D branch returns the standardized x_hat without applying gamma and beta, violating 'y = gamma * (x - mu)/sqrt(sigma^2 + eps) + beta per feature (per channel for 4-D input)'.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            if x.dim() == 2:
                if training:
                    mu = x.mean(0)
                    var = x.var(0, unbiased=False)
                    new_mean = (1 - momentum) * running_mean + momentum * mu.detach()
                    new_var = (1 - momentum) * running_var + momentum * x.var(0, unbiased=True).detach()
                else:
                    mu, var, new_mean, new_var = running_mean, running_var, running_mean, running_var
                return gamma * (x - mu) / torch.sqrt(var + eps) + beta, new_mean, new_var
            # images: one statistic per channel over (N, H, W)
            if training:
                mu = x.mean(dim=(0, 2, 3))
                var = x.var(dim=(0, 2, 3), unbiased=False)
                new_mean = (1 - momentum) * running_mean + momentum * mu.detach()
                new_var = (1 - momentum) * running_var + momentum * x.var(dim=(0, 2, 3), unbiased=True).detach()
            else:
                mu, var, new_mean, new_var = running_mean, running_var, running_mean, running_var
            x_hat = (x - mu[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + eps)
            return x_hat, new_mean, new_var
    '''),
    Alternative('batch_norm', 'channels_last_flatten_var_mean',
        'Moves the feature axis last and flattens to (n, C) with movedim/reshape, uses torch.var_mean with correction=0 and torch.rsqrt, and gets the unbiased variance by n/(n-1); running stats are computed under torch.no_grad(), and inference returns clones of the (unchanged) running stats.', '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            xc = x.movedim(1, -1)                 # (N, D) or (N, H, W, C): features last
            flat = xc.reshape(-1, xc.shape[-1])   # (n, C)
            if training:
                var, mean = torch.var_mean(flat, dim=0, correction=0)
                n = flat.shape[0]
                with torch.no_grad():
                    new_mean = running_mean + momentum * (mean - running_mean)
                    new_var = running_var + momentum * (var * (n / (n - 1)) - running_var)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            y = (xc - mean) * torch.rsqrt(var + eps) * gamma + beta
            return y.movedim(-1, 1), new_mean, new_var
    '''),
    Bug('batchnorm_layer', 'module_ignores_momentum_and_eps',
        "forward calls batch_norm without self.momentum/self.eps, so BatchNorm(C, momentum=0.3, eps=1e-3) behaves like the defaults, violating 'equivalent to nn.BatchNorm1d/2d' with its momentum/eps attributes.", '''
        class BatchNorm(nn.Module):
            """Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d."""

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))
                self.momentum = momentum
                self.eps = eps

            def forward(self, x):
                y, new_mean, new_var = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                                  self.training)
                self.running_mean = new_mean
                self.running_var = new_var
                return y
    '''),
    Bug('batchnorm_layer', 'non_persistent_buffers',
        "Registers the running statistics with persistent=False, so they are missing from state_dict(), violating 'buffers (self.register_buffer), which are saved with the model'.", '''
        class BatchNorm(nn.Module):
            """Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d."""

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                # statistics, not learned
                self.register_buffer("running_mean", torch.zeros(num_features), persistent=False)
                self.register_buffer("running_var", torch.ones(num_features), persistent=False)

            def forward(self, x):
                y, self.running_mean, self.running_var = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum, self.eps)
                return y
    '''),
    Alternative('batchnorm_layer', 'copy_into_buffers_in_place',
        'Keeps the same buffer tensors and copies the statistics batch_norm returns into them with copy_ under no_grad (only when training, since in eval they are unchanged anyway); parameters created with torch.full/new tensors.', '''
        class BatchNorm(nn.Module):
            """Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d."""

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.num_features = num_features
                self.momentum = float(momentum)
                self.eps = float(eps)
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.full((num_features,), 1.0))
                self.gamma = nn.Parameter(torch.full((num_features,), 1.0))
                self.beta = nn.Parameter(torch.zeros(num_features))

            def forward(self, x):
                y, mean, var = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                          training=self.training, momentum=self.momentum, eps=self.eps)
                if self.training:
                    with torch.no_grad():
                        self.running_mean.copy_(mean)
                        self.running_var.copy_(var)
                return y
    '''),
    Bug('mlp_forward', 'blind_bn_after_activation',
        "Applies the activation before batch norm (Linear -> activation -> BN), violating 'Use model.hidden_layers[i], then model.norms[i] when model.norms is not None, then model.activation'.", '''
        def mlp_forward(model, x):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            h = x
            for i in range(len(model.hidden_layers)):
                h = model.activation(model.hidden_layers[i](h))
                if model.norms is not None:
                    h = model.norms[i](h)
            return model.output_layer(h)
    '''),
    Bug('mlp_forward', 'hardcoded_relu',
        "Uses torch.relu instead of model.activation, so MLP(..., activation='sigmoid') still runs ReLU, violating 'then model.activation'.", '''
        def mlp_forward(model, x):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            for i, linear in enumerate(model.hidden_layers):
                x = linear(x)
                if model.norms is not None:
                    x = model.norms[i](x)
                x = torch.relu(x)
            return model.output_layer(x)
    '''),
    Alternative('mlp_forward', 'build_sequential_on_the_fly',
        'Assembles the layer order into a list (Linear, optional BN, activation, ..., output) and runs it with functools.reduce; same order and same modules, hence the same result.', '''
        def mlp_forward(model, x):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            from functools import reduce
            norms = model.norms if model.norms is not None else [None] * len(model.hidden_layers)
            steps = []
            for linear, norm in zip(model.hidden_layers, norms):
                steps.append(linear)
                if norm is not None:
                    steps.append(norm)
                steps.append(model.activation)
            steps.append(model.output_layer)
            return reduce(lambda h, f: f(h), steps, x)
    '''),
    Bug('cross_entropy', 'log_of_softmax',
        "Computes log(softmax(z)), which gives inf (and nan gradients) once a wrong class's logit is ~100 below the max, violating 'Computing softmax and then its log overflows for large logits; ... with torch.logsumexp does not' / 'Compute it from the logits directly'.", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K)."""
            probs = torch.softmax(logits, dim=1)
            picked = probs[torch.arange(logits.shape[0]), labels]
            return -torch.log(picked).mean()
    '''),
    Bug('cross_entropy', 'returns_shape_1_not_0d',
        "gather(...) gives (N, 1) and .mean(0) leaves a tensor of shape (1,), violating 'Returns a 0-d tensor'.", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K)."""
            log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
            nll = -log_probs.gather(1, labels.unsqueeze(1))   # (N, 1)
            return nll.mean(0)
    '''),
    Bug('cross_entropy', 'exp_sum_without_max_shift',
        "log-sum-exp written as log(exp(z).sum()) without subtracting the max, which overflows to inf for logits above ~88, violating 'Computing softmax and then its log overflows for large logits; log softmax(z)_k = z_k - log sum_j e^{z_j} with torch.logsumexp does not'.", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K)."""
            lse = torch.log(torch.exp(logits).sum(dim=1))
            correct = logits[torch.arange(len(labels)), labels]
            return (lse - correct).mean()
    '''),
    Alternative('cross_entropy', 'one_hot_log_softmax',
        'Uses F.log_softmax and a one-hot mask (F.one_hot) summed over classes, then the mean over the batch; numerically stable and returns a 0-d tensor.', '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K)."""
            one_hot = F.one_hot(labels, num_classes=logits.shape[1]).to(logits.dtype)
            return -(one_hot * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    '''),
    Bug('sgd_epoch', 'drops_last_partial_batch',
        "Loops over N // batch_size full minibatches only, silently skipping the remainder, violating 'One epoch visits every training example once' and 'batch_size (int): the last minibatch may be smaller'.", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            n = x.shape[0]
            order = torch.randperm(n, generator=generator)
            total = 0.0
            num_batches = n // batch_size
            for b in range(num_batches):
                idx = order[b * batch_size:(b + 1) * batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                model.zero_grad()
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                total += loss.item()
            return total / num_batches
    '''),
    Bug('sgd_epoch', 'ignores_generator',
        "Shuffles with torch.randperm(N) from the global RNG instead of the given generator, violating 'generator (torch.Generator): use it to shuffle (torch.randperm(N, generator=generator))' (the order no longer depends on the generator, so runs are not reproducible from it).", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            perm = torch.randperm(len(x))
            x, y = x[perm], y[perm]
            batch_losses = []
            for i in range(0, len(x), batch_size):
                xb, yb = x[i:i + batch_size], y[i:i + batch_size]
                loss = loss_fn(model(xb), yb)
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                        p.grad.zero_()
                batch_losses.append(loss.item())
            return sum(batch_losses) / len(batch_losses)
    '''),
    Bug('sgd_epoch', 'no_train_mode',
        "Never calls model.train(), so a model left in eval mode trains with BN running statistics (which are never updated), violating 'The model must be in training mode while it learns'.", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            perm = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = perm[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                        p.grad.zero_()
                losses.append(loss.item())
            return sum(losses) / len(losses)
    '''),
    Bug('sgd_epoch', 'no_zero_grad',
        "Never clears the gradients, so each step uses the sum of all previous minibatch gradients, violating 'then clear the gradients: PyTorch adds new gradients to old ones'.", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            perm = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = perm[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                losses.append(loss.item())
            return sum(losses) / len(losses)
    '''),
    Bug('sgd_epoch', 'example_weighted_average_loss',
        "Returns the per-example average (each minibatch loss weighted by its size) instead of 'float: the average of the minibatch losses' (differs when the last minibatch is smaller).", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            n = len(x)
            perm = torch.randperm(n, generator=generator)
            total = 0.0
            for start in range(0, n, batch_size):
                idx = perm[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                for p in model.parameters():
                    p.grad = None
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                total += loss.item() * len(idx)
            return total / n
    '''),
    Alternative('sgd_epoch', 'split_perm_set_to_none_plus_eval_log',
        'Splits the permutation with perm.split(batch_size) (last chunk smaller), clears gradients by setting p.grad = None before backward, updates with p.add_(p.grad, alpha=-lr), skips parameters without gradient, and at the end does a harmless extra no-grad inference pass for logging, restoring training mode.', '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            params = [p for p in model.parameters() if p.requires_grad]
            batch_losses = []
            for idx in torch.randperm(x.shape[0], generator=generator).split(batch_size):
                for p in params:
                    p.grad = None
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in params:
                        if p.grad is not None:
                            p.add_(p.grad, alpha=-lr)
                batch_losses.append(float(loss.detach()))
            # extra inference-mode pass, for logging only (does not touch parameters or BN statistics)
            model.eval()
            with torch.no_grad():
                _ = loss_fn(model(x[:256]), y[:256]).item()
            model.train()
            return sum(batch_losses) / len(batch_losses)
    '''),
    Bug('smoothness_constant', 'centred_covariance',
        "Uses the (centred) covariance torch.cov(x.T, correction=0) instead of X^T X / n, violating 'Largest eigenvalue of X^T X / n' whenever the columns do not have mean 0.", '''
        def smoothness_constant(x):
            """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
            cov = torch.cov(x.T, correction=0)
            return torch.linalg.eigvalsh(cov).max().item()
    '''),
    Alternative('smoothness_constant', 'top_singular_value_squared',
        'Uses the largest singular value of X: lambda_max(X^T X / n) = sigma_max(X)^2 / n, without forming X^T X; returns a Python float.', '''
        def smoothness_constant(x):
            """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
            sigma_max = torch.linalg.svdvals(x)[0]
            return float(sigma_max ** 2 / x.shape[0])
    '''),
]
ENTRIES += BLIND_ROUND_1


# Written blind for issue 14 (second round, after the checks were strengthened for round 1) by another tester who saw only the release notebook.
# Entries marked RECLASSIFIED were submitted as bugs but are correct under the docstrings as clarified then.
BLIND_ROUND_2 = [
    Bug('batch_norm', 'stats_detached_before_normalizing',
        "Detaches the batch mean and variance before using them to normalize (misreading 'the running statistics are new tensors with no autograd history (gradients must flow into y only)'), so the gradient of y w.r.t. x ignores the dependence of mu and sigma^2 on x, contrary to the formula 'mu = mean(x), sigma^2 = mean((x-mu)^2), y = gamma (x - mu)/sqrt(sigma^2 + eps) + beta'; values are right, gradients are wrong.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            if x.dim() == 2:
                dims, shape = (0,), (1, -1)
            else:
                dims, shape = (0, 2, 3), (1, -1, 1, 1)
            if training:
                # statistics must carry no autograd history
                mu = x.detach().mean(dim=dims)
                var = ((x.detach() - mu.reshape(shape)) ** 2).mean(dim=dims)
                n = x.numel() // x.shape[1]
                new_mean = (1 - momentum) * running_mean + momentum * mu
                new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mu, var = running_mean, running_var
                new_mean, new_var = running_mean, running_var
            x_hat = (x - mu.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            y = gamma.reshape(shape) * x_hat + beta.reshape(shape)
            return y, new_mean, new_var
    '''),
    Bug('batch_norm', 'blind_running_stats_keep_autograd_history',
        "Builds the new running statistics from the batch mean/variance without detaching them, so when x requires grad they carry autograd history, violating 'the running statistics are new tensors with no autograd history (gradients must flow into y only)'.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            view = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean = x.mean(dim=axes)
                var = x.var(dim=axes, unbiased=False)
                n = x.numel() / x.shape[1]
                new_running_mean = (1 - momentum) * running_mean + momentum * mean
                new_running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
                new_running_mean, new_running_var = running_mean, running_var
            y = (x - mean.view(view)) / torch.sqrt(var.view(view) + eps)
            return gamma.view(view) * y + beta.view(view), new_running_mean, new_running_var
    '''),
    Bug('batch_norm', 'blind_unbiased_correction_uses_batch_size_for_images',
        "For 4-D input the running variance is corrected with N / (N - 1) (the batch size) instead of n / (n - 1) with n = N * H * W, violating 'Here n is the number of values averaged per feature: ... N * H * W for images (N, C, H, W)'.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            if x.dim() == 4:
                dims, shape = (0, 2, 3), (1, -1, 1, 1)
            else:
                dims, shape = (0,), (1, -1)
            if training:
                mu = x.mean(dim=dims)
                var = x.var(dim=dims, unbiased=False)
                N = x.shape[0]
                unbiased = var.detach() * N / (N - 1)
                new_mean = (1 - momentum) * running_mean + momentum * mu.detach()
                new_var = (1 - momentum) * running_var + momentum * unbiased
            else:
                mu, var = running_mean, running_var
                new_mean, new_var = running_mean, running_var
            y = gamma.reshape(shape) * (x - mu.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps) + beta.reshape(shape)
            return y, new_mean, new_var
    '''),
    Bug('batch_norm', 'train_mode_eps_added_to_std',
        "In training mode divides by the biased std plus eps, (x - mu) / (std + eps), instead of sqrt(sigma^2 + eps), violating 'eps (float): added to the variance before the square root' (invisible for variances ~1, large when a feature's batch variance is tiny); inference is right.", '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            if x.dim() == 2:
                dims, shape = (0,), (1, -1)
            else:
                dims, shape = (0, 2, 3), (1, -1, 1, 1)
            g, b = gamma.reshape(shape), beta.reshape(shape)
            if not training:
                y = g * (x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape) + eps) + b
                return y, running_mean, running_var
            mu = x.mean(dim=dims, keepdim=True)
            std = x.std(dim=dims, unbiased=False, keepdim=True)
            y = g * (x - mu) / (std + eps) + b
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                new_mean = (1 - momentum) * running_mean + momentum * mu.flatten()
                new_var = (1 - momentum) * running_var + momentum * std.flatten() ** 2 * n / (n - 1)
            return y, new_mean, new_var
    '''),
    Bug('batch_norm', 'updates_running_stats_in_place',
        "Updates running_mean/running_var in place (mul_/add_) and returns the same tensors, violating 'running_mean, running_var: ... Do not modify them in place' and 'the running statistics are new tensors'.", r'''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            dims = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mu = x.mean(dim=dims)
                var = x.var(dim=dims, unbiased=False)
                n = x.numel() // x.shape[1]
                y = gamma.reshape(shape) * (x - mu.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps) + beta.reshape(shape)
                with torch.no_grad():
                    running_mean.mul_(1 - momentum).add_(momentum * mu)
                    running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
                return y, running_mean, running_var
            y = gamma.reshape(shape) * (x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape) + eps) \
                + beta.reshape(shape)
            return y, running_mean, running_var
    '''),
    Bug('batchnorm_layer', 'forward_ignores_momentum_and_eps',
        "forward calls batch_norm without passing self.momentum and self.eps, so the defaults 0.1 and 1e-5 are always used and BatchNorm(D, momentum=0.3, eps=1e-3) is not 'equivalent to nn.BatchNorm1d/2d' with those arguments.", '''
        class BatchNorm(nn.Module):
            """Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.

            Attributes (the checks use these names): gamma, beta (parameters, shape (num_features,));
            running_mean, running_var (buffers, shape (num_features,)); momentum, eps (floats).
            """

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum = momentum
                self.eps = eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, self.running_mean, self.running_var = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, self.training)
                return y
    '''),
    Bug('batchnorm_layer', 'blind_non_persistent_buffers',
        "Registers the running statistics with persistent=False, so they are missing from state_dict and are not saved/loaded with the model, violating 'buffers (self.register_buffer), which are saved with the model'.", '''
        class BatchNorm(nn.Module):
            """Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.

            Attributes (the checks use these names): gamma, beta (parameters, shape (num_features,));
            running_mean, running_var (buffers, shape (num_features,)); momentum, eps (floats).
            """

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                # statistics, not learned
                self.register_buffer("running_mean", torch.zeros(num_features), persistent=False)
                self.register_buffer("running_var", torch.ones(num_features), persistent=False)

            def forward(self, x):
                y, m, v = batch_norm(x, self.gamma, self.beta, self.running_mean, self.running_var,
                                     self.training, self.momentum, self.eps)
                self.running_mean, self.running_var = m, v
                return y
    '''),
    Bug('mlp_forward', 'hardcoded_relu_ignores_activation',
        "Applies torch.relu after every hidden layer instead of model.activation, so sigmoid MLPs run ReLU, violating 'Use model.hidden_layers[i], then model.norms[i] ..., then model.activation'.", '''
        def mlp_forward(model, x):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            h = x
            for i in range(len(model.hidden_layers)):
                h = model.hidden_layers[i](h)
                if model.norms is not None:
                    h = model.norms[i](h)
                h = torch.relu(h)
            return model.output_layer(h)
    '''),
    Bug('mlp_forward', 'bn_skipped_in_eval_mode',
        "Applies the BN layers only while model.training is True (believing BN is a training-time-only layer), so in eval mode the running statistics are never used, violating 'then model.norms[i] when model.norms is not None'.", '''
        def mlp_forward(model, x):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            use_bn = model.norms is not None and model.training
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if use_bn:
                    h = model.norms[i](h)
                h = model.activation(h)
            return model.output_layer(h)
    '''),
    Bug('cross_entropy', 'one_hot_infers_num_classes',
        "Builds one-hot targets with F.one_hot(labels) without num_classes, so K is inferred as labels.max() + 1 and the function breaks (shape mismatch) whenever the batch has no example of the last class, violating 'logits: float (N, K); labels: int64 (N,) with values in [0, K)'.", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K).

            Returns a 0-d tensor (differentiable with respect to the logits).
            """
            log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
            targets = F.one_hot(labels).to(logits.dtype)
            return -(targets * log_probs).sum(dim=1).mean()
    '''),
    Bug('cross_entropy', 'global_max_shift_underflows',
        "Stabilizes the softmax by subtracting the single largest logit of the whole batch instead of each row's own maximum, so a row whose logits are all far below the batch maximum underflows to log(0) = -inf; this breaks the requirement that large logits not overflow ('log softmax(z)_k = z_k - log sum_j e^{z_j} with torch.logsumexp does not').", '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K).

            Returns a 0-d tensor (differentiable with respect to the logits).
            """
            z = logits - logits.max()          # shift for numerical stability
            log_probs = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
            picked = log_probs[torch.arange(len(labels)), labels]
            return -picked.mean()
    '''),
    Bug('sgd_epoch', 'drops_last_partial_minibatch',
        "Loops over N // batch_size full minibatches only, so the examples of the smaller last minibatch are never trained on, violating 'One epoch visits every training example once' and 'the last minibatch may be smaller'.", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            n = x.shape[0]
            perm = torch.randperm(n, generator=generator)
            total = 0.0
            num_batches = n // batch_size
            for b in range(num_batches):
                idx = perm[b * batch_size:(b + 1) * batch_size]
                model.zero_grad()
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                total += loss.item()
            return total / num_batches
    '''),
    Bug('sgd_epoch', 'returns_example_weighted_mean_loss',
        "Returns the per-example average (each minibatch loss weighted by its size), not 'the plain mean of the minibatch losses (each minibatch counts once, the smaller last one too)'.", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            n = len(x)
            order = torch.randperm(n, generator=generator)
            loss_sum = 0.0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                        p.grad.zero_()
                loss_sum += loss.item() * len(idx)
            return loss_sum / n
    '''),
    Bug('sgd_epoch', 'logging_pass_in_training_mode',
        "After the epoch, runs an extra full-data forward pass (under no_grad, to log the training accuracy) while the model is still in training mode, so BN's running statistics get one more update from the whole training set; only 'Extra forward passes in inference mode' are allowed.", '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            order = torch.randperm(len(x), generator=generator)
            batch_losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                model.zero_grad()
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        p -= lr * p.grad
                batch_losses.append(loss.item())
            with torch.no_grad():  # no gradients needed for logging
                model.last_train_accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
            return sum(batch_losses) / len(batch_losses)
    '''),
    Bug('smoothness_constant', 'centers_features_first',
        "Subtracts the column means before forming the matrix (a covariance), which is not 'Largest eigenvalue of X^T X / n' unless the columns already have mean 0 (as in the public check).", '''
        def smoothness_constant(x):
            """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
            xc = x - x.mean(dim=0, keepdim=True)
            h = xc.T @ xc / x.shape[0]
            return float(torch.linalg.eigvalsh(h).max())
    '''),
    Alternative('batch_norm', 'channels_first_flatten_var_mean',
        'Moves the feature/channel axis first and flattens the rest to (C, n), uses torch.var_mean with correction=0 for the batch statistics and torch.var(correction=1) for the running one, rsqrt for the scale; in inference it returns clones of the running statistics (still unchanged values, no history).', '''
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            """Batch normalization with PyTorch's conventions, for (N, D) or (N, C, H, W) input."""
            c = x.shape[1]
            bshape = [1, c] + [1] * (x.dim() - 2)
            if training:
                flat = x.transpose(0, 1).reshape(c, -1)          # (C, n)
                var, mean = torch.var_mean(flat, dim=1, correction=0)
                unbiased = torch.var(flat.detach(), dim=1, correction=1)
                new_mean = torch.lerp(running_mean, mean.detach(), momentum)
                new_var = torch.lerp(running_var, unbiased, momentum)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            scale = gamma.reshape(bshape) * torch.rsqrt(var.reshape(bshape) + eps)
            y = (x - mean.reshape(bshape)) * scale + beta.reshape(bshape)
            return y, new_mean, new_var
    '''),
    Alternative('batchnorm_layer', 'in_place_buffer_copy_and_register_parameter',
        'Uses register_parameter and copies the returned statistics into the existing buffers with copy_ under no_grad (same values stored, buffer identity kept); batch_norm itself is still given the buffers and does not modify them.', '''
        class BatchNorm(nn.Module):
            """Batch norm over features (N, D) or channels (N, C, H, W), equivalent to nn.BatchNorm1d/2d.

            Attributes (the checks use these names): gamma, beta (parameters, shape (num_features,));
            running_mean, running_var (buffers, shape (num_features,)); momentum, eps (floats).
            """

            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.num_features = num_features
                self.momentum = float(momentum)
                self.eps = float(eps)
                self.register_parameter("gamma", nn.Parameter(torch.ones(num_features)))
                self.register_parameter("beta", nn.Parameter(torch.zeros(num_features)))
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
    '''),
    Alternative('mlp_forward', 'identity_norms_list',
        'Builds a list of per-layer normalizers (nn.Identity when model.norms is None) and zips it with the linear layers; same order Linear -> BN -> activation, output layer without activation.', '''
        def mlp_forward(model, x):
            """Logits of `model` (an MLP as defined above) for a batch x of shape (N, in_features)."""
            norms = list(model.norms) if model.norms is not None else [nn.Identity()] * len(model.hidden_layers)
            for linear, norm in zip(model.hidden_layers, norms):
                x = model.activation(norm(linear(x)))
            return model.output_layer(x)
    '''),
    Alternative('cross_entropy', 'log_softmax_nll',
        'Uses F.log_softmax (stable) and F.nll_loss with the default mean reduction, which is exactly the mean of -log softmax(z_i)_{y_i}.', '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K).

            Returns a 0-d tensor (differentiable with respect to the logits).
            """
            return F.nll_loss(F.log_softmax(logits, dim=-1), labels)
    '''),
    Alternative('cross_entropy', 'rowmax_shift_gather',
        'Computes log-sum-exp by hand with a per-row max shift (z - m - log sum exp(z - m)) and picks the label entries with gather; stable for large logits and exactly the mean cross-entropy.', '''
        def cross_entropy(logits, labels):
            """Mean cross-entropy. logits: float (N, K); labels: int64 (N,) with values in [0, K).

            Returns a 0-d tensor (differentiable with respect to the logits).
            """
            m = logits.max(dim=1, keepdim=True).values.detach()
            lse = m + torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
            correct = logits.gather(1, labels.long().unsqueeze(1))
            return (lse - correct).squeeze(1).mean()
    '''),
    Alternative('sgd_epoch', 'split_batches_zero_first_eval_logging',
        'Splits the permutation with torch.split, clears gradients before each backward (set_to_none), skips parameters without gradients, and after the epoch logs the training accuracy in eval mode under no_grad (an allowed inference-mode pass) before switching back to training mode.', '''
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            """One epoch of minibatch SGD on (x, y), updating model's parameters in place."""
            model.train()
            perm = torch.randperm(x.shape[0], generator=generator)
            losses = []
            for idx in torch.split(perm, batch_size):
                model.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p.sub_(lr * p.grad)
                losses.append(float(loss.detach()))
            model.eval()
            with torch.no_grad():
                model.last_train_accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
            model.train()
            model.zero_grad(set_to_none=True)
            return float(sum(losses) / len(losses))
    '''),
    Alternative('smoothness_constant', 'gram_matrix_or_svd',
        'Uses the largest singular value of X: sigma_max(X)^2 / n equals the largest eigenvalue of X^T X / n (computed in float64 to keep precision).', '''
        def smoothness_constant(x):
            """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
            x64 = x.to(torch.float64)
            s = torch.linalg.svdvals(x64)[0]
            return (s * s / x64.shape[0]).item()
    '''),
    Alternative('smoothness_constant', 'n_by_n_gram',
        'Takes the largest eigenvalue of the n x n Gram matrix X X^T / n, which has the same non-zero eigenvalues as X^T X / n.', '''
        def smoothness_constant(x):
            """Largest eigenvalue of X^T X / n for a float tensor x of shape (n, d). Returns a Python float."""
            n = x.shape[0]
            gram = x @ x.T / n
            return torch.linalg.eigvalsh(gram)[-1].item()
    '''),
]
ENTRIES += BLIND_ROUND_2

# Issue 25: kinds of mistakes a third blind round got past the checks (each missed by the hidden checks alone before),
# and a correct variant a tolerance must allow.
ENTRIES += [
    Bug("batch_norm", "r25_momentum_zero_read_as_missing",
        "`momentum or 0.1` treats momentum=0 (keep the running statistics) as a missing argument", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            momentum = momentum or 0.1
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean, var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
                n = x.numel() // x.shape[1]
                with torch.no_grad():
                    new_mean = (1 - momentum) * running_mean + momentum * mean
                    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_mean, new_var
    """),
    Alternative("batch_norm", "r25_float32_momentum",
                "holds momentum in a float32 tensor: the running statistics differ by ~1e-8 relative, within what "
                "float32 momentum allows", """
        def batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            m = torch.tensor(momentum, dtype=torch.float32)
            axes = (0,) if x.dim() == 2 else (0, 2, 3)
            shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
            if training:
                mean, var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
                n = x.numel() // x.shape[1]
                with torch.no_grad():
                    new_mean = (1 - m) * running_mean + m * mean
                    new_var = (1 - m) * running_var + m * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
                new_mean, new_var = running_mean.clone(), running_var.clone()
            x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            return gamma.reshape(shape) * x_hat + beta.reshape(shape), new_mean, new_var
    """),
    Bug("batchnorm_layer", "r25_eps_stored_as_epsilon",
        "stores eps as self.epsilon (Keras' name); the docstring fixes the attribute names momentum and eps", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.epsilon = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                y, self.running_mean, self.running_var = batch_norm(
                    x, self.gamma, self.beta, self.running_mean, self.running_var, self.training, self.momentum,
                    self.epsilon)
                return y
    """),
    Bug("batchnorm_layer", "r25_inline_instead_of_batch_norm",
        "forward does the normalisation inline (correctly) instead of calling batch_norm, as the notebook asks", """
        class BatchNorm(nn.Module):
            def __init__(self, num_features, momentum=0.1, eps=1e-5):
                super().__init__()
                self.momentum, self.eps = momentum, eps
                self.gamma = nn.Parameter(torch.ones(num_features))
                self.beta = nn.Parameter(torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                axes = (0,) if x.dim() == 2 else (0, 2, 3)
                shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
                if self.training:
                    mean, var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
                    n = x.numel() // x.shape[1]
                    with torch.no_grad():
                        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
                        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / (n - 1)
                else:
                    mean, var = self.running_mean, self.running_var
                x_hat = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + self.eps)
                return self.gamma.reshape(shape) * x_hat + self.beta.reshape(shape)
    """),
    Bug("mlp_forward", "r25_squeezes_the_logits",
        "squeezes the logits, so a batch of one example gives shape (num_classes,) instead of (1, num_classes)", """
        def mlp_forward(model, x):
            h = x
            for i, linear in enumerate(model.hidden_layers):
                h = linear(h)
                if model.norms is not None:
                    h = model.norms[i](h)
                h = model.activation(h)
            return model.output_layer(h).squeeze()
    """),
    Bug("sgd_epoch", "r25_returns_a_tensor",
        "returns the mean loss as a 0-d tensor (torch.stack(...).mean()), not the Python float the docstring asks for", """
        def sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn):
            model.train()
            order = torch.randperm(len(x), generator=generator)
            losses = []
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                with torch.no_grad():
                    for p in model.parameters():
                        if p.grad is not None:
                            p -= lr * p.grad
                            p.grad = None
                losses.append(loss.detach())
            return torch.stack(losses).mean()
    """),
    Bug("smoothness_constant", "r25_power_iteration_from_ones",
        "100 steps of power iteration started from a vector of ones: wrong when the top eigenvalues are close or "
        "the top eigenvector is orthogonal to the start", """
        def smoothness_constant(x):
            hessian = x.T @ x / x.shape[0]
            v = torch.ones(hessian.shape[0], dtype=x.dtype)
            for _ in range(100):
                v = hessian @ v
                v = v / torch.linalg.norm(v)
            return (v @ hessian @ v).item()
    """),
]

from instructor_only.catalogue.blind_round_4.batchnorm_torch import ENTRIES as BLIND_ROUND_4  # noqa: E402

ENTRIES += BLIND_ROUND_4
