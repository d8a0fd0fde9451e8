"""Tests of the LSTM link: NumPy reference, gradients through time, state rules, truncated BPTT."""

import gc
import weakref

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check, serializers
from minigrad_rnn import LSTM
from tests.helpers import uniform


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _to_float64(link):
    for p in link.params():
        p.array = p.array.astype(numpy.float64)
    return link


def _reference_step(link, x, h, c):
    z = x @ link.upward.W.array.T + link.upward.b.array
    if h is not None:
        z = z + h[:len(x)] @ link.lateral.W.array.T
    a, i, f, o = (z[:, k::4] for k in range(4))        # interleaved per unit
    c_prev = numpy.zeros((len(x), link.state_size)) if c is None else c
    c_new = c_prev.copy()
    c_new[:len(x)] = numpy.tanh(a) * _sigmoid(i) + _sigmoid(f) * c_prev[:len(x)]
    h_new = _sigmoid(o) * numpy.tanh(c_new[:len(x)])
    if h is not None and len(x) < len(h):
        h_new = numpy.concatenate([h_new, h[len(x):]])
    return h_new, c_new


def test_forward_matches_reference_over_steps_with_shrinking_batch():
    numpy.random.seed(0)
    link = _to_float64(LSTM(3, 4))
    h = c = None
    for B in (3, 3, 2, 1):
        x = uniform((B, 3), seed=B)
        y = link(x)
        h, c = _reference_step(link, x, h, c)
        numpy.testing.assert_allclose(y.array, h[:B], rtol=1e-12, atol=1e-12)
        numpy.testing.assert_allclose(link.h.array, h, rtol=1e-12, atol=1e-12)
        numpy.testing.assert_allclose(link.c.array, c, rtol=1e-12, atol=1e-12)


def test_initial_biases_forget_one_others_zero_and_lazy_in_size():
    link = LSTM(5)
    assert link.upward.W.array is None
    link(numpy.ones((2, 7), dtype=numpy.float32))
    assert link.upward.W.shape == (20, 7)
    b = link.upward.b.array.reshape(5, 4)             # columns a, i, f, o
    numpy.testing.assert_array_equal(b[:, 2], 1)
    numpy.testing.assert_array_equal(b[:, [0, 1, 3]], 0)
    custom = LSTM(2, 3, forget_bias_init=0.5, bias_init=0.25)
    b = custom.upward.b.array.reshape(3, 4)
    numpy.testing.assert_array_equal(b[:, 2], 0.5)
    numpy.testing.assert_array_equal(b[:, [0, 1, 3]], 0.25)


@pytest.mark.parametrize('make', [lambda link: link.copy('init'),
                                  lambda link: minigrad.links.Sequential(link).repeat(2)[1]])
def test_copy_init_draws_like_the_constructor(make):
    # the gate-wise initialization lives in the children's initializers, so a re-initialised
    # copy gets it too (it used to get all-zero weights and biases)
    from minigrad import initializers
    numpy.random.seed(0)
    link = LSTM(6, 3, upward_init=initializers.Orthogonal(1.0),
                lateral_init=initializers.Orthogonal(1.0))
    for fresh in (link, make(link)):
        for W in (fresh.upward.W.array, fresh.lateral.W.array):
            for k in range(4):                   # each gate's 3 rows are orthonormal
                block = W[3 * k:3 * (k + 1)].astype(numpy.float64)
                numpy.testing.assert_allclose(block @ block.T, numpy.eye(3), atol=1e-5)
        b = fresh.upward.b.array.reshape(3, 4)
        numpy.testing.assert_array_equal(b[:, 2], 1)
        numpy.testing.assert_array_equal(b[:, [0, 1, 3]], 0)
    copy = make(link)
    assert not numpy.array_equal(copy.upward.W.array, link.upward.W.array)   # re-drawn


def test_gradients_through_three_steps():
    numpy.random.seed(1)
    link = _to_float64(LSTM(2, 3))
    xs = [uniform((2, 2), seed=s) for s in range(3)]

    def run(*xs):
        link.reset_state()
        return sum(F.sum(link(x) * (k + 1)) for k, x in enumerate(xs))

    gradient_check.check_backward(run, tuple(xs), params=list(link.params()))


def test_state_rules():
    link = LSTM(2, 3)
    link(numpy.ones((2, 2), numpy.float32))
    with pytest.raises(ValueError, match='reset_state'):
        link(numpy.ones((3, 2), numpy.float32))
    link.reset_state()
    assert link.h is None and link.c is None
    link(numpy.ones((3, 2), numpy.float32))
    c = numpy.full((1, 3), 0.5, numpy.float32)
    link.set_state(c, numpy.zeros((1, 3), numpy.float32))
    numpy.testing.assert_array_equal(link.c.array, c)
    with pytest.raises(ValueError, match='set_state'):
        link.set_state(numpy.zeros((1, 2)), numpy.zeros((1, 2)))


