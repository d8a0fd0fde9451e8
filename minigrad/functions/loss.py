"""Losses: softmax_cross_entropy, sigmoid_cross_entropy, mean_squared_error.

Functions layer. Each loss is one fused Function whose forward is plain array code (the
log-softmax is computed stably, shifted by the row maximum). Their backward computes the
gradient with array code when only first-order gradients are wanted (the usual case, and the
fast one), and with minigrad functions when double backprop was asked for, so that the gradient
can be differentiated again.

Shape letters: B batch, C classes; ``d1, ...`` optional extra axes (one label per position).
"""

import numpy

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.functions import activation, array
from minigrad.variable import Variable


def _const(x):
    return Variable(x, requires_grad=False)


def _expect_labels(func, name, t):
    if t.dtype.kind not in 'iu':
        raise type_check.InvalidType(
            func, '%s must be an integer array of labels, got %s; cast it with '
            '%s.astype(numpy.int32)' % (name, t.dtype, name), **{name: t})


def _check_label_range(func, t, n, ignore_label, what):
    """Raise ValueError for labels outside [0, n) other than ``ignore_label``.

    Always on NumPy (it costs two reductions of the labels); on CuPy only in debug mode, since
    reading the result back would wait for the GPU.
    """
    if t.size == 0:
        return
    xp = backend.get_array_module(t)
    if xp is not numpy and not config.debug:
        return
    lo, hi = int(t.min()), int(t.max())
    if lo >= 0 and hi < n:
        return
    bad = (t < 0) | (t >= n)
    if ignore_label is not None:
        bad &= t != ignore_label
    if bad.any():
        ignored = '' if ignore_label is None else ' (only ignore_label=%d may lie outside)' % (
            ignore_label)
        raise ValueError('%s: t holds labels outside [0, %d) (%s)%s: largest label %d, '
                         'smallest %d' % (func.label, n, what, ignored, hi, lo))


def _pick(a, t):
    """``a[i, t[i, ...], ...]``: the entry of each row's label, shaped like ``t``."""
    xp = backend.get_array_module(a)
    if a.ndim == 2:
        return a[xp.arange(a.shape[0]), t]
    return xp.take_along_axis(a, t[:, None], axis=1)[:, 0]


def _mean_coeff(mask, normalize, batch_size, dtype):
    """``1 / count`` in ``dtype``: count is the number of kept labels (or B), at least 1."""
    if backend.get_array_module(mask) is numpy:
        count = int(mask.sum()) if normalize else batch_size
        return dtype.type(1.0 / max(count, 1))
    # on the GPU the count stays on the device: no waiting for it
    count = mask.sum() if normalize else batch_size
    return (1.0 / backend.get_array_module(mask).maximum(count, 1)).astype(dtype)


def _onehot(t, n_classes, dtype):
    # (B, C, d1, ...) array with 1 at each label; labels of ignored rows were replaced by 0
    xp = backend.get_array_module(t)
    classes = xp.arange(n_classes).reshape((1, n_classes) + (1,) * (t.ndim - 1))
    return (t[:, None] == classes).astype(dtype)


