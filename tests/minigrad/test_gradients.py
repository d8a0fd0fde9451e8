"""Tests of ``minigrad.clip_grads`` (minigrad/gradients.py): global-norm gradient clipping.

The returned norm and the scaled gradients are compared with plain NumPy; parameters without a
gradient are skipped; non-finite norms either raise or leave the gradients alone; float16
gradients are summed in float32 so that large values do not overflow.
"""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from tests.conftest import FLOAT_DTYPES, TOL


def _params(grads, dtype=numpy.float32):
    params = []
    for g in grads:
        if g is None:
            params.append(minigrad.Parameter(numpy.zeros(2, dtype=dtype)))
            continue
        g = numpy.asarray(g, dtype=dtype)
        p = minigrad.Parameter(numpy.zeros(g.shape, dtype=dtype))
        p.grad = g.copy()
        params.append(p)
    return params


def _random_grads(seed=0):
    rng = numpy.random.RandomState(seed)
    return [rng.normal(size=(3, 4)), None, rng.normal(size=(5,)), rng.normal(size=(2, 2, 2))]


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_norm_over_several_params_skipping_none(dtype):
    grads = _random_grads()
    params = _params(grads, dtype)
    expected = numpy.sqrt(sum((numpy.asarray(g, dtype).astype(numpy.float64) ** 2).sum()
                              for g in grads if g is not None))
    norm = minigrad.clip_grads(params, max_norm=1e6)
    assert isinstance(norm, float)
    assert norm == pytest.approx(expected, rel=TOL[dtype]['rtol'] * 10)
    assert params[1].grad is None


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_scaled_grads_match_numpy(dtype):
    grads = _random_grads(1)
    params = _params(grads, dtype)
    before = [None if p.grad is None else p.grad.astype(numpy.float64) for p in params]
    norm64 = numpy.sqrt(sum((b ** 2).sum() for b in before if b is not None))
    max_norm = 0.5
    norm = minigrad.clip_grads(params, max_norm)
    assert norm == pytest.approx(norm64, rel=TOL[dtype]['rtol'] * 10)
    scale = max_norm / (norm64 + 1e-6)
    total = 0.0
    for p, b in zip(params, before):
        if b is None:
            assert p.grad is None
            continue
        assert p.grad.dtype == dtype
        numpy.testing.assert_allclose(p.grad, b * scale, **TOL[dtype])
        total += (p.grad.astype(numpy.float64) ** 2).sum()
    # after clipping the global norm is max_norm
    assert numpy.sqrt(total) == pytest.approx(max_norm, rel=5e-3)


def test_grads_are_scaled_in_place():
    params = _params([[3.0, 4.0]])
    g = params[0].grad
    minigrad.clip_grads(params, 1.0)
    assert params[0].grad is g
    numpy.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-5)


def test_no_scaling_below_threshold():
    grads = _random_grads(2)
    params = _params(grads, numpy.float64)
    before = [None if p.grad is None else p.grad.copy() for p in params]
    norm = minigrad.clip_grads(params, max_norm=100.0)
    assert norm < 100.0
    for p, b in zip(params, before):
        if b is not None:
            numpy.testing.assert_array_equal(p.grad, b)


def test_threshold_follows_the_documented_rule():
    # scale = max_norm / (norm + 1e-6): applied only when it is below 1
    params = _params([[3.0, 4.0]], numpy.float64)
    assert minigrad.clip_grads(params, 5.00001) == 5.0
    numpy.testing.assert_array_equal(params[0].grad, [3.0, 4.0])
    assert minigrad.clip_grads(params, 5.0) == 5.0
    numpy.testing.assert_allclose(params[0].grad, numpy.array([3.0, 4.0]) * 5.0 / (5.0 + 1e-6),
                                  rtol=1e-14)


