"""Tests of activation functions (minigrad/functions/activation.py).

sigmoid, tanh, relu, leaky_relu, softmax and log_softmax: forward values against plain NumPy in
float16/32/64, gradients by check_backward / check_double_backward (relu inputs away from 0),
higher derivatives of tanh against their closed forms, stability for inputs around 1000, and
the errors.
"""

import warnings

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import away_from_zero, cpu, uniform

SHAPES = [(3, 2), (), (2, 3, 4)]


def _np_sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _np_leaky_relu(slope):
    return lambda x: numpy.where(x > 0, x, slope * x)


# name, function, plain NumPy reference
ELEMENTWISE = [
    ('sigmoid', F.sigmoid, _np_sigmoid),
    ('tanh', F.tanh, numpy.tanh),
    ('relu', F.relu, lambda x: numpy.maximum(x, 0)),
    ('leaky_relu', F.leaky_relu, _np_leaky_relu(0.2)),
    ('leaky_relu_0.5', lambda x: F.leaky_relu(x, slope=0.5), _np_leaky_relu(0.5)),
    ('leaky_relu_neg', lambda x: F.leaky_relu(x, slope=-1.5), _np_leaky_relu(-1.5)),
]


@pytest.mark.parametrize('name, func, ref', ELEMENTWISE)
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_elementwise_forward(xp, name, func, ref, shape, dtype):
    a = away_from_zero(shape, dtype) * 3
    y = func(xp.asarray(a))
    assert isinstance(y, minigrad.Variable)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(cpu(y), ref(a.astype(numpy.float64)), **TOL[dtype])


@pytest.mark.parametrize('name, func, ref', ELEMENTWISE)
@pytest.mark.parametrize('shape', [(3, 2), ()])
def test_elementwise_backward(name, func, ref, shape):
    a = away_from_zero(shape) * 3            # relu and leaky_relu have a kink at 0
    gradient_check.check_backward(func, a)
    gradient_check.check_double_backward(func, a, uniform(shape, seed=3), uniform(shape, seed=4))


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_sigmoid_gradient_closed_form(xp, dtype):
    a = uniform((6,), dtype, -3, 3)
    x = minigrad.Variable(xp.asarray(a))
    F.sum(F.sigmoid(x)).backward()
    s = _np_sigmoid(a.astype(numpy.float64))
    assert x.grad.dtype == dtype
    numpy.testing.assert_allclose(cpu(x.grad), s * (1 - s), **TOL[dtype])


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_sigmoid_and_tanh_saturate_without_overflow(xp, dtype):
    a = numpy.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter('error')                 # no overflow warning either
        s = cpu(F.sigmoid(xp.asarray(a)))
        t = cpu(F.tanh(xp.asarray(a)))
    numpy.testing.assert_allclose(s, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-7)
    numpy.testing.assert_allclose(t, [-1.0, -1.0, 0.0, 1.0, 1.0], atol=1e-7)


def test_tanh_higher_derivatives_closed_form():
    a = numpy.linspace(-2.0, 2.0, 9)
    x = minigrad.Variable(a)
    g1, = minigrad.grad(F.sum(F.tanh(x)), x, enable_double_backprop=True)
    g2, = minigrad.grad(F.sum(g1), x, enable_double_backprop=True)
    g3, = minigrad.grad(F.sum(g2), x, enable_double_backprop=True)
    t = numpy.tanh(a)
    numpy.testing.assert_allclose(g1.array, 1 - t ** 2, rtol=1e-12, atol=1e-14)
    numpy.testing.assert_allclose(g2.array, -2 * t * (1 - t ** 2), rtol=1e-12, atol=1e-14)
    numpy.testing.assert_allclose(g3.array, -2 * (1 - t ** 2) * (1 - 3 * t ** 2),
                                  rtol=1e-12, atol=1e-14)
    assert x.grad is None                     # grad() leaves .grad alone


def test_sigmoid_second_derivative_closed_form():
    a = numpy.linspace(-3.0, 3.0, 7)
    x = minigrad.Variable(a)
    g1, = minigrad.grad(F.sum(F.sigmoid(x)), x, enable_double_backprop=True)
    g2, = minigrad.grad(F.sum(g1), x)
    s = _np_sigmoid(a)
    numpy.testing.assert_allclose(g2.array, s * (1 - s) * (1 - 2 * s), rtol=1e-12, atol=1e-14)


def test_relu_and_leaky_relu_gradients_at_the_kink():
    x = minigrad.Variable(numpy.array([-2.0, 0.0, 3.0], dtype=numpy.float32))
    F.sum(F.relu(x)).backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])       # 0 at x == 0
    assert x.grad.dtype == numpy.float32
    x.cleargrad()
    F.sum(F.leaky_relu(x, slope=0.25)).backward()
    numpy.testing.assert_array_equal(x.grad, [0.25, 1.0, 1.0])      # 1 at x == 0
    assert x.grad.dtype == numpy.float32


def test_leaky_relu_numpy_slope_keeps_float16():
    x = numpy.array([-2.0, 1.0], dtype=numpy.float16)
    y = F.leaky_relu(x, slope=numpy.float64(0.5))
    assert y.dtype == numpy.float16
    numpy.testing.assert_array_equal(y.array, numpy.array([-1.0, 1.0], numpy.float16))


@pytest.mark.parametrize('func', [F.sigmoid, F.tanh, F.relu, F.leaky_relu, F.softmax,
                                  F.log_softmax])
def test_integer_input_error(func):
    label = func.__name__
    with pytest.raises(minigrad.InvalidType,
                       match=r'%s: x must be a float array, got int64; cast it with '
                             r'x\.astype\(numpy\.float32\)' % label):
        func(numpy.arange(6).reshape(2, 3))


