"""Shape and selection functions: reshape, transpose, get_item, concat, split_axis, where, ...

Functions layer. These move or pick elements without arithmetic, so their gradients move the
gradient back, mostly with the inverse function: ``broadcast_to`` / ``sum_to``, ``concat`` /
``split_axis``, ``stack`` / ``separate``, ``pad_sequence`` / its unpadding, and
``transpose_sequence`` is its own inverse; ``get_item`` scatters (repeated indices add up).
Shape functions accept any dtype (int labels can be padded or concatenated); ``where`` needs
floats. Functions with several outputs treat an output that got no gradient as zeros.
"""

import numpy

from minigrad import backend, function, type_check
from minigrad.variable import Variable


def _is_int(s):
    return isinstance(s, (int, numpy.integer)) and not isinstance(s, bool)


def _normalize_shape(name, shape):
    """``shape`` as a tuple of Python ints; TypeError (naming ``name``) for anything else."""
    if _is_int(shape):
        return (int(shape),)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    if dims is None or not all(_is_int(s) for s in dims):
        raise TypeError('%s: shape must be an int or a tuple of ints, got %r' % (name, shape))
    return tuple([int(s) for s in dims])


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
    shape = _normalize_shape('reshape', shape)
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
    """Broadcast ``x`` to ``shape`` (NumPy rules); the gradient is summed back to ``x.shape``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.broadcast_to(numpy.array([1., 2.]), (2, 2))
        variable([[1., 2.],
                  [1., 2.]], shape=(2, 2), dtype=float64)
    """
    shape = _normalize_shape('broadcast_to', shape)
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
    shape = _normalize_shape('sum_to', shape)
    if isinstance(x, Variable) and x.shape == shape:
        return x
    return SumTo(shape).apply((x,))[0]


def _normalize_index(slices):
    if isinstance(slices, Variable):
        slices = slices.array
    if isinstance(slices, list):
        # NumPy treats a list index as an integer (or bool) array index
        return _list_index(slices)
    if isinstance(slices, tuple):
        return tuple(s.array if isinstance(s, Variable) else
                     _list_index(s) if isinstance(s, list) else s for s in slices)
    return slices


def _list_index(items):
    index = numpy.asarray(items)
    # an empty list selects nothing, as in NumPy (asarray would make it float)
    return index.astype(numpy.intp) if index.size == 0 else index


def _is_advanced(slices):
    items = slices if isinstance(slices, tuple) else (slices,)
    return any(hasattr(s, 'ndim') for s in items)


def _has_repeatable_index(slices):
    # only integer arrays can pick one element twice; bool masks and basic indices cannot
    items = slices if isinstance(slices, tuple) else (slices,)
    return any(getattr(s, 'ndim', 0) > 0 and s.dtype.kind != 'b' for s in items)


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
        if _has_repeatable_index(self.slices):
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


def _check_axis(func, axis, ndim, x, name='x', extra=0):
    # ``extra`` is 1 for functions that insert an axis (expand_dims, stack): axis may be ndim
    if not -ndim - extra <= axis < ndim + extra:
        raise type_check.InvalidType(
            func, 'axis %d is out of range for %s with %d dimensions (valid: %d to %d)'
            % (axis, name, ndim, -ndim - extra, ndim + extra - 1), **{name: x})


def _zeros_for_none(grads, shapes, dtype, xp):
    # outputs that got no gradient contribute zeros, so the inverse function sees full shapes
    return [xp.zeros(s, dtype=dtype) if g is None else g for g, s in zip(grads, shapes)]


class ExpandDims(function.Function):
    """Insert an axis of size 1 (see :func:`expand_dims`)."""

    def __init__(self, axis):
        self.axis = axis

    def check_type_forward(self, inputs):
        x, = inputs
        _check_axis(self, self.axis, x.ndim, x, extra=1)

    def forward(self, inputs):
        x, = inputs
        shape = x.shape
        self.x_shape = shape
        axis = self.axis % (len(shape) + 1)
        return x.reshape(shape[:axis] + (1,) + shape[axis:]),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self.x_shape),


