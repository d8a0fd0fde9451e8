"""Weight initializers: objects that fill an array in place (``Normal``, ``LeCunNormal``, ...).

Used by links to create their parameters (``minigrad.Parameter(initializer, shape)``). An
initializer is called as ``init(array)`` and overwrites ``array`` in place, on NumPy or CuPy alike
(``xp = backend.get_array_module(array)``), keeping the array's dtype. Random ones draw from
``xp.random``, so ``numpy.random.seed(0)`` makes CPU initialisation reproducible.

Fans follow Chainer for an array of shape ``(out, in, k1, k2, ...)`` (a Linear's W is
``(out_size, in_size)``): ``fan_in = in * k1 * k2 ...`` and ``fan_out = out * k1 * k2 ...``.
"""

import math
import numbers

import numpy

from minigrad import backend


def get_fans(shape):
    """Return ``(fan_in, fan_out)`` of a weight of ``shape`` = ``(out, in, k1, k2, ...)``.

    Example:
        >>> get_fans((4, 3, 2))
        (6, 8)
    """
    if len(shape) < 2:
        raise ValueError('get_fans: the shape must have at least 2 dimensions (out, in, ...), '
                         'got %s' % (tuple(shape),))
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


class Initializer:
    """Base class of initializers: ``init(array)`` fills ``array`` in place.

    Args:
        dtype: the dtype the initializer insists on, or None (it then fills any float array and
            the parameter keeps its own dtype). ``Parameter`` and :func:`generate_array` create
            the array with this dtype when it is set.

    Subclasses implement ``__call__(array)``; they should call ``self._check_dtype(array)`` first.
    """

    def __init__(self, dtype=None):
        self.dtype = None if dtype is None else numpy.dtype(dtype)

    def __call__(self, array):
        raise NotImplementedError('%s does not implement __call__(array)'
                                  % type(self).__name__)

    def _check_dtype(self, array):
        if self.dtype is not None and array.dtype != self.dtype:
            raise ValueError('%s: the array has dtype %s but the initializer was made for %s'
                             % (type(self).__name__, array.dtype, self.dtype))

    def __repr__(self):
        args = ', '.join('%s=%r' % (k, v) for k, v in vars(self).items()
                         if k != 'dtype' and not k.startswith('_'))
        return '%s(%s)' % (type(self).__name__, args)


class Constant(Initializer):
    """Fill with ``fill_value``: a scalar, or an array broadcast to the shape.

    Example:
        >>> import numpy
        >>> a = numpy.empty(3, dtype=numpy.float32)
        >>> Constant(2.5)(a)
        >>> a
        array([2.5, 2.5, 2.5], dtype=float32)
    """

    def __init__(self, fill_value, dtype=None):
        super().__init__(dtype)
        self.fill_value = fill_value

    def __call__(self, array):
        self._check_dtype(array)
        value = self.fill_value
        if isinstance(value, numbers.Number) or isinstance(value, numpy.generic):
            array.fill(value)
            return
        xp = backend.get_array_module(array)
        value = xp.asarray(value)
        try:
            array[...] = value
        except ValueError:
            raise ValueError('Constant: the fill value of shape %s cannot be broadcast to the '
                             'array of shape %s' % (value.shape, array.shape)) from None


class Zero(Constant):
    """Fill with 0."""

    def __init__(self, dtype=None):
        super().__init__(0, dtype)


class One(Constant):
    """Fill with 1."""

    def __init__(self, dtype=None):
        super().__init__(1, dtype)


class NaN(Constant):
    """Fill with NaN (what an uninitialised parameter holds, so that forgetting shows up)."""

    def __init__(self, dtype=None):
        super().__init__(numpy.nan, dtype)


