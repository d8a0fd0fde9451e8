"""Tests of arithmetic (minigrad/functions/basic_math.py) and the operators on Variable.

Forward values against plain NumPy in float16/32/64 with broadcasting, gradients by
check_backward and check_double_backward, operators with Python scalars, NumPy scalars and NumPy
arrays on either side, dtype preservation (float32 stays float32), and the teaching errors.
"""

import operator

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import away_from_zero, cpu, uniform

BROADCAST_SHAPES = [
    ((3, 2), (3, 2)),
    ((3, 2), (2,)),
    ((2, 1, 3), (4, 1)),
    ((), (3,)),
    ((2, 3), ()),
]


def _inputs(name, s0, s1, dtype):
    """Two inputs suited to the op: divisors away from 0, positive bases for pow."""
    if name == 'div':
        return uniform(s0, dtype, seed=1), away_from_zero(s1, dtype, margin=0.5, seed=2)
    if name == 'pow':
        return uniform(s0, dtype, 0.5, 2.0, seed=1), uniform(s1, dtype, -1.5, 1.5, seed=2)
    return uniform(s0, dtype, seed=1), uniform(s1, dtype, seed=2)


BINARY = [
    ('add', F.add, numpy.add),
    ('sub', F.sub, numpy.subtract),
    ('mul', F.mul, numpy.multiply),
    ('div', F.div, numpy.divide),
    ('pow', F.pow, numpy.power),
]


@pytest.mark.parametrize('name, func, ref', BINARY)
@pytest.mark.parametrize('shapes', BROADCAST_SHAPES)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_binary_forward(xp, name, func, ref, shapes, dtype):
    a, b = _inputs(name, shapes[0], shapes[1], dtype)
    y = func(minigrad.Variable(xp.asarray(a)), minigrad.Variable(xp.asarray(b)))
    expected = ref(a.astype(numpy.float64), b.astype(numpy.float64))
    assert y.dtype == dtype
    assert y.shape == expected.shape
    numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('name, func, ref', BINARY)
@pytest.mark.parametrize('shapes', BROADCAST_SHAPES)
def test_binary_backward(name, func, ref, shapes):
    a, b = _inputs(name, shapes[0], shapes[1], numpy.float64)
    gradient_check.check_backward(func, (a, b))


@pytest.mark.parametrize('name, func, ref', BINARY)
@pytest.mark.parametrize('shapes', [((3, 2), (2,)), ((2, 3), ())])
def test_binary_double_backward(name, func, ref, shapes):
    a, b = _inputs(name, shapes[0], shapes[1], numpy.float64)
    out_shape = numpy.broadcast_shapes(shapes[0], shapes[1])
    gy = uniform(out_shape, seed=3)
    gga, ggb = uniform(shapes[0], seed=4), uniform(shapes[1], seed=5)
    gradient_check.check_double_backward(func, (a, b), gy, (gga, ggb))


def test_broadcast_gradients_are_summed_back():
    x = minigrad.Variable(numpy.arange(3.0).reshape(3, 1))
    y = minigrad.Variable(numpy.arange(4.0).reshape(1, 4))
    z = F.sum(x * y + x)
    z.backward()
    assert x.grad.shape == (3, 1) and y.grad.shape == (1, 4)
    numpy.testing.assert_allclose(x.grad, numpy.full((3, 1), 0 + 1 + 2 + 3 + 4.0))
    numpy.testing.assert_allclose(y.grad, numpy.full((1, 4), 0 + 1 + 2.0))


def test_broadcast_gradient_of_a_0d_input():
    x = minigrad.Variable(numpy.array(2.0))
    y = minigrad.Variable(uniform((2, 3)))
    F.sum(x * y).backward()
    assert x.grad.shape == ()
    numpy.testing.assert_allclose(x.grad, y.array.sum())


# ---- unary ---------------------------------------------------------------------------------

