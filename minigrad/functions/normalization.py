"""Normalization: layer_normalization, batch_normalization and fixed_batch_normalization.

Functions layer. Each is one fused Function: forward computes the statistics and the output in
array code. Backward has two paths giving the same numbers:

- first-order (the usual case, graph building off): array code reusing the statistics kept
  from forward (the mean and ``1 / sqrt(var + eps)``, which are small);
- double backprop (graph building on): the gradient formula written with minigrad functions on
  the retained inputs, so that it can be differentiated again.

``fixed_batch_normalization`` (evaluation mode, statistics given) always uses the second path.
"""

from minigrad import backend, function, type_check
from minigrad.configuration import config
from minigrad.functions import array, reduction
from minigrad.variable import Variable


def _grad(a):
    return Variable(a, requires_grad=False)


def _check_params(func, x, names, params, expected, what):
    for name, p in zip(names, params):
        if p.shape != expected:
            raise type_check.InvalidType(
                func, '%s must have shape %s (%s), got %s' % (name, expected, what, p.shape),
                x=x, **{name: p})
        if p.dtype != x.dtype:
            raise type_check.InvalidType(
                func, '%s must have the dtype of x (%s), got %s; cast it with .astype()'
                % (name, x.dtype, p.dtype), x=x, **{name: p})


# ---- layer normalization -----------------------------------------------------------------

class LayerNormalization(function.Function):
    """Normalize over the last axis, then scale and shift (see :func:`layer_normalization`)."""

    def __init__(self, eps=1e-5):
        self.eps = eps

    def check_type_forward(self, inputs):
        x, gamma, beta = inputs
        type_check.expect_float(self, 'x', x)
        if x.ndim < 1:
            raise type_check.InvalidType(self, 'x must have at least 1 dimension (units on '
                                         'the last axis), got a 0-dimensional array', x=x)
        _check_params(self, x, ('gamma', 'beta'), (gamma, beta), (x.shape[-1],),
                      'one value per unit on the last axis of x')

    def forward(self, inputs):
        x, gamma, beta = inputs
        xp = backend.get_array_module(x)
        mean = x.mean(axis=-1, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=-1, keepdims=True)
        inv_std = xp.reciprocal(xp.sqrt(var + x.dtype.type(self.eps)))
        self.mean = mean
        self.inv_std = inv_std
        self.retain_inputs((0, 1))
        return xc * inv_std * gamma + beta,

    def backward(self, indexes, grad_outputs):
        x, gamma = self.get_retained_inputs()
        gy, = grad_outputs
        if config.enable_backprop:
            return _layer_norm_grad_graph(x, gamma, gy, self.eps, indexes)
        x, gamma, gy = x.array, gamma.array, gy.array
        inv_std = self.inv_std
        xhat = (x - self.mean) * inv_std
        n = x.shape[-1]
        ret = []
        for i in indexes:
            if i == 0:
                gxhat = gy * gamma
                gx = inv_std * (gxhat - gxhat.mean(axis=-1, keepdims=True)
                                - xhat * (gxhat * xhat).mean(axis=-1, keepdims=True))
                ret.append(_grad(gx))
            elif i == 1:
                ret.append(_grad((gy * xhat).reshape(-1, n).sum(axis=0)))
            else:
                ret.append(_grad(gy.reshape(-1, n).sum(axis=0)))
        return tuple(ret)


def _layer_norm_grad_graph(x, gamma, gy, eps, indexes):
    # the same formulas as LayerNormalization.backward, as a differentiable graph
    inv_n = 1.0 / x.shape[-1]
    mean = reduction.sum(x, axis=-1, keepdims=True) * inv_n
    xc = x - mean
    var = reduction.sum(xc * xc, axis=-1, keepdims=True) * inv_n
    inv_std = (var + eps) ** -0.5
    xhat = xc * inv_std
    lead = tuple(range(x.ndim - 1))
    ret = []
    for i in indexes:
        if i == 0:
            gxhat = gy * gamma
            ret.append(inv_std * (
                gxhat - reduction.sum(gxhat, axis=-1, keepdims=True) * inv_n
                - xhat * (reduction.sum(gxhat * xhat, axis=-1, keepdims=True) * inv_n)))
        elif i == 1:
            ret.append(reduction.sum(gy * xhat, axis=lead))
        else:
            ret.append(reduction.sum(gy, axis=lead))
    return tuple(ret)