def expand_dims(x, axis):
    """Insert an axis of size 1 at position ``axis`` (as ``numpy.expand_dims``).

    Args:
        x: Variable or array of shape ``(s_0, ..., s_{n-1})``.
        axis (int): where the new axis goes in the output, ``-n - 1 <= axis <= n``.

    Returns:
        Variable of ``n + 1`` dimensions sharing ``x``'s elements.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.expand_dims(numpy.zeros((2, 3)), 1).shape
        (2, 1, 3)
    """
    return ExpandDims(int(axis)).apply((x,))[0]


class Squeeze(function.Function):
    """Remove axes of size 1 (see :func:`squeeze`)."""

    def __init__(self, axis):
        self.axis = axis

    def check_type_forward(self, inputs):
        x, = inputs
        if self.axis is None:
            return
        seen = set()
        for a in self.axis:
            _check_axis(self, a, x.ndim, x)
            a %= x.ndim
            if a in seen:
                raise type_check.InvalidType(
                    self, 'axis %s names axis %d twice' % (self.axis, a), x=x)
            seen.add(a)
            if x.shape[a] != 1:
                raise type_check.InvalidType(
                    self, 'cannot squeeze axis %d of x: its size is %d, not 1'
                    % (a, x.shape[a]), x=x)

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        return x.squeeze(self.axis),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self.x_shape),


def squeeze(x, axis=None):
    """Remove axes of size 1: all of them (``axis=None``) or those named by ``axis``.

    Args:
        x: Variable or array.
        axis (None, int or tuple of ints): the axes to remove; each must have size 1.

    Returns:
        Variable with the same elements and fewer dimensions.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.squeeze(numpy.zeros((1, 3, 1)), axis=0).shape
        (3, 1)
    """
    if axis is not None:
        axis = (int(axis),) if isinstance(axis, (int, numpy.integer)) else tuple(
            int(a) for a in axis)
    return Squeeze(axis).apply((x,))[0]


class Flatten(function.Function):
    """Reshape to one dimension (see :func:`flatten`)."""

    def forward(self, inputs):
        x, = inputs
        self.x_shape = x.shape
        return x.reshape(x.size),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self.x_shape),


def flatten(x):
    """Flatten ``x`` to a 1-D Variable of ``x.size`` elements in C order (as Chainer's).

    Use ``F.reshape(x, (len(x), -1))`` to keep the batch axis.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.flatten(numpy.array([[1., 2.], [3., 4.]]))
        variable([1., 2., 3., 4.], shape=(4,), dtype=float64)
    """
    return Flatten().apply((x,))[0]


def _as_sequence(func_name, xs):
    if isinstance(xs, (list, tuple)):
        return xs
    raise TypeError('%s: xs must be a list or tuple of Variables or arrays, got %s'
                    % (func_name, type(xs).__name__))


def _check_same_dtype(func, inputs):
    x0 = inputs[0]
    for i, x in enumerate(inputs):
        if x.dtype != x0.dtype:
            type_check.expect_same_dtype(func, ('xs[0]', 'xs[%d]' % i), (x0, x))


