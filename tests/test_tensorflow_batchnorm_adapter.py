"""The TensorFlow side of the batch-norm lab: the model the SGD check builds twice (once in the kernel for the
student's code, once on the trusted side for Keras' own SGD) must come out the same both times."""
import random
import threading

import numpy as np

from instructor_only.frameworks import tensorflow_batchnorm as bn


def build(seed=12) -> np.ndarray:
    return bn.flat_parameters(bn.make_reference_model(4, 8, 2, batch_norm=True, seed=seed))


def test_the_reference_model_is_a_function_of_its_seed():
    assert np.array_equal(build(), build())
    assert not np.array_equal(build(seed=13), build())


def test_another_thread_drawing_from_random_changes_nothing():
    """Keras' global seed generator is seeded from Python's `random`, which every thread of a grading worker shares;
    the reference model must not draw from it. It did, and a Dask thread's draw between the seeding and the build
    failed correct submissions ("the check's models differ"). This fails with the unseeded initializers."""
    first, stop = build(), threading.Event()

    def chatter():
        while not stop.is_set():
            random.random()
            stop.wait(0.0001)

    thread = threading.Thread(target=chatter, daemon=True)
    thread.start()
    try:
        assert all(np.array_equal(build(), first) for _ in range(10))
    finally:
        stop.set()
        thread.join()