class Identity(Initializer):
    """Fill a square matrix with ``scale`` times the identity."""

    def __init__(self, scale=1.0, dtype=None):
        super().__init__(dtype)
        self.scale = scale

    def __call__(self, array):
        self._check_dtype(array)
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise ValueError('Identity: the array must be a square matrix, got shape %s'
                             % (array.shape,))
        xp = backend.get_array_module(array)
        array[...] = xp.identity(array.shape[0], dtype=array.dtype) * array.dtype.type(
            self.scale)


def _fill_normal(array, std):
    xp = backend.get_array_module(array)
    # float64 draws, stored in the array's dtype: the same numbers whatever the dtype
    array[...] = xp.random.normal(0.0, std, size=array.shape)


def _fill_uniform(array, bound):
    xp = backend.get_array_module(array)
    array[...] = xp.random.uniform(-bound, bound, size=array.shape)


class Normal(Initializer):
    """Draw from a normal distribution with mean 0 and standard deviation ``scale``."""

    def __init__(self, scale=0.05, dtype=None):
        super().__init__(dtype)
        self.scale = scale

    def __call__(self, array):
        self._check_dtype(array)
        _fill_normal(array, self.scale)


class Uniform(Initializer):
    """Draw from the uniform distribution on ``[-scale, scale)``."""

    def __init__(self, scale=0.05, dtype=None):
        super().__init__(dtype)
        self.scale = scale

    def __call__(self, array):
        self._check_dtype(array)
        _fill_uniform(array, self.scale)


class _FanScaled(Initializer):
    """Fills from ``_fill`` (normal or uniform) with width ``scale * sqrt(_ratio(fans))``."""

    _fill = None

    def __init__(self, scale=1.0, dtype=None):
        super().__init__(dtype)
        self.scale = scale

    def _ratio(self, shape):
        raise NotImplementedError

    def __call__(self, array):
        self._check_dtype(array)
        type(self)._fill(array, self.scale * math.sqrt(self._ratio(array.shape)))


class LeCunNormal(_FanScaled):
    """Normal with std ``scale * sqrt(1 / fan_in)`` (LeCun 98); Linear's default W."""

    _fill = staticmethod(_fill_normal)

    def _ratio(self, shape):
        return 1.0 / get_fans(shape)[0]


class LeCunUniform(_FanScaled):
    """Uniform on ``[-s, s)`` with ``s = scale * sqrt(3 / fan_in)``."""

    _fill = staticmethod(_fill_uniform)

    def _ratio(self, shape):
        return 3.0 / get_fans(shape)[0]


class GlorotNormal(_FanScaled):
    """Normal with std ``scale * sqrt(2 / (fan_in + fan_out))`` (Glorot & Bengio 2010)."""

    _fill = staticmethod(_fill_normal)

    def _ratio(self, shape):
        return 2.0 / sum(get_fans(shape))


class GlorotUniform(_FanScaled):
    """Uniform on ``[-s, s)`` with ``s = scale * sqrt(6 / (fan_in + fan_out))``."""

    _fill = staticmethod(_fill_uniform)

    def _ratio(self, shape):
        return 6.0 / sum(get_fans(shape))


def _fan(shape, fan_option, name):
    fan_in, fan_out = get_fans(shape)
    if fan_option == 'fan_in':
        return fan_in
    if fan_option == 'fan_out':
        return fan_out
    raise ValueError("%s: fan_option must be 'fan_in' or 'fan_out', got %r" % (name, fan_option))


class HeNormal(_FanScaled):
    """Normal with std ``scale * sqrt(2 / fan)`` (He et al. 2015), for ReLU networks.

    Args:
        fan_option: ``'fan_in'`` (default) or ``'fan_out'``.
    """

    _fill = staticmethod(_fill_normal)

    def __init__(self, scale=1.0, dtype=None, fan_option='fan_in'):
        super().__init__(scale, dtype)
        self.fan_option = fan_option

    def _ratio(self, shape):
        return 2.0 / _fan(shape, self.fan_option, 'HeNormal')


