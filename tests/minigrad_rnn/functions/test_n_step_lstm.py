"""Tests of n_step_lstm / n_step_bilstm against a per-sequence NumPy LSTM written from the
documented equations (cuDNN gate order: W0 i, W1 f, W2 a, W3 o)."""

import weakref

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad.graph import build_computational_graph
from minigrad_rnn.functions import n_step_bilstm, n_step_lstm


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _run_sequence(w, b, seq, h, c):
    outs = []
    for x in seq:
        i = _sigmoid(w[0] @ x + w[4] @ h + b[0] + b[4])
        f = _sigmoid(w[1] @ x + w[5] @ h + b[1] + b[5])
        a = numpy.tanh(w[2] @ x + w[6] @ h + b[2] + b[6])
        o = _sigmoid(w[3] @ x + w[7] @ h + b[3] + b[7])
        c = f * c + i * a
        h = o * numpy.tanh(c)
        outs.append(h)
    return h, c, numpy.array(outs)


def _make(rng, n_layers, n_dir, in_size, N, lengths):
    ws = [[rng.uniform(-0.5, 0.5, (N, (in_size if k < n_dir else N * n_dir) if j < 4 else N))
           for j in range(8)] for k in range(n_layers * n_dir)]
    bs = [[rng.uniform(-0.5, 0.5, N) for _ in range(8)] for _ in range(n_layers * n_dir)]
    seqs = [rng.uniform(-1, 1, (n, in_size)) for n in lengths]
    xs = [numpy.stack([s[t] for s in seqs if len(s) > t]) for t in range(lengths[0])]
    hx = rng.uniform(-1, 1, (n_layers * n_dir, len(lengths), N))
    cx = rng.uniform(-1, 1, (n_layers * n_dir, len(lengths), N))
    return ws, bs, seqs, xs, hx, cx


def _fn(n_dir):
    return n_step_lstm if n_dir == 1 else n_step_bilstm


@pytest.mark.parametrize('n_dir', [1, 2])
@pytest.mark.parametrize('n_layers, lengths', [(1, [3, 3]), (2, [4, 3, 1]), (3, [2, 1, 1])])
def test_forward_matches_per_sequence_reference(n_dir, n_layers, lengths):
    rng = numpy.random.RandomState(0)
    in_size, N = 3, 4
    ws, bs, seqs, xs, hx, cx = _make(rng, n_layers, n_dir, in_size, N, lengths)
    fn = n_step_lstm if n_dir == 1 else n_step_bilstm
    hy, cy, ys = fn(n_layers, 0.0, hx, cx, ws, bs, xs)
    assert hy.shape == cy.shape == (n_layers * n_dir, len(lengths), N)
    assert [y.shape for y in ys] == [(len(x), N * n_dir) for x in xs]
    for b, seq in enumerate(seqs):
        inp = seq
        for layer in range(n_layers):
            outs = []
            for d in range(n_dir):
                k = layer * n_dir + d
                h, c, o = _run_sequence(ws[k], bs[k], inp if d == 0 else inp[::-1],
                                        hx[k, b], cx[k, b])
                numpy.testing.assert_allclose(hy.array[k, b], h, rtol=1e-10, atol=1e-12)
                numpy.testing.assert_allclose(cy.array[k, b], c, rtol=1e-10, atol=1e-12)
                outs.append(o if d == 0 else o[::-1])
            inp = numpy.concatenate(outs, axis=1)
        for t in range(len(seq)):
            numpy.testing.assert_allclose(ys[t].array[b], inp[t], rtol=1e-10, atol=1e-12)


def _flat_call(fn, n_layers, n_dir, T):
    # check_backward wants a flat list of inputs: hx, cx, xs..., then ws and bs flattened
    def f(hx, cx, *rest):
        xs = list(rest[:T])
        flat_w = rest[T:T + 8 * n_layers * n_dir]
        flat_b = rest[T + 8 * n_layers * n_dir:]
        ws = [list(flat_w[8 * k:8 * k + 8]) for k in range(n_layers * n_dir)]
        bs = [list(flat_b[8 * k:8 * k + 8]) for k in range(n_layers * n_dir)]
        hy, cy, ys = fn(n_layers, 0.0, hx, cx, ws, bs, xs)
        return (hy, cy) + tuple(ys)
    return f


def _flat_inputs(hx, cx, xs, ws, bs):
    # in the order _flat_call takes them
    return (hx, cx) + tuple(xs) + tuple(w for ws_k in ws for w in ws_k) + tuple(
        b for bs_k in bs for b in bs_k)


@pytest.mark.parametrize('n_dir', [1, 2])
@pytest.mark.parametrize('n_layers, lengths', [(1, [3, 2]), (2, [3, 3, 1])])
def test_backward(n_dir, n_layers, lengths):
    rng = numpy.random.RandomState(1)
    ws, bs, _, xs, hx, cx = _make(rng, n_layers, n_dir, 2, 2, lengths)
    gradient_check.check_backward(_flat_call(_fn(n_dir), n_layers, n_dir, len(xs)),
                                  _flat_inputs(hx, cx, xs, ws, bs), atol=1e-6, rtol=1e-5)


