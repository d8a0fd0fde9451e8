"""Noise: dropout (identity when ``config.train`` is False).

Functions layer. The random mask comes from ``xp.random`` (NumPy's global generator on the CPU),
so ``numpy.random.seed`` makes a CPU run reproducible (``cupy.random.seed`` on the GPU).
"""

import numpy

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.functions import basic_math
from minigrad.variable import Variable, as_variable


class Dropout(function.Function):
    """``y = x * mask``, the mask holding 0 or ``1 / (1 - ratio)`` (see :func:`dropout`)."""

    def __init__(self, ratio, mask=None):
        self.ratio = ratio
        self.mask = mask

    def check_type_forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            type_check.expect_float(self, 'x', x)
        mask = self.mask
        if mask is not None and (mask.shape != x.shape or mask.dtype != x.dtype):
            raise type_check.InvalidType(
                self, 'mask must have the shape and dtype of x', x=x, mask=mask)

    def forward(self, inputs):
        x, = inputs
        if self.mask is None:
            xp = backend.get_array_module(x)
            if xp is numpy:
                u = numpy.random.random_sample(x.shape)
            else:
                u = xp.random.random_sample(x.shape, dtype=numpy.float32)
            # kept units are scaled so that the expected output equals x
            self.mask = (u >= self.ratio) * x.dtype.type(1.0 / (1.0 - self.ratio))
            if x.ndim == 0:
                self.mask = xp.asarray(self.mask)      # NumPy gives a scalar for 0-dim
        y = x * self.mask
        return (y if x.ndim else backend.get_array_module(x).asarray(y)),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if not config.enable_backprop:
            # first order only (the usual case): array code, no graph to record
            return Variable(gy.array * self.mask, requires_grad=False),
        return basic_math.mul(gy, self.mask),


def dropout(x, ratio=0.5, **kwargs):
    """Randomly zero elements with probability ``ratio`` and scale the rest by 1 / (1 - ratio).

    In training (``minigrad.config.train``, the default) ``y = x * mask`` with a fresh random
    mask; the gradient uses the same mask. Outside training (inside
    ``minigrad.using_config('train', False)``) dropout is the identity and returns ``x`` itself
    (as a Variable).

    Args:
        x: Variable or float array.
        ratio (float): the probability of dropping each element, in [0, 1).
        mask (keyword, optional): an array of x's shape and dtype holding 0 or 1 / (1 - ratio)
            to use instead of a random one (``ratio`` is then ignored); as in Chainer.
        return_mask (keyword, optional): also return the mask used (None outside training).

    Returns:
        Variable of x's shape and dtype, or ``(y, mask)`` with ``return_mask=True``.

    Example:
        >>> import numpy, minigrad, minigrad.functions as F
        >>> numpy.random.seed(0)
        >>> F.dropout(numpy.ones((2, 4), dtype=numpy.float32), ratio=0.5)
        variable([[2., 2., 2., 2.],
                  [0., 2., 0., 2.]], shape=(2, 4), dtype=float32)
        >>> with minigrad.using_config('train', False):
        ...     F.dropout(numpy.ones(2, dtype=numpy.float32))
        variable([1., 1.], shape=(2,), dtype=float32)
    """
    mask = kwargs.pop('mask', None)
    return_mask = kwargs.pop('return_mask', False)
    if kwargs:
        if 'train' in kwargs:
            raise ValueError("dropout: the train argument is gone (as in Chainer v2+); use "
                             "with minigrad.using_config('train', False): instead")
        raise TypeError('dropout: unexpected keyword arguments %s; it takes ratio, mask and '
                        'return_mask' % sorted(kwargs))
    if not 0.0 <= ratio < 1.0:
        raise ValueError('dropout: ratio must be in [0, 1) (the probability of dropping an '
                         'element), got %r' % (ratio,))
    if not config.train:
        y = as_variable(x)
        return (y, None) if return_mask else y
    func = Dropout(ratio, mask)
    y, = func.apply((x,))
    return (y, func.mask) if return_mask else y
