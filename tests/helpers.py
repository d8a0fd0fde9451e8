"""Helpers shared by tests: random inputs away from kinks, and the to_cpu shortcut."""

import numpy

from minigrad import backend


def uniform(shape, dtype=numpy.float64, low=-1.0, high=1.0, seed=0):
    """A fixed-seed uniform array (NumPy)."""
    return numpy.random.RandomState(seed).uniform(low, high, shape).astype(dtype)


def away_from_zero(shape, dtype=numpy.float64, margin=0.1, seed=0):
    """Uniform values in (-1, -margin) U (margin, 1): no kinks of relu/abs at 0."""
    x = uniform(shape, numpy.float64, margin, 1.0, seed)
    sign = numpy.where(numpy.random.RandomState(seed + 1).rand(*shape) < 0.5, -1.0, 1.0)
    return (x * sign).astype(dtype)


def cpu(x):
    """The NumPy array of a Variable or an array."""
    return backend.to_cpu(getattr(x, 'array', x))