@pytest.mark.parametrize('shape', [(3, 2), (), (2, 3, 4)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_neg_and_absolute_forward(xp, shape, dtype):
    a = away_from_zero(shape, dtype)
    x = minigrad.Variable(xp.asarray(a))
    for y, expected in ((F.neg(x), -a.astype(numpy.float64)),
                        (-x, -a.astype(numpy.float64)),
                        (F.absolute(x), numpy.abs(a.astype(numpy.float64))),
                        (abs(x), numpy.abs(a.astype(numpy.float64)))):
        assert y.dtype == dtype and y.shape == shape
        numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('func', [F.neg, F.absolute])
@pytest.mark.parametrize('shape', [(3, 2), ()])
def test_neg_and_absolute_backward(func, shape):
    a = away_from_zero(shape)
    gradient_check.check_backward(func, a)
    gradient_check.check_double_backward(func, a, uniform(shape, seed=3), uniform(shape, seed=4))


def test_absolute_gradient_is_the_sign():
    x = minigrad.Variable(numpy.array([-2.0, 0.5, 3.0]))
    F.sum(abs(x)).backward()
    numpy.testing.assert_array_equal(x.grad, [-1.0, 1.0, 1.0])


# ---- pow -----------------------------------------------------------------------------------

@pytest.mark.parametrize('exponent', [2, 3, 0.5, -1.0, 2.5])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_pow_scalar_exponent_forward(xp, exponent, dtype):
    a = uniform((3, 2), dtype, 0.5, 2.0)
    y = minigrad.Variable(xp.asarray(a)) ** exponent
    assert y.dtype == dtype
    numpy.testing.assert_allclose(cpu(y), a.astype(numpy.float64) ** exponent, **TOL[dtype])


@pytest.mark.parametrize('exponent', [2, 3, 0.5, -1.0])
def test_pow_scalar_exponent_backward(exponent):
    a = uniform((3, 2), numpy.float64, 0.5, 2.0)
    func = lambda x: x ** exponent  # noqa: E731
    gradient_check.check_backward(func, a)
    gradient_check.check_double_backward(func, a, uniform((3, 2), seed=3),
                                         uniform((3, 2), seed=4))


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_pow_scalar_base(xp, dtype):
    a = uniform((4,), dtype)
    y = 2.0 ** minigrad.Variable(xp.asarray(a))
    assert y.dtype == dtype
    numpy.testing.assert_allclose(cpu(y), 2.0 ** a.astype(numpy.float64), **TOL[dtype])
    func = lambda x: 3.0 ** x  # noqa: E731
    gradient_check.check_backward(func, a.astype(numpy.float64))
    gradient_check.check_double_backward(func, a.astype(numpy.float64), uniform((4,), seed=3),
                                         uniform((4,), seed=4))


def test_pow_array_exponent_gradients_in_closed_form():
    base = numpy.array([0.5, 2.0, 3.0])
    expo = numpy.array([2.0, -1.0, 0.5])
    x, e = minigrad.Variable(base), minigrad.Variable(expo)
    F.sum(x ** e).backward()
    numpy.testing.assert_allclose(x.grad, expo * base ** (expo - 1), rtol=1e-12)
    numpy.testing.assert_allclose(e.grad, base ** expo * numpy.log(base), rtol=1e-12)


# ---- operators with scalars and arrays on either side ---------------------------------------

OPERATORS = [
    ('+', operator.add, numpy.add),
    ('-', operator.sub, numpy.subtract),
    ('*', operator.mul, numpy.multiply),
    ('/', operator.truediv, numpy.divide),
    ('**', operator.pow, numpy.power),
]

SCALARS = [
    1.5, 2, numpy.float64(1.5), numpy.float32(1.5), numpy.float16(1.5), numpy.int64(2),
    True, numpy.bool_(True),        # 1, as in NumPy and PyTorch (Python's bool was refused)
]


@pytest.mark.parametrize('sym, op, ref', OPERATORS)
@pytest.mark.parametrize('scalar', SCALARS, ids=lambda s: '%s(%s)' % (type(s).__name__, s))
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_operator_with_scalar_on_both_sides(xp, sym, op, ref, scalar, dtype):
    a = uniform((2, 3), dtype, 0.5, 2.0)            # positive: a valid base and divisor
    x = minigrad.Variable(xp.asarray(a))
    c = float(scalar)
    for y, expected in ((op(x, scalar), ref(a.astype(numpy.float64), c)),
                        (op(scalar, x), ref(c, a.astype(numpy.float64)))):
        assert isinstance(y, minigrad.Variable)
        assert y.dtype == dtype, '%s %s %s gave %s' % (dtype.__name__, sym, scalar, y.dtype)
        numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('sym, op, ref', OPERATORS)
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_operator_with_array_on_both_sides(xp, sym, op, ref, dtype):
    a = uniform((2, 3), dtype, 0.5, 2.0)
    b = uniform((3,), dtype, 0.5, 2.0, seed=5)
    x = minigrad.Variable(xp.asarray(a))
    for y, expected in ((op(x, xp.asarray(b)), ref(a.astype(numpy.float64), b)),
                        (op(xp.asarray(b), x), ref(b.astype(numpy.float64), a))):
        # numpy_array + Variable must defer to the Variable, not make an object array
        assert isinstance(y, minigrad.Variable), type(y)
        assert y.dtype == dtype and y.shape == (2, 3)
        numpy.testing.assert_allclose(cpu(y), expected, **TOL[dtype])


@pytest.mark.parametrize('sym, op, ref', OPERATORS)
def test_operator_with_variables_on_both_sides(sym, op, ref):
    a = uniform((2, 3), numpy.float64, 0.5, 2.0)
    b = uniform((2, 3), numpy.float64, 0.5, 2.0, seed=5)
    y = op(minigrad.Variable(a), minigrad.Variable(b))
    numpy.testing.assert_allclose(y.array, ref(a, b), rtol=1e-12)


def test_numpy_array_plus_variable_gives_variable_with_gradient():
    x = minigrad.Variable(numpy.array([1.0, 2.0], dtype=numpy.float32))
    y = numpy.array([10.0, 20.0], dtype=numpy.float32) + x
    assert isinstance(y, minigrad.Variable)
    z = numpy.array([3.0, 4.0], dtype=numpy.float32) * y
    F.sum(z).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.array([3.0, 4.0], dtype=numpy.float32))
    assert x.grad.dtype == numpy.float32


@pytest.mark.parametrize('expr', [
    lambda x: x * 2.0,
    lambda x: x * numpy.float64(2.0),
    lambda x: numpy.float64(2.0) * x,
    lambda x: x + numpy.float64(0.5),
    lambda x: numpy.float64(0.5) - x,
    lambda x: x / numpy.float64(4.0),
    lambda x: numpy.float64(1.0) / x,
    lambda x: x ** numpy.float64(2.0),
    lambda x: numpy.float64(2.0) ** x,
], ids=['x*2.0', 'x*f64', 'f64*x', 'x+f64', 'f64-x', 'x/f64', 'f64/x', 'x**f64', 'f64**x'])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32])
def test_float32_stays_float32(expr, dtype):
    x = minigrad.Variable(numpy.array([1.0, 2.0], dtype=dtype))
    y = expr(x)
    assert y.dtype == dtype
    F.sum(y).backward()
    assert x.grad.dtype == dtype


