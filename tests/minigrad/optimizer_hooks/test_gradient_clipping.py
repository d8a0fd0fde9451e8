"""Tests of the GradientClipping optimizer hook (minigrad/optimizer_hooks/gradient_clipping.py):
the norm and the scaled gradients against NumPy, no change under the threshold, NaN gradients.
"""

import numpy
import pytest

import minigrad
from minigrad import backend, optimizer_hooks, optimizers
from tests.conftest import TOL
from tests.helpers import cpu, uniform


class _Model:
    def __init__(self, *params):
        self._params = list(params)

    def params(self):
        yield from self._params


def _setup(xp, dtype, scale, threshold, **kwargs):
    a = minigrad.Parameter(xp.zeros((3, 2), dtype=dtype), name='a')
    b = minigrad.Parameter(xp.zeros((4,), dtype=dtype), name='b')
    c = minigrad.Parameter(xp.zeros((2,), dtype=dtype), name='c')     # no gradient
    ga = (uniform((3, 2), seed=1) * scale).astype(dtype)
    gb = (uniform((4,), seed=2) * scale).astype(dtype)
    a.grad = xp.asarray(ga)
    b.grad = xp.asarray(gb)
    opt = optimizers.SGD(lr=1.0).setup(_Model(a, b, c))
    hook = optimizer_hooks.GradientClipping(threshold, **kwargs)
    opt.add_hook(hook)
    return opt, hook, (a, b, c), (ga, gb)


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_clips_above_threshold(xp, dtype):
    opt, hook, (a, b, c), (ga, gb) = _setup(xp, dtype, 10.0, 1.5)
    g64 = [g.astype(numpy.float64) for g in (ga, gb)]
    norm = numpy.sqrt(sum((g ** 2).sum() for g in g64))
    assert norm > 1.5
    opt.update()
    assert hook.norm == pytest.approx(norm, rel=1e-6)
    scale = 1.5 / (norm + 1e-6)
    numpy.testing.assert_allclose(cpu(a.grad), g64[0] * scale, **TOL[dtype])
    numpy.testing.assert_allclose(cpu(b.grad), g64[1] * scale, **TOL[dtype])
    numpy.testing.assert_allclose(cpu(a), -g64[0] * scale, **TOL[dtype])   # SGD, lr 1
    assert c.grad is None and a.grad.dtype == dtype
    clipped = numpy.sqrt(sum((cpu(p.grad).astype(numpy.float64) ** 2).sum() for p in (a, b)))
    assert clipped == pytest.approx(1.5, rel=1e-5)


def test_leaves_small_gradients_alone(xp):
    opt, hook, (a, b, c), (ga, gb) = _setup(xp, numpy.float32, 0.1, 5.0)
    opt.update()
    norm = numpy.sqrt((ga.astype(numpy.float64) ** 2).sum() + (gb.astype(numpy.float64) ** 2)
                      .sum())
    assert hook.norm == pytest.approx(norm, rel=1e-6) and hook.norm < 5.0
    numpy.testing.assert_array_equal(cpu(a.grad), ga)
    numpy.testing.assert_array_equal(cpu(b.grad), gb)


def test_nan_gradient_raises_with_error_if_nonfinite(xp):
    opt, hook, (a, b, c), (ga, gb) = _setup(xp, numpy.float32, 1.0, 1.0,
                                            error_if_nonfinite=True)
    a.grad[0, 0] = numpy.nan
    with pytest.raises(FloatingPointError, match='global norm of the gradients is nan'):
        opt.update()
    numpy.testing.assert_array_equal(cpu(b), numpy.zeros(4, dtype=numpy.float32))  # no update
    assert opt.t == 0


def test_nan_gradient_without_error_keeps_the_norm(xp):
    opt, hook, (a, b, c), (ga, gb) = _setup(xp, numpy.float32, 1.0, 1.0)
    b.grad[1] = numpy.inf
    opt.update()
    assert hook.norm == float('inf')
    numpy.testing.assert_array_equal(cpu(b.grad)[[0, 2, 3]], gb[[0, 2, 3]])   # not scaled


def test_hook_defaults_and_bad_threshold():
    hook = optimizer_hooks.GradientClipping(2.0)
    assert (hook.name, hook.timing, hook.norm, hook.error_if_nonfinite) == (
        'GradientClipping', 'pre', None, False)
    with pytest.raises(ValueError, match='GradientClipping: threshold must be positive, got 0'):
        optimizer_hooks.GradientClipping(0)
    assert backend.get_array_module(numpy.zeros(1)) is numpy
