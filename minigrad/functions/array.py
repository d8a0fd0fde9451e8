"""Shape and selection functions: reshape, transpose, broadcast_to, sum_to, get_item, ...

Functions layer. These move or pick elements without arithmetic, so their gradients move the
gradient back: ``broadcast_to`` and ``sum_to`` are each other's gradient, ``get_item`` scatters
(repeated indices add up).
"""

import numpy

from minigrad import backend, function, type_check
from minigrad.variable import Variable


def _normalize_shape(shape):
    if isinstance(shape, (int, numpy.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


class Reshape(function.Function):
    """Reshape without copying (see :func:`reshape`)."""

    def __init__(self, shape):
        self.shape = shape

    def check_type_forward(self, inputs):
        x, = inputs
        size = 1
        unknown = 0
        for s in self.shape:
            if s == -1:
                unknown += 1
            else:
                size *= s
        if unknown > 1 or (unknown == 0 and size != x.size) or (
                unknown == 1 and (size == 0 or x.size % size)):
            raise type_check.InvalidType(
                self, 'cannot reshape x of size %d into shape %s' % (x.size, self.shape), x=x)

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        return x.reshape(self.shape),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self.x_shape),


def reshape(x, shape):
    """Give ``x`` a new shape with the same elements (one entry may be -1).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.reshape(numpy.arange(6.), (2, -1)).shape
        (2, 3)
    """
    shape = _normalize_shape(shape)
    if isinstance(x, Variable) and x.shape == shape:
        return x
    return Reshape(shape).apply((x,))[0]


class Transpose(function.Function):
    """Permute the axes (see :func:`transpose`)."""

    def __init__(self, axes):
        self.axes = axes

    def check_type_forward(self, inputs):
        x, = inputs
        if self.axes is not None and sorted(
                a % x.ndim if -x.ndim <= a < x.ndim else a for a in self.axes) != list(
                range(x.ndim)):
            raise type_check.InvalidType(
                self, 'axes must be a permutation of range(x.ndim) = range(%d), got %s'
                % (x.ndim, self.axes), x=x)

    def forward(self, inputs):
        x, = inputs
        return x.transpose(self.axes),

    def backward(self, indexes, grad_outputs):
        axes = self.axes
        if axes is None:
            return transpose(grad_outputs[0]),
        n = len(axes)
        inv = tuple(numpy.argsort([a % n for a in axes]))
        return transpose(grad_outputs[0], inv),


def transpose(x, axes=None):
    """Permute the axes of ``x``; ``axes=None`` reverses them (``x.T``).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.transpose(numpy.zeros((2, 3, 4)), (1, 2, 0)).shape
        (3, 4, 2)
    """
    if axes is not None:
        axes = tuple(int(a) for a in axes)
    return Transpose(axes).apply((x,))[0]


class BroadcastTo(function.Function):
    """Broadcast to a shape (see :func:`broadcast_to`)."""

    def __init__(self, shape):
        self.shape = shape

    def check_type_forward(self, inputs):
        x, = inputs
        ok = x.ndim <= len(self.shape) and all(
            a == b or a == 1 for a, b in zip(x.shape[::-1], self.shape[::-1]))
        if not ok:
            raise type_check.InvalidType(
                self, 'x of shape %s cannot be broadcast to %s' % (x.shape, self.shape), x=x)

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        xp = backend.get_array_module(x)
        return xp.broadcast_to(x, self.shape),

    def backward(self, indexes, grad_outputs):
        return sum_to(grad_outputs[0], self.x_shape),


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` (NumPy rules); the gradient is summed back to ``x.shape``."""
    shape = _normalize_shape(shape)
    if isinstance(x, Variable) and x.shape == shape:
        return x
    return BroadcastTo(shape).apply((x,))[0]


def _sum_to_array(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
    y = x.sum(axis=axes, keepdims=True) if axes else x
    if lead:
        y = y.reshape(shape)
    return y


class SumTo(function.Function):
    """Sum elements so the result has ``shape`` (the reverse of broadcasting)."""

    def __init__(self, shape):
        self.shape = shape

    def check_type_forward(self, inputs):
        x, = inputs
        shape = self.shape
        ok = len(shape) <= x.ndim and all(
            a == b or b == 1 for a, b in zip(x.shape[::-1], shape[::-1]))
        if not ok:
            raise type_check.InvalidType(
                self, 'x of shape %s cannot be summed to shape %s (x must broadcast from it)'
                % (x.shape, shape), x=x)

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        return _sum_to_array(x, self.shape),

    def backward(self, indexes, grad_outputs):
        return broadcast_to(grad_outputs[0], self.x_shape),


def sum_to(x, shape):
    """Sum ``x`` down to ``shape``, the inverse of broadcasting ``shape`` to ``x.shape``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.sum_to(numpy.ones((2, 3)), (1, 3))
        variable([[2., 2., 2.]], shape=(1, 3), dtype=float64)
    """
    shape = _normalize_shape(shape)
    if isinstance(x, Variable) and x.shape == shape:
        return x
    return SumTo(shape).apply((x,))[0]


def _normalize_index(slices):
    if isinstance(slices, Variable):
        slices = slices.array
    if isinstance(slices, list):
        # NumPy treats a list index as an integer array index
        return numpy.asarray(slices)
    if isinstance(slices, tuple):
        return tuple(s.array if isinstance(s, Variable) else
                     numpy.asarray(s) if isinstance(s, list) else s for s in slices)
    return slices


def _is_advanced(slices):
    items = slices if isinstance(slices, tuple) else (slices,)
    return any(hasattr(s, 'ndim') for s in items)


class GetItem(function.Function):
    """``x[slices]`` with basic and advanced indexing (see :func:`get_item`)."""

    def __init__(self, slices):
        self.slices = slices

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        self.x_dtype = x.dtype
        slices = self.slices
        xp = backend.get_array_module(x)
        if xp is not numpy and _is_advanced(slices):
            slices = tuple(xp.asarray(s) if hasattr(s, 'ndim') else s for s in slices) \
                if isinstance(slices, tuple) else xp.asarray(slices)
            self.slices = slices
        try:
            return x[slices],
        except IndexError as e:
            raise type_check.InvalidType(self, 'bad index %r for x: %s' % (slices, e), x=x)

    def backward(self, indexes, grad_outputs):
        return GetItemGrad(self.slices, self.x_shape, self.x_dtype).apply(grad_outputs)


class GetItemGrad(function.Function):
    """Scatter-add ``gy`` into zeros of the input's shape (the gradient of :class:`GetItem`)."""

    def __init__(self, slices, x_shape, x_dtype):
        self.slices = slices
        self.x_shape = x_shape
        self.x_dtype = x_dtype

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        gx = xp.zeros(self.x_shape, dtype=self.x_dtype)
        if _is_advanced(self.slices):
            # repeated indices must add up, which plain assignment would not do
            if xp is numpy:
                numpy.add.at(gx, self.slices, gy)
            else:
                import cupyx
                cupyx.scatter_add(gx, self.slices, gy)
        else:
            gx[self.slices] = gy
        return gx,

    def backward(self, indexes, grad_outputs):
        return get_item(grad_outputs[0], self.slices),


def get_item(x, slices):
    """``x[slices]``: basic indexing (ints, slices, None, Ellipsis) and integer/bool arrays.

    Repeated indices in an integer array sum their gradients.

    Example:
        >>> import numpy, minigrad, minigrad.functions as F
        >>> x = minigrad.Variable(numpy.array([1., 2., 3.]))
        >>> y = F.sum(F.get_item(x, [0, 0, 2]))
        >>> y.backward()
        >>> x.grad
        array([2., 0., 1.])
    """
    return GetItem(_normalize_index(slices)).apply((x,))[0]


def expand_dims(x, axis):
    raise NotImplementedError


def squeeze(x, axis=None):
    raise NotImplementedError


def flatten(x):
    raise NotImplementedError


def concat(xs, axis=1):
    raise NotImplementedError


def stack(xs, axis=0):
    raise NotImplementedError


def split_axis(x, indices_or_sections, axis):
    raise NotImplementedError


def separate(x, axis=0):
    raise NotImplementedError


def pad_sequence(xs, length=None, padding=0):
    raise NotImplementedError


def transpose_sequence(xs):
    raise NotImplementedError


def where(condition, x, y):
    raise NotImplementedError
