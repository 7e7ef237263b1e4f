"""Helpers the notebooks import: the minibatch size the training loops use by default."""
import math

import pytest

from student_helpers.experiments import balanced_batch_size


def test_balanced_batches_are_as_few_as_possible_and_the_last_is_not_tiny():
    for at_most in range(1, 70):
        for n in range(1, 1500):
            size = balanced_batch_size(n, at_most)
            batches = math.ceil(n / size)
            last = n - (batches - 1) * size
            assert size <= at_most and batches == math.ceil(n / at_most), (n, at_most, size)
            assert 0 < last <= size and size - last < batches, (n, at_most, size, last)  # near-equal minibatches


def test_the_digits_split_gets_minibatches_of_62():
    assert balanced_batch_size(1347) == 62  # 21 of 62 and one of 45, instead of 21 of 64 and one of 3


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        balanced_batch_size(0)
