"""Triggers: callables ``trigger(trainer) -> bool`` that decide when an extension runs.

Training layer. ``(100, 'iteration')`` or ``(1, 'epoch')`` anywhere a trigger is expected
becomes an :class:`IntervalTrigger` (see :func:`get_trigger`). Triggers with state have
``serialize``, so a resumed run fires exactly where the uninterrupted one would have.
"""

import math
import operator

from minigrad import reporter

_UNITS = ('iteration', 'epoch')


def _periods(epoch_detail, period):
    # how many whole periods fit in epoch_detail. Both are floats, and 0.3 // 0.1 is 2.0 (0.3
    # is a hair below three tenths), so a fractional period would fire late or skip a point:
    # the tolerance is far below the share of an epoch that one iteration can be
    return math.floor(epoch_detail / period + 1e-9)


def _previous_position(trigger, updater):
    """The iteration and epoch detail ``trigger`` last saw, to compare with the current ones.

    Before its first call (both -1) a trigger takes the updater's own previous position (the
    iteration before this one, the epoch detail before the last batch), as Chainer's do: a
    trigger added to an updater that has already run (a second Trainer on it, an extension
    added when resuming) then waits for the next multiple instead of firing at once.
    """
    iteration = trigger._previous_iteration
    epoch_detail = trigger._previous_epoch_detail
    if iteration < 0:
        iteration = max(updater.iteration - 1, 0)   # (the stop trigger is asked at 0 too)
    if epoch_detail < 0:
        epoch_detail = getattr(updater, 'previous_epoch_detail', None)
        if epoch_detail is None:
            epoch_detail = 0.0
    return iteration, epoch_detail


def _check_unit(owner, unit):
    if unit not in _UNITS:
        raise ValueError("%s: unit must be 'iteration' or 'epoch', got %r" % (owner, unit))


class IntervalTrigger:
    """Fire every ``period`` iterations or epochs.

    For epochs it fires at the iteration where ``updater.epoch_detail`` crosses a multiple of
    ``period`` (fractional periods such as ``(0.5, 'epoch')`` work).

    Args:
        period (int or float): the interval length.
        unit (str): ``'iteration'`` or ``'epoch'``.

    Example:
        >>> from types import SimpleNamespace
        >>> trigger = IntervalTrigger(2, 'iteration')
        >>> updater = SimpleNamespace(iteration=0, epoch_detail=0.0)
        >>> trainer = SimpleNamespace(updater=updater)
        >>> fired = []
        >>> for i in range(1, 7):
        ...     updater.iteration = i
        ...     fired.append(trigger(trainer))
        >>> fired
        [False, True, False, True, False, True]
    """

    def __init__(self, period, unit):
        _check_unit('IntervalTrigger', unit)
        if not period > 0:
            raise ValueError('IntervalTrigger: period must be positive, got %r' % (period,))
        self.period = period
        self.unit = unit
        self._previous_iteration = -1           # not called yet: see _previous_position
        self._previous_epoch_detail = -1.0

    def __call__(self, trainer):
        updater = trainer.updater
        previous_iteration, previous_epoch_detail = _previous_position(self, updater)
        if self.unit == 'epoch':
            fire = (_periods(previous_epoch_detail, self.period)
                    != _periods(updater.epoch_detail, self.period))
        else:
            fire = previous_iteration // self.period != updater.iteration // self.period
        self._previous_iteration = updater.iteration
        self._previous_epoch_detail = getattr(updater, 'epoch_detail', 0.0)
        return fire

    def get_training_length(self):
        """``(period, unit)``: how long training lasts when this is the stop trigger."""
        return self.period, self.unit

    def serialize(self, serializer):
        """Save or load the iteration and epoch seen at the last call."""
        self._previous_iteration = serializer('previous_iteration', self._previous_iteration)
        self._previous_epoch_detail = serializer('previous_epoch_detail',
                                                 float(self._previous_epoch_detail))

    def __repr__(self):
        return 'IntervalTrigger(%r, %r)' % (self.period, self.unit)


