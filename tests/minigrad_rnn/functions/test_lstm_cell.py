"""Tests of the fused LSTM cell against a plain NumPy reference written from the equations."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad_rnn.functions import lstm
from minigrad_rnn.functions.lstm_cell import _lstm_grad_composite
from tests.conftest import TOL
from tests.helpers import cpu, uniform


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _reference(c_prev, x):
    # gates interleaved per unit: column 4n + k holds gate k (a, i, f, o) of unit n
    B, N = x.shape[0], c_prev.shape[1]
    a = numpy.tanh(x[:, 0::4])
    i = _sigmoid(x[:, 1::4])
    f = _sigmoid(x[:, 2::4])
    o = _sigmoid(x[:, 3::4])
    c = c_prev.copy()
    c[:B] = a * i + f * c_prev[:B]
    h = o * numpy.tanh(c[:B])
    assert h.shape == (B, N)
    return c, h


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('B0, B, N', [(3, 3, 4), (4, 2, 3), (1, 1, 1), (5, 0, 2)])
def test_forward(xp, dtype, B0, B, N):
    c_prev = uniform((B0, N), dtype, seed=1)
    x = uniform((B, 4 * N), dtype, -2, 2, seed=2)
    c, h = lstm(xp.asarray(c_prev), xp.asarray(x))
    c_ref, h_ref = _reference(c_prev.astype(numpy.float64), x.astype(numpy.float64))
    assert c.dtype == dtype and h.dtype == dtype
    assert c.shape == (B0, N) and h.shape == (B, N)
    numpy.testing.assert_allclose(cpu(c), c_ref, **TOL[dtype])
    numpy.testing.assert_allclose(cpu(h), h_ref, **TOL[dtype])


def test_gate_layout_is_interleaved_per_unit():
    # unit 1's forget gate wide open, everything else closed: only unit 1 keeps its memory
    c_prev = numpy.array([[1.0, 2.0]])
    x = numpy.full((1, 8), -50.0)
    x[0, 4 + 2] = 50.0                       # column 4n + 2 = f of unit n = 1
    c, _ = lstm(c_prev, x)
    numpy.testing.assert_allclose(c.array, [[0.0, 2.0]], atol=1e-12)


@pytest.mark.parametrize('B0, B, N', [(3, 3, 2), (4, 2, 3), (2, 1, 1)])
def test_backward(B0, B, N):
    c_prev = uniform((B0, N), seed=3)
    x = uniform((B, 4 * N), low=-2, high=2, seed=4)
    gradient_check.check_backward(lstm, (c_prev, x), (uniform((B0, N), seed=5),
                                                     uniform((B, N), seed=6)))


def test_backward_with_only_one_output_used():
    c_prev = uniform((3, 2), seed=7)
    x = uniform((2, 8), seed=8)
    gradient_check.check_backward(lambda c, x: lstm(c, x)[1], (c_prev, x))
    gradient_check.check_backward(lambda c, x: lstm(c, x)[0], (c_prev, x))


def test_partial_batch_passes_rows_and_their_gradient_through():
    c_prev = minigrad.Variable(uniform((4, 3), seed=9))
    x = minigrad.Variable(uniform((2, 12), seed=10))
    c, h = lstm(c_prev, x)
    numpy.testing.assert_array_equal(c.array[2:], c_prev.array[2:])
    c.grad = numpy.arange(12.0).reshape(4, 3)
    c.backward()
    numpy.testing.assert_array_equal(c_prev.grad[2:], c.grad[2:])


@pytest.mark.parametrize('B0, B', [(3, 3), (3, 2)])
def test_double_backward(B0, B):
    N = 2
    gradient_check.check_double_backward(
        lstm, (uniform((B0, N), seed=11), uniform((B, 4 * N), seed=12)),
        (uniform((B0, N), seed=13), uniform((B, N), seed=14)),
        (uniform((B0, N), seed=15), uniform((B, 4 * N), seed=16)))


@pytest.mark.parametrize('B0, B', [(3, 3), (4, 2)])
def test_double_backprop_path_gives_the_fused_first_order_gradients(B0, B):
    # LSTMGrad computes the first-order gradient with the fused array code in both modes and
    # differentiates a composition of minigrad functions (_lstm_grad_composite) for the second
    # order: that composition must give the same gradient
    N = 3
    c_prev, x = uniform((B0, N), seed=19), uniform((B, 4 * N), low=-2, high=2, seed=20)
    gc, gh = uniform((B0, N), seed=21), uniform((B, N), seed=22)
    variables = [minigrad.Variable(c_prev), minigrad.Variable(x)]
    c, h = lstm(*variables)
    fused = minigrad.grad([c, h], variables, [gc, gh])
    recorded = minigrad.grad([c, h], variables, [gc, gh], enable_double_backprop=True)
    composed = _lstm_grad_composite(*[minigrad.Variable(a) for a in (c_prev, x, gc, gh)])
    assert recorded[0].creator is not None and fused[0].creator is None
    for a, b, r in zip(fused, composed, recorded):
        numpy.testing.assert_allclose(b.array, a.array, rtol=1e-10, atol=1e-12)
        numpy.testing.assert_allclose(r.array, a.array, rtol=1e-10, atol=1e-12)


def test_backward_twice_through_the_same_graph_accumulates():
    # two steps, so that the first cell also gets its gradient through the second one
    c0 = minigrad.Variable(uniform((3, 2), seed=23))
    xs = [minigrad.Variable(uniform((B, 8), seed=seed)) for B, seed in ((3, 24), (2, 25))]
    c1, h1 = lstm(c0, xs[0])
    c2, h2 = lstm(c1, xs[1] + F.linear(h1[:2], uniform((8, 2), seed=30)))
    loss = F.sum(h1 * uniform((3, 2), seed=27)) + F.sum(c2 * uniform((3, 2), seed=28)) + \
        F.sum(h2 * uniform((2, 2), seed=29))
    loss.backward()
    first = [v.grad.copy() for v in [c0] + xs]
    loss.backward()
    for v, g in zip([c0] + xs, first):
        assert numpy.abs(g).sum() > 0
        numpy.testing.assert_array_equal(v.grad, 2 * g)


def test_errors_name_function_and_shapes():
    with pytest.raises(minigrad.InvalidType, match=r'lstm: x.shape\[1\] must be 4 \* c_prev'):
        lstm(numpy.zeros((3, 5), numpy.float32), numpy.zeros((3, 8), numpy.float32))
    with pytest.raises(minigrad.InvalidType, match='more rows than c_prev'):
        lstm(numpy.zeros((2, 2), numpy.float32), numpy.zeros((3, 8), numpy.float32))
    with pytest.raises(minigrad.InvalidType, match='same dtype'):
        lstm(numpy.zeros((2, 2), numpy.float32), numpy.zeros((2, 8), numpy.float64))
    with pytest.raises(minigrad.InvalidType, match=r'astype\(numpy.float32\)'):
        lstm(numpy.zeros((2, 2), numpy.int32), numpy.zeros((2, 8), numpy.int32))


@pytest.mark.parametrize('shape', [(1, 1), (2, 3)])
def test_inputs_are_not_modified(shape):
    B, N = shape
    c_prev = uniform((B, N), seed=17)
    x = uniform((B, 4 * N), seed=18)
    c0, x0 = c_prev.copy(), x.copy()
    c_prev_v, x_v = minigrad.Variable(c_prev), minigrad.Variable(x)
    c, h = lstm(c_prev_v, x_v)
    (F.sum(c) + F.sum(h)).backward()
    numpy.testing.assert_array_equal(c_prev, c0)
    numpy.testing.assert_array_equal(x, x0)
