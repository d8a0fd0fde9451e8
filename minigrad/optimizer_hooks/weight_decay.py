"""WeightDecay: L2 regularization by adding ``rate * param`` to each gradient.

Optimizer hooks layer.
"""

from minigrad import optimizer


class WeightDecay:
    """Optimizer hook that adds ``rate * param`` to the gradient of every parameter (L2 decay).

    The gradient becomes that of ``loss + rate / 2 * sum(param ** 2)``; the optimizer's rule then
    uses it (with Adam this is *coupled* decay; for AdamW's decoupled decay use
    ``Adam(weight_decay_rate=...)`` instead). Parameters without data or gradient are skipped.

    Args:
        rate (float): the coefficient (>= 0).

    Example:
        >>> import numpy, minigrad
        >>> from minigrad import optimizer_hooks, optimizers
        >>> class Model:
        ...     def __init__(self):
        ...         self.w = minigrad.Parameter(numpy.array([1., -2.]))
        ...     def params(self):
        ...         yield self.w
        >>> model = Model()
        >>> opt = optimizers.SGD(lr=0.5).setup(model)
        >>> opt.add_hook(optimizer_hooks.WeightDecay(0.1))
        >>> model.w.grad = numpy.zeros(2)
        >>> opt.update()                     # w -= 0.5 * (0 + 0.1 * w)
        >>> model.w.array
        array([ 0.95, -1.9 ])
    """

    name = 'WeightDecay'
    timing = 'pre'
    call_for_each_param = True

    def __init__(self, rate):
        optimizer._check_hyperparam('WeightDecay', 'rate', rate)
        self.rate = rate

    def __call__(self, rule, param):
        p = param.array
        g = param.grad
        if p is None or g is None:
            return
        g += float(self.rate) * p
