"""Adam and its variants AdamW (decoupled weight decay) and AMSGrad.

Optimizers layer. Float16 parameters are updated through float32 arithmetic and their moments are
kept in float32, so that neither ``eps`` nor the squared gradients vanish.
"""

import math

from minigrad import backend, optimizer

_defaults = optimizer.Hyperparameter()
_defaults.alpha = 0.001
_defaults.beta1 = 0.9
_defaults.beta2 = 0.999
_defaults.eps = 1e-8
_defaults.eta = 1.0
_defaults.weight_decay_rate = 0
_defaults.amsgrad = False


def _learning_rate(hp, t):
    if t == 0:
        raise ValueError('Adam: the learning rate alpha_t is undefined before the first update '
                         '(t == 0); it is alpha * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)')
    fix1 = 1.0 - math.pow(hp.beta1, t)
    fix2 = 1.0 - math.pow(hp.beta2, t)
    return hp.alpha * math.sqrt(fix2) / fix1


class AdamRule(optimizer.UpdateRule):
    """Update rule of :class:`Adam`; its state holds the moments ``m`` and ``v`` (and ``vhat``
    with ``amsgrad``). The bias correction uses this rule's own update count :attr:`t`.

    Args:
        parent_hyperparam (Hyperparameter): the optimizer's hyperparameters (defaults if None).
        alpha, beta1, beta2, eps, eta, weight_decay_rate, amsgrad: override the parent's values
            for this parameter.
    """

    def __init__(self, parent_hyperparam=None, alpha=None, beta1=None, beta2=None, eps=None,
                 eta=None, weight_decay_rate=None, amsgrad=None):
        super().__init__(parent_hyperparam or _defaults)
        for name, value in (('alpha', alpha), ('beta1', beta1), ('beta2', beta2), ('eps', eps),
                            ('eta', eta), ('weight_decay_rate', weight_decay_rate),
                            ('amsgrad', amsgrad)):
            if value is not None:
                setattr(self.hyperparam, name, value)

    def init_state(self, param):
        self.state['m'] = optimizer._state_zeros(param)
        self.state['v'] = optimizer._state_zeros(param)
        if self.hyperparam.amsgrad:
            self.state['vhat'] = optimizer._state_zeros(param)

    def update_core(self, param):
        hp = self.hyperparam
        p = param.array
        xp = backend.get_array_module(p)
        dtype = optimizer._compute_dtype(p.dtype)
        grad = param.grad.astype(dtype, copy=False)
        state = self.state
        m = state['m']
        v = state['v']
        m += (1 - float(hp.beta1)) * (grad - m)
        v += (1 - float(hp.beta2)) * (grad * grad - v)
        if hp.amsgrad:
            vhat = state['vhat']
            xp.maximum(vhat, v, out=vhat)
        else:
            vhat = v
        step = xp.sqrt(vhat.astype(dtype, copy=False))
        step += float(hp.eps)
        xp.divide(float(self.alpha_t), step, out=step)
        step *= m
        rate = float(hp.weight_decay_rate)
        if rate != 0:
            step += rate * p
        eta = float(hp.eta)
        if eta != 1:
            step *= eta
        p -= step

    @property
    def alpha_t(self):
        """The bias-corrected step size ``alpha * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)``."""
        return _learning_rate(self.hyperparam, self.t)

    lr = alpha_t


