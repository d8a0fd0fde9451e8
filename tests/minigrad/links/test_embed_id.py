"""Tests of the EmbedID link (minigrad/links/embed_id.py).

Lookup against NumPy indexing, the gradient of W (float64 check, repeated ids summing up),
ignore_label, the Normal(1.0) default initializer, repr, and a bad id.
"""

import numpy
import pytest

import minigrad.functions as F
import minigrad.links as L
from minigrad import gradient_check
from tests.helpers import cpu


def test_forward_against_numpy(xp):
    embed = L.EmbedID(6, 4)
    if xp is not numpy:
        embed.to_gpu()
    ids = numpy.array([[0, 5, 2], [2, 2, 1]], dtype=numpy.int32)
    y = embed(xp.asarray(ids))
    assert y.shape == (2, 3, 4) and y.dtype == numpy.float32
    numpy.testing.assert_array_equal(cpu(y), cpu(embed.W.array)[ids])


def test_backward_of_W():
    embed = L.EmbedID(5, 3)
    ids = numpy.array([[1, 4, 1], [0, 1, 3]], dtype=numpy.int32)
    gradient_check.check_backward(embed, ids, params=(embed.W,))
    gy = numpy.random.RandomState(1).normal(size=(2, 3, 3)).astype(numpy.float32)
    embed.cleargrads()
    F.sum(embed(ids) * gy).backward()
    expected = numpy.zeros((5, 3), numpy.float32)
    numpy.add.at(expected, ids, gy)        # id 1 appears three times: its rows sum up
    numpy.testing.assert_allclose(embed.W.grad, expected, rtol=1e-6)


def test_ignore_label():
    embed = L.EmbedID(4, 2, ignore_label=-1)
    ids = numpy.array([3, -1, 0], dtype=numpy.int32)
    y = embed(ids)
    numpy.testing.assert_array_equal(y.array[1], 0)
    numpy.testing.assert_array_equal(y.array[[0, 2]], embed.W.array[[3, 0]])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(embed.W.grad, [[1, 1], [0, 0], [0, 0], [1, 1]])
    assert repr(embed) == ('EmbedID(in_size=4, out_size=2, ignore_label=-1) '
                           '{W: (4, 2) float32}')


def test_default_initializer_and_custom():
    numpy.random.seed(0)
    W = L.EmbedID(300, 200).W.array
    assert abs(W.std() - 1.0) < 0.02 and abs(W.mean()) < 0.02
    embed = L.EmbedID(3, 2, initialW=numpy.arange(6).reshape(3, 2))
    assert embed.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(embed(numpy.array([2])).array, [[4, 5]])


def test_bad_id():
    with pytest.raises(ValueError):
        L.EmbedID(3, 2)(numpy.array([3]))