def test_scalar_gradients():
    a = numpy.array([1.0, 2.0, 4.0])
    x = minigrad.Variable(a)
    F.sum(3.0 * x + 1.0 - x / 2.0 + 2.0 / x - (5.0 - x)).backward()
    numpy.testing.assert_allclose(x.grad, 3.0 - 0.5 - 2.0 / a ** 2 + 1.0, rtol=1e-12)


def test_reused_variable_sums_gradients():
    x = minigrad.Variable(numpy.array([1.5, -2.0]))
    F.sum(x * x + x).backward()
    numpy.testing.assert_allclose(x.grad, 2 * x.array + 1)


# ---- errors --------------------------------------------------------------------------------

def test_dtype_mismatch_error():
    x = minigrad.Variable(numpy.ones(3, dtype=numpy.float32))
    with pytest.raises(minigrad.InvalidType,
                       match=r'add: lhs and rhs must have the same dtype, got float32 and '
                             r'float64; cast one with \.astype\(\)'):
        x + numpy.ones(3)
    with pytest.raises(minigrad.InvalidType, match='mul: lhs and rhs must have the same dtype'):
        numpy.ones(3) * x


def test_integer_input_error():
    x = minigrad.Variable(numpy.arange(3))
    with pytest.raises(minigrad.InvalidType,
                       match=r'mul: x must be a float array, got int64; cast it with '
                             r'x\.astype\(numpy\.float32\)'):
        x * 2.0
    with pytest.raises(minigrad.InvalidType, match='sub: lhs must be a float array, got int64'):
        F.sub(x, numpy.arange(3))
    with pytest.raises(minigrad.InvalidType, match='neg: x must be a float array'):
        -x


def test_broadcast_error_names_the_shapes():
    x = minigrad.Variable(numpy.ones((2, 3)))
    with pytest.raises(minigrad.InvalidType,
                       match=r'div: lhs and rhs cannot be broadcast together: shapes \(2, 3\) '
                             r'and \(4,\)'):
        x / numpy.ones(4)


@pytest.mark.parametrize('other', [[1.0, 2.0], 'a', None, 1j])
def test_wrong_kind_of_operand_is_a_type_error(other):
    x = minigrad.Variable(numpy.ones(2))
    with pytest.raises(TypeError):
        x + other
