"""Tests of the NStepLSTM / NStepBiLSTM links: equivalences with the fused cell run step by step,
with a padded batch masked by F.where, order of the sequences, errors."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad_rnn import NStepBiLSTM, NStepLSTM
from minigrad_rnn.functions import lstm


def _to_float64(link):
    for p in link.params():
        p.array = p.array.astype(numpy.float64)
    return link


def _cell_inputs(w, b):
    # cuDNN order (i, f, a, o) -> the fused cell's interleaved (a, i, f, o)
    def interleave(parts):
        return numpy.stack(parts, axis=1).reshape((-1,) + parts[0].shape[1:])
    Wx = interleave([w[2].array, w[0].array, w[1].array, w[3].array])
    Wh = interleave([w[6].array, w[4].array, w[5].array, w[7].array])
    bias = interleave([(b[j].array + b[j + 4].array) for j in (2, 0, 1, 3)])
    return Wx, Wh, bias


def _run_with_cell(ws, bs, seq, reverse=False):
    Wx, Wh, bias = _cell_inputs(ws, bs)
    N = Wh.shape[1]
    h = numpy.zeros((1, N))
    c = numpy.zeros((1, N))
    outs = []
    steps = seq[::-1] if reverse else seq
    for x in steps:
        c, h = lstm(c, x[None] @ Wx.T + bias + h @ Wh.T)
        c, h = c.array, h.array
        outs.append(h[0])
    outs = numpy.array(outs)
    return h[0], c[0], outs[::-1] if reverse else outs


@pytest.mark.parametrize('n_layers', [1, 2])
@pytest.mark.parametrize('cls', [NStepLSTM, NStepBiLSTM])
def test_equals_the_cell_step_by_step_for_each_sequence(cls, n_layers):
    numpy.random.seed(0)
    n_dir = 2 if cls is NStepBiLSTM else 1
    rnn = _to_float64(cls(n_layers, 3, 4, 0.0))
    lengths = [2, 5, 1, 5, 3]                   # unsorted, with ties and a length-1 sequence
    xs = [numpy.random.uniform(-1, 1, (n, 3)) for n in lengths]
    hy, cy, ys = rnn(None, None, xs)
    assert hy.shape == (n_layers * n_dir, len(xs), 4)
    for i, x in enumerate(xs):
        inp = x
        for layer in range(n_layers):
            outs = []
            for d in range(n_dir):
                k = layer * n_dir + d
                h, c, o = _run_with_cell(rnn.ws[k], rnn.bs[k], inp, reverse=d == 1)
                numpy.testing.assert_allclose(hy.array[k, i], h, rtol=1e-10, atol=1e-12)
                numpy.testing.assert_allclose(cy.array[k, i], c, rtol=1e-10, atol=1e-12)
                outs.append(o)
            inp = numpy.concatenate(outs, axis=1)
        assert ys[i].shape == (lengths[i], 4 * n_dir)       # order of xs preserved
        numpy.testing.assert_allclose(ys[i].array, inp, rtol=1e-10, atol=1e-12)


def test_padded_batch_masked_with_where_equals_per_sequence_results():
    numpy.random.seed(1)
    rnn = _to_float64(NStepLSTM(1, 3, 4, 0.0))
    lengths = [4, 2, 3]
    xs = [numpy.random.uniform(-1, 1, (n, 3)) for n in lengths]
    _, _, ys = rnn(None, None, xs)
    Wx, Wh, bias = _cell_inputs(rnn.ws[0], rnn.bs[0])
    padded = F.pad_sequence(xs).array                   # (B, T, I)
    h = minigrad.Variable(numpy.zeros((3, 4)))
    c = minigrad.Variable(numpy.zeros((3, 4)))
    for t in range(max(lengths)):
        c_new, h_new = lstm(c, padded[:, t] @ Wx.T + bias + F.linear(h, Wh))
        mask = (numpy.array(lengths) > t)[:, None]      # finished sequences keep their state
        h = F.where(mask, h_new, h)
        c = F.where(mask, c_new, c)
        for i, n in enumerate(lengths):
            if t < n:
                numpy.testing.assert_allclose(h.array[i], ys[i].array[t], rtol=1e-10)


def test_initial_states_follow_the_order_of_xs():
    numpy.random.seed(2)
    rnn = _to_float64(NStepLSTM(1, 2, 3, 0.0))
    xs = [numpy.random.uniform(-1, 1, (n, 2)) for n in (1, 3)]
    hx = numpy.random.uniform(-1, 1, (1, 2, 3))
    cx = numpy.random.uniform(-1, 1, (1, 2, 3))
    hy, cy, ys = rnn(hx, cx, xs)
    for i in range(2):
        hy_i, cy_i, ys_i = rnn(hx[:, i:i + 1], cx[:, i:i + 1], [xs[i]])
        numpy.testing.assert_allclose(hy.array[:, i], hy_i.array[:, 0], rtol=1e-12)
        numpy.testing.assert_allclose(cy.array[:, i], cy_i.array[:, 0], rtol=1e-12)
        numpy.testing.assert_allclose(ys[i].array, ys_i[0].array, rtol=1e-12)


@pytest.mark.parametrize('cls', [NStepLSTM, NStepBiLSTM])
def test_gradients_of_inputs_states_and_parameters(cls):
    numpy.random.seed(3)
    rnn = _to_float64(cls(2, 2, 2, 0.0))
    n_dir = 2 if cls is NStepBiLSTM else 1
    xs = [numpy.random.uniform(-1, 1, (n, 2)) for n in (2, 3)]
    hx = numpy.random.uniform(-1, 1, (2 * n_dir, 2, 2))

    def f(hx, x0, x1):
        hy, cy, ys = rnn(hx, None, [x0, x1])
        return (hy, cy) + tuple(ys)

    gradient_check.check_backward(f, (hx,) + tuple(xs), params=list(rnn.params()),
                                  atol=1e-6, rtol=1e-5)


def test_dropout_is_reproducible_with_a_seed_and_off_in_evaluation():
    rnn = NStepLSTM(2, 3, 4, 0.5)
    xs = [numpy.ones((3, 3), numpy.float32), numpy.ones((2, 3), numpy.float32)]
    numpy.random.seed(5)
    a = rnn(None, None, xs)[0].array
    numpy.random.seed(5)
    b = rnn(None, None, xs)[0].array
    numpy.testing.assert_array_equal(a, b)
    with minigrad.using_config('train', False):
        c = rnn(None, None, xs)[0].array
        d = rnn(None, None, xs)[0].array
    numpy.testing.assert_array_equal(c, d)
    assert not numpy.array_equal(a[1], c[1])


def test_errors():
    rnn = NStepLSTM(1, 3, 4, 0.0)
    with pytest.raises(ValueError, match='xs is empty'):
        rnn(None, None, [])
    with pytest.raises(minigrad.InvalidType, match=r'xs\[1\] must have shape \(len, 3\)'):
        rnn(None, None, [numpy.ones((2, 3), numpy.float32), numpy.ones((2, 5), numpy.float32)])
    with pytest.raises(minigrad.InvalidType, match='len >= 1'):
        rnn(None, None, [numpy.ones((0, 3), numpy.float32)])
    with pytest.raises(minigrad.InvalidType, match=r'NStepLSTM: cx must have shape '
                                                   r'\(n_layers \* directions'):
        rnn(None, numpy.zeros((1, 2, 5), numpy.float32), [numpy.ones((2, 3), numpy.float32)] * 2)
    with pytest.raises(minigrad.InvalidType, match=r'NStepLSTM: hx must have shape .*\(1, 1, 4\)'):
        rnn(numpy.zeros((2, 1, 4), numpy.float32), None, [numpy.ones((2, 3), numpy.float32)])
    with pytest.raises(ValueError, match='dropout'):
        NStepLSTM(1, 3, 4, 1.5)
    # the dtype error names the user's own xs[0], not the first time step after sorting
    with pytest.raises(minigrad.InvalidType, match=r"NStepLSTM: xs\[0\] must have the weights' "
                                                   r'dtype float32(.|\n)*x: \(5, 3\) float64'):
        rnn(None, None, [numpy.ones((5, 3)), numpy.ones((2, 3))])
    with pytest.raises(TypeError, match='NStepLSTM: in_size must be a positive int.*got None'):
        NStepLSTM(1, None, 4, 0.0)
    with pytest.raises(TypeError, match='NStepLSTM: out_size must be a positive int.*got 0'):
        NStepLSTM(1, 3, 0, 0.0)
