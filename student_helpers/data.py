"""Standardized image data sets for the notebooks, the same arrays for the PyTorch and the TensorFlow track.

Which data set the notebooks use is set in one place, the ``COURSE_DATASET`` environment variable
(read once, when this module is imported):

* ``digits`` (default): scikit-learn's bundled 8x8 hand-written digits, 1797 images; works offline.
* ``fashion_mnist``: 70,000 28x28 clothing images. The four official gzip files are read from
  ``~/.keras/datasets/fashion-mnist`` (``$KERAS_HOME/datasets/fashion-mnist`` if ``KERAS_HOME`` is set),
  the same place ``keras.datasets.fashion_mnist.load_data()`` caches them; they are downloaded only if missing.

Example::

    from student_helpers.data import load_images
    data = load_images(layout="NCHW")       # PyTorch; use layout="NHWC" for TensorFlow
    data.x_train.shape, data.class_names
"""
from __future__ import annotations

import gzip
import os
import shutil
import urllib.request
from dataclasses import dataclass

import numpy as np

DATASETS = ("digits", "fashion_mnist")
LAYOUTS = ("flat", "NCHW", "NHWC")
DATASET = os.environ.get("COURSE_DATASET", "digits")

FASHION_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FASHION_MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
IDX_IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions (n, rows, cols)
IDX_LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension (n,)


@dataclass(frozen=True)
class ImageSplits:
    """Train and test split, standardized with the statistics of the training split.

    x_*: float32, shape (n, H*W) for layout "flat", (n, 1, H, W) for "NCHW", (n, H, W, 1) for "NHWC".
    y_*: int64 class indices into class_names.
    mean, std: the training split's pixel mean and standard deviation; x = (pixels - mean) / std.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    mean: float
    std: float


def load_images(dataset: str | None = None, layout: str = "flat", test_fraction: float = 0.25, seed: int = 0,
                max_train: int | None = None, data_dir: str | None = None) -> ImageSplits:
    """Load a data set, split it, and standardize both splits with the training split's mean and std.

    dataset: "digits" or "fashion_mnist"; None means the module setting DATASET (env var COURSE_DATASET).
    layout: "flat", "NCHW" (PyTorch) or "NHWC" (TensorFlow/Keras).
    test_fraction, seed: stratified random split, for "digits" only (Fashion-MNIST has an official split).
    max_train: keep only the first max_train training samples (quick runs); statistics come from those.
    data_dir: where the Fashion-MNIST files are (default: the Keras cache, see the module docstring).
    """
    dataset = DATASET if dataset is None else dataset
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")

    if dataset == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        x_train, x_test, y_train, y_test = train_test_split(
            digits.images, digits.target, test_size=test_fraction, stratify=digits.target, random_state=seed)
        class_names = tuple(str(d) for d in range(10))
    else:
        folder = fashion_mnist_dir() if data_dir is None else os.path.expanduser(str(data_dir))
        _download_missing(folder)
        x_train, y_train, x_test, y_test = (
            read_idx(os.path.join(folder, name), magic)
            for name, magic in zip(FASHION_MNIST_FILES, (IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC) * 2))
        class_names = FASHION_MNIST_CLASSES

    if max_train is not None:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    x_train = np.asarray(x_train, dtype=np.float64)
    mean, std = float(x_train.mean()), float(x_train.std())  # training split only, never the test split
    return ImageSplits(
        x_train=_to_layout((x_train - mean) / std, layout),
        y_train=np.asarray(y_train, dtype=np.int64),
        x_test=_to_layout((np.asarray(x_test, dtype=np.float64) - mean) / std, layout),
        y_test=np.asarray(y_test, dtype=np.int64),
        class_names=class_names, mean=mean, std=std)


def _to_layout(images: np.ndarray, layout: str) -> np.ndarray:
    """(n, H, W) images -> float32 array in the requested layout."""
    if layout == "flat":
        images = images.reshape(len(images), -1)
    elif layout == "NCHW":
        images = images[:, None, :, :]
    else:
        images = images[:, :, :, None]
    return np.ascontiguousarray(images, dtype=np.float32)


def fashion_mnist_dir() -> str:
    """The folder where keras.datasets.fashion_mnist.load_data() keeps its files."""
    keras_home = os.environ.get("KERAS_HOME", os.path.join("~", ".keras"))
    return os.path.expanduser(os.path.join(keras_home, "datasets", "fashion-mnist"))


def read_idx(path: str, magic: int) -> np.ndarray:
    """Read one gzip-compressed IDX file of unsigned bytes; magic is IDX_IMAGES_MAGIC or IDX_LABELS_MAGIC."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (gzip.BadGzipFile, EOFError) as err:
        raise ValueError(f"{path} is not a complete gzip file ({err}); delete it and load again") from err
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        kind = "images" if magic == IDX_IMAGES_MAGIC else "labels"
        raise ValueError(f"{path} is not an IDX {kind} file: magic number {found}, expected {magic} "
                         "(the file is corrupt or misnamed; delete it and load again)")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header announces shape {shape} but holds {values.size} values; "
                         "the file is truncated, delete it and load again")
    return values.reshape(shape)


def _download_missing(folder: str) -> None:
    """Download those of the four Fashion-MNIST files that are not in folder yet."""
    missing = [name for name in FASHION_MNIST_FILES if not os.path.exists(os.path.join(folder, name))]
    if not missing:
        return
    os.makedirs(folder, exist_ok=True)
    for name in missing:
        target = os.path.join(folder, name)
        print(f"Downloading {FASHION_MNIST_URL + name} to {folder}")
        try:
            with urllib.request.urlopen(FASHION_MNIST_URL + name, timeout=60) as response, \
                    open(target + ".part", "wb") as out:
                shutil.copyfileobj(response, out)
            os.replace(target + ".part", target)
        except OSError as err:  # includes urllib.error.URLError and timeouts
            if os.path.exists(target + ".part"):
                os.remove(target + ".part")
            raise RuntimeError(
                f"Could not download {name} ({err}). Without network access, copy the four files "
                f"{', '.join(FASHION_MNIST_FILES)} (from {FASHION_MNIST_URL} or from another machine's "
                f"~/.keras/datasets/fashion-mnist) into {folder}, or pass data_dir= to load_images, "
                "or use the offline data set: set COURSE_DATASET=digits.") from err
