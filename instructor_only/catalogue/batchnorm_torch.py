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
    Alternative("sgd_epoch", "split_and_zero_", "torch.split of a permutation, zero_() on the gradients", """
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
    Alternative("smoothness_constant", "power_iteration", "power iteration on X^T X / n until it settles", """
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