@pytest.mark.parametrize('slope', ['0.2', None, numpy.ones(2), True])
def test_leaky_relu_slope_must_be_a_number(slope):
    with pytest.raises(TypeError, match='leaky_relu: slope must be a real number'):
        F.leaky_relu(numpy.ones(2), slope=slope)


# ---- softmax and log_softmax ---------------------------------------------------------------

def _np_softmax(x, axis):
    e = numpy.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(x, axis):
    # the plain formula: fine for the moderate inputs it is used on
    return x - numpy.log(numpy.exp(x).sum(axis=axis, keepdims=True))


SOFTMAXES = [
    ('softmax', F.softmax, _np_softmax),
    ('log_softmax', F.log_softmax, _np_log_softmax),
]

SHAPE_AXES = [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), 0),
              ((5,), 0), ((1, 1), 1)]


@pytest.mark.parametrize('name, func, ref', SOFTMAXES)
@pytest.mark.parametrize('shape, axis', SHAPE_AXES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_softmax_forward(xp, name, func, ref, shape, axis, dtype):
    a = uniform(shape, dtype, -3, 3)
    y = func(xp.asarray(a), axis=axis)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(cpu(y), ref(a.astype(numpy.float64), axis), **TOL[dtype])


def test_softmax_default_axis_is_1():
    a = uniform((2, 3, 4))
    numpy.testing.assert_allclose(F.softmax(a).array, _np_softmax(a, 1), rtol=1e-12)
    numpy.testing.assert_allclose(F.log_softmax(a).array, _np_log_softmax(a, 1), rtol=1e-12)


@pytest.mark.parametrize('name, func, ref', SOFTMAXES)
@pytest.mark.parametrize('shape, axis', [((3, 4), 1), ((2, 3, 4), 0), ((5,), 0)])
def test_softmax_backward(name, func, ref, shape, axis):
    a = uniform(shape, numpy.float64, -2, 2)
    f = lambda x: func(x, axis=axis)  # noqa: E731
    gradient_check.check_backward(f, a)
    gradient_check.check_double_backward(f, a, uniform(shape, seed=3), uniform(shape, seed=4))


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_softmax_and_log_softmax_stable_for_large_inputs(xp, dtype):
    small = numpy.array([[0.0, 1.0, -2.0], [0.5, 0.5, 3.0]])
    for shift in (1000.0, -1000.0):
        a = (small + shift).astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter('error')             # no overflow or invalid value
            y = cpu(F.softmax(xp.asarray(a)))
            z = cpu(F.log_softmax(xp.asarray(a)))
        # both are invariant under a shift, so the small inputs give the exact answer (for
        # float16, which cannot hold 1000 + small exactly, the small part it does hold)
        held = a.astype(numpy.float64) - shift
        ref = held - numpy.log(numpy.exp(held).sum(axis=1, keepdims=True))
        assert numpy.isfinite(y).all() and numpy.isfinite(z).all()
        numpy.testing.assert_allclose(z, ref, **TOL[dtype])
        numpy.testing.assert_allclose(y, numpy.exp(ref), **TOL[dtype])


def test_log_softmax_keeps_tiny_probabilities():
    a = numpy.array([[0.0, -800.0]])
    z = F.log_softmax(a).array
    # log(softmax) would give -inf for the second entry
    numpy.testing.assert_allclose(z, [[0.0, -800.0]], atol=1e-12)


def test_log_softmax_gradient_at_large_inputs():
    a = numpy.array([[1000.0, 1001.0, 999.0]])
    x = minigrad.Variable(a)
    gy = numpy.array([[1.0, -2.0, 0.5]])
    y = F.log_softmax(x)
    y.grad = gy
    y.backward()
    p = _np_softmax(a - 1000.0, 1)
    numpy.testing.assert_allclose(x.grad, gy - p * gy.sum(), rtol=1e-12)


def test_softmax_axis_errors():
    with pytest.raises(minigrad.InvalidType,
                       match=r'softmax: axis 1 is out of range for x with 1 dimensions .*'
                             r'for a vector use axis=0'):
        F.softmax(numpy.ones(3))
    with pytest.raises(minigrad.InvalidType, match='log_softmax: axis -3 is out of range'):
        F.log_softmax(numpy.ones((2, 3)), axis=-3)
    with pytest.raises(TypeError, match=r'softmax: axis must be an int, got tuple'):
        F.softmax(numpy.ones((2, 3)), axis=(0, 1))
    with pytest.raises(TypeError, match=r'log_softmax: axis must be an int, got NoneType'):
        F.log_softmax(numpy.ones((2, 3)), axis=None)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_sigmoid_keeps_relative_precision_for_negative_inputs(dtype):
    # tanh(x / 2) / 2 + 1 / 2 gave 0 from x = -17 in float32 (and -38 in float64), so
    # log(sigmoid(x)) was -inf there; PyTorch keeps these values
    x = numpy.array([-80.0, -30.0, -20.0, -17.0, -5.0, 0.0, 5.0, 30.0], dtype=dtype)
    expected = 1.0 / (1.0 + numpy.exp(-x.astype(numpy.float64)))
    y = F.sigmoid(x).array
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y, expected, rtol=4 * numpy.finfo(dtype).eps)


def test_sigmoid_under_numpy_raise_mode():
    with numpy.errstate(all='raise'):
        y = F.sigmoid(numpy.array([-800.0, 800.0], numpy.float32)).array
    numpy.testing.assert_array_equal(y, [0.0, 1.0])