class Concat(function.Function):
    """Join arrays along an existing axis (see :func:`concat`)."""

    def __init__(self, axis):
        self.axis = axis

    def check_type_forward(self, inputs):
        x0 = inputs[0]
        ndim = x0.ndim
        if ndim == 0:
            raise type_check.InvalidType(
                self, 'xs[0] must have at least one dimension; join 0-d arrays with stack',
                **{'xs[0]': x0})
        _check_axis(self, self.axis, ndim, x0, name='xs[0]')
        axis = self.axis % ndim
        shape0 = x0.shape
        dtype0 = x0.dtype
        for i, x in enumerate(inputs):
            if x.dtype != dtype0:
                type_check.expect_same_dtype(self, ('xs[0]', 'xs[%d]' % i), (x0, x))
            shape = x.shape
            if shape != shape0 and (len(shape) != ndim or shape[:axis] != shape0[:axis]
                                    or shape[axis + 1:] != shape0[axis + 1:]):
                raise type_check.InvalidType(
                    self, 'xs[%d].shape must equal xs[0].shape except on axis %d, got %s and %s'
                    % (i, axis, shape, shape0), **{'xs[0]': x0, 'xs[%d]' % i: x})

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        axis = self.axis % inputs[0].ndim
        self.axis = axis
        # where the gradient is cut apart again
        indices = []
        end = 0
        for x in inputs[:-1]:
            end += x.shape[axis]
            indices.append(end)
        self.indices = indices
        return xp.concatenate(inputs, axis=axis),

    def backward(self, indexes, grad_outputs):
        return split_axis(grad_outputs[0], self.indices, self.axis)


def concat(xs, axis=1):
    """Join Variables or arrays along an existing axis (as ``numpy.concatenate``).

    The gradient is cut back into pieces with :func:`split_axis`.

    Args:
        xs (list or tuple): Variables or arrays of one dtype and one number of dimensions,
            with equal shapes except on ``axis``.
        axis (int): the axis to join along (Chainer's default is 1).

    Returns:
        Variable whose size on ``axis`` is the sum of the inputs' sizes.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.concat([numpy.zeros((2, 3)), numpy.ones((2, 1))])
        variable([[0., 0., 0., 1.],
                  [0., 0., 0., 1.]], shape=(2, 4), dtype=float64)
    """
    xs = _as_sequence('concat', xs)
    if not xs:
        raise ValueError('concat: xs is empty; give at least one Variable or array')
    return Concat(int(axis)).apply(xs)[0]


class Stack(function.Function):
    """Join arrays along a new axis (see :func:`stack`)."""

    def __init__(self, axis):
        self.axis = axis

    def check_type_forward(self, inputs):
        x0 = inputs[0]
        _check_axis(self, self.axis, x0.ndim, x0, name='xs[0]', extra=1)
        _check_same_dtype(self, inputs)
        for i, x in enumerate(inputs):
            if x.shape != x0.shape:
                raise type_check.InvalidType(
                    self, 'xs[%d].shape must equal xs[0].shape, got %s and %s'
                    % (i, x.shape, x0.shape), **{'xs[0]': x0, 'xs[%d]' % i: x})

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        return xp.stack(inputs, axis=self.axis),

    def backward(self, indexes, grad_outputs):
        return separate(grad_outputs[0], self.axis)


def stack(xs, axis=0):
    """Join Variables or arrays of one shape along a new axis (as ``numpy.stack``).

    The gradient is taken apart again with :func:`separate`.

    Args:
        xs (list or tuple): Variables or arrays of one shape ``s`` and one dtype.
        axis (int): the position of the new axis in the output, ``-len(s) - 1 <= axis <=
            len(s)``.

    Returns:
        Variable with a new axis of size ``len(xs)``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.stack([numpy.array([1., 2.]), numpy.array([3., 4.])], axis=1)
        variable([[1., 3.],
                  [2., 4.]], shape=(2, 2), dtype=float64)
    """
    xs = _as_sequence('stack', xs)
    if not xs:
        raise ValueError('stack: xs is empty; give at least one Variable or array')
    return Stack(int(axis)).apply(xs)[0]


