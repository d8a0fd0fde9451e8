"""Tests of dropout (minigrad/functions/noise.py): train/eval modes, scaling, seed, gradient."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from tests.conftest import FLOAT_DTYPES
from tests.helpers import cpu, uniform


@pytest.mark.parametrize('shape', [(3, 4), (), (2, 3, 2)])
@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_dropout_train_values(xp, shape, dtype):
    x = uniform(shape, dtype, 0.5, 1.5)
    y = F.dropout(xp.asarray(x), ratio=0.25)
    y_c = cpu(y)
    assert y.dtype == dtype and y.shape == shape and type(y_c) is numpy.ndarray
    kept = y_c != 0
    # kept elements are scaled by 1 / (1 - ratio), the others are zero
    numpy.testing.assert_allclose(y_c[kept], x[kept].astype(numpy.float64) / 0.75,
                                  rtol=1e-3 if dtype == numpy.float16 else 1e-6)


def test_dropout_matches_numpy_random_stream():
    # the mask comes from NumPy's global generator: u >= ratio keeps an element
    x = uniform((4, 5), numpy.float32, 0.5, 1.5)
    numpy.random.seed(3)
    y = F.dropout(x, ratio=0.4)
    numpy.random.seed(3)
    keep = numpy.random.random_sample((4, 5)) >= 0.4
    numpy.testing.assert_allclose(y.array, numpy.where(keep, x / numpy.float32(0.6), 0),
                                  rtol=1e-6)


def test_dropout_is_reproducible_with_seed():
    x = numpy.ones((10, 10), numpy.float32)
    numpy.random.seed(7)
    a = F.dropout(x).array
    b = F.dropout(x).array
    numpy.random.seed(7)
    c = F.dropout(x).array
    numpy.testing.assert_array_equal(a, c)
    assert not numpy.array_equal(a, b)      # a fresh mask every call


@pytest.mark.parametrize('ratio', [0.1, 0.5, 0.8])
def test_dropout_drops_the_right_fraction(ratio):
    y = F.dropout(numpy.ones(20000), ratio=ratio).array
    assert abs((y == 0).mean() - ratio) < 0.02
    assert abs(y.mean() - 1.0) < 0.05         # unbiased: E[y] = x


def test_dropout_ratio_zero_keeps_everything():
    x = uniform((3, 3))
    numpy.testing.assert_array_equal(F.dropout(x, ratio=0.0).array, x)


def test_dropout_is_identity_in_eval_mode(xp):
    x = minigrad.Variable(xp.asarray(uniform((3, 4), numpy.float32)))
    with minigrad.using_config('train', False):
        y = F.dropout(x, ratio=0.9)
        a = xp.asarray(uniform((2,), numpy.float32))
        z = F.dropout(a)
        y2, mask = F.dropout(x, return_mask=True)
    assert y is x and y2 is x and mask is None
    assert isinstance(z, minigrad.Variable) and z.array is a


def test_dropout_gradient_uses_the_same_mask(xp):
    x = minigrad.Variable(xp.asarray(uniform((5, 6), numpy.float32, 0.5, 1.5)))
    y = F.dropout(x, ratio=0.5)
    gy = xp.asarray(uniform((5, 6), numpy.float32, seed=1))
    y.grad = gy
    y.backward()
    mask = cpu(y) / cpu(x)                    # 0 or 2 where dropped or kept
    numpy.testing.assert_allclose(cpu(x.grad), cpu(gy) * mask, rtol=1e-6)
    assert ((cpu(x.grad) == 0) == (cpu(y) == 0)).all()


def test_dropout_mask_argument_and_return_mask(xp):
    x = xp.asarray(uniform((3, 4)))
    y, mask = F.dropout(x, ratio=0.5, return_mask=True)
    assert set(numpy.unique(cpu(mask))) <= {0.0, 2.0}
    y2 = F.dropout(x, mask=mask)
    numpy.testing.assert_array_equal(cpu(y2), cpu(y))
    numpy.testing.assert_array_equal(cpu(y), cpu(x) * cpu(mask))


def test_dropout_backward_and_double_backward(xp):
    x = xp.asarray(uniform((3, 4)))
    mask = xp.asarray((uniform((3, 4), seed=1) > 0).astype(numpy.float64) * 2)
    gradient_check.check_backward(lambda x: F.dropout(x, mask=mask), x)
    gradient_check.check_double_backward(
        lambda x: F.dropout(x, mask=mask), x, xp.asarray(uniform((3, 4), seed=2)),
        xp.asarray(uniform((3, 4), seed=3)))


@pytest.mark.parametrize('ratio', [1.0, -0.1, 1.5])
def test_dropout_bad_ratio(ratio):
    with pytest.raises(ValueError, match=r'dropout: ratio must be in \[0, 1\)'):
        F.dropout(numpy.zeros(3), ratio=ratio)
    with minigrad.using_config('train', False):
        with pytest.raises(ValueError, match='ratio must be in'):
            F.dropout(numpy.zeros(3), ratio=ratio)


def test_dropout_other_errors():
    with pytest.raises(minigrad.InvalidType, match='dropout: x must be a float array'):
        F.dropout(numpy.zeros(3, numpy.int32))
    with pytest.raises(minigrad.InvalidType, match='mask must have the shape and dtype of x'):
        F.dropout(numpy.zeros(3), mask=numpy.zeros(4))
    with pytest.raises(ValueError, match=r"using_config\('train', False\)"):
        F.dropout(numpy.zeros(3), train=False)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['foo'\]"):
        F.dropout(numpy.zeros(3), foo=1)