class SoftmaxCrossEntropy(function.Function):
    """Fused log-softmax + negative log-likelihood (see :func:`softmax_cross_entropy`)."""

    def __init__(self, normalize=True, class_weight=None, ignore_label=-1, reduce='mean'):
        self.normalize = normalize
        self.class_weight = class_weight
        self.ignore_label = ignore_label
        self.reduce = reduce

    def check_type_forward(self, inputs):
        x, t = inputs
        if x.dtype.kind != 'f':
            type_check.expect_float(self, 'x', x)
        _expect_labels(self, 't', t)
        if x.ndim < 2:
            raise type_check.InvalidType(
                self, 'x must have at least 2 dimensions (B, C, d1, ...) with the classes on '
                'axis 1, got %d' % x.ndim, x=x)
        expected = (x.shape[0],) + x.shape[2:]
        if t.shape != expected:
            raise type_check.InvalidType(
                self, 't.shape must be (x.shape[0],) + x.shape[2:] = %s (one label per row), '
                'got %s' % (expected, t.shape), x=x, t=t)
        cw = self.class_weight
        if cw is not None and (cw.shape != (x.shape[1],) or cw.dtype != x.dtype):
            raise type_check.InvalidType(
                self, 'class_weight must have shape (C,) = (%d,) and the dtype of x (%s)'
                % (x.shape[1], x.dtype), x=x, class_weight=cw)
        _check_label_range(self, t, x.shape[1], self.ignore_label, 'C = x.shape[1]')

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        mask = t != self.ignore_label
        t = xp.where(mask, t, 0)              # ignored rows pick class 0, then weigh 0
        w = mask.astype(x.dtype)
        if self.class_weight is not None:
            w *= self.class_weight[t]
        e = x - x.max(axis=1, keepdims=True)  # shifted: exp never overflows
        nll = -_pick(e, t)
        xp.exp(e, out=e)
        s = e.sum(axis=1, keepdims=True)
        nll += xp.log(s[:, 0])
        nll *= w
        if self.reduce == 'mean':
            coeff = _mean_coeff(mask, self.normalize, x.shape[0], x.dtype)
            w *= coeff
            acc = numpy.float32 if x.dtype == numpy.float16 else x.dtype
            loss = xp.asarray(nll.sum(dtype=acc) * coeff, dtype=x.dtype)
        else:
            loss = nll
        self._e, self._s, self._t, self._w = e, s, t, w   # softmax(x) = e / s
        return loss,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if not config.enable_backprop:
            # first order only: array code, softmax(x) - onehot(t) weighed per row
            w = self._w * gy.array
            t = self._t
            gx = self._e * (w / self._s[:, 0])[:, None]
            if gx.ndim == 2:
                gx[backend.get_array_module(gx).arange(t.shape[0]), t] -= w
            else:
                gx -= _onehot(t, gx.shape[1], gx.dtype) * w[:, None]
            return Variable(gx, requires_grad=False), None      # labels get no gradient
        # double backprop: the same formula with minigrad functions
        x, = self.get_retained_inputs()
        diff = activation.softmax(x, axis=1) - _onehot(self._t, x.shape[1], x.dtype)
        w = self._w[:, None]
        if self.reduce != 'mean':
            gy = array.reshape(gy, w.shape)
        return diff * _const(w) * gy, None


def softmax_cross_entropy(x, t, *, normalize=True, class_weight=None, ignore_label=-1,
                          reduce='mean', enable_double_backprop=True):
    """Cross entropy of softmax(x) against integer labels, ``-log softmax(x)[i, t[i]]``.

    Computed as one fused Function from a stable log-softmax. Rows whose label is
    ``ignore_label`` add nothing to the loss and get zero gradient (padding in sequences).

    Args:
        x: Variable or array of scores (logits) of shape (B, C) or (B, C, d1, ...).
        t: int array (or Variable) of labels in [0, C), shape (B,) or (B, d1, ...).
        normalize (bool): with ``reduce='mean'``, divide by the number of non-ignored labels
            (True) or by B (False).
        class_weight: optional array of shape (C,) (x's dtype); each label's loss is
            multiplied by the weight of its class.
        ignore_label (int or None): the label that marks positions to skip.
        reduce (str): ``'mean'`` gives a 0-dim loss; ``'no'`` gives the loss of each position
            (shape of ``t``), 0 where ignored.
        enable_double_backprop (bool): accepted for Chainer compatibility; the gradient can
            always be differentiated again.

    Returns:
        Variable of x's dtype: 0-dim with ``reduce='mean'`` (0 when every label is ignored),
        else of t's shape.

    Labels outside [0, C) other than ``ignore_label`` raise ValueError (on the GPU only in
    debug mode, where the check does not stall it).

    Example:
        >>> import numpy, minigrad.functions as F
        >>> x = numpy.array([[0., 0.], [2., 0.]])
        >>> F.softmax_cross_entropy(x, numpy.array([1, -1]))   # log(2); the 2nd row ignored
        variable(0.69314718, shape=(), dtype=float64)
    """
    if reduce not in ('mean', 'no'):
        raise ValueError("softmax_cross_entropy: reduce must be 'mean' or 'no', got %r"
                         % (reduce,))
    return SoftmaxCrossEntropy(normalize, class_weight, ignore_label, reduce).apply((x, t))[0]


