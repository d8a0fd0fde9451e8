"""Reductions: sum, mean, max, min, logsumexp (each with ``axis`` and ``keepdims``).

Functions layer. The gradient of a reduction is the output gradient broadcast back over the
reduced axes (scaled for ``mean``, routed to the arg-max for ``max``).
"""

from minigrad import function, type_check
from minigrad.functions import array


def _normalize_axis(axis, ndim):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            return a
        out.append(a % ndim)
    return tuple(out)


def _keepdims_shape(x_shape, axis):
    if axis is None:
        return (1,) * len(x_shape)
    return tuple(1 if i in axis else s for i, s in enumerate(x_shape))


class Sum(function.Function):
    """Sum over ``axis`` (see :func:`sum`)."""

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def check_type_forward(self, inputs):
        x, = inputs
        axis = _normalize_axis(self.axis, x.ndim)
        if axis is not None and not isinstance(axis, tuple):
            raise type_check.InvalidType(
                self, 'axis %d is out of range for x with %d dimensions' % (axis, x.ndim), x=x)
        if x.dtype.kind != 'f':
            type_check.expect_float(self, 'x', x)

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        self.axis = _normalize_axis(self.axis, x.ndim)
        return x.sum(axis=self.axis, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if not self.keepdims:
            gy = array.reshape(gy, _keepdims_shape(self.x_shape, self.axis))
        return array.broadcast_to(gy, self.x_shape),


def sum(x, axis=None, keepdims=False):
    """Sum of the elements over ``axis`` (an int, a tuple, or None for all).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.sum(numpy.array([[1., 2.], [3., 4.]]), axis=0)
        variable([4., 6.], shape=(2,), dtype=float64)
    """
    return Sum(axis, keepdims).apply((x,))[0]


def mean(x, axis=None, keepdims=False):
    raise NotImplementedError


def max(x, axis=None, keepdims=False):
    raise NotImplementedError


def min(x, axis=None, keepdims=False):
    raise NotImplementedError


def logsumexp(x, axis=None, keepdims=False):
    raise NotImplementedError
