"""Input checks that teach: ``InvalidType`` and small helpers used by ``check_type_forward``.

Part of the core layer. Every Function checks the arrays it is given before computing, with plain
``if`` statements, and raises :class:`InvalidType` naming the function, the argument, what was
expected and what arrived, e.g.::

    minigrad.InvalidType: sigmoid: x must be a float array, got int64; cast it with
    x.astype(numpy.float32)
        x: (3,) int64
"""


def _label(func):
    if isinstance(func, str):
        return func
    return getattr(func, 'label', type(func).__name__)


def describe(x):
    """``(3, 4) float32`` for an array, ``<type name>`` for anything else."""
    shape = getattr(x, 'shape', None)
    dtype = getattr(x, 'dtype', None)
    if shape is None or dtype is None:
        return '<%s>' % type(x).__name__
    return '%s %s' % (tuple(shape), dtype)


class InvalidType(TypeError):
    """Raised when a function gets arrays of the wrong shape, dtype or kind.

    Args:
        func: the Function (its ``label`` is used) or a name.
        message: what was expected, e.g. ``'x.shape[1] must be 4 * c.shape[1]'``.
        **arrays: the offending arrays by argument name; their shapes and dtypes are listed.
    """

    def __init__(self, func, message, **arrays):
        self.func_name = _label(func)
        self.expect = message
        self.arrays = {k: describe(v) for k, v in arrays.items()}
        text = '%s: %s' % (self.func_name, message)
        if self.arrays:
            text += '\n    ' + '    '.join('%s: %s' % kv for kv in self.arrays.items())
        super().__init__(text)


def expect_float(func, name, x):
    """Raise unless ``x`` is a floating-point array; the message says how to cast it."""
    if x.dtype.kind != 'f':
        raise InvalidType(
            func, '%s must be a float array, got %s; cast it with %s.astype(numpy.float32)'
            % (name, x.dtype, name), **{name: x})


def expect_same_dtype(func, names, arrays):
    """Raise unless all ``arrays`` share one dtype (minigrad never promotes silently)."""
    d0 = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != d0:
            raise InvalidType(
                func, '%s must have the same dtype, got %s; cast one with .astype()'
                % (' and '.join(names), ' and '.join(str(b.dtype) for b in arrays)),
                **dict(zip(names, arrays)))


def broadcast_shape(func, names, shapes, arrays=None):
    """Return the broadcast shape of ``shapes`` or raise naming the arguments."""
    if shapes[0] == shapes[1] and len(shapes) == 2:
        return shapes[0]
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(1, ndim + 1):
        size = 1
        for s in shapes:
            d = s[-i] if i <= len(s) else 1
            if d != 1:
                if size != 1 and d != size:
                    raise InvalidType(
                        func, '%s cannot be broadcast together: shapes %s'
                        % (' and '.join(names), ' and '.join(str(tuple(t)) for t in shapes)),
                        **dict(zip(names, arrays or ())))
                size = d
        out.append(size)
    return tuple(reversed(out))


def expect_ndim(func, name, x, ndim):
    """Raise unless ``x.ndim == ndim``."""
    if x.ndim != ndim:
        raise InvalidType(func, '%s must be %d-dimensional, got %d dimensions'
                          % (name, ndim, x.ndim), **{name: x})