class Adam(optimizer.GradientMethod):
    """Adam (Kingma and Ba, 2015), with Chainer's options for AdamW and AMSGrad.

    With ``g`` the gradient and ``t`` the number of updates of the parameter::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2          (vhat = max(vhat, v) with amsgrad)
        alpha_t = alpha * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        param -= eta * (alpha_t * m / (sqrt(v) + eps) + weight_decay_rate * param)

    ``weight_decay_rate`` is decoupled weight decay (AdamW, Loshchilov and Hutter): it shrinks the
    parameter directly instead of adding to the gradient; ``eta`` scales the whole step (a
    schedule multiplier).

    Args:
        alpha (float): the step size.
        beta1 (float): the decay of the first moment.
        beta2 (float): the decay of the second moment.
        eps (float): keeps the division finite.
        eta (float): multiplies the whole step.
        weight_decay_rate (float): decoupled weight decay.
        amsgrad (bool): use the running maximum of ``v`` (AMSGrad, Reddi et al.).

    Example:
        >>> import numpy, minigrad
        >>> class Model:
        ...     def __init__(self):
        ...         self.w = minigrad.Parameter(numpy.array([1., 2.]))
        ...     def params(self):
        ...         yield self.w
        >>> model = Model()
        >>> opt = minigrad.optimizers.Adam(alpha=0.1).setup(model)
        >>> model.w.grad = numpy.array([0.5, -3.])
        >>> opt.update()                     # the first step moves each element by about alpha
        >>> model.w.array.round(6)
        array([0.9, 2.1])
        >>> round(opt.lr, 6)                 # alpha * sqrt(1 - beta2) / (1 - beta1)
        0.031623
    """

    alpha = optimizer.HyperparameterProxy('alpha')
    beta1 = optimizer.HyperparameterProxy('beta1')
    beta2 = optimizer.HyperparameterProxy('beta2')
    eps = optimizer.HyperparameterProxy('eps')
    eta = optimizer.HyperparameterProxy('eta')
    weight_decay_rate = optimizer.HyperparameterProxy('weight_decay_rate')
    amsgrad = optimizer.HyperparameterProxy('amsgrad')

    def __init__(self, alpha=_defaults.alpha, beta1=_defaults.beta1, beta2=_defaults.beta2,
                 eps=_defaults.eps, eta=_defaults.eta,
                 weight_decay_rate=_defaults.weight_decay_rate, amsgrad=_defaults.amsgrad):
        super().__init__()
        name = type(self).__name__
        optimizer._check_hyperparam(name, 'alpha', alpha)
        optimizer._check_hyperparam(name, 'beta1', beta1, 0.0, 1.0)
        optimizer._check_hyperparam(name, 'beta2', beta2, 0.0, 1.0)
        optimizer._check_hyperparam(name, 'eps', eps)
        optimizer._check_hyperparam(name, 'eta', eta)
        optimizer._check_hyperparam(name, 'weight_decay_rate', weight_decay_rate)
        hp = self.hyperparam
        hp.alpha = alpha
        hp.beta1 = beta1
        hp.beta2 = beta2
        hp.eps = eps
        hp.eta = eta
        hp.weight_decay_rate = weight_decay_rate
        hp.amsgrad = bool(amsgrad)

    def create_update_rule(self):
        return AdamRule(self.hyperparam)

    @property
    def alpha_t(self):
        """The bias-corrected step size at the optimizer's update count :attr:`t`."""
        return _learning_rate(self.hyperparam, self.t)

    @property
    def lr(self):
        """Chainer's name for :attr:`alpha_t`: ``alpha * sqrt(1 - beta2**t) / (1 - beta1**t)``."""
        return self.alpha_t


class AdamW(Adam):
    """Adam with decoupled weight decay: :class:`Adam` with ``weight_decay_rate`` (Chainer's
    signature; there is no ``amsgrad`` argument).

    ``param -= eta * (alpha_t * m / (sqrt(v) + eps) + weight_decay_rate * param)``
    """

    def __init__(self, alpha=_defaults.alpha, beta1=_defaults.beta1, beta2=_defaults.beta2,
                 eps=_defaults.eps, eta=_defaults.eta,
                 weight_decay_rate=_defaults.weight_decay_rate):
        super().__init__(alpha, beta1, beta2, eps, eta, weight_decay_rate, amsgrad=False)


class AMSGrad(Adam):
    """AMSGrad: :class:`Adam` with ``amsgrad=True`` (the step uses the running maximum of ``v``).
    """

    def __init__(self, alpha=_defaults.alpha, beta1=_defaults.beta1, beta2=_defaults.beta2,
                 eps=_defaults.eps, eta=_defaults.eta):
        super().__init__(alpha, beta1, beta2, eps, eta, amsgrad=True)
