"""Tests of the normalization functions (minigrad/functions/normalization.py).

layer_normalization, batch_normalization (with running statistics) and
fixed_batch_normalization: forward against plain NumPy in float16/32/64, gradients of every
input by check_backward and check_double_backward, the first-order (array) backward path
against the differentiable one, dtypes kept by backward, and the errors.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import cpu, uniform

# float16 statistics are computed in float16: the reference runs in float64
TOL16 = dict(TOL)
TOL16[numpy.float16] = dict(atol=2e-2, rtol=2e-2)


def _np_layer_norm(x, gamma, beta, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / numpy.sqrt(var + eps) * gamma + beta


def _bn_axes(ndim, axis):
    if axis is None:
        return (0,) + tuple(range(2, ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _np_batch_norm(x, gamma, beta, eps, axis=None):
    axes = _bn_axes(x.ndim, axis)
    shape = [1 if i in axes else s for i, s in enumerate(x.shape)]
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return ((x - mean) / numpy.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape),
            mean.reshape(gamma.shape), var.reshape(gamma.shape))


def _np_fixed_batch_norm(x, gamma, beta, mean, var, eps, axis=None):
    axes = _bn_axes(x.ndim, axis)
    shape = [1 if i in axes else s for i, s in enumerate(x.shape)]
    r = [a.reshape(shape) for a in (gamma, beta, mean, var)]
    return (x - r[2]) / numpy.sqrt(r[3] + eps) * r[0] + r[1]


def _grads_both_paths(func, arrays, gy):
    # the array path (no double backprop) and the graph path must agree
    out = []
    for double in (False, True):
        vs = [minigrad.Variable(a.copy()) for a in arrays]
        y = func(*vs)
        out.append([g.array for g in minigrad.grad([y], vs, [gy],
                                                   enable_double_backprop=double)])
    return out


# ---- layer normalization -----------------------------------------------------------------

@pytest.mark.parametrize('shape', [(3, 4), (2, 3, 5), (6,)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_layer_normalization_forward(xp, shape, dtype):
    x = uniform(shape, dtype, -2, 2)
    n = shape[-1]
    gamma = uniform((n,), dtype, 0.5, 1.5, seed=1)
    beta = uniform((n,), dtype, seed=2)
    y = F.layer_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta), eps=1e-5)
    assert y.shape == shape and y.dtype == dtype
    expected = _np_layer_norm(*(a.astype(numpy.float64) for a in (x, gamma, beta)), 1e-5)
    numpy.testing.assert_allclose(cpu(y), expected, **TOL16[dtype])


@pytest.mark.parametrize('shape', [(3, 4), (2, 2, 3)])
def test_layer_normalization_backward(shape):
    x = uniform(shape, low=-2, high=2)
    gamma, beta = uniform(shape[-1:], low=0.5, high=1.5, seed=1), uniform(shape[-1:], seed=2)
    gy = uniform(shape, seed=3)

    def f(x, g, b):
        return F.layer_normalization(x, g, b, eps=1e-3)

    gradient_check.check_backward(f, (x, gamma, beta), gy)
    gradient_check.check_double_backward(
        f, (x, gamma, beta), gy, (uniform(shape, seed=4), uniform(shape[-1:], seed=5),
                                  uniform(shape[-1:], seed=6)))
    fast, graph = _grads_both_paths(f, (x, gamma, beta), gy)
    for a, b in zip(fast, graph):
        numpy.testing.assert_allclose(a, b, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_layer_normalization_grad_dtype(dtype):
    x, g, b = (minigrad.Variable(uniform(s, dtype, seed=i)) for i, s in
               enumerate([(2, 3), (3,), (3,)]))
    F.sum(F.layer_normalization(x, g, b) * x).backward()
    assert x.grad.dtype == g.grad.dtype == b.grad.dtype == dtype


def test_layer_normalization_errors():
    x = numpy.zeros((2, 3), numpy.float32)
    g = numpy.ones(3, numpy.float32)
    with pytest.raises(minigrad.InvalidType, match='layer_normalization: x must be a float'):
        F.layer_normalization(x.astype(numpy.int32), g, g)
    with pytest.raises(minigrad.InvalidType,
                       match=r'layer_normalization: gamma must have shape \(3,\).*got \(4,\)'):
        F.layer_normalization(x, numpy.ones(4, numpy.float32), g)
    with pytest.raises(minigrad.InvalidType,
                       match='beta must have the dtype of x .float32., got float64'):
        F.layer_normalization(x, g, numpy.ones(3))
    with pytest.raises(ValueError, match='eps must be >= 0'):
        F.layer_normalization(x, g, g, eps=-1)


# ---- batch normalization -----------------------------------------------------------------

BN_CASES = [((5, 3), None), ((4, 3, 2, 2), None), ((4, 3, 2), 0), ((3, 2, 4), (0, 2)),
            ((3, 4), (0, 1))]


@pytest.mark.parametrize('shape, axis', BN_CASES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_batch_normalization_forward_and_running_stats(xp, shape, axis, dtype):
    x = uniform(shape, dtype, -2, 2)
    pshape = tuple(s for i, s in enumerate(shape) if i not in _bn_axes(len(shape), axis))
    gamma = uniform(pshape, dtype, 0.5, 1.5, seed=1)
    beta = uniform(pshape, dtype, seed=2)
    rmean = xp.asarray(uniform(pshape, numpy.float32, seed=3))
    rvar = xp.asarray(uniform(pshape, numpy.float32, 0.5, 1.5, seed=4))
    rmean0, rvar0 = cpu(rmean).copy(), cpu(rvar).copy()
    y = F.batch_normalization(xp.asarray(x), xp.asarray(gamma), xp.asarray(beta), eps=1e-4,
                              running_mean=rmean, running_var=rvar, decay=0.8, axis=axis)
    assert y.shape == shape and y.dtype == dtype
    x64, g64, b64 = (a.astype(numpy.float64) for a in (x, gamma, beta))
    expected, mean, var = _np_batch_norm(x64, g64, b64, 1e-4, axis)
    numpy.testing.assert_allclose(cpu(y), expected, **TOL16[dtype])
    m = x.size // gamma.size
    tol = dict(atol=2e-3, rtol=2e-3) if dtype == numpy.float16 else dict(atol=1e-5, rtol=1e-5)
    numpy.testing.assert_allclose(cpu(rmean), 0.8 * rmean0 + 0.2 * mean, **tol)
    numpy.testing.assert_allclose(cpu(rvar), 0.8 * rvar0 + 0.2 * var * m / (m - 1), **tol)
    assert rmean.dtype == numpy.float32


@pytest.mark.parametrize('shape, axis', BN_CASES[:4])
def test_batch_normalization_backward(shape, axis):
    x = uniform(shape, low=-2, high=2)
    pshape = tuple(s for i, s in enumerate(shape) if i not in _bn_axes(len(shape), axis))
    gamma, beta = uniform(pshape, low=0.5, high=1.5, seed=1), uniform(pshape, seed=2)
    gy = uniform(shape, seed=3)

    def f(x, g, b):
        return F.batch_normalization(x, g, b, eps=1e-3, axis=axis)

    gradient_check.check_backward(f, (x, gamma, beta), gy)
    gradient_check.check_double_backward(
        f, (x, gamma, beta), gy, (uniform(shape, seed=4), uniform(pshape, seed=5),
                                  uniform(pshape, seed=6)))
    fast, graph = _grads_both_paths(f, (x, gamma, beta), gy)
    for a, b in zip(fast, graph):
        numpy.testing.assert_allclose(a, b, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_batch_normalization_grad_dtype(dtype):
    x, g, b = (minigrad.Variable(uniform(s, dtype, seed=i)) for i, s in
               enumerate([(4, 3), (3,), (3,)]))
    F.sum(F.batch_normalization(x, g, b) * x).backward()
    assert x.grad.dtype == g.grad.dtype == b.grad.dtype == dtype


def test_batch_normalization_errors():
    x = numpy.zeros((4, 3), numpy.float32)
    g = numpy.ones(3, numpy.float32)
    with pytest.raises(minigrad.InvalidType, match='batch_normalization: x must be a float'):
        F.batch_normalization(x.astype(numpy.int64), g, g)
    with pytest.raises(minigrad.InvalidType,
                       match=r'gamma must have shape \(3,\) \(x.shape without the normalized '
                             r'axes \(0,\)\), got \(4,\)'):
        F.batch_normalization(x, numpy.ones(4, numpy.float32), g)
    with pytest.raises(minigrad.InvalidType, match='at least 2 dimensions'):
        F.batch_normalization(numpy.zeros(3, numpy.float32), g, g)
    with pytest.raises(minigrad.InvalidType, match='axis 2 is out of range for x with 2'):
        F.batch_normalization(x, g, g, axis=2)
    with pytest.raises(minigrad.InvalidType, match='gamma must have the dtype of x'):
        F.batch_normalization(x, numpy.ones(3), g)
    with pytest.raises(ValueError, match='give both running_mean and running_var'):
        F.batch_normalization(x, g, g, running_mean=numpy.zeros(3, numpy.float32))
    with pytest.raises(ValueError, match='eps must be >= 0'):
        F.batch_normalization(x, g, g, eps=-0.1)


# ---- fixed batch normalization -----------------------------------------------------------

@pytest.mark.parametrize('shape, axis', BN_CASES[:4])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_fixed_batch_normalization_forward(xp, shape, axis, dtype):
    pshape = tuple(s for i, s in enumerate(shape) if i not in _bn_axes(len(shape), axis))
    arrays = [uniform(shape, dtype, -2, 2), uniform(pshape, dtype, 0.5, 1.5, seed=1),
              uniform(pshape, dtype, seed=2), uniform(pshape, dtype, seed=3),
              uniform(pshape, dtype, 0.5, 1.5, seed=4)]
    y = F.fixed_batch_normalization(*(xp.asarray(a) for a in arrays), eps=1e-4, axis=axis)
    assert y.shape == shape and y.dtype == dtype
    expected = _np_fixed_batch_norm(*(a.astype(numpy.float64) for a in arrays), 1e-4, axis)
    numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('shape, axis', [((5, 3), None), ((3, 2, 2), None), ((3, 2, 4), 0)])
def test_fixed_batch_normalization_backward(shape, axis):
    pshape = tuple(s for i, s in enumerate(shape) if i not in _bn_axes(len(shape), axis))
    arrays = (uniform(shape, low=-2, high=2), uniform(pshape, low=0.5, high=1.5, seed=1),
              uniform(pshape, seed=2), uniform(pshape, seed=3),
              uniform(pshape, low=0.5, high=1.5, seed=4))

    def f(*args):
        return F.fixed_batch_normalization(*args, eps=1e-3, axis=axis)

    gy = uniform(shape, seed=5)
    gradient_check.check_backward(f, arrays, gy)
    gradient_check.check_double_backward(
        f, arrays, gy, tuple(uniform(a.shape, seed=6 + i) for i, a in enumerate(arrays)))


def test_fixed_batch_normalization_errors():
    x = numpy.zeros((4, 3), numpy.float32)
    g = numpy.ones(3, numpy.float32)
    with pytest.raises(minigrad.InvalidType,
                       match=r'fixed_batch_normalization: var must have shape \(3,\)'):
        F.fixed_batch_normalization(x, g, g, g, numpy.ones(2, numpy.float32))
    with pytest.raises(minigrad.InvalidType, match='mean must have the dtype of x'):
        F.fixed_batch_normalization(x, g, g, numpy.zeros(3), g)
    with pytest.raises(ValueError, match='eps must be >= 0'):
        F.fixed_batch_normalization(x, g, g, g, g, eps=-1)