def test_double_backward():
    rng = numpy.random.RandomState(2)
    n_layers, lengths = 1, [2, 1]
    ws, bs, _, xs, hx, cx = _make(rng, n_layers, 1, 2, 2, lengths)
    inputs = (hx, cx) + tuple(xs) + tuple(ws[0]) + tuple(bs[0])
    f = _flat_call(n_step_lstm, n_layers, 1, len(xs))
    outs = f(*[minigrad.Variable(x) for x in inputs])
    gys = tuple(rng.uniform(-1, 1, y.shape) for y in outs)
    ggxs = tuple(rng.uniform(-1, 1, x.shape) for x in inputs)
    gradient_check.check_double_backward(f, inputs, gys, ggxs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize('n_dir', [1, 2])
@pytest.mark.parametrize('n_layers, lengths', [(1, [3, 2]), (2, [4, 3, 1])])
def test_double_backprop_path_gives_the_fused_first_order_gradients(n_dir, n_layers, lengths):
    # check_double_backward differentiates whatever the first-order backward of the double
    # backprop path (linear + lstm per step) computes, so it would accept a wrong composition;
    # compare that path with the fused array code for hx, cx, every xs[t], W and b
    rng = numpy.random.RandomState(5)
    ws, bs, _, xs, hx, cx = _make(rng, n_layers, n_dir, 3, 4, lengths)
    f = _flat_call(_fn(n_dir), n_layers, n_dir, len(xs))
    variables = [minigrad.Variable(a) for a in _flat_inputs(hx, cx, xs, ws, bs)]
    outs = f(*variables)
    gys = [rng.uniform(-1, 1, y.shape) for y in outs]
    fused = minigrad.grad(list(outs), variables, gys)
    composed = minigrad.grad(list(outs), variables, gys, enable_double_backprop=True)
    assert composed[0].creator is not None and fused[0].creator is None
    for a, b in zip(fused, composed):
        numpy.testing.assert_allclose(b.array, a.array, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('n_dir', [1, 2])
def test_backward_twice_through_the_same_graph_accumulates(n_dir):
    rng = numpy.random.RandomState(6)
    ws, bs, _, xs, hx, cx = _make(rng, 2, n_dir, 3, 4, [3, 2, 2])
    f = _flat_call(_fn(n_dir), 2, n_dir, len(xs))
    variables = [minigrad.Variable(a) for a in _flat_inputs(hx, cx, xs, ws, bs)]
    outs = f(*variables)
    loss = sum(F.sum(y * rng.uniform(-1, 1, y.shape)) for y in outs)
    loss.backward()
    first = [v.grad.copy() for v in variables]
    loss.backward()
    for v, g in zip(variables, first):
        assert numpy.abs(g).sum() > 0
        numpy.testing.assert_array_equal(v.grad, 2 * g)
    # the fused layers keep their saved arrays for that, but only as long as the graph lives
    layers = [weakref.ref(n) for n in build_computational_graph([loss]).nodes
              if isinstance(n, minigrad.Function) and n.label == 'n_step_lstm_layer']
    assert len(layers) == 2 * n_dir
    del outs, loss
    assert all(layer() is None for layer in layers)


def test_dropout_only_between_layers_and_off_in_evaluation():
    rng = numpy.random.RandomState(3)
    ws, bs, _, xs, hx, cx = _make(rng, 2, 1, 3, 4, [3, 2])
    ref = n_step_lstm(2, 0.0, hx, cx, ws, bs, xs)
    with minigrad.using_config('train', False):
        off = n_step_lstm(2, 0.9, hx, cx, ws, bs, xs)
    numpy.testing.assert_array_equal(off[0].array, ref[0].array)
    on = n_step_lstm(2, 0.9, hx, cx, ws, bs, xs)
    # the first layer sees no dropout, so its final state is unchanged
    numpy.testing.assert_array_equal(on[0].array[0], ref[0].array[0])
    assert not numpy.allclose(on[0].array[1], ref[0].array[1])


def test_errors():
    rng = numpy.random.RandomState(4)
    ws, bs, _, xs, hx, cx = _make(rng, 1, 1, 3, 4, [3, 2])
    with pytest.raises(ValueError, match='must not increase'):
        n_step_lstm(1, 0.0, None, None, ws, bs, xs[::-1])
    with pytest.raises(ValueError, match='xs is empty'):
        n_step_lstm(1, 0.0, None, None, ws, bs, [])
    with pytest.raises(minigrad.InvalidType, match=r'xs\[0\] must have shape \(B_t, 3\)'):
        n_step_lstm(1, 0.0, None, None, ws, bs, [numpy.zeros((2, 5))])
    with pytest.raises(minigrad.InvalidType, match=r'xs\[1\] must have shape \(B_t, 3\)'):
        n_step_lstm(1, 0.0, None, None, ws, bs, [xs[0], numpy.zeros((2, 5))])
    with pytest.raises(minigrad.InvalidType, match='hx must have shape'):
        n_step_lstm(1, 0.0, hx[:, :1], None, ws, bs, xs)
    with pytest.raises(minigrad.InvalidType, match='cx must have shape'):
        n_step_lstm(1, 0.0, None, cx[:, :1], ws, bs, xs)
    with pytest.raises(minigrad.InvalidType, match='float arrays of one dtype'):
        n_step_lstm(1, 0.0, None, None, ws, bs, [x.astype(numpy.float32) for x in xs])
    with pytest.raises(ValueError, match='8 arrays'):
        n_step_lstm(1, 0.0, None, None, [ws[0][:7]], bs, xs)
    with pytest.raises(ValueError, match='must hold 2 lists'):
        n_step_lstm(2, 0.0, None, None, ws, bs, xs)
