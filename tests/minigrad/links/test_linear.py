"""Tests of the Linear link (minigrad/links/linear.py).

Forward against plain NumPy, float64 gradient checks of the input and of W and b, lazy
initialisation (Linear(None, n) and Linear(n), with n_batch_axes), initializers (LeCunNormal by
default), nobias, from_params, repr, and the errors.
"""

import math

import numpy
import pytest

import minigrad
import minigrad.links as L
from minigrad import gradient_check, initializers
from tests.conftest import TOL
from tests.helpers import cpu, uniform


def test_forward_against_numpy(xp):
    layer = L.Linear(3, 4)
    layer.b.array[...] = uniform((4,), numpy.float32, seed=1)
    if xp is not numpy:
        layer.to_gpu()
    x = uniform((5, 3), numpy.float32)
    y = layer(xp.asarray(x))
    assert y.shape == (5, 4) and y.dtype == numpy.float32
    W, b = cpu(layer.W.array).astype(numpy.float64), cpu(layer.b.array)
    numpy.testing.assert_allclose(cpu(y), x.astype(numpy.float64) @ W.T + b,
                                  **TOL[numpy.float32])


def test_forward_flattens_trailing_axes():
    layer = L.Linear(6, 2)
    x = uniform((4, 2, 3), numpy.float32)
    expected = x.reshape(4, 6) @ layer.W.array.T + layer.b.array
    numpy.testing.assert_allclose(layer(x).array, expected, **TOL[numpy.float32])


@pytest.mark.parametrize('nobias', [False, True])
def test_backward_input_and_params(nobias):
    layer = L.Linear(3, 2, nobias=nobias, initial_bias=0.3)
    params = (layer.W,) if nobias else (layer.W, layer.b)
    gradient_check.check_backward(layer, uniform((4, 3)), params=params)
    # check_backward restores the float32 parameters afterwards
    assert layer.W.dtype == numpy.float32


def test_double_backward():
    layer = L.Linear(3, 2)
    gradient_check.check_double_backward(
        lambda x: layer(x) * layer(x), uniform((4, 3)), uniform((4, 2), seed=1),
        uniform((4, 3), seed=2), params=(layer.W, layer.b),
        params_grad_grad=(uniform((2, 3), seed=3), uniform((2,), seed=4)))


def test_lazy_initialization():
    layer = L.Linear(None, 4)
    assert layer.W.array is None and layer.b.shape == (4,)
    assert layer.in_size is None and layer.out_size == 4
    y = layer(numpy.ones((2, 5), dtype=numpy.float32))
    assert layer.W.shape == (4, 5) and layer.in_size == 5 and y.shape == (2, 4)
    W = layer.W.array
    layer(numpy.ones((3, 5), dtype=numpy.float32))
    assert layer.W.array is W                      # created once

    one_arg = L.Linear(4)
    assert one_arg.in_size is None and one_arg.out_size == 4
    one_arg(numpy.ones((2, 3, 2), dtype=numpy.float32))
    assert one_arg.W.shape == (4, 6)

    batch2 = L.Linear(None, 4)
    y = batch2(numpy.ones((2, 3, 5), dtype=numpy.float32), n_batch_axes=2)
    assert batch2.W.shape == (4, 5) and y.shape == (2, 3, 4)


def test_lazy_params_appear_after_first_call():
    layer = L.Linear(None, 3)
    assert [p.name for p in layer.params(include_uninit=False)] == ['b']
    layer(numpy.ones((1, 2), dtype=numpy.float32))
    assert [p.name for p in layer.params(include_uninit=False)] == ['W', 'b']


def test_lazy_parameter_loaded_by_serializer():
    src = L.Linear(3, 2)
    saved = {}
    src.serialize(lambda key, value: saved.setdefault(key, value))
    dst = L.Linear(None, 2)
    dst.serialize(lambda key, value: saved[key] if value is None else value)
    assert dst.in_size == 3 and dst.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(dst.W.array, src.W.array)
    assert dst.W.array is not src.W.array


def test_default_initializer_is_lecun_normal():
    numpy.random.seed(3)
    W = L.Linear(400, 300).W.array
    assert W.dtype == numpy.float32
    assert abs(W.std() / math.sqrt(1 / 400) - 1) < 0.02
    assert abs(W.mean()) < 1e-3


def test_initializers_and_nobias():
    layer = L.Linear(2, 3, initialW=initializers.Constant(2.0), initial_bias=-1.0)
    numpy.testing.assert_array_equal(layer.W.array, 2.0)
    numpy.testing.assert_array_equal(layer.b.array, -1.0)
    W = numpy.arange(6, dtype=numpy.float64).reshape(3, 2)
    layer = L.Linear(2, 3, initialW=W, nobias=True)
    assert layer.b is None and layer.W.dtype == numpy.float32
    numpy.testing.assert_array_equal(layer.W.array, W)
    assert [name for name, _ in layer.namedparams()] == ['/W']
    numpy.testing.assert_allclose(layer(numpy.ones((1, 2), numpy.float32)).array, [[1, 5, 9]])


def test_from_params():
    W = numpy.arange(6, dtype=numpy.float32).reshape(3, 2)
    b = numpy.array([1., 2., 3.], dtype=numpy.float32)
    layer = L.Linear.from_params(W, b)
    assert layer.in_size == 2 and layer.out_size == 3
    numpy.testing.assert_array_equal(layer.W.array, W)
    numpy.testing.assert_array_equal(layer.b.array, b)
    assert layer.W.array is not W
    assert L.Linear.from_params(W, nobias=True).b is None
    numpy.testing.assert_array_equal(L.Linear.from_params(minigrad.Parameter(W)).b.array, 0)
    with pytest.raises(ValueError, match=r'b must have shape \(3,\)'):
        L.Linear.from_params(W, numpy.zeros(2, numpy.float32))


def test_repr():
    assert repr(L.Linear(None, 2)) == ('Linear(in_size=None, out_size=2, nobias=False) '
                                       '{W: uninitialized, b: (2,) float32}')


def test_errors():
    with pytest.raises(ValueError, match='out_size must be given'):
        L.Linear(None)
    with pytest.raises(ValueError, match='cannot be broadcast'):
        L.Linear(2, 3, initialW=numpy.zeros((2, 3)))
    layer = L.Linear(3, 2)
    with pytest.raises(minigrad.InvalidType, match='linear'):
        layer(numpy.ones((2, 4), dtype=numpy.float32))
