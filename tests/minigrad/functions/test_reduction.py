"""Tests of reductions (minigrad/functions/reduction.py): sum, mean, max, min, logsumexp.

Forward values against plain NumPy in float16/32/64 for int, tuple and None axes with and
without keepdims, gradients by check_backward / check_double_backward (max and min on inputs
without ties), the documented split of the gradient among ties, logsumexp's stability, and the
errors.
"""

import warnings

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import cpu, uniform


def _np_logsumexp(x, axis, keepdims):
    # the plain formula: fine for the moderate inputs it is used on
    return numpy.log(numpy.exp(x).sum(axis=axis, keepdims=keepdims))


# name, function, plain NumPy reference
REDUCTIONS = [
    ('sum', F.sum, numpy.sum),
    ('mean', F.mean, numpy.mean),
    ('max', F.max, numpy.max),
    ('min', F.min, numpy.min),
    ('logsumexp', F.logsumexp, _np_logsumexp),
]

SHAPE_AXIS_KEEPDIMS = [
    ((3, 4), None, False), ((3, 4), None, True), ((3, 4), 0, False), ((3, 4), 1, True),
    ((3, 4), -1, False), ((3, 4), (0, 1), True), ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (0, 2), True), ((2, 3, 4), (-1, 0), False), ((2, 3, 4), -2, True),
    ((2, 3, 4), (), False), ((), None, False), ((), None, True), ((1, 3), 0, True),
    ((5,), 0, False),
]


def _distinct(shape, dtype=numpy.float64, seed=0):
    """Values 0.1 apart in random order: no ties, and no ties appear within eps of them."""
    n = int(numpy.prod(shape))
    a = (numpy.random.RandomState(seed).permutation(n) - n / 2) * 0.1
    return a.reshape(shape).astype(dtype)


@pytest.mark.parametrize('name, func, ref', REDUCTIONS)
@pytest.mark.parametrize('shape, axis, keepdims', SHAPE_AXIS_KEEPDIMS)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_forward(xp, name, func, ref, shape, axis, keepdims, dtype):
    a = _distinct(shape, dtype)
    y = func(xp.asarray(a), axis=axis, keepdims=keepdims)
    expected = ref(a.astype(numpy.float64), axis=axis, keepdims=keepdims)
    assert isinstance(y, minigrad.Variable)
    assert y.dtype == dtype
    assert y.shape == numpy.shape(expected)
    numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('name, func, ref', REDUCTIONS)
@pytest.mark.parametrize('shape, axis, keepdims', SHAPE_AXIS_KEEPDIMS)
def test_backward(name, func, ref, shape, axis, keepdims):
    a = _distinct(shape)
    f = lambda x: func(x, axis=axis, keepdims=keepdims)  # noqa: E731
    gradient_check.check_backward(f, a)


@pytest.mark.parametrize('name, func, ref', REDUCTIONS)
@pytest.mark.parametrize('shape, axis', [((3, 4), 1), ((2, 3, 4), (0, 2)), ((3, 4), None)])
@pytest.mark.parametrize('keepdims', [False, True])
def test_double_backward(name, func, ref, shape, axis, keepdims):
    a = _distinct(shape)
    f = lambda x: func(x, axis=axis, keepdims=keepdims)  # noqa: E731
    out_shape = numpy.shape(ref(a, axis=axis, keepdims=keepdims))
    gradient_check.check_double_backward(f, a, uniform(out_shape, seed=3),
                                         uniform(shape, seed=4))


@pytest.mark.parametrize('name, func, ref', REDUCTIONS)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_gradient_keeps_dtype(name, func, ref, dtype):
    x = minigrad.Variable(_distinct((2, 3), dtype))
    y = func(x, axis=1)
    y.grad = numpy.ones(2, dtype=dtype)
    y.backward()
    assert x.grad.dtype == dtype and x.grad.shape == (2, 3)


def test_sum_and_mean_gradients_closed_form():
    x = minigrad.Variable(uniform((2, 3, 4)))
    y = F.mean(x, axis=(0, 2))
    y.grad = numpy.array([1.0, 2.0, 3.0])
    y.backward()
    expected = numpy.broadcast_to(numpy.array([1.0, 2.0, 3.0])[:, None] / 8, (2, 3, 4))
    numpy.testing.assert_allclose(x.grad, expected, rtol=1e-12)
    x.cleargrad()
    z = F.sum(x, axis=1, keepdims=True)
    z.grad = numpy.arange(8.0).reshape(2, 1, 4)
    z.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.broadcast_to(z.grad, (2, 3, 4)))