class HeUniform(_FanScaled):
    """Uniform on ``[-s, s)`` with ``s = scale * sqrt(6 / fan_in)``."""

    _fill = staticmethod(_fill_uniform)

    def _ratio(self, shape):
        return 6.0 / get_fans(shape)[0]


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``scale`` (Saxe et al. 2013); good for recurrent W.

    The array is seen as a matrix ``(shape[0], prod(shape[1:]))``. A Gaussian matrix is
    QR-decomposed, with the signs fixed so that the result is uniformly distributed.
    With fewer rows than columns the rows are orthonormal; with more rows, the columns.

    Args:
        scale (float): the factor (Chainer's default 1.1).
        mode: ``'auto'`` (any shape), ``'projection'`` (rows <= columns, orthonormal rows),
            ``'embedding'`` (rows >= columns, orthonormal columns) or ``'basis'`` (square).
    """

    def __init__(self, scale=1.1, dtype=None, mode='auto'):
        super().__init__(dtype)
        if mode not in ('auto', 'projection', 'embedding', 'basis'):
            raise ValueError("Orthogonal: mode must be 'auto', 'projection', 'embedding' or "
                             "'basis', got %r" % (mode,))
        self.scale = scale
        self.mode = mode

    def __call__(self, array):
        self._check_dtype(array)
        if array.ndim < 2:
            raise ValueError('Orthogonal: the array must have at least 2 dimensions, got shape '
                             '%s' % (array.shape,))
        if array.size == 0:
            return
        rows = array.shape[0]
        cols = array.size // rows
        ok = {'auto': True, 'projection': rows <= cols, 'embedding': rows >= cols,
              'basis': rows == cols}[self.mode]
        if not ok:
            raise ValueError('Orthogonal: mode %r cannot make a %d x %d matrix orthogonal'
                             % (self.mode, rows, cols))
        xp = backend.get_array_module(array)
        a = xp.random.normal(size=(rows, cols))
        transpose = rows < cols
        if transpose:
            a = a.T
        q, r = xp.linalg.qr(a)
        # sign of the diagonal of r: makes the decomposition unique and q uniformly distributed
        q = q * xp.sign(xp.diagonal(r))
        if transpose:
            q = q.T
        array[...] = (q * self.scale).reshape(array.shape)


def get_initializer(initializer):
    """Turn what a link accepts as an initializer into an initializer object.

    None gives :class:`LeCunNormal` (Chainer's default for weights); a number or an array
    gives :class:`Constant`; a callable is returned as it is; anything else is a TypeError.
    (Chainer calls this ``_get_initializer``; that name works too.)
    """
    if initializer is None:
        return LeCunNormal()
    if isinstance(initializer, (numbers.Number, numpy.generic)) and not isinstance(
            initializer, bool):
        return Constant(initializer)
    if type(initializer) is numpy.ndarray or backend._is_cupy_array(initializer):
        # no dtype: the parameter keeps its own (float32 by default), as in Chainer
        return Constant(initializer)
    if callable(initializer):
        return initializer
    raise TypeError('an initializer must be None, a number, an array or a callable '
                    'init(array), got %s' % type(initializer).__name__)


_get_initializer = get_initializer


def generate_array(initializer, shape, xp, dtype=None):
    """Create an array of ``shape`` on ``xp`` (numpy or cupy) and fill it with ``initializer``.

    The dtype is ``dtype``, else the initializer's ``dtype``, else float32; a ``dtype`` that
    contradicts the initializer's is a ValueError.

    Example:
        >>> import numpy
        >>> generate_array(Constant(1), (2,), numpy, numpy.float64)
        array([1., 1.])
    """
    init_dtype = getattr(initializer, 'dtype', None)
    if dtype is not None and init_dtype is not None and numpy.dtype(dtype) != init_dtype:
        raise ValueError('generate_array: dtype %s contradicts the initializer dtype %s'
                         % (numpy.dtype(dtype), init_dtype))
    if dtype is None:
        dtype = init_dtype if init_dtype is not None else numpy.float32
    array = xp.empty(shape, dtype=dtype)
    initializer(array)
    return array
