"""Reductions: sum, mean, max, min, logsumexp (each with ``axis`` and ``keepdims``).

Functions layer. The gradient of a reduction is the output gradient broadcast back over the
reduced axes (scaled for ``mean``, routed to the arg-max for ``max``). ``axis`` is an int, a tuple
of ints (negative ones count from the end) or None for all axes.
"""

import numbers

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.functions import array, elementwise
from minigrad.variable import _owned_grad


def _axis_setting(name, axis):
    """The ``axis`` argument as None or a tuple of ints; TypeError for anything else."""
    if axis is None:
        return None
    if isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        return (int(axis),)
    if isinstance(axis, (tuple, list)) and all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axis):
        return tuple(int(a) for a in axis)
    raise TypeError('%s: axis must be None, an int or a tuple of ints, got %r' % (name, axis))


def _check_reduction(func, x, nonempty=False):
    if x.dtype.kind != 'f':
        type_check.expect_float(func, 'x', x)
    axis = func.axis
    ndim = x.ndim
    if axis is not None:
        for a in axis:
            if not -ndim <= a < ndim:
                raise type_check.InvalidType(
                    func, 'axis %d is out of range for x with %d dimensions' % (a, ndim), x=x)
        if len(set(a % ndim for a in axis)) != len(axis):
            raise type_check.InvalidType(func, 'axis %s repeats an axis' % (axis,), x=x)
    if nonempty:
        sizes = x.shape if axis is None else [x.shape[a] for a in axis]
        if 0 in sizes:
            raise type_check.InvalidType(
                func, 'cannot reduce a zero-size axis (there is no element to pick)', x=x)


def _normalize_axis(axis, ndim):
    if axis is None or not ndim:
        return axis            # a 0-d x takes only None or (); NumPy reports anything else
    return tuple([a % ndim for a in axis])


def _keepdims_shape(x_shape, axis):
    if axis is None:
        return (1,) * len(x_shape)
    return tuple([1 if i in axis else s for i, s in enumerate(x_shape)])


class _Reduction(function.Function):
    """Shared by the reductions: the ``axis`` / ``keepdims`` settings and the input check."""

    _nonempty = False            # max, min and logsumexp have no value over an empty axis

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def check_type_forward(self, inputs):
        _check_reduction(self, inputs[0], nonempty=self._nonempty)

    def _broadcast_back(self, gy, x_shape, scale=None):
        """The output gradient spread back over the reduced axes of ``x`` (times ``scale``)."""
        if not config.enable_backprop:
            # first order: one new array, written in one step and owned by the engine (so the
            # gradients after it can be computed into it in place), instead of a reshape and a
            # broadcast Function and a read-only broadcast view
            g = gy._data
            if not self.keepdims:
                g = g.reshape(_keepdims_shape(x_shape, self.axis))
            xp = backend.get_array_module(g)
            gx = xp.empty(x_shape, g.dtype)
            if scale is None:
                gx[...] = g
            else:
                xp.multiply(g, g.dtype.type(scale), out=gx)
            return _owned_grad(gx)
        if scale is not None:
            gy = gy * scale
        if not self.keepdims:
            gy = array.reshape(gy, _keepdims_shape(x_shape, self.axis))
        return array.broadcast_to(gy, x_shape)


