"""Tests of the weight initializers (minigrad/initializers.py).

Statistics of the random ones on large arrays (mean and std against the formula of each, with
Chainer's fans), orthogonality, dtypes kept, reproducibility under numpy.random.seed, the
constant ones, get_initializer / generate_array, and the errors.
"""

import math

import numpy
import pytest

from minigrad import initializers
from tests.conftest import FLOAT_DTYPES
from tests.helpers import cpu

SHAPE = (200, 300)          # fan_in 300, fan_out 200: 60000 draws
FAN_IN, FAN_OUT = 300, 200

# initializer, expected std, is uniform (then the half-width is std * sqrt(3))
RANDOM = [
    ('Normal', initializers.Normal(), 0.05),
    ('Normal_2', initializers.Normal(scale=2.0), 2.0),
    ('Uniform', initializers.Uniform(), 0.05 / math.sqrt(3)),
    ('LeCunNormal', initializers.LeCunNormal(), math.sqrt(1 / FAN_IN)),
    ('LeCunNormal_3', initializers.LeCunNormal(scale=3.0), 3 * math.sqrt(1 / FAN_IN)),
    ('LeCunUniform', initializers.LeCunUniform(), math.sqrt(1 / FAN_IN)),
    ('GlorotNormal', initializers.GlorotNormal(), math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ('GlorotUniform', initializers.GlorotUniform(), math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ('HeNormal', initializers.HeNormal(), math.sqrt(2 / FAN_IN)),
    ('HeNormal_fan_out', initializers.HeNormal(fan_option='fan_out'), math.sqrt(2 / FAN_OUT)),
    ('HeUniform', initializers.HeUniform(), math.sqrt(2 / FAN_IN)),
]


@pytest.mark.parametrize('name, init, std', RANDOM, ids=[r[0] for r in RANDOM])
def test_random_statistics(xp, name, init, std):
    a = xp.empty(SHAPE, dtype=numpy.float64)
    init(a)
    a = cpu(a)
    # mean of 60000 draws: standard error std / 245; allow 5 of them
    assert abs(a.mean()) < 5 * std / math.sqrt(a.size)
    assert abs(a.std() / std - 1) < 0.02
    if 'Uniform' in name:
        bound = std * math.sqrt(3)
        assert a.max() < bound and a.min() >= -bound
        assert a.max() > 0.99 * bound and a.min() < -0.99 * bound


@pytest.mark.parametrize('name, init, std', RANDOM, ids=[r[0] for r in RANDOM])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_random_keeps_dtype(xp, name, init, std, dtype):
    a = xp.zeros((4, 6), dtype=dtype)
    init(a)
    assert a.dtype == dtype
    assert float(abs(cpu(a)).sum()) > 0


def test_fans_of_conv_shape():
    assert initializers.get_fans((4, 3, 2, 5)) == (30, 40)
    a = numpy.empty((20, 30, 3, 3))
    numpy.random.seed(1)
    initializers.LeCunNormal()(a)
    assert abs(a.std() / math.sqrt(1 / 270) - 1) < 0.05
    with pytest.raises(ValueError, match='at least 2 dimensions'):
        initializers.get_fans((5,))
    with pytest.raises(ValueError, match='at least 2 dimensions'):
        initializers.GlorotNormal()(numpy.empty(5))


def test_seed_reproducible():
    a, b = numpy.empty((3, 4), numpy.float32), numpy.empty((3, 4), numpy.float32)
    numpy.random.seed(7)
    initializers.GlorotUniform()(a)
    numpy.random.seed(7)
    initializers.GlorotUniform()(b)
    numpy.testing.assert_array_equal(a, b)
    initializers.GlorotUniform()(b)
    assert not numpy.array_equal(a, b)


@pytest.mark.parametrize('shape', [(5, 5), (3, 8), (8, 3), (2, 3, 4)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_orthogonal(xp, shape, dtype):
    a = xp.empty(shape, dtype=dtype)
    initializers.Orthogonal(scale=2.0)(a)
    assert a.dtype == dtype
    m = cpu(a).astype(numpy.float64).reshape(shape[0], -1) / 2.0
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    tol = 2e-3 if dtype == numpy.float16 else 1e-5
    numpy.testing.assert_allclose(gram, numpy.eye(min(rows, cols)), atol=tol)


def test_orthogonal_is_random_and_modes():
    numpy.random.seed(0)
    a, b = numpy.empty((4, 4)), numpy.empty((4, 4))
    initializers.Orthogonal()(a)
    initializers.Orthogonal()(b)
    assert not numpy.allclose(a, b)
    initializers.Orthogonal(mode='basis')(a)
    initializers.Orthogonal(mode='projection')(numpy.empty((2, 4)))
    initializers.Orthogonal(mode='embedding')(numpy.empty((4, 2)))
    with pytest.raises(ValueError, match="mode 'projection' cannot"):
        initializers.Orthogonal(mode='projection')(numpy.empty((4, 2)))
    with pytest.raises(ValueError, match="mode 'basis' cannot"):
        initializers.Orthogonal(mode='basis')(numpy.empty((2, 4)))
    with pytest.raises(ValueError, match='mode must be'):
        initializers.Orthogonal(mode='square')
    with pytest.raises(ValueError, match='at least 2 dimensions'):
        initializers.Orthogonal()(numpy.empty(3))


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_constants(xp, dtype):
    a = xp.empty((2, 3), dtype=dtype)
    initializers.Constant(1.5)(a)
    numpy.testing.assert_array_equal(cpu(a), numpy.full((2, 3), 1.5))
    initializers.Constant(numpy.array([1., 2., 3.]))(a)   # broadcast over rows
    numpy.testing.assert_array_equal(cpu(a), [[1, 2, 3], [1, 2, 3]])
    initializers.Zero()(a)
    assert not cpu(a).any()
    initializers.One()(a)
    assert (cpu(a) == 1).all()
    initializers.NaN()(a)
    assert numpy.isnan(cpu(a)).all()
    assert a.dtype == dtype
    sq = xp.empty((3, 3), dtype=dtype)
    initializers.Identity(scale=2.0)(sq)
    numpy.testing.assert_array_equal(cpu(sq), 2 * numpy.eye(3))
    assert sq.dtype == dtype


def test_constant_and_identity_errors():
    with pytest.raises(ValueError, match='cannot be broadcast'):
        initializers.Constant(numpy.ones(4))(numpy.empty((2, 3)))
    with pytest.raises(ValueError, match='square matrix'):
        initializers.Identity()(numpy.empty((2, 3)))


def test_dtype_attribute_is_checked():
    init = initializers.Normal(dtype=numpy.float64)
    assert init.dtype == numpy.float64
    init(numpy.empty(3, numpy.float64))
    with pytest.raises(ValueError, match='has dtype float32 but the initializer was made for '
                                         'float64'):
        init(numpy.empty(3, numpy.float32))


def test_get_initializer():
    assert isinstance(initializers.get_initializer(None), initializers.LeCunNormal)
    c = initializers.get_initializer(0.5)
    assert isinstance(c, initializers.Constant) and c.fill_value == 0.5
    arr = numpy.arange(3.)
    c = initializers.get_initializer(arr)
    assert isinstance(c, initializers.Constant) and c.dtype is None
    n = initializers.Normal()
    assert initializers.get_initializer(n) is n
    assert initializers._get_initializer is initializers.get_initializer
    with pytest.raises(TypeError, match='got str'):
        initializers.get_initializer('ones')


def test_generate_array(xp):
    a = initializers.generate_array(initializers.One(), (2, 3), xp)
    assert a.dtype == numpy.float32 and a.shape == (2, 3) and (cpu(a) == 1).all()
    a = initializers.generate_array(initializers.One(), (2,), xp, numpy.float16)
    assert a.dtype == numpy.float16
    a = initializers.generate_array(initializers.One(dtype=numpy.float64), (2,), xp)
    assert a.dtype == numpy.float64
    with pytest.raises(ValueError, match='contradicts'):
        initializers.generate_array(initializers.One(dtype=numpy.float64), (2,), xp,
                                    numpy.float32)


def test_repr():
    assert repr(initializers.Normal(0.1)) == 'Normal(scale=0.1)'
    assert repr(initializers.HeNormal()) == "HeNormal(scale=1.0, fan_option='fan_in')"