def test_serialize_holds_parameters_and_serialize_state_holds_the_state(tmp_path):
    link = LSTM(2, 3)
    link(numpy.ones((2, 2), numpy.float32))
    saver = serializers.DictionarySerializer()
    link.serialize_state(saver)
    assert sorted(saver.target) == ['c', 'h']
    fresh = LSTM(2, 3)
    fresh.serialize_state(serializers.NpzDeserializer(saver.target))
    numpy.testing.assert_array_equal(fresh.h.array, link.h.array)
    numpy.testing.assert_array_equal(fresh.c.array, link.c.array)
    # the model file is parameters only, so it loads into a model in any state
    serializers.save_npz(str(tmp_path / 'm.npz'), link)
    serializers.load_npz(str(tmp_path / 'm.npz'), LSTM(2, 3))


def _live_functions():
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, minigrad.Function))


def test_truncated_bptt_keeps_the_graph_bounded():
    numpy.random.seed(2)
    link = LSTM(3, 4)
    out = minigrad.links.Linear(4, 3)
    x = numpy.random.rand(2, 3).astype(numpy.float32)
    counts = []
    loss = 0
    first = None
    for t in range(2000):
        loss = loss + F.sum(out(link(x)) ** 2)
        if t == 10:
            first = weakref.ref(link.h.creator)
        if (t + 1) % 35 == 0:
            link.cleargrads()
            loss.backward()
            loss.unchain_backward()
            loss = 0
            if (t + 1) % 350 == 0:
                counts.append(_live_functions())
    assert first() is None                      # the nodes of early steps were freed
    assert max(counts) < 200, counts            # no growth over 2,000 steps
    assert max(counts) - min(counts) < 20, counts


def test_an_integer_input_is_refused_before_any_state_is_made():
    # the state used to be made from the bad x's dtype first, so the error named c_prev and
    # every later call failed until reset_state()
    rnn = LSTM(3, 2)
    with pytest.raises(minigrad.InvalidType, match=r'LSTM: x must be a float array, got int32; '
                                                   r'cast it with x.astype\(numpy.float32\)'):
        rnn(numpy.ones((1, 3), numpy.int32))
    assert rnn.c is None and rnn.h is None
    assert rnn(numpy.ones((1, 3), numpy.float32)).shape == (1, 2)


@pytest.mark.parametrize('cls_name', ['LSTM', 'StatefulPeepholeLSTM', 'StatefulGRU', 'SimpleRNN',
                                      'SCRN'])
def test_loading_a_state_leaves_earlier_outputs_and_their_graph_alone(cls_name):
    # the loaded state used to be copied into the current state's array, which is the output
    # the last call returned (and, for LSTM's c, an array its backward reads)
    import minigrad_rnn
    cls = getattr(minigrad_rnn, cls_name)
    numpy.random.seed(0)
    saved = _to_float64(cls(3, 4))
    saved(uniform((2, 3), seed=1))
    snapshot = serializers.DictionarySerializer()
    saved.serialize_state(snapshot)
    link = _to_float64(cls(3, 4))
    x = minigrad.Variable(uniform((2, 3), seed=2))
    y = link(x)
    before = y.array.copy()
    loss = F.sum(y * y)
    loss.backward()
    expected = x.grad.copy()
    x.cleargrad()
    loss = F.sum(y * y)                             # a graph made before the load
    link.serialize_state(serializers.NpzDeserializer(snapshot.target))
    numpy.testing.assert_array_equal(y.array, before)
    loss.backward()
    numpy.testing.assert_array_equal(x.grad, expected)
    for name, array in snapshot.target.items():       # and the link took the loaded state
        numpy.testing.assert_array_equal(getattr(link, name).array, array)


@pytest.mark.parametrize('cls_name', ['StatefulPeepholeLSTM', 'StatefulGRU', 'SimpleRNN', 'SCRN'])
def test_a_refused_first_input_does_not_fix_a_lazy_in_size(cls_name):
    # Linear made W from the bad x's shape before F.linear refused its dtype
    import minigrad_rnn
    link = getattr(minigrad_rnn, cls_name)(None, 4)
    with pytest.raises(minigrad.InvalidType, match='x must be a float array, got int32'):
        link(numpy.ones((2, 7), numpy.int32))
    assert link(numpy.ones((2, 5), numpy.float32)).shape[0] == 2   # in_size 5, not 7


def test_set_state_wants_two_dimensional_states():
    link = LSTM(3, 4)
    for shape in ((4,), (2, 3, 4)):
        with pytest.raises(ValueError, match=r'LSTM.set_state: c and h must both have shape '
                                             r'\(B, 4\)'):
            link.set_state(numpy.zeros(shape, numpy.float32), numpy.zeros(shape, numpy.float32))


def test_a_float64_initializer_makes_a_float64_lstm():
    from minigrad import initializers
    link = LSTM(3, 2, upward_init=initializers.Normal(dtype=numpy.float64))
    assert {p.dtype for p in link.params()} == {numpy.dtype(numpy.float64)}
    assert link(numpy.ones((1, 3))).dtype == numpy.float64
    with pytest.raises(ValueError, match='LSTM: the initializers fix different dtypes'):
        LSTM(3, 2, upward_init=initializers.Normal(dtype=numpy.float64),
             lateral_init=initializers.Normal(dtype=numpy.float32))


def test_a_strict_load_without_the_state_still_fails():
    link = LSTM(3, 2)
    link(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(serializers.SerializationError):
        serializers.NpzDeserializer({}).load(_StateOf(link))


class _StateOf:
    def __init__(self, link):
        self.link = link

    def serialize(self, serializer):
        self.link.serialize_state(serializer)
