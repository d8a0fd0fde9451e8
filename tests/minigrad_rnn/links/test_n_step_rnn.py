"""Tests of the NStepRNNTanh / NStepRNNReLU / NStepBiRNNTanh / NStepBiRNNReLU links: equivalence
with the same weights run step by step for each sequence, order of the sequences, weight shapes,
gradients, dropout, errors."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad_rnn import NStepBiRNNReLU, NStepBiRNNTanh, NStepRNNReLU, NStepRNNTanh

CLASSES = [NStepRNNTanh, NStepRNNReLU, NStepBiRNNTanh, NStepBiRNNReLU]


def _n_dir(cls):
    return 2 if cls in (NStepBiRNNTanh, NStepBiRNNReLU) else 1


def _act(cls):
    return F.relu if cls in (NStepRNNReLU, NStepBiRNNReLU) else F.tanh


def _to_float64(link):
    for p in link.params():
        p.array = p.array.astype(numpy.float64)
    return link


def _run_step_by_step(act, w, b, seq, h, reverse=False):
    # one sequence, one step at a time, with minigrad functions: the plain RNN equation
    outs = []
    steps = range(seq.shape[0])
    for t in (reversed(steps) if reverse else steps):
        x = seq[t:t + 1]
        h = act(F.linear(x, w[0], b[0]) + F.linear(h, w[1], b[1]))
        outs.append(h)
    outs = outs[::-1] if reverse else outs
    return h, F.concat(outs, axis=0)


def _reference(rnn, cls, xs, hx=None):
    """(hy, ys) of every sequence run on its own through the layers, as Variables."""
    n_dir, N = _n_dir(cls), rnn.out_size
    hy, ys = [], []
    for i, x in enumerate(xs):
        inp = x
        h_i = []
        for layer in range(rnn.n_layers):
            outs = []
            for d in range(n_dir):
                k = layer * n_dir + d
                h0 = numpy.zeros((1, N)) if hx is None else hx[k, i:i + 1]
                h, o = _run_step_by_step(_act(cls), rnn.ws[k], rnn.bs[k], inp, h0, d == 1)
                h_i.append(h)
                outs.append(o)
            inp = outs[0] if n_dir == 1 else F.concat(outs, axis=1)
        hy.append(F.concat(h_i, axis=0))
        ys.append(inp)
    return F.stack(hy, axis=1), ys


@pytest.mark.parametrize('n_layers', [1, 2])
@pytest.mark.parametrize('cls', CLASSES)
def test_equals_the_same_weights_step_by_step_for_each_sequence(cls, n_layers):
    numpy.random.seed(0)
    n_dir = _n_dir(cls)
    rnn = _to_float64(cls(n_layers, 3, 4, 0.0))
    lengths = [2, 5, 1, 5, 3]                   # unsorted, with ties and a length-1 sequence
    xs = [numpy.random.uniform(-1, 1, (n, 3)) for n in lengths]
    hx = numpy.random.uniform(-1, 1, (n_layers * n_dir, len(xs), 4))
    hy, ys = rnn(hx, xs)
    hy_ref, ys_ref = _reference(rnn, cls, xs, hx)
    assert hy.shape == (n_layers * n_dir, len(xs), 4)
    numpy.testing.assert_allclose(hy.array, hy_ref.array, rtol=1e-10, atol=1e-12)
    for i in range(len(xs)):
        assert ys[i].shape == (lengths[i], 4 * n_dir)       # order of xs preserved
        numpy.testing.assert_allclose(ys[i].array, ys_ref[i].array, rtol=1e-10, atol=1e-12)
    # and the gradients of the parameters agree with those of the step-by-step graph
    rnn.cleargrads()
    (F.sum(hy * hy) + F.sum(F.concat(ys, axis=0))).backward()
    grads = [p.grad.copy() for p in rnn.params()]
    rnn.cleargrads()
    (F.sum(hy_ref * hy_ref) + F.sum(F.concat(ys_ref, axis=0))).backward()
    for g, p in zip(grads, rnn.params()):
        numpy.testing.assert_allclose(g, p.grad, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize('cls', [NStepRNNTanh, NStepBiRNNReLU])
def test_length_one_sequences_and_no_initial_state(cls):
    numpy.random.seed(1)
    rnn = _to_float64(cls(2, 3, 2, 0.0))
    xs = [numpy.random.uniform(-1, 1, (1, 3)) for _ in range(3)]
    hy, ys = rnn(None, xs)
    hy_ref, ys_ref = _reference(rnn, cls, xs)
    numpy.testing.assert_allclose(hy.array, hy_ref.array, rtol=1e-10, atol=1e-12)
    assert [y.shape for y in ys] == [(1, 2 * _n_dir(cls))] * 3
    for y, y_ref in zip(ys, ys_ref):
        numpy.testing.assert_allclose(y.array, y_ref.array, rtol=1e-10, atol=1e-12)


def test_initial_states_follow_the_order_of_xs():
    numpy.random.seed(2)
    rnn = _to_float64(NStepBiRNNTanh(1, 2, 3, 0.0))
    xs = [numpy.random.uniform(-1, 1, (n, 2)) for n in (1, 3, 2)]
    hx = numpy.random.uniform(-1, 1, (2, 3, 3))
    hy, ys = rnn(hx, xs)
    for i in range(3):
        hy_i, ys_i = rnn(hx[:, i:i + 1], [xs[i]])
        numpy.testing.assert_allclose(hy.array[:, i], hy_i.array[:, 0], rtol=1e-12)
        numpy.testing.assert_allclose(ys[i].array, ys_i[0].array, rtol=1e-12)


def test_weight_shapes_and_names_as_in_chainer():
    rnn = NStepBiRNNTanh(2, 3, 4, 0.0)
    assert len(rnn.ws) == len(rnn.bs) == 4
    assert all(len(w) == len(b) == 2 for w, b in zip(rnn.ws, rnn.bs))
    assert rnn.ws[0][0].shape == (4, 3) and rnn.ws[1][0].shape == (4, 3)
    assert rnn.ws[2][0].shape == (4, 8) and rnn.ws[3][0].shape == (4, 8)
    assert all(w[1].shape == (4, 4) for w in rnn.ws)
    assert all(b.shape == (4,) for bs in rnn.bs for b in bs)
    assert all((b.array == 0).all() for bs in rnn.bs for b in bs)
    names = [name for name, _ in rnn.namedparams()]
    assert names[:4] == ['/0/w0', '/0/b0', '/0/w1', '/0/b1']
    assert len(names) == 16
    assert rnn.count_params() == 2 * (4 * 3 + 4 * 4 + 8) + 2 * (4 * 8 + 4 * 4 + 8)
    uni = NStepRNNReLU(1, 5, 6, 0.0)
    assert [w.shape for w in uni.ws[0]] == [(6, 5), (6, 6)]


@pytest.mark.parametrize('cls', CLASSES)
def test_gradients_of_inputs_states_and_parameters(cls):
    numpy.random.seed(3)
    rnn = _to_float64(cls(2, 2, 2, 0.0))
    xs = [numpy.random.uniform(-1, 1, (n, 2)) for n in (2, 3)]
    hx = numpy.random.uniform(-1, 1, (2 * _n_dir(cls), 2, 2))

    def f(hx, x0, x1):
        hy, ys = rnn(hx, [x0, x1])
        return (hy,) + tuple(ys)

    gradient_check.check_backward(f, (hx,) + tuple(xs), params=list(rnn.params()),
                                  atol=1e-6, rtol=1e-5)


def test_dropout_is_reproducible_with_a_seed_and_off_in_evaluation():
    rnn = NStepRNNTanh(2, 3, 4, 0.5)
    xs = [numpy.ones((3, 3), numpy.float32), numpy.ones((2, 3), numpy.float32)]
    numpy.random.seed(5)
    a = rnn(None, xs)[0].array
    numpy.random.seed(5)
    b = rnn(None, xs)[0].array
    numpy.testing.assert_array_equal(a, b)
    with minigrad.using_config('train', False):
        c = rnn(None, xs)[0].array
        d = rnn(None, xs)[0].array
    numpy.testing.assert_array_equal(c, d)
    numpy.testing.assert_array_equal(a[0], c[0])            # no dropout before layer 1
    assert not numpy.array_equal(a[1], c[1])
    rnn.dropout = 0.0
    numpy.testing.assert_array_equal(rnn(None, xs)[0].array, c)


def test_float32_stays_float32():
    rnn = NStepBiRNNReLU(1, 3, 4, 0.0)
    hy, ys = rnn(None, [numpy.ones((2, 3), numpy.float32)])
    assert hy.dtype == ys[0].dtype == numpy.float32


def test_errors_name_the_link_the_argument_and_the_shapes():
    rnn = NStepRNNTanh(1, 3, 4, 0.0)
    with pytest.raises(ValueError, match='NStepRNNTanh: xs is empty'):
        rnn(None, [])
    with pytest.raises(minigrad.InvalidType,
                       match=r'NStepRNNTanh: xs\[1\] must have shape \(len, 3\)') as e:
        rnn(None, [numpy.ones((2, 3), numpy.float32), numpy.ones((2, 5), numpy.float32)])
    assert 'x: (2, 5) float32' in str(e.value)
    with pytest.raises(minigrad.InvalidType, match='len >= 1'):
        rnn(None, [numpy.ones((0, 3), numpy.float32)])
    bi = NStepBiRNNReLU(2, 3, 4, 0.0)
    with pytest.raises(minigrad.InvalidType, match=r'NStepBiRNNReLU: hx must have shape '
                       r'\(n_layers \* directions, len\(xs\), out_size\) = \(4, 2, 4\)') as e:
        bi(numpy.zeros((2, 2, 4), numpy.float32), [numpy.ones((2, 3), numpy.float32)] * 2)
    assert 'hx: (2, 2, 4) float32' in str(e.value)
    with pytest.raises(ValueError, match='NStepRNNReLU: dropout must be in'):
        NStepRNNReLU(1, 3, 4, 1.5)
    with pytest.raises(ValueError, match='NStepBiRNNTanh: n_layers must be a positive int'):
        NStepBiRNNTanh(0, 3, 4, 0.0)
    with pytest.raises(ValueError, match='NStepBiRNNTanh: n_layers must be a positive int'):
        NStepBiRNNTanh(True, 3, 4, 0.0)
    # sizes read from a file or a config are often NumPy ints: the link and the function take them
    rnn = NStepRNNReLU(numpy.int64(2), numpy.int64(3), numpy.int64(4), 0.0)
    hy, ys = rnn(None, [numpy.ones((2, 3), numpy.float32)])
    assert hy.shape == (2, 1, 4) and ys[0].shape == (2, 4)