class SplitAxis(function.Function):
    """Cut an array into pieces along an axis (see :func:`split_axis`)."""

    def __init__(self, indices_or_sections, axis):
        self.indices_or_sections = indices_or_sections
        self.axis = axis

    def check_type_forward(self, inputs):
        x, = inputs
        _check_axis(self, self.axis, x.ndim, x)
        size = x.shape[self.axis]
        ios = self.indices_or_sections
        if isinstance(ios, int):
            if size % ios:
                raise type_check.InvalidType(
                    self, 'x.shape[%d] = %d cannot be split into %d equal sections'
                    % (self.axis, size, ios), x=x)
        elif ios and ios[-1] > size:
            raise type_check.InvalidType(
                self, 'the split index %d is past the end of axis %d (size %d)'
                % (ios[-1], self.axis, size), x=x)

    def forward(self, inputs):
        x, = inputs
        axis = self.axis % x.ndim
        self.axis = axis
        self.x_shape = shape = x.shape
        ios = self.indices_or_sections
        if isinstance(ios, int):
            step = shape[axis] // ios
            points = [step * k for k in range(ios + 1)]
        else:
            points = [0] + ios + [shape[axis]]
        self.points = points
        # plain slices make views, with less overhead than xp.split
        head = (slice(None),) * axis
        return tuple([x[head + (slice(a, b),)] for a, b in zip(points, points[1:])])

    def backward(self, indexes, grad_outputs):
        gys = grad_outputs
        if any(g is None for g in gys):
            g0 = next(g for g in gys if g is not None)
            shape, axis, points = self.x_shape, self.axis, self.points
            shapes = [shape[:axis] + (b - a,) + shape[axis + 1:]
                      for a, b in zip(points, points[1:])]
            gys = _zeros_for_none(gys, shapes, g0.dtype, g0.xp)
        return concat(gys, self.axis),


def split_axis(x, indices_or_sections, axis, force_tuple=True):
    """Cut ``x`` into pieces along ``axis`` (as ``numpy.split``); the inverse of :func:`concat`.

    Outputs that receive no gradient count as zeros in backward.

    Args:
        x: Variable or array.
        indices_or_sections (int or sequence of ints): an int ``n`` cuts ``x`` into ``n``
            equal pieces (``x.shape[axis]`` must be divisible by ``n``); a sorted sequence of
            non-negative ints gives the positions where ``x`` is cut.
        axis (int): the axis to cut.
        force_tuple (bool): as in Chainer; when False, a single piece is returned as a
            Variable instead of a one-element tuple.

    Returns:
        tuple of Variables (views of ``x`` in forward).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> a, b = F.split_axis(numpy.arange(6.).reshape(2, 3), [1], axis=1)
        >>> a.shape, b.shape
        ((2, 1), (2, 2))
    """
    ios = indices_or_sections
    if isinstance(ios, (int, numpy.integer)):
        ios = int(ios)
        if ios <= 0:
            raise ValueError('split_axis: the number of sections must be positive, got %d'
                             % ios)
    else:
        ios = [int(i) for i in ios]
        for a, b in zip(ios, ios[1:]):
            if a > b:
                raise ValueError('split_axis: indices must be sorted, got %s' % (ios,))
        if ios and ios[0] < 0:
            raise ValueError('split_axis: indices must be non-negative, got %s' % (ios,))
    ys = SplitAxis(ios, int(axis)).apply((x,))
    if not force_tuple and len(ys) == 1:
        return ys[0]
    return ys


class Separate(function.Function):
    """Take an array apart along an axis, removing it (see :func:`separate`)."""

    def __init__(self, axis):
        self.axis = axis

    def check_type_forward(self, inputs):
        x, = inputs
        if x.ndim == 0:
            raise type_check.InvalidType(self, 'x must have at least one dimension', x=x)
        _check_axis(self, self.axis, x.ndim, x)

    def forward(self, inputs):
        x, = inputs
        axis = self.axis % x.ndim
        self.axis = axis
        self.y_shape = x.shape[:axis] + x.shape[axis + 1:]
        if axis:
            xp = backend.get_array_module(x)
            x = xp.moveaxis(x, axis, 0)
        return tuple(x)

    def backward(self, indexes, grad_outputs):
        gys = grad_outputs
        if any(g is None for g in gys):
            g0 = next(g for g in gys if g is not None)
            gys = _zeros_for_none(gys, [self.y_shape] * len(gys), g0.dtype, g0.xp)
        return stack(gys, self.axis),


