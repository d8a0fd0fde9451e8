"""AdaGrad: per-element learning rates from the sum of squared gradients.

Optimizers layer. Float16 parameters are updated through float32 arithmetic and the state is
kept in float32, so that neither ``eps`` nor the squared gradients vanish.
"""

from minigrad import backend, optimizer

_defaults = optimizer.Hyperparameter()
_defaults.lr = 0.001
_defaults.eps = 1e-8


class AdaGradRule(optimizer.UpdateRule):
    """Update rule of :class:`AdaGrad`; its state ``h`` sums the squared gradients.

    Args:
        parent_hyperparam (Hyperparameter): the optimizer's hyperparameters (defaults if None).
        lr (float): overrides the learning rate for this parameter.
        eps (float): overrides ``eps`` for this parameter.
    """

    def __init__(self, parent_hyperparam=None, lr=None, eps=None):
        super().__init__(parent_hyperparam or _defaults)
        if lr is not None:
            self.hyperparam.lr = lr
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        self.state['h'] = optimizer._state_zeros(param)

    def update_core(self, param):
        hp = self.hyperparam
        p = param.array
        xp = backend.get_array_module(p)
        dtype = optimizer._compute_dtype(p.dtype)
        grad = param.grad.astype(dtype, copy=False)
        h = self.state['h']
        h += grad * grad
        denom = xp.sqrt(h.astype(dtype, copy=False))
        denom += float(hp.eps)
        p -= float(hp.lr) * grad / denom


class AdaGrad(optimizer.GradientMethod):
    """AdaGrad (Duchi et al., 2011).

    ``h += grad ** 2``, then ``param -= lr * grad / (sqrt(h) + eps)``; ``h`` starts at zero.

    Args:
        lr (float): the learning rate.
        eps (float): keeps the division finite.
    """

    lr = optimizer.HyperparameterProxy('lr')
    eps = optimizer.HyperparameterProxy('eps')

    def __init__(self, lr=_defaults.lr, eps=_defaults.eps):
        super().__init__()
        optimizer._check_hyperparam('AdaGrad', 'lr', lr)
        optimizer._check_hyperparam('AdaGrad', 'eps', eps)
        self.hyperparam.lr = lr
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return AdaGradRule(self.hyperparam)
