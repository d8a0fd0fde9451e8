"""GradientClipping: rescale all gradients so that their global L2 norm stays under a threshold.

Optimizer hooks layer; built on :func:`minigrad.clip_grads`.
"""

from minigrad import gradients


class GradientClipping:
    """Optimizer hook that clips the global L2 norm of the target's gradients to ``threshold``.

    Before each update, the norm ``sqrt(sum over params of sum(grad ** 2))`` is computed; when it
    exceeds ``threshold`` every gradient is multiplied by ``threshold / (norm + 1e-6)`` (see
    :func:`minigrad.clip_grads`). The norm before clipping is kept in :attr:`norm`, handy for
    logging exploding gradients.

    Args:
        threshold (float): the largest allowed norm (> 0).
        error_if_nonfinite (bool): raise ``FloatingPointError`` when the norm is NaN or Inf
            (the update is then not done). Otherwise such gradients are left as they are.

    Attributes:
        norm (float or None): the global norm seen at the last update (None before the first).

    Example:
        >>> import numpy, minigrad
        >>> from minigrad import optimizer_hooks, optimizers
        >>> class Model:
        ...     def __init__(self):
        ...         self.w = minigrad.Parameter(numpy.zeros(2, dtype=numpy.float32))
        ...     def params(self):
        ...         yield self.w
        >>> model = Model()
        >>> opt = optimizers.SGD(lr=1.0).setup(model)
        >>> clip = optimizer_hooks.GradientClipping(1.0)
        >>> opt.add_hook(clip)
        >>> model.w.grad = numpy.array([3., 4.], dtype=numpy.float32)
        >>> opt.update()
        >>> clip.norm, model.w.array.round(4)
        (5.0, array([-0.6, -0.8], dtype=float32))
    """

    name = 'GradientClipping'
    timing = 'pre'

    def __init__(self, threshold, error_if_nonfinite=False):
        if not threshold > 0:
            raise ValueError('GradientClipping: threshold must be positive, got %r'
                             % (threshold,))
        self.threshold = threshold
        self.error_if_nonfinite = error_if_nonfinite
        self.norm = None

    def __call__(self, opt):
        self.norm = gradients.clip_grads(opt.target.params(), self.threshold,
                                         error_if_nonfinite=self.error_if_nonfinite)
