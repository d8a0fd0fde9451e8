"""Tests of n_step_gru / n_step_bigru against a per-sequence NumPy GRU written from Chainer's
documented equations (cuDNN order: W0/W3 reset gate, W1/W4 update gate, W2/W5 candidate, the
reset gate applied to ``W5 h + b5``)."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad.graph import build_computational_graph
from minigrad_rnn.functions import n_step_bigru, n_step_gru


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _run_sequence(w, b, seq, h):
    outs = []
    for x in seq:
        r = _sigmoid(w[0] @ x + b[0] + w[3] @ h + b[3])
        z = _sigmoid(w[1] @ x + b[1] + w[4] @ h + b[4])
        h_bar = numpy.tanh(w[2] @ x + b[2] + r * (w[5] @ h + b[5]))
        h = (1 - z) * h_bar + z * h
        outs.append(h)
    return h, numpy.array(outs)


def _make(rng, n_layers, n_dir, in_size, N, lengths):
    ws = [[rng.uniform(-0.6, 0.6, (N, (in_size if k < n_dir else N * n_dir) if j < 3 else N))
           for j in range(6)] for k in range(n_layers * n_dir)]
    bs = [[rng.uniform(-0.5, 0.5, N) for _ in range(6)] for _ in range(n_layers * n_dir)]
    seqs = [rng.uniform(-1, 1, (n, in_size)) for n in lengths]
    xs = [numpy.stack([s[t] for s in seqs if len(s) > t]) for t in range(lengths[0])]
    hx = rng.uniform(-1, 1, (n_layers * n_dir, len(lengths), N))
    return ws, bs, seqs, xs, hx


def _fn(n_dir):
    return n_step_gru if n_dir == 1 else n_step_bigru


@pytest.mark.parametrize('n_dir', [1, 2])
@pytest.mark.parametrize('n_layers, lengths', [(1, [3, 3]), (2, [4, 3, 1]), (3, [2, 1, 1]),
                                               (2, [1, 1])])
def test_forward_matches_per_sequence_reference(n_dir, n_layers, lengths):
    rng = numpy.random.RandomState(0)
    in_size, N = 3, 4
    ws, bs, seqs, xs, hx = _make(rng, n_layers, n_dir, in_size, N, lengths)
    hy, ys = _fn(n_dir)(n_layers, 0.0, hx, ws, bs, xs)
    assert hy.shape == (n_layers * n_dir, len(lengths), N)
    assert [y.shape for y in ys] == [(len(x), N * n_dir) for x in xs]
    for i, seq in enumerate(seqs):
        inp = seq
        for layer in range(n_layers):
            outs = []
            for d in range(n_dir):
                k = layer * n_dir + d
                h, o = _run_sequence(ws[k], bs[k], inp if d == 0 else inp[::-1], hx[k, i])
                numpy.testing.assert_allclose(hy.array[k, i], h, rtol=1e-10, atol=1e-12)
                outs.append(o if d == 0 else o[::-1])
            inp = numpy.concatenate(outs, axis=1)
        for t in range(len(seq)):
            numpy.testing.assert_allclose(ys[t].array[i], inp[t], rtol=1e-10, atol=1e-12)


def test_gate_order_by_hand():
    # one unit, one step, weights zero: only the biases speak, so each index shows its role
    zeros = [numpy.zeros((1, 1)) for _ in range(6)]
    x = [numpy.array([[0.3]])]
    hx = numpy.full((1, 1, 1), 0.8)

    def run(**biases):
        bs = [numpy.zeros(1) for _ in range(6)]
        for j, v in biases.items():
            bs[int(j[1])] = numpy.array([v])
        return float(n_step_gru(1, 0.0, hx, [zeros], [bs], x)[0].array[0, 0, 0])

    assert run(b1=50.0) == pytest.approx(0.8)           # update gate 1 (b1): keep h
    assert run(b4=50.0) == pytest.approx(0.8)           # the same through the h side (b4)
    assert run(b1=-50.0, b2=0.5) == pytest.approx(numpy.tanh(0.5))   # z = 0: h~ = tanh(b2)
    # h~ = tanh(b2 + r * b5): the reset gate (b0, b3) scales b5, and only b5
    assert run(b1=-50.0, b0=-50.0, b5=2.0) == pytest.approx(0.0)
    assert run(b1=-50.0, b3=50.0, b5=2.0) == pytest.approx(numpy.tanh(2.0))
    assert run(b1=-50.0, b0=-50.0, b2=0.5) == pytest.approx(numpy.tanh(0.5))


def _flat_call(fn, n_layers, n_dir, T):
    # check_backward wants a flat list of inputs: hx, xs..., then ws and bs flattened
    def f(hx, *rest):
        xs = list(rest[:T])
        flat_w = rest[T:T + 6 * n_layers * n_dir]
        flat_b = rest[T + 6 * n_layers * n_dir:]
        ws = [list(flat_w[6 * k:6 * k + 6]) for k in range(n_layers * n_dir)]
        bs = [list(flat_b[6 * k:6 * k + 6]) for k in range(n_layers * n_dir)]
        hy, ys = fn(n_layers, 0.0, hx, ws, bs, xs)
        return (hy,) + tuple(ys)
    return f


def _flat_inputs(hx, xs, ws, bs):
    return (hx,) + tuple(xs) + tuple(w for ws_k in ws for w in ws_k) + tuple(
        b for bs_k in bs for b in bs_k)


@pytest.mark.parametrize('n_dir', [1, 2])
@pytest.mark.parametrize('n_layers, lengths', [(1, [3, 2]), (2, [3, 3, 1])])
def test_backward(n_dir, n_layers, lengths):
    # gradients of hx, every xs[t], every W and b; variable lengths
    rng = numpy.random.RandomState(1)
    ws, bs, _, xs, hx = _make(rng, n_layers, n_dir, 2, 2, lengths)
    f = _flat_call(_fn(n_dir), n_layers, n_dir, len(xs))
    gradient_check.check_backward(f, _flat_inputs(hx, xs, ws, bs), atol=1e-6, rtol=1e-5)


def test_backward_of_some_outputs_only():
    # no gradient reaches hy: the layer starts from zeros
    rng = numpy.random.RandomState(9)
    ws, bs, _, xs, hx = _make(rng, 1, 2, 2, 2, [3, 1])
    f = _flat_call(n_step_bigru, 1, 2, len(xs))
    gradient_check.check_backward(lambda *args: f(*args)[1:], _flat_inputs(hx, xs, ws, bs),
                                  atol=1e-6, rtol=1e-5)


def test_double_backward():
    rng = numpy.random.RandomState(2)
    n_layers, lengths = 1, [2, 1]
    ws, bs, _, xs, hx = _make(rng, n_layers, 1, 2, 2, lengths)
    inputs = _flat_inputs(hx, xs, ws, bs)
    f = _flat_call(n_step_gru, n_layers, 1, len(xs))
    outs = f(*[minigrad.Variable(x) for x in inputs])
    gys = tuple(rng.uniform(-1, 1, y.shape) for y in outs)
    ggxs = tuple(rng.uniform(-1, 1, x.shape) for x in inputs)
    gradient_check.check_double_backward(f, inputs, gys, ggxs, atol=1e-5, rtol=1e-4)
    # check_double_backward differentiates whatever the first-order backward computes, so
    # check too that the composition it uses equals the fused array code
    variables = [minigrad.Variable(x) for x in inputs]
    total = sum(F.sum(y * gy) for y, gy in zip(f(*variables), gys))
    fused = minigrad.grad([total], variables)
    composed = minigrad.grad([total], variables, enable_double_backprop=True)
    assert composed[0].creator is not None and fused[0].creator is None
    for a, b in zip(fused, composed):
        numpy.testing.assert_allclose(a.array, b.array, rtol=1e-10, atol=1e-12)


def test_records_a_fixed_number_of_functions_whatever_the_length():
    rng = numpy.random.RandomState(8)
    counts = []
    for T in (3, 30):
        ws, bs, _, xs, hx = _make(rng, 1, 2, 2, 3, [T, T - 1])
        hy, ys = n_step_bigru(1, 0.0, minigrad.Variable(hx), ws, bs, xs)
        graph = build_computational_graph([hy] + ys)
        labels = [n.label for n in graph.nodes if isinstance(n, minigrad.Function)]
        assert labels.count('n_step_gru_layer') == 2
        counts.append(len(labels))
    assert counts[0] == counts[1]


def test_dropout_only_between_layers_and_off_in_evaluation():
    rng = numpy.random.RandomState(3)
    ws, bs, _, xs, hx = _make(rng, 2, 1, 3, 4, [3, 2])
    ref = n_step_gru(2, 0.0, hx, ws, bs, xs)
    with minigrad.using_config('train', False):
        off = n_step_gru(2, 0.9, hx, ws, bs, xs)
    numpy.testing.assert_array_equal(off[0].array, ref[0].array)
    on = n_step_gru(2, 0.9, hx, ws, bs, xs)
    numpy.testing.assert_array_equal(on[0].array[0], ref[0].array[0])
    assert not numpy.allclose(on[0].array[1], ref[0].array[1])


def test_errors_name_the_function_the_argument_and_the_shapes():
    rng = numpy.random.RandomState(4)
    ws, bs, _, xs, hx = _make(rng, 1, 1, 3, 4, [3, 2])
    with pytest.raises(ValueError, match='n_step_gru: xs is empty'):
        n_step_gru(1, 0.0, None, ws, bs, [])
    with pytest.raises(minigrad.InvalidType,
                       match=r'n_step_gru: xs\[0\] must have shape \(B_t, 3\)') as e:
        n_step_gru(1, 0.0, None, ws, bs, [numpy.zeros((2, 5))])
    assert 'xs[0]: (2, 5) float64' in str(e.value)
    with pytest.raises(minigrad.InvalidType, match=r'n_step_gru: hx must have shape '
                       r'\(n_layers \* directions, B, N\) = \(1, 2, 4\)') as e:
        n_step_gru(1, 0.0, hx[:, :1], ws, bs, xs)
    assert 'hx: (1, 1, 4) float64' in str(e.value)
    with pytest.raises(minigrad.InvalidType, match=r'n_step_bigru: ws\[2\]\[0\] must have shape '
                       r'\(4, 8\) \(W0..W2 take the layer input, W3..W5 the hidden state\)'):
        n_step_bigru(2, 0.0, None, ws * 4, bs * 4, xs)
    with pytest.raises(ValueError, match=r'n_step_gru: ws\[0\] and bs\[0\] must each hold 6 '
                       r'arrays, got 2 and 6'):
        n_step_gru(1, 0.0, None, [ws[0][:2]], bs, xs)
    with pytest.raises(ValueError, match='must not increase'):
        n_step_gru(1, 0.0, None, ws, bs, xs[::-1])
