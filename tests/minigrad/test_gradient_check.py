"""Tests of numerical gradient checking (minigrad/gradient_check.py).

``numerical_grad`` against closed forms; ``check_backward`` passing on correct functions and
failing with a readable report on deliberately wrong ones (inputs, parameters, large inputs
checked along random directions); ``check_double_backward`` on a correct and a wrong second
derivative.
"""

import re

import numpy
import pytest

import minigrad
import minigrad.functions as F
from minigrad import gradient_check


class WrongSquare(minigrad.Function):
    """Forward x ** 2, but backward forgets the factor 2."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * x,


class Cube(minigrad.Function):
    """y = x ** 3 with a correct first derivative whose own derivative is wrong.

    The backward is ``3 * gy * x ** 2`` with ``x ** 2`` computed by :class:`WrongSquare`, so the
    gradient values are right but differentiating them again misses a factor.
    """

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x * x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * WrongSquare()(x) * 3.0,


class WrongScale(minigrad.Function):
    """y = x * w whose gradient for w (input 1) is off by a factor 2; x's is right."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        return inputs[0] * inputs[1],

    def backward(self, indexes, grad_outputs):
        x, w = self.get_retained_inputs()
        gy, = grad_outputs
        ret = []
        for i in indexes:
            ret.append(gy * w if i == 0 else gy * x * 2.0)
        return tuple(ret)


class Counting(minigrad.Function):
    """y = 2 x, counting forward calls."""

    calls = 0

    def forward(self, inputs):
        Counting.calls += 1
        return inputs[0] * 2,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0] * 2.0,


class BadShapeGrad(minigrad.Function):
    def forward(self, inputs):
        return inputs[0] * 1,

    def backward(self, indexes, grad_outputs):
        return numpy.zeros(5),


def _rand(shape, seed=0, low=-1.0, high=1.0):
    return numpy.random.RandomState(seed).uniform(low, high, shape)


# ---- numerical_grad ----------------------------------------------------------------------

def test_numerical_grad_cube_closed_form():
    x = numpy.array([-1.5, 0.0, 0.5, 2.0])
    gy = numpy.array([1.0, -2.0, 0.5, 3.0])
    eps = 1e-3
    num, = gradient_check.numerical_grad(lambda: (x ** 3,), (x,), (gy,), eps=eps)
    # ((x + e)^3 - (x - e)^3) / (2 e) = 3 x^2 + e^2, exactly
    numpy.testing.assert_allclose(num, (3 * numpy.array([-1.5, 0.0, 0.5, 2.0]) ** 2 + eps ** 2)
                                  * gy, rtol=1e-7, atol=1e-9)
    numpy.testing.assert_array_equal(x, [-1.5, 0.0, 0.5, 2.0])  # restored after perturbing


def test_numerical_grad_two_inputs_and_outputs():
    a = _rand((2, 3), seed=1)
    b = _rand((2, 3), seed=2)
    a0, b0 = a.copy(), b.copy()
    g0 = _rand((2, 3), seed=3)
    g1 = _rand((2, 3), seed=4)

    def f():
        return a * b, numpy.sin(a)

    ga, gb = gradient_check.numerical_grad(f, (a, b), (g0, g1), eps=1e-4)
    numpy.testing.assert_allclose(ga, b0 * g0 + numpy.cos(a0) * g1, atol=1e-7)
    numpy.testing.assert_allclose(gb, a0 * g0, atol=1e-7)
    assert ga.dtype == numpy.float64 and ga.shape == (2, 3)


def test_numerical_grad_skips_none_grad_outputs():
    x = numpy.array([1.0, 2.0])
    num, = gradient_check.numerical_grad(lambda: (x * 5, x ** 2), (x,), (numpy.ones(2), None))
    numpy.testing.assert_allclose(num, [5.0, 5.0])


def test_numerical_grad_rejects_non_contiguous():
    x = numpy.zeros((3, 2)).T
    with pytest.raises(ValueError, match='C-contiguous'):
        gradient_check.numerical_grad(lambda: (x,), (x,), (numpy.ones((2, 3)),))


# ---- check_backward ----------------------------------------------------------------------

