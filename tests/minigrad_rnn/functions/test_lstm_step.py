"""Tests of the LSTM link's fused step against a NumPy reference written from the equations."""

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check
from minigrad_rnn.functions.lstm_step import lstm_step
from tests.conftest import TOL
from tests.helpers import cpu, uniform


def _sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _reference(c_prev, x, W, b, h=None, Wl=None):
    z = x @ W.T + b
    if h is not None:
        z = z + h @ Wl.T
    B = x.shape[0]
    # column 4n + k holds gate k (a, i, f, o) of unit n
    a, i, f, o = numpy.tanh(z[:, 0::4]), _sigmoid(z[:, 1::4]), _sigmoid(z[:, 2::4]), \
        _sigmoid(z[:, 3::4])
    c = c_prev.copy()
    c[:B] = a * i + f * c_prev[:B]
    return c, o * numpy.tanh(c[:B])


def _args(B0, B, I, N, lateral, dtype=numpy.float64, seed=0):
    args = [uniform((B0, N), dtype, seed=seed), uniform((B, I), dtype, seed=seed + 1),
            uniform((4 * N, I), dtype, seed=seed + 2), uniform((4 * N,), dtype, seed=seed + 3)]
    if lateral:
        args += [uniform((B, N), dtype, seed=seed + 4), uniform((4 * N, N), dtype, seed=seed + 5)]
    return args


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('B0, B, I, N', [(3, 3, 5, 4), (4, 2, 3, 3), (1, 1, 1, 1), (3, 0, 2, 2)])
@pytest.mark.parametrize('lateral', [False, True])
def test_forward(xp, dtype, B0, B, I, N, lateral):
    args = _args(B0, B, I, N, lateral, dtype)
    c, h = lstm_step(*[xp.asarray(a) for a in args])
    c_ref, h_ref = _reference(*[a.astype(numpy.float64) for a in args])
    assert c.dtype == dtype and h.dtype == dtype
    assert c.shape == (B0, N) and h.shape == (B, N)
    tol = {'atol': 5e-2, 'rtol': 5e-2} if dtype == numpy.float16 else TOL[dtype]
    numpy.testing.assert_allclose(cpu(c), c_ref, **tol)
    numpy.testing.assert_allclose(cpu(h), h_ref, **tol)


@pytest.mark.parametrize('B0, B, I, N', [(3, 3, 2, 2), (4, 2, 3, 1), (2, 1, 1, 3)])
@pytest.mark.parametrize('lateral', [False, True])
def test_backward(B0, B, I, N, lateral):
    args = _args(B0, B, I, N, lateral, seed=10)
    gradient_check.check_backward(lstm_step, args, (uniform((B0, N), seed=20),
                                                    uniform((B, N), seed=21)))


def test_backward_with_only_one_output_used():
    args = _args(3, 2, 2, 2, True, seed=30)
    gradient_check.check_backward(lambda *a: lstm_step(*a)[1], args)
    gradient_check.check_backward(lambda *a: lstm_step(*a)[0], args)


def test_gradients_only_for_inputs_that_need_them():
    c_prev, x, W, b, h, Wl = _args(2, 2, 3, 2, True, seed=40)
    W_v, h_v = minigrad.Variable(W), minigrad.Variable(h)
    _, y = lstm_step(c_prev, x, W_v, b, h_v, Wl)
    minigrad.functions.sum(y).backward()
    assert W_v.grad.shape == W.shape and h_v.grad.shape == h.shape
    eps = 1e-6
    W2 = W.copy()
    W2[1, 2] += eps
    numeric = (_reference(c_prev, x, W2, b, h, Wl)[1].sum()
               - _reference(c_prev, x, W, b, h, Wl)[1].sum()) / eps
    numpy.testing.assert_allclose(W_v.grad[1, 2], numeric, rtol=1e-4)


