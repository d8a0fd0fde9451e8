"""Tests of StatefulGRU (minigrad_rnn/links/gru.py).

Forward over several steps against a plain-NumPy reference written from Chainer's equations
(including its first step, which leaves the U links out), float64 gradient checks of the inputs
and all parameters through three steps (also through a shrinking batch), initializers, the state
rules (reset_state, the tail of a shrinking batch, a larger batch refused), serialize_state
round trips, set_state and lazy in_size.
"""

import numpy
import pytest

from minigrad import gradient_check
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad_rnn.links.gru import StatefulGRU
from tests.conftest import TOL
from tests.helpers import cpu, uniform

I, N = 3, 4


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _cast(link, dtype):
    for p in link.params():
        p.array = p.array.astype(dtype)
    return link


def _step(W, x, h):
    """One GRU step in float64 NumPy; h None is Chainer's first step."""
    def lin(name, v):
        return v @ W['/%s/W' % name].T + W['/%s/b' % name]
    if h is None:
        return _sigmoid(lin('W_z', x)) * numpy.tanh(lin('W', x))
    r = _sigmoid(lin('W_r', x) + lin('U_r', h))
    z = _sigmoid(lin('W_z', x) + lin('U_z', h))
    h_bar = numpy.tanh(lin('W', x) + lin('U', r * h))
    return (1 - z) * h + z * h_bar


def _reference(link, xs, h=None):
    W = {name: cpu(p.array).astype(numpy.float64) for name, p in link.namedparams()}
    hs = []
    for x in xs:
        h = _step(W, x.astype(numpy.float64), h)
        hs.append(h)
    return hs


def _link(seed=0):
    numpy.random.seed(seed)
    link = StatefulGRU(I, N)
    for k, (name, p) in enumerate(link.namedparams()):
        if name.endswith('/b'):                     # distinct nonzero biases: each one matters
            p.array[...] = uniform((N,), numpy.float32, seed=seed + 10 + k)
    return link


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_forward_against_numpy(xp, dtype):
    link = _cast(_link(), dtype)
    if xp is not numpy:
        link.to_gpu()
    xs = [uniform((2, I), dtype, seed=s) for s in range(4)]
    expected = _reference(link, xs)
    for x, e in zip(xs, expected):
        y = link(xp.asarray(x))
        assert y.shape == (2, N) and y.dtype == dtype
        numpy.testing.assert_allclose(cpu(y), e, **TOL[dtype])
    assert link.h is y


def test_first_step_leaves_the_u_links_out():
    link = _link()
    x = uniform((2, I), numpy.float32)
    y = link(x)
    W = {name: p.array for name, p in link.namedparams()}
    expected = (_sigmoid(x @ W['/W_z/W'].T + W['/W_z/b'])
                * numpy.tanh(x @ W['/W/W'].T + W['/W/b']))
    numpy.testing.assert_allclose(y.array, expected, **TOL[numpy.float32])
    # with zero biases that is the same as a zero state
    zero_bias = StatefulGRU(I, N)
    x = uniform((2, I), numpy.float32, seed=3)
    Wz = {name: p.array.astype(numpy.float64) for name, p in zero_bias.namedparams()}
    numpy.testing.assert_allclose(zero_bias(x).array, _step(Wz, x, numpy.zeros((2, N))),
                                  **TOL[numpy.float32])


def test_children_and_initializers():
    link = StatefulGRU(I, N, init=0.5, inner_init=-0.25, bias_init=0.125)
    names = [name for name, _ in link.namedparams()]
    assert names == ['/W_r/W', '/W_r/b', '/U_r/W', '/U_r/b', '/W_z/W', '/W_z/b',
                     '/U_z/W', '/U_z/b', '/W/W', '/W/b', '/U/W', '/U/b']
    for name in ('W_r', 'W_z', 'W'):
        child = getattr(link, name)
        assert child.W.shape == (N, I) and (child.W.array == 0.5).all()
        assert (child.b.array == 0.125).all()
    for name in ('U_r', 'U_z', 'U'):
        child = getattr(link, name)
        assert child.W.shape == (N, N) and (child.W.array == -0.25).all()
        assert (child.b.array == 0.125).all()
    default = StatefulGRU(I, N)
    assert all((p.array == 0).all() for name, p in default.namedparams() if name.endswith('/b'))