@pytest.mark.parametrize('func, inputs', [
    (F.exp, (numpy.array([0.5, -1.0]),)),
    (lambda x: F.log(x), (_rand((2, 3), low=0.5, high=2.0),)),
    (lambda x, y: x * y + x / y, (_rand((2, 3), 1), _rand((2, 3), 2, 0.5, 1.5))),
    (lambda x, y: x * y, (_rand((2, 3), 1), _rand((3,), 2))),  # broadcasting
    (lambda x: F.sum(x, axis=1), (_rand((2, 3)),)),
    (lambda x: F.reshape(x, (3, 2)), (_rand((2, 3)),)),
    (lambda x: F.transpose(x, (1, 0)), (_rand((2, 3)),)),
    (lambda x: F.get_item(x, (slice(None), [0, 0, 2])), (_rand((2, 3)),)),
    (lambda x: F.broadcast_to(x, (4, 3)), (_rand((1, 3)),)),
    (lambda x: F.sum_to(x, (1, 3)), (_rand((2, 3)),)),
])
def test_check_backward_passes_on_correct_functions(func, inputs):
    gradient_check.check_backward(func, inputs)


def test_check_backward_report_on_wrong_function():
    x = numpy.array([1.0, 2.0, 3.0])
    with pytest.raises(AssertionError) as info:
        gradient_check.check_backward(lambda v: WrongSquare()(v), x, numpy.ones(3))
    msg = str(info.value)
    assert 'the gradient of input 0 (shape (3,)) is wrong' in msg
    # numeric 2x, backprop x: the largest difference (3) is at the last element
    m = re.search(r'largest \|numeric - backprop\| = ([\d.e+-]+) at index \((\d+),\): '
                  r'numeric ([\d.e+-]+), backprop ([\d.e+-]+)', msg)
    assert m is not None, msg
    assert float(m.group(1)) == pytest.approx(3.0)
    assert m.group(2) == '2'
    assert float(m.group(3)) == pytest.approx(6.0)
    assert float(m.group(4)) == pytest.approx(3.0)
    assert 'tolerance: atol 1e-05 + rtol 0.0001' in msg
    assert 'numeric:' in msg and 'backprop:' in msg


class Scaled(minigrad.Function):
    """y = x whose backward claims the slope ``factor``."""

    def __init__(self, factor):
        self.factor = factor

    def forward(self, inputs):
        return inputs[0] * 1.0,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0] * self.factor,


@pytest.mark.parametrize('factor', [0.5, 1.5])
def test_check_backward_tolerance_is_relative_to_the_numeric_gradient(factor):
    # |backprop - numeric| = 0.5 > 0.4 * |numeric| both ways; the tolerance used to scale with
    # the backprop value, so the 1.5x gradient passed
    x = numpy.array([1.0])
    with pytest.raises(AssertionError, match='is wrong'):
        gradient_check.check_backward(lambda v: Scaled(factor)(v), x, numpy.ones(1),
                                      atol=0, rtol=0.4)
    gradient_check.check_backward(lambda v: Scaled(factor)(v), x, numpy.ones(1),
                                  atol=0, rtol=0.6)


def test_check_backward_report_names_the_wrong_input():
    x = numpy.array([1.0, 2.0])
    w = numpy.array([0.5, -1.5])
    with pytest.raises(AssertionError, match=r'gradient of input 1 \(shape \(2,\)\) is wrong'):
        gradient_check.check_backward(lambda a, b: WrongScale()(a, b), (x, w))
    # input 0 alone is right: with input 1 not checked, it passes
    gradient_check.check_backward(lambda a, b: WrongScale()(a, b), (x, w),
                                  no_grads=[False, True])


def test_check_backward_with_params():
    w = minigrad.Parameter(numpy.array([0.5, -1.0, 2.0], dtype=numpy.float32), name='W')
    old = w.array
    gradient_check.check_backward(lambda x: x * F.exp(w), _rand((2, 3)), params=[w])
    # the parameter is restored: same array, dtype and (absent) gradient
    assert w.array is old and w.dtype == numpy.float32
    assert w.grad is None


def test_check_backward_params_restores_existing_grad():
    w = minigrad.Parameter(numpy.array([0.5, -1.0]))
    g = numpy.array([7.0, 8.0])
    w.grad = g
    gradient_check.check_backward(lambda x: x * w, _rand((2,)), params=[w])
    numpy.testing.assert_array_equal(w.grad, [7.0, 8.0])


def test_check_backward_detects_wrong_param_gradient():
    w = minigrad.Parameter(numpy.array([0.5, -1.0, 2.0]), name='W')
    with pytest.raises(AssertionError, match=r'gradient of parameter W \(shape \(3,\)\) is '
                                             r'wrong'):
        gradient_check.check_backward(lambda x: WrongScale()(x, w), _rand((3,)), params=[w])


def test_check_backward_large_inputs_use_random_directions():
    Counting.calls = 0
    gradient_check.check_backward(lambda x: Counting()(x), _rand((20,)), max_elements=10)
    assert Counting.calls == 1 + 5 * 2  # one backprop run, then 5 directions, both signs
    Counting.calls = 0
    gradient_check.check_backward(lambda x: Counting()(x), _rand((20,)))
    assert Counting.calls == 1 + 20 * 2  # element by element


