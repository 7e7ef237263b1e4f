"""Small synthetic images for the pooling experiments (no download needed)."""
from __future__ import annotations

import numpy as np

LAYOUTS = ("NCHW", "NHWC")


def texture_images(size: int = 16, layout: str = "NCHW", seed: int = 0) -> dict[str, np.ndarray]:
    """One-channel float32 test images, each as a batch of one, keyed by a short description.

    layout: "NCHW" (PyTorch) gives arrays of shape (1, 1, size, size); "NHWC" (TensorFlow) gives (1, size, size, 1).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    rows, cols = np.indices((size, size))
    rng = np.random.default_rng(seed)
    dots = ((rows % 4 == 0) & (cols % 4 == 0)).astype(np.float32)
    images = {
        "dots, 1st column of a window": dots,
        "same dots + dim noise": np.clip(dots + 0.3 * rng.uniform(size=(size, size)), 0, 1),
        "dots, 2nd column of a window": np.roll(dots, 1, axis=1),
        "vertical bars, 3 px wide": (cols % 6) < 3,
        "smooth wave (periodic: no seam when rolled)": 0.5 - 0.5 * np.cos(2 * np.pi * cols / size),
        "random noise": rng.uniform(size=(size, size)),
    }
    out = {}
    for name, image in images.items():
        image = image.astype(np.float32)
        out[name] = image[None, None] if layout == "NCHW" else image[None, :, :, None]
    return out
