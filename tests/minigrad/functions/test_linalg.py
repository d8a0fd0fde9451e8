"""Tests of matmul and linear (minigrad/functions/linalg.py) against numpy.matmul / x @ W.T + b."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad.functions import linalg
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import cpu, uniform

# (a shape, b shape): matrices, batches, broadcast batches, and 1-D operands
MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((3, 4), (2, 4, 2)),
    ((4,), (4, 3)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
]


def _op(a, trans):
    return a.swapaxes(-1, -2) if trans and a.ndim > 1 else a


def _stored(shape, trans):
    # the array to pass so that op(a) has ``shape``
    if trans and len(shape) > 1:
        return shape[:-2] + (shape[-1], shape[-2])
    return shape


@pytest.mark.parametrize('shapes', MATMUL_SHAPES)
@pytest.mark.parametrize('transa, transb', [(False, False), (True, False), (False, True),
                                            (True, True)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_matmul_forward(xp, shapes, transa, transb, dtype):
    a = uniform(_stored(shapes[0], transa), dtype, seed=1)
    b = uniform(_stored(shapes[1], transb), dtype, seed=2)
    y = F.matmul(xp.asarray(a), xp.asarray(b), transa=transa, transb=transb)
    expected = numpy.matmul(_op(a, transa).astype(numpy.float64),
                            _op(b, transb).astype(numpy.float64))
    assert y.dtype == dtype
    assert y.shape == expected.shape
    assert type(cpu(y)) is numpy.ndarray
    numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('shapes', MATMUL_SHAPES)
@pytest.mark.parametrize('transa, transb', [(False, False), (True, True), (True, False)])
def test_matmul_backward(xp, shapes, transa, transb):
    a = xp.asarray(uniform(_stored(shapes[0], transa), seed=1))
    b = xp.asarray(uniform(_stored(shapes[1], transb), seed=2))
    gradient_check.check_backward(
        lambda a, b: F.matmul(a, b, transa=transa, transb=transb), (a, b))


@pytest.mark.parametrize('shapes', [((3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4, 3)),
                                    ((4,), (4,))])
@pytest.mark.parametrize('transb', [False, True])
def test_matmul_double_backward(xp, shapes, transb):
    a = uniform(shapes[0], seed=1)
    b = uniform(_stored(shapes[1], transb), seed=2)
    y_shape = numpy.matmul(a, _op(b, transb)).shape
    gradient_check.check_double_backward(
        lambda a, b: F.matmul(a, b, transb=transb), (xp.asarray(a), xp.asarray(b)),
        xp.asarray(uniform(y_shape, seed=3)),
        (xp.asarray(uniform(a.shape, seed=4)), xp.asarray(uniform(b.shape, seed=5))))


def test_matmul_operator_and_gradient_values():
    a = minigrad.Variable(uniform((2, 3), seed=1))
    b = minigrad.Variable(uniform((3, 4), seed=2))
    y = a @ b
    assert isinstance(y.creator, linalg.MatMul)
    gy = uniform((2, 4), seed=3)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(a.grad, gy @ b.array.T, rtol=1e-12)
    numpy.testing.assert_allclose(b.grad, a.array.T @ gy, rtol=1e-12)
    z = numpy.ones((5, 2)) @ a        # numpy array on the left gives a Variable too
    assert isinstance(z, minigrad.Variable) and z.shape == (5, 3)


def test_matmul_broadcast_gradient_is_summed():
    a = minigrad.Variable(uniform((3, 4), seed=1))
    b = minigrad.Variable(uniform((5, 4, 2), seed=2))
    F.sum(F.matmul(a, b)).backward()
    expected = numpy.ones((5, 3, 2)) @ b.array.swapaxes(-1, -2)
    assert a.grad.shape == (3, 4)
    numpy.testing.assert_allclose(a.grad, expected.sum(0), rtol=1e-12)


def test_matmul_inner_size_error():
    with pytest.raises(minigrad.InvalidType,
                       match=r'matmul: a.shape\[-1\] must equal b.shape\[-2\].*got 4 and 3'):
        F.matmul(numpy.zeros((2, 4)), numpy.zeros((3, 5)))
    with pytest.raises(minigrad.InvalidType, match=r'a.shape\[-2\] \(transa=True\)'):
        F.matmul(numpy.zeros((2, 4)), numpy.zeros((4, 5)), transa=True)


def test_matmul_batch_error():
    with pytest.raises(minigrad.InvalidType,
                       match=r'batch axes a.shape\[:-2\] = \(2,\) and b.shape\[:-2\] = \(3,\)'):
        F.matmul(numpy.zeros((2, 3, 4)), numpy.zeros((3, 4, 5)))


def test_matmul_dtype_errors():
    with pytest.raises(minigrad.InvalidType, match=r'a must be a float array, got int64'):
        F.matmul(numpy.zeros((2, 2), dtype=numpy.int64), numpy.zeros((2, 2), numpy.int64))
    with pytest.raises(minigrad.InvalidType, match='a and b must have the same dtype'):
        F.matmul(numpy.zeros((2, 2), numpy.float32), numpy.zeros((2, 2)))
    with pytest.raises(minigrad.InvalidType, match='at least one dimension'):
        F.matmul(numpy.zeros(()), numpy.zeros((2, 2)))


def _linear_ref(x, W, b):
    y = x.astype(numpy.float64) @ W.astype(numpy.float64).T
    return y if b is None else y + b


@pytest.mark.parametrize('with_bias', [True, False])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_linear_forward(xp, with_bias, dtype):
    x, W = uniform((4, 3), dtype, seed=1), uniform((2, 3), dtype, seed=2)
    b = uniform((2,), dtype, seed=3) if with_bias else None
    y = F.linear(xp.asarray(x), xp.asarray(W), None if b is None else xp.asarray(b))
    assert y.dtype == dtype and y.shape == (4, 2)
    numpy.testing.assert_allclose(cpu(y), _linear_ref(x, W, b), **TOL[dtype])
    assert isinstance(y.creator, linalg.LinearFunction) or y.creator is None


def test_linear_is_one_function():
    x = minigrad.Variable(uniform((4, 3)))
    W = minigrad.Variable(uniform((2, 3), seed=1))
    b = minigrad.Variable(uniform((2,), seed=2))
    y = F.linear(x, W, b)
    assert isinstance(y.creator, linalg.LinearFunction)
    assert [n.get_variable() for n in y.creator.inputs] == [x, W, b]


def test_linear_gradient_values():
    x = minigrad.Variable(uniform((4, 3)))
    W = minigrad.Variable(uniform((2, 3), seed=1))
    b = minigrad.Variable(uniform((2,), seed=2))
    y = F.linear(x, W, b)
    gy = uniform((4, 2), seed=3)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(x.grad, gy @ W.array, rtol=1e-12)
    numpy.testing.assert_allclose(W.grad, gy.T @ x.array, rtol=1e-12)
    numpy.testing.assert_allclose(b.grad, gy.sum(0), rtol=1e-12)


@pytest.mark.parametrize('with_bias', [True, False])
def test_linear_backward(xp, with_bias):
    args = (xp.asarray(uniform((4, 3))), xp.asarray(uniform((2, 3), seed=1)))
    if with_bias:
        args += (xp.asarray(uniform((2,), seed=2)),)
    gradient_check.check_backward(F.linear, args)


def test_linear_double_backward(xp):
    args = tuple(xp.asarray(uniform(s, seed=i)) for i, s in enumerate([(4, 3), (2, 3), (2,)]))
    ggs = tuple(xp.asarray(uniform(s, seed=10 + i))
                for i, s in enumerate([(4, 3), (2, 3), (2,)]))
    gradient_check.check_double_backward(F.linear, args, xp.asarray(uniform((4, 2), seed=9)),
                                         ggs)


def test_linear_both_backward_paths_agree():
    # array code (first order) and matmuls (double backprop) give the same gradients
    grads = []
    for double in (False, True):
        x, W, b = (minigrad.Variable(uniform(s, seed=i))
                   for i, s in enumerate([(4, 3), (2, 3), (2,)]))
        y = F.linear(x, W, b)
        F.sum(y * y).backward(enable_double_backprop=double)
        grads.append((x.grad, W.grad, b.grad))
        assert (W.grad_var.creator is not None) == double
    for g0, g1 in zip(*grads):
        numpy.testing.assert_allclose(g0, g1, rtol=1e-12)


def test_linear_parameters_in_check_backward():
    W = minigrad.Parameter(uniform((2, 3), seed=1), name='W')
    b = minigrad.Parameter(uniform((2,), seed=2), name='b')
    gradient_check.check_backward(lambda x: F.linear(x, W, b), uniform((4, 3)), params=(W, b))


def test_linear_n_batch_axes():
    x, W, b = uniform((2, 3, 4)), uniform((5, 4), seed=1), uniform((5,), seed=2)
    y = F.linear(x, W, b, n_batch_axes=2)
    assert y.shape == (2, 3, 5)
    numpy.testing.assert_allclose(y.array, x @ W.T + b, rtol=1e-12)
    gradient_check.check_backward(lambda x, W, b: F.linear(x, W, b, n_batch_axes=2),
                                  (x, W, b))


def test_linear_flattens_trailing_axes():
    # with n_batch_axes=1, the axes after the first are flattened into in_size (as in Chainer)
    x, W = uniform((2, 3, 4)), uniform((5, 12), seed=1)
    y = F.linear(x, W)
    assert y.shape == (2, 5)
    numpy.testing.assert_allclose(y.array, x.reshape(2, 12) @ W.T, rtol=1e-12)
    gradient_check.check_backward(F.linear, (x, W))


def test_linear_in_size_error():
    with pytest.raises(minigrad.InvalidType,
                       match=r'linear: x.shape\[1\] must equal W.shape\[1\] \(in_size\), got '
                             r'3 and 4\n.*x: \(2, 3\) float32.*W: \(5, 4\) float32'):
        F.linear(numpy.zeros((2, 3), numpy.float32), numpy.zeros((5, 4), numpy.float32))


def test_linear_other_errors():
    x, W = numpy.zeros((2, 3)), numpy.zeros((5, 3))
    with pytest.raises(minigrad.InvalidType, match=r'b must have shape \(out_size,\) = \(5,\)'):
        F.linear(x, W, numpy.zeros(3))
    with pytest.raises(minigrad.InvalidType, match=r'W must be 2-dimensional \(out_size'):
        F.linear(x, numpy.zeros(3))
    with pytest.raises(minigrad.InvalidType, match='x must be a float array, got int64'):
        F.linear(numpy.zeros((2, 3), numpy.int64), W)
    with pytest.raises(minigrad.InvalidType, match='x, W must have the same dtype|x and W'):
        F.linear(x.astype(numpy.float32), W)
    with pytest.raises(ValueError, match='n_batch_axes must be a positive int'):
        F.linear(x, W, n_batch_axes=0)
    with pytest.raises(ValueError, match=r'n_batch_axes \(2\) must be less than x.ndim \(2\)'):
        F.linear(x, W, n_batch_axes=2)