class SigmoidCrossEntropy(function.Function):
    """Fused sigmoid + binary cross entropy (see :func:`sigmoid_cross_entropy`)."""

    ignore_label = -1

    def __init__(self, normalize=True, reduce='mean'):
        self.normalize = normalize
        self.reduce = reduce

    def check_type_forward(self, inputs):
        x, t = inputs
        if x.dtype.kind != 'f':
            type_check.expect_float(self, 'x', x)
        _expect_labels(self, 't', t)
        if x.ndim == 0:
            raise type_check.InvalidType(
                self, 'x must have a batch axis (B, ...), got a 0-dim array', x=x)
        if t.shape != x.shape:
            raise type_check.InvalidType(
                self, 't must have the shape of x (one 0/1 label per score), got %s and %s'
                % (t.shape, x.shape), x=x, t=t)
        _check_label_range(self, t, 2, self.ignore_label, 'binary labels')

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        mask = t != self.ignore_label
        w = mask.astype(x.dtype)
        t = t.astype(x.dtype)
        # log(1 + exp(x)) - t * x, written so that exp never overflows
        nll = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-abs(x)))
        nll *= w
        if self.reduce == 'mean':
            coeff = _mean_coeff(mask, self.normalize, x.shape[0], x.dtype)
            w *= coeff
            acc = numpy.float32 if x.dtype == numpy.float16 else x.dtype
            loss = xp.asarray(nll.sum(dtype=acc) * coeff, dtype=x.dtype)
        else:
            loss = nll
        self._t, self._w = t, w
        return loss,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        if not config.enable_backprop:
            xa = x.array
            half = xa.dtype.type(0.5)
            y = backend.get_array_module(xa).tanh(xa * half) * half + half   # sigmoid(x)
            y -= self._t
            y *= self._w * gy.array
            return Variable(y, requires_grad=False), None
        return (activation.sigmoid(x) - self._t) * _const(self._w) * gy, None


def sigmoid_cross_entropy(x, t, normalize=True, reduce='mean'):
    """Binary cross entropy of sigmoid(x) against 0/1 labels; label -1 is ignored.

    ``loss = -(t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))`` per element, computed
    stably as ``max(x, 0) - x * t + log(1 + exp(-|x|))``.

    Args:
        x: Variable or array of scores (logits), any shape (B, ...).
        t: int array of the shape of x, holding 0, 1, or -1 (ignored: no loss, no gradient).
        normalize (bool): with ``reduce='mean'``, divide the summed loss by the number of
            non-ignored labels (True) or by B = x.shape[0] (False).
        reduce (str): ``'mean'`` gives a 0-dim loss (0 when everything is ignored); ``'no'``
            gives the loss of each element (0 where ignored).

    Returns:
        Variable of x's dtype: 0-dim, or of x's shape with ``reduce='no'``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.sigmoid_cross_entropy(numpy.array([[0., 0.]]), numpy.array([[1, -1]]))
        variable(0.69314718, shape=(), dtype=float64)
    """
    if reduce not in ('mean', 'no'):
        raise ValueError("sigmoid_cross_entropy: reduce must be 'mean' or 'no', got %r"
                         % (reduce,))
    return SigmoidCrossEntropy(normalize, reduce).apply((x, t))[0]


class MeanSquaredError(function.Function):
    """Mean of squared differences (see :func:`mean_squared_error`)."""

    def check_type_forward(self, inputs):
        x0, x1 = inputs
        if x0.dtype.kind != 'f':
            type_check.expect_float(self, 'x0', x0)
        if x0.dtype != x1.dtype:
            type_check.expect_same_dtype(self, ('x0', 'x1'), inputs)
        if x0.shape != x1.shape:
            raise type_check.InvalidType(
                self, 'x0 and x1 must have the same shape (no broadcasting), got %s and %s'
                % (x0.shape, x1.shape), x0=x0, x1=x1)

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x0, x1 = inputs
        xp = backend.get_array_module(x0)
        diff = x0 - x1
        self._diff = diff
        if diff.dtype == numpy.float16:
            total = xp.square(diff).sum(dtype=numpy.float32)
        else:
            d = diff.ravel()
            total = d.dot(d)
        return xp.asarray(total / max(diff.size, 1), dtype=x0.dtype),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        coeff = 2.0 / max(self._diff.size, 1)
        if not config.enable_backprop:
            gx0 = self._diff * (gy.array * gy.dtype.type(coeff))
            gx0 = Variable(gx0, requires_grad=False)
        else:
            x0, x1 = self.get_retained_inputs()
            gx0 = (x0 - x1) * (gy * coeff)
        return tuple([gx0 if i == 0 else -gx0 for i in indexes])


def mean_squared_error(x0, x1):
    """Mean squared error, ``loss = mean((x0 - x1) ** 2)`` over all elements.

    Args:
        x0, x1: Variables or arrays of the same shape and float dtype (both get gradients).

    Returns:
        0-dim Variable of the inputs' dtype.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> F.mean_squared_error(numpy.array([1., 2.]), numpy.array([0., 4.]))
        variable(2.5, shape=(), dtype=float64)
    """
    return MeanSquaredError().apply((x0, x1))[0]
