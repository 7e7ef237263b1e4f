"""PyTorch training helpers for the notebooks: accuracy, a training loop with a progress bar, the LR experiment.

They call the student's own `sgd_epoch` and loss function, passed in as arguments.
"""
from __future__ import annotations

import torch
from tqdm.auto import tqdm

from student_helpers.experiments import balanced_batch_size, is_stable


def as_tensors(x, y):
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)


def accuracy(model, x, y) -> float:
    """Fraction of correct predictions, computed in eval mode; the model's previous mode is restored."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return (model(x).argmax(dim=1) == y).float().mean().item()
    finally:
        model.train(was_training)


def mean_loss(model, loss_fn, x, y) -> float:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return float(loss_fn(model(x), y))
    finally:
        model.train(was_training)


def train(model, sgd_epoch, loss_fn, x, y, lr, epochs, batch_size=None, seed=0, progress=True, desc="epochs"):
    """Run `epochs` calls of sgd_epoch; returns the per-epoch average training losses.

    batch_size: None means near-equal minibatches of at most 64 (experiments.balanced_batch_size).
    """
    batch_size = balanced_batch_size(len(x)) if batch_size is None else batch_size
    generator = torch.Generator().manual_seed(seed)
    losses = []
    bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=True)
    for _ in bar:
        losses.append(float(sgd_epoch(model, x, y, lr, batch_size, generator, loss_fn)))
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    return losses


def largest_stable_lr(make_model, sgd_epoch, loss_fn, x, y, lrs, epochs, batch_size=None, seed=0):
    """The largest learning rate in `lrs` whose run is stable (see experiments.is_stable), or None."""
    best = None
    for lr in sorted(lrs):
        torch.manual_seed(seed)
        model = make_model()
        initial = mean_loss(model, loss_fn, x, y)
        losses = train(model, sgd_epoch, loss_fn, x, y, lr, epochs, batch_size, seed, progress=False)
        if is_stable(losses, initial):
            best = lr
    return best