class Sum(_Reduction):
    """Sum over ``axis`` (see :func:`sum`)."""

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        self.axis = axis = _normalize_axis(self.axis, x.ndim)
        return x.sum(axis=axis, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        return self._broadcast_back(grad_outputs[0], self.x_shape),


def sum(x, axis=None, keepdims=False):
    """Sum of the elements over ``axis`` (an int, a tuple, or None for all).

    Args:
        x (Variable or array): a float array.
        axis (int, tuple of ints or None): the axes to sum over; None sums everything.
        keepdims (bool): keep the reduced axes with size 1 (the result then broadcasts
            against ``x``).

    Returns:
        Variable of ``x``'s dtype and shape without the reduced axes.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.sum(numpy.array([[1., 2.], [3., 4.]]), axis=0)
        variable([4., 6.], shape=(2,), dtype=float64)
    """
    return Sum(_axis_setting('sum', axis), keepdims).apply((x,))[0]


class Mean(_Reduction):
    """Arithmetic mean over ``axis`` (see :func:`mean`)."""

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        self.axis = axis = _normalize_axis(self.axis, x.ndim)
        return x.mean(axis=axis, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        x_shape = self.x_shape
        n = 1
        for a in range(len(x_shape)) if self.axis is None else self.axis:
            n *= x_shape[a]
        return self._broadcast_back(grad_outputs[0], x_shape, 1.0 / n if n else float('nan')),


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean of the elements over ``axis``, ``y = sum(x) / n``.

    Args:
        x (Variable or array): a float array.
        axis (int, tuple of ints or None): the axes to average over; None averages everything.
        keepdims (bool): keep the reduced axes with size 1.

    Returns:
        Variable of ``x``'s dtype and shape without the reduced axes.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.mean(numpy.array([[1., 2.], [3., 5.]], dtype=numpy.float32), axis=1)
        variable([1.5, 4. ], shape=(2,), dtype=float32)
    """
    return Mean(_axis_setting('mean', axis), keepdims).apply((x,))[0]


class _SelectReduction(_Reduction):
    """Shared body of :class:`Max` and :class:`Min`: forward picks, backward routes to the pick.

    Where several elements tie for the extreme value, the gradient is split evenly among them
    (so it still sums to the output gradient).
    """

    _nonempty = True

    def _pick(self, x, axis):
        raise NotImplementedError

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        self.axis = axis = _normalize_axis(self.axis, x.ndim)
        return self._pick(x, axis),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        x = x.array
        shape = _keepdims_shape(x.shape, self.axis)
        mask = x == y.array.reshape(shape)
        # each tied element gets an equal share; without ties the count is 1
        w = mask / mask.sum(axis=self.axis, keepdims=True, dtype=x.dtype)
        gy = grad_outputs[0]
        if not self.keepdims:
            gy = array.reshape(gy, shape)
        return elementwise.ScaleByConstant(w).apply((gy,))


class Max(_SelectReduction):
    """Maximum over ``axis`` (see :func:`max`)."""

    def _pick(self, x, axis):
        return x.max(axis=axis, keepdims=self.keepdims)


class Min(_SelectReduction):
    """Minimum over ``axis`` (see :func:`min`)."""

    def _pick(self, x, axis):
        return x.min(axis=axis, keepdims=self.keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum of the elements over ``axis``.

    The gradient goes to the element that holds the maximum. Where several elements tie, it is
    split evenly among them (as PyTorch's ``amax``; Chainer gives each of them the whole
    gradient), so the gradients still add up to the output gradient.

    Args:
        x (Variable or array): a float array with no zero-size reduced axis.
        axis (int, tuple of ints or None): the axes to reduce; None reduces everything.
        keepdims (bool): keep the reduced axes with size 1.

    Returns:
        Variable of ``x``'s dtype and shape without the reduced axes.

    Example:
        >>> import numpy, minigrad, minigrad.functions as F
        >>> x = minigrad.Variable(numpy.array([[1., 3., 3.], [4., 0., 2.]]))
        >>> y = F.max(x, axis=1)
        >>> y
        variable([3., 4.], shape=(2,), dtype=float64)
        >>> F.sum(y).backward()
        >>> x.grad
        array([[0. , 0.5, 0.5],
               [1. , 0. , 0. ]])
    """
    return Max(_axis_setting('max', axis), keepdims).apply((x,))[0]


def min(x, axis=None, keepdims=False):
    """Minimum of the elements over ``axis``; ties split the gradient evenly (see :func:`max`).

    Args:
        x (Variable or array): a float array with no zero-size reduced axis.
        axis (int, tuple of ints or None): the axes to reduce; None reduces everything.
        keepdims (bool): keep the reduced axes with size 1.

    Returns:
        Variable of ``x``'s dtype and shape without the reduced axes.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.min(numpy.array([[1., -3.], [4., 2.]]), axis=0, keepdims=True)
        variable([[ 1., -3.]], shape=(1, 2), dtype=float64)
    """
    return Min(_axis_setting('min', axis), keepdims).apply((x,))[0]


class LogSumExp(_Reduction):
    """``log(sum(exp(x)))`` over ``axis``, computed stably (see :func:`logsumexp`)."""

    label = 'logsumexp'

    _nonempty = True

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        self.axis = axis = _normalize_axis(self.axis, x.ndim)
        if x.ndim == 0:
            # one element: y = x exactly (also for +-inf); NumPy would give scalars, not arrays
            return x.copy(),
        m = x.max(axis=axis, keepdims=True)
        # a slice of all -inf (or with +inf) would give inf - inf = nan; shift it by 0 instead
        m = xp.where(xp.isfinite(m), m, x.dtype.type(0))
        e = x - m
        xp.exp(e, out=e)
        y = e.sum(axis=axis, keepdims=True)
        xp.log(y, out=y)
        y += m
        if not self.keepdims:
            y = y.reshape([s for i, s in enumerate(x.shape)
                           if axis is not None and i not in axis])
        return y,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        if not self.keepdims:
            shape = _keepdims_shape(x.shape, self.axis)
            y = array.reshape(y, shape)
            gy = array.reshape(gy, shape)
        # d logsumexp / dx = softmax(x) = exp(x - y)
        return gy * elementwise.exp(x - y),


def logsumexp(x, axis=None, keepdims=False):
    """``y = log(sum(exp(x)))`` over ``axis``, without overflow for large inputs.

    The maximum is subtracted before exponentiating: ``y = m + log(sum(exp(x - m)))``. The
    gradient is the softmax of ``x`` along the reduced axes.

    Args:
        x (Variable or array): a float array with no zero-size reduced axis.
        axis (int, tuple of ints or None): the axes to reduce; None reduces everything.
        keepdims (bool): keep the reduced axes with size 1.

    Returns:
        Variable of ``x``'s dtype and shape without the reduced axes.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.logsumexp(numpy.array([[1000., 1000.], [0., numpy.log(3.)]]), axis=1)
        variable([1000.69314718,    1.38629436], shape=(2,), dtype=float64)
    """
    return LogSumExp(_axis_setting('logsumexp', axis), keepdims).apply((x,))[0]
