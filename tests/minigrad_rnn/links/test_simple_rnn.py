"""Tests of SimpleRNN (minigrad_rnn/links/simple_rnn.py).

Forward over several steps against a plain-NumPy reference (tanh and relu), float64 gradient
checks of the inputs and all parameters through three steps (also through a shrinking batch),
the IRNN initialisation (identity recurrent matrix, small input weights) and the other
initializers, the activation error, the state rules (reset_state, the tail of a shrinking
batch, a larger batch refused), serialize_state round trips, set_state and lazy in_size.
"""

import numpy
import pytest

from minigrad import gradient_check, initializers
from minigrad.serializers import DictionarySerializer, NpzDeserializer
from minigrad_rnn.links.simple_rnn import SimpleRNN
from tests.conftest import TOL
from tests.helpers import cpu, uniform

I, N = 3, 4
_ACT = {'tanh': numpy.tanh, 'relu': lambda v: numpy.maximum(v, 0)}


def _cast(link, dtype):
    for p in link.params():
        p.array = p.array.astype(dtype)
    return link


def _reference(link, xs, h=None, check_kinks=False):
    """The Elman equations in float64 NumPy from a zero state (or ``h``)."""
    act = _ACT[link.activation]
    W = cpu(link.upward.W.array).astype(numpy.float64)
    b = cpu(link.upward.b.array).astype(numpy.float64)
    U = cpu(link.lateral.W.array).astype(numpy.float64)
    h = numpy.zeros((xs[0].shape[0], N)) if h is None else h
    hs = []
    for x in xs:
        pre = x.astype(numpy.float64) @ W.T + b + h @ U.T
        if check_kinks:                              # relu's gradient check needs |pre| > eps
            assert numpy.abs(pre).min() > 0.01
        h = act(pre)
        hs.append(h)
    return hs


def _link(activation='tanh', seed=0):
    numpy.random.seed(seed)
    # explicit weights for relu as well: the IRNN's tiny inputs sit right at relu's kink
    link = SimpleRNN(I, N, activation=activation, lateral_init=initializers.LeCunNormal(),
                     initial_bias=uniform((N,), numpy.float32, seed=seed + 1))
    return link


@pytest.mark.parametrize('activation', ['tanh', 'relu'])
@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
def test_forward_against_numpy(xp, activation, dtype):
    link = _cast(_link(activation), dtype)
    if xp is not numpy:
        link.to_gpu()
    xs = [uniform((2, I), dtype, seed=s) for s in range(4)]
    expected = _reference(link, xs)
    for x, e in zip(xs, expected):
        y = link(xp.asarray(x))
        assert y.shape == (2, N) and y.dtype == dtype
        numpy.testing.assert_allclose(cpu(y), e, **TOL[dtype])
    assert link.h is y


@pytest.mark.parametrize('activation', ['tanh', 'relu'])
def test_backward_three_steps(activation):
    link = _link(activation)
    xs = tuple(uniform((2, I), seed=s) for s in range(3))
    _reference(link, xs, check_kinks=activation == 'relu')

    def f(x1, x2, x3):
        link.reset_state()
        return link(x1), link(x2), link(x3)

    gradient_check.check_backward(f, xs, params=list(link.params()))


def test_backward_through_shrinking_batch():
    link = _link()
    xs = (uniform((3, I), seed=0), uniform((3, I), seed=1), uniform((2, I), seed=2))

    def f(x1, x2, x3):
        link.reset_state()
        link(x1)
        link(x2)
        return link(x3), link.h

    gradient_check.check_backward(f, xs, params=list(link.params()))


def test_irnn_initialization():
    link = SimpleRNN(20, 30, activation='relu')
    numpy.testing.assert_array_equal(link.lateral.W.array, numpy.identity(30))
    W = link.upward.W.array
    assert abs(W.std() - 0.001) < 0.0002 and numpy.abs(W).max() < 0.01
    assert (link.upward.b.array == 0).all() and link.lateral.b is None
    # the identity makes a zero input carry the state over unchanged (relu of positives)
    link.set_state(numpy.full((1, 30), 0.7, dtype=numpy.float32))
    numpy.testing.assert_allclose(link(numpy.zeros((1, 20), numpy.float32)).array,
                                  numpy.full((1, 30), 0.7), rtol=1e-6)


def test_initializers():
    tanh = SimpleRNN(20, 30)
    assert not numpy.allclose(tanh.lateral.W.array, numpy.identity(30))
    assert abs(tanh.lateral.W.array.std() - (1 / 30) ** 0.5) < 0.03     # LeCunNormal
    assert abs(tanh.upward.W.array.std() - (1 / 20) ** 0.5) < 0.03
    given = SimpleRNN(I, N, activation='relu', initialW=0.5, initial_bias=0.25,
                      lateral_init=-1.0)
    assert (given.upward.W.array == 0.5).all() and (given.upward.b.array == 0.25).all()
    assert (given.lateral.W.array == -1.0).all()
    upward_only = SimpleRNN(I, N, activation='relu', initialW=0.5)
    assert (upward_only.upward.W.array == 0.5).all()
    numpy.testing.assert_array_equal(upward_only.lateral.W.array, numpy.identity(N))


def test_unknown_activation():
    with pytest.raises(ValueError, match=r"activation must be one of 'tanh', 'relu', got "
                                         r"'sigmoid'"):
        SimpleRNN(I, N, activation='sigmoid')


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
    with pytest.raises(ValueError, match=r'SimpleRNN.*3 rows.*2 rows.*reset_state\(\)'):
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
    assert sorted(params_only.target) == ['lateral/W', 'upward/W', 'upward/b']

    fresh = SimpleRNN(I, N)
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
    link = SimpleRNN(None, N)
    y = link(numpy.ones((2, 5), dtype=numpy.float32))
    assert y.shape == (2, N) and link.upward.W.shape == (N, 5)
    assert "in_size=5, out_size=4, activation='tanh'" in repr(link)
