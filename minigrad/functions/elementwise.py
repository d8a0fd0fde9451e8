"""Elementwise math: sqrt, square, exp, log, sin, cos, clip, maximum, minimum.

Functions layer. Each keeps the input's dtype; binary ones broadcast. ``ScaleByConstant``
(multiply by a constant mask or weights) is the gradient of the piecewise-linear functions here,
in ``activation`` (relu) and in ``reduction`` (max, min).
"""

import numpy

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.functions import array
from minigrad.functions.basic_math import _scale_grad


class Exp(function.Function):
    """Elementwise ``exp(x)`` (see :func:`exp`)."""

    _overwrites_grads = True

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return backend.get_array_module(x).exp(x),

    def backward(self, indexes, grad_outputs):
        if not config.enable_backprop:            # first order: on arrays, no graph
            y = self._retained_output_data[0]
            return _scale_grad(grad_outputs[0], y, y.shape),
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y,


def exp(x):
    """Elementwise exponential, ``y = e ** x`` (gradient ``y``).

    Args:
        x (Variable or array): a float array of any shape.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.exp(numpy.array([0., 1.]))
        variable([1.        , 2.71828183], shape=(2,), dtype=float64)
    """
    return Exp().apply((x,))[0]


class Log(function.Function):
    """Elementwise natural logarithm (see :func:`log`)."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return backend.get_array_module(x).log(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / x,


def log(x):
    """Elementwise natural logarithm, ``y = ln(x)`` (gradient ``1 / x``).

    Args:
        x (Variable or array): a float array of any shape, positive.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.log(numpy.array([1., numpy.e], dtype=numpy.float32))
        variable([0., 1.], shape=(2,), dtype=float32)
    """
    return Log().apply((x,))[0]


class ScaleByConstant(function.Function):
    """``y = x * w`` for a constant array ``w`` that gets no gradient (a bool mask or weights).

    The gradient of every piecewise-linear function (relu, clip, maximum, max) is the output
    gradient scaled by such a constant; as a Function of its own it is one node in the backward
    graph and its own gradient is itself, so double backprop works. ``w`` may broadcast ``x``
    up (``max`` scales a reduced gradient back to the input's shape); the gradient is then
    summed back to ``x.shape``.
    """

    label = 'mul'
    _overwrites_grads = True

    def __init__(self, w):
        self.w = w

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        return x * self.w,

    def backward(self, indexes, grad_outputs):
        if not config.enable_backprop:            # first order: on arrays, no graph
            return _scale_grad(grad_outputs[0], self.w, self.x_shape),
        gx = ScaleByConstant(self.w).apply(grad_outputs)[0]
        if gx.shape != self.x_shape:
            gx = array.sum_to(gx, self.x_shape)
        return gx,


class Sqrt(function.Function):
    """Elementwise square root (see :func:`sqrt`)."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return backend.get_array_module(x).sqrt(x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] / (y * 2),


def sqrt(x):
    """Elementwise square root, ``y = x ** 0.5`` (gradient ``1 / (2 * y)``; infinite at 0).

    Args:
        x (Variable or array): a float array of any shape, non-negative.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.sqrt(numpy.array([1., 4., 9.], dtype=numpy.float32))
        variable([1., 2., 3.], shape=(3,), dtype=float32)
    """
    return Sqrt().apply((x,))[0]


class Square(function.Function):
    """Elementwise ``x * x`` (see :func:`square`)."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return x * x,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * (x * 2),


def square(x):
    """Elementwise square, ``y = x ** 2`` (gradient ``2 * x``).

    Args:
        x (Variable or array): a float array of any shape.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.square(numpy.array([-1., 2., 3.]))
        variable([1., 4., 9.], shape=(3,), dtype=float64)
    """
    return Square().apply((x,))[0]


class Sin(function.Function):
    """Elementwise sine (see :func:`sin`)."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return backend.get_array_module(x).sin(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * cos(x),


def sin(x):
    """Elementwise sine, ``y = sin(x)`` (gradient ``cos(x)``), ``x`` in radians.

    Args:
        x (Variable or array): a float array of any shape.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.sin(numpy.array([0., numpy.pi / 2]))
        variable([0., 1.], shape=(2,), dtype=float64)
    """
    return Sin().apply((x,))[0]


class Cos(function.Function):
    """Elementwise cosine (see :func:`cos`)."""

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return backend.get_array_module(x).cos(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return -(grad_outputs[0] * sin(x)),


def cos(x):
    """Elementwise cosine, ``y = cos(x)`` (gradient ``-sin(x)``), ``x`` in radians.

    Args:
        x (Variable or array): a float array of any shape.

    Returns:
        Variable of the same shape and dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.cos(numpy.array([0., numpy.pi]))
        variable([ 1., -1.], shape=(2,), dtype=float64)
    """
    return Cos().apply((x,))[0]


def _is_scalar(c):
    return isinstance(c, (int, float, numpy.generic)) and not isinstance(c, (bool, numpy.bool_))


class Clip(function.Function):
    """Elementwise clipping to ``[x_min, x_max]`` (see :func:`clip`)."""

    def __init__(self, x_min, x_max):
        self.x_min = x_min
        self.x_max = x_max

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        xp = backend.get_array_module(x)
        t = x.dtype.type                   # bounds in x's dtype: float32 stays float32
        if self.x_max is None:
            return xp.maximum(x, t(self.x_min)),
        if self.x_min is None:
            return xp.minimum(x, t(self.x_max)),
        return xp.clip(x, t(self.x_min), t(self.x_max)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        t = x.dtype.type
        if self.x_max is None:
            mask = x > t(self.x_min)
        elif self.x_min is None:
            mask = x < t(self.x_max)
        else:
            mask = (x > t(self.x_min)) & (x < t(self.x_max))
        return ScaleByConstant(mask).apply(grad_outputs)


def clip(x, x_min, x_max):
    """Elementwise clipping, ``y = min(max(x, x_min), x_max)``; either bound may be None.

    The gradient passes (is 1) where ``x_min < x < x_max`` and is 0 elsewhere, at the bounds
    included (Chainer v7 passes it at the bounds).

    Args:
        x (Variable or array): a float array of any shape.
        x_min (float or None): the lower bound; None for no lower bound.
        x_max (float or None): the upper bound; None for no upper bound. When both are given,
            ``x_min < x_max``.

    Returns:
        Variable of the same shape and dtype as ``x``.

    Raises:
        ValueError: both bounds None, or ``x_min >= x_max``.
        TypeError: a bound that is not a real number.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.clip(numpy.array([-2., 0.5, 3.]), -1.0, 1.0)
        variable([-1. ,  0.5,  1. ], shape=(3,), dtype=float64)
    """
    for name, c in (('x_min', x_min), ('x_max', x_max)):
        if c is not None and not _is_scalar(c):
            raise TypeError('clip: %s must be a real number or None, got %s'
                            % (name, type(c).__name__))
    if x_min is None and x_max is None:
        raise ValueError('clip: x_min and x_max are both None; give at least one bound')
    if x_min is not None and x_max is not None and not x_min < x_max:
        raise ValueError('clip: x_min must be less than x_max, got x_min=%r, x_max=%r'
                         % (x_min, x_max))
    return Clip(x_min, x_max).apply((x,))[0]


def _check_pair(func, inputs):
    x1, x2 = inputs
    if x1.dtype != x2.dtype:
        type_check.expect_same_dtype(func, ('x1', 'x2'), inputs)
    type_check.expect_float(func, 'x1', x1)
    if x1.shape != x2.shape:
        type_check.broadcast_shape(func, ('x1', 'x2'), (x1.shape, x2.shape), inputs)


def _win_weight(a, b):
    # the share of the gradient that goes to a where a beats b: 1, 0.5 on a tie, 0
    w = (a > b).astype(a.dtype)
    w += (a == b) * a.dtype.type(0.5)
    return w


def _route(gy, w, x1_shape, x2_shape, indexes):
    # w is x1's share of the gradient (broadcast shape); x2 gets the rest
    ret = []
    for i in indexes:
        if i == 0:
            g = ScaleByConstant(w).apply((gy,))[0]
            shape = x1_shape
        else:
            g = ScaleByConstant(w.dtype.type(1) - w).apply((gy,))[0]
            shape = x2_shape
        ret.append(g if g.shape == shape else array.sum_to(g, shape))
    return tuple(ret)


class Maximum(function.Function):
    """Elementwise larger of two arrays with broadcasting (see :func:`maximum`)."""

    def check_type_forward(self, inputs):
        _check_pair(self, inputs)

    def forward(self, inputs):
        x1, x2 = inputs
        self.retain_inputs((0, 1))
        return backend.get_array_module(x1).maximum(x1, x2),

    def backward(self, indexes, grad_outputs):
        x1, x2 = self.get_retained_inputs()
        w = _win_weight(x1.array, x2.array)
        return _route(grad_outputs[0], w, x1.shape, x2.shape, indexes)


class MaximumConstant(function.Function):
    """Elementwise ``maximum(x, value)`` for a scalar ``value`` (see :func:`maximum`)."""

    label = 'maximum'

    def __init__(self, value):
        self.value = value

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return backend.get_array_module(x).maximum(x, x.dtype.type(self.value)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        return ScaleByConstant(_win_weight(x, x.dtype.type(self.value))).apply(grad_outputs)


class Minimum(function.Function):
    """Elementwise smaller of two arrays with broadcasting (see :func:`minimum`)."""

    def check_type_forward(self, inputs):
        _check_pair(self, inputs)

    def forward(self, inputs):
        x1, x2 = inputs
        self.retain_inputs((0, 1))
        return backend.get_array_module(x1).minimum(x1, x2),

    def backward(self, indexes, grad_outputs):
        x1, x2 = self.get_retained_inputs()
        w = _win_weight(x2.array, x1.array)    # x1's share: where x2 is the larger
        return _route(grad_outputs[0], w, x1.shape, x2.shape, indexes)


class MinimumConstant(function.Function):
    """Elementwise ``minimum(x, value)`` for a scalar ``value`` (see :func:`minimum`)."""

    label = 'minimum'

    def __init__(self, value):
        self.value = value

    def check_type_forward(self, inputs):
        type_check.expect_float(self, 'x', inputs[0])

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        return backend.get_array_module(x).minimum(x, x.dtype.type(self.value)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        w = _win_weight(x, x.dtype.type(self.value))
        return ScaleByConstant(w.dtype.type(1) - w).apply(grad_outputs)


def _scalar_value(c):
    # NumPy scalars become Python numbers, which cast to the array's dtype without promoting it
    return c.item() if isinstance(c, numpy.generic) else c


def maximum(x1, x2):
    """Elementwise maximum with broadcasting, ``y = max(x1, x2)``.

    The gradient goes to the larger side; on a tie it is split evenly, half to each (as
    PyTorch does; Chainer gives it all to ``x2``), so the two gradients still add up to ``gy``.

    Args:
        x1, x2 (Variable or array): float arrays of one dtype whose shapes broadcast; either
            one may be a Python or NumPy scalar (cast to the other's dtype).

    Returns:
        Variable of the broadcast shape.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.maximum(numpy.array([[-1., 2.], [3., -4.]]), numpy.array([0., 1.]))
        variable([[0., 2.],
                  [3., 1.]], shape=(2, 2), dtype=float64)
    """
    if _is_scalar(x2):
        return MaximumConstant(_scalar_value(x2)).apply((x1,))[0]
    if _is_scalar(x1):
        return MaximumConstant(_scalar_value(x1)).apply((x2,))[0]
    return Maximum().apply((x1, x2))[0]


def minimum(x1, x2):
    """Elementwise minimum with broadcasting, ``y = min(x1, x2)``.

    The gradient goes to the smaller side; on a tie it is split evenly, half to each.

    Args:
        x1, x2 (Variable or array): float arrays of one dtype whose shapes broadcast; either
            one may be a Python or NumPy scalar (cast to the other's dtype).

    Returns:
        Variable of the broadcast shape.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.minimum(numpy.array([-1., 2., 3.], dtype=numpy.float32), 0.5)
        variable([-1. ,  0.5,  0.5], shape=(3,), dtype=float32)
    """
    if _is_scalar(x2):
        return MinimumConstant(_scalar_value(x2)).apply((x1,))[0]
    if _is_scalar(x1):
        return MinimumConstant(_scalar_value(x1)).apply((x2,))[0]
    return Minimum().apply((x1, x2))[0]
