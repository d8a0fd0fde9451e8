"""Activation functions: sigmoid, tanh, relu, leaky_relu, softmax, log_softmax.

Functions layer. One Function subclass and one wrapper each; all keep the input's dtype.
``softmax`` and ``log_softmax`` subtract the maximum along ``axis`` first, so inputs in the
thousands neither overflow nor lose the small probabilities.
"""

import numbers

import numpy

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.functions import elementwise, reduction
from minigrad.functions.basic_math import _scale_grad


class Sigmoid(function.Function):
    """Elementwise logistic sigmoid (see :func:`sigmoid`)."""

    _overwrites_grads = True

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        # e = exp(-|x|) never overflows; y = 1 / (1 + e) for x >= 0 and e / (1 + e) below, so
        # a tiny y keeps its relative precision (tanh(x / 2) / 2 + 1 / 2 gave 0 from x = -17
        # in float32)
        if xp is numpy:
            with numpy.errstate(under='ignore'):    # exp(-800) is 0, not an error
                e = numpy.exp(-numpy.abs(x))
        else:
            e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, x.dtype.type(1), e)
        y /= 1 + e
        return y,

    def backward(self, indexes, grad_outputs):
        if not config.enable_backprop:            # first order: on arrays, no graph
            y = self._retained_output_data[0]
            d = 1 - y
            d *= y                                    # y (1 - y)
            return _scale_grad(grad_outputs[0], d, y.shape),
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        return gy * y * (1 - y),


def sigmoid(x):
    """Elementwise logistic sigmoid, ``y = 1 / (1 + exp(-x))`` (gradient ``y * (1 - y)``).

    Computed from ``e = exp(-|x|)`` as ``1 / (1 + e)`` or ``e / (1 + e)``: it never overflows,
    and values near 0 keep their relative precision (``sigmoid(-20)`` is 2.06e-09 in float32).

    Args:
        x (Variable or array): a float array of any shape.

    Returns:
        Variable of the same shape and dtype, with values in (0, 1).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.sigmoid(numpy.array([-1000., 0., 1000.], dtype=numpy.float32))
        variable([0. , 0.5, 1. ], shape=(3,), dtype=float32)
    """
    y, = Sigmoid().apply((x,))
    return y


class Tanh(function.Function):
    """Elementwise hyperbolic tangent (see :func:`tanh`)."""

    _overwrites_grads = True

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return backend.get_array_module(x).tanh(x),

    def backward(self, indexes, grad_outputs):
        if not config.enable_backprop:            # first order: on arrays, no graph
            y = self._retained_output_data[0]
            d = y * y
            d *= -1
            d += 1                                    # 1 - y^2
            return _scale_grad(grad_outputs[0], d, y.shape),
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        return gy * (1 - y * y),


def tanh(x):
    """Elementwise hyperbolic tangent, ``y = tanh(x)`` (gradient ``1 - y ** 2``).

    Args:
        x (Variable or array): a float array of any shape.

    Returns:
        Variable of the same shape and dtype, with values in (-1, 1).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.tanh(numpy.array([-100., 0., 100.]))
        variable([-1.,  0.,  1.], shape=(3,), dtype=float64)
    """
    y, = Tanh().apply((x,))
    return y


class ReLU(function.Function):
    """Elementwise rectified linear unit (see :func:`relu`)."""

    label = 'relu'

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return backend.get_array_module(x).maximum(x, x.dtype.type(0)),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return elementwise.ScaleByConstant(y.array > 0).apply(grad_outputs)


def relu(x):
    """Elementwise rectified linear unit, ``y = max(0, x)`` (gradient 1 where x > 0, else 0).

    Args:
        x (Variable or array): a float array of any shape.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.relu(numpy.array([-1., 0., 2.], dtype=numpy.float32))
        variable([0., 0., 2.], shape=(3,), dtype=float32)
    """
    y, = ReLU().apply((x,))
    return y