def separate(x, axis=0):
    """Take ``x`` apart along ``axis``: ``x.shape[axis]`` Variables with that axis removed.

    The inverse of :func:`stack`; outputs that receive no gradient count as zeros.

    Args:
        x: Variable or array of at least one dimension.
        axis (int): the axis to take apart.

    Returns:
        tuple of Variables, ``ys[i]`` being ``x[i]`` along ``axis``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> a, b = F.separate(numpy.array([[1., 2.], [3., 4.]]), axis=1)
        >>> a
        variable([1., 3.], shape=(2,), dtype=float64)
    """
    return Separate(int(axis)).apply((x,))


def _check_sequences(func, xs):
    # every sequence is (L_i, ...) with one trailing shape and one dtype
    x0 = xs[0]
    _check_same_dtype(func, xs)
    for i, x in enumerate(xs):
        if x.ndim == 0:
            raise type_check.InvalidType(
                func, 'xs[%d] must have at least one dimension (its length)' % i,
                **{'xs[%d]' % i: x})
        if x.shape[1:] != x0.shape[1:]:
            raise type_check.InvalidType(
                func, 'xs[%d].shape[1:] must equal xs[0].shape[1:], got %s and %s'
                % (i, x.shape[1:], x0.shape[1:]), **{'xs[0]': x0, 'xs[%d]' % i: x})


class PadSequence(function.Function):
    """Pad sequences to one length and stack them (see :func:`pad_sequence`)."""

    def __init__(self, length, padding):
        self.length = length
        self.padding = padding

    def check_type_forward(self, inputs):
        _check_sequences(self, inputs)
        if self.length is not None:
            for i, x in enumerate(inputs):
                if x.shape[0] > self.length:
                    raise type_check.InvalidType(
                        self, 'xs[%d] has length %d, longer than length=%d'
                        % (i, x.shape[0], self.length), **{'xs[%d]' % i: x})

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        x0 = inputs[0]
        lengths = [x.shape[0] for x in inputs]
        length = max(lengths) if self.length is None else self.length
        y = xp.full((len(inputs), length) + x0.shape[1:], self.padding, dtype=x0.dtype)
        for i, x in enumerate(inputs):
            y[i, :lengths[i]] = x
        self.lengths = lengths
        return y,

    def backward(self, indexes, grad_outputs):
        return UnpadSequence(self.lengths).apply(grad_outputs)


class UnpadSequence(function.Function):
    """Cut each row of a padded batch to its length (the gradient of :class:`PadSequence`)."""

    def __init__(self, lengths):
        self.lengths = lengths

    def forward(self, inputs):
        y, = inputs
        self.y_shape = y.shape
        return tuple([y[i, :n] for i, n in enumerate(self.lengths)])

    def backward(self, indexes, grad_outputs):
        gxs = grad_outputs
        if any(g is None for g in gxs):
            g0 = next(g for g in gxs if g is not None)
            unit = self.y_shape[2:]
            gxs = _zeros_for_none(gxs, [(n,) + unit for n in self.lengths], g0.dtype, g0.xp)
        return pad_sequence(gxs, self.y_shape[1], 0),


