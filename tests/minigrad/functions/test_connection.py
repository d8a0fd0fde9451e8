"""Tests of embed_id (minigrad/functions/connection.py): lookup, ignore_label, scatter-add grad."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad.functions import connection
from tests.conftest import FLOAT_DTYPES
from tests.helpers import cpu, uniform


@pytest.mark.parametrize('x_shape', [(4,), (2, 3), ()])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_embed_id_forward(xp, x_shape, dtype):
    W = uniform((5, 3), dtype)
    x = numpy.random.RandomState(1).randint(0, 5, x_shape).astype(numpy.int32)
    y = F.embed_id(xp.asarray(x), xp.asarray(W))
    assert y.shape == x_shape + (3,) and y.dtype == dtype
    expected = numpy.stack([W[i] for i in x.reshape(-1)]).reshape(x_shape + (3,))
    numpy.testing.assert_array_equal(cpu(y), expected)


def test_embed_id_ignore_label_gives_zero_rows(xp):
    W = uniform((4, 2))
    x = numpy.array([[3, -1], [0, 3]], dtype=numpy.int32)
    y = F.embed_id(xp.asarray(x), xp.asarray(W), ignore_label=-1)
    numpy.testing.assert_array_equal(cpu(y), [[W[3], [0, 0]], [W[0], W[3]]])


def _scatter_ref(x, gy, V, ignore_label=None):
    gW = numpy.zeros((V, gy.shape[-1]))
    for i, row in zip(x.reshape(-1), gy.reshape(-1, gy.shape[-1])):
        if i != ignore_label:
            gW[i] += row
    return gW


@pytest.mark.parametrize('ignore_label', [None, -1, 2])
def test_embed_id_gradient_adds_repeated_ids(xp, ignore_label):
    x = numpy.array([[1, 2, 1], [-1 if ignore_label == -1 else 0, 1, 2]], dtype=numpy.int32)
    W = minigrad.Variable(xp.asarray(uniform((4, 3))))
    y = F.embed_id(xp.asarray(x), W, ignore_label=ignore_label)
    gy = uniform((2, 3, 3), seed=1)
    y.grad = xp.asarray(gy)
    y.backward()
    numpy.testing.assert_allclose(cpu(W.grad), _scatter_ref(x, gy, 4, ignore_label),
                                  rtol=1e-12)


@pytest.mark.parametrize('ignore_label', [None, -1])
def test_embed_id_backward(xp, ignore_label):
    x = xp.asarray(numpy.array([[0, 2, 2], [-1 if ignore_label == -1 else 1, 3, 0]]))
    W = xp.asarray(uniform((4, 2)))
    gradient_check.check_backward(
        lambda x, W: F.embed_id(x, W, ignore_label=ignore_label), (x, W))


@pytest.mark.parametrize('ignore_label', [None, -1])
def test_embed_id_double_backward(xp, ignore_label):
    x = xp.asarray(numpy.array([0, 2, 2, -1 if ignore_label == -1 else 1]))
    W = xp.asarray(uniform((4, 2)))
    gy = xp.asarray(uniform((4, 2), seed=1))
    ggW = xp.asarray(uniform((4, 2), seed=2))
    # linear in W: this checks the gradient of gW with respect to gy
    gradient_check.check_double_backward(
        lambda x, W: F.embed_id(x, W, ignore_label=ignore_label), (x, W), gy, (None, ggW))
    # nonlinear in W: the second derivative flows through EmbedIDGrad's backward
    gradient_check.check_double_backward(
        lambda x, W: F.embed_id(x, W, ignore_label=ignore_label) ** 3, (x, W), gy,
        (None, ggW))


def test_embed_id_grad_is_a_separate_function():
    W = minigrad.Variable(uniform((3, 2)))
    y = F.embed_id(numpy.array([0, 2, 0]), W)
    F.sum(y * y).backward(enable_double_backprop=True)
    assert isinstance(W.grad_var.creator, connection.EmbedIDGrad)
    numpy.testing.assert_allclose(W.grad, [2 * 2 * W.array[0], [0, 0], 2 * W.array[2]],
                                  rtol=1e-12)


def test_embed_id_ids_variable_gets_no_gradient():
    W = minigrad.Variable(uniform((3, 2)))
    x = minigrad.Variable(numpy.array([0, 1]))
    F.sum(F.embed_id(x, W)).backward()
    assert x.grad is None
    numpy.testing.assert_array_equal(W.grad, [[1, 1], [1, 1], [0, 0]])


def test_embed_id_out_of_range_errors():
    W = numpy.zeros((5, 2))
    with pytest.raises(ValueError, match=r'embed_id: x holds ids outside \[0, V\) = \[0, 5\): '
                                         r'largest 7, smallest 6; W has V = 5 rows '
                                         r'\(W.shape\[0\]\), so the vocabulary needs at least 8'):
        F.embed_id(numpy.array([0, 7, 3, 6]), W)
    # a negative id: no vocabulary size would help (it said "needs at least -1")
    with pytest.raises(ValueError, match=r'other than ignore_label=-1: largest -2, smallest '
                                         r'-2; ids cannot be negative'):
        F.embed_id(numpy.array([0, -2, 3, -1]), W, ignore_label=-1)
    with pytest.raises(ValueError, match='smallest -1; ids cannot be negative'):
        F.embed_id(numpy.array([0, -1]), W)


def test_embed_id_type_errors():
    with pytest.raises(minigrad.InvalidType,
                       match=r'embed_id: x must be an integer array of ids, got float64; cast '
                             r'it with x.astype\(numpy.int32\)'):
        F.embed_id(numpy.zeros(3), numpy.zeros((5, 2)))
    with pytest.raises(minigrad.InvalidType, match=r'W must be 2-dimensional \(V, N\)'):
        F.embed_id(numpy.zeros(3, numpy.int32), numpy.zeros(5))
    with pytest.raises(minigrad.InvalidType, match='W must be a float array'):
        F.embed_id(numpy.zeros(3, numpy.int32), numpy.zeros((5, 2), numpy.int32))
