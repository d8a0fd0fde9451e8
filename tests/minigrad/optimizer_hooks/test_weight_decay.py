"""Tests of the WeightDecay optimizer hook (minigrad/optimizer_hooks/weight_decay.py) against
NumPy: ``grad += rate * param`` before the update, parameters without a gradient skipped.
"""

import numpy
import pytest

import minigrad
from minigrad import optimizer_hooks, optimizers
from tests.conftest import FLOAT_DTYPES, TOL
from tests.helpers import cpu, uniform


class _Model:
    def __init__(self, *params):
        self._params = list(params)

    def params(self):
        yield from self._params


@pytest.mark.parametrize('dtype', FLOAT_DTYPES)
def test_weight_decay_against_numpy(xp, dtype):
    p0 = uniform((3, 2), seed=1).astype(dtype)
    g = uniform((3, 2), seed=2).astype(dtype)
    w = minigrad.Parameter(xp.asarray(p0), name='w')
    idle = minigrad.Parameter(xp.ones(2, dtype=dtype), name='idle')
    opt = optimizers.MomentumSGD(lr=0.1, momentum=0.9).setup(_Model(w, idle))
    opt.add_hook(optimizer_hooks.WeightDecay(0.05))
    expected = p0.astype(numpy.float64)
    v = 0.0
    for _ in range(2):
        w.grad = xp.array(g)              # a copy: the hook adds to the grad in place
        opt.update()
        decayed = g.astype(numpy.float64) + 0.05 * expected
        numpy.testing.assert_allclose(cpu(w.grad), decayed, **TOL[dtype])
        v = 0.9 * v - 0.1 * decayed
        expected = expected + v
        numpy.testing.assert_allclose(cpu(w), expected, **TOL[dtype])
        assert w.grad.dtype == dtype
    assert idle.grad is None
    numpy.testing.assert_array_equal(cpu(idle), numpy.ones(2))


def test_weight_decay_attributes_and_errors():
    hook = optimizer_hooks.WeightDecay(1e-4)
    assert (hook.name, hook.timing, hook.call_for_each_param, hook.rate) == (
        'WeightDecay', 'pre', True, 1e-4)
    with pytest.raises(ValueError, match='WeightDecay: rate must be >= 0, got -1'):
        optimizer_hooks.WeightDecay(-1)
