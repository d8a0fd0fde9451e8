"""Tests of elementwise math (minigrad/functions/elementwise.py).

sqrt, square, exp, log, sin, cos, clip, maximum and minimum: forward values against plain NumPy
in float16/32/64, gradients by check_backward / check_double_backward (inputs away from the kinks
of clip, maximum and minimum), the documented gradients at the kinks, and the errors.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import cpu, uniform

SHAPES = [(3, 2), (), (2, 3, 4)]

# name, function, plain NumPy reference, input range
UNARY = [
    ('sqrt', F.sqrt, numpy.sqrt, (0.5, 2.0)),
    ('square', F.square, numpy.square, (-2.0, 2.0)),
    ('exp', F.exp, numpy.exp, (-2.0, 2.0)),
    ('log', F.log, numpy.log, (0.5, 2.0)),
    ('sin', F.sin, numpy.sin, (-3.0, 3.0)),
    ('cos', F.cos, numpy.cos, (-3.0, 3.0)),
]


@pytest.mark.parametrize('name, func, ref, bounds', UNARY)
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_unary_forward(xp, name, func, ref, bounds, shape, dtype):
    a = uniform(shape, dtype, *bounds)
    y = func(xp.asarray(a))
    assert isinstance(y, minigrad.Variable)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(cpu(y), ref(a.astype(numpy.float64)), **TOL[dtype])


@pytest.mark.parametrize('name, func, ref, bounds', UNARY)
@pytest.mark.parametrize('shape', [(3, 2), ()])
def test_unary_backward(name, func, ref, bounds, shape):
    a = uniform(shape, numpy.float64, *bounds)
    gradient_check.check_backward(func, a)
    gradient_check.check_double_backward(func, a, uniform(shape, seed=3), uniform(shape, seed=4))


# closed-form derivatives, independent of the backward code
DERIVATIVES = {
    'sqrt': lambda x: 0.5 / numpy.sqrt(x),
    'square': lambda x: 2 * x,
    'exp': numpy.exp,
    'log': lambda x: 1 / x,
    'sin': numpy.cos,
    'cos': lambda x: -numpy.sin(x),
}


@pytest.mark.parametrize('name, func, ref, bounds', UNARY)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_unary_gradient_closed_form(xp, name, func, ref, bounds, dtype):
    a = uniform((5,), dtype, *bounds)
    x = minigrad.Variable(xp.asarray(a))
    F.sum(func(x)).backward()
    assert x.grad.dtype == dtype
    numpy.testing.assert_allclose(cpu(x.grad), DERIVATIVES[name](a.astype(numpy.float64)),
                                  **TOL[dtype])


@pytest.mark.parametrize('func', [F.sqrt, F.square, F.sin, F.cos, F.exp, F.log])
def test_unary_integer_input_error(func):
    label = func.__name__
    with pytest.raises(minigrad.InvalidType,
                       match=r'%s: x must be a float array, got int64; cast it with '
                             r'x\.astype\(numpy\.float32\)' % label):
        func(numpy.arange(3))


# ---- clip ----------------------------------------------------------------------------------

def _away_from(bounds, shape, dtype=numpy.float64, seed=0):
    """Values in (-2, 2) at least 0.05 away from each bound (clip's kinks)."""
    x = uniform(shape, numpy.float64, -2.0, 2.0, seed)
    for b in bounds:
        if b is not None:
            near = numpy.abs(x - b) < 0.05
            x[near] = b + numpy.where(x[near] < b, -0.05, 0.05)
    return x.astype(dtype)


CLIP_BOUNDS = [(-0.5, 0.7), (None, 0.3), (-0.3, None)]


@pytest.mark.parametrize('x_min, x_max', CLIP_BOUNDS)
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_clip_forward(xp, x_min, x_max, shape, dtype):
    a = _away_from((x_min, x_max), shape, dtype)
    y = F.clip(xp.asarray(a), x_min, x_max)
    assert y.dtype == dtype and y.shape == shape
    lo = -numpy.inf if x_min is None else x_min
    hi = numpy.inf if x_max is None else x_max
    expected = numpy.minimum(numpy.maximum(a.astype(numpy.float64), lo), hi)
    numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('x_min, x_max', CLIP_BOUNDS)
def test_clip_backward(x_min, x_max):
    a = _away_from((x_min, x_max), (4, 3))
    func = lambda x: F.clip(x, x_min, x_max)  # noqa: E731
    gradient_check.check_backward(func, a)
    gradient_check.check_double_backward(func, a, uniform((4, 3), seed=3),
                                         uniform((4, 3), seed=4))


def test_clip_gradient_passes_strictly_inside():
    x = minigrad.Variable(numpy.array([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0]))
    F.sum(F.clip(x, -1.0, 1.0)).backward()
    # 0 at the bounds themselves
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    x.cleargrad()
    F.sum(F.clip(x, None, 1.0)).backward()
    numpy.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    x.cleargrad()
    F.sum(F.clip(x, -1.0, None)).backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0, 1.0, 1.0, 1.0])