@pytest.mark.parametrize('func', [F.sum, F.mean])
@pytest.mark.parametrize('axis, keepdims', [(None, False), ((0, 2), False), (1, True)])
def test_sum_and_mean_first_order_backward_applies_no_functions(func, axis, keepdims):
    # first order, the gradient is one new array (no reshape or broadcast_to Functions), and
    # later gradients are computed into it: the chain below ends with the right values
    from minigrad.function_hooks import CallCounter
    x = minigrad.Variable(uniform((2, 3, 4)))
    c = uniform((2, 3, 4), seed=1)
    with CallCounter(nested=True) as counter:
        y = func(x * c, axis=axis, keepdims=keepdims)
        y.grad = numpy.full(y.shape, 2.0)
        y.backward()
    # (a Function applied inside a backward counts as a nested forward call)
    assert counter.forward_calls == counter.backward_calls == {func.__name__: 1, 'mul': 1}
    n = 1 if func is F.sum else (24 if axis is None else x.size // y.size)
    numpy.testing.assert_allclose(x.grad, 2.0 / n * c, rtol=1e-12)
    x.cleargrad()
    y = func(x * c, axis=axis, keepdims=keepdims)       # the same through the recording path
    y.grad = numpy.full(y.shape, 2.0)
    y.backward(enable_double_backprop=True)
    numpy.testing.assert_allclose(x.grad, 2.0 / n * c, rtol=1e-12)


def test_max_and_min_route_the_gradient_to_the_extreme():
    a = numpy.array([[1.0, 5.0, 3.0], [4.0, -2.0, 0.0]])
    x = minigrad.Variable(a)
    y = F.max(x, axis=1)
    y.grad = numpy.array([2.0, 3.0])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [[0.0, 2.0, 0.0], [3.0, 0.0, 0.0]])
    x.cleargrad()
    F.min(x).backward()
    numpy.testing.assert_array_equal(x.grad, [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_max_and_min_split_ties_evenly():
    a = numpy.array([[3.0, 1.0, 3.0, 3.0], [2.0, 2.0, -1.0, 0.0]], dtype=numpy.float32)
    x = minigrad.Variable(a)
    F.sum(F.max(x, axis=1)).backward()
    numpy.testing.assert_allclose(x.grad, [[1 / 3, 0.0, 1 / 3, 1 / 3], [0.5, 0.5, 0.0, 0.0]],
                                  rtol=1e-6)
    assert x.grad.dtype == numpy.float32
    x.cleargrad()
    F.min(-x, axis=(0, 1)).backward()
    numpy.testing.assert_allclose(x.grad, [[-1 / 3, 0.0, -1 / 3, -1 / 3], [0.0] * 4],
                                  rtol=1e-6)
    x.cleargrad()
    F.max(x[:, :2] * numpy.ones((2, 2), dtype=numpy.float32)).backward()
    # ties across the whole array: the gradient sums to one
    numpy.testing.assert_allclose(x.grad.sum(), 1.0, rtol=1e-6)


def test_logsumexp_stable_for_large_inputs():
    small = numpy.array([[0.0, 1.0, -2.0], [0.5, 0.5, 3.0]])
    for shift in (1000.0, -1000.0):
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            y = F.logsumexp(small + shift, axis=1).array
        numpy.testing.assert_allclose(y, _np_logsumexp(small, 1, False) + shift, rtol=1e-14)


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_logsumexp_large_inputs_low_precision(dtype):
    a = numpy.array([[60000.0, 60000.0], [-60000.0, -60000.0]], dtype=dtype)
    y = F.logsumexp(a, axis=1)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array.astype(numpy.float64),
                                  [60000 + numpy.log(2), -60000 + numpy.log(2)], rtol=1e-3)


def test_logsumexp_of_all_minus_inf_is_minus_inf():
    a = numpy.array([[-numpy.inf, -numpy.inf], [0.0, -numpy.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')          # log(0) warns; the value is what matters
        y = F.logsumexp(a, axis=1).array
    numpy.testing.assert_array_equal(y, [-numpy.inf, 0.0])


def test_logsumexp_gradient_is_the_softmax():
    a = numpy.array([[1000.0, 1001.0, 999.0], [0.0, 0.0, 0.0]])
    x = minigrad.Variable(a)
    F.sum(F.logsumexp(x, axis=1)).backward()
    e = numpy.exp(a - a.max(axis=1, keepdims=True))
    numpy.testing.assert_allclose(x.grad, e / e.sum(axis=1, keepdims=True), rtol=1e-12)


# ---- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize('func', [F.sum, F.mean, F.max, F.min, F.logsumexp])
def test_axis_errors(func):
    label = func.__name__
    x = numpy.ones((2, 3))
    with pytest.raises(minigrad.InvalidType,
                       match=r'%s: axis 2 is out of range for x with 2 dimensions\n'
                             r'    x: \(2, 3\) float64' % label):
        func(x, axis=2)
    with pytest.raises(minigrad.InvalidType, match='%s: axis -3 is out of range' % label):
        func(x, axis=(0, -3))
    with pytest.raises(minigrad.InvalidType, match=r'%s: axis \(1, -1\) repeats an axis'
                       % label):
        func(x, axis=(1, -1))
    with pytest.raises(TypeError, match=r"%s: axis must be None, an int or a tuple of ints, "
                                        r"got '0'" % label):
        func(x, axis='0')
    with pytest.raises(TypeError, match='%s: axis must be None' % label):
        func(x, axis=(0.5,))


@pytest.mark.parametrize('func', [F.sum, F.mean, F.max, F.min, F.logsumexp])
def test_integer_input_error(func):
    label = func.__name__
    with pytest.raises(minigrad.InvalidType,
                       match=r'%s: x must be a float array, got int64; cast it with '
                             r'x\.astype\(numpy\.float32\)' % label):
        func(numpy.arange(4))


@pytest.mark.parametrize('func', [F.max, F.min, F.logsumexp])
def test_zero_size_axis_error(func):
    with pytest.raises(minigrad.InvalidType,
                       match='%s: cannot reduce a zero-size axis' % func.__name__):
        func(numpy.ones((0, 3)), axis=0)
    y = func(numpy.ones((0, 3)), axis=1)     # nothing is reduced over an empty axis here
    assert y.shape == (0,)


def test_numpy_integer_axis():
    a = _distinct((2, 3))
    y = F.max(a, axis=numpy.int64(1))
    numpy.testing.assert_array_equal(y.array, a.max(axis=1))
    y = F.sum(a, axis=[numpy.int32(0), 1])
    numpy.testing.assert_allclose(y.array, a.sum(), rtol=1e-12)
