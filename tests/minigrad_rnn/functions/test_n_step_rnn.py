"""Tests of n_step_rnn / n_step_birnn against a per-sequence NumPy RNN written from Chainer's
documented equation ``h_t = act(W0 x_t + b0 + W1 h_t-1 + b1)``."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad.graph import build_computational_graph
from minigrad_rnn.functions import n_step_birnn, n_step_rnn

ACT = {'tanh': numpy.tanh, 'relu': lambda v: numpy.maximum(v, 0)}


def _run_sequence(w, b, seq, h, activation):
    outs = []
    for x in seq:
        h = ACT[activation](w[0] @ x + b[0] + w[1] @ h + b[1])
        outs.append(h)
    return h, numpy.array(outs)


def _make(rng, n_layers, n_dir, in_size, N, lengths):
    ws = [[rng.uniform(-0.6, 0.6, (N, (in_size if k < n_dir else N * n_dir) if j == 0 else N))
           for j in range(2)] for k in range(n_layers * n_dir)]
    bs = [[rng.uniform(-0.5, 0.5, N) for _ in range(2)] for _ in range(n_layers * n_dir)]
    seqs = [rng.uniform(-1, 1, (n, in_size)) for n in lengths]
    xs = [numpy.stack([s[t] for s in seqs if len(s) > t]) for t in range(lengths[0])]
    hx = rng.uniform(-1, 1, (n_layers * n_dir, len(lengths), N))
    return ws, bs, seqs, xs, hx


def _fn(n_dir):
    return n_step_rnn if n_dir == 1 else n_step_birnn


@pytest.mark.parametrize('activation', ['tanh', 'relu'])
@pytest.mark.parametrize('n_dir', [1, 2])
@pytest.mark.parametrize('n_layers, lengths', [(1, [3, 3]), (2, [4, 3, 1]), (3, [2, 1, 1]),
                                               (2, [1, 1])])
def test_forward_matches_per_sequence_reference(n_dir, n_layers, lengths, activation):
    rng = numpy.random.RandomState(0)
    in_size, N = 3, 4
    ws, bs, seqs, xs, hx = _make(rng, n_layers, n_dir, in_size, N, lengths)
    hy, ys = _fn(n_dir)(n_layers, 0.0, hx, ws, bs, xs, activation=activation)
    assert hy.shape == (n_layers * n_dir, len(lengths), N)
    assert [y.shape for y in ys] == [(len(x), N * n_dir) for x in xs]
    for i, seq in enumerate(seqs):
        inp = seq
        for layer in range(n_layers):
            outs = []
            for d in range(n_dir):
                k = layer * n_dir + d
                h, o = _run_sequence(ws[k], bs[k], inp if d == 0 else inp[::-1], hx[k, i],
                                     activation)
                numpy.testing.assert_allclose(hy.array[k, i], h, rtol=1e-10, atol=1e-12)
                outs.append(o if d == 0 else o[::-1])
            inp = numpy.concatenate(outs, axis=1)
        for t in range(len(seq)):
            numpy.testing.assert_allclose(ys[t].array[i], inp[t], rtol=1e-10, atol=1e-12)


def test_relu_clips_and_tanh_does_not():
    rng = numpy.random.RandomState(5)
    ws, bs, _, xs, hx = _make(rng, 1, 1, 3, 4, [3, 2])
    _, ys_relu = n_step_rnn(1, 0.0, hx, ws, bs, xs, activation='relu')
    _, ys_tanh = n_step_rnn(1, 0.0, hx, ws, bs, xs)            # tanh by default
    relu_out = numpy.concatenate([y.array for y in ys_relu])
    tanh_out = numpy.concatenate([y.array for y in ys_tanh])
    assert relu_out.min() == 0 and (relu_out > 0).any()
    assert tanh_out.min() < 0


def test_hx_none_means_zeros():
    rng = numpy.random.RandomState(6)
    ws, bs, _, xs, hx = _make(rng, 2, 2, 3, 4, [3, 1])
    a = n_step_birnn(2, 0.0, None, ws, bs, xs)
    b = n_step_birnn(2, 0.0, numpy.zeros_like(hx), ws, bs, xs)
    numpy.testing.assert_array_equal(a[0].array, b[0].array)
    numpy.testing.assert_array_equal(a[1][0].array, b[1][0].array)


def _flat_call(fn, n_layers, n_dir, T, activation):
    # check_backward wants a flat list of inputs: hx, xs..., then ws and bs flattened
    def f(hx, *rest):
        xs = list(rest[:T])
        flat_w = rest[T:T + 2 * n_layers * n_dir]
        flat_b = rest[T + 2 * n_layers * n_dir:]
        ws = [list(flat_w[2 * k:2 * k + 2]) for k in range(n_layers * n_dir)]
        bs = [list(flat_b[2 * k:2 * k + 2]) for k in range(n_layers * n_dir)]
        hy, ys = fn(n_layers, 0.0, hx, ws, bs, xs, activation=activation)
        return (hy,) + tuple(ys)
    return f


def _flat_inputs(hx, xs, ws, bs):
    return (hx,) + tuple(xs) + tuple(w for ws_k in ws for w in ws_k) + tuple(
        b for bs_k in bs for b in bs_k)


@pytest.mark.parametrize('activation', ['tanh', 'relu'])
@pytest.mark.parametrize('n_dir', [1, 2])
@pytest.mark.parametrize('n_layers, lengths', [(1, [3, 2]), (2, [3, 3, 1])])
def test_backward(n_dir, n_layers, lengths, activation):
    # gradients of hx, every xs[t], every W and b; variable lengths
    rng = numpy.random.RandomState(1)
    ws, bs, _, xs, hx = _make(rng, n_layers, n_dir, 2, 3, lengths)
    f = _flat_call(_fn(n_dir), n_layers, n_dir, len(xs), activation)
    gradient_check.check_backward(f, _flat_inputs(hx, xs, ws, bs), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('activation', ['tanh', 'relu'])
def test_double_backward(activation):
    rng = numpy.random.RandomState(2)
    n_layers, lengths = 1, [2, 1]
    ws, bs, _, xs, hx = _make(rng, n_layers, 2, 2, 2, lengths)
    inputs = _flat_inputs(hx, xs, ws, bs)
    f = _flat_call(n_step_birnn, n_layers, 2, len(xs), activation)
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


def test_backward_twice_through_the_same_graph_accumulates():
    rng = numpy.random.RandomState(7)
    ws, bs, _, xs, hx = _make(rng, 2, 1, 3, 4, [3, 2])
    w = minigrad.Variable(ws[1][1])
    ws[1][1] = w
    hy, ys = n_step_rnn(2, 0.0, hx, ws, bs, xs)
    loss = F.sum(hy) + F.sum(ys[0])
    loss.backward()
    first = w.grad.copy()
    loss.backward()
    assert numpy.abs(first).sum() > 0
    numpy.testing.assert_allclose(w.grad, 2 * first, rtol=1e-12)


def test_records_a_fixed_number_of_functions_whatever_the_length():
    # one fused Function per layer: the graph does not grow with the number of steps
    rng = numpy.random.RandomState(8)
    counts = []
    for T in (3, 30):
        ws, bs, _, xs, hx = _make(rng, 2, 1, 2, 3, [T, T - 1])
        hy, ys = n_step_rnn(2, 0.0, minigrad.Variable(hx), ws, bs, xs)
        graph = build_computational_graph([hy] + ys)
        labels = [n.label for n in graph.nodes if isinstance(n, minigrad.Function)]
        assert labels.count('n_step_rnn_layer') == 2
        counts.append(len(labels))
    assert counts[0] == counts[1]


def test_dropout_only_between_layers_and_off_in_evaluation():
    rng = numpy.random.RandomState(3)
    ws, bs, _, xs, hx = _make(rng, 2, 1, 3, 4, [3, 2])
    ref = n_step_rnn(2, 0.0, hx, ws, bs, xs)
    with minigrad.using_config('train', False):
        off = n_step_rnn(2, 0.9, hx, ws, bs, xs)
    numpy.testing.assert_array_equal(off[0].array, ref[0].array)
    on = n_step_rnn(2, 0.9, hx, ws, bs, xs)
    # the first layer sees no dropout, so its final state is unchanged
    numpy.testing.assert_array_equal(on[0].array[0], ref[0].array[0])
    assert not numpy.allclose(on[0].array[1], ref[0].array[1])


def test_errors_name_the_function_the_argument_and_the_shapes():
    rng = numpy.random.RandomState(4)
    ws, bs, _, xs, hx = _make(rng, 1, 1, 3, 4, [3, 2])
    with pytest.raises(ValueError, match='n_step_rnn: the batch sizes of xs must not increase'):
        n_step_rnn(1, 0.0, None, ws, bs, xs[::-1])
    with pytest.raises(ValueError, match='n_step_rnn: xs is empty'):
        n_step_rnn(1, 0.0, None, ws, bs, [])
    with pytest.raises(minigrad.InvalidType,
                       match=r'n_step_rnn: xs\[1\] must have shape \(B_t, 3\)') as e:
        n_step_rnn(1, 0.0, None, ws, bs, [xs[0], numpy.zeros((2, 5))])
    assert r'xs[1]: (2, 5) float64' in str(e.value)
    with pytest.raises(minigrad.InvalidType, match=r'n_step_birnn: hx must have shape '
                       r'\(n_layers \* directions, B, N\) = \(2, 2, 4\)') as e:
        n_step_birnn(1, 0.0, hx, ws + ws, bs + bs, xs)
    assert 'hx: (1, 2, 4) float64' in str(e.value)
    with pytest.raises(minigrad.InvalidType, match=r'n_step_rnn: ws\[0\]\[1\] must have shape '
                       r'\(4, 4\) \(W0 takes the layer input, W1 the hidden state\)') as e:
        n_step_rnn(1, 0.0, None, [[ws[0][0], ws[0][1][:, :3]]], bs, xs)
    assert 'ws[0][1]: (4, 3) float64' in str(e.value)
    with pytest.raises(minigrad.InvalidType, match='one dtype'):
        n_step_rnn(1, 0.0, hx.astype(numpy.float32), ws, bs, xs)
    with pytest.raises(ValueError, match='n_step_rnn: ws\\[0\\] and bs\\[0\\] must each hold 2'):
        n_step_rnn(1, 0.0, None, [ws[0] * 4], bs, xs)
    with pytest.raises(ValueError, match='must hold 2 lists'):
        n_step_rnn(2, 0.0, None, ws, bs, xs)
    with pytest.raises(ValueError, match="n_step_rnn: activation must be 'tanh' or 'relu', "
                       "got 'sigmoid'"):
        n_step_rnn(1, 0.0, None, ws, bs, xs, activation='sigmoid')
