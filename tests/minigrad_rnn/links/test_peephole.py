"""Tests of StatefulPeepholeLSTM (minigrad_rnn/links/peephole.py).

Forward over several steps against a plain-NumPy reference written from the equations, float64
gradient checks of the inputs and all parameters through three steps (also through a shrinking
batch), the state rules (reset_state, the tail of a shrinking batch, a larger batch refused),
serialize_state round trips, set_state, lazy in_size and the children's shapes.
"""

import numpy
import pytest

from minigrad import gradient_check
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad_rnn.links.peephole import StatefulPeepholeLSTM
from tests.conftest import TOL
from tests.helpers import cpu, uniform

I, N = 3, 4


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _cast(link, dtype):
    for p in link.params():
        p.array = p.array.astype(dtype)
    return link


def _reference(link, xs):
    """The peephole LSTM equations in float64 NumPy, from a zero state; returns hs, c, h."""
    W = {name: cpu(p.array).astype(numpy.float64) for name, p in link.namedparams()}
    B = xs[0].shape[0]
    c = numpy.zeros((B, N))
    h = numpy.zeros((B, N))
    hs = []
    for x in xs:
        g = x.astype(numpy.float64) @ W['/upward/W'].T + W['/upward/b'] + h @ W['/lateral/W'].T
        g = g.reshape(B, N, 4)                              # unit-major: a, i, f, o per unit
        a, i, f, o = g[:, :, 0], g[:, :, 1], g[:, :, 2], g[:, :, 3]
        i = _sigmoid(i + c @ W['/peep_i/W'].T)
        f = _sigmoid(f + c @ W['/peep_f/W'].T)
        c = numpy.tanh(a) * i + f * c
        o = _sigmoid(o + c @ W['/peep_o/W'].T)
        h = o * numpy.tanh(c)
        hs.append(h)
    return hs, c, h


def _link(seed=0):
    numpy.random.seed(seed)
    link = StatefulPeepholeLSTM(I, N)
    link.upward.b.array[...] = uniform((4 * N,), numpy.float32, seed=seed + 1)
    return link


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_forward_against_numpy(xp, dtype):
    link = _cast(_link(), dtype)
    if xp is not numpy:
        link.to_gpu()
    xs = [uniform((2, I), dtype, seed=s) for s in range(4)]
    expected, c, h = _reference(link, xs)
    for x, e in zip(xs, expected):
        y = link(xp.asarray(x))
        assert y.shape == (2, N) and y.dtype == dtype
        numpy.testing.assert_allclose(cpu(y), e, **TOL[dtype])
    numpy.testing.assert_allclose(cpu(link.c), c, **TOL[dtype])
    numpy.testing.assert_allclose(cpu(link.h), h, **TOL[dtype])


def test_children_and_gate_layout():
    link = _link()
    assert [name for name, _ in link.namedparams()] == [
        '/upward/W', '/upward/b', '/lateral/W', '/peep_i/W', '/peep_f/W', '/peep_o/W']
    assert link.upward.W.shape == (4 * N, I) and link.lateral.W.shape == (4 * N, N)
    assert link.peep_i.W.shape == link.peep_f.W.shape == link.peep_o.W.shape == (N, N)
    # only the bias column 4k + 3 (the output gate of unit k) is large: h = tanh(c) exactly
    link = StatefulPeepholeLSTM(I, N)
    for p in link.params():
        p.array[...] = 0
    link.upward.b.array[3::4] = 50.0                 # o gates open
    link.upward.b.array[0::4] = 0.5                  # a of every unit
    y = link(numpy.zeros((1, I), dtype=numpy.float32))
    numpy.testing.assert_allclose(y.array, numpy.tanh(numpy.tanh(0.5) * 0.5) * numpy.ones((1, N)),
                                  rtol=1e-6)


def test_backward_three_steps():
    link = _link()
    xs = tuple(uniform((2, I), seed=s) for s in range(3))

    def f(x1, x2, x3):
        link.reset_state()
        return link(x1), link(x2), link(x3), link.c

    gradient_check.check_backward(f, xs, params=list(link.params()))
    assert link.upward.W.dtype == numpy.float32      # restored by check_backward


def test_backward_through_shrinking_batch():
    link = _link()
    xs = (uniform((3, I), seed=0), uniform((3, I), seed=1), uniform((2, I), seed=2))

    def f(x1, x2, x3):
        link.reset_state()
        link(x1)
        link(x2)
        return link(x3), link.c, link.h             # the tails come through the concat

    gradient_check.check_backward(f, xs, params=list(link.params()))