def layer_normalization(x, gamma, beta, eps=1e-5):
    """Layer normalization: normalize each vector over its units, then scale and shift.

    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``, where ``mean`` and ``var`` (the biased
    variance) are taken over the last axis of each sample, separately.

    Chainer documents 2-D ``x`` of shape ``(B, N)``; minigrad also accepts more leading axes
    (``(T, B, N)``, as PyTorch's ``LayerNorm(N)`` does), always normalizing the last one.

    Args:
        x: Variable or array of shape ``(..., N)``.
        gamma, beta: Variables or arrays of shape ``(N,)``, the dtype of ``x``.
        eps (float): added to the variance.

    Returns:
        Variable of the shape of ``x``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> x = numpy.array([[1., 2., 3.], [2., 2., 5.]])
        >>> F.layer_normalization(x, numpy.ones(3), numpy.zeros(3), eps=0.).array.round(4)
        array([[-1.2247,  0.    ,  1.2247],
               [-0.7071, -0.7071,  1.4142]])
    """
    if eps < 0:
        raise ValueError('layer_normalization: eps must be >= 0, got %r' % (eps,))
    return LayerNormalization(eps).apply((x, gamma, beta))[0]


# ---- batch normalization -----------------------------------------------------------------

def _normalize_axis(axis, ndim):
    # None: every axis but the channel axis 1, as in Chainer: (0,) for 2-D, (0, 2, 3) for 4-D
    if axis is None:
        return (0,) + tuple(range(2, ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError('axis %d is out of range for x with %d dimensions' % (a, ndim))
        out.append(a % ndim)
    if len(set(out)) != len(out) or not out:
        raise ValueError('axis must be distinct axes, got %s' % (axis,))
    return tuple(sorted(out))


def _param_shape(shape, axis):
    return tuple([s for i, s in enumerate(shape) if i not in axis])


def _expanded_shape(shape, axis):
    # the parameter's shape with size-1 axes where x is reduced, so that it broadcasts
    return tuple([1 if i in axis else s for i, s in enumerate(shape)])


def _check_axis(func, x):
    try:
        return _normalize_axis(func.axis, x.ndim)
    except ValueError as e:
        raise type_check.InvalidType(func, str(e), x=x) from None


class BatchNormalization(function.Function):
    """Normalize with the batch statistics (see :func:`batch_normalization`)."""

    def __init__(self, eps=2e-5, running_mean=None, running_var=None, decay=0.9, axis=None):
        self.eps = eps
        self.running_mean = running_mean
        self.running_var = running_var
        self.decay = decay
        self.axis = axis

    def check_type_forward(self, inputs):
        x, gamma, beta = inputs
        type_check.expect_float(self, 'x', x)
        if x.ndim < 2 and self.axis is None:
            raise type_check.InvalidType(self, 'x must have at least 2 dimensions (batch, '
                                         'channels, ...), got %d' % x.ndim, x=x)
        axis = _check_axis(self, x)
        _check_params(self, x, ('gamma', 'beta'), (gamma, beta), _param_shape(x.shape, axis),
                      'x.shape without the normalized axes %s' % (axis,))

    def forward(self, inputs):
        x, gamma, beta = inputs
        xp = backend.get_array_module(x)
        axis = self.axis = _normalize_axis(self.axis, x.ndim)
        expanded = self.expanded = _expanded_shape(x.shape, axis)
        mean = x.mean(axis=axis)
        xc = x - mean.reshape(expanded)
        var = (xc * xc).mean(axis=axis)
        inv_std = xp.reciprocal(xp.sqrt(var + x.dtype.type(self.eps)))
        y = xc * (gamma * inv_std).reshape(expanded) + beta.reshape(expanded)
        if self.running_mean is not None:
            m = x.size // gamma.size
            decay = self.decay
            # the running variance is the unbiased one, as in Chainer
            self.running_mean *= decay
            self.running_mean += (1 - decay) * mean
            self.running_var *= decay
            self.running_var += (1 - decay) * (m / max(m - 1.0, 1.0)) * var
        self.mean = mean
        self.inv_std = inv_std
        self.retain_inputs((0, 1))
        return y,

    def backward(self, indexes, grad_outputs):
        x, gamma = self.get_retained_inputs()
        gy, = grad_outputs
        if config.enable_backprop:
            return _batch_norm_grad_graph(x, gamma, gy, self.eps, self.axis, self.expanded,
                                          indexes)
        x, gamma, gy = x.array, gamma.array, gy.array
        axis, expanded = self.axis, self.expanded
        inv_std = self.inv_std
        xhat = (x - self.mean.reshape(expanded)) * inv_std.reshape(expanded)
        gbeta = gy.sum(axis=axis)
        ggamma = (gy * xhat).sum(axis=axis)
        ret = []
        for i in indexes:
            if i == 0:
                inv_m = x.dtype.type(gamma.size / x.size)
                gx = (gamma * inv_std).reshape(expanded) * (
                    gy - (gbeta.reshape(expanded) + xhat * ggamma.reshape(expanded)) * inv_m)
                ret.append(_grad(gx))
            elif i == 1:
                ret.append(_grad(ggamma))
            else:
                ret.append(_grad(gbeta))
        return tuple(ret)


def _batch_norm_grad_graph(x, gamma, gy, eps, axis, expanded, indexes):
    # the same formulas as BatchNormalization.backward, as a differentiable graph
    inv_m = gamma.size / x.size
    mean = reduction.sum(x, axis=axis, keepdims=True) * inv_m
    xc = x - mean
    var = reduction.sum(xc * xc, axis=axis, keepdims=True) * inv_m
    inv_std = (var + eps) ** -0.5
    xhat = xc * inv_std
    gbeta = reduction.sum(gy, axis=axis)
    ggamma = reduction.sum(gy * xhat, axis=axis)
    ret = []
    for i in indexes:
        if i == 0:
            ret.append(array.reshape(gamma, expanded) * inv_std * (
                gy - (array.reshape(gbeta, expanded) + xhat * array.reshape(ggamma, expanded))
                * inv_m))
        elif i == 1:
            ret.append(ggamma)
        else:
            ret.append(gbeta)
    return tuple(ret)


def batch_normalization(x, gamma, beta, eps=2e-5, running_mean=None, running_var=None,
                        decay=0.9, axis=None):
    """Batch normalization with the statistics of the batch (training mode).

    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``, where ``mean`` and ``var`` (biased)
    are taken over ``axis``: by default every axis but axis 1 (the batch axis of ``(B, N)``;
    batch and space for ``(B, C, H, W)``).

    Args:
        x: Variable or array of shape ``(B, C, ...)``.
        gamma, beta: Variables or arrays of the shape of ``x`` without the normalized axes
            (``(C,)`` by default), the dtype of ``x``.
        eps (float): added to the variance.
        running_mean, running_var: arrays updated in place (if given):
            ``running = decay * running + (1 - decay) * batch_statistic``, the variance
            unbiased (``* m / (m - 1)``, ``m`` values per channel).
        decay (float): the decay of the running averages.
        axis (int, tuple or None): the axes to normalize over.

    Returns:
        Variable of the shape of ``x``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> x = numpy.array([[1., 10.], [3., 30.]])
        >>> F.batch_normalization(x, numpy.ones(2), numpy.zeros(2), eps=0.).array
        array([[-1., -1.],
               [ 1.,  1.]])
    """
    if eps < 0:
        raise ValueError('batch_normalization: eps must be >= 0, got %r' % (eps,))
    if (running_mean is None) != (running_var is None):
        raise ValueError('batch_normalization: give both running_mean and running_var, or '
                         'neither')
    return BatchNormalization(eps, running_mean, running_var, decay, axis).apply(
        (x, gamma, beta))[0]


class FixedBatchNormalization(function.Function):
    """Normalize with given statistics (see :func:`fixed_batch_normalization`)."""

    def __init__(self, eps=2e-5, axis=None):
        self.eps = eps
        self.axis = axis

    def check_type_forward(self, inputs):
        x, gamma, beta, mean, var = inputs
        type_check.expect_float(self, 'x', x)
        if x.ndim < 2 and self.axis is None:
            raise type_check.InvalidType(self, 'x must have at least 2 dimensions (batch, '
                                         'channels, ...), got %d' % x.ndim, x=x)
        axis = _check_axis(self, x)
        _check_params(self, x, ('gamma', 'beta', 'mean', 'var'), (gamma, beta, mean, var),
                      _param_shape(x.shape, axis),
                      'x.shape without the normalized axes %s' % (axis,))

    def forward(self, inputs):
        x, gamma, beta, mean, var = inputs
        xp = backend.get_array_module(x)
        axis = self.axis = _normalize_axis(self.axis, x.ndim)
        expanded = self.expanded = _expanded_shape(x.shape, axis)
        scale = gamma / xp.sqrt(var + x.dtype.type(self.eps))
        self.retain_inputs((0, 1, 3, 4))
        return (x - mean.reshape(expanded)) * scale.reshape(expanded) + beta.reshape(expanded),

    def backward(self, indexes, grad_outputs):
        x, gamma, mean, var = self.get_retained_inputs()
        gy, = grad_outputs
        axis, expanded = self.axis, self.expanded
        inv_std = (var + self.eps) ** -0.5
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(gy * array.reshape(gamma * inv_std, expanded))
            elif i == 1:
                ret.append(reduction.sum(gy * (x - array.reshape(mean, expanded)), axis=axis)
                           * inv_std)
            elif i == 2:
                ret.append(reduction.sum(gy, axis=axis))
            elif i == 3:
                ret.append(-reduction.sum(gy, axis=axis) * gamma * inv_std)
            else:
                gxc = reduction.sum(gy * (x - array.reshape(mean, expanded)), axis=axis)
                ret.append(gxc * gamma * (inv_std * inv_std * inv_std) * -0.5)
        return tuple(ret)


def fixed_batch_normalization(x, gamma, beta, mean, var, eps=2e-5, axis=None):
    """Batch normalization with given statistics (evaluation mode).

    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``, ``mean`` and ``var`` broadcast over
    the normalized axes (every axis but 1 by default). Differentiable in all five inputs.

    Args:
        x: Variable or array of shape ``(B, C, ...)``.
        gamma, beta, mean, var: Variables or arrays of the shape of ``x`` without the
            normalized axes, the dtype of ``x``.
        eps (float): added to the variance.
        axis (int, tuple or None): the normalized axes.

    Returns:
        Variable of the shape of ``x``.

    Example:
        >>> import numpy, minigrad.functions as F
        >>> x = numpy.array([[1., 10.], [3., 30.]])
        >>> F.fixed_batch_normalization(x, numpy.ones(2), numpy.zeros(2),
        ...                             numpy.array([1., 10.]), numpy.array([4., 100.]),
        ...                             eps=0.).array
        array([[0., 0.],
               [1., 2.]])
    """
    if eps < 0:
        raise ValueError('fixed_batch_normalization: eps must be >= 0, got %r' % (eps,))
    return FixedBatchNormalization(eps, axis).apply((x, gamma, beta, mean, var))[0]
