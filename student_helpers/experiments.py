"""Framework-neutral pieces of the training experiments: when a run counts as stable, and the plots."""
from __future__ import annotations

import math
import os

import matplotlib.pyplot as plt


def reduced_run() -> bool:
    """True while nbgrader executes the notebook (autograding or validating): experiments then run smaller.

    Every graded function is still checked in full; only the demonstrations shrink.
    """
    return "NBGRADER_EXECUTION" in os.environ


def balanced_batch_size(n: int, at_most: int = 64) -> int:
    """The minibatch size that cuts n examples into as few near-equal minibatches of at most `at_most` as possible.

    Why not simply `at_most`: 1347 training digits in minibatches of 64 leave a last minibatch of 3. Batch norm's
    statistics of 3 examples are wild, and as the last update of every epoch they weigh 10% in the running
    statistics used at test time (momentum 0.1). 62 gives 21 minibatches of 62 and one of 45.
    """
    if n < 1 or at_most < 1:
        raise ValueError(f"need at least one example and a positive batch size, got n={n}, at_most={at_most}")
    batches = math.ceil(n / at_most)
    return math.ceil(n / batches)


def is_stable(losses: list[float], initial_loss: float) -> bool:
    """A run is stable if every epoch's loss is finite and the last one is below the loss before training."""
    return all(math.isfinite(v) for v in losses) and losses[-1] < initial_loss


def plot_stable_learning_rates(depths, largest: dict[str, list], lrs):
    """largest: label -> largest stable learning rate per depth (None when no tried rate was stable)."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, values in largest.items():
        ax.plot(depths, [v if v is not None else float("nan") for v in values], marker="o", label=label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(depths, [str(d) for d in depths])
    ax.set_ylim(min(lrs) / 2, max(lrs) * 2)
    ax.set_xlabel("hidden layers")
    ax.set_ylabel("largest stable learning rate")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_curves(curves: dict[str, list[float]], ylabel: str = "training loss"):
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for label, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, marker=".", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
