"""ExponentialShift: multiply an optimizer hyperparameter (e.g. ``lr``) by ``rate`` each call.

Training layer. The current value is saved in snapshots and set again when a resumed run starts.
"""

import numpy

from minigrad.training import extension


class ExponentialShift(extension.Extension):
    """Set ``optimizer.<attr>`` to ``init * rate ** k`` at its k-th call (Chainer's rule).

    Give it a trigger: ``trainer.extend(ExponentialShift('lr', 0.5), trigger=(1, 'epoch'))``
    halves the learning rate every epoch.

    Args:
        attr (str): the optimizer attribute, e.g. ``'lr'`` (SGD) or ``'alpha'`` (Adam).
        rate (float): the factor per call (non-negative).
        init (float): the first value (default: the optimizer's value when training starts).
        target (float): a bound the value never passes (a floor when ``rate < 1``, a ceiling
            when ``rate > 1``).
        optimizer: the optimizer (default: the updater's ``'main'`` one).

    Example:
        >>> import minigrad.optimizers as O
        >>> from types import SimpleNamespace
        >>> opt = O.SGD(lr=1.0)
        >>> trainer = SimpleNamespace(updater=SimpleNamespace(get_optimizer=lambda name: opt))
        >>> shift = ExponentialShift('lr', 0.5, target=0.2)
        >>> shift.initialize(trainer)
        >>> for _ in range(3):
        ...     shift(trainer)
        ...     print(opt.lr)
        0.5
        0.25
        0.2
    """

    def __init__(self, attr, rate, init=None, target=None, optimizer=None):
        if rate < 0:
            raise ValueError('ExponentialShift: rate must not be negative, got %r' % (rate,))
        self._attr = attr
        self._rate = rate
        self._init = init
        self._target = target
        self._optimizer = optimizer
        self._t = 0
        self._last_value = None

    def _get_optimizer(self, trainer):
        return self._optimizer or trainer.updater.get_optimizer('main')

    def _update_value(self, optimizer, value):
        setattr(optimizer, self._attr, value)
        self._last_value = value

    def initialize(self, trainer):
        optimizer = self._get_optimizer(trainer)
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        # after a resume, the value reached before the snapshot
        value = self._init if self._last_value is None else self._last_value
        self._update_value(optimizer, value)

    def __call__(self, trainer):
        self._t += 1
        optimizer = self._get_optimizer(trainer)
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        value = self._init * self._rate ** self._t
        if self._target is not None:
            if self._rate > 1:
                value = min(value, self._target)
            else:
                value = max(value, self._target)
        self._update_value(optimizer, value)

    def serialize(self, serializer):
        self._t = serializer('_t', self._t)
        value = serializer('_last_value', self._last_value)   # None is left out of the file
        if isinstance(value, numpy.ndarray):
            value = value.item()
        self._last_value = value