@pytest.mark.parametrize('B0, B, lateral', [(3, 3, True), (3, 2, True), (2, 2, False)])
def test_double_backward(B0, B, lateral):
    args = _args(B0, B, 2, 2, lateral, seed=50)
    gradient_check.check_double_backward(
        lstm_step, args, (uniform((B0, 2), seed=60), uniform((B, 2), seed=61)),
        [uniform(a.shape, seed=70 + k) for k, a in enumerate(args)])


@pytest.mark.parametrize('B0, B, lateral', [(3, 3, True), (4, 2, True), (3, 2, False)])
def test_double_backprop_path_gives_the_fused_first_order_gradients(B0, B, lateral):
    # check_double_backward differentiates whatever the first-order backward of the double
    # backprop path (linear + lstm) computes, so it would accept a wrong composition; compare
    # that path with the fused array code
    variables = [minigrad.Variable(a) for a in _args(B0, B, 3, 2, lateral, seed=80)]
    c, h = lstm_step(*variables)
    gys = [uniform(c.shape, seed=90), uniform(h.shape, seed=91)]
    fused = minigrad.grad([c, h], variables, gys)
    composed = minigrad.grad([c, h], variables, gys, enable_double_backprop=True)
    assert composed[0].creator is not None and fused[0].creator is None
    for a, b in zip(fused, composed):
        numpy.testing.assert_allclose(b.array, a.array, rtol=1e-10, atol=1e-12)


def test_backward_twice_through_the_same_graph_accumulates():
    # two steps, so that the first step also gets its gradient through the second one
    c0, x0, W, b, _, Wl = [minigrad.Variable(a) for a in _args(3, 3, 2, 2, True, seed=100)]
    x1 = minigrad.Variable(uniform((2, 2), seed=110))
    c1, h1 = lstm_step(c0, x0, W, b)
    c2, h2 = lstm_step(c1, x1, W, b, h1[:2], Wl)
    loss = F.sum(h1 * uniform((3, 2), seed=111)) + F.sum(c2 * uniform((3, 2), seed=112)) + \
        F.sum(h2 * uniform((2, 2), seed=113))
    loss.backward()
    variables = [c0, x0, W, b, Wl, x1]
    first = [v.grad.copy() for v in variables]
    loss.backward()
    for v, g in zip(variables, first):
        assert numpy.abs(g).sum() > 0
        numpy.testing.assert_array_equal(v.grad, 2 * g)


def test_errors_name_function_argument_and_shapes():
    c, x, W, b, h, Wl = _args(2, 2, 3, 2, True, numpy.float32)
    with pytest.raises(minigrad.InvalidType, match=r'lstm_step: x must .* W_upward must have '
                                                   r'shape \(8, K\)'):
        lstm_step(c, x, W[:, :2], b)
    with pytest.raises(minigrad.InvalidType, match=r'b_upward must have shape \(8,\)'):
        lstm_step(c, x, W, b[:4])
    with pytest.raises(minigrad.InvalidType, match='W_lateral must have shape'):
        lstm_step(c, x, W, b, h, Wl[:, :1])
    with pytest.raises(minigrad.InvalidType, match='h_prev must have as many rows as x'):
        lstm_step(c, x, W, b, h[:1], Wl)
    with pytest.raises(minigrad.InvalidType, match='more rows than c_prev'):
        lstm_step(c[:1], x, W, b)
    with pytest.raises(minigrad.InvalidType, match='same dtype'):
        lstm_step(c, x.astype(numpy.float64), W, b)
    with pytest.raises(minigrad.InvalidType, match='c_prev and x must have the same dtype'):
        lstm_step(c, x.astype(numpy.float64), W.astype(numpy.float64), b.astype(numpy.float64))
    with pytest.raises(minigrad.InvalidType, match=r'astype\(numpy.float32\)'):
        lstm_step(c.astype(numpy.int32), x, W, b)
    with pytest.raises(ValueError, match='both h_prev and W_lateral or neither'):
        lstm_step(c, x, W, b, h)
