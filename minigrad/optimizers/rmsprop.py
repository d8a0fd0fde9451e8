"""RMSprop: the gradient divided by a running root mean square of recent gradients.

Optimizers layer. Float16 parameters are updated through float32 arithmetic and the state is
kept in float32, so that neither ``eps`` nor the squared gradients vanish.
"""

from minigrad import backend, optimizer

_defaults = optimizer.Hyperparameter()
_defaults.lr = 0.01
_defaults.alpha = 0.99
_defaults.eps = 1e-8
_defaults.eps_inside_sqrt = False


class RMSpropRule(optimizer.UpdateRule):
    """Update rule of :class:`RMSprop`; its state ``ms`` is the running mean of ``grad ** 2``.

    Args:
        parent_hyperparam (Hyperparameter): the optimizer's hyperparameters (defaults if None).
        lr, alpha, eps, eps_inside_sqrt: override the parent's values for this parameter.
    """

    def __init__(self, parent_hyperparam=None, lr=None, alpha=None, eps=None,
                 eps_inside_sqrt=None):
        super().__init__(parent_hyperparam or _defaults)
        if lr is not None:
            self.hyperparam.lr = lr
        if alpha is not None:
            self.hyperparam.alpha = alpha
        if eps is not None:
            self.hyperparam.eps = eps
        if eps_inside_sqrt is not None:
            self.hyperparam.eps_inside_sqrt = eps_inside_sqrt

    def init_state(self, param):
        self.state['ms'] = optimizer._state_zeros(param)

    def update_core(self, param):
        hp = self.hyperparam
        alpha = float(hp.alpha)
        eps = float(hp.eps)
        p = param.array
        xp = backend.get_array_module(p)
        dtype = optimizer._compute_dtype(p.dtype)
        grad = param.grad.astype(dtype, copy=False)
        ms = self.state['ms']
        ms *= alpha
        ms += (1 - alpha) * grad * grad
        ms = ms.astype(dtype, copy=False)
        if hp.eps_inside_sqrt:
            denom = xp.sqrt(ms + eps)
        else:
            denom = xp.sqrt(ms)
            denom += eps
        p -= float(hp.lr) * grad / denom


class RMSprop(optimizer.GradientMethod):
    """RMSprop (Hinton's lecture notes), as in Chainer.

    ``ms = alpha * ms + (1 - alpha) * grad ** 2``, then
    ``param -= lr * grad / (sqrt(ms) + eps)`` (``sqrt(ms + eps)`` with ``eps_inside_sqrt``);
    ``ms`` starts at zero.

    Args:
        lr (float): the learning rate.
        alpha (float): the decay of the running mean of squared gradients.
        eps (float): keeps the division finite.
        eps_inside_sqrt (bool): add ``eps`` under the square root (TensorFlow's variant).
    """

    lr = optimizer.HyperparameterProxy('lr')
    alpha = optimizer.HyperparameterProxy('alpha')
    eps = optimizer.HyperparameterProxy('eps')
    eps_inside_sqrt = optimizer.HyperparameterProxy('eps_inside_sqrt')

    def __init__(self, lr=_defaults.lr, alpha=_defaults.alpha, eps=_defaults.eps,
                 eps_inside_sqrt=_defaults.eps_inside_sqrt):
        super().__init__()
        optimizer._check_hyperparam('RMSprop', 'lr', lr)
        optimizer._check_hyperparam('RMSprop', 'alpha', alpha, 0.0, 1.0)
        optimizer._check_hyperparam('RMSprop', 'eps', eps)
        self.hyperparam.lr = lr
        self.hyperparam.alpha = alpha
        self.hyperparam.eps = eps
        self.hyperparam.eps_inside_sqrt = eps_inside_sqrt

    def create_update_rule(self):
        return RMSpropRule(self.hyperparam)
