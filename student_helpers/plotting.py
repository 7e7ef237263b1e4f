"""Plotting helpers for the notebooks (matplotlib)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def show_images(images: dict[str, np.ndarray], ncols: int = 6, size: float = 2.0):
    """Show single-channel images side by side, titled by their keys.

    Each value may be (H, W) or a batch of one in either layout ((1, 1, H, W) or (1, H, W, 1)).
    """
    n = len(images)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax, (title, image) in zip(axes.flat, images.items()):
        ax.imshow(np.asarray(image).squeeze(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig
