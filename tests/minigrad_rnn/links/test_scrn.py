"""Tests of SCRN (minigrad_rnn/links/scrn.py).

Forward over several steps against a plain-NumPy reference written from Mikolov et al.'s
equations (fixed and learned alpha), the returned concat(h, s) shape, float64 gradient checks
of the inputs and all parameters through three steps (alpha_logit included when learned, and
through a shrinking batch), alpha's range and validation, the state rules (reset_state, the
tail of a shrinking batch, a larger batch refused), serialize_state round trips, set_state
and lazy in_size.
"""

import math

import numpy
import pytest

import minigrad.functions as F
from minigrad import gradient_check, optimizers
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad_rnn.links.scrn import SCRN
from tests.conftest import TOL
from tests.helpers import cpu, uniform

I, H, S = 3, 4, 2


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _cast(link, dtype):
    for p in link.params():
        p.array = p.array.astype(dtype)
    return link


def _reference(link, xs, h=None, s=None):
    """The SCRN equations in float64 NumPy from a zero state (or ``h``, ``s``)."""
    W = {name: cpu(p.array).astype(numpy.float64) for name, p in link.namedparams()}
    if link.learn_alpha:
        alpha = _sigmoid(W['/alpha_logit'])
    else:
        alpha = link.alpha
    batch = xs[0].shape[0]
    h = numpy.zeros((batch, H)) if h is None else h
    s = numpy.zeros((batch, S)) if s is None else s
    ys = []
    for x in xs:
        x = x.astype(numpy.float64)
        s = (1 - alpha) * (x @ W['/B/W'].T) + alpha * s
        h = _sigmoid(s @ W['/P/W'].T + x @ W['/A/W'].T + W['/A/b'] + h @ W['/R/W'].T)
        ys.append(numpy.concatenate([h, s], axis=1))
    return ys


def _link(learn_alpha=False, alpha=0.8, seed=0):
    numpy.random.seed(seed)
    link = SCRN(I, hidden_size=H, context_size=S, alpha=alpha, learn_alpha=learn_alpha)
    link.A.b.array[...] = uniform((H,), numpy.float32, seed=seed + 1)
    if learn_alpha:                                 # a different rate per unit
        link.alpha_logit.array[...] = uniform((S,), numpy.float32, -2, 2, seed=seed + 2)
    return link


@pytest.mark.parametrize('learn_alpha', [False, True])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_forward_against_numpy(xp, learn_alpha, dtype):
    link = _cast(_link(learn_alpha), dtype)
    if xp is not numpy:
        link.to_gpu()
    xs = [uniform((2, I), dtype, seed=s) for s in range(4)]
    expected = _reference(link, xs)
    for x, e in zip(xs, expected):
        y = link(xp.asarray(x))
        assert y.shape == (2, H + S) and y.dtype == dtype
        numpy.testing.assert_allclose(cpu(y), e, **TOL[dtype])
        numpy.testing.assert_allclose(cpu(link.h), e[:, :H], **TOL[dtype])
        numpy.testing.assert_allclose(cpu(link.s), e[:, H:], **TOL[dtype])


def test_children_and_shapes():
    link = SCRN(I, hidden_size=5, context_size=3)
    assert [name for name, _ in link.namedparams()] == ['/B/W', '/A/W', '/A/b', '/P/W', '/R/W']
    assert link.B.W.shape == (3, I) and link.A.W.shape == (5, I) and link.A.b.shape == (5,)
    assert link.P.W.shape == (5, 3) and link.R.W.shape == (5, 5)
    assert link(uniform((7, I), numpy.float32)).shape == (7, 8)
    default = SCRN(I)
    assert (default.hidden_size, default.context_size, default.alpha) == (100, 40, 0.95)


def test_fixed_alpha_is_an_attribute_not_a_parameter():
    link = SCRN(I, H, S, alpha=0.9)
    assert isinstance(link.alpha, float) and link.alpha == 0.9
    assert not hasattr(link, 'alpha_logit')
    assert all('alpha' not in name for name, _ in link.namedparams())


def test_learned_alpha():
    link = SCRN(I, H, S, alpha=0.9, learn_alpha=True)
    assert link.alpha_logit.shape == (S,)
    assert '/alpha_logit' in [name for name, _ in link.namedparams()]
    numpy.testing.assert_allclose(link.alpha_logit.array, math.log(0.9 / 0.1), rtol=1e-6)
    numpy.testing.assert_allclose(link.alpha, numpy.full(S, 0.9), rtol=1e-6)
    # SGD steps in either direction move alpha, which stays strictly inside (0, 1)
    optimizer = optimizers.SGD(lr=5.0)
    optimizer.setup(link)
    xs = [uniform((2, I), numpy.float32, seed=t) for t in range(3)]
    for sign in (1.0, -1.0):
        for _ in range(3):
            link.reset_state()
            link.cleargrads()
            for x in xs:
                y = link(x)
            (F.sum(y[:, H:]) * sign).backward()
            optimizer.update()
            assert link.alpha_logit.grad is not None
        alpha = link.alpha
        assert ((alpha > 0) & (alpha < 1)).all() and not numpy.allclose(alpha, 0.9, atol=0.01)


@pytest.mark.parametrize('learn_alpha', [False, True])
def test_backward_three_steps(learn_alpha):
    link = _link(learn_alpha)
    params = list(link.params())
    assert ('/alpha_logit' in [name for name, _ in link.namedparams()]) == learn_alpha
    xs = tuple(uniform((2, I), seed=s) for s in range(3))

    def f(x1, x2, x3):
        link.reset_state()
        return link(x1), link(x2), link(x3)

    gradient_check.check_backward(f, xs, params=params)


def test_backward_through_shrinking_batch():
    link = _link(learn_alpha=True)
    xs = (uniform((3, I), seed=0), uniform((3, I), seed=1), uniform((2, I), seed=2))

    def f(x1, x2, x3):
        link.reset_state()
        link(x1)
        link(x2)
        return link(x3), link.h, link.s

    gradient_check.check_backward(f, xs, params=list(link.params()))


@pytest.mark.parametrize('alpha', [0, 1, 0.0, 1.0, -0.5, 1.5, float('nan')])
def test_bad_alpha(alpha):
    with pytest.raises(ValueError, match='alpha must lie strictly between 0 and 1'):
        SCRN(I, H, S, alpha=alpha)
    with pytest.raises(ValueError, match='strictly between 0 and 1'):
        SCRN(I, H, S, alpha=alpha, learn_alpha=True)


def test_alpha_of_the_wrong_kind():
    with pytest.raises(TypeError, match='alpha must be a float, got str'):
        SCRN(I, H, S, alpha='0.9')
    assert SCRN(I, H, S, alpha=numpy.float32(0.5)).alpha == 0.5


def test_shrinking_batch_carries_the_tail():
    link = _cast(_link(), numpy.float64)
    x1, x2 = uniform((3, I), seed=0), uniform((3, I), seed=1)
    link(x1)
    link(x2)
    h_before, s_before = link.h.array.copy(), link.s.array.copy()
    x3 = uniform((2, I), seed=2)
    y = link(x3)
    assert y.shape == (2, H + S) and link.h.shape == (3, H) and link.s.shape == (3, S)
    numpy.testing.assert_array_equal(link.h.array[2:], h_before[2:])
    numpy.testing.assert_array_equal(link.s.array[2:], s_before[2:])
    expected = _reference(link, [x1[:2], x2[:2], x3])[-1]
    numpy.testing.assert_allclose(y.array, expected, **TOL[numpy.float64])
    numpy.testing.assert_allclose(link.h.array[:2], expected[:, :H], **TOL[numpy.float64])
    numpy.testing.assert_allclose(link.s.array[:2], expected[:, H:], **TOL[numpy.float64])


def test_larger_batch_raises_and_reset_state():
    link = _link()
    link(uniform((2, I), numpy.float32))
    with pytest.raises(ValueError, match=r'SCRN.*3 rows.*2 rows.*reset_state\(\)'):
        link(uniform((3, I), numpy.float32))
    link.reset_state()
    assert link.h is None and link.s is None
    x = uniform((3, I), numpy.float32, seed=5)
    numpy.testing.assert_allclose(link(x).array, _reference(link, [x])[0],
                                  **TOL[numpy.float32])


def test_serialize_state_round_trip():
    link = _link(learn_alpha=True)
    xs = [uniform((2, I), numpy.float32, seed=s) for s in range(3)]
    link(xs[0])
    link(xs[1])
    saver = DictionarySerializer()
    link.serialize_state(saver)
    assert sorted(saver.target) == ['h', 's']
    params_only = DictionarySerializer()
    link.serialize(params_only)
    assert sorted(params_only.target) == ['A/W', 'A/b', 'B/W', 'P/W', 'R/W', 'alpha_logit']

    fresh = SCRN(I, H, S, learn_alpha=True)
    fresh.serialize(NpzDeserializer(params_only.target))
    fresh.serialize_state(NpzDeserializer(saver.target))
    numpy.testing.assert_array_equal(fresh.h.array, link.h.array)
    numpy.testing.assert_array_equal(fresh.s.array, link.s.array)
    numpy.testing.assert_array_equal(fresh(xs[2]).array, link(xs[2]).array)


def test_set_state():
    link = _cast(_link(), numpy.float64)
    h0, s0 = uniform((2, H), seed=7), uniform((2, S), seed=8)
    link.set_state(h0, s0)
    x = uniform((2, I), seed=9)
    numpy.testing.assert_allclose(link(x).array, _reference(link, [x], h=h0, s=s0)[0],
                                  **TOL[numpy.float64])
    with pytest.raises(ValueError, match=r'\(B, 4\) and \(B, 2\)'):
        link.set_state(h0, uniform((2, S + 1)))


def test_lazy_in_size_and_repr():
    link = SCRN(None, H, S)
    y = link(numpy.ones((2, 5), dtype=numpy.float32))
    assert y.shape == (2, H + S) and link.B.W.shape == (S, 5) and link.A.W.shape == (H, 5)
    assert 'in_size=5, hidden_size=4, context_size=2, alpha=0.95' in repr(link)