def test_backward_three_steps():
    link = _link()
    xs = tuple(uniform((2, I), seed=s) for s in range(3))

    def f(x1, x2, x3):
        link.reset_state()
        return link(x1), link(x2), link(x3)

    gradient_check.check_backward(f, xs, params=list(link.params()))
    assert link.W.W.dtype == numpy.float32


def test_backward_through_shrinking_batch():
    link = _link()
    xs = (uniform((3, I), seed=0), uniform((3, I), seed=1), uniform((2, I), seed=2))

    def f(x1, x2, x3):
        link.reset_state()
        link(x1)
        link(x2)
        return link(x3), link.h

    gradient_check.check_backward(f, xs, params=list(link.params()))


def test_shrinking_batch_carries_the_tail():
    link = _cast(_link(), numpy.float64)
    x1, x2 = uniform((3, I), seed=0), uniform((3, I), seed=1)
    link(x1)
    h_before = link(x2).array.copy()
    x3 = uniform((2, I), seed=2)
    y = link(x3)
    assert y.shape == (2, N) and link.h.shape == (3, N)
    numpy.testing.assert_array_equal(link.h.array[2:], h_before[2:])
    expected = _reference(link, [x1[:2], x2[:2], x3])
    numpy.testing.assert_allclose(y.array, expected[-1], **TOL[numpy.float64])
    numpy.testing.assert_allclose(link.h.array[:2], expected[-1], **TOL[numpy.float64])


def test_larger_batch_raises_and_reset_state():
    link = _link()
    link(uniform((2, I), numpy.float32))
    with pytest.raises(ValueError, match=r'StatefulGRU.*3 rows.*2 rows.*reset_state\(\)'):
        link(uniform((3, I), numpy.float32))
    link.reset_state()
    assert link.h is None
    x = uniform((3, I), numpy.float32, seed=5)
    numpy.testing.assert_allclose(link(x).array, _reference(link, [x])[0],
                                  **TOL[numpy.float32])


def test_serialize_state_round_trip():
    link = _link()
    xs = [uniform((2, I), numpy.float32, seed=s) for s in range(3)]
    link(xs[0])
    link(xs[1])
    saver = DictionarySerializer()
    link.serialize_state(saver)
    assert list(saver.target) == ['h']
    params_only = DictionarySerializer()
    link.serialize(params_only)
    assert 'h' not in params_only.target and len(params_only.target) == 12

    fresh = StatefulGRU(I, N)
    fresh.copyparams(link)
    fresh.serialize_state(NpzDeserializer(saver.target))
    numpy.testing.assert_array_equal(fresh.h.array, link.h.array)
    numpy.testing.assert_array_equal(fresh(xs[2]).array, link(xs[2]).array)


def test_set_state():
    link = _cast(_link(), numpy.float64)
    h0 = uniform((2, N), seed=7)
    link.set_state(h0)
    x = uniform((2, I), seed=9)
    numpy.testing.assert_allclose(link(x).array, _reference(link, [x], h=h0)[0],
                                  **TOL[numpy.float64])
    with pytest.raises(ValueError, match=r'\(B, 4\)'):
        link.set_state(uniform((2, N + 1)))


def test_lazy_in_size_and_repr():
    link = StatefulGRU(None, N)
    y = link(numpy.ones((2, 5), dtype=numpy.float32))
    assert y.shape == (2, N) and link.W_r.W.shape == (N, 5) and link.U.W.shape == (N, N)
    assert 'StatefulGRU(' in repr(link) and 'in_size=5, out_size=4' in repr(link)