def test_clip_numpy_float64_bounds_keep_float32():
    x = minigrad.Variable(numpy.array([-3.0, 0.25, 3.0], dtype=numpy.float32))
    y = F.clip(x, numpy.float64(-1.0), numpy.float64(1.0))
    assert y.dtype == numpy.float32
    numpy.testing.assert_array_equal(y.array, numpy.array([-1.0, 0.25, 1.0], numpy.float32))
    F.sum(y).backward()
    assert x.grad.dtype == numpy.float32


def test_clip_bad_settings():
    x = numpy.zeros(3)
    with pytest.raises(ValueError, match='clip: x_min and x_max are both None'):
        F.clip(x, None, None)
    with pytest.raises(ValueError, match='clip: x_min must be less than x_max, got x_min=1.0, '
                                         'x_max=1.0'):
        F.clip(x, 1.0, 1.0)
    with pytest.raises(ValueError, match='x_min must be less than x_max'):
        F.clip(x, 2.0, -2.0)
    with pytest.raises(TypeError, match='clip: x_max must be a real number or None, got ndarray'):
        F.clip(x, 0.0, numpy.ones(3))
    with pytest.raises(TypeError, match='clip: x_min must be a real number or None, got str'):
        F.clip(x, '0', 1.0)


def test_clip_integer_input_error():
    with pytest.raises(minigrad.InvalidType, match='clip: x must be a float array, got int64'):
        F.clip(numpy.arange(3), 0.0, 1.0)


# ---- maximum and minimum -------------------------------------------------------------------

def _grid(shape, offset=0.0, dtype=numpy.float64, seed=0):
    """Multiples of 0.1 (plus ``offset``): two grids offset by 0.05 never tie or come close."""
    rng = numpy.random.RandomState(seed)
    return (rng.randint(-10, 10, shape) * 0.1 + offset).astype(dtype)


PAIRS = [
    ('maximum', F.maximum, numpy.maximum),
    ('minimum', F.minimum, numpy.minimum),
]