def test_nan_grads_raise_with_error_if_nonfinite():
    params = _params([[1.0, numpy.nan], [1.0, 2.0]])
    with pytest.raises(FloatingPointError, match=r'clip_grads: the global norm of the '
                                                 r'gradients is nan.*set_debug'):
        minigrad.clip_grads(params, 1.0, error_if_nonfinite=True)


def test_inf_grads_raise_with_error_if_nonfinite():
    params = _params([[1.0, numpy.inf]])
    with pytest.raises(FloatingPointError, match='is inf'):
        minigrad.clip_grads(params, 1.0, error_if_nonfinite=True)


def test_nan_grads_left_untouched_by_default():
    params = _params([[1.0, numpy.nan], [30.0, 40.0]])
    norm = minigrad.clip_grads(params, 1.0)
    assert numpy.isnan(norm)
    numpy.testing.assert_array_equal(params[1].grad, [30.0, 40.0])


def test_float16_grads_do_not_overflow():
    # 300^2 + 400^2 = 250000 is far beyond float16's largest value (65504)
    params = _params([[300.0, 400.0], [0.0, 0.0]], numpy.float16)
    norm = minigrad.clip_grads(params, 50.0)
    assert norm == pytest.approx(500.0)
    assert params[0].grad.dtype == numpy.float16
    numpy.testing.assert_allclose(params[0].grad, [30.0, 40.0], **TOL[numpy.float16])


def test_no_grads_gives_zero():
    assert minigrad.clip_grads([], 1.0) == 0.0
    assert minigrad.clip_grads(_params([None, None]), 1.0) == 0.0


@pytest.mark.parametrize('max_norm', [0.0, -1.0, float('nan')])
def test_bad_max_norm(max_norm):
    with pytest.raises(ValueError, match='max_norm must be positive'):
        minigrad.clip_grads(_params([[1.0, 2.0]]), max_norm)


def test_accepts_a_generator_of_params():
    params = _params([[3.0, 4.0], [0.0, 12.0]], numpy.float64)
    norm = minigrad.clip_grads((p for p in params), 6.5)
    assert norm == 13.0
    numpy.testing.assert_allclose(params[1].grad, [0.0, 12.0 * 6.5 / (13.0 + 1e-6)])


def test_after_backward():
    w = minigrad.Parameter(numpy.array([1.0, 2.0], dtype=numpy.float32))
    b = minigrad.Parameter(numpy.array([0.5], dtype=numpy.float32))
    F.sum(w * w * 10.0 + b * 3.0).backward()  # grads: 20 w = (20, 40), b: 3 * 2 = (6,)
    norm = minigrad.clip_grads([w, b], 1.0)
    assert norm == pytest.approx(numpy.sqrt(20.0 ** 2 + 40.0 ** 2 + 6.0 ** 2), rel=1e-6)
    numpy.testing.assert_allclose(w.grad, numpy.array([20.0, 40.0]) / norm, rtol=1e-5)
    numpy.testing.assert_allclose(b.grad, numpy.array([6.0]) / norm, rtol=1e-5)


def test_clips_zero_dim_param_after_backward():
    p = minigrad.Parameter(numpy.array(3.0, dtype=numpy.float32))
    (p * 10.0).backward()
    assert minigrad.clip_grads([p], 1.0) == pytest.approx(10.0)
    assert float(p.grad) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize('max_norm, value', [(1e-3, 1000.0), (1.0, 6e4)])
def test_clip_grads_float16_reaches_max_norm(max_norm, value):
    # the factor was rounded to float16 first (1e-6 is a float16 subnormal): the clipped norm
    # came out up to 1.9 times max_norm
    p = minigrad.Parameter(numpy.zeros(1000, numpy.float16))
    p.grad = numpy.full(1000, value, numpy.float16)
    minigrad.clip_grads([p], max_norm)
    assert p.grad.dtype == numpy.float16
    norm = numpy.linalg.norm(p.grad.astype(numpy.float64))
    numpy.testing.assert_allclose(norm, max_norm, rtol=2e-2)