def pad_sequence(xs, length=None, padding=0):
    """Pad sequences of different lengths to ``length`` and stack them into one batch.

    Args:
        xs (list or tuple): ``B`` Variables or arrays of shapes ``(L_i, ...)`` with one trailing
            shape and one dtype (int arrays, such as labels, work too).
        length (int or None): the padded length; None uses the longest ``L_i``.
        padding (scalar): the value written after each sequence (cast to the dtype).

    Returns:
        Variable of shape ``(B, length, ...)``: row ``i`` holds ``xs[i]`` and then padding.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> xs = [numpy.array([1, 2, 3], numpy.int32), numpy.array([4], numpy.int32)]
        >>> F.pad_sequence(xs, padding=-1)
        variable([[ 1,  2,  3],
                  [ 4, -1, -1]], shape=(2, 3), dtype=int32)
    """
    xs = _as_sequence('pad_sequence', xs)
    if not xs:
        raise ValueError('pad_sequence: xs is empty; give at least one sequence')
    if length is not None:
        length = int(length)
    return PadSequence(length, padding).apply(xs)[0]


class TransposeSequence(function.Function):
    """Turn a batch of sequences into a sequence of batches (see :func:`transpose_sequence`)."""

    def check_type_forward(self, inputs):
        _check_sequences(self, inputs)
        for i in range(1, len(inputs)):
            prev, cur = inputs[i - 1].shape[0], inputs[i].shape[0]
            if cur > prev:
                raise type_check.InvalidType(
                    self, 'xs must be sorted by non-increasing length, but xs[%d] has length '
                    '%d > %d of xs[%d]; sort them first, e.g. '
                    'xs = sorted(xs, key=len, reverse=True)' % (i, cur, prev, i - 1),
                    **{'xs[%d]' % (i - 1): inputs[i - 1], 'xs[%d]' % i: inputs[i]})

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        lengths = [x.shape[0] for x in inputs]
        self.n_inputs = len(inputs)
        self.unit = inputs[0].shape[1:]
        if lengths[0] == 0:
            return ()
        if lengths[-1] == lengths[0]:
            # equal lengths: one copy, then each time step is a view
            self.batch_sizes = [len(inputs)] * lengths[0]
            return tuple(xp.stack(inputs, axis=1))
        lengths = numpy.asarray(lengths)
        steps = numpy.arange(lengths[0])
        starts = numpy.cumsum(lengths) - lengths
        alive = steps[:, None] < lengths[None, :]        # (T, B): sequence i is at step t
        rows = (starts[None, :] + steps[:, None])[alive]  # row of xs concatenated, t-major
        self.batch_sizes = batch_sizes = alive.sum(axis=1)
        ys = xp.concatenate(inputs, axis=0)[xp.asarray(rows)]
        return tuple(xp.split(ys, numpy.cumsum(batch_sizes[:-1]).tolist(), axis=0))

    def backward(self, indexes, grad_outputs):
        gys = grad_outputs
        if any(g is None for g in gys):
            g0 = next(g for g in gys if g is not None)
            shapes = [(n,) + self.unit for n in self.batch_sizes]
            gys = _zeros_for_none(gys, shapes, g0.dtype, g0.xp)
        gxs = transpose_sequence(gys)
        n_empty = self.n_inputs - len(gxs)
        if n_empty:
            # sequences of length 0 appear in no time step: their gradient is empty
            g0 = gxs[0]
            gxs += tuple([g0.xp.zeros((0,) + self.unit, dtype=g0.dtype)] * n_empty)
        return gxs


def transpose_sequence(xs):
    """Turn a batch of sequences into a sequence of batches (time-major), as Chainer's.

    ``xs`` must be sorted by non-increasing length (``sorted(xs, key=len, reverse=True)``).
    ``ys[t]`` stacks the ``t``-th elements of the sequences longer than ``t``; applying the
    function to ``ys`` gives ``xs`` back, which is also how the gradient is computed.

    Args:
        xs (list or tuple): Variables or arrays of shapes ``(L_i, ...)`` with
            ``L_0 >= L_1 >= ...``, one trailing shape and one dtype.

    Returns:
        tuple of ``L_0`` Variables, ``ys[t]`` of shape ``(B_t, ...)`` where ``B_t`` is the
        number of sequences longer than ``t``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> ys = F.transpose_sequence([numpy.array([1., 2., 3.]), numpy.array([4.])])
        >>> [y.array.tolist() for y in ys]
        [[1.0, 4.0], [2.0], [3.0]]
    """
    xs = _as_sequence('transpose_sequence', xs)
    if not xs:
        return ()
    return TransposeSequence().apply(xs)