PAIR_SHAPES = [((3, 2), (3, 2)), ((3, 2), (2,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((), ())]


@pytest.mark.parametrize('name, func, ref', PAIRS)
@pytest.mark.parametrize('shapes', PAIR_SHAPES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_maximum_minimum_forward(xp, name, func, ref, shapes, dtype):
    a = _grid(shapes[0], 0.0, dtype, seed=1)
    b = _grid(shapes[1], 0.05, dtype, seed=2)
    y = func(xp.asarray(a), xp.asarray(b))
    expected = ref(a.astype(numpy.float64), b.astype(numpy.float64))
    assert y.dtype == dtype and y.shape == expected.shape
    numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('name, func, ref', PAIRS)
@pytest.mark.parametrize('shapes', PAIR_SHAPES)
def test_maximum_minimum_backward(name, func, ref, shapes):
    a = _grid(shapes[0], 0.0, seed=1)
    b = _grid(shapes[1], 0.05, seed=2)
    gradient_check.check_backward(func, (a, b))
    out_shape = numpy.broadcast_shapes(shapes[0], shapes[1])
    gradient_check.check_double_backward(
        func, (a, b), uniform(out_shape, seed=3),
        (uniform(shapes[0], seed=4), uniform(shapes[1], seed=5)))


@pytest.mark.parametrize('name, func, ref', PAIRS)
@pytest.mark.parametrize('scalar', [0.05, numpy.float64(0.05), numpy.float32(0.05)],
                         ids=['float', 'float64', 'float32'])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_maximum_minimum_with_a_scalar_on_either_side(xp, name, func, ref, scalar, dtype):
    a = _grid((3, 4), 0.0, dtype)
    expected = ref(a.astype(numpy.float64), float(scalar))
    for y in (func(xp.asarray(a), scalar), func(scalar, minigrad.Variable(xp.asarray(a)))):
        assert isinstance(y, minigrad.Variable)
        assert y.dtype == dtype and y.shape == (3, 4)
        numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('name, func, ref', PAIRS)
def test_maximum_minimum_scalar_backward(name, func, ref):
    a = _grid((3, 4), 0.0)
    for f in (lambda x: func(x, 0.05), lambda x: func(0.05, x)):
        gradient_check.check_backward(f, a)
        gradient_check.check_double_backward(f, a, uniform((3, 4), seed=3),
                                             uniform((3, 4), seed=4))


def test_maximum_gradient_goes_to_the_larger_side_and_ties_split():
    x1 = minigrad.Variable(numpy.array([1.0, 2.0, 3.0]))
    x2 = minigrad.Variable(numpy.array([0.0, 2.0, 5.0]))
    F.sum(F.maximum(x1, x2) * numpy.array([1.0, 2.0, 4.0])).backward()
    numpy.testing.assert_array_equal(x1.grad, [1.0, 1.0, 0.0])
    numpy.testing.assert_array_equal(x2.grad, [0.0, 1.0, 4.0])


def test_minimum_gradient_goes_to_the_smaller_side_and_ties_split():
    x1 = minigrad.Variable(numpy.array([1.0, 2.0, 3.0]))
    x2 = minigrad.Variable(numpy.array([0.0, 2.0, 5.0]))
    F.sum(F.minimum(x1, x2) * numpy.array([1.0, 2.0, 4.0])).backward()
    numpy.testing.assert_array_equal(x1.grad, [0.0, 1.0, 4.0])
    numpy.testing.assert_array_equal(x2.grad, [1.0, 1.0, 0.0])


def test_maximum_minimum_with_scalar_tie_gets_half():
    x = minigrad.Variable(numpy.array([-1.0, 0.0, 1.0], dtype=numpy.float32))
    F.sum(F.maximum(x, 0.0)).backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.5, 1.0])
    assert x.grad.dtype == numpy.float32
    x.cleargrad()
    F.sum(F.minimum(0.0, x)).backward()
    numpy.testing.assert_array_equal(x.grad, [1.0, 0.5, 0.0])


def test_maximum_broadcast_gradient_is_summed_back():
    x1 = minigrad.Variable(numpy.array([[1.0], [-1.0]]))      # (2, 1)
    x2 = minigrad.Variable(numpy.array([0.0, 2.0, -2.0]))     # (3,)
    F.sum(F.maximum(x1, x2)).backward()
    # row 0 (1.0) beats 0.0 and -2.0; row 1 (-1.0) beats only -2.0
    numpy.testing.assert_array_equal(x1.grad, [[2.0], [1.0]])
    numpy.testing.assert_array_equal(x2.grad, [1.0, 2.0, 0.0])


@pytest.mark.parametrize('func', [F.maximum, F.minimum])
def test_maximum_minimum_errors(func):
    label = func.__name__
    x = numpy.ones((2, 3), dtype=numpy.float32)
    with pytest.raises(minigrad.InvalidType,
                       match=r'%s: x1 and x2 must have the same dtype, got float32 and float64'
                       % label):
        func(x, numpy.ones(3))
    with pytest.raises(minigrad.InvalidType,
                       match=r'%s: x1 and x2 cannot be broadcast together: shapes \(2, 3\) '
                             r'and \(2,\)' % label):
        func(x, numpy.ones(2, dtype=numpy.float32))
    with pytest.raises(minigrad.InvalidType, match='%s: x1 must be a float array, got int64'
                       % label):
        func(numpy.arange(3), numpy.arange(3))
    with pytest.raises(minigrad.InvalidType, match='%s: x must be a float array, got int64'
                       % label):
        func(numpy.arange(3), 1.0)
    with pytest.raises(TypeError, match='%s: inputs must be Variables or numpy/cupy arrays'
                       % label):
        func(x, [1.0, 2.0, 3.0])
