"""Tests of TupleDataset: zip-like examples, batches by slice or index list, length checks."""

import doctest

import numpy
import pytest

from minigrad.datasets import tuple_dataset
from minigrad.datasets.tuple_dataset import TupleDataset


def _arrays():
    x = numpy.arange(12, dtype=numpy.float32).reshape(4, 3)
    t = numpy.array([3, 1, 0, 2], dtype=numpy.int32)
    return x, t


def test_integer_index_gives_a_tuple():
    d1, d2 = [8, 0, 5, 1], [3, 1, 7, 4]
    dataset = TupleDataset(d1, d2)
    assert len(dataset) == 4
    assert [dataset[i] for i in range(4)] == list(zip(d1, d2))
    assert dataset[-1] == (1, 4) and dataset[numpy.int64(2)] == (5, 7)
    assert list(dataset) == [(8, 3), (0, 1), (5, 7), (1, 4)]   # iteration stops at IndexError
    with pytest.raises(IndexError):
        dataset[4]


def test_arrays():
    x, t = _arrays()
    dataset = TupleDataset(x, t)
    a, b = dataset[2]
    numpy.testing.assert_array_equal(a, x[2])
    assert b == t[2] and b.dtype == numpy.int32


@pytest.mark.parametrize('index', [slice(1, 3), slice(None, None, -2), [3, 0, 0],
                                   numpy.array([2, 1]), numpy.array([True, False, True, True]),
                                   slice(2, 2), []])
def test_batches_are_lists_of_tuples(index):
    x, t = _arrays()
    positions = numpy.arange(4)[index].tolist()
    for dataset in (TupleDataset(x, t), TupleDataset(x, t.tolist())):
        batch = dataset[index]
        assert isinstance(batch, list) and len(batch) == len(positions)
        for (a, b), i in zip(batch, positions):
            numpy.testing.assert_array_equal(a, x[i])
            assert b == t[i]


def test_single_dataset_and_nesting():
    x, t = _arrays()
    assert TupleDataset(t)[1] == (1,)
    nested = TupleDataset(TupleDataset(x, t), t)
    (a, b), c = nested[3]
    numpy.testing.assert_array_equal(a, x[3])
    assert b == 2 and c == 2
    assert [pair[1] for pair in nested[1:3]] == [1, 0]


def test_errors():
    x, t = _arrays()
    with pytest.raises(ValueError, match='no datasets are given'):
        TupleDataset()
    with pytest.raises(ValueError, match=r'same length, got lengths \[4, 3\]'):
        TupleDataset(x, t[:3])
    dataset = TupleDataset(x, t)
    with pytest.raises(TypeError, match='an index must be an int, a slice or a 1-D list'):
        dataset['a']
    with pytest.raises(TypeError, match='must hold integers, got float64'):
        dataset[numpy.array([0.0, 1.0])]
    with pytest.raises(IndexError, match='boolean index must have length 4, got 2'):
        dataset[numpy.array([True, False])]


def test_docstring_examples():
    result = doctest.testmod(tuple_dataset)
    assert result.attempted >= 3 and result.failed == 0