class ManualScheduleTrigger:
    """Fire when the iteration (or epoch) reaches one of the given points.

    Args:
        points (int, float or list of them): when to fire.
        unit (str): ``'iteration'`` or ``'epoch'``.

    Attributes:
        finished (bool): True once the last point has passed (a stop trigger is then done).
    """

    def __init__(self, points, unit):
        _check_unit('ManualScheduleTrigger', unit)
        points = [points] if isinstance(points, (int, float)) else list(points)
        if not points:
            raise ValueError('ManualScheduleTrigger: points must not be empty')
        self.points = points
        self.unit = unit
        self.finished = False
        self._previous_iteration = -1           # not called yet: see _previous_position
        self._previous_epoch_detail = -1.0

    def __call__(self, trainer):
        updater = trainer.updater
        previous_iteration, previous_epoch_detail = _previous_position(self, updater)
        if self.unit == 'epoch':
            previous, now = previous_epoch_detail, updater.epoch_detail
        else:
            previous, now = previous_iteration, updater.iteration
        fire = any(previous < p <= now for p in self.points)
        if now >= max(self.points):
            self.finished = True
        self._previous_iteration = updater.iteration
        self._previous_epoch_detail = getattr(updater, 'epoch_detail', 0.0)
        return fire

    def get_training_length(self):
        return max(self.points), self.unit

    def serialize(self, serializer):
        self._previous_iteration = serializer('previous_iteration', self._previous_iteration)
        self._previous_epoch_detail = serializer('previous_epoch_detail',
                                                 float(self._previous_epoch_detail))
        self.finished = serializer('finished', self.finished)


class BestValueTrigger:
    """Fire when the mean of an observed value, checked at each interval, is the best so far.

    Args:
        key (str): the observation key, e.g. ``'validation/main/loss'``.
        compare: ``compare(best, new)`` is True when ``new`` is better.
        trigger: how often the mean is checked (default: every epoch).
    """

    def __init__(self, key, compare, trigger=(1, 'epoch')):
        self._key = key
        self._compare = compare
        self._interval_trigger = get_trigger(trigger)
        self._best_value = None
        self._summary = reporter.DictSummary()

    def __call__(self, trainer):
        observation = trainer.observation
        if self._key in observation:
            self._summary.add({self._key: observation[self._key]})
        if not self._interval_trigger(trainer):
            return False
        stats = self._summary.compute_mean()
        self._summary = reporter.DictSummary()
        if self._key not in stats:
            return False
        value = stats[self._key]
        if self._best_value is None or self._compare(self._best_value, value):
            self._best_value = value
            return True
        return False

    def serialize(self, serializer):
        if hasattr(self._interval_trigger, 'serialize'):
            self._interval_trigger.serialize(serializer['interval_trigger'])
        self._summary.serialize(serializer['summary'])
        # None (no value yet) is left out of the file, and comes back as None
        best = serializer('best_value', self._best_value)
        self._best_value = None if best is None else float(best)


class MaxValueTrigger(BestValueTrigger):
    """Fire when the value of ``key`` is the largest so far (e.g. validation accuracy).

    Example: ``trainer.extend(snapshot_object(model, 'best.npz'),
    trigger=MaxValueTrigger('validation/main/accuracy'))``.
    """

    def __init__(self, key, trigger=(1, 'epoch')):
        super().__init__(key, operator.lt, trigger)


class MinValueTrigger(BestValueTrigger):
    """Fire when the value of ``key`` is the smallest so far (e.g. validation loss)."""

    def __init__(self, key, trigger=(1, 'epoch')):
        super().__init__(key, operator.gt, trigger)


def _never_fire(trainer):
    return False


def get_trigger(trigger):
    """Turn ``trigger`` into a trigger object.

    Args:
        trigger: a callable (returned as is), a ``(period, unit)`` tuple (an
            :class:`IntervalTrigger`), or None (a trigger that never fires).

    Example:
        >>> get_trigger((100, 'iteration'))
        IntervalTrigger(100, 'iteration')
    """
    if callable(trigger):
        return trigger
    if trigger is None:
        return _never_fire
    if isinstance(trigger, (tuple, list)) and len(trigger) == 2:
        return IntervalTrigger(*trigger)
    raise TypeError("a trigger must be a callable, a (period, unit) tuple such as "
                    "(1, 'epoch'), or None; got %r" % (trigger,))
