"""student_helpers.data: digits split/standardization, the Fashion-MNIST IDX reader, and Keras' own loader.

No test may touch the network: urllib is patched so that any download attempt fails the test.
"""
import gzip
import importlib
import importlib.util
import os
import struct
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from student_helpers import data

N_DIGITS, N_TEST_DIGITS = 1797, 450  # 25 % of 1797, rounded up by train_test_split


class DownloadAttempted(Exception):
    pass


@pytest.fixture(autouse=True)
def no_download(monkeypatch):
    """Any urllib download fails the test (also when load_images would turn the error into a RuntimeError)."""
    attempts = []

    def refuse(url, *args, **kwargs):
        attempts.append(getattr(url, "full_url", url))
        raise DownloadAttempted(url)

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request, "urlretrieve", refuse)
    yield attempts
    assert attempts == [], f"tried to download {attempts}"


def write_idx(path, array, magic=None):
    """Write uint8 array as a gzip IDX file (independent of the reader under test)."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 + array.ndim if magic is None else magic
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def write_fashion(folder, n_train=12, n_test=5, seed=0):
    """Tiny valid Fashion-MNIST files in folder; returns the raw arrays written."""
    rng = np.random.default_rng(seed)
    raw = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    os.makedirs(folder, exist_ok=True)
    for name, key in zip(data.FASHION_MNIST_FILES, ("x_train", "y_train", "x_test", "y_test")):
        write_idx(os.path.join(folder, name), raw[key])
    return raw


def raw_pixels(x, split):
    """Undo the standardization and the layout: back to uint8 (n, H, W)."""
    n = len(x)
    side = int(round(np.sqrt(x[0].size)))
    return np.rint(x.reshape(n, side, side).astype(np.float64) * split.std + split.mean).astype(np.uint8)


# --- digits ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout, shape", [("flat", (64,)), ("NCHW", (1, 8, 8)), ("NHWC", (8, 8, 1))])
def test_digits_shapes_and_dtypes(layout, shape):
    split = data.load_images("digits", layout=layout)
    assert split.x_train.shape == (N_DIGITS - N_TEST_DIGITS, *shape)
    assert split.x_test.shape == (N_TEST_DIGITS, *shape)
    assert split.y_train.shape == (N_DIGITS - N_TEST_DIGITS,) and split.y_test.shape == (N_TEST_DIGITS,)
    assert split.x_train.dtype == split.x_test.dtype == np.float32
    assert split.y_train.dtype == split.y_test.dtype == np.int64
    assert split.class_names == tuple("0123456789")


def test_digits_split_is_stratified():
    split = data.load_images("digits")
    all_counts = np.bincount(load_digits().target, minlength=10)
    test_counts = np.bincount(split.y_test, minlength=10)
    np.testing.assert_array_equal(test_counts + np.bincount(split.y_train, minlength=10), all_counts)
    assert np.all(np.abs(test_counts - 0.25 * all_counts) <= 1)


def test_digits_standardized_with_train_statistics():
    split = data.load_images("digits", layout="flat")
    assert abs(split.x_train.astype(np.float64).mean()) < 1e-5
    assert abs(split.x_train.astype(np.float64).std() - 1) < 1e-5

    digits = load_digits()
    raw_train, raw_test, _, _ = train_test_split(
        digits.data, digits.target, test_size=0.25, stratify=digits.target, random_state=0)
    mean, std = raw_train.mean(), raw_train.std()
    assert split.mean == pytest.approx(mean) and split.std == pytest.approx(std)
    np.testing.assert_allclose(split.x_test, (raw_test - mean) / std, atol=1e-5)
    # ...and not with the test split's own statistics
    assert abs(raw_test.mean() - mean) > 1e-3
    assert abs(split.x_test.astype(np.float64).mean()) > 1e-4


def test_digits_deterministic_for_a_seed():
    a, b = data.load_images("digits", seed=3), data.load_images("digits", seed=3)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.y_test, data.load_images("digits", seed=4).y_test)


def test_max_train_keeps_first_samples_and_their_statistics():
    full, small = data.load_images("digits"), data.load_images("digits", max_train=100)
    assert small.x_train.shape == (100, 64) and small.x_test.shape == full.x_test.shape
    np.testing.assert_array_equal(small.y_train, full.y_train[:100])
    np.testing.assert_allclose(small.x_train * small.std + small.mean,
                               full.x_train[:100] * full.std + full.mean, atol=1e-4)
    assert abs(small.x_train.astype(np.float64).mean()) < 1e-5


def test_bad_layout_and_dataset():
    with pytest.raises(ValueError, match="NCHW"):
        data.load_images("digits", layout="NWHC")
    with pytest.raises(ValueError, match="fashion_mnist"):
        data.load_images("mnist")


# --- fashion_mnist via our IDX reader -------------------------------------------------------------

@pytest.mark.parametrize("layout, shape", [("flat", (784,)), ("NCHW", (1, 28, 28)), ("NHWC", (28, 28, 1))])
def test_fashion_round_trip(tmp_path, layout, shape):
    raw = write_fashion(tmp_path)
    split = data.load_images("fashion_mnist", layout=layout, data_dir=tmp_path, test_fraction=0.9)
    assert split.x_train.shape == (12, *shape) and split.x_test.shape == (5, *shape)
    assert split.x_train.dtype == np.float32 and split.y_train.dtype == np.int64
    assert split.class_names == data.FASHION_MNIST_CLASSES and len(split.class_names) == 10
    assert split.mean == pytest.approx(raw["x_train"].mean()) and split.std == pytest.approx(raw["x_train"].std())
    np.testing.assert_array_equal(raw_pixels(split.x_train, split), raw["x_train"])
    np.testing.assert_array_equal(raw_pixels(split.x_test, split), raw["x_test"])
    np.testing.assert_array_equal(split.y_train, raw["y_train"])
    np.testing.assert_array_equal(split.y_test, raw["y_test"])


def test_fashion_max_train(tmp_path):
    raw = write_fashion(tmp_path)
    split = data.load_images("fashion_mnist", data_dir=tmp_path, max_train=7)
    assert split.x_train.shape == (7, 784) and split.x_test.shape == (5, 784)
    assert split.mean == pytest.approx(raw["x_train"][:7].mean())
    np.testing.assert_array_equal(raw_pixels(split.x_train, split), raw["x_train"][:7])


def test_fashion_corrupt_magic_number(tmp_path):
    raw = write_fashion(tmp_path)
    write_idx(tmp_path / data.FASHION_MNIST_FILES[0], raw["x_train"], magic=2050)
    with pytest.raises(ValueError, match="magic number 2050, expected 2051"):
        data.load_images("fashion_mnist", data_dir=tmp_path)


def test_fashion_labels_file_in_place_of_images(tmp_path):
    raw = write_fashion(tmp_path)
    write_idx(tmp_path / data.FASHION_MNIST_FILES[2], raw["y_test"])
    with pytest.raises(ValueError, match="not an IDX images file"):
        data.load_images("fashion_mnist", data_dir=tmp_path)


def test_fashion_truncated_file(tmp_path):
    write_fashion(tmp_path)
    path = tmp_path / data.FASHION_MNIST_FILES[1]
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(ValueError, match="gzip"):
        data.load_images("fashion_mnist", data_dir=tmp_path)


def test_fashion_download_failure_is_explained(tmp_path, monkeypatch):
    """Missing files: only those are fetched, from the standard mirror; a failure says how to place them."""
    raw = write_fashion(tmp_path)
    (tmp_path / data.FASHION_MNIST_FILES[3]).unlink()
    urls = []

    def offline(url, *args, **kwargs):
        urls.append(url)
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(RuntimeError, match="t10k-labels-idx1-ubyte.gz") as err:
        data.load_images("fashion_mnist", data_dir=tmp_path)
    assert urls == [data.FASHION_MNIST_URL + "t10k-labels-idx1-ubyte.gz"]
    assert data.FASHION_MNIST_URL == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert str(tmp_path) in str(err.value) and "COURSE_DATASET=digits" in str(err.value)
    assert sorted(os.listdir(tmp_path)) == sorted(data.FASHION_MNIST_FILES[:3])  # no partial file left

    # a successful "download" (served from memory) completes the folder
    payload = tmp_path / "payload.gz"
    write_idx(payload, raw["y_test"])
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, *a, **k: open(payload, "rb"))
    split = data.load_images("fashion_mnist", data_dir=tmp_path)
    np.testing.assert_array_equal(split.y_test, raw["y_test"])


def test_default_data_dir_is_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    assert data.fashion_mnist_dir() == os.path.expanduser("~/.keras/datasets/fashion-mnist")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    raw = write_fashion(tmp_path / "datasets" / "fashion-mnist")
    split = data.load_images("fashion_mnist")
    np.testing.assert_array_equal(split.y_train, raw["y_train"])


# --- COURSE_DATASET -------------------------------------------------------------------------------

@pytest.fixture
def reload_with_env():
    """Reload student_helpers.data with COURSE_DATASET set (or unset); restore env and module afterwards."""
    old = os.environ.get("COURSE_DATASET")

    def reload(value):
        if value is None:
            os.environ.pop("COURSE_DATASET", None)
        else:
            os.environ["COURSE_DATASET"] = value
        return importlib.reload(data)

    yield reload
    reload(old)


def test_course_dataset_env_selects_dataset(tmp_path, reload_with_env):
    assert reload_with_env(None).DATASET == "digits"
    assert data.load_images().class_names == tuple("0123456789")

    write_fashion(tmp_path)
    assert reload_with_env("fashion_mnist").DATASET == "fashion_mnist"
    split = data.load_images(data_dir=tmp_path)
    assert split.class_names == data.FASHION_MNIST_CLASSES and split.x_train.shape == (12, 784)
    assert data.load_images("digits").class_names == tuple("0123456789")  # an explicit argument wins

    reload_with_env("Fashion-MNIST")
    with pytest.raises(ValueError, match="digits"):
        data.load_images()


def test_dataset_module_setting(tmp_path, monkeypatch):
    write_fashion(tmp_path)
    monkeypatch.setattr(data, "DATASET", "fashion_mnist")
    assert data.load_images(data_dir=tmp_path).x_test.shape == (5, 784)


# --- Keras' own loader reads the same cached files -------------------------------------------------

KERAS_SCRIPT = textwrap.dedent("""
    import socket, sys, urllib.request
    def refuse(*args, **kwargs):
        raise RuntimeError("network access attempted")
    urllib.request.urlretrieve = urllib.request.urlopen = refuse
    socket.create_connection = refuse
    socket.socket.connect = refuse
    import numpy as np
    from keras.datasets import fashion_mnist
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.savez(sys.argv[1], x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
""")


@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="keras is not installed")
def test_keras_loader_reads_the_same_files(tmp_path):
    keras_home = tmp_path / "keras_home"
    folder = keras_home / "datasets" / "fashion-mnist"
    raw = write_fashion(folder)
    out = tmp_path / "keras.npz"
    # A fresh interpreter, because keras reads KERAS_HOME when it is imported (which imports TensorFlow, ~7 s).
    env = dict(os.environ, KERAS_HOME=str(keras_home), KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", KERAS_SCRIPT, str(out)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Downloading" not in result.stdout + result.stderr
    assert sorted(os.listdir(folder)) == sorted(data.FASHION_MNIST_FILES)  # nothing fetched or added
    with np.load(out) as keras_arrays:
        for key, array in raw.items():
            assert keras_arrays[key].dtype == np.uint8
            np.testing.assert_array_equal(keras_arrays[key], array)

    split = data.load_images("fashion_mnist", data_dir=folder)  # our loader agrees on that folder
    np.testing.assert_array_equal(raw_pixels(split.x_train, split), raw["x_train"])
    np.testing.assert_array_equal(split.y_test, raw["y_test"])
