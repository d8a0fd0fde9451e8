"""Stochastic gradient descent: SGD, MomentumSGD and NesterovAG, each with its update rule.

Optimizers layer. Every rule updates ``param.array`` in place with the array module of the
parameter (NumPy or CuPy), so the dtype and the array object stay the same.
"""

from minigrad import backend, optimizer

_sgd_defaults = optimizer.Hyperparameter()
_sgd_defaults.lr = 0.01

_momentum_defaults = optimizer.Hyperparameter()
_momentum_defaults.lr = 0.01
_momentum_defaults.momentum = 0.9


class SGDRule(optimizer.UpdateRule):
    """Update rule of :class:`SGD`: ``param -= lr * grad``.

    Args:
        parent_hyperparam (Hyperparameter): the optimizer's hyperparameters (defaults if None).
        lr (float): overrides the parent's learning rate for this parameter.
    """

    def __init__(self, parent_hyperparam=None, lr=None):
        super().__init__(parent_hyperparam or _sgd_defaults)
        if lr is not None:
            self.hyperparam.lr = lr

    def update_core(self, param):
        p = param.array
        p -= float(self.hyperparam.lr) * param.grad


class SGD(optimizer.GradientMethod):
    """Vanilla stochastic gradient descent: ``param -= lr * grad``.

    Args:
        lr (float): the learning rate.

    Example:
        >>> import numpy, minigrad
        >>> class Model:                     # any object with params() will do; so does a Link
        ...     def __init__(self):
        ...         self.w = minigrad.Parameter(numpy.array([1., 2.], dtype=numpy.float32))
        ...     def params(self):
        ...         yield self.w
        >>> model = Model()
        >>> opt = minigrad.optimizers.SGD(lr=0.1).setup(model)
        >>> model.w.grad = numpy.array([1., -1.], dtype=numpy.float32)
        >>> opt.update()
        >>> model.w.array
        array([0.9, 2.1], dtype=float32)
    """

    lr = optimizer.HyperparameterProxy('lr')

    def __init__(self, lr=_sgd_defaults.lr):
        super().__init__()
        optimizer._check_hyperparam('SGD', 'lr', lr)
        self.hyperparam.lr = lr

    def create_update_rule(self):
        return SGDRule(self.hyperparam)


class MomentumSGDRule(optimizer.UpdateRule):
    """Update rule of :class:`MomentumSGD`; its state is the velocity ``v``.

    Args:
        parent_hyperparam (Hyperparameter): the optimizer's hyperparameters (defaults if None).
        lr (float): overrides the learning rate for this parameter.
        momentum (float): overrides the momentum for this parameter.
    """

    def __init__(self, parent_hyperparam=None, lr=None, momentum=None):
        super().__init__(parent_hyperparam or _momentum_defaults)
        if lr is not None:
            self.hyperparam.lr = lr
        if momentum is not None:
            self.hyperparam.momentum = momentum

    def init_state(self, param):
        xp = backend.get_array_module(param.array)
        self.state['v'] = xp.zeros_like(param.array)

    def update_core(self, param):
        hp = self.hyperparam
        v = self.state['v']
        v *= float(hp.momentum)
        v -= float(hp.lr) * param.grad
        p = param.array
        p += v


class MomentumSGD(optimizer.GradientMethod):
    """Stochastic gradient descent with classical momentum (Chainer's formulation).

    ``v = momentum * v - lr * grad``, then ``param += v``; ``v`` starts at zero.

    Args:
        lr (float): the learning rate.
        momentum (float): the decay of the velocity.
    """

    lr = optimizer.HyperparameterProxy('lr')
    momentum = optimizer.HyperparameterProxy('momentum')

    def __init__(self, lr=_momentum_defaults.lr, momentum=_momentum_defaults.momentum):
        super().__init__()
        optimizer._check_hyperparam('MomentumSGD', 'lr', lr)
        optimizer._check_hyperparam('MomentumSGD', 'momentum', momentum)
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    def create_update_rule(self):
        return MomentumSGDRule(self.hyperparam)


class NesterovAGRule(MomentumSGDRule):
    """Update rule of :class:`NesterovAG`; its state is the velocity ``v``."""

    def update_core(self, param):
        hp = self.hyperparam
        momentum = float(hp.momentum)
        lr = float(hp.lr)
        grad = param.grad
        v = self.state['v']
        v *= momentum
        v -= lr * grad
        p = param.array
        p += momentum * momentum * v
        p -= (1 + momentum) * lr * grad


class NesterovAG(optimizer.GradientMethod):
    """Nesterov's accelerated gradient, in the reformulation Chainer uses.

    ``v = momentum * v - lr * grad``, then
    ``param += momentum ** 2 * v - (1 + momentum) * lr * grad`` with the *new* ``v``;
    ``v`` starts at zero. This is Chainer's rule; Bengio et al.'s form (and PyTorch's
    ``nesterov=True``) uses the velocity from before the step in the second line.

    Args:
        lr (float): the learning rate.
        momentum (float): the decay of the velocity.
    """

    lr = optimizer.HyperparameterProxy('lr')
    momentum = optimizer.HyperparameterProxy('momentum')

    def __init__(self, lr=_momentum_defaults.lr, momentum=_momentum_defaults.momentum):
        super().__init__()
        optimizer._check_hyperparam('NesterovAG', 'lr', lr)
        optimizer._check_hyperparam('NesterovAG', 'momentum', momentum)
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    def create_update_rule(self):
        return NesterovAGRule(self.hyperparam)