class LeakyReLU(function.Function):
    """Elementwise leaky rectified linear unit (see :func:`leaky_relu`)."""

    label = 'leaky_relu'

    def __init__(self, slope):
        self.slope = slope

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        xp = backend.get_array_module(x)
        return xp.where(x >= 0, x, x * x.dtype.type(self.slope)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        t = x.dtype.type
        w = backend.get_array_module(x).where(x >= 0, t(1), t(self.slope))
        return elementwise.ScaleByConstant(w).apply(grad_outputs)


def leaky_relu(x, slope=0.2):
    """Elementwise leaky ReLU, ``y = x`` where ``x >= 0``, else ``slope * x``.

    The gradient is 1 where ``x >= 0`` and ``slope`` elsewhere.

    Args:
        x (Variable or array): a float array of any shape.
        slope (float): the slope for negative inputs.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.leaky_relu(numpy.array([-2., 0., 3.]), slope=0.25)
        variable([-0.5,  0. ,  3. ], shape=(3,), dtype=float64)
    """
    if not isinstance(slope, numbers.Real) or isinstance(slope, bool):
        raise TypeError('leaky_relu: slope must be a real number, got %s'
                        % type(slope).__name__)
    y, = LeakyReLU(float(slope)).apply((x,))
    return y


def _check_axis(func, x):
    type_check.expect_float(func, 'x', x)
    axis = func.axis
    if not -x.ndim <= axis < x.ndim:
        raise type_check.InvalidType(
            func, 'axis %d is out of range for x with %d dimensions (softmax needs an axis to '
            'normalise over; for a vector use axis=0)' % (axis, x.ndim), x=x)


def _check_axis_setting(name, axis):
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise TypeError('%s: axis must be an int, got %s' % (name, type(axis).__name__))
    return int(axis)


class Softmax(function.Function):
    """Softmax along one axis (see :func:`softmax`)."""

    def __init__(self, axis):
        self.axis = axis

    def check_type_forward(self, inputs):
        _check_axis(self, inputs[0])

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        y = x - x.max(axis=self.axis, keepdims=True)   # exp never overflows
        xp.exp(y, out=y)
        y /= y.sum(axis=self.axis, keepdims=True)
        return y,

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        gx = y * grad_outputs[0]
        return gx - y * reduction.sum(gx, axis=self.axis, keepdims=True),


def softmax(x, axis=1):
    """Softmax along ``axis``, ``y_i = exp(x_i) / sum_j exp(x_j)``.

    The maximum along ``axis`` is subtracted first, so large inputs do not overflow.

    Args:
        x (Variable or array): a float array, e.g. scores of shape (B, C).
        axis (int): the axis whose entries sum to one (1: the classes of a (B, C) batch).

    Returns:
        Variable of the same shape and dtype, positive, summing to 1 along ``axis``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.softmax(numpy.array([[0., numpy.log(3.)], [1000., 1000.]]))
        variable([[0.25, 0.75],
                  [0.5 , 0.5 ]], shape=(2, 2), dtype=float64)
    """
    y, = Softmax(_check_axis_setting('softmax', axis)).apply((x,))
    return y


class LogSoftmax(function.Function):
    """Logarithm of the softmax along one axis (see :func:`log_softmax`)."""

    def __init__(self, axis):
        self.axis = axis

    def check_type_forward(self, inputs):
        _check_axis(self, inputs[0])

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        y = x - x.max(axis=self.axis, keepdims=True)
        s = xp.exp(y).sum(axis=self.axis, keepdims=True)
        y -= xp.log(s, out=s)
        return y,

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        return gy - elementwise.exp(y) * reduction.sum(gy, axis=self.axis, keepdims=True),


def log_softmax(x, axis=1):
    """Log-softmax along ``axis``, ``y_i = x_i - log(sum_j exp(x_j))``.

    Computed as ``z - log(sum(exp(z)))`` with ``z = x - max(x)``: stable for large inputs and
    exact for very small probabilities, unlike ``log(softmax(x))``.

    Args:
        x (Variable or array): a float array, e.g. scores of shape (B, C).
        axis (int): the axis to normalise over.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.log_softmax(numpy.array([[1000., 1000.]]))
        variable([[-0.69314718, -0.69314718]], shape=(1, 2), dtype=float64)
    """
    y, = LogSoftmax(_check_axis_setting('log_softmax', axis)).apply((x,))
    return y
