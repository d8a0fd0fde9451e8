"""Evaluation: accuracy (not differentiable).

Functions layer. ``accuracy`` reports how often the highest score is on the label; it has no
gradient, so its result is a constant Variable that records no graph.
"""

from minigrad import backend, function, type_check
from minigrad.variable import as_array


class Accuracy(function.Function):
    """Fraction of rows whose arg-max over axis 1 equals the label (see :func:`accuracy`)."""

    def __init__(self, ignore_label=None):
        self.ignore_label = ignore_label

    def check_type_forward(self, inputs):
        y, t = inputs
        if y.dtype.kind != 'f':
            type_check.expect_float(self, 'y', y)
        if t.dtype.kind not in 'iu':
            raise type_check.InvalidType(
                self, 't must be an integer array of labels, got %s; cast it with '
                't.astype(numpy.int32)' % t.dtype, t=t)
        if y.ndim < 2 or t.shape != (y.shape[0],) + y.shape[2:]:
            raise type_check.InvalidType(
                self, 'y must be (B, C, d1, ...) scores and t (B, d1, ...) labels: '
                't.shape must be (y.shape[0],) + y.shape[2:]', y=y, t=t)

    def forward(self, inputs):
        y, t = inputs
        xp = backend.get_array_module(y)
        hit = y.argmax(axis=1) == t
        if self.ignore_label is None:
            acc = hit.mean(dtype=y.dtype) if t.size else 0
        else:
            mask = t != self.ignore_label
            # no sync with the GPU: the all-ignored case is a where, not an if
            total = mask.sum()
            acc = xp.where(total > 0, (hit & mask).sum() / xp.maximum(total, 1), 0)
        return xp.asarray(acc, dtype=y.dtype),

    def backward(self, indexes, grad_outputs):
        raise NotImplementedError(
            'accuracy is not differentiable (it counts correct predictions); train on a '
            'loss such as F.softmax_cross_entropy and report accuracy beside it')


def accuracy(y, t, ignore_label=None):
    """Fraction of predictions ``argmax(y, axis=1)`` that equal the labels ``t``.

    Not differentiable: the result is a constant Variable, with no graph behind it.

    Args:
        y: Variable or array of scores of shape (B, C) or (B, C, d1, ...).
        t: int array (or Variable) of labels of shape (B,) or (B, d1, ...).
        ignore_label (int or None): labels equal to it are left out of the count.

    Returns:
        0-dim Variable of y's dtype; 0 when every label is ignored.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> y = numpy.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], dtype=numpy.float32)
        >>> F.accuracy(y, numpy.array([1, 1, -1]), ignore_label=-1)
        variable(0.5, shape=(), dtype=float32)
    """
    return Accuracy(ignore_label).apply((as_array(y), as_array(t)))[0]