_SCALAR_TYPES = (int, float, numpy.generic)


def _is_scalar(x):
    return isinstance(x, _SCALAR_TYPES) and not isinstance(x, (bool, numpy.bool_))


class Where(function.Function):
    """Pick elements of ``x`` or ``y`` by a boolean condition (see :func:`where`)."""

    def __init__(self, condition):
        self.condition = condition

    def check_type_forward(self, inputs):
        x, y = inputs
        c = self.condition
        if c.dtype.kind != 'b':
            raise type_check.InvalidType(
                self, 'condition must be a bool array, got %s; build it with a comparison '
                'such as x.array > 0, or cast it with condition.astype(bool)' % c.dtype,
                condition=c)
        if x.dtype != y.dtype:
            type_check.expect_same_dtype(self, ('x', 'y'), inputs)
        if x.dtype.kind != 'f':
            type_check.expect_float(self, 'x', x)
        if not c.shape == x.shape == y.shape:
            type_check.broadcast_shape(self, ('condition', 'x', 'y'),
                                       (c.shape, x.shape, y.shape), (c, x, y))

    def forward(self, inputs):
        x, y = inputs
        xp = backend.get_array_module(x, y)
        c = self.condition
        if xp is not numpy and type(c) is numpy.ndarray:
            c = self.condition = xp.asarray(c)
        self.x_shape = x.shape
        self.y_shape = y.shape
        return xp.where(c, x, y),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        c = self.condition
        ret = []
        for i in indexes:
            if i == 0:
                g, shape = where(c, gy, 0), self.x_shape
            else:
                g, shape = where(c, 0, gy), self.y_shape
            ret.append(g if g.shape == shape else sum_to(g, shape))
        return tuple(ret)


def where(condition, x, y):
    """Choose elementwise: ``x`` where ``condition`` is True, ``y`` elsewhere.

    ``condition``, ``x`` and ``y`` broadcast together (NumPy rules). The gradient flows to
    ``x`` where the condition holds and to ``y`` elsewhere, summed back to each one's shape;
    ``condition`` gets none.

    Args:
        condition: bool array (or a Variable holding one).
        x, y: float Variables or arrays of one dtype; one of them may be a scalar, which is
            cast to the other's dtype.

    Returns:
        Variable of the broadcast shape.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> x = numpy.array([-1., 2., -3.], dtype=numpy.float32)
        >>> F.where(x > 0, x, 0.)
        variable([0., 2., 0.], shape=(3,), dtype=float32)
    """
    c = condition.array if isinstance(condition, Variable) else condition
    if not (type(c) is numpy.ndarray or backend._is_cupy_array(c)):
        if not isinstance(c, (bool, numpy.bool_)):
            raise TypeError('where: condition must be a bool array, got %s'
                            % type(c).__name__)
        c = numpy.asarray(c)
    x_scalar = _is_scalar(x)
    if x_scalar or _is_scalar(y):
        if x_scalar and _is_scalar(y):
            raise TypeError('where: x and y cannot both be scalars; give one of them as an '
                            'array so that the dtype is known')
        other = (y if x_scalar else x)
        other = other.array if isinstance(other, Variable) else other
        if not hasattr(other, 'dtype'):
            raise TypeError('where: x and y must be Variables, arrays or scalars, got %s'
                            % type(other).__name__)
        xp = backend.get_array_module(other)
        if x_scalar:
            x = xp.asarray(x, dtype=other.dtype)
        else:
            y = xp.asarray(y, dtype=other.dtype)
    return Where(c).apply((x, y))[0]
