"""LinearShift: move an optimizer hyperparameter linearly from one value to another.

Training layer. The call count and current value are saved in snapshots.
"""

import numpy

from minigrad.training import extension


class LinearShift(extension.Extension):
    """Set ``optimizer.<attr>`` by linear interpolation over the calls ``t1`` to ``t2``.

    Before call ``t1`` the value is ``v1``, after call ``t2`` it is ``v2`` (Chainer's rule).

    Args:
        attr (str): the optimizer attribute, e.g. ``'lr'``.
        value_range (tuple): ``(v1, v2)``.
        time_range (tuple): ``(t1, t2)``, counted in calls of this extension.
        optimizer: the optimizer (default: the updater's ``'main'`` one).

    Example:
        >>> import minigrad.optimizers as O
        >>> from types import SimpleNamespace
        >>> opt = O.SGD(lr=0.0)
        >>> trainer = SimpleNamespace(updater=SimpleNamespace(get_optimizer=lambda name: opt))
        >>> shift = LinearShift('lr', (0.0, 1.0), (0, 4))
        >>> shift.initialize(trainer)
        >>> values = []
        >>> for _ in range(5):
        ...     shift(trainer)
        ...     values.append(opt.lr)
        >>> values
        [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, attr, value_range, time_range, optimizer=None):
        t1, t2 = time_range
        if t2 <= t1:
            raise ValueError('LinearShift: time_range must be increasing, got %r'
                             % (time_range,))
        self._attr = attr
        self._value_range = value_range
        self._time_range = time_range
        self._optimizer = optimizer
        self._t = 0
        self._last_value = None

    def _get_optimizer(self, trainer):
        return self._optimizer or trainer.updater.get_optimizer('main')

    def _compute(self):
        t1, t2 = self._time_range
        v1, v2 = self._value_range
        if self._t <= t1:
            return v1
        if self._t >= t2:
            return v2
        return v1 + (v2 - v1) * (self._t - t1) / (t2 - t1)

    def _update_value(self, optimizer, value):
        setattr(optimizer, self._attr, value)
        self._last_value = value

    def initialize(self, trainer):
        value = self._compute() if self._last_value is None else self._last_value
        self._update_value(self._get_optimizer(trainer), value)

    def __call__(self, trainer):
        self._t += 1
        self._update_value(self._get_optimizer(trainer), self._compute())

    def serialize(self, serializer):
        self._t = serializer('_t', self._t)
        value = serializer('_last_value', self._last_value)
        if isinstance(value, numpy.ndarray):
            value = value.item()
        self._last_value = value
