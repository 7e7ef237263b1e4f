"""Correct parts of the batch-norm lab (PyTorch) that only the checks use: a batch_norm
function put in place of the student's to check their layer on its own, and the framework's own SGD step the
student's `sgd_epoch` is compared with. Trusted side: see `parts/torch_resnet.py`."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from instructor_only.frameworks.torch_batchnorm import eps, momentum, tensor


def reference_batch_norm(x, gamma, beta, running_mean, running_var, training, momentum=momentum, eps=eps):
    """A correct batch_norm with the lab's contract, built on PyTorch's own (used to check the layer on its own)."""
    new_mean, new_var = running_mean.detach().clone(), running_var.detach().clone()
    y = F.batch_norm(x, new_mean, new_var, gamma, beta, training=training, momentum=momentum, eps=eps)
    return y, new_mean, new_var


def reference_sgd_epoch(model, x, y, lr: float) -> None:
    """One full-batch SGD step with torch.optim.SGD and F.cross_entropy, in training mode."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    optimizer.zero_grad()
    F.cross_entropy(model(tensor(x)), torch.as_tensor(y, dtype=torch.long)).backward()
    optimizer.step()
    optimizer.zero_grad()


def reference_minibatch_epoch(model, x, y, lr: float, batch_size: int, seed: int = 0, epochs: int = 1) -> float:
    """`epochs` epochs as the lab's contract asks, with torch.optim.SGD: each epoch's order torch.randperm(N) draws
    from ONE generator seeded with `seed` (as the check seeds the student's), minibatches of batch_size (the last one
    smaller), training mode. Returns the plain mean of the last epoch's minibatch losses."""
    x, y = tensor(x), torch.as_tensor(np.asarray(y), dtype=torch.long)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        losses = []
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    optimizer.zero_grad()
    return sum(losses) / len(losses)
