"""Tests of accuracy (minigrad/functions/evaluation.py) against a plain-NumPy count."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad.functions import evaluation
from tests.conftest import FLOAT_DTYPES
from tests.helpers import cpu, uniform


def _accuracy_ref(y, t, ignore_label=None):
    pred = y.argmax(axis=1)
    keep = numpy.ones(t.shape, bool) if ignore_label is None else t != ignore_label
    return (pred == t)[keep].sum() / max(keep.sum(), 1)


@pytest.mark.parametrize('shapes', [((6, 4), (6,)), ((3, 4, 5), (3, 5)), ((1, 3), (1,))])
@pytest.mark.parametrize('ignore_label', [None, -1])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_accuracy(xp, shapes, ignore_label, dtype):
    y = uniform(shapes[0], dtype, seed=1)
    t = numpy.random.RandomState(2).randint(0, shapes[0][1], shapes[1]).astype(numpy.int32)
    t.reshape(-1)[::4] = -1 if ignore_label == -1 else 0
    acc = F.accuracy(xp.asarray(y), xp.asarray(t), ignore_label=ignore_label)
    assert acc.shape == () and acc.dtype == dtype
    assert type(cpu(acc)) is numpy.ndarray
    numpy.testing.assert_allclose(cpu(acc), _accuracy_ref(y, t, ignore_label),
                                  rtol=1e-3 if dtype == numpy.float16 else 1e-6)


def test_accuracy_known_value_and_ignored_rows():
    y = numpy.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]], numpy.float32)
    assert F.accuracy(y, numpy.array([0, 1, 1, 0])).array == 0.5
    assert F.accuracy(y, numpy.array([0, 1, 1, -1]), ignore_label=-1).array == numpy.float32(
        2 / 3)


def test_accuracy_all_ignored_is_zero(xp):
    y = xp.asarray(uniform((3, 4), numpy.float32))
    acc = F.accuracy(y, xp.full((3,), -1, dtype=numpy.int32), ignore_label=-1)
    assert cpu(acc) == 0 and acc.dtype == numpy.float32


def test_accuracy_is_not_differentiable():
    y = minigrad.Variable(uniform((3, 2)))
    acc = F.accuracy(y, numpy.array([0, 1, 1]))
    assert not acc.requires_grad and acc.creator is None
    acc.backward()                            # nothing behind it: no gradient appears
    assert y.grad is None
    # the Function itself refuses to differentiate, with an explanation
    out, = evaluation.Accuracy().apply((y, numpy.array([0, 1, 1])))
    with pytest.raises(NotImplementedError, match='accuracy is not differentiable'):
        out.backward()


def test_accuracy_errors():
    y = numpy.zeros((3, 2), numpy.float32)
    with pytest.raises(minigrad.InvalidType, match='accuracy: t must be an integer array'):
        F.accuracy(y, numpy.zeros(3, numpy.float32))
    with pytest.raises(minigrad.InvalidType, match=r't.shape must be \(y.shape\[0\],\)'):
        F.accuracy(y, numpy.zeros(4, numpy.int32))
    with pytest.raises(minigrad.InvalidType, match='y must be a float array'):
        F.accuracy(y.astype(numpy.int32), numpy.zeros(3, numpy.int32))