def test_shrinking_batch_carries_the_tail():
    link = _cast(_link(), numpy.float64)
    x1, x2 = uniform((3, I), seed=0), uniform((3, I), seed=1)
    link(x1)
    link(x2)
    c_before, h_before = link.c.array.copy(), link.h.array.copy()
    x3 = uniform((2, I), seed=2)
    y = link(x3)
    assert y.shape == (2, N) and link.h.shape == (3, N) and link.c.shape == (3, N)
    numpy.testing.assert_array_equal(link.h.array[2:], h_before[2:])
    numpy.testing.assert_array_equal(link.c.array[2:], c_before[2:])
    expected, c, _ = _reference(link, [x1[:2], x2[:2], x3])
    numpy.testing.assert_allclose(y.array, expected[-1], **TOL[numpy.float64])
    numpy.testing.assert_allclose(link.h.array[:2], expected[-1], **TOL[numpy.float64])
    numpy.testing.assert_allclose(link.c.array[:2], c, **TOL[numpy.float64])


def test_larger_batch_raises_and_reset_state():
    link = _link()
    link(uniform((2, I), numpy.float32))
    with pytest.raises(ValueError, match=r'3 rows.*2 rows.*reset_state\(\)'):
        link(uniform((3, I), numpy.float32))
    link.reset_state()
    assert link.c is None and link.h is None
    x = uniform((3, I), numpy.float32, seed=5)
    expected, _, _ = _reference(link, [x])
    numpy.testing.assert_allclose(link(x).array, expected[0], **TOL[numpy.float32])


def test_serialize_state_round_trip():
    link = _link()
    xs = [uniform((2, I), numpy.float32, seed=s) for s in range(3)]
    link(xs[0])
    link(xs[1])
    saver = DictionarySerializer()
    link.serialize_state(saver)
    assert sorted(saver.target) == ['c', 'h']
    params_only = DictionarySerializer()
    link.serialize(params_only)
    assert not {'c', 'h'} & set(params_only.target)   # serialize stays parameters-only

    fresh = StatefulPeepholeLSTM(I, N)
    fresh.copyparams(link)
    fresh.serialize_state(NpzDeserializer(saver.target))
    numpy.testing.assert_array_equal(fresh.c.array, link.c.array)
    numpy.testing.assert_array_equal(fresh.h.array, link.h.array)
    numpy.testing.assert_array_equal(fresh(xs[2]).array, link(xs[2]).array)

    # loading into a link that has a state overwrites it in place
    other = StatefulPeepholeLSTM(I, N)
    other(numpy.zeros((2, I), dtype=numpy.float32))
    other.serialize_state(NpzDeserializer(saver.target))
    numpy.testing.assert_array_equal(other.h.array, saver.target['h'])

    # an empty state saves nothing and loads nothing
    empty = DictionarySerializer()
    StatefulPeepholeLSTM(I, N).serialize_state(empty)
    assert empty.target == {}


def test_set_state():
    link = _cast(_link(), numpy.float64)
    c0, h0 = uniform((2, N), seed=7), uniform((2, N), seed=8)
    link.set_state(c0, h0)
    x = uniform((2, I), seed=9)
    y = link(x)
    W = {name: p.array for name, p in link.namedparams()}
    g = (x @ W['/upward/W'].T + W['/upward/b'] + h0 @ W['/lateral/W'].T).reshape(2, N, 4)
    i = _sigmoid(g[:, :, 1] + c0 @ W['/peep_i/W'].T)
    f = _sigmoid(g[:, :, 2] + c0 @ W['/peep_f/W'].T)
    c = numpy.tanh(g[:, :, 0]) * i + f * c0
    h = _sigmoid(g[:, :, 3] + c @ W['/peep_o/W'].T) * numpy.tanh(c)
    numpy.testing.assert_allclose(y.array, h, **TOL[numpy.float64])
    with pytest.raises(ValueError, match=r'\(B, 4\)'):
        link.set_state(c0, uniform((2, N + 1)))


def test_lazy_in_size_and_repr():
    link = StatefulPeepholeLSTM(None, N)
    assert link.upward.W.array is None
    y = link(numpy.ones((2, 5), dtype=numpy.float32))
    assert y.shape == (2, N) and link.upward.W.shape == (4 * N, 5)
    assert 'StatefulPeepholeLSTM(' in repr(link) and 'in_size=5, out_size=4' in repr(link)
