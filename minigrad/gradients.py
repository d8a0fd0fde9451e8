"""Utilities on the gradients of many parameters at once: ``clip_grads``.

Core layer (it only reads and scales ``.grad`` arrays in place). The optimizer hook
``GradientClipping`` is built on it.
"""

import math

import numpy

from minigrad import backend


def clip_grads(params, max_norm, error_if_nonfinite=False):
    """Scale the gradients of ``params`` in place so that their global L2 norm is at most max_norm.

    The global norm is ``sqrt(sum over parameters of sum(grad ** 2))``, computed in at least
    float32. When it exceeds ``max_norm`` every gradient is multiplied by
    ``max_norm / (norm + 1e-6)`` (PyTorch's ``clip_grad_norm_`` rule). Parameters whose ``grad`` is
    None are skipped.

    Args:
        params: an iterable of Variables/Parameters (e.g. ``model.params()``).
        max_norm (float): the largest allowed norm (> 0).
        error_if_nonfinite (bool): raise ``FloatingPointError`` when the norm is NaN or Inf.
            Otherwise a non-finite norm leaves the gradients untouched (scaling by NaN would
            only spread it) and is returned so the caller can skip the update.

    Returns:
        float: the global norm before clipping.

    Example:
        >>> import numpy, minigrad
        >>> p = minigrad.Parameter(numpy.zeros(2, dtype=numpy.float32))
        >>> p.grad = numpy.array([3., 4.], dtype=numpy.float32)
        >>> minigrad.clip_grads([p], 1.0)
        5.0
        >>> p.grad.round(4)
        array([0.6, 0.8], dtype=float32)
    """
    if not max_norm > 0:
        raise ValueError('clip_grads: max_norm must be positive, got %r' % (max_norm,))
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    xp = backend.get_array_module(grads[0])
    sq = 0.0
    for g in grads:
        g32 = g.astype(numpy.float32) if g.dtype == numpy.float16 else g
        flat = g32.ravel()
        sq = sq + xp.dot(flat, flat)
    norm = float(math.sqrt(float(sq)))
    if not math.isfinite(norm):
        if error_if_nonfinite:
            raise FloatingPointError(
                'clip_grads: the global norm of the gradients is %s; some gradient holds NaN '
                'or Inf (turn on minigrad.set_debug(True) to find the function that made it)'
                % norm)
        return norm
    scale = max_norm / (norm + 1e-6)
    if scale < 1:
        for g in grads:
            if g.dtype == numpy.float16:
                # the factor in float32: in float16 a small one rounds (or flushes) badly
                backend.get_array_module(g).multiply(g, numpy.float32(scale), out=g)
            else:
                g *= g.dtype.type(scale)
    return norm