def test_check_backward_random_direction_report():
    x = numpy.linspace(0.5, 2.0, 20)
    with pytest.raises(AssertionError) as info:
        gradient_check.check_backward(lambda v: WrongSquare()(v), x, numpy.ones(20),
                                      max_elements=10)
    msg = str(info.value)
    m = re.search(r'input 0 \(shape \(20,\)\) is wrong along a random direction: '
                  r'numeric ([\d.e+-]+), backprop ([\d.e+-]+)', msg)
    assert m is not None, msg
    # the numeric derivative of x^2 along d is 2 x.d; the wrong backprop gives x.d
    assert float(m.group(1)) == pytest.approx(2 * float(m.group(2)), rel=1e-6)


def test_check_backward_works_in_float64():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return x * 2.0

    gradient_check.check_backward(f, numpy.array([1.0, 2.0], dtype=numpy.float32))
    assert set(seen) == {numpy.dtype(numpy.float64)}


def test_check_backward_integer_inputs_get_no_gradient():
    x = _rand((4, 3))
    t = numpy.array([0, 2, 1, 3])
    gradient_check.check_backward(lambda v, i: F.get_item(v, i.array), (x, t))


def test_check_backward_input_errors():
    x = numpy.array([1.0, 2.0])
    with pytest.raises(ValueError, match='no_grads has 2 entries for 1 inputs'):
        gradient_check.check_backward(F.exp, x, no_grads=[False, False])
    with pytest.raises(ValueError, match=r'y_grad of shape \(3,\) for an output of shape '
                                         r'\(2,\)'):
        gradient_check.check_backward(F.exp, x, numpy.ones(3))
    with pytest.raises(ValueError, match='returned 1 outputs but y_grad has 2'):
        gradient_check.check_backward(F.exp, x, (numpy.ones(2), numpy.ones(2)))
    with pytest.raises(TypeError, match='func must return Variables'):
        gradient_check.check_backward(lambda v: v.array, x)
    with pytest.raises(ValueError, match='nothing to check'):
        gradient_check.check_backward(F.exp, x, no_grads=[True])


def test_check_backward_wrong_gradient_shape():
    with pytest.raises(AssertionError, match=r'backprop gave a gradient of shape \(5,\) for a '
                                             r'target of shape \(2,\)'):
        gradient_check.check_backward(lambda v: BadShapeGrad()(v), numpy.array([1.0, 2.0]))


def test_check_backward_tolerances():
    # a gradient off by 1e-3 relative passes with rtol=1e-2 and fails with the default
    class Off(minigrad.Function):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0] * 2.002,

    x = numpy.array([1.0, 2.0])
    gradient_check.check_backward(lambda v: Off()(v), x, rtol=1e-2)
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda v: Off()(v), x)


# ---- check_double_backward ---------------------------------------------------------------

def test_check_double_backward_passes_for_x_x_y():
    x = _rand((2, 3), 1)
    y = _rand((2, 3), 2)
    gy = _rand((2, 3), 3)
    ggx = _rand((2, 3), 4)
    ggy = _rand((2, 3), 5)
    gradient_check.check_double_backward(lambda a, b: a * a * b, (x, y), gy, (ggx, ggy))


def test_check_double_backward_passes_for_exp_and_log():
    x = _rand((3,), 1, 0.5, 1.5)
    gradient_check.check_double_backward(F.exp, x, _rand((3,), 2), _rand((3,), 3))
    gradient_check.check_double_backward(F.log, x, _rand((3,), 2), _rand((3,), 3))


def test_check_double_backward_fails_for_wrong_second_derivative():
    x = _rand((3,), 1, 0.5, 1.5)
    gy = _rand((3,), 2)
    ggx = _rand((3,), 3)
    cube = lambda v: Cube()(v)  # noqa: E731
    gradient_check.check_backward(cube, x, gy)  # the first derivative is right
    with pytest.raises(AssertionError, match='check_backward: the gradient of input 0'):
        gradient_check.check_double_backward(cube, x, gy, ggx)


def test_check_double_backward_with_params():
    w = minigrad.Parameter(numpy.array([0.5, -1.0, 2.0]), name='W')
    x = _rand((3,), 1)
    gradient_check.check_double_backward(lambda v: v * v * w, x, _rand((3,), 2),
                                         _rand((3,), 3), params=[w],
                                         params_grad_grad=[_rand((3,), 4)])
